"""Staff roles are defined once, in intake/roles.py, and the groups have exactly that access.

The access the groups had before roles.py became the definition is what migrations 0003 and 0012
gave them; the first tests prove that ROLES is exactly that, on a freshly migrated database, bar
the grants made on purpose since (GRANTED_SINCE).
"""

from __future__ import annotations

import importlib
import io
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission, User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test.utils import CaptureQueriesContext

from intake import roles

ROOT = Path(__file__).resolve().parents[2]
# The last migration before the groups were synced from intake/roles.py.
BEFORE_SYNC = "0014_mid_form_emergency_cases_and_ruleset_release"
# The scheduling models, the core app's until they moved to their own (issue 16): the same
# permission rows, named "scheduling.…" since scheduling's migration 0002.
MOVED_TO_SCHEDULING = frozenset(
    str(model._meta.model_name) for model in apps.get_app_config("scheduling").get_models()
)


# Grants ROLES has made since roles.py became the definition, each with the migration that
# syncs it: exporting submissions became a permission of its own, clinic admins' only (0018,
# issue 17; before, anyone who could see the queue could export it); a patient's data rights,
# export and erasure, clinic admins' only (0025, issue 18: new permissions); clinic admins
# manage the FHIR API's clients (handover's 0002, issue 21).
GRANTED_SINCE: dict[str, frozenset[str]] = {
    roles.CLINIC_ADMIN: frozenset(
        {roles.EXPORT_SUBMISSION, roles.EXPORT_PATIENT_DATA, roles.ERASE_PATIENT_DATA}
    )
    | roles.MANAGE_API_CLIENTS,
}


def as_first_defined() -> dict[str, frozenset[str]]:
    """ROLES without GRANTED_SINCE: the access roles.py was first defined with."""
    return {
        name: perms - GRANTED_SINCE.get(name, frozenset()) for name, perms in roles.ROLES.items()
    }


def named_today(perm: str) -> str:
    """A permission as intake/roles.py names it now, given its name before the move."""
    app_label, codename = perm.split(".")
    if app_label == "intake" and codename.split("_", 1)[1] in MOVED_TO_SCHEDULING:
        return f"scheduling.{codename}"
    return perm


GROUP_PERMISSIONS_SQL = """
    SELECT g.name, ct.app_label || '.' || p.codename
    FROM auth_group g
    JOIN auth_group_permissions gp ON gp.group_id = g.id
    JOIN auth_permission p ON p.id = gp.permission_id
    JOIN django_content_type ct ON ct.id = p.content_type_id
"""


def manage(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py on its own SQLite file: a fresh database, not the test run's."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clinic.settings_test",
        "DATABASE_URL": f"sqlite:///{db}",
    }
    return subprocess.run(  # noqa: S603 - our own manage.py, fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def groups_in(db: Path) -> dict[str, frozenset[str]]:
    with sqlite3.connect(db) as connection:
        names = [name for (name,) in connection.execute("SELECT name FROM auth_group")]
        rows = connection.execute(GROUP_PERMISSIONS_SQL).fetchall()
    return {name: frozenset(perm for group, perm in rows if group == name) for name in names}


@pytest.fixture(scope="module")
def migrated_before_sync(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("roles") / "db.sqlite3"
    result = manage(db, "migrate", "intake", BEFORE_SYNC, "--no-input")
    assert result.returncode == 0, result.stderr
    return db


# --- ROLES is exactly the access the groups have always had -----------------------------------


def test_roles_are_exactly_the_access_migrations_0003_and_0012_gave(
    migrated_before_sync: Path,
) -> None:
    before = groups_in(migrated_before_sync)
    assert {
        name: {named_today(perm) for perm in perms} for name, perms in before.items()
    } == as_first_defined()


def test_roles_are_the_union_of_the_old_migrations_definitions() -> None:
    expected: dict[str, set[str]] = {}
    for module in ("0003_roles", "0012_scheduling_roles"):
        old = importlib.import_module(f"intake.migrations.{module}").ROLES
        for name, perms in old.items():
            expected.setdefault(name, set()).update(
                named_today(f"{app}.{codename}") for app, codename in perms
            )
    assert {name: set(perms) for name, perms in as_first_defined().items()} == expected


def test_roles_give_no_access_to_ruleset_changes() -> None:
    """RulesetChange (0014) is guarded by view_clinical_detail, not by model permissions."""
    for perms in roles.ROLES.values():
        assert not any(perm.endswith("_rulesetchange") for perm in perms)


# --- sync_roles -------------------------------------------------------------------------------

OTHER_GROUP = "Volunteer drivers"  # a group someone made by hand; not in ROLES


def groups_now() -> dict[str, frozenset[str]]:
    return {
        group.name: frozenset(
            f"{app_label}.{codename}"
            for app_label, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        )
        for group in Group.objects.all()
    }


def permission(name: str) -> Permission:
    app_label, codename = name.split(".")
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def tamper() -> None:
    """What a hand edit in the admin could do: one permission taken, one given, a group deleted."""
    receptionist = Group.objects.get(name=roles.RECEPTIONIST)
    receptionist.permissions.remove(permission(roles.BOOK_APPOINTMENT))
    receptionist.permissions.add(permission("intake.delete_patient"))
    Group.objects.get(name=roles.CLINIC_ADMIN).delete()


@pytest.mark.django_db
def test_migrated_test_database_is_in_sync() -> None:
    assert roles.sync_roles(dry_run=True) == {}
    assert groups_now() == dict(roles.ROLES)


@pytest.mark.django_db
def test_a_second_run_changes_nothing() -> None:
    roles.sync_roles()
    before = {group.pk: group.name for group in Group.objects.all()}

    with CaptureQueriesContext(connection) as queries:
        assert roles.sync_roles() == {}

    writes = [q["sql"] for q in queries if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}]
    assert writes == []
    assert {group.pk: group.name for group in Group.objects.all()} == before
    assert groups_now() == dict(roles.ROLES)


@pytest.mark.django_db
def test_repairs_hand_edited_permissions_and_recreates_a_deleted_group() -> None:
    tamper()

    changes = roles.sync_roles()

    assert changes == {
        roles.RECEPTIONIST: roles.RoleChange(
            added=(roles.BOOK_APPOINTMENT,), removed=("intake.delete_patient",)
        ),
        roles.CLINIC_ADMIN: roles.RoleChange(
            created=True, added=tuple(sorted(roles.ROLES[roles.CLINIC_ADMIN]))
        ),
    }
    assert groups_now() == dict(roles.ROLES)
    assert roles.sync_roles() == {}


@pytest.mark.django_db
def test_dry_run_reports_the_same_changes_and_writes_nothing() -> None:
    tamper()
    tampered = groups_now()

    planned = roles.sync_roles(dry_run=True)

    assert groups_now() == tampered
    assert planned == roles.sync_roles()


@pytest.mark.django_db
def test_leaves_other_groups_and_memberships_alone(receptionist: User, clinic_admin: User) -> None:
    other = Group.objects.create(name=OTHER_GROUP)
    other.permissions.add(permission("intake.delete_patient"), permission(roles.BOOK_APPOINTMENT))
    receptionist.groups.add(other)
    receptionist.user_permissions.add(permission("intake.view_notification"))
    tamper()  # deleting Clinic admin takes Cleo out of it; sync must not put her back

    roles.sync_roles()

    assert groups_now()[OTHER_GROUP] == {"intake.delete_patient", roles.BOOK_APPOINTMENT}
    assert set(receptionist.groups.values_list("name", flat=True)) == {
        roles.RECEPTIONIST,
        OTHER_GROUP,
    }
    assert list(receptionist.user_permissions.all()) == [permission("intake.view_notification")]
    assert not clinic_admin.groups.exists()
    assert not Group.objects.get(name=roles.CLINIC_ADMIN).user_set.exists()


@pytest.mark.django_db
def test_creates_permissions_that_do_not_exist_yet() -> None:
    """As in a migration on a fresh database, before post_migrate has created them."""
    permission("scheduling.view_slot").delete()  # and with it, every group's grant of it

    changes = roles.sync_roles()

    assert set(changes) == set(roles.ROLES)
    assert all(change.added == ("scheduling.view_slot",) for change in changes.values())
    assert groups_now() == dict(roles.ROLES)


@pytest.mark.django_db
def test_works_with_a_migrations_historical_models() -> None:
    historical = MigrationLoader(connection).project_state().apps
    tamper()
    permission("scheduling.view_slot").delete()

    changes = roles.sync_roles(apps=historical)

    assert set(changes) == set(roles.ROLES)
    assert changes[roles.CLINIC_ADMIN].created
    assert groups_now() == dict(roles.ROLES)


@pytest.mark.django_db
def test_a_migration_before_the_scheduling_app_leaves_its_permissions_for_a_later_sync() -> None:
    """As 0015 does on a fresh database: its historical state has no scheduling app yet, nor the
    permissions later migrations add, so it syncs the rest; scheduling's 0002 and 0018 (here, a
    sync with the global registry) grant the rest."""
    at_0015 = MigrationLoader(connection).project_state(("intake", "0015_sync_roles")).apps

    roles.sync_roles(apps=at_0015)

    assert groups_now() == {
        name: frozenset(perm for perm in perms if not perm.startswith("scheduling."))
        for name, perms in as_first_defined().items()
    }
    roles.sync_roles()
    assert groups_now() == dict(roles.ROLES)


@pytest.mark.django_db
def test_a_permission_no_model_has_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roles, "ROLES", {roles.RECEPTIONIST: frozenset({"intake.fly_patient"})})
    with pytest.raises(LookupError, match=r"intake\.fly_patient"):
        roles.sync_roles()
    with pytest.raises(CommandError, match=r"intake\.fly_patient"):
        call_command("sync_roles", stdout=io.StringIO())


# --- the sync_roles command -------------------------------------------------------------------


def run_command(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("sync_roles", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("args", [(), ("--check",)])
def test_command_in_sync(args: tuple[str, ...]) -> None:
    out, err = run_command(*args)  # returns: exit status 0
    assert out == "roles already in sync\n"
    assert err == ""


@pytest.mark.django_db
def test_command_prints_what_it_changed_per_group() -> None:
    tamper()

    out, err = run_command()

    assert out.splitlines() == [
        "Receptionist: updated",
        f"  added: {roles.BOOK_APPOINTMENT}",
        "  removed: intake.delete_patient",
        "Clinic admin: group created",
        *(f"  added: {perm}" for perm in sorted(roles.ROLES[roles.CLINIC_ADMIN])),
        "roles synced (2 group(s) changed)",
    ]
    assert err == ""
    assert run_command() == ("roles already in sync\n", "")


@pytest.mark.django_db
def test_command_check_lists_the_differences_exits_1_and_changes_nothing() -> None:
    tamper()
    tampered = groups_now()
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(SystemExit) as exit_info:
        call_command("sync_roles", "--check", stdout=out, stderr=err)

    assert exit_info.value.code == 1
    assert out.getvalue().splitlines() == [
        "Receptionist: differs",
        f"  missing: {roles.BOOK_APPOINTMENT}",
        "  extra: intake.delete_patient",
        "Clinic admin: group missing",
        *(f"  missing: {perm}" for perm in sorted(roles.ROLES[roles.CLINIC_ADMIN])),
    ]
    assert "run `python manage.py sync_roles`" in err.getvalue()
    assert groups_now() == tampered


# --- migration 0015 ---------------------------------------------------------------------------


def test_migrate_leaves_the_roles_in_sync(migrated_before_sync: Path, tmp_path: Path) -> None:
    """0015 repairs a database whose groups were edited by hand; --check then exits 0."""
    db = tmp_path / "db.sqlite3"
    shutil.copy(migrated_before_sync, db)
    with sqlite3.connect(db) as connection:
        connection.execute(
            "DELETE FROM auth_group_permissions WHERE permission_id IN "
            "(SELECT id FROM auth_permission WHERE codename = 'view_clinical_detail')"
        )
    check = manage(db, "sync_roles", "--check")
    assert check.returncode == 1, check.stdout + check.stderr
    assert f"  missing: {roles.VIEW_CLINICAL_DETAIL}" in check.stdout

    migrate = manage(db, "migrate", "--no-input")
    assert migrate.returncode == 0, migrate.stderr

    check = manage(db, "sync_roles", "--check")
    assert (check.returncode, check.stdout) == (0, "roles already in sync\n"), check.stderr
    assert groups_in(db) == dict(roles.ROLES)
