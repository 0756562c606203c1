"""Where staff land after signing in (issue 20): reception on its own list, "To book"; everyone
else on the admin's home; anyone who was on their way to a page, on that page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.intake.backoffice.signin import SECOND_FACTOR, authenticator, code_now, password

pytestmark = pytest.mark.django_db

TO_BOOK = "/admin/scheduling/casetobook/"


def sign_in(user: User, client: Client, next_url: str | None = None) -> str:
    """Both steps through the real pages; where the second one sends the browser."""
    device = authenticator(user)
    password(client, user.get_username())
    url = SECOND_FACTOR + (f"?next={next_url}" if next_url else "?next=/admin/")
    response = client.post(url, {"otp_token": code_now(device)})
    assert response.status_code == 302
    return str(response["Location"])


def test_reception_lands_on_to_book(receptionist: User) -> None:
    client = Client()
    assert sign_in(receptionist, client) == TO_BOOK
    assert client.get(TO_BOOK).status_code == 200


def test_the_passkey_step_is_given_the_same_landing(receptionist: User) -> None:
    # The passkey's script goes to the page's `next`: the same place as a code.
    authenticator(receptionist)
    client = Client()
    password(client, "rita")
    html = client.get(SECOND_FACTOR + "?next=/admin/").content.decode()
    assert f'name="next" value="{TO_BOOK}"' in html


def test_a_receptionist_on_the_way_to_a_page_goes_there(receptionist: User) -> None:
    wanted = "/admin/scheduling/appointment/"
    assert sign_in(receptionist, Client(), wanted) == wanted


def test_other_roles_land_on_the_home_page(triage_nurse: User, clinic_admin: User) -> None:
    assert sign_in(triage_nurse, Client()) == "/admin/"
    assert sign_in(clinic_admin, Client()) == "/admin/"


def test_a_signed_in_receptionist_sent_to_the_sign_in_page_goes_to_to_book(
    receptionist: User,
) -> None:
    client = Client()
    sign_in(receptionist, client)
    response = client.get("/admin/login/")
    assert response["Location"] == TO_BOOK
