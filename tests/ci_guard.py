"""The CI guard: under CI=true the suite runs on PostgreSQL and a reachable Redis, or not at all.

CI must exercise what production runs. A suite that silently fell back to SQLite or to in-process
tasks would pass while the real stack is broken, so the guard stops the run instead.
"""

from __future__ import annotations

from collections.abc import Callable


def ci_problems(
    *, ci: bool, vendor: str, eager_tasks: bool, broker_reachable: Callable[[], bool]
) -> list[str]:
    """What is wrong with this test environment for a CI run (empty when all is well)."""
    if not ci:
        return []
    problems = []
    if vendor != "postgresql":
        problems.append(
            f"CI=true but the database is {vendor!r}: set DATABASE_URL to the PostgreSQL server."
        )
    if eager_tasks:
        problems.append("CI=true but CELERY_BROKER_URL is not set: point it at the Redis server.")
    elif not broker_reachable():
        problems.append("CI=true but the broker at CELERY_BROKER_URL is unreachable.")
    return problems
