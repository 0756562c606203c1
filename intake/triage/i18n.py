"""The translation marker of the clinical core.

``intake/triage`` is pure Python and cannot import Django's ``gettext_noop``, so patient-facing
literals (question wording, hints, choice labels, step titles, rule sentences, footers,
validation messages) are wrapped in ``N_()`` instead. ``N_`` marks a literal for extraction;
the web layer translates it when shown. It returns its argument unchanged, so the stored values,
the engine's output and every test are exactly as without it.

``makemessages`` finds the marked literals because the project's own ``makemessages`` command
(``intake/management/commands/makemessages.py``) adds ``--keyword=N_`` to xgettext. Only
literals can be extracted: ``N_(some_variable)`` marks nothing. A message with placeholders is
marked as its template (``N_("Please enter a number from {lo} to {hi}.")``) and formatted after
it has been translated, so that a translation can put the placeholders in its own order.

Staff-facing text (rule reasons, sources, instrument names) is not marked: staff read English.
"""

from __future__ import annotations

__all__ = ["N_"]


def N_(text: str) -> str:
    """Mark ``text`` for extraction; the web layer translates it when shown. Returns ``text``."""
    return text
