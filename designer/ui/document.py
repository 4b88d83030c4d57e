"""The open design: the current immutable Schedule, its undo stack, its file and selection.

Views never change the schedule themselves: they build an `Edit` with a function of
`designer.core.schedule.edits` and hand it to `Document.apply`, which pushes one
`ScheduleCommand` onto the QUndoStack. Because schedules are immutable values, every command
is the same simple thing: a before and an after value (glue's command objects, Qt's undo
framework). Edits that share a `merge_key` (typing in one spin box) merge into one undo step.
"""

from __future__ import annotations

from collections.abc import Hashable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from designer.core.schedule.edits import Edit
from designer.core.schedule.model import Schedule

_MERGE_ID = 0x5C4ED  # QUndoCommand.id() for mergeable commands; -1 means "never merge"


class ScheduleCommand(QUndoCommand):
    """Replace the document's schedule (and selection) with another value, undoably."""

    def __init__(self, document: Document, label: str, after: Schedule,
                 merge_key: Hashable | None = None, select_after: int | None = None) -> None:
        super().__init__(label)
        self._document = document
        self.before = document.schedule
        self.after = after
        self.merge_key = merge_key
        self._select_before = document.selected
        self._select_after = document.selected if select_after is None else select_after

    def redo(self) -> None:
        self._document._apply(self.after, self._select_after)

    def undo(self) -> None:
        self._document._apply(self.before, self._select_before)

    def id(self) -> int:  # Qt's name
        return _MERGE_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # Qt's name
        if not isinstance(other, ScheduleCommand) or other.merge_key != self.merge_key:
            return False
        self.after = other.after
        self._select_after = other._select_after
        if self.after == self.before:
            self.setObsolete(True)
        return True


class Document(QObject):
    """The design being edited.

    Signals
    -------
    changed : the schedule value was replaced (any edit, undo, redo or open).
    selection_changed(int) : the selected phase index, -1 for none; also emitted when only
        the selected member of a chained phase changes (`selected_member`).
    path_changed(str) : the file the document belongs to ("" when untitled).
    replaced : the whole design was replaced (New, Open, import), after `changed`.
    """

    changed = Signal()
    replaced = Signal()
    selection_changed = Signal(int)
    path_changed = Signal(str)

    def __init__(self, schedule: Schedule | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._schedule = schedule if schedule is not None else Schedule()
        self._selected = -1
        self._member = -1
        self._path = ""
        self.undo_stack = QUndoStack(self)

    @property
    def schedule(self) -> Schedule:
        return self._schedule

    @property
    def selected(self) -> int:
        return self._selected

    @property
    def selected_member(self) -> int:
        """The member of the selected chained phase the inspector edits (-1: the selected
        phase is not chained, or none is selected)."""
        return self._member

    @property
    def path(self) -> str:
        return self._path

    def apply(self, edit: Edit | None) -> None:
        """Push `edit` as one undoable change (None, an edit with nothing to do, is ignored)."""
        if edit is not None:
            self.edit(edit.label, edit.schedule, edit.merge_key, edit.select)

    def edit(self, label: str, after: Schedule, merge_key: Hashable | None = None,
             select: int | None = None) -> None:
        """Push one undoable change. No-op when `after` equals the current schedule (and the
        selection stays). Views use `apply`; this takes a whole schedule from elsewhere (a
        script, a test)."""
        if after == self._schedule and (select is None or select == self._selected):
            return
        self.undo_stack.push(ScheduleCommand(self, label, after, merge_key, select))

    def select(self, index: int, member: int | None = None) -> None:
        """Select a phase (-1 for none) and, in a chained phase, its member `member` (None:
        the one selected before in the same phase, else the first). Selection is not an
        undoable edit."""
        index = index if 0 <= index < len(self._schedule.phases) else -1
        if member is None:
            member = self._member if index == self._selected else 0
        member = self._member_in(index, member)
        if (index, member) != (self._selected, self._member):
            self._selected, self._member = index, member
            self.selection_changed.emit(index)

    def _member_in(self, index: int, member: int) -> int:
        """`member` kept within phase `index`'s members (-1 when it has none)."""
        if index < 0 or not self._schedule.phases[index].is_chained:
            return -1
        return max(0, min(member, len(self._schedule.phases[index].members) - 1))

    def reset(self, schedule: Schedule, path: str = "") -> None:
        """Replace the whole design (New, Open): clears undo history, marks it clean."""
        self.undo_stack.clear()
        self._apply(schedule, 0 if schedule.phases else -1)
        self.set_path(path)
        self.undo_stack.setClean()
        self.replaced.emit()

    def set_path(self, path: str) -> None:
        self._path = path
        self.path_changed.emit(path)

    def _apply(self, schedule: Schedule, selected: int) -> None:
        self._schedule = schedule
        self.changed.emit()
        # An edit of the selected phase keeps its member selected (a member's parameter).
        member = self._member if selected == self._selected else 0
        self._selected = -2  # force the selection signal: indices may now mean other phases
        self.select(selected, member)
