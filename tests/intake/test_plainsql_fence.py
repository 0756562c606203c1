"""The speed layer, fenced (issue 16): intake/plainsql.py is called only by the draft and sending
services, and by the one read that loads their draft for the patient's pages.

Everything else (the staff side, commands, tasks, new code) uses the ORM. A new caller must be
argued for in docs/architecture.md §4.1 and added here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import clinic
import intake

SOURCES = sorted(
    p
    for package in (intake, clinic)
    for p in Path(package.__path__[0]).rglob("*.py")
    if "migrations" not in p.parts
)

# The modules that may import plainsql, and in each the only functions that may call it.
ALLOWED_CALLERS = {
    "intake.services.drafts": {"submission_save_step"},  # a page save: the optimistic UPDATE
    "intake.services.sending": {
        "_submit_once",  # sending: the UPDATE that freezes the form
        "_patient_upsert",  # the patient record a send matches or creates
    },
    "intake.services.outbox": {"notifications_add"},  # the rows a save or a send writes
    # The draft as every questionnaire request loads it; its query is also the connection's
    # health check, so it stays the one read of the request (docs/architecture.md §4.1).
    "intake.selectors.drafts": {"submission_get_for_patient"},
}


def _module_name(path: Path) -> str:
    root = Path(intake.__file__).parent.parent
    return ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")


def _imports_plainsql(tree: ast.AST, module: str) -> bool:
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(alias.name == "intake.plainsql" for alias in node.names):
                return True
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import plainsql, from .plainsql import x
                base = ".".join([package, base]) if base else package
            if base == "intake.plainsql":
                return True
            if base == "intake" and any(alias.name == "plainsql" for alias in node.names):
                return True
        elif isinstance(node, ast.Constant) and node.value == "intake.plainsql":
            return True  # importlib.import_module("intake.plainsql") and the like
    return False


def _functions_using_plainsql(tree: ast.Module) -> set[str]:
    """Top-level functions of the module that mention the name `plainsql`; "<module>" for a use
    outside any function."""
    users = set()
    for node in tree.body:
        uses = any(isinstance(n, ast.Name) and n.id == "plainsql" for n in ast.walk(node))
        if not uses:
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            users.add(node.name)
        elif not isinstance(node, ast.Import | ast.ImportFrom):
            users.add("<module>")
    return users


def test_the_scan_sees_the_app() -> None:
    names = {_module_name(p) for p in SOURCES}
    expected = {
        "intake.services.drafts",
        "intake.selectors.drafts",
        "intake.questionnaire.views",
        "intake.plainsql",
    }
    assert expected <= names


def test_only_the_draft_and_sending_services_import_plainsql() -> None:
    importers = set()
    for path in SOURCES:
        module = _module_name(path)
        if module != "intake.plainsql":
            tree = ast.parse(path.read_text(encoding="utf-8"))
            if _imports_plainsql(tree, module):
                importers.add(module)
    assert importers == set(ALLOWED_CALLERS), (
        "intake/plainsql.py is for the draft and sending services only (issue 16); use the ORM "
        f"elsewhere. Importers found: {sorted(importers)}"
    )


def test_within_those_modules_only_the_named_functions_call_it() -> None:
    for path in SOURCES:
        module = _module_name(path)
        if module in ALLOWED_CALLERS:
            used = _functions_using_plainsql(ast.parse(path.read_text(encoding="utf-8")))
            assert used == ALLOWED_CALLERS[module], (
                f"{module}: plainsql is used by {sorted(used)}, "
                f"allowed {sorted(ALLOWED_CALLERS[module])} (issue 16)"
            )
