"""The inspector's Schedule section: the optimizer and its keyword arguments, the base lr, the
step interval, steps per epoch, the training setup (`training_fields`) and the design's name.

The optimizer's rows come from the catalog (`OPTIMIZERS`), one editor per `ParamSpec`, and
are rebuilt only when the optimizer changes. Every change is one edit of
`designer.core.schedule.edits`; typing in one field merges into one undo step.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QLineEdit, QSpinBox, QWidget

from designer.core.schedule import edits
from designer.core.schedule.catalog import FLOAT, OPTIMIZERS, ParamSpec
from designer.core.schedule.model import MAX_TOTAL_STEPS, Schedule
from designer.core.schedule.training import count_steps
from designer.ui.document import Document
from designer.ui.inspector.editor_field import EditorField
from designer.ui.inspector.editors import create_editor
from designer.ui.inspector.editors_base import WheelNeedsFocus
from designer.ui.inspector.training_fields import TrainingFields

STEPS_PER_EPOCH_TIP = "batches per epoch, for the epoch axis and snapping (— for none)"
_BASE_LR_SPEC = ParamSpec("lr", FLOAT, minimum=0.0, exclusive_min=True,
                          help="the optimizer's base learning rate")

AddRow = Callable[..., EditorField]  # Inspector._add_row(text, widget, tip, row=...)


class ScheduleFields:
    """The Schedule rows of `form`, added through the inspector's `add_row`."""

    def __init__(self, document: Document, form: QFormLayout, add_row: AddRow,
                 remove_row: Callable[[EditorField], None]) -> None:
        self._document = document
        self._form = form
        self._add_row = add_row
        self._remove_row = remove_row
        self._optimizer_name = ""
        self._optimizer_editors: dict[str, QWidget] = {}
        self._optimizer_fields: list[EditorField] = []

        self.optimizer_combo = QComboBox()
        self.optimizer_combo.addItems(list(OPTIMIZERS))
        self.optimizer_combo.setAccessibleName("optimizer")
        self.optimizer_combo.activated.connect(self._on_optimizer_chosen)
        add_row("Optimizer", self.optimizer_combo, "the torch.optim class")
        self.lr_editor = create_editor(_BASE_LR_SPEC)
        self.lr_editor.value_edited.connect(self._on_base_lr_edited)
        self._lr_field = add_row("Base lr", self.lr_editor, _BASE_LR_SPEC.help)
        self.interval_combo = QComboBox()
        self.interval_combo.addItems(["step", "epoch"])
        self.interval_combo.setAccessibleName("interval")
        self.interval_combo.activated.connect(self._on_interval_chosen)
        add_row("Interval", self.interval_combo,
                "scheduler.step() once per batch (step) or once per epoch")
        self.steps_per_epoch_box = StepsPerEpochBox()
        self.steps_per_epoch_box.valueChanged.connect(self._on_steps_per_epoch_edited)
        add_row("Steps/epoch", self.steps_per_epoch_box, STEPS_PER_EPOCH_TIP)
        self.training_fields = TrainingFields(document, add_row)
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(200)
        self.name_edit.setPlaceholderText("untitled schedule")
        self.name_edit.setAccessibleName("schedule name")
        self.name_edit.textEdited.connect(self._on_name_edited)
        add_row("Name", self.name_edit, "a name for this design")

    def optimizer_editor(self, name: str) -> QWidget | None:
        return self._optimizer_editors.get(name)

    def update(self, schedule: Schedule) -> bool:
        """Show `schedule`'s settings; True when the optimizer's rows were rebuilt."""
        optimizer = schedule.optimizer
        rebuilt = optimizer.name != self._optimizer_name
        if rebuilt:
            self._optimizer_name = optimizer.name
            self._rebuild_optimizer_rows()
        with QSignalBlocker(self.optimizer_combo):
            self.optimizer_combo.setCurrentText(optimizer.name)
        self.lr_editor.set_value(optimizer.lr)
        for param in OPTIMIZERS[optimizer.name].params:
            default = None if param.required else param.default
            self._optimizer_editors[param.name].set_value(optimizer.params.get(param.name,
                                                                               default))
        with QSignalBlocker(self.interval_combo):
            self.interval_combo.setCurrentText(schedule.interval)
        self.steps_per_epoch_box.show_schedule(schedule)
        self.training_fields.update(schedule)
        if self.name_edit.text() != schedule.name:
            self.name_edit.setText(schedule.name)
            # A long name shows its beginning, as a name reads, not its end.
            self.name_edit.setCursorPosition(0)
        return rebuilt

    def _rebuild_optimizer_rows(self) -> None:
        for field in self._optimizer_fields:
            self._remove_row(field)
        self._optimizer_fields, self._optimizer_editors = [], {}
        row = self._form.getWidgetPosition(self._lr_field)[0] + 1
        for param in OPTIMIZERS[self._optimizer_name].params:
            editor = create_editor(param)
            editor.value_edited.connect(partial(self._on_optimizer_param_edited, param.name))
            self._optimizer_editors[param.name] = editor
            self._optimizer_fields.append(self._add_row(param.name, editor, param.help, row=row))
            row += 1

    # Edits --------------------------------------------------------------------------------

    def _on_optimizer_chosen(self, combo_index: int) -> None:
        name = self.optimizer_combo.itemText(combo_index)
        self._document.apply(edits.change_optimizer(self._document.schedule, name))

    def _on_base_lr_edited(self, lr: float) -> None:
        self._document.apply(edits.set_optimizer_lr(self._document.schedule, lr))

    def _on_optimizer_param_edited(self, name: str, value: Any) -> None:
        editor = self._optimizer_editors.get(name)
        merge = editor is None or editor.merges
        self._document.apply(edits.set_optimizer_param(self._document.schedule, name, value,
                                                       merge))

    def _on_interval_chosen(self, combo_index: int) -> None:
        interval = self.interval_combo.itemText(combo_index)
        self._document.apply(edits.set_interval(self._document.schedule, interval))

    def _on_steps_per_epoch_edited(self, value: int) -> None:
        self._document.apply(edits.set_steps_per_epoch(self._document.schedule, value))

    def _on_name_edited(self, text: str) -> None:
        self._document.apply(edits.rename_schedule(self._document.schedule, text))


class StepsPerEpochBox(WheelNeedsFocus, QSpinBox):
    """Batches per epoch; 0 shows "—" and means none. With a training setup it shows the
    optimizer steps per epoch the setup implies, read-only, its formula in the tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(0, MAX_TOTAL_STEPS)
        self.setSpecialValueText("—")
        self.setAccessibleName("steps per epoch")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def show_schedule(self, schedule: Schedule) -> None:
        setup = schedule.training
        implied = count_steps(setup) if setup is not None else None
        with QSignalBlocker(self):
            self.setValue(implied.steps_per_epoch if implied else schedule.steps_per_epoch or 0)
        # Greyed and read-only (a disabled widget still shows its tooltip, the formula).
        self.setEnabled(implied is None)
        self.setReadOnly(implied is not None)
        self.setToolTip(f"implied by the training setup:\n{implied.formula}" if implied
                        else STEPS_PER_EPOCH_TIP)

