"""The throwaway PostgreSQL databases the bench scripts create, migrate and drop."""

from __future__ import annotations

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
