"""The code view and the expression editors use the bundled monospace font, whatever fonts
the machine has (designer/ui/fonts.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from PySide6.QtGui import QFontInfo

from designer.core.schedule.catalog import SCHEDULERS
from designer.ui.code_view import CodeView
from designer.ui.document import Document
from designer.ui.fonts import FAMILY, monospace_font, register_fonts
from designer.ui.inspector.editors import ExpressionEditor

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def expression_spec():
    return next(param for param in SCHEDULERS["LambdaLR"].params if param.name == "lr_lambda")


def test_bundled_font_loads_and_is_fixed_pitch(qapp):
    assert register_fonts() == FAMILY
    assert register_fonts() == FAMILY  # once per application: the second call reuses it
    shown = QFontInfo(monospace_font())
    assert shown.family() == FAMILY and shown.fixedPitch()
    assert monospace_font(13.5).pointSizeF() == 13.5


def test_code_view_and_expression_editor_use_it(qtbot, qapp):
    view = CodeView(Document())
    editor = ExpressionEditor(expression_spec())
    qtbot.addWidget(view)
    qtbot.addWidget(editor)
    for widget in (view.editor, editor):
        shown = QFontInfo(widget.font())
        assert (shown.family(), shown.fixedPitch()) == (FAMILY, True)
        # The size of the text around it, not the system's fixed font's.
        assert widget.font().pointSizeF() == qapp.font().pointSizeF()


# A machine with no font installed, as a fresh Debian with only what .ci/run installs comes
# close to: fontconfig with no font folder at all.
NO_FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><cachedir>{cache}</cachedir></fontconfig>
"""

PROBE = """
from PySide6.QtGui import QFontDatabase, QFontInfo
from PySide6.QtWidgets import QApplication
from designer.ui.app import make_application
from designer.ui.code_view import CodeView
from designer.ui.document import Document
from designer.ui.inspector.editors import ExpressionEditor
from designer.core.schedule.catalog import SCHEDULERS

QApplication([])
system = QFontInfo(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
print("system", system.fixedPitch())  # before the app adds its font, the only one then
make_application()
spec = next(p for p in SCHEDULERS["LambdaLR"].params if p.name == "lr_lambda")
for widget in (CodeView(Document()).editor, ExpressionEditor(spec)):
    shown = QFontInfo(widget.font())
    print("widget", shown.family(), shown.fixedPitch())
"""


def test_fixed_pitch_on_a_machine_without_fonts(tmp_path, subprocess_env):
    conf = tmp_path / "fonts.conf"
    conf.write_text(NO_FONTS_CONF.format(cache=tmp_path / "cache"), encoding="utf-8")
    env = {**subprocess_env, "FONTCONFIG_FILE": str(conf)}
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    # The simulation bites: the system's "monospace" is no fixed-pitch face here...
    assert "system False" in lines
    # ...and the app does not care.
    assert lines.count(f"widget {FAMILY} True") == 2, result.stdout
