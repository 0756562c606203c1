"""The admin site (intake/backoffice/sites.py) lets no session through without the second
factor: every one of its URLs, the admin's own, the models' and the workflow views', refuses a
session signed in with the password alone, as it refuses an anonymous one. Only the sign-in
steps themselves answer it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver

from tests.intake.backoffice.signin import authenticator, password

pytestmark = pytest.mark.django_db

# The sign-in steps: they must answer a session that is not verified yet (each checks it); and
# signing out, which any session may do.
SIGN_IN_STEPS = {
    "/admin/login/",
    "/admin/login/second-factor/",
    "/admin/login/set-up/",
    "/admin/logout/",
}
SAMPLE = {"int": "1", "path": "1", "str": "x", "slug": "x"}


def admin_paths() -> Iterator[str]:
    """A concrete path for every URL pattern of the admin site."""

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> Iterator[str]:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            else:
                yield route

    for route in walk(admin.site.urls[0], ""):
        labels = re.search(r"\(\?P<app_label>([^)]*)\)", route)
        if labels:
            yield from (f"/admin/{label}/" for label in labels.group(1).split("|"))
        elif route == "(?P<url>.*)$":
            yield "/admin/no/such/page/"
        else:
            yield "/admin/" + re.sub(
                r"<(?:(\w+):)?\w+>", lambda m: SAMPLE[m.group(1) or "str"], route
            ).lstrip("^").rstrip("$")


PATHS = sorted(set(admin_paths()))


def test_the_paths_cover_the_admin_the_models_and_the_workflows() -> None:
    assert len(PATHS) > 100
    for expected in (
        "/admin/",
        "/admin/intake/submission/1/change/",
        "/admin/intake/submission/1/workflow/assign-to-me/",
        "/admin/scheduling/appointment/day-sheet/",
        "/admin/auth/user/1/reset-sign-in/",
        "/admin/account/sign-in-methods/",
        "/admin/password_change/",
    ):
        assert expected in PATHS


def test_every_admin_url_refuses_a_password_only_session(clinic_admin: User) -> None:
    clinic_admin.is_superuser = True  # may see everything, once verified
    clinic_admin.save()
    authenticator(clinic_admin)
    client = Client()
    password(client, "cleo")
    answered = {}
    for path in PATHS:
        if path in SIGN_IN_STEPS:
            continue
        for method in (client.get, client.post):
            response = method(path)
            refused = response.status_code == 302 and response["Location"].startswith(
                "/admin/login/"
            )
            if not refused and response.status_code != 405:
                answered[f"{method.__name__} {path}"] = response.status_code
    assert answered == {}
    assert client.session.get("_auth_user_id") == str(clinic_admin.pk)  # still signed in


def test_every_admin_url_refuses_an_anonymous_visitor(db: None) -> None:
    client = Client()
    answered = {}
    for path in PATHS:
        if path in SIGN_IN_STEPS:
            continue
        for method in (client.get, client.post):
            response = method(path)
            refused = response.status_code == 302 and response["Location"].startswith(
                "/admin/login/"
            )
            if not refused and response.status_code != 405:
                answered[f"{method.__name__} {path}"] = response.status_code
    assert answered == {}
