"""The size rules of the house (STYLE.md "Size"), read from the source: no module of
`designer/` over 400 lines, no function or method over 60 lines (from its `def` line to its
last line, docstring included)."""

from __future__ import annotations

import ast
from pathlib import Path

import designer

ROOT = Path(designer.__file__).parent
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60

def _modules() -> dict[str, str]:
    return {path.relative_to(ROOT.parent).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(ROOT.rglob("*.py"))}


def _function_lengths(source: str) -> dict[str, int]:
    """Every function's and method's qualified name (`Class.method`, `outer.inner`) and
    its length in lines."""
    lengths: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + child.name
                lengths[name] = child.end_lineno - child.lineno + 1
                visit(child, name + ".")
            elif isinstance(child, ast.ClassDef):
                visit(child, prefix + child.name + ".")
            else:
                visit(child, prefix)

    visit(ast.parse(source), "")
    return lengths


def test_no_module_is_over_400_lines():
    long = {path: len(source.splitlines()) for path, source in _modules().items()
            if len(source.splitlines()) > MAX_MODULE_LINES}
    assert long == {}


def test_no_function_is_over_60_lines():
    long = {f"{path}::{name}": lines for path, source in _modules().items()
            for name, lines in _function_lengths(source).items()
            if lines > MAX_FUNCTION_LINES}
    assert long == {}


def test_the_measure_counts_a_method_from_def_to_its_last_line():
    source = "class A:\n    def f(self):\n        '''Doc.'''\n" + "        x = 1\n" * 61
    assert _function_lengths(source) == {"A.f": 63}
