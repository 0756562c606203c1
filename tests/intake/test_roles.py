"""Staff roles are defined once, in intake/roles.py, and the groups have exactly that access.

The access the groups had before roles.py became the definition is what migrations 0003 and 0012
gave them; the first tests prove that ROLES is exactly that, on a freshly migrated database.
"""

from __future__ import annotations

import importlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from intake import roles

ROOT = Path(__file__).resolve().parents[2]
# The last migration before the groups were synced from intake/roles.py.
BEFORE_SYNC = "0014_mid_form_emergency_cases_and_ruleset_release"

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


def test_roles_are_exactly_the_access_migrations_0003_and_0012_gave(migrated_before_sync: Path):
    assert groups_in(migrated_before_sync) == dict(roles.ROLES)


def test_roles_are_the_union_of_the_old_migrations_definitions():
    expected: dict[str, set[str]] = {}
    for module in ("0003_roles", "0012_scheduling_roles"):
        old = importlib.import_module(f"intake.migrations.{module}").ROLES
        for name, perms in old.items():
            expected.setdefault(name, set()).update(f"{app}.{codename}" for app, codename in perms)
    assert {name: set(perms) for name, perms in roles.ROLES.items()} == expected


def test_roles_give_no_access_to_ruleset_changes():
    """RulesetChange (0014) is guarded by view_clinical_detail, not by model permissions."""
    for perms in roles.ROLES.values():
        assert not any(perm.endswith("_rulesetchange") for perm in perms)
