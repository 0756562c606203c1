"""Helpers for the scheduling tests (not collected: no test_ prefix)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from pytest_django import DjangoCaptureOnCommitCallbacks

from intake.scheduling.services import booking


class CommittedServices:
    """A services module (booking by default), with each call run as if its transaction
    committed.

    A test runs inside one transaction that is rolled back at the end, so after-commit work
    (queueing the outbox's emails) would never run; this runs it when each service returns,
    as production does.
    """

    def __init__(
        self, capture: DjangoCaptureOnCommitCallbacks, module: ModuleType = booking
    ) -> None:
        self._capture = capture
        self._module = module

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._module, name)
        if not callable(value) or isinstance(value, type):
            return value

        def call(**kwargs: Any) -> Any:
            with self._capture(execute=True):
                return value(**kwargs)

        return call
