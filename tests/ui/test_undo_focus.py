"""Ctrl+Z and Ctrl+Shift+Z undo and redo the design wherever the focus is (menus.UndoKeys),
driven by real key events sent to the focused widget of a real main window.

Our fields commit every keystroke that reads as a valid value, so "typing the design has not
taken" is invalid text: "30x" in Length, not "304" (that is a length, committed at once).
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from designer.core.schedule import edits

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

CTRL = Qt.KeyboardModifier.ControlModifier
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def focus(qtbot, widget):
    """Give `widget` the keyboard focus the way a click does, and return it."""
    widget.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is widget)
    return widget


def undo_key(qtbot, widget) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_Z, CTRL)


def redo_key(qtbot, widget) -> None:
    qtbot.keyClick(widget, Qt.Key.Key_Z, CTRL_SHIFT)


def type_length(qtbot, window, text: str):
    """Select the Length field's text, type `text` and press Enter."""
    field = focus(qtbot, window.inspector.steps_editor)
    qtbot.keyClick(field, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    return field


def first_length(window) -> int:
    return window.document.schedule.phases[0].steps


def test_ctrl_z_in_the_length_field_undoes_the_resize_and_redo_does_it_again(window, qtbot):
    window.open_path("designer/examples/step-exponential.json")
    window.document.select(0)
    old = first_length(window)
    field = type_length(qtbot, window, "30")
    assert first_length(window) == 30
    assert window.document.undo_stack.undoText() == "Resize StepLR"

    undo_key(qtbot, field)
    assert first_length(window) == old
    assert field.text() == str(old)
    assert QApplication.focusWidget() is field  # the focus stays where the user is
    undo_key(qtbot, field)  # nothing left to undo: the field's own history stays put too
    assert first_length(window) == old and field.text() == str(old)

    redo_key(qtbot, field)
    assert first_length(window) == 30
    assert field.text() == "30"


def test_ctrl_z_drops_uncommitted_typing_first_then_undoes_the_design(window, qtbot):
    window.open_path("designer/examples/step-exponential.json")
    window.document.select(0)
    old = first_length(window)
    field = type_length(qtbot, window, "30")
    committed = window.document.schedule
    index = window.document.undo_stack.index()

    qtbot.keyClick(field, Qt.Key.Key_End)  # Enter selected the text
    qtbot.keyClicks(field, "x")  # "30x": not a length, so the design never sees it
    assert field.text() == "30x" and field.error()
    undo_key(qtbot, field)
    assert field.text() == "30" and not field.error()
    assert window.document.schedule == committed
    assert window.document.undo_stack.index() == index

    undo_key(qtbot, field)
    assert first_length(window) == old and field.text() == str(old)


def test_redo_leaves_uncommitted_typing_alone(window, qtbot):
    window.open_path("designer/examples/step-exponential.json")
    window.document.select(0)
    field = type_length(qtbot, window, "30")
    undo_key(qtbot, field)
    undone = window.document.schedule
    qtbot.keyClick(field, Qt.Key.Key_End)
    qtbot.keyClicks(field, "x")
    redo_key(qtbot, field)
    assert window.document.schedule == undone  # the field owns the keys while it is typed in
    assert field.text().endswith("x")


def test_expression_editor_undo_goes_to_the_design_unless_the_text_is_invalid(window, qtbot):
    window.document.apply(edits.insert_scheduler(window.document.schedule, "LambdaLR"))
    editor = focus(qtbot, window.inspector.editor("lr_lambda"))
    before = editor.text()
    qtbot.keyClick(editor, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(editor, "0.9 ** step")
    phase = window.document.selected
    assert window.document.schedule.phases[phase].params["lr_lambda"] == "0.9 ** step"

    qtbot.keyClicks(editor, "*")  # a dangling operator: uncommitted
    undo_key(qtbot, editor)
    assert editor.text() == "0.9 ** step" and not editor.error()
    undo_key(qtbot, editor)
    assert window.document.schedule.phases[phase].params["lr_lambda"] == before
    assert editor.text() == before
    redo_key(qtbot, editor)
    assert window.document.schedule.phases[phase].params["lr_lambda"] == "0.9 ** step"


def test_plain_fields_and_the_code_view_pass_undo_to_the_design(window, qtbot):
    window.open_path("designer/examples/step-exponential.json")
    name = focus(qtbot, window.inspector.name_edit)
    qtbot.keyClick(name, Qt.Key.Key_End)
    qtbot.keyClicks(name, " v2")
    assert window.document.schedule.name.endswith(" v2")
    undo_key(qtbot, name)
    assert not window.document.schedule.name.endswith(" v2")
    assert name.text() == window.document.schedule.name

    box = focus(qtbot, window.inspector.steps_per_epoch_box)
    qtbot.keyClick(box, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(box, "250")
    assert window.document.schedule.steps_per_epoch == 250
    undo_key(qtbot, box)
    assert window.document.schedule.steps_per_epoch != 250

    code = focus(qtbot, window.code_view.editor)  # read-only: it has no typing to undo
    redo_key(qtbot, code)
    assert window.document.schedule.steps_per_epoch == 250
    undo_key(qtbot, code)
    assert window.document.schedule.steps_per_epoch != 250
