"""The inspector's training setup rows: the fields of `TrainingSetup` and the counts it implies.

"Size from setup" turns the design's `training` block on (with a setup matching the current
length: one epoch of the design's steps, one example per step) or off (proportional phases
keep their steps as fixed lengths). Each field's change is one `edits.set_training` edit,
which re-sizes the proportional phases; typing in the fields in a row merges into one undo
step. The counts row shows batches per epoch, optimizer steps per epoch and the total, with
the formula (`count_steps(...).formula`) in its tooltip.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QCheckBox, QDoubleSpinBox, QLabel, QSpinBox, QWidget

from designer.core.schedule import edits
from designer.core.schedule.model import MAX_TOTAL_STEPS, Schedule
from designer.core.schedule.training import (
    TrainingSetup,
    TrainingSetupError,
    count_steps,
    setup_for_steps,
)
from designer.ui.document import Document
from designer.ui.inspector.editors_base import WheelNeedsFocus

AddRow = Callable[..., object]  # Inspector._add_row(text, widget, tip)

_INT_FIELDS = (
    ("examples", "Examples", "training examples in the dataset (its length)", 2_000_000_000),
    ("batch_size", "Batch size", "examples per batch on one device", 1_000_000),
    ("devices", "Devices", "data-parallel devices (world size)", 100_000),
    ("accumulation", "Accumulation", "batches per optimizer step (gradient accumulation)",
     100_000),
)


class _QuietSpin(WheelNeedsFocus, QSpinBox):
    """A spin box the wheel changes only when it has focus (the form scrolls otherwise)."""


class TrainingFields:
    """The training setup rows of the inspector's Schedule section."""

    def __init__(self, document: Document, add_row: AddRow) -> None:
        self._document = document
        self.enabled_box = QCheckBox("size from setup")
        self.enabled_box.setAccessibleName("size from training setup")
        self.enabled_box.toggled.connect(self._on_toggled)
        add_row("Training", self.enabled_box, "examples, batch size, devices, accumulation "
                "and epochs; phases can then be a fraction of training, epochs or the rest")
        self.spins: dict[str, QSpinBox] = {}
        for name, text, tip, maximum in _INT_FIELDS:
            spin = _QuietSpin()
            spin.setRange(1, maximum)
            spin.setAccessibleName(name)
            spin.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            spin.valueChanged.connect(self._on_edited)
            self.spins[name] = spin
            add_row(text, spin, tip)
        self.epochs_spin = QDoubleSpinBox()
        self.epochs_spin.setRange(0.01, 100_000.0)
        self.epochs_spin.setDecimals(2)
        self.epochs_spin.setAccessibleName("epochs")
        self.epochs_spin.valueChanged.connect(self._on_edited)
        add_row("Epochs", self.epochs_spin, "passes over the data (may be fractional, as "
                "Trainer's num_train_epochs)")
        self.drop_last_box = QCheckBox()
        self.drop_last_box.setAccessibleName("drop_last")
        self.drop_last_box.toggled.connect(self._on_edited)
        add_row("drop_last", self.drop_last_box, "the DataLoader's drop_last")
        self.counts_label = QLabel()
        self.counts_label.setAccessibleName("training counts")
        self.counts_label.setWordWrap(True)
        add_row("Counts", self.counts_label, "")
        self._widgets: list[QWidget] = [*self.spins.values(), self.epochs_spin,
                                        self.drop_last_box]

    def update(self, schedule: Schedule) -> None:
        """Show `schedule`'s setup. Without one the fields are disabled and show the setup
        that checking "size from setup" would start with (not Qt's minimums)."""
        setup = schedule.training
        with QSignalBlocker(self.enabled_box):
            self.enabled_box.setChecked(setup is not None)
        for widget in self._widgets:
            widget.setEnabled(setup is not None)
        self._show_fields(setup or _starting_setup(schedule))
        if setup is None:
            self.counts_label.setText("—")
            self.counts_label.setToolTip("")
            return
        counted = count_steps(setup)
        self.counts_label.setText(f"{counted.batches_per_epoch:,} batches/epoch · "
                                  f"{counted.steps_per_epoch:,} optimizer steps/epoch · "
                                  f"{counted.total_steps:,} total")
        self.counts_label.setToolTip(counted.formula)

    def _show_fields(self, setup: TrainingSetup) -> None:
        for name, spin in self.spins.items():
            with QSignalBlocker(spin):
                spin.setValue(getattr(setup, name))
        with QSignalBlocker(self.epochs_spin):
            self.epochs_spin.setValue(float(setup.epochs))
        with QSignalBlocker(self.drop_last_box):
            self.drop_last_box.setChecked(setup.drop_last)

    def _on_toggled(self, on: bool) -> None:
        schedule = self._document.schedule
        setup = _starting_setup(schedule) if on else None
        self._document.apply(edits.set_training(schedule, setup, merge=False))

    def _on_edited(self, *_: object) -> None:
        current = self._document.schedule.training
        if current is None:
            return
        values = {name: spin.value() for name, spin in self.spins.items()}
        try:
            # A stretched design's epochs (2.3358...) show rounded: kept unless typed.
            epochs = self.epochs_spin.value()
            if round(float(current.epochs), 2) == round(epochs, 2):
                epochs = current.epochs
            setup = replace(current, **values, epochs=epochs,
                            drop_last=self.drop_last_box.isChecked())
        except TrainingSetupError as exc:
            self.counts_label.setText(str(exc))
            return
        if count_steps(setup).total_steps > MAX_TOTAL_STEPS:
            self.counts_label.setText(f"training: more than {MAX_TOTAL_STEPS:,} steps")
            return
        self._document.apply(edits.set_training(self._document.schedule, setup))


def _starting_setup(schedule: Schedule) -> TrainingSetup:
    """The setup "size from setup" starts with: one epoch of the design's steps."""
    return setup_for_steps(max(1, min(schedule.total_steps, MAX_TOTAL_STEPS)))
