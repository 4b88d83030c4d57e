"""The inspector: a form for the selected phase and for the schedule's optimizer and settings.

The phase form is generated from the catalog: one row per `ParamSpec`, each editor taken from
the `editors.EDITORS` registry (a per-group parameter of a design with several param groups
gets `editors_groups.PerGroupEditor`), so adding a scheduler to the catalog adds no code here.
The design's param groups have a section of their own, `group_editor.GroupEditor`. Every
change goes through `Document.edit` with a merge key per field, so typing into one field is
one undo step. The form is rebuilt only when the selection or the selected phase's scheduler
changes, or the design gains or loses param groups; otherwise values are updated in place, so
the field being typed in keeps its focus and cursor while the rest of the window follows the
model.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QPalette, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from designer.core.catalog import FLOAT, INT, OPTIMIZERS, ParamSpec, SchedulerSpec
from designer.core.fileformat import check_phase
from designer.core.model import (
    CONTINUE,
    MAX_TOTAL_STEPS,
    RESTART,
    OptimizerConfig,
    Phase,
    Schedule,
    ScheduleError,
)
from designer.ui import edits
from designer.ui.document import Document
from designer.ui.editor_field import EditorField
from designer.ui.editors import OptionalEditor, create_editor, validate_value
from designer.ui.editors_groups import PerGroupEditor, create_param_editor
from designer.ui.group_editor import GroupEditor
from designer.ui.theme import color_of

EXPLICIT = "explicit"
_START_MODES = (
    (RESTART, "restart", "start from the optimizer's base lr"),
    (CONTINUE, "continue", "start from the lr the previous phase ended with"),
    (EXPLICIT, "explicit lr", "start from the lr given here"),
)
_STEPS_SPEC = ParamSpec("steps", INT, minimum=1, maximum=MAX_TOTAL_STEPS,
                        help="scheduler steps this phase lasts")
_START_LR_SPEC = ParamSpec("start lr", FLOAT, minimum=0.0, exclusive_min=True,
                           help="the lr this phase starts from")
_BASE_LR_SPEC = ParamSpec("lr", FLOAT, minimum=0.0, exclusive_min=True,
                          help="the optimizer's base learning rate")
_DEFAULT_OF = re.compile(r"\(default: (\w+)\)")


class Inspector(QWidget):
    """Edits the selected phase and the schedule settings of a `Document`."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector")
        self.setAccessibleName("Inspector")
        self._document = document
        self._phase_key: tuple | None = ()  # (index, scheduler) built for; () = never built
        self._param_editors: dict[str, QWidget] = {}
        self._param_fields: list[QWidget] = []
        self._optimizer_name = ""
        self._optimizer_editors: dict[str, QWidget] = {}
        self._optimizer_fields: list[QWidget] = []
        self._build()
        document.changed.connect(self._update_form)
        document.selection_changed.connect(self._on_selection_changed)
        self._update_form()

    # Public lookups (for the main window's automation surface and tests) ---------------

    def editor(self, name: str) -> QWidget | None:
        """The editor of the selected phase's parameter `name` (None when absent)."""
        return self._param_editors.get(name)

    def optimizer_editor(self, name: str) -> QWidget | None:
        """The editor of the optimizer keyword argument `name` (None when absent)."""
        return self._optimizer_editors.get(name)

    @staticmethod
    def message_for(widget: QWidget) -> str:
        """The inline message (error, else hint) shown under the field holding `widget`."""
        while widget is not None and not isinstance(widget, EditorField):
            widget = widget.parentWidget()
        return widget.message_text() if widget is not None else ""

    # Construction ------------------------------------------------------------------------

    def _build(self) -> None:
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        content = QWidget()
        scroll.setWidget(content)
        column = QVBoxLayout(content)
        column.setContentsMargins(10, 8, 10, 10)
        self.form = form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(6)
        column.addLayout(form)
        column.addStretch(1)

        form.addRow(self._section_header("Phase"))
        self._title = QLabel()
        self._title.setTextFormat(Qt.TextFormat.PlainText)
        font = self._title.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self._title.setFont(font)
        self._swatch = QLabel()
        self._position = QLabel()
        self._position.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._title_row = QWidget()
        title_layout = QHBoxLayout(self._title_row)
        title_layout.setContentsMargins(0, 0, 0, 0)
        title_layout.setSpacing(6)
        title_layout.addWidget(self._swatch)
        title_layout.addWidget(self._title, 1)
        title_layout.addWidget(self._position)
        form.addRow(self._title_row)
        self._doc = QLabel()
        self._doc.setWordWrap(True)
        self._doc.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        form.addRow(self._doc)
        self._placeholder = QLabel("Select a phase on the timeline")
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self._placeholder.setContentsMargins(0, 16, 0, 16)
        form.addRow(self._placeholder)

        self.steps_editor = create_editor(_STEPS_SPEC)
        self.steps_editor.set_check(self._check_steps)
        self.steps_editor.value_edited.connect(self._on_steps_edited)
        self._steps_field = self._add_row("Length", self.steps_editor, _STEPS_SPEC.help)

        self.start_combo = QComboBox()
        for mode, text, tip in _START_MODES:
            self.start_combo.addItem(text, mode)
            self.start_combo.setItemData(self.start_combo.count() - 1, tip,
                                         Qt.ItemDataRole.ToolTipRole)
        self.start_combo.setAccessibleName("start mode")
        self.start_combo.activated.connect(self._on_start_mode_chosen)
        self.start_lr_editor = create_editor(_START_LR_SPEC)
        self.start_lr_editor.value_edited.connect(self._on_start_lr_edited)
        self._start_field = self._add_row("Start", self.start_combo, "where the phase's lr starts")
        self._start_lr_field = self._add_row("Start lr", self.start_lr_editor,
                                             _START_LR_SPEC.help + " (explicit start only)")

        form.addRow(self._section_header("Schedule"))
        self.optimizer_combo = QComboBox()
        self.optimizer_combo.addItems(list(OPTIMIZERS))
        self.optimizer_combo.setAccessibleName("optimizer")
        self.optimizer_combo.activated.connect(self._on_optimizer_chosen)
        self._add_row("Optimizer", self.optimizer_combo, "the torch.optim class")
        self.lr_editor = create_editor(_BASE_LR_SPEC)
        self.lr_editor.value_edited.connect(self._on_base_lr_edited)
        self._lr_field = self._add_row("Base lr", self.lr_editor, _BASE_LR_SPEC.help)
        self.interval_combo = QComboBox()
        self.interval_combo.addItems(["step", "epoch"])
        self.interval_combo.setAccessibleName("interval")
        self.interval_combo.activated.connect(self._on_interval_chosen)
        self._add_row("Interval", self.interval_combo,
                      "scheduler.step() once per batch (step) or once per epoch")
        self.steps_per_epoch_box = _StepsPerEpochBox()
        self.steps_per_epoch_box.valueChanged.connect(self._on_steps_per_epoch_edited)
        self._add_row("Steps/epoch", self.steps_per_epoch_box,
                      "batches per epoch, for the epoch axis and snapping (— for none)")
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(200)
        self.name_edit.setPlaceholderText("untitled schedule")
        self.name_edit.setAccessibleName("schedule name")
        self.name_edit.textEdited.connect(self._on_name_edited)
        self._add_row("Name", self.name_edit, "a name for this design")

        form.addRow(self._section_header("Param groups"))
        self.group_editor = GroupEditor(self._document)
        self.group_editor.rows_rebuilt.connect(self._update_tab_order)
        form.addRow(self.group_editor)

    def _section_header(self, title: str) -> QWidget:
        header = QWidget()
        layout = QVBoxLayout(header)
        layout.setContentsMargins(0, 10, 0, 2)
        layout.setSpacing(3)
        label = QLabel(title.upper())
        font = label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 0.85)
        font.setLetterSpacing(font.SpacingType.PercentageSpacing, 108)
        label.setFont(font)
        label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        line = QFrame()  # a hairline in the palette's Mid colour, quiet in dark and light
        line.setFixedHeight(1)
        line.setBackgroundRole(QPalette.ColorRole.Mid)
        line.setAutoFillBackground(True)
        layout.addWidget(label)
        layout.addWidget(line)
        return header

    def _add_row(self, text: str, widget: QWidget, tip: str, source: QWidget | None = None,
                 row: int = -1) -> EditorField:
        field = EditorField(widget, source)
        label = QLabel(text)
        label.setToolTip(tip)
        label.setBuddy(widget)
        # QFormLayout top-aligns labels of tall rows; as tall as the editor, the label's text
        # lines up with the editor rather than floating between it and its message.
        label.setFixedHeight(max(widget.sizeHint().height(), label.sizeHint().height()))
        label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        widget.setToolTip(widget.toolTip() or tip)
        self.form.insertRow(row, label, field)
        # QLayout shows new children of a visible widget only on the next event loop pass;
        # showing them now lets callers (and tests) use a rebuilt form at once.
        label.show()
        field.show()
        return field

    def _remove_row(self, field: EditorField) -> None:
        # Deleted later, not at once: the rebuild may run inside a signal of the very editor
        # being removed (an undo shortcut pressed while it has focus).
        row = self.form.takeRow(field)
        for item in (row.labelItem, row.fieldItem):
            if item is not None and item.widget() is not None:
                item.widget().hide()
                item.widget().deleteLater()

    # Following the document -------------------------------------------------------------

    def _selected_phase(self) -> tuple[int, Phase | None]:
        index = self._document.selected
        phases = self._document.schedule.phases
        return (index, phases[index]) if 0 <= index < len(phases) else (-1, None)

    def _on_selection_changed(self, _index: int) -> None:
        self._update_form()

    def _update_form(self) -> None:
        schedule = self._document.schedule
        index, phase = self._selected_phase()
        # Per-group parameters get other editors once the design has two or more groups.
        key = (index, phase.scheduler, schedule.group_count > 1) if phase is not None else None
        rebuilt = key != self._phase_key or schedule.optimizer.name != self._optimizer_name
        if key != self._phase_key:
            self._phase_key = key
            self._rebuild_phase_rows(phase, schedule.group_names())
        if phase is not None:
            self._update_phase(schedule, index, phase)
        if schedule.optimizer.name != self._optimizer_name:
            self._optimizer_name = schedule.optimizer.name
            self._rebuild_optimizer_rows()
        self._update_schedule(schedule)
        if rebuilt:
            self._update_tab_order()

    def _update_tab_order(self) -> None:
        # Qt tabs in creation order, which would put rebuilt rows after the Name field.
        chain = []
        for row in range(self.form.rowCount()):
            item = self.form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            field = item.widget() if item is not None else None
            if isinstance(field, EditorField):
                chain.extend(_focus_chain(field.editor))
        chain.extend(self.group_editor.focus_chain())
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _rebuild_phase_rows(self, phase: Phase | None, group_names: tuple[str, ...]) -> None:
        for field in self._param_fields:
            self._remove_row(field)
        self._param_fields, self._param_editors = [], {}
        for widget in (self._title_row, self._doc, self._steps_field, self._start_field,
                       self._start_lr_field):
            self.form.setRowVisible(widget, phase is not None)
        self.form.setRowVisible(self._placeholder, phase is None)
        if phase is None:
            return
        spec = phase.spec
        row = self.form.getWidgetPosition(self._start_lr_field)[0] + 1
        for param in spec.params:
            fitted = param.name == spec.fit_param
            editor = create_param_editor(param, group_names, optional=param.optional or fitted,
                                         auto_hint=self._auto_hint(spec, param))
            editor.set_check(partial(self._check_param, param.name))
            editor.value_edited.connect(partial(self._on_param_edited, param.name))
            self._param_editors[param.name] = editor
            self._param_fields.append(self._add_row(param.name, editor, param.help, row=row))
            row += 1
        self._title.setText(spec.name)
        self._doc.setText(spec.doc)

    def _update_phase(self, schedule: Schedule, index: int, phase: Phase) -> None:
        spec = phase.spec
        self._swatch.setPixmap(self._swatch_pixmap(schedule, index))
        self._position.setText(f"phase {index + 1} of {len(schedule.phases)}")
        self.steps_editor.set_value(phase.steps)
        start = schedule.phase_starts()[index]
        unit = "epochs" if schedule.interval == "epoch" else "steps"
        self._steps_field.set_hint(f"{unit} {start:,} – {start + phase.steps - 1:,} "
                                   f"of {schedule.total_steps:,}")
        explicit = not isinstance(phase.start, str)
        with QSignalBlocker(self.start_combo):
            self.start_combo.setCurrentIndex(self.start_combo.findData(
                EXPLICIT if explicit else phase.start))
        self.start_lr_editor.setEnabled(explicit)
        self.start_lr_editor.set_value(phase.start if explicit else schedule.optimizer.lr)
        self._start_field.set_hint(
            f"{spec.name} sets the lr itself: the start has no effect" if spec.absolute else "")
        for param in spec.params:
            editor = self._param_editors[param.name]
            if isinstance(editor, PerGroupEditor):
                editor.set_group_names(schedule.group_names())
            if isinstance(editor, OptionalEditor):
                editor.set_auto_value(self._auto_value(phase, param))
                editor.set_value(phase.params.get(param.name))
            else:
                editor.set_value(phase.param_value(param.name))

    def _rebuild_optimizer_rows(self) -> None:
        for field in self._optimizer_fields:
            self._remove_row(field)
        self._optimizer_fields, self._optimizer_editors = [], {}
        row = self.form.getWidgetPosition(self._lr_field)[0] + 1
        for param in OPTIMIZERS[self._optimizer_name].params:
            editor = create_editor(param)
            editor.value_edited.connect(partial(self._on_optimizer_param_edited, param.name))
            self._optimizer_editors[param.name] = editor
            self._optimizer_fields.append(self._add_row(param.name, editor, param.help, row=row))
            row += 1

    def _update_schedule(self, schedule: Schedule) -> None:
        optimizer = schedule.optimizer
        with QSignalBlocker(self.optimizer_combo):
            self.optimizer_combo.setCurrentText(optimizer.name)
        self.lr_editor.set_value(optimizer.lr)
        for param in OPTIMIZERS[optimizer.name].params:
            default = None if param.required else param.default
            self._optimizer_editors[param.name].set_value(optimizer.params.get(param.name,
                                                                               default))
        with QSignalBlocker(self.interval_combo):
            self.interval_combo.setCurrentText(schedule.interval)
        with QSignalBlocker(self.steps_per_epoch_box):
            self.steps_per_epoch_box.setValue(schedule.steps_per_epoch or 0)
        if self.name_edit.text() != schedule.name:
            self.name_edit.setText(schedule.name)

    @staticmethod
    def _auto_hint(spec: SchedulerSpec, param: ParamSpec) -> str:
        if param.name == spec.fit_param:
            return "= phase length"
        match = _DEFAULT_OF.search(param.help)
        return f"= {match.group(1)}" if match and spec.has_param(match.group(1)) \
            else "torch's default"

    @staticmethod
    def _auto_value(phase: Phase, param: ParamSpec) -> Any:
        """What torch uses while the parameter is left out, shown greyed in its editor."""
        if param.name == phase.spec.fit_param:
            return phase.steps
        # The catalog words a default that follows another parameter as "(default: name)".
        match = _DEFAULT_OF.search(param.help)
        if match and phase.spec.has_param(match.group(1)):
            return phase.param_value(match.group(1))
        return None if param.required else param.default

    def _swatch_pixmap(self, schedule: Schedule, index: int) -> QPixmap:
        size = self._title.fontMetrics().height() - 4
        pixmap = QPixmap(size, size)
        pixmap.fill(color_of(schedule, index))
        return pixmap

    # Checks the editors consult before emitting -----------------------------------------

    def _phase_problem(self, candidate: Phase, edited: str) -> str | None:
        """Why `candidate` may not replace the selected phase (None when it may)."""
        phase = self._selected_phase()[1]
        if phase is None:
            return "no phase selected"
        total = self._document.schedule.total_steps - phase.steps + candidate.steps
        if total > MAX_TOTAL_STEPS:
            return f"the schedule would have {total:,} steps; the limit is {MAX_TOTAL_STEPS:,}"
        try:
            check_phase(candidate, "", self._document.schedule.group_count)
        except ScheduleError as exc:
            name = exc.field.rsplit(".", 1)[-1]
            return exc.message if name == edited else f"{name} {exc.message}"
        return None

    def _check_steps(self, steps: int) -> str | None:
        phase = self._selected_phase()[1]
        return None if phase is None else self._phase_problem(replace(phase, steps=steps),
                                                              "steps")

    def _check_param(self, name: str, value: Any) -> str | None:
        phase = self._selected_phase()[1]
        return None if phase is None else self._phase_problem(phase.with_param(name, value),
                                                              name)

    # Edits --------------------------------------------------------------------------------

    def _on_steps_edited(self, steps: int) -> None:
        index, phase = self._selected_phase()
        if phase is not None and not self._check_steps(steps):
            schedule = self._document.schedule
            self._document.edit(f"Resize {phase.scheduler}", schedule.resize_phase(index, steps),
                                merge_key=("steps", index))

    def _on_start_mode_chosen(self, combo_index: int) -> None:
        index, phase = self._selected_phase()
        if phase is None:
            return
        mode = self.start_combo.itemData(combo_index)
        if mode == EXPLICIT:
            if not isinstance(phase.start, str):
                return
            lr = self.start_lr_editor.value() or self._document.schedule.optimizer.lr
            edits.set_start(self._document, index, lr)
        elif mode != phase.start:
            edits.set_start(self._document, index, mode)

    def _on_start_lr_edited(self, lr: float) -> None:
        index, phase = self._selected_phase()
        if phase is not None and not isinstance(phase.start, str):
            edits.set_start(self._document, index, lr)

    def _on_param_edited(self, name: str, value: Any) -> None:
        index, phase = self._selected_phase()
        if phase is None or not phase.spec.has_param(name) or self._check_param(name, value):
            return
        editor = self._param_editors.get(name)
        verb = "Fit" if value is None and name == phase.spec.fit_param else "Set"
        self._document.edit(f"{verb} {phase.scheduler} {name}",
                            self._document.schedule.set_param(index, name, value),
                            merge_key=("param", index, name) if editor is None or editor.merges
                            else None)

    def _on_optimizer_chosen(self, combo_index: int) -> None:
        name = self.optimizer_combo.itemText(combo_index)
        schedule = self._document.schedule
        old = schedule.optimizer
        if name == old.name or name not in OPTIMIZERS:
            return
        # Keep what the new optimizer also takes (weight_decay, betas, ...), if still valid.
        params = {}
        for param in OPTIMIZERS[name].params:
            if param.name in old.params:
                value, error = validate_value(param, old.params[param.name])
                if not error:
                    params[param.name] = value
        self._document.edit(f"Change optimizer to {name}",
                            schedule.with_optimizer(OptimizerConfig(name, old.lr, params)))

    def _on_base_lr_edited(self, lr: float) -> None:
        schedule = self._document.schedule
        self._document.edit("Set optimizer lr",
                            schedule.with_optimizer(replace(schedule.optimizer, lr=lr)),
                            merge_key=("optimizer", "lr"))

    def _on_optimizer_param_edited(self, name: str, value: Any) -> None:
        schedule = self._document.schedule
        optimizer = schedule.optimizer
        spec = OPTIMIZERS[optimizer.name]
        if spec.param(name) is None:
            return
        changed = {**optimizer.params, name: value}
        # Catalog order, so the saved file lists parameters the same way every time.
        params = {p.name: changed[p.name] for p in spec.params
                  if p.name in changed and changed[p.name] is not None}
        editor = self._optimizer_editors.get(name)
        self._document.edit(f"Set {optimizer.name} {name}",
                            schedule.with_optimizer(replace(optimizer, params=params)),
                            merge_key=("optimizer", name) if editor is None or editor.merges
                            else None)

    def _on_interval_chosen(self, combo_index: int) -> None:
        interval = self.interval_combo.itemText(combo_index)
        schedule = self._document.schedule
        self._document.edit(f"Set interval to {interval}",
                            schedule.with_settings(interval=interval))

    def _on_steps_per_epoch_edited(self, value: int) -> None:
        schedule = self._document.schedule
        self._document.edit("Set steps per epoch",
                            schedule.with_settings(steps_per_epoch=value or None),
                            merge_key=("settings", "steps_per_epoch"))

    def _on_name_edited(self, text: str) -> None:
        schedule = self._document.schedule
        self._document.edit("Rename schedule", schedule.with_settings(name=text),
                            merge_key=("settings", "name"))


def _focus_chain(editor: QWidget) -> list[QWidget]:
    """The widgets Tab visits inside one field, in order."""
    if isinstance(editor, OptionalEditor):
        return [*_focus_chain(editor.inner), editor.auto]
    return list(getattr(editor, "parts", ())) or [editor]


class _StepsPerEpochBox(QSpinBox):
    """Batches per epoch; 0 shows "—" and means none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setRange(0, MAX_TOTAL_STEPS)
        self.setSpecialValueText("—")
        self.setAccessibleName("steps per epoch")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event) -> None:  # Qt's name
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()
