"""Start the window: the QApplication, its identity, the theme, and the first document.

With LR_DESIGNER_SCREENSHOT=OUT.png the app grabs the window once the first exact curve
shows and quits: the packaged app's smoke test uses it.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from designer import __version__
from designer.ui.fonts import register_fonts


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    QCoreApplication.setOrganizationName("lr-schedule-designer")
    QCoreApplication.setApplicationName("LR Schedule Designer")
    QCoreApplication.setApplicationVersion(__version__)
    app.setDesktopFileName("lr-designer")
    # Fusion renders the same on every platform and follows the system's dark/light scheme.
    app.setStyle("Fusion")
    register_fonts()  # before any window: the code view and expressions use the bundled font
    icon = application_icon()
    if not icon.isNull():
        app.setWindowIcon(icon)
    return app


def application_icon() -> QIcon:
    from importlib.resources import files

    try:
        path = files("designer") / "resources" / "lr-designer.svg"
        return QIcon(str(path)) if path.is_file() else QIcon()
    except (ModuleNotFoundError, FileNotFoundError):
        return QIcon()


def run_app(path: str | None = None) -> int:
    app = make_application()
    from designer.ui.main_window import MainWindow

    window = MainWindow()
    from designer.ui.automation import SCREENSHOT_ENV, install_state_dump

    install_state_dump(window)
    if path:
        window.open_path(path)
    window.show()
    from designer.ui.files.recovery import offer_recovery

    offer_recovery(window)  # designs autosaved by a session that crashed
    screenshot = os.environ.get(SCREENSHOT_ENV)
    if screenshot:
        _quit_after_screenshot(app, window, screenshot)
    return app.exec()


def _quit_after_screenshot(app: QApplication, window, path: str) -> None:
    """Smoke tests of the packaged app: grab the window once the first curve shows, quit."""
    from PySide6.QtCore import QTimer

    def grab() -> None:
        window.document.undo_stack.setClean()  # nothing to ask about on the way out
        ok = window.grab().save(path)
        _write_identity(app, window, path + ".json")
        app.exit(0 if ok else 1)

    window.preview_updated.connect(lambda: QTimer.singleShot(100, grab))
    if window.shown_schedule() is not None:
        QTimer.singleShot(100, grab)


def _write_identity(app: QApplication, window, path: str) -> None:
    """Beside the screenshot: what a window manager and Help > About show, which a grab of
    the window's client area cannot (the packaged app must match the source one)."""
    import json

    from designer.ui.menus import about_html

    identity = {
        "window_title": window.windowTitle().replace("[*]", ""),
        "window_icon": not window.windowIcon().pixmap(64, 64).isNull(),
        "desktop_file": app.desktopFileName(),
        "about": about_html(),
    }
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(identity, handle)
