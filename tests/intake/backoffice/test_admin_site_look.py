"""What every staff admin page shares (issue 20): the site-wide style sheet with the fixes for
what axe-core found, a search box labelled in words, and no model list down the left (the
queue's columns need the width at 1366 px)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from intake.models import AuditEvent
from tests.factories import SubmissionFactory, logged_in

pytestmark = pytest.mark.django_db


def test_every_admin_page_loads_the_site_wide_fixes_and_has_no_model_list_down_the_left(
    clinic_admin: User,
) -> None:
    submission = SubmissionFactory()
    event = AuditEvent.objects.create(action="view", submission=submission)
    client = logged_in(clinic_admin)
    for url in (
        "/admin/",
        "/admin/intake/submission/",
        f"/admin/intake/submission/{submission.pk}/change/",
        f"/admin/intake/auditevent/{event.pk}/change/",
        "/admin/auth/group/",
        "/admin/scheduling/clinician/",
    ):
        html = client.get(url).content.decode()
        assert html.count("intake/css/admin_site.css") == 1, url
        assert 'id="nav-sidebar"' not in html, url


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("/admin/intake/submission/", "Search submissions"),
        ("/admin/intake/notification/", "Search notifications"),
        ("/admin/intake/auditevent/", "Search audit log"),
    ],
)
def test_the_search_box_is_labelled_in_words(clinic_admin: User, url: str, label: str) -> None:
    html = logged_in(clinic_admin).get(url).content.decode()
    assert f'<label for="searchbar" class="search-label-text">{label}</label>' in html
