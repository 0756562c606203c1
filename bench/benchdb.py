"""The throwaway PostgreSQL databases the bench scripts create, migrate and drop."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def recreate(pg: str, db: str, env: dict[str, str], commands: list[list[str]]) -> None:
    """Drop and create `db` on the server `pg`, then run these manage.py commands in `env`.

    Refuses any name without "bench" in it, so a typo cannot drop a real database.
    """
    _drop_and_maybe_create(pg, db, create=True)
    for command in commands:
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), *command], env=env, cwd=ROOT, check=True
        )


def drop(pg: str, db: str) -> None:
    _drop_and_maybe_create(pg, db, create=False)


def _drop_and_maybe_create(pg: str, db: str, *, create: bool) -> None:
    import psycopg2

    if "bench" not in db:
        raise SystemExit(f"refusing to drop database {db!r}: its name must contain 'bench'")
    admin = psycopg2.connect(f"{pg.rstrip('/')}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        if create:
            cursor.execute(f'CREATE DATABASE "{db}"')
    admin.close()


def setup_django(database_url: str, *, bench: str, debug: bool = False, **environment: str) -> None:
    """Django with the production settings (DEBUG off unless `debug`) on `database_url`, for an
    in-process bench: a throwaway key, placeholder staff addresses, nothing read from a
    developer's .env; `environment` adds or overrides variables (CACHE_URL=..., ...)."""
    os.environ.update(
        DJANGO_SETTINGS_MODULE="clinic.settings",
        DJANGO_DEBUG="1" if debug else "0",
        DJANGO_SECRET_KEY=f"{bench}-only-not-a-secret",
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_HTTPS="0",
        DJANGO_READ_DOT_ENV="0",
        DJANGO_LOG_LEVEL="WARNING",
        CLINIC_ONCALL_EMAILS="oncall@clinic.invalid",
        CLINIC_ESCALATION_EMAILS="lead@clinic.invalid",
        CLINIC_TRIAGE_EMAILS="triage@clinic.invalid",
        CLINIC_RECEPTION_EMAILS="reception@clinic.invalid",
        # Encryption at rest (issue 18): fixed throwaway keys (base64 of 32 bytes; 32+ chars).
        CLINIC_FIELD_ENCRYPTION_KEYS="YmVuY2gtb25seS1maWVsZC1rZXktbm90LXNlY3JldCE=",
        CLINIC_LOOKUP_HASH_KEY=f"{bench}-only-lookup-hash-key-not-a-secret",
        DATABASE_URL=database_url,
    )
    os.environ.update(environment)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()
