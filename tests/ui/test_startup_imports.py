"""The window comes up without importing torch: the worker process steps the schedulers."""

import subprocess
import sys

SCRIPT = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from PySide6.QtCore import QSettings
from designer.ui.app import make_application
from designer.ui.main_window import MainWindow
app = make_application()
window = MainWindow(QSettings(sys.argv[1], QSettings.IniFormat))
window.open_path("designer/examples/warmup-cosine.json")
window.show()
app.processEvents()
assert "torch" not in sys.modules, "the window imported torch"
assert window.flush_preview(), "no curve"
assert len(window.preview_curve()[1]) == 100_000
assert "torch" not in sys.modules, "the window imported torch to show a curve"
from importlib.metadata import version
from designer.ui.menus import about_html
assert f"torch {version('torch')}" in about_html()
assert "torch" not in sys.modules, "Help > About imported torch"
print("ok")
"""


def test_window_shows_and_gets_its_curve_without_importing_torch(tmp_path):
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "s.ini")],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr
