"""Staff accounts: a clinic admin manages colleagues through the groups, never upwards.

Cleo (clinic admin) may change users, so Django's own user admin would let her tick
"Superuser status" or add single permissions, for anyone, herself included.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User

from tests.factories import logged_in

pytestmark = pytest.mark.django_db


def _form(user: User, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "is_staff": "on",
        "groups": [group.pk for group in user.groups.all()],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-12-01",
        "date_joined_1": "09:00:00",
    }
    data.update(changes)
    return data


def test_a_clinic_admin_cannot_make_herself_a_superuser(clinic_admin: User) -> None:
    client = logged_in(clinic_admin)
    url = f"/admin/auth/user/{clinic_admin.pk}/change/"
    page = client.get(url).content.decode()
    assert 'name="is_superuser"' not in page
    assert 'name="user_permissions"' not in page

    any_permission = Permission.objects.get(codename="change_user")
    response = client.post(
        url, _form(clinic_admin, is_superuser="on", user_permissions=[any_permission.pk])
    )
    assert response.status_code == 302
    clinic_admin.refresh_from_db()
    assert not clinic_admin.is_superuser
    assert not clinic_admin.user_permissions.exists()


def test_a_clinic_admin_cannot_promote_a_colleague(clinic_admin: User, receptionist: User) -> None:
    client = logged_in(clinic_admin)
    url = f"/admin/auth/user/{receptionist.pk}/change/"
    response = client.post(url, _form(receptionist, is_superuser="on", first_name="Rita"))
    assert response.status_code == 302
    receptionist.refresh_from_db()
    assert receptionist.first_name == "Rita"  # the change she may make is made
    assert not receptionist.is_superuser


def test_a_superusers_account_is_out_of_a_clinic_admins_reach(clinic_admin: User) -> None:
    root = User.objects.create_superuser("root", "root@example.org", "a long pass phrase here")
    client = logged_in(clinic_admin)
    change = client.post(f"/admin/auth/user/{root.pk}/change/", _form(root, is_active=""))
    delete = client.post(f"/admin/auth/user/{root.pk}/delete/", {"post": "yes"})
    assert change.status_code == 403
    assert delete.status_code == 403
    root.refresh_from_db()
    assert root.is_active


def test_a_superuser_still_grants_superuser_status(clinic_admin: User) -> None:
    root = User.objects.create_superuser("root", "root@example.org", "a long pass phrase here")
    client = logged_in(root)
    url = f"/admin/auth/user/{clinic_admin.pk}/change/"
    assert 'name="is_superuser"' in client.get(url).content.decode()
    response = client.post(url, _form(clinic_admin, is_superuser="on"))
    assert response.status_code == 302
    clinic_admin.refresh_from_db()
    assert clinic_admin.is_superuser
