"""Every patient-facing text is extractable by makemessages (issue 16, "Translatable end to end").

The clinical core (intake/triage) is pure Python, so it marks its texts with ``N_()``
(intake/triage/i18n.py) and the project's ``makemessages`` adds that keyword. This test runs the
real command on a copy of the sources, into a temporary locale directory (the committed
catalogue is never touched), and checks that every catalogue text, hint, emphasis, choice label,
step title and intro, rule sentence, footer, category label and validation message of the engine
is a msgid: a literal added without ``N_()`` is invisible to translators and fails here.
"""

from __future__ import annotations

import ast
import inspect
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from intake.triage import (
    QUESTIONS,
    RULES,
    STEP_PAGES,
    STEPS,
    AnswerType,
    Question,
    engine,
    rules,
    validate,
)

ROOT = Path(settings.BASE_DIR)
# What makemessages reads in the project: the app, the settings package and the templates.
SOURCES = ("intake", "clinic", "templates")


def _po_msgids(po: Path) -> set[str]:
    """The msgids of a .po file (multi-line ones joined, escapes decoded)."""
    msgids: set[str] = set()
    current: list[str] | None = None
    for line in po.read_text(encoding="utf-8").splitlines():
        if line.startswith('msgid "'):
            current = [ast.literal_eval(line[len("msgid ") :])]
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
        else:
            if current is not None:
                msgids.add("".join(current))
            current = None
    if current is not None:
        msgids.add("".join(current))
    msgids.discard("")  # the header
    return msgids


@pytest.fixture(scope="module")
def msgids(tmp_path_factory: pytest.TempPathFactory) -> Iterator[set[str]]:
    if shutil.which("xgettext") is None:
        pytest.fail(
            "xgettext (GNU gettext) is not installed: apt-get install gettext. "
            "makemessages needs it, and this test checks what makemessages extracts."
        )
    tree = tmp_path_factory.mktemp("messages")
    for name in SOURCES:
        shutil.copytree(
            ROOT / name, tree / name, ignore=shutil.ignore_patterns("__pycache__", "locale")
        )
    locale = tree / "locale"
    with pytest.MonkeyPatch.context() as mp, override_settings(LOCALE_PATHS=[str(locale)]):
        mp.chdir(tree)
        call_command("makemessages", locale=["en_GB"], verbosity=0)
    yield _po_msgids(locale / "en_GB" / "LC_MESSAGES" / "django.po")


def _patient_texts() -> Iterator[tuple[str, str]]:
    """(where, text) for every patient-facing text of the clinical core."""
    for q in QUESTIONS:
        yield f"{q.code} wording", q.text
        if q.hint:
            yield f"{q.code} hint", q.hint
        for phrase in q.emphasis:
            yield f"{q.code} emphasis", phrase
        for choice in q.choices:
            yield f"{q.code} choice {choice.code}", choice.label
            if choice.helper_label:
                yield f"{q.code} choice {choice.code} helper label", choice.helper_label
        # Issue 19: the third-person wording and the specific error messages.
        for kind in ("helper_text", "helper_hint", "error_message", "helper_error_message"):
            if text := getattr(q, kind):
                yield f"{q.code} {kind}", text
        if q.below_min_message:
            yield f"{q.code} below-minimum message", q.below_min_message
    for s in STEPS:
        yield f"step {s.code} title", s.title
        for page in STEP_PAGES.get(s.code, ()):
            yield f"step {s.code} page {page.code} title", page.title
        if s.intro:
            yield f"step {s.code} intro", s.intro
    for rule in RULES:
        if rule.patient_text:  # URG_BAKER_MIMIC has none of its own
            yield f"rule {rule.code} patient sentence", rule.patient_text
    for code, label in rules.CATEGORY_LABELS.items():
        yield f"category {code}", label
    yield "category sentence", engine.CATEGORY_SENTENCE
    for tier, footer in engine.FOOTERS.items():
        yield f"{tier} footer", footer
    yield "out-of-hours URGENT footer", engine.URGENT_FOOTER_CLOSED
    yield "default cutoff wording", engine.DEFAULT_CUTOFF_WORDING
    yield "cutoff wording", engine.CUTOFF_WORDING
    for name, value in vars(engine).items():
        if name.startswith("MSG_"):
            yield f"validation message {name}", value


def test_every_patient_facing_text_of_the_core_is_extracted(msgids: set[str]) -> None:
    texts = list(_patient_texts())
    assert len(texts) > 400  # the whole catalogue, not an empty walk
    missing = [f"{where}: {text!r}" for where, text in texts if text not in msgids]
    assert not missing, (
        "Not extracted by makemessages: wrap the literal in N_() (intake/triage/i18n.py) "
        "where it is defined, then run bin/messages.\n" + "\n".join(missing)
    )


def _template_pattern(msgid: str) -> re.Pattern[str] | None:
    """A regex matching a ``{placeholder}`` template once formatted (None without one)."""
    parts = re.split(r"\{[a-z_]+\}", msgid)
    if len(parts) == 1:
        return None
    return re.compile("(.+)".join(re.escape(part) for part in parts))


def _bad_values(q: Question) -> list[object]:
    """Values that are wrong for the question in every way validate() checks."""
    kind = q.type
    if kind in (AnswerType.YES_NO, AnswerType.YES_NO_UNSURE, AnswerType.SINGLE):
        return [7, "zz_not_a_choice", "no"]
    if kind is AnswerType.MULTI:
        return ["calf", ["zz"], ["none", "none"], ["none", *q.choice_codes[:1]]]
    if kind in (AnswerType.NUMBER, AnswerType.SCALE_0_10):
        return ["12", -(10**6), 10**6]
    if kind is AnswerType.DATE:
        return [7, "2026-02-30"]
    return [7, "x" * 5000, "not a phone"]


def test_every_validation_message_the_engine_gives_is_extracted(msgids: set[str]) -> None:
    """Provoke every kind of problem on every question; each message must be a msgid, or a
    marked template once formatted (the range and length messages)."""
    every_code = {q.code for q in QUESTIONS}
    not_an_object: Any = []  # a JSON array where an object of answers belongs
    problems = [
        *validate(not_an_object),
        *validate({"zz_unknown": 1}),
        *validate({}, complete=True),
    ]
    for q in QUESTIONS:
        for value in _bad_values(q):
            problems += validate({q.code: value}, shown=every_code)
    messages = {p.message for p in problems}
    kinds = {p.kind for p in problems}
    assert kinds >= {"unknown", "type", "choice", "duplicate", "range", "too_long", "format"}
    assert kinds >= {"none_exclusive", "must_be_yes", "required"}
    templates = [p for p in map(_template_pattern, msgids) if p is not None]
    missing = sorted(
        m for m in messages if m not in msgids and not any(t.fullmatch(m) for t in templates)
    )
    assert not missing, "validate() messages not extracted (mark them with N_()): " + repr(missing)


def test_validation_messages_are_marked_constants_not_inline_literals() -> None:
    """``Problem(code, "text", kind)`` with a literal (or an f-string) would be neither marked
    nor reorderable by a translation: messages are N_() constants or templates of engine.py."""
    tree = ast.parse(inspect.getsource(engine))
    inline = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "Problem"
        and len(node.args) > 1
        and isinstance(node.args[1], ast.Constant | ast.JoinedStr)
    ]
    assert not inline, f"engine.py lines {inline}: use a MSG_ constant marked with N_()"
