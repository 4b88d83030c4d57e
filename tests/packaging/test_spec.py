"""The PyInstaller spec and build scripts, checked without building (a build takes minutes)."""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
SPEC = PACKAGING / "lr-designer.spec"
BASES = {"ROOT": REPO, "SPEC_DIR": PACKAGING}


def spec_tree() -> ast.Module:
    return ast.parse(SPEC.read_text(encoding="utf-8"), filename=str(SPEC))


def referenced_paths() -> list[Path]:
    """Every `ROOT / "a" / "b"` and `SPEC_DIR / "x"` in the spec, as a path."""
    paths = []

    def resolve(node):
        if isinstance(node, ast.Name) and node.id in BASES:
            return BASES[node.id]
        if (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div)
                and isinstance(node.right, ast.Constant) and isinstance(node.right.value, str)):
            base = resolve(node.left)
            return base / node.right.value if base is not None else None
        return None

    for node in ast.walk(spec_tree()):
        if isinstance(node, ast.BinOp):
            path = resolve(node)
            if path is not None:
                paths.append(path)
    return paths


def test_spec_is_python():
    compile(SPEC.read_text(encoding="utf-8"), str(SPEC), "exec")


def test_every_file_the_spec_names_exists():
    paths = referenced_paths()
    names = {path.relative_to(REPO).as_posix() for path in paths}
    # The things a frozen app cannot do without, so the walk above really saw them.
    assert {"packaging/lr_designer_entry.py", "packaging/hooks", "designer/resources",
            "designer/examples", "resources/lr-designer.desktop",
            "resources/lr-designer-mime.xml", "resources/icons",
            "packaging/import_probe.py"} <= names
    assert [name for name in sorted(names) if not (REPO / name).exists()] == []


def test_install_scripts_copied_into_the_app_exist():
    for node in ast.walk(spec_tree()):
        if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Constant) for e in node.elts):
            values = [e.value for e in node.elts]
            if "install-linux.sh" in values:
                assert all((PACKAGING / value).is_file() for value in values)
                return
    raise AssertionError("the spec copies no install scripts")


def test_hook_overrides_the_module_it_names():
    hooks = sorted(path.name for path in (PACKAGING / "hooks").glob("hook-*.py"))
    assert hooks == ["hook-PySide6.QtGui.py"]  # add_qt6_dependencies reads the module name


def test_entry_point_starts_multiprocessing_workers_first():
    text = (PACKAGING / "lr_designer_entry.py").read_text(encoding="utf-8")
    assert text.index("multiprocessing.freeze_support()") < text.index("from designer.cli")


def test_archive_name_carries_version_and_platform():
    sys.path.insert(0, str(PACKAGING))
    import build_app

    from designer import __version__

    assert build_app.version() == __version__
    if sys.platform.startswith("linux"):
        import platform

        name = build_app.archive_path(REPO / "dist").name
        assert name == f"lr-designer-{__version__}-linux-{platform.machine()}.tar.gz"


def test_coverage_designs_name_every_scheduler_and_optimizer():
    sys.path.insert(0, str(PACKAGING))
    from coverage_designs import designs

    from designer.core.schedule.catalog import OPTIMIZERS, SCHEDULERS
    from designer.core.schedule.fileformat import load_schedule

    schedules = [load_schedule(json.dumps(design)) for design in designs().values()]
    assert {p.scheduler for s in schedules for p in s.phases} == set(SCHEDULERS)
    assert {s.optimizer.name for s in schedules} == set(OPTIMIZERS)
