"""Django's ``makemessages``, which also extracts the clinical core's ``N_()`` marks.

``intake/triage`` is pure Python and marks its patient-facing literals with ``N_()``
(``intake/triage/i18n.py``), a keyword xgettext does not know; this command adds it. Run it
through ``bin/messages``, which also leaves out the folders that ship no text and writes the
source-language catalogue ``locale/en_GB/LC_MESSAGES/django.po``.
"""

from __future__ import annotations

from django.core.management.commands import makemessages

# The keyword of the core's marker, as xgettext expects it.
MARKER_KEYWORD = "--keyword=N_"


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, MARKER_KEYWORD]
