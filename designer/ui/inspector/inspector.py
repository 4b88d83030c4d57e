"""The inspector: a form for the selected phase and for the schedule's optimizer and settings.

The phase form is generated from the catalog: one row per `ParamSpec`, each editor taken from
the `editors.EDITORS` registry (a per-group parameter of a design with several param groups
gets `editors_groups.PerGroupEditor`), so adding a scheduler to the catalog adds no code here
(`param_rows`). A chained phase shows its Members rows (`members`) and the parameter rows of
the selected member, with the same editors. The Start rows (`start`), the Schedule section (`schedule`) and the param groups
(`group_editor.GroupEditor`) are built by modules of their own. Every change is an edit of
`designer.core.schedule.edits` with a merge key per field, so typing into one field is one
undo step. The form is rebuilt only when the selection or the selected phase's scheduler
changes, or the design gains or loses param groups; otherwise values are updated in place, so
the field being typed in keeps its focus and cursor while the rest of the window follows the
model.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette, QPixmap
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from designer.core.schedule import edits
from designer.core.schedule.catalog import INT, ParamSpec, in_units
from designer.core.schedule.model import MAX_TOTAL_STEPS, Phase, Schedule
from designer.ui.document import Document
from designer.ui.inspector.editor_field import EditorField
from designer.ui.inspector.editors import OptionalEditor, create_editor
from designer.ui.inspector.group_editor import GroupEditor
from designer.ui.inspector.length_kind import LengthKindFields
from designer.ui.inspector.members import MemberFields
from designer.ui.inspector.param_rows import ParamRows, ParamTarget, phase_problem
from designer.ui.inspector.schedule import ScheduleFields
from designer.ui.inspector.start import StartFields
from designer.ui.theme import color_of

_STEPS_SPEC = ParamSpec("steps", INT, minimum=1, maximum=MAX_TOTAL_STEPS,
                        help="scheduler steps this phase lasts")


class Inspector(QWidget):
    """Edits the selected phase and the schedule settings of a `Document`."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector")
        self.setAccessibleName("Inspector")
        self._document = document
        self._phase_key: tuple | None = ()  # (index, scheduler) built for; () = never built
        self._build()
        document.changed.connect(self._update_form)
        document.selection_changed.connect(self._on_selection_changed)
        self._update_form()

    # Public lookups (for the main window's automation surface and tests) ---------------

    def editor(self, name: str) -> QWidget | None:
        """The editor of the selected phase's parameter `name`, or of its selected member's
        when the phase is chained (None when absent)."""
        return self.params.editors.get(name)

    def optimizer_editor(self, name: str) -> QWidget | None:
        """The editor of the optimizer keyword argument `name` (None when absent)."""
        return self.schedule_fields.optimizer_editor(name)

    def set_curve(self, schedule: Schedule, lrs: np.ndarray, complete: bool = True) -> None:
        """A curve the window shows: a continuing phase's Start lr is read from it."""
        self.start.set_curve(schedule, lrs, complete)

    @staticmethod
    def message_for(widget: QWidget) -> str:
        """The inline message (error, else hint) shown under the field holding `widget`."""
        while widget is not None and not isinstance(widget, EditorField):
            widget = widget.parentWidget()
        return widget.message_text() if widget is not None else ""

    # Construction ------------------------------------------------------------------------

    def _build(self) -> None:
        self.form = form = self._build_form()
        form.addRow(self._section_header("Phase"))
        self._build_phase_header(form)
        self.steps_editor = create_editor(_STEPS_SPEC)
        self.steps_editor.set_check(self._check_steps)
        self.steps_editor.value_edited.connect(self._on_steps_edited)
        self._steps_field = self._add_row("Length", self.steps_editor, _STEPS_SPEC.help)
        self.length_kind = LengthKindFields(self._document, self._add_row)

        self.start = StartFields(self._document, self._add_row)
        self.start_combo, self.start_lr_editor = self.start.combo, self.start.lr_editor
        self._start_field, self._start_lr_field = self.start.field, self.start.lr_field
        self.members = MemberFields(self._document, self._add_row)
        # The Members label stays beside the first member, however long the list grows.
        label = form.labelForField(self.members.field)
        label.setFixedHeight(label.sizeHint().height() + 4)
        self.params = ParamRows(self._document, form, self._add_row, self._remove_row)

        form.addRow(self._section_header("Schedule"))
        self.schedule_fields = fields = ScheduleFields(self._document, form, self._add_row,
                                                       self._remove_row)
        self.optimizer_combo, self.lr_editor = fields.optimizer_combo, fields.lr_editor
        self.interval_combo, self.name_edit = fields.interval_combo, fields.name_edit
        self.steps_per_epoch_box = fields.steps_per_epoch_box

        form.addRow(self._section_header("Param groups"))
        self.group_editor = GroupEditor(self._document)
        self.group_editor.rows_rebuilt.connect(self._update_tab_order)
        form.addRow(self.group_editor)

    def _build_form(self) -> QFormLayout:
        """The form, in a scroll area that fills the inspector, above a stretch."""
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
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(6)
        column.addLayout(form)
        column.addStretch(1)
        return form

    def _build_phase_header(self, form: QFormLayout) -> None:
        """The selected phase's swatch, name and position, its description, and the
        placeholder shown while no phase is selected."""
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
        target = self._target(index, phase)
        # Per-group parameters get other editors once the design has two or more groups.
        key = None if phase is None else (target, phase.scheduler, target.spec(phase).name,
                                          schedule.group_count > 1)
        rebuilt = key != self._phase_key
        if rebuilt:
            self._phase_key = key
            self._rebuild_phase_rows(phase, target, schedule.group_names())
        if phase is not None:
            self._update_phase(schedule, index, phase)
        if self.schedule_fields.update(schedule) or rebuilt:
            self._update_tab_order()

    def _update_tab_order(self) -> None:
        # Qt tabs in creation order, which would put rebuilt rows after the Name field.
        chain = []
        for row in range(self.form.rowCount()):
            item = self.form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            field = item.widget() if item is not None else None
            if isinstance(field, EditorField):
                chain.extend(_focus_chain(field.editor))
            if field is self.members.field:
                chain[-1:] = self.members.focus_chain()
        chain.extend(self.group_editor.focus_chain())
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _target(self, index: int, phase: Phase | None) -> ParamTarget:
        """Whose parameters the rows edit: the phase, or its selected member."""
        if phase is None or not phase.is_chained:
            return ParamTarget(index)
        # Right after an edit the selection may still name a member just removed.
        return ParamTarget(index, max(0, min(self._document.selected_member,
                                             len(phase.members) - 1)))

    def _rebuild_phase_rows(self, phase: Phase | None, target: ParamTarget,
                            group_names: tuple[str, ...]) -> None:
        chained = phase is not None and phase.is_chained
        for widget in (self._title_row, self._doc, self._steps_field, self.length_kind.field,
                       self._start_field, self._start_lr_field):
            self.form.setRowVisible(widget, phase is not None)
        for widget in (self.members.field, self.members.scheduler_field):
            self.form.setRowVisible(widget, chained)
        self.form.setRowVisible(self._placeholder, phase is None)
        row = self.form.getWidgetPosition(self.members.scheduler_field)[0] + 1
        self.params.rebuild(target, None if phase is None else target.spec(phase),
                            group_names, row)
        if phase is not None:
            self._title.setText(phase.spec.name)

    def _update_phase(self, schedule: Schedule, index: int, phase: Phase) -> None:
        # The catalog says "steps"; a design stepped per epoch reads its texts in epochs.
        doc = phase.spec.doc
        if phase.is_chained:
            member = phase.members[self.params.target.member].spec
            doc = f"{doc}\n\nMember {self.params.target.member + 1}: {member.doc}"
        self._doc.setText(in_units(doc, schedule.interval))
        self._swatch.setPixmap(self._swatch_pixmap(schedule, index))
        self._position.setText(f"phase {index + 1} of {len(schedule.phases)}")
        self.steps_editor.set_value(phase.steps)
        start = schedule.phase_starts()[index]
        unit = "epochs" if schedule.interval == "epoch" else "steps"
        as_given = f" ({phase.length.label()})" if phase.length is not None else ""
        self._steps_field.set_hint(f"{unit} {start:,} – {start + phase.steps - 1:,} "
                                   f"of {schedule.total_steps:,}{as_given}")
        self.length_kind.update(schedule, phase)
        self.start.update(schedule, index, phase)
        self.members.update(phase, self.params.target.member)
        self.params.update(schedule, phase)

    def _swatch_pixmap(self, schedule: Schedule, index: int) -> QPixmap:
        size = self._title.fontMetrics().height() - 4
        pixmap = QPixmap(size, size)
        pixmap.fill(color_of(schedule, index))
        return pixmap

    # Checks the editors consult before emitting -----------------------------------------

    def _check_steps(self, steps: int) -> str | None:
        index, phase = self._selected_phase()
        if phase is None:
            return None
        return phase_problem(self._document.schedule, index, replace(phase, steps=steps),
                             "steps")

    # Edits --------------------------------------------------------------------------------

    def _on_steps_edited(self, steps: int) -> None:
        index, phase = self._selected_phase()
        if phase is not None and not self._check_steps(steps):
            self._document.apply(edits.resize_phase(self._document.schedule, index, steps,
                                                    merge=True))


def _focus_chain(editor: QWidget) -> list[QWidget]:
    """The widgets Tab visits inside one field, in order."""
    if isinstance(editor, OptionalEditor):
        return [*_focus_chain(editor.inner), editor.auto]
    return list(getattr(editor, "parts", ())) or [editor]

