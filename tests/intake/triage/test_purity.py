"""The clinical core stays pure Python: no Django, no clock, no I/O (DESIGN.md §3)."""

from __future__ import annotations

import ast
from pathlib import Path

import intake.triage

PACKAGE = Path(intake.triage.__file__).parent
SOURCES = sorted(PACKAGE.rglob("*.py"))

# Modules that would bring in the web framework, the clock, the file system or the network.
FORBIDDEN_ROOTS = {
    "django",
    "os",
    "sys",
    "io",
    "time",
    "pathlib",
    "socket",
    "subprocess",
    "logging",
    "urllib",
    "requests",
    "shutil",
    "tempfile",
}
FORBIDDEN_CALLS = {"open", "print", "input", "__import__", "exec", "eval"}
CLOCK_ATTRIBUTES = {"now", "today", "utcnow", "time_ns", "monotonic"}


def _imported_roots(tree: ast.AST) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_package_has_sources() -> None:
    assert {p.name for p in SOURCES} >= {"catalogue.py", "rules.py", "engine.py"}


def test_no_module_under_intake_triage_imports_django_or_io() -> None:
    for path in SOURCES:
        roots = _imported_roots(ast.parse(path.read_text(encoding="utf-8")))
        assert not roots & FORBIDDEN_ROOTS, (path.name, roots & FORBIDDEN_ROOTS)


def test_no_io_or_clock_calls() -> None:
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                if isinstance(node.func, ast.Name):
                    assert node.func.id not in FORBIDDEN_CALLS, (path.name, node.func.id)
                if isinstance(node.func, ast.Attribute):
                    assert node.func.attr not in CLOCK_ATTRIBUTES, (path.name, node.func.attr)


def test_the_django_string_does_not_appear_in_imports_via_importlib() -> None:
    for path in SOURCES:
        assert "importlib" not in _imported_roots(ast.parse(path.read_text(encoding="utf-8")))
