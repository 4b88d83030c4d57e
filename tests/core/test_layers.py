"""The layers, read from the source: cli -> ui -> core, the core's packages in their order,
and no import cycles between modules (imports only for type checking excepted)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import designer

ROOT = Path(designer.__file__).parent
# Each layer may import the layers after it in this list, never those before it.
# core.runs sits beside core.importing and never imports it.
ORDER = ["designer.cli", "designer.ui", "designer.core.importing", "designer.core.runs",
         "designer.core.export", "designer.core.curves", "designer.core.safe_io",
         "designer.core.schedule"]


def _modules() -> dict[str, Path]:
    return {".".join(p.relative_to(ROOT.parent).with_suffix("").parts).removesuffix(
        ".__init__"): p for p in ROOT.rglob("*.py")}


def _runtime_imports(path: Path) -> set[str]:
    """Every designer module named by an import statement, at any depth, outside
    `if TYPE_CHECKING:` blocks."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
               and getattr(block.test, "id", None) == "TYPE_CHECKING"
               for statement in block.body for node in ast.walk(statement)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name.startswith("designer")}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = defaultdict(set)
    for name, path in modules.items():
        for target in _runtime_imports(path):
            if target in modules and target != name and not name.startswith(target + "."):
                graph[name].add(target)
    return graph


def _layer(module: str) -> int | None:
    return next((i for i, prefix in enumerate(ORDER)
                 if module == prefix or module.startswith(prefix + ".")), None)


def test_every_import_points_down_the_layers():
    wrong = [(source, target) for source, targets in _graph().items() for target in targets
             if _layer(source) is not None and _layer(target) is not None
             and _layer(target) < _layer(source)]
    assert wrong == []


def test_no_module_imports_itself_through_others():
    graph = _graph()
    cycles, done = [], set()

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            cycles.append(path[path.index(node):] + [node])
            return
        if node in done:
            return
        for target in sorted(graph[node]):
            visit(target, [*path, node])
        done.add(node)

    for module in sorted(_modules()):
        visit(module, [])
    assert cycles == []


def test_the_check_sees_imports():
    graph = _graph()
    assert "designer.core.schedule.model" in graph["designer.core.schedule.fileformat"]
    assert "designer.core.curves.engine" in graph["designer.core.curves.worker"]  # lazy one
    assert all(_layer(module) is not None for module in _modules()
               if module.count(".") >= 2 and not module.startswith("designer.__"))
