"""The monospace font of the code view and the expression editors, shipped with the app.

The system's "fixed" font is whatever fontconfig makes of the alias "monospace": on a
machine without a monospace font installed (a fresh Debian with only what CI installs)
that is a proportional face, and code and expressions lose their columns. So the app
brings its own: JetBrains Mono Regular (SIL Open Font License 1.1, `OFL.txt` beside it),
the unchanged file of Debian's fonts-jetbrains-mono 2.242, in designer/resources/fonts/.
Bold keywords in the code view are emboldened by Qt from this one weight.
"""

from __future__ import annotations

from importlib.resources import files

from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication

FONT_FILE = "JetBrainsMono-Regular.ttf"
FAMILY = "JetBrains Mono"
_LOADED = "lrDesignerMonospace"  # an application property: the family loaded, "" for none


def register_fonts() -> str | None:
    """Add the bundled font to the application's font database (once per application) and
    return its family; None when the file is missing or Qt refuses it."""
    app = QGuiApplication.instance()
    if app is None:
        return None  # fonts belong to an application: monospace_font() asks again later
    if app.property(_LOADED) is None:
        app.setProperty(_LOADED, _load())
    return app.property(_LOADED) or None


def _load() -> str:
    try:
        data = (files("designer") / "resources" / "fonts" / FONT_FILE).read_bytes()
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        return ""
    font_id = QFontDatabase.addApplicationFontFromData(data)
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    return families[0] if families else ""


def monospace_font(point_size: float | None = None) -> QFont:
    """The bundled monospace font at `point_size` (the application font's size when None).
    Without it, the system's fixed font, hinted so that an alias still finds a monospace."""
    family = register_fonts()
    if family is not None:
        font = QFont(family)
    else:
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setStyleHint(QFont.StyleHint.TypeWriter)
    font.setFixedPitch(True)
    size = point_size if point_size is not None else QGuiApplication.font().pointSizeF()
    if size > 0:
        font.setPointSizeF(size)
    return font
