"""The core is Qt-free: it imports in an interpreter where Qt and pyqtgraph cannot load."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import designer.core

CORE = Path(designer.core.__file__).parent
FORBIDDEN = ("PySide6", "shiboken6", "pyqtgraph")

# Installed before anything of ours is imported: importing a forbidden package raises, and
# sys.modules None entries make a cached import fail as well.
BLOCKED_IMPORT = """
import sys

FORBIDDEN = {forbidden!r}


class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in FORBIDDEN or name.startswith("designer.ui"):
            raise ImportError(f"blocked in this test: {{name}}")
        return None


sys.meta_path.insert(0, Blocker())
for name in FORBIDDEN:
    sys.modules[name] = None

import designer.core
import designer.core.schedule.catalog
import designer.core.schedule.model
import designer.core.schedule.fileformat
import designer.core.export.python_module

# The window and `lr-designer validate` load these before torch is needed.
assert "torch" not in sys.modules, "designer.core without the engine imported torch"

import designer.core.curves.engine
from designer.core.schedule.fileformat import load_schedule_file

schedule = load_schedule_file({example!r})
curve = designer.core.curves.engine.compute_curve(schedule)
loaded = sorted(m for m in sys.modules if m.split(".")[0] in FORBIDDEN and sys.modules[m])
assert not loaded, loaded
print("core ok", len(curve))
"""


def test_core_imports_where_qt_cannot(subprocess_env, python, tmp_path, repo_root):
    example = repo_root / "designer" / "examples" / "step-exponential.json"
    script = BLOCKED_IMPORT.format(forbidden=FORBIDDEN, example=str(example))
    result = subprocess.run([python, "-c", script], capture_output=True, text=True,
                            env=subprocess_env, cwd=tmp_path, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "core ok 30"


def test_blocker_really_blocks(subprocess_env, python, tmp_path):
    """The harness itself works: importing Qt under it fails."""
    script = BLOCKED_IMPORT.split("import designer.core\n")[0] + "import PySide6.QtCore\n"
    result = subprocess.run([python, "-c", script.format(forbidden=FORBIDDEN, example="")],
                            capture_output=True, text=True, env=subprocess_env, cwd=tmp_path,
                            timeout=60, check=False)
    assert result.returncode != 0
    assert "ImportError" in result.stderr or "ModuleNotFoundError" in result.stderr


def _imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module)
        elif isinstance(node, ast.ImportFrom) and node.level:
            names.append("." * node.level + (node.module or ""))
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and node.value.startswith((*FORBIDDEN, "designer.ui"))):
            names.append(node.value)  # importlib.import_module("PySide6...") and friends
    return names


def test_no_core_file_imports_qt_or_ui():
    files = sorted(CORE.rglob("*.py"))
    assert len(files) >= 6
    for path in files:
        for name in _imported_modules(path):
            root = name.split(".")[0]
            assert root not in FORBIDDEN, f"{path.name} imports {name}"
            assert not name.startswith("designer.ui"), f"{path.name} imports {name}"
            assert not name.startswith(".."), f"{path.name} reaches outside core: {name}"
