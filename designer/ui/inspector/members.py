"""The inspector's Members rows, shown for a chained phase: its members in order (selecting
one picks whose parameters the rows below edit, as a click on its band does), buttons to
add, remove and reorder them, and the selected member's scheduler.

Every button is one edit of `member_edits` through `Document.apply`: one undo step and one
curve request. Removing the last member unchains the phase (it becomes that member's plain
phase), as the timeline's "Remove from chain" does.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QListWidget,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from designer.core.schedule import member_edits
from designer.core.schedule.catalog import MAX_MEMBERS, SCHEDULERS, chainable
from designer.core.schedule.edits import Edit
from designer.core.schedule.model import Phase
from designer.ui.document import Document
from designer.ui.inspector.editor_field import EditorField
from designer.ui.timeline.geometry import phase_label

CHAINABLE = tuple(name for name in SCHEDULERS if chainable(name))


class MemberFields:
    """The Members and Member scheduler rows, added through the inspector's `add_row`."""

    def __init__(self, document: Document, add_row: Callable[..., EditorField]) -> None:
        self._document = document
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        self.list = QListWidget()
        self.list.setAccessibleName("chain members")
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.currentRowChanged.connect(self._on_row_chosen)
        # Long labels elide rather than scroll: the inspector is narrow.
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setFixedHeight(2 * self.list.fontMetrics().height() + 12)
        column.addWidget(self.list)
        column.addLayout(self._build_buttons())
        self.field = add_row("Members", box, "the schedulers torch's ChainedScheduler steps "
                             "together, in order: each multiplies the lr the ones above left",
                             source=self.list)
        self.scheduler_combo = QComboBox()
        self.scheduler_combo.addItems(list(CHAINABLE))
        self.scheduler_combo.setAccessibleName("member scheduler")
        self.scheduler_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.scheduler_combo.setMinimumContentsLength(12)
        self.scheduler_combo.activated.connect(self._on_scheduler_chosen)
        self.scheduler_field = add_row("Member", self.scheduler_combo,
                                       "the selected member's scheduler; its parameters "
                                       "follow")

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(4)
        self.add_button = QToolButton()
        self.add_button.setText("Add")
        self.add_button.setToolTip("add a scheduler to the chain")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.add_button)
        for name in CHAINABLE:
            menu.addAction(name, lambda *_, name=name: self._add(name))
        self.add_button.setMenu(menu)
        self.remove_button = QToolButton()
        self.remove_button.setText("Remove")
        self.remove_button.setToolTip("remove the selected member (the last one left "
                                      "unchains the phase)")
        self.remove_button.clicked.connect(self._remove)
        self.up_button = QToolButton()
        self.up_button.setText("Up")
        self.up_button.setToolTip("run the selected member one place earlier")
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button = QToolButton()
        self.down_button.setText("Down")
        self.down_button.setToolTip("run the selected member one place later")
        self.down_button.clicked.connect(lambda: self._move(1))
        for button in (self.add_button, self.remove_button, self.up_button, self.down_button):
            button.setAccessibleName(f"{button.text().lower()} member")
            row.addWidget(button)
        row.addStretch(1)
        return row

    def focus_chain(self) -> list[QWidget]:
        return [self.list, self.add_button, self.remove_button, self.up_button,
                self.down_button]

    def update(self, phase: Phase | None, member: int) -> None:
        """Show `phase`'s members with `member` current (the rows hide for a plain phase)."""
        if phase is None or not phase.is_chained:
            return
        labels = [f"{n + 1}. {phase_label(m)}" for n, m in enumerate(phase.member_phases())]
        with QSignalBlocker(self.list):
            if [self.list.item(i).text() for i in range(self.list.count())] != labels:
                self.list.clear()
                self.list.addItems(labels)
            self.list.setCurrentRow(member)
        rows = max(1, len(labels))
        frame = 2 * self.list.frameWidth()
        self.list.setFixedHeight(rows * self.list.sizeHintForRow(0) + frame + 2)
        count = len(phase.members)
        self.add_button.setEnabled(count < MAX_MEMBERS)
        self.up_button.setEnabled(member > 0)
        self.down_button.setEnabled(0 <= member < count - 1)
        if 0 <= member < count:
            with QSignalBlocker(self.scheduler_combo):
                self.scheduler_combo.setCurrentText(phase.members[member].scheduler)

    # Edits ------------------------------------------------------------------------------

    def _apply(self, edit: Edit | None, member: int) -> None:
        """Apply `edit` to the selected phase, then select its member `member`."""
        index = self._document.selected
        self._document.apply(edit)
        self._document.select(index, member)

    def _chained(self) -> tuple[int, Phase | None]:
        index, phases = self._document.selected, self._document.schedule.phases
        phase = phases[index] if 0 <= index < len(phases) else None
        return (index, phase) if phase is not None and phase.is_chained else (-1, None)

    def _on_row_chosen(self, row: int) -> None:
        index, phase = self._chained()
        if phase is not None and row >= 0:
            self._document.select(index, row)

    def _add(self, scheduler: str) -> None:
        index, phase = self._chained()
        if phase is not None:
            schedule = self._document.schedule
            self._apply(member_edits.add_member(schedule, index, scheduler), len(phase.members))

    def _remove(self) -> None:
        index, phase = self._chained()
        if phase is None:
            return
        schedule, member = self._document.schedule, self._document.selected_member
        edit = (member_edits.remove_member(schedule, index, member)
                or member_edits.unchain(schedule, index))
        self._apply(edit, max(0, member - 1))

    def _move(self, by: int) -> None:
        index, phase = self._chained()
        if phase is not None:
            member = self._document.selected_member
            schedule = self._document.schedule
            self._apply(member_edits.move_member(schedule, index, member, member + by),
                        member + by)

    def _on_scheduler_chosen(self, combo_index: int) -> None:
        index, phase = self._chained()
        if phase is not None:
            member = self._document.selected_member
            self._apply(member_edits.change_member_scheduler(
                self._document.schedule, index, member,
                self.scheduler_combo.itemText(combo_index)), member)
