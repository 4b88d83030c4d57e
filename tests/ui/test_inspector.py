"""The inspector with real widgets and real key and mouse events (pytest-qt, offscreen).

Drive the widget, assert on the document; change the document, assert on the widget.
"""

from __future__ import annotations

import math
import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo, QGuiApplication
from ui_keys import paste_text, replace_text

from designer.core.schedule.catalog import OPTIMIZERS, SCHEDULERS
from designer.core.schedule.expressions import ExpressionError, parse_expression
from designer.core.schedule.fileformat import dump_schedule, load_schedule
from designer.core.schedule.model import OptimizerConfig, Phase, Schedule, new_phase
from designer.ui.document import Document
from designer.ui.inspector.editors import (
    EDITORS,
    BoolEditor,
    ChoiceEditor,
    ExpressionEditor,
    FloatEditor,
    FloatPairEditor,
    IntEditor,
    IntListEditor,
    OptionalEditor,
    create_editor,
)
from designer.ui.inspector.inspector import Inspector

# pytest-qt creates the QApplication lazily, so this still applies when run without the
# Makefile's environment.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

STEP, COSINE, LAMBDA, MULTISTEP, ONECYCLE = range(5)


def design() -> Schedule:
    return Schedule(
        phases=(new_phase("StepLR", 1000), new_phase("CosineAnnealingLR", 2000),
                new_phase("LambdaLR", 500), new_phase("MultiStepLR", 500),
                new_phase("OneCycleLR", 1000).with_param("total_steps", 1000)),
        optimizer=OptimizerConfig("SGD", 0.1, {"momentum": 0.9, "weight_decay": 5e-4}),
    )


@pytest.fixture
def document() -> Document:
    return Document(design())


@pytest.fixture
def inspector(qtbot, document) -> Inspector:
    widget = Inspector(document)
    qtbot.addWidget(widget)
    widget.resize(320, 760)
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    return widget


def select(inspector: Inspector, document: Document, index: int) -> None:
    document.select(index)
    assert document.selected == index


def shown_text(editor) -> str:
    return editor.lineEdit().text() if hasattr(editor, "lineEdit") else editor.text()


# Building the form from the catalog ------------------------------------------------------

@pytest.mark.parametrize(("index", "expected"), [
    (STEP, {"step_size": IntEditor, "gamma": FloatEditor}),
    (COSINE, {"T_max": OptionalEditor, "eta_min": FloatEditor}),
    (LAMBDA, {"lr_lambda": ExpressionEditor}),
    (MULTISTEP, {"milestones": IntListEditor, "gamma": FloatEditor}),
    (ONECYCLE, {"max_lr": FloatEditor, "total_steps": OptionalEditor,
                "pct_start": FloatEditor, "anneal_strategy": ChoiceEditor,
                "cycle_momentum": BoolEditor, "base_momentum": FloatEditor,
                "max_momentum": FloatEditor, "div_factor": FloatEditor,
                "final_div_factor": FloatEditor, "three_phase": BoolEditor}),
])
def test_selecting_a_phase_builds_its_editors(inspector, document, index, expected):
    select(inspector, document, index)
    phase = document.schedule.phases[index]
    for name, kind in expected.items():
        editor = inspector.editor(name)
        assert type(editor) is kind, name
        assert editor.isVisibleTo(inspector)
        if isinstance(editor, OptionalEditor):
            assert editor.is_auto() == phase.is_fitted()
            assert editor.inner.value() == phase.param_value(name)
        else:
            assert editor.value() == phase.param_value(name)
    assert inspector.editor("nonexistent") is None
    assert inspector._title.text() == phase.scheduler
    assert inspector.steps_editor.value() == phase.steps


def test_no_selection_shows_a_placeholder(inspector, document):
    select(inspector, document, STEP)
    assert not inspector._placeholder.isVisibleTo(inspector)
    document.select(-1)
    assert inspector._placeholder.isVisibleTo(inspector)
    assert inspector._placeholder.text() == "Select a phase on the timeline"
    assert not inspector.steps_editor.isVisibleTo(inspector)
    assert inspector.editor("gamma") is None
    assert inspector.lr_editor.isVisibleTo(inspector)  # the schedule section stays


def test_accessible_names(inspector):
    assert inspector.objectName() == "inspector"
    assert inspector.accessibleName() == "Inspector"


# Typing into a field ----------------------------------------------------------------------

def test_typing_a_valid_gamma_updates_the_model(qtbot, inspector, document):
    select(inspector, document, STEP)
    replace_text(qtbot, inspector.editor("gamma"), "0.5")
    assert document.schedule.phases[STEP].params["gamma"] == 0.5
    assert document.undo_stack.undoText() == "Set StepLR gamma"


@pytest.mark.parametrize("text", ["abc", "", "-1", "nan", "1e999", "0"])
def test_invalid_gamma_never_reaches_the_model(qtbot, inspector, document, text):
    select(inspector, document, STEP)
    before = document.schedule
    seen = []
    document.changed.connect(lambda: seen.append(document.schedule.phases[STEP].param_value(
        "gamma")))
    editor = inspector.editor("gamma")
    replace_text(qtbot, editor, text)
    # Keystrokes may pass through valid numbers ("1", "1e9" on the way to "1e999"); the
    # invalid text itself never arrives.
    assert all(math.isfinite(gamma) and gamma > 0 for gamma in seen)
    assert editor.error().startswith("must be")
    assert editor.property("invalid") is True
    assert inspector.message_for(editor) == editor.error()
    assert shown_text(editor) == text

    # Pasted in one go, the bad text does not change the model at all.
    document.reset(before)
    document.select(STEP)
    paste_text(qtbot, editor, text)
    assert document.schedule == before
    assert document.undo_stack.count() == 0
    assert editor.error() and editor.property("invalid") is True
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # Qt puts the model's value back
    assert shown_text(editor) == "0.1" and not editor.error()


def test_typing_in_one_field_is_one_undo_step(qtbot, inspector, document):
    select(inspector, document, STEP)
    editor = inspector.editor("gamma")
    replace_text(qtbot, editor, "0.255")
    assert document.schedule.phases[STEP].params["gamma"] == 0.255
    assert document.undo_stack.count() == 1
    assert inspector.editor("gamma") is editor  # updated in place, never rebuilt
    document.undo_stack.undo()
    assert "gamma" not in document.schedule.phases[STEP].params
    assert shown_text(editor) == "0.1"
    assert not editor.error()


def test_two_fields_are_two_undo_steps(qtbot, inspector, document):
    select(inspector, document, STEP)
    replace_text(qtbot, inspector.editor("gamma"), "0.5")
    replace_text(qtbot, inspector.editor("step_size"), "45")
    assert document.schedule.phases[STEP].params == {"step_size": 45, "gamma": 0.5}
    assert document.undo_stack.count() == 2


def test_typing_keeps_the_users_spelling_and_cursor(qtbot, inspector, document):
    select(inspector, document, STEP)
    editor = inspector.editor("gamma")
    replace_text(qtbot, editor, "1E-4")
    assert document.schedule.phases[STEP].params["gamma"] == 1e-4
    assert shown_text(editor) == "1E-4"  # the model update did not rewrite it as "0.0001"
    assert editor.lineEdit().cursorPosition() == 4
    assert editor.hasFocus()


def test_undo_of_an_external_change_updates_the_editor(inspector, document):
    select(inspector, document, STEP)
    editor = inspector.editor("gamma")
    document.edit("Set StepLR gamma", document.schedule.set_param(STEP, "gamma", 3e-05))
    assert shown_text(editor) == "3e-05"
    document.undo_stack.undo()
    assert shown_text(editor) == "0.1"
    document.undo_stack.redo()
    assert editor.value() == 3e-05


def test_float_editor_reads_and_shows_scientific_notation(qtbot, inspector, document):
    select(inspector, document, STEP)
    editor = inspector.editor("gamma")
    for text, value in [("3e-5", 3e-05), (".5", 0.5), ("1E-4", 1e-4), ("0.1", 0.1)]:
        replace_text(qtbot, editor, text)
        assert document.schedule.phases[STEP].params["gamma"] == value
    editor.set_value(1 / 3)
    assert shown_text(editor) == repr(1 / 3) and editor.value() == 1 / 3
    editor.set_value(0.1)
    editor.setFocus()
    qtbot.keyClick(editor, Qt.Key.Key_Up)
    assert document.schedule.phases[STEP].params["gamma"] == 0.11
    assert shown_text(editor) == "0.11"


def test_an_edit_elsewhere_keeps_the_field_being_typed_in(qtbot, inspector, document):
    select(inspector, document, STEP)
    gamma = inspector.editor("gamma")
    replace_text(qtbot, gamma, "0.")  # not a valid gamma yet
    document.edit("Set StepLR step_size", document.schedule.set_param(STEP, "step_size", 40))
    assert inspector.editor("gamma") is gamma and gamma.hasFocus()  # not rebuilt
    assert shown_text(gamma) == "0." and gamma.lineEdit().cursorPosition() == 2
    assert shown_text(inspector.editor("step_size")) == "40"
    qtbot.keyClicks(gamma, "3")
    assert document.schedule.phases[STEP].params == {"step_size": 40, "gamma": 0.3}


def test_required_param_without_a_value_is_empty_with_an_error(qtbot):
    document = Document(Schedule(phases=(Phase("StepLR", 100),)))
    inspector = Inspector(document)
    qtbot.addWidget(inspector)
    document.select(0)
    editor = inspector.editor("step_size")
    assert shown_text(editor) == ""
    assert editor.error().startswith("required")
    assert inspector.message_for(editor) == editor.error()


def test_optional_param_defaults_to_the_param_it_names(qtbot):
    document = Document(Schedule(phases=(new_phase("CyclicLR", 4000),)))
    inspector = Inspector(document)
    qtbot.addWidget(inspector)
    inspector.show()
    qtbot.waitExposed(inspector)
    document.select(0)
    editor = inspector.editor("step_size_down")
    assert editor.is_auto() and shown_text(editor.inner) == "2000"  # = step_size_up
    assert inspector.message_for(editor) == "= step_size_up"
    qtbot.mouseClick(editor.auto, Qt.MouseButton.LeftButton)
    assert document.schedule.phases[0].params["step_size_down"] == 2000


# Expressions and lists --------------------------------------------------------------------

def test_expression_editor_shows_the_parser_error_and_accepts_valid_text(qtbot, inspector,
                                                                         document):
    select(inspector, document, LAMBDA)
    editor = inspector.editor("lr_lambda")
    before = document.schedule
    paste_text(qtbot, editor, "__import__('os')")
    with pytest.raises(ExpressionError) as expected:
        parse_expression("__import__('os')")
    assert editor.error() == str(expected.value)
    assert inspector.message_for(editor) == str(expected.value)
    assert document.schedule == before

    replace_text(qtbot, editor, "__import__('os')")  # typed: no prefix is valid either
    assert document.schedule == before
    replace_text(qtbot, editor, "0.95 ** step")
    assert document.schedule.phases[LAMBDA].params["lr_lambda"] == "0.95 ** step"
    assert not editor.error()
    assert inspector.message_for(editor) == "in Python: 0.95 ** step"
    replace_text(qtbot, editor, "cos(step)")  # how the exported code spells it
    assert inspector.message_for(editor) == "in Python: math.cos(step)"
    # Valid text that torch fails at step 0 is accepted: the worker's curve says why (the
    # window never evaluates the expression itself).
    replace_text(qtbot, editor, "1 / step")
    assert document.schedule.phases[LAMBDA].params["lr_lambda"] == "1 / step"
    assert inspector.message_for(editor) == "in Python: 1 / step"
    assert QFontInfo(editor.font()).fixedPitch()


def test_milestones_editor(qtbot, inspector, document):
    select(inspector, document, MULTISTEP)
    editor = inspector.editor("milestones")
    replace_text(qtbot, editor, "30, 60, 90")
    assert document.schedule.phases[MULTISTEP].params["milestones"] == (30, 60, 90)
    accepted = document.schedule
    replace_text(qtbot, editor, "30, x")
    assert document.schedule.phases[MULTISTEP].params["milestones"] in ((30,), (30, 60, 90))
    assert "not a whole number" in editor.error()
    paste_text(qtbot, editor, "30, x")
    assert editor.error() and inspector.message_for(editor) == editor.error()
    document.edit("reset", accepted)
    paste_text(qtbot, editor, "90 30")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # editing finished: sorted, same torch curve
    assert document.schedule.phases[MULTISTEP].params["milestones"] == (30, 90)
    assert editor.text() == "30, 90"


# Fitted duration, start mode, length --------------------------------------------------------

def test_auto_toggle_fits_t_max_to_the_phase_length(qtbot, inspector, document):
    select(inspector, document, COSINE)
    editor = inspector.editor("T_max")
    assert editor.is_auto() and not editor.inner.isEnabled()
    assert shown_text(editor.inner) == "2000"
    assert inspector.message_for(editor) == "= phase length"
    qtbot.mouseClick(editor.auto, Qt.MouseButton.LeftButton)
    phase = document.schedule.phases[COSINE]
    assert phase.params["T_max"] == 2000 and not phase.is_fitted()
    assert editor.inner.isEnabled()
    replace_text(qtbot, editor.inner, "1500")
    assert document.schedule.phases[COSINE].params["T_max"] == 1500
    qtbot.mouseClick(editor.auto, Qt.MouseButton.LeftButton)
    assert document.schedule.phases[COSINE].is_fitted()
    assert shown_text(editor.inner) == "2000"
    document.undo_stack.undo()
    assert not editor.is_auto()


def test_phase_length_edit(qtbot, inspector, document):
    select(inspector, document, COSINE)
    replace_text(qtbot, inspector.steps_editor, "1500")
    assert document.schedule.phases[COSINE].steps == 1500
    assert document.undo_stack.count() == 1
    assert document.undo_stack.undoText() == "Resize CosineAnnealingLR"
    assert shown_text(inspector.editor("T_max").inner) == "1500"  # fitted: follows
    replace_text(qtbot, inspector.steps_editor, "0")
    assert inspector.steps_editor.error()
    assert document.schedule.phases[COSINE].steps == 1500


def test_phase_length_refuses_what_onecycle_would_raise_on(qtbot, inspector, document):
    select(inspector, document, ONECYCLE)
    paste_text(qtbot, inspector.steps_editor, "1200")
    assert document.schedule.phases[ONECYCLE].steps == 1000
    assert "total_steps" in inspector.steps_editor.error()
    total_steps = inspector.editor("total_steps")
    assert not total_steps.is_auto()
    paste_text(qtbot, total_steps.inner, "999")
    assert document.schedule.phases[ONECYCLE].params["total_steps"] == 1000
    assert "at least" in total_steps.error()
    paste_text(qtbot, inspector.steps_editor, "9999000")  # past the 10,000,000-step limit
    assert document.schedule.total_steps == 5000
    assert "limit" in inspector.steps_editor.error()


def test_start_mode_explicit_lr(qtbot, inspector, document):
    select(inspector, document, COSINE)
    combo, lr = inspector.start_combo, inspector.start_lr_editor
    assert combo.currentText() == "restart" and not lr.isEnabled()
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert document.schedule.phases[COSINE].start == "continue"
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert document.schedule.phases[COSINE].start == 0.1  # seeded with the base lr
    assert lr.isEnabled()
    replace_text(qtbot, lr, "0.05")
    assert document.schedule.phases[COSINE].start == 0.05
    replace_text(qtbot, lr, "-1")
    assert document.schedule.phases[COSINE].start == 0.05 and lr.error()
    document.undo_stack.undo()  # choosing the explicit lr and typing it is one step
    assert document.schedule.phases[COSINE].start == "continue"
    assert combo.currentText() == "continue" and not lr.isEnabled()
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Home)
    assert document.schedule.phases[COSINE].start == "restart"


def test_absolute_schedulers_say_the_start_does_not_matter(inspector, document):
    select(inspector, document, ONECYCLE)
    assert "no effect" in inspector.message_for(inspector.start_combo)
    select(inspector, document, STEP)
    assert inspector.message_for(inspector.start_combo) == ""


# Schedule section -------------------------------------------------------------------------

def test_optimizer_change_keeps_shared_params_and_drops_the_rest(qtbot, inspector, document):
    assert inspector.optimizer_editor("momentum").value() == 0.9
    combo = inspector.optimizer_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    optimizer = document.schedule.optimizer
    assert optimizer == OptimizerConfig("Adam", 0.1, {"weight_decay": 5e-4})
    assert inspector.optimizer_editor("momentum") is None
    assert isinstance(inspector.optimizer_editor("betas"), FloatPairEditor)
    assert inspector.optimizer_editor("betas").value() == (0.9, 0.999)
    document.undo_stack.undo()
    assert document.schedule.optimizer.params["momentum"] == 0.9
    assert inspector.optimizer_editor("momentum").value() == 0.9


def test_optimizer_params_and_base_lr(qtbot, inspector, document):
    replace_text(qtbot, inspector.lr_editor, "3e-4")
    assert document.schedule.optimizer.lr == 3e-4
    replace_text(qtbot, inspector.optimizer_editor("momentum"), "0.95")
    assert document.schedule.optimizer.params["momentum"] == 0.95
    replace_text(qtbot, inspector.lr_editor, "0")
    assert document.schedule.optimizer.lr == 3e-4 and inspector.lr_editor.error()
    document.edit("Adam", document.schedule.with_optimizer(OptimizerConfig("Adam", 0.001)))
    betas = inspector.optimizer_editor("betas")
    replace_text(qtbot, betas.parts[1], "0.95")
    assert document.schedule.optimizer.params["betas"] == (0.9, 0.95)
    replace_text(qtbot, betas.parts[1], "1")  # torch needs beta < 1
    assert document.schedule.optimizer.params["betas"] == (0.9, 0.95)
    assert "betas[1]" in betas.error()


def test_steps_per_epoch_none_round_trip(qtbot, inspector, document):
    box = inspector.steps_per_epoch_box
    assert box.text() == "—"
    replace_text(qtbot, box, "500")
    assert document.schedule.steps_per_epoch == 500
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert document.schedule.steps_per_epoch is None and box.text() == "—"
    document.undo_stack.redo()
    assert box.value() == 500
    replace_text(qtbot, box, "0")
    assert document.schedule.steps_per_epoch is None
    assert box.text() == "—"
    document.edit("Set steps per epoch", document.schedule.with_settings(steps_per_epoch=250))
    assert box.text() == "250"


def test_steps_per_epoch_shows_what_the_training_setup_implies(qtbot, inspector, document):
    from designer.core.schedule.edits import set_training
    from designer.core.schedule.training import TrainingSetup

    box = inspector.steps_per_epoch_box
    assert box.text() == "—" and box.isEnabled() and not box.isReadOnly()
    # 5,000 examples on 2 devices of batch 8: 313 batches, 105 optimizer steps (accumulation 3).
    setup = TrainingSetup(examples=5000, batch_size=8, devices=2, accumulation=3, epochs=5)
    document.apply(set_training(document.schedule, setup))
    assert box.text() == "105" and not box.isEnabled() and box.isReadOnly()
    assert "optimizer steps per epoch = max(ceil(313 / accumulation 3), 1) = 105" in box.toolTip()
    assert document.schedule.steps_per_epoch is None  # shown, not written into the design
    document.undo_stack.undo()
    assert box.text() == "—" and box.isEnabled() and "batches per epoch" in box.toolTip()
    replace_text(qtbot, box, "500")
    assert document.schedule.steps_per_epoch == 500


def test_interval_and_name(qtbot, inspector, document):
    combo = inspector.interval_combo
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)
    assert document.schedule.interval == "epoch"
    replace_text(qtbot, inspector.name_edit, "resnet50")
    assert document.schedule.name == "resnet50"
    assert document.undo_stack.count() == 2
    document.undo_stack.undo()
    assert inspector.name_edit.text() == ""


def test_tab_visits_the_fields_in_form_order(qtbot, inspector, document):
    select(inspector, document, COSINE)
    t_max = inspector.editor("T_max")
    qtbot.mouseClick(t_max.auto, Qt.MouseButton.LeftButton)  # T_max editable, no rebuild
    inspector.start_lr_editor.setEnabled(True)  # visited only when explicit; here, to count
    inspector.start_combo.setFocus()
    visited = []
    for _ in range(5):
        visited.append(QGuiApplication.focusObject())
        qtbot.keyClick(QGuiApplication.focusObject(), Qt.Key.Key_Tab)
    visited = [w.parentWidget() if w.objectName() == "qt_spinbox_lineedit" else w
               for w in visited]
    assert visited == [inspector.start_combo, inspector.start_lr_editor, t_max.inner,
                       t_max.auto, inspector.editor("eta_min")]


def test_registry_covers_every_catalog_parameter(qtbot):
    specs = [p for s in SCHEDULERS.values() for p in s.params]
    specs += [p for o in OPTIMIZERS.values() for p in o.params]
    assert {p.kind for p in specs} == set(EDITORS)
    for spec in specs:
        editor = create_editor(spec)
        qtbot.addWidget(editor)
        editor.set_value(spec.initial_value())
        assert editor.value() == spec.initial_value(), spec.name
        assert not editor.error() or spec.initial_value() is None, spec.name


# Robustness and looks -----------------------------------------------------------------------

HOSTILE = ["abc", "", "-1", "nan", "-inf", "1e999", "1e-400", "0x10", "1_0", "((((", "ℵ",
           "9" * 80, "\t", "1,2,,3", "__import__('os').system('true')", "step ** step ** step"]


def test_hostile_input_in_every_field_never_raises(qtbot, inspector, document):
    for index in range(len(document.schedule.phases)):
        select(inspector, document, index)
        for param in document.schedule.phases[index].spec.params:
            editor = inspector.editor(param.name)
            editor = getattr(editor, "inner", editor)
            if isinstance(editor, (BoolEditor, ChoiceEditor)) or not editor.isEnabled():
                continue
            for text in HOSTILE:
                paste_text(qtbot, editor, text)
            # Whatever was accepted is a design the strict loader takes back.
            assert load_schedule(dump_schedule(document.schedule)) == document.schedule
    for text in HOSTILE:
        paste_text(qtbot, inspector.lr_editor, text)
        paste_text(qtbot, inspector.steps_editor, text)
    assert load_schedule(dump_schedule(document.schedule)) == document.schedule


def test_labels_are_not_clipped(inspector, document):
    for index in range(len(document.schedule.phases)):
        select(inspector, document, index)
        inspector.grab()  # lays the form out at 320 px
        for row in range(inspector.form.rowCount()):
            item = inspector.form.itemAt(row, inspector.form.ItemRole.LabelRole)
            label = item.widget() if item is not None else None
            if label is not None and label.isVisibleTo(inspector):
                assert label.width() >= label.sizeHint().width(), label.text()


def test_a_long_expression_shows_from_its_start(qtbot):
    from designer.ui.inspector.editors import create_editor

    editor = create_editor(SCHEDULERS["LambdaLR"].param("lr_lambda"))
    qtbot.addWidget(editor)
    text = "min((step + 1) / 200, (200 / max(step + 1, 200)) ** 0.5) * 0.5 + 0.25"
    editor.set_value(text)
    assert editor.text() == text and editor.cursorPosition() == 0


def test_training_setup_fields_resize_the_design_and_show_the_counts(qtbot):
    from designer.core.schedule.lengths import FRACTION

    sized = load_schedule(
        '{"format": "lr-schedule-designer", "version": 4, "optimizer": {"name": "AdamW",'
        ' "lr": 0.0003}, "training": {"examples": 50000, "batch_size": 32, "devices": 4,'
        ' "accumulation": 3, "epochs": 3}, "phases": [{"scheduler": "LinearLR",'
        ' "steps": {"fraction": 0.1}}, {"scheduler": "CosineAnnealingLR", "steps": "rest"}]}')
    document = Document(sized)
    widget = Inspector(document)
    qtbot.addWidget(widget)
    widget.resize(360, 900)
    widget.show()
    qtbot.waitExposed(widget)
    fields = widget.schedule_fields.training_fields
    assert fields.enabled_box.isChecked()
    assert fields.counts_label.text() == (
        "391 batches/epoch · 131 optimizer steps/epoch · 393 total")
    assert fields.counts_label.toolTip().splitlines()[-1] == (
        "total optimizer steps = ceil(3 epochs × 131) = 393")
    replace_text(qtbot, fields.spins["accumulation"], "1")
    assert document.schedule.training.accumulation == 1
    assert document.schedule.total_steps == 391 * 3
    assert document.schedule.phases[0].length.kind == FRACTION
    assert document.schedule.phases[0].steps == round(0.1 * 1173)
    assert fields.counts_label.text().endswith("1,173 total")
    widget.grab().save("/tmp/inspector-training.png")
    # Off: the phases keep their steps as fixed lengths; one undo brings the setup back.
    fields.enabled_box.click()
    assert document.schedule.training is None
    assert document.schedule.total_steps == 1173
    assert not fields.spins["examples"].isEnabled()
    # ... and the greyed fields show what checking the box would start with (one epoch of
    # the design's 1,173 steps, one example each), not the spin boxes' minimums.
    assert fields.spins["examples"].value() == 1173
    assert fields.spins["batch_size"].value() == 1
    assert fields.epochs_spin.value() == 1.0
    assert fields.counts_label.text() == "—"
    document.undo_stack.undo()
    assert document.schedule.training.accumulation == 1
    assert fields.enabled_box.isChecked()


def test_length_as_switches_a_phase_between_steps_fraction_epochs_and_rest(qtbot):
    from designer.core.schedule.lengths import EPOCHS, FRACTION, REST, Length

    sized = load_schedule(
        '{"format": "lr-schedule-designer", "version": 4, "optimizer": {"name": "SGD",'
        ' "lr": 0.1}, "training": {"examples": 32000, "batch_size": 32, "epochs": 10},'
        ' "phases": [{"scheduler": "LinearLR", "steps": 500},'
        ' {"scheduler": "CosineAnnealingLR", "steps": "rest"}]}')
    document = Document(sized)
    widget = Inspector(document)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    select(widget, document, 0)
    combo = widget.length_kind.combo
    assert combo.isEnabled() and combo.currentText() == "fixed steps"
    for text, length in (("fraction of total", Length(FRACTION, 0.05)),
                         ("epochs", Length(EPOCHS, 0.5)), ("fixed steps", None)):
        combo.setCurrentIndex(combo.findText(text))
        combo.activated.emit(combo.currentIndex())
        assert document.schedule.phases[0].length == length
        assert document.schedule.phases[0].steps == 500
    combo.setCurrentIndex(combo.findText("epochs"))
    combo.activated.emit(combo.currentIndex())
    assert widget._steps_field.message.text().endswith("of 10,000 (0.5 ep)")
    combo.setCurrentIndex(combo.findText("the rest"))
    combo.activated.emit(combo.currentIndex())
    assert document.schedule.phases[0].length == Length(EPOCHS, 0.5)  # one rest already
    assert combo.currentText() == "epochs"
    saved = load_schedule(dump_schedule(document.schedule))
    assert saved.phases[0].length == Length(EPOCHS, 0.5)
    select(widget, document, 1)
    assert combo.currentText() == "the rest"
    assert document.schedule.phases[1].length == Length(REST)


def _wheel_down(widget) -> None:
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    centre = QPointF(widget.rect().center())
    event = QWheelEvent(centre, QPointF(widget.mapToGlobal(centre.toPoint())), QPoint(),
                        QPoint(0, -120), Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_changes_a_box_only_when_it_has_focus(qtbot, inspector, document):
    """Scrolling the form over a box must not change it (WheelNeedsFocus): steps/epoch,
    the training setup's spins, a choice and a run's series combo."""
    from designer.core.schedule.edits import set_training
    from designer.core.schedule.training import TrainingSetup
    from designer.ui.inspector.editors_run import SeriesEditor

    def check(widget, read) -> None:
        widget.clearFocus()
        before = read()
        _wheel_down(widget)
        assert read() == before
        widget.setFocus()
        qtbot.waitUntil(widget.hasFocus)
        _wheel_down(widget)
        assert read() != before

    box = inspector.steps_per_epoch_box
    box.setValue(100)
    check(box, box.value)
    document.apply(set_training(document.schedule, TrainingSetup(examples=5000, batch_size=1)))
    examples = inspector.schedule_fields.training_fields.spins["examples"]
    check(examples, examples.value)
    choice = create_editor(SCHEDULERS["OneCycleLR"].param("anneal_strategy"))
    series = SeriesEditor(SCHEDULERS["ReduceLROnPlateau"].param("metric_tag"))
    series.set_suggestions(("train_loss", "val_loss", "val_acc"))
    for widget in (choice, series):
        qtbot.addWidget(widget)
        widget.show()
        qtbot.waitExposed(widget)
        widget.setCurrentIndex(0)  # the wheel down goes to the next item
        check(widget, widget.currentText)
