"""UI test safety net: a modal message box would block the offscreen test run forever."""

import pytest
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
