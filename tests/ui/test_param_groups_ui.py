"""Param groups in the inspector with real widgets and events (pytest-qt, offscreen): the
"Param groups" section and the per-group values of a phase's per-group parameters.

Drive the widgets, assert on the document (and its undo stack); change the document,
assert on the widgets.
"""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from ui_keys import paste_text, replace_text

from designer.core.schedule.checks import check_group
from designer.core.schedule.fileformat import dump_schedule, load_schedule
from designer.core.schedule.model import (
    MAX_GROUPS,
    OptimizerConfig,
    ParamGroup,
    Schedule,
    ScheduleError,
    new_phase,
)
from designer.ui.document import Document
from designer.ui.inspector.editors import FloatEditor
from designer.ui.inspector.editors_groups import PerGroupEditor
from designer.ui.inspector.inspector import Inspector

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ONECYCLE, STEP, CYCLIC, PLATEAU = range(4)
GROUPS = (ParamGroup("backbone", lr_scale=1.0), ParamGroup("head", lr_scale=10.0))


def design(groups: tuple[ParamGroup, ...] = GROUPS, max_lr=0.1) -> Schedule:
    return Schedule(
        phases=(new_phase("OneCycleLR", 1000).with_param("max_lr", max_lr),
                new_phase("StepLR", 1000), new_phase("CyclicLR", 1000),
                new_phase("ReduceLROnPlateau", 1000)),
        optimizer=OptimizerConfig("SGD", 0.1, {"momentum": 0.9}),
    ).with_param_groups(groups)


def make_inspector(qtbot, document: Document) -> Inspector:
    widget = Inspector(document)
    qtbot.addWidget(widget)
    widget.resize(330, 1200)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    # Activation is asynchronous; focus (and so typing and Tab) needs the active window.
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget)
    return widget


@pytest.fixture
def document() -> Document:
    return Document(design())


@pytest.fixture
def inspector(qtbot, document) -> Inspector:
    return make_inspector(qtbot, document)


def click(qtbot, button) -> None:
    assert button.isEnabled() and button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def check_group_message(name, lr, lr_scale, taken) -> str:
    with pytest.raises(ScheduleError) as error:
        check_group(name, lr, lr_scale, "param_groups[1]", taken)
    return f"{error.value.field.rsplit('.', 1)[-1]}: {error.value.message}"


def max_lr(document: Document):
    return document.schedule.phases[ONECYCLE].params["max_lr"]


# The "Param groups" section -----------------------------------------------------------------

def test_without_groups_it_says_one_group_and_adds_backbone_and_head(qtbot):
    document = Document(design(groups=()))
    inspector = make_inspector(qtbot, document)
    groups = inspector.group_editor
    assert groups.rows == []
    assert groups.empty_label.isVisible()
    assert "one param group" in groups.empty_label.text()
    assert groups.add_button.text() == "Add groups"

    click(qtbot, groups.add_button)

    assert document.schedule.param_groups == GROUPS
    assert document.undo_stack.count() == 1
    assert document.undo_stack.undoText() == "Add param groups"
    assert [row.name_edit.text() for row in groups.rows] == ["backbone", "head"]
    assert [row.lr_editor.value() for row in groups.rows] == [1.0, 10.0]
    assert Inspector.message_for(groups.rows[1].name_edit) == "× base lr: trains at 1"
    assert not groups.empty_label.isVisible()
    assert groups.add_button.text() == "Add group"

    document.undo_stack.undo()
    assert document.schedule.param_groups == ()
    assert groups.rows == [] and groups.empty_label.isVisible()
    document.undo_stack.redo()
    assert document.schedule.param_groups == GROUPS
    assert len(groups.rows) == 2


def test_add_group_gives_a_free_name_and_typing_it_is_one_more_step(qtbot, inspector, document):
    click(qtbot, inspector.group_editor.add_button)
    assert document.schedule.param_groups[2] == ParamGroup("group3", lr_scale=1.0)
    assert document.undo_stack.undoText() == "Add param group group3"
    name_edit = inspector.group_editor.rows[2].name_edit
    assert name_edit.hasFocus() and name_edit.selectedText() == "group3"

    qtbot.keyClicks(name_edit, "neck")

    assert document.schedule.group_names() == ("backbone", "head", "neck")
    assert document.undo_stack.count() == 2
    assert document.undo_stack.undoText() == "Rename param group"
    document.undo_stack.undo()
    assert document.schedule.group_names() == ("backbone", "head", "group3")
    assert name_edit.text() == "group3"
    document.undo_stack.undo()
    assert document.schedule.param_groups == GROUPS


def test_renaming_keeps_the_groups_per_group_values(qtbot):
    document = Document(design(max_lr=(0.001, 0.01)))
    inspector = make_inspector(qtbot, document)
    replace_text(qtbot, inspector.group_editor.rows[1].name_edit, "classifier")

    assert document.schedule.group_names() == ("backbone", "classifier")
    assert document.schedule.param_groups[1].lr_scale == 10.0
    assert max_lr(document) == (0.001, 0.01)
    assert document.undo_stack.count() == 1  # every keystroke merged
    document.undo_stack.undo()
    assert document.schedule == design(max_lr=(0.001, 0.01))


@pytest.mark.parametrize("text", ["1head", "for", "backbone", "", "two words", "x" * 41,
                                  "héad"])
def test_an_invalid_name_shows_check_groups_message_and_leaves_the_model(qtbot, inspector,
                                                                         document, text):
    before = document.schedule
    row = inspector.group_editor.rows[1]
    paste_text(qtbot, row.name_edit, text)

    expected = check_group_message(text, None, 10.0, ("backbone",))
    assert Inspector.message_for(row.name_edit) == expected
    assert row.name_edit.property("invalid")
    assert row.name_edit.text() == text  # the typing stays while the field has focus
    assert document.schedule == before
    assert document.undo_stack.count() == 0

    inspector.name_edit.setFocus()  # leaving the field shows the model's name again
    assert row.name_edit.text() == "head"
    assert not row.name_edit.property("invalid")
    assert Inspector.message_for(row.name_edit) == "× base lr: trains at 1"


def test_typing_a_group_lr_is_one_undo_step(qtbot, inspector, document):
    row = inspector.group_editor.rows[1]
    replace_text(qtbot, row.lr_editor.lineEdit(), "20")

    assert document.schedule.param_groups[1] == ParamGroup("head", lr_scale=20.0)
    assert document.schedule.base_lrs() == (0.1, 2.0)
    assert document.undo_stack.count() == 1
    assert document.undo_stack.undoText() == "Set head lr"
    assert Inspector.message_for(row.lr_editor) == "× base lr: trains at 2"
    document.undo_stack.undo()
    assert document.schedule.param_groups == GROUPS
    assert row.lr_editor.value() == 10.0


@pytest.mark.parametrize("text", ["0", "-1", "nan", "1e999", "abc"])
def test_an_invalid_lr_shows_the_error_and_leaves_the_model(qtbot, inspector, document, text):
    row = inspector.group_editor.rows[1]
    paste_text(qtbot, row.lr_editor, text)

    message = Inspector.message_for(row.lr_editor)
    if text in ("0", "-1"):
        assert message == check_group_message("head", None, float(text), ())
        assert message == "lr_scale: must be a finite number > 0"
    else:
        assert "must be" in message
    assert row.lr_editor.property("invalid")
    assert document.schedule == design()
    assert document.undo_stack.count() == 0


def test_the_unit_button_switches_between_scaled_and_absolute_keeping_the_lr(qtbot, inspector,
                                                                              document):
    row = inspector.group_editor.rows[1]
    assert row.unit_button.text() == "×" and row.unit_button.isChecked()
    click(qtbot, row.unit_button)

    assert document.schedule.param_groups[1] == ParamGroup("head", lr=1.0)
    assert document.undo_stack.undoText() == "Give head an absolute lr"
    assert row.unit_button.text() == "=" and not row.unit_button.isChecked()
    assert row.lr_editor.value() == 1.0

    replace_text(qtbot, inspector.lr_editor.lineEdit(), "0.2")  # the optimizer's base lr
    assert document.schedule.base_lrs() == (0.2, 1.0)  # absolute: head stays at 1
    click(qtbot, row.unit_button)
    assert document.schedule.param_groups[1] == ParamGroup("head", lr_scale=5.0)
    assert document.undo_stack.undoText() == "Scale head lr with the optimizer lr"

    for _ in range(3):
        document.undo_stack.undo()
    assert document.schedule == design()
    assert row.unit_button.isChecked()


def test_move_and_remove_buttons_carry_the_per_group_values(qtbot):
    groups = (*GROUPS, ParamGroup("neck", lr=0.05))
    document = Document(design(groups, max_lr=(0.001, 0.01, 0.005)))
    inspector = make_inspector(qtbot, document)
    rows = inspector.group_editor.rows
    assert not rows[0].up_button.isEnabled() and not rows[2].down_button.isEnabled()

    click(qtbot, rows[0].down_button)
    assert document.schedule.group_names() == ("head", "backbone", "neck")
    assert max_lr(document) == (0.01, 0.001, 0.005)
    assert document.undo_stack.undoText() == "Move param group backbone down"

    click(qtbot, inspector.group_editor.rows[2].up_button)
    assert document.schedule.group_names() == ("head", "neck", "backbone")
    assert document.undo_stack.undoText() == "Move param group neck up"

    click(qtbot, inspector.group_editor.rows[0].remove_button)
    assert document.schedule.group_names() == ("neck", "backbone")
    assert max_lr(document) == (0.005, 0.001)
    assert document.undo_stack.undoText() == "Remove param group head"
    assert [row.name_edit.text() for row in inspector.group_editor.rows] == ["neck",
                                                                               "backbone"]
    assert document.undo_stack.count() == 3
    for _ in range(3):
        document.undo_stack.undo()
    assert document.schedule == design(groups, max_lr=(0.001, 0.01, 0.005))
    assert [row.name_edit.text() for row in inspector.group_editor.rows] == [
        "backbone", "head", "neck"]


def test_removing_groups_down_to_none_collapses_the_values(qtbot):
    document = Document(design(max_lr=(0.001, 0.01)))
    inspector = make_inspector(qtbot, document)
    click(qtbot, inspector.group_editor.rows[1].remove_button)
    assert document.schedule.param_groups == (GROUPS[0],)
    assert max_lr(document) == 0.001  # one group: one value
    click(qtbot, inspector.group_editor.rows[0].remove_button)
    assert document.schedule.param_groups == ()
    assert inspector.group_editor.empty_label.isVisible()
    assert load_schedule(dump_schedule(document.schedule)) == document.schedule


def test_hostile_input_in_group_fields_never_raises(qtbot, inspector, document):
    hostile = ["abc", "", "-1", "nan", "1e999", "1e-400", "((((", "ℵ", "9" * 80, "\t",
               "class", "_", "__import__('os')"]
    for row in inspector.group_editor.rows:
        for text in hostile:
            paste_text(qtbot, row.name_edit, text)
            paste_text(qtbot, row.lr_editor, text)
    inspector.name_edit.setFocus()
    # Whatever was accepted is a design the strict loader takes back.
    assert load_schedule(dump_schedule(document.schedule)) == document.schedule
    assert len(set(document.schedule.group_names())) == 2


# Per-group values of a phase ------------------------------------------------------------------

def test_with_one_group_per_group_params_keep_the_plain_number_editor(qtbot):
    for groups in ((), (ParamGroup("only", lr_scale=1.0),)):
        document = Document(design(groups))
        inspector = make_inspector(qtbot, document)
        document.select(ONECYCLE)
        assert type(inspector.editor("max_lr")) is FloatEditor


def test_per_group_expands_to_one_number_per_group(qtbot, inspector, document):
    document.select(ONECYCLE)
    editor = inspector.editor("max_lr")
    assert isinstance(editor, PerGroupEditor)
    assert editor.shared.isVisible() and not editor.is_expanded()
    assert not any(number.isVisible() for number in editor.numbers)

    click(qtbot, editor.toggle)
    assert editor.is_expanded() and not editor.shared.isVisible()
    assert [label.text() for label in editor._labels] == ["backbone", "head"]
    assert [number.value() for number in editor.numbers] == [0.1, 0.1]
    assert document.undo_stack.count() == 0  # expanding equal values changes nothing

    replace_text(qtbot, editor.numbers[1].lineEdit(), "0.01")
    assert max_lr(document) == (0.1, 0.01)
    assert document.undo_stack.count() == 1
    assert document.undo_stack.undoText() == "Set OneCycleLR max_lr"
    assert editor.summary.text() == "0.01 – 0.1"

    replace_text(qtbot, editor.numbers[1].lineEdit(), "0.1")  # equal again: one float
    assert max_lr(document) == 0.1
    assert editor.is_expanded()
    assert load_schedule(dump_schedule(document.schedule)) == document.schedule


def test_unchecking_per_group_gives_every_group_the_first_value(qtbot):
    document = Document(design(max_lr=(0.001, 0.01)))
    inspector = make_inspector(qtbot, document)
    document.select(ONECYCLE)
    editor = inspector.editor("max_lr")
    assert editor.is_expanded()  # different values always show expanded
    assert [number.value() for number in editor.numbers] == [0.001, 0.01]

    click(qtbot, editor.toggle)
    assert max_lr(document) == 0.001
    assert not editor.is_expanded() and editor.shared.value() == 0.001
    assert document.undo_stack.count() == 1

    replace_text(qtbot, editor.shared.lineEdit(), "0.002")  # a step of its own
    assert max_lr(document) == 0.002
    assert document.undo_stack.count() == 2
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert max_lr(document) == (0.001, 0.01)
    assert editor.is_expanded()
    assert [number.value() for number in editor.numbers] == [0.001, 0.01]


def test_an_invalid_group_value_shows_the_error_and_leaves_the_model(qtbot, inspector, document):
    document.select(ONECYCLE)
    editor = inspector.editor("max_lr")
    click(qtbot, editor.toggle)
    paste_text(qtbot, editor.numbers[1], "-1")
    assert Inspector.message_for(editor) == "head: must be a finite number > 0"
    assert editor.numbers[1].property("invalid")
    assert document.schedule == design()
    assert document.undo_stack.count() == 0


def test_the_phase_form_follows_group_edits(qtbot, inspector, document):
    document.select(ONECYCLE)
    editor = inspector.editor("max_lr")
    click(qtbot, editor.toggle)
    replace_text(qtbot, editor.numbers[1].lineEdit(), "0.01")

    replace_text(qtbot, inspector.group_editor.rows[1].name_edit, "classifier")
    assert inspector.editor("max_lr") is editor  # renamed in place, still expanded
    assert [label.text() for label in editor._labels] == ["backbone", "classifier"]

    click(qtbot, inspector.group_editor.add_button)
    assert [label.text() for label in editor._labels] == ["backbone", "classifier",
                                                          "group3"]
    assert [number.value() for number in editor.numbers] == [0.1, 0.01, 0.1]
    replace_text(qtbot, editor.numbers[2].lineEdit(), "0.05")
    assert max_lr(document) == (0.1, 0.01, 0.05)

    for _ in range(2):
        click(qtbot, inspector.group_editor.rows[-1].remove_button)
    assert type(inspector.editor("max_lr")) is FloatEditor
    assert inspector.editor("max_lr").value() == 0.1
    document.undo_stack.undo()
    assert isinstance(inspector.editor("max_lr"), PerGroupEditor)
    assert inspector.editor("max_lr").is_expanded()


@pytest.mark.parametrize(("index", "name", "typed", "expected"), [
    (CYCLIC, "base_lr", "0.0001", (0.001, 0.0001)),
    (CYCLIC, "max_lr", "1", (0.1, 1.0)),
    (PLATEAU, "min_lr", "1e-05", (0.0, 1e-05)),
])
def test_every_per_group_parameter_takes_one_value_per_group(qtbot, inspector, document, index,
                                                             name, typed, expected):
    document.select(index)
    editor = inspector.editor(name)
    assert isinstance(editor, PerGroupEditor)
    click(qtbot, editor.toggle)
    replace_text(qtbot, editor.numbers[1].lineEdit(), typed)
    assert document.schedule.phases[index].params[name] == expected
    assert document.undo_stack.undoText() == f"Set {document.schedule.phases[index].scheduler} " \
                                             f"{name}"
    assert load_schedule(dump_schedule(document.schedule)) == document.schedule


def test_tab_visits_the_per_group_numbers_and_the_group_rows(qtbot):
    document = Document(design(max_lr=(0.001, 0.01)))
    inspector = make_inspector(qtbot, document)
    document.select(ONECYCLE)
    editor = inspector.editor("max_lr")

    def visit(start, count):
        start.setFocus()
        visited = []
        for _ in range(count):
            widget = QGuiApplication.focusObject()
            visited.append(widget.parentWidget() if widget.objectName() == "qt_spinbox_lineedit"
                           else widget)
            qtbot.keyClick(widget, Qt.Key.Key_Tab)
        return visited

    total_steps = inspector.editor("total_steps")
    assert visit(editor.toggle, 4) == [editor.toggle, *editor.numbers, total_steps.auto]
    rows = inspector.group_editor.rows
    assert visit(inspector.name_edit, 5) == [inspector.name_edit, rows[0].name_edit,
                                             rows[0].unit_button, rows[0].lr_editor,
                                             rows[0].down_button]
    click(qtbot, inspector.group_editor.add_button)  # rows made anew keep their place
    rows = inspector.group_editor.rows
    assert visit(inspector.name_edit, 2) == [inspector.name_edit, rows[0].name_edit]
    assert visit(rows[2].remove_button, 2) == [rows[2].remove_button,
                                               inspector.group_editor.add_button]


def test_add_stops_at_the_loaders_limit(qtbot):
    groups = tuple(ParamGroup(f"g{index}", lr_scale=1.0) for index in range(MAX_GROUPS))
    document = Document(design(groups))
    inspector = make_inspector(qtbot, document)
    assert len(inspector.group_editor.rows) == MAX_GROUPS
    assert not inspector.group_editor.add_button.isEnabled()
