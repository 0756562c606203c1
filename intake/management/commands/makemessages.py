"""Django's ``makemessages``, which also extracts the clinical core's ``N_()`` marks.

``intake/triage`` is pure Python and marks its patient-facing literals with ``N_()``
(``intake/triage/i18n.py``), a keyword xgettext does not know; this command adds it. It also
leaves out the folders that hold no shipped text (tests, benchmarks, docs, collected static files)
whatever the command line says. Run it through ``bin/messages``, which writes the source-language
catalogue ``locale/en_GB/LC_MESSAGES/django.po``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import makemessages

# The keyword of the core's marker, as xgettext expects it.
MARKER_KEYWORD = "--keyword=N_"
# Folders never extracted (names, matched anywhere in the tree, as --ignore does).
NOT_SHIPPED = ("tests", "bench", "docs", "staticfiles", "node_modules", "test-results")


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, MARKER_KEYWORD]

    def handle(self, *args: Any, **options: Any) -> str | None:
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *NOT_SHIPPED]
        return super().handle(*args, **options)
