"""The presets gallery, offscreen: the list, the knob form, the live exact curve, invalid
input, and File → New from preset… turning the chosen preset into a new untitled design."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from designer.core.curves.engine import compute_curve
from designer.core.schedule import edits
from designer.core.schedule.presets import PRESETS, build_preset
from designer.ui import MainWindow
from designer.ui.preset_dialog import DEFAULT_CURVES, PresetDialog

CURVE_TIMEOUT = 60_000  # ms; the first request waits for the worker to import torch


@pytest.fixture
def dialog(qtbot):
    dialog = PresetDialog()
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    win = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    win.asked = []
    win.files.warn = lambda title, text: pytest.fail(f"unexpected warning: {text}")
    win.files.ask_save_changes = lambda action: win.asked.append(action) or QMessageBox.Discard
    qtbot.addWidget(win)
    win.show()
    return win


def click_preset(dialog: PresetDialog, key: str) -> None:
    view = dialog.preset_list
    item = view.item(list(PRESETS).index(key))
    view.scrollToItem(item)
    QTest.mouseClick(view.viewport(), Qt.LeftButton, pos=view.visualItemRect(item).center())


def type_into(editor, text: str) -> None:
    editor.setFocus()
    editor.selectAll()
    QTest.keyClicks(editor, text)


def wait_for_curve(qtbot, dialog: PresetDialog) -> np.ndarray:
    thumbnail = dialog.thumbnail
    qtbot.waitUntil(lambda: thumbnail.schedule() == dialog.schedule()
                    and not thumbnail.is_pending(), timeout=CURVE_TIMEOUT)
    return thumbnail.curve()


def test_selecting_each_preset_shows_its_description_and_knobs(dialog):
    for key, preset in PRESETS.items():
        click_preset(dialog, key)
        assert dialog.preset() is preset
        assert dialog.title.text() == preset.title
        assert dialog.description.text() == preset.description
        for knob in preset.knobs:
            editor = dialog.editor(knob.name)
            assert editor.isVisibleTo(dialog) and editor.accessibleName() == knob.name
            assert editor.value() == knob.default
        assert dialog.findChildren(type(dialog.title), "presetTitle")
        assert dialog.schedule() == preset.build()
        assert dialog.ok_button.isEnabled() and not dialog.error()
        assert dialog.caption.text().endswith(preset.build().optimizer.name)


def test_changing_a_knob_rebuilds_the_design_and_shows_its_exact_curve(qtbot, dialog):
    click_preset(dialog, "llm-cosine")
    type_into(dialog.editor("total_steps"), "5000")
    type_into(dialog.editor("min_lr_ratio"), "0.05")
    expected = build_preset("llm-cosine", total_steps=5000, min_lr_ratio=0.05)
    assert dialog.schedule() == expected
    assert dialog.caption.text() == "Linear 100 → Cosine 4,900 steps · AdamW"
    assert np.array_equal(wait_for_curve(qtbot, dialog), compute_curve(expected))


def test_a_choice_knob_changes_the_decay_shape(qtbot, dialog):
    click_preset(dialog, "wsd")
    shape = dialog.editor("decay_shape")
    assert shape.currentText() == "cosine"  # transformers' get_wsd_schedule default
    assert dialog.schedule().phases[-1].scheduler == "CosineAnnealingLR"
    shape.setFocus()
    QTest.keyClick(shape, Qt.Key_Down)  # the closed combo box moves to "1-sqrt"
    assert shape.currentText() == "1-sqrt"
    assert dialog.schedule().phases[-1].scheduler == "LambdaLR"
    type_into(dialog.editor("total_steps"), "3000")
    curve = wait_for_curve(qtbot, dialog)
    assert np.array_equal(curve, compute_curve(dialog.schedule()))
    # 600 decay steps, reaching zero at step 600 (the step after the run), as transformers.
    assert curve.max() == 1e-3 and curve[-1] == pytest.approx(1e-3 * (1 - (599 / 600) ** 0.5))


def test_invalid_input_disables_ok_and_says_which_knob(qtbot, dialog):
    click_preset(dialog, "llm-cosine")
    before = dialog.schedule()
    type_into(dialog.editor("peak_lr"), "-1")
    assert not dialog.ok_button.isEnabled() and dialog.schedule() is None
    assert dialog.error().startswith("Peak lr: must be a finite number >= 1e-09")
    assert dialog.message.isVisible() and dialog.thumbnail.curve() is None
    QTest.keyClick(dialog.editor("peak_lr"), Qt.Key_Return)  # the disabled default button
    assert dialog.isVisible() and dialog.result() == 0
    type_into(dialog.editor("peak_lr"), "0.0003")
    assert dialog.ok_button.isEnabled() and not dialog.message.isVisible()
    assert dialog.schedule() == before


def test_a_combination_the_preset_refuses_names_the_knob_it_blames(dialog):
    click_preset(dialog, "wsd")
    type_into(dialog.editor("decay_fraction"), "0.995")
    assert not dialog.ok_button.isEnabled()
    assert dialog.error().startswith("Decay fraction: warmup and decay together leave no "
                                     "stable steps")
    assert "color" in dialog.label("decay_fraction").styleSheet()
    type_into(dialog.editor("warmup_fraction"), "0")  # fixing another knob fixes the design
    assert dialog.ok_button.isEnabled() and not dialog.label("decay_fraction").styleSheet()
    assert [p.scheduler for p in dialog.schedule().phases] == ["ConstantLR", "CosineAnnealingLR"]


def test_knob_values_are_kept_while_browsing_other_presets(dialog):
    click_preset(dialog, "resnet-step")
    type_into(dialog.editor("milestones"), "20, 40")
    click_preset(dialog, "sgdr")
    click_preset(dialog, "resnet-step")
    assert dialog.editor("milestones").text() == "20, 40"
    assert dialog.schedule() == build_preset("resnet-step", milestones=(20, 40))


def test_the_list_shows_each_preset_with_a_thumbnail_of_its_default_curve(qtbot, dialog):
    qtbot.waitUntil(dialog.icons_ready, timeout=CURVE_TIMEOUT)
    assert np.array_equal(DEFAULT_CURVES["resnet-step"],
                          compute_curve(build_preset("resnet-step")))
    for row, preset in enumerate(PRESETS.values()):
        item = dialog.preset_list.item(row)
        assert item.text() == preset.title and item.toolTip() == preset.description
        assert not item.icon().isNull()


def test_run_shows_the_dialog_modally_and_returns_the_accepted_design(qtbot):
    choices = []

    def answer(accept: bool) -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, PresetDialog):
            QTimer.singleShot(20, lambda: answer(accept))
            return
        click_preset(dialog, "one-cycle")
        choices.append(dialog.schedule())
        if accept:
            QTest.mouseClick(dialog.ok_button, Qt.LeftButton)
        else:
            QTest.keyClick(dialog, Qt.Key_Escape)

    QTimer.singleShot(0, lambda: answer(True))
    assert PresetDialog.run() == build_preset("one-cycle") == choices[0]
    QTimer.singleShot(0, lambda: answer(False))
    assert PresetDialog.run() is None


def test_new_from_example_resets_the_document_to_an_untitled_clean_design(window, monkeypatch):
    chosen = build_preset("sgdr", epochs=70)
    monkeypatch.setattr(PresetDialog, "run", classmethod(lambda cls, parent=None: chosen))
    window.document.apply(edits.insert_scheduler(window.document.schedule, "StepLR"))
    assert not window.document.undo_stack.isClean()
    window.findChild(QAction, "actionNewFromPreset").trigger()
    assert window.asked == ["starting a new design"]
    document = window.document
    assert document.schedule == chosen and document.path == ""
    assert document.undo_stack.isClean() and document.undo_stack.count() == 0
    assert window.windowTitle().startswith("Untitled")
    assert window.flush_preview()
    assert np.array_equal(window.preview_curve()[1], compute_curve(chosen))


def test_cancelling_the_gallery_or_the_save_question_changes_nothing(window, monkeypatch):
    window.document.apply(edits.insert_scheduler(window.document.schedule, "StepLR"))
    before = window.document.schedule
    action = window.findChild(QAction, "actionNewFromPreset")
    monkeypatch.setattr(PresetDialog, "run", classmethod(lambda cls, parent=None: None))
    action.trigger()
    assert window.asked == [] and window.document.schedule == before
    monkeypatch.setattr(PresetDialog, "run",
                        classmethod(lambda cls, parent=None: build_preset("bert")))
    window.files.ask_save_changes = lambda action: QMessageBox.Cancel
    action.trigger()
    assert window.document.schedule == before and not window.document.undo_stack.isClean()


def test_the_bundled_examples_stay_reachable(window):
    from designer.ui.files.files import example_designs

    menu = window.findChild(type(window.recent_menu), "examplesMenu")
    actions = menu.actions()
    assert [a.text() for a in actions] == [title for title, _ in example_designs()]
    actions[0].trigger()
    assert window.document.schedule.phases and window.document.path == ""


DIALOG_WITHOUT_TORCH = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from designer.ui.app import make_application
from designer.ui.curve_service import WorkerLink
from designer.ui.preset_dialog import PresetDialog

if __name__ == "__main__":
    app = make_application()
    dialog = PresetDialog(preset="bert")
    dialog.show()
    shown = lambda: dialog.thumbnail.schedule() == dialog.schedule() and dialog.icons_ready()
    assert WorkerLink.shared().wait(shown, 120), "no curve"
    assert len(dialog.thumbnail.curve()) == 10_000
    assert "torch" not in sys.modules, "the dialog imported torch"
    WorkerLink.shared().stop()
    print("ok")
"""


def test_the_dialog_gets_its_curves_without_importing_torch(tmp_path, subprocess_env):
    script = tmp_path / "dialog_without_torch.py"
    script.write_text(DIALOG_WITHOUT_TORCH, encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            env=subprocess_env, timeout=180, check=False)
    assert result.stdout.strip().endswith("ok"), result.stderr


def test_the_description_says_what_the_knobs_say(dialog):
    click_preset(dialog, "resnet-step")
    assert "at epochs 30, 60 and 90" in dialog.description.text()
    type_into(dialog.editor("milestones"), "40, 80")
    type_into(dialog.editor("gamma"), "0.2")
    text = dialog.description.text()
    assert "multiplied by 0.2 at epochs 40 and 80 " in text and "30" not in text
    type_into(dialog.editor("milestones"), "50")
    assert "at epoch 50 " in dialog.description.text()
    click_preset(dialog, "sgdr")
    click_preset(dialog, "resnet-step")  # back: the knobs and their description are kept
    assert "at epoch 50 " in dialog.description.text()


def test_a_dialog_closed_while_stepping_an_icon_caches_no_empty_curve(qtbot):
    DEFAULT_CURVES.clear()
    dialog = PresetDialog()
    qtbot.addWidget(dialog)
    key = dialog._icon_key
    assert key and dialog._icons.busy
    dialog.reject()  # asks the worker for an empty design instead
    qtbot.waitUntil(lambda: not dialog._icons.busy, timeout=CURVE_TIMEOUT)
    assert all(len(lrs) == PRESETS[k].build().total_steps for k, lrs in DEFAULT_CURVES.items())
