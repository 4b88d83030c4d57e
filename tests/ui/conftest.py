"""UI test safety net: a modal message box would block the offscreen test run forever."""

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox


@pytest.fixture(autouse=True)
def _no_modal_message_boxes(monkeypatch):
    """Answer every QMessageBox at once: Discard for questions (closing a window with
    unsaved changes), OK for the rest. Tests that check a dialog replace the hooks the app
    provides (FileController.warn / ask_save_changes) or patch these themselves."""
    shown = []

    def answer(default):
        def show(parent, title, text, *args, **kwargs):
            shown.append((title, text))
            return default
        return show

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.Discard))
    for name in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, answer(QMessageBox.Ok))
    return shown


@pytest.fixture
def window(qtbot, tmp_path):
    """A shown 1280×800 main window with its own settings; dialogs it would show are
    collected in `window.messages`, and unsaved changes are discarded without asking."""
    from designer.ui import MainWindow

    win = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    win.messages = []
    win.files.warn = lambda title, text: win.messages.append(text)
    win.files.ask_save_changes = lambda action: QMessageBox.Discard
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def painted_texts(monkeypatch) -> list[str]:
    """Every text line the timeline paints from now on, in order (its painter's
    `_text_line` recorded, then drawn as usual)."""
    from designer.ui.timeline.paint import TimelinePainter

    painted: list[str] = []
    original = TimelinePainter._text_line

    def record(p, font, text, *args, **kwargs):
        painted.append(text)
        original(p, font, text, *args, **kwargs)

    monkeypatch.setattr(TimelinePainter, "_text_line", staticmethod(record))
    return painted
