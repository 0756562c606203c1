"""The app never depends on the test tree: a deployment may ship without `tests/` (issue 16).

An AST scan, in the style of tests/intake/triage/test_purity.py: no module under intake/ or
clinic/ imports `tests`, and none holds a string naming a `tests` path part (a file it would
read, or a module it would import by name). Docstrings may mention the tests; code may not.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import clinic
import intake

PACKAGES = (Path(intake.__file__).parent, Path(clinic.__file__).parent)
SOURCES = sorted(path for package in PACKAGES for path in package.rglob("*.py"))

# "tests" as a whole part of a path or dotted module name: tests/x.json, a/tests, tests.journey.
PATH_PARTS = re.compile(r"[/\\.]")


def _imported_roots(tree: ast.AST) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the constants that are docstrings (of the module, a class or a function)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _strings_naming_tests(tree: ast.AST) -> list[str]:
    docstrings = _docstrings(tree)
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and "tests" in PATH_PARTS.split(node.value)
    ]


def _offences(source: str) -> list[str]:
    tree = ast.parse(source)
    imports = ["import tests"] if "tests" in _imported_roots(tree) else []
    return imports + _strings_naming_tests(tree)


def test_the_scan_covers_the_app_and_the_settings() -> None:
    names = {path.relative_to(path.parents[1]).as_posix() for path in SOURCES}
    assert {"intake/demo.py", "clinic/settings.py"} <= names


def test_the_scan_finds_what_issue_16_was_about() -> None:
    # intake/demo.py before issue 16, and the other ways to reach the test tree.
    assert _offences(
        '"""Reads tests/x.json (a docstring: allowed)."""\n'
        'F = Path(__file__).parent.parent / "tests" / "intake" / "triage" / "vignettes.json"\n'
    ) == ["tests"]
    assert _offences("from tests.journey import CONSENT") == ["import tests"]
    assert _offences("import tests.journey") == ["import tests"]
    assert _offences('import_module("tests.journey")') == ["tests.journey"]
    assert _offences('open("tests/intake/triage/vignettes.json")') == [
        "tests/intake/triage/vignettes.json"
    ]
    assert _offences('print("the tests pass")\nfrom intake import demo') == []


def test_no_app_module_imports_tests_or_names_a_file_under_tests() -> None:
    offences = {
        path.as_posix(): found
        for path in SOURCES
        if (found := _offences(path.read_text(encoding="utf-8")))
    }
    assert offences == {}
