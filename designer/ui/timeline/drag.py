"""A press on the timeline and the move or resize it becomes, up to its one edit.

A press on a block's right edge starts a resize at once; a press on a block's body arms a
move that starts once the pointer has travelled Qt's drag distance. While the pointer moves,
the timeline shows the tentative schedule and emits `gesture_changing` with it (the preview
draws it live). The release makes ONE edit (`designer.core.schedule.edits`), then the view emits
`gesture_finished`. The release itself emits no `gesture_changing`: the edit changes the
document, which asks for the new curve, so a release costs the curve worker one request, not
two. Escape, a right-click or losing the focus cancels: nothing is edited, and
`gesture_changing` hands back the document's schedule.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from designer.core.schedule import edits
from designer.core.schedule.edits import Edit
from designer.ui.timeline.geometry import XMapping
from designer.ui.timeline.gesture import Gesture

if TYPE_CHECKING:
    from designer.ui.timeline.timeline import Timeline


class BlockDrag:
    """The timeline's mouse gesture state. `gesture` is the move or resize in progress;
    `pending` a press on a block's body that has not moved far enough to be a move;
    `frozen_fit` the timeline's own scale, held still while a gesture runs (the schedule's
    total changes under a resize, and the scale must not follow it)."""

    def __init__(self, view: Timeline) -> None:
        self._view = view
        self.gesture: Gesture | None = None
        self.pending: tuple[int, QPointF] | None = None
        self.frozen_fit: XMapping | None = None
        self.swallow_menu = False  # a right-click that cancelled a drag opens no menu

    @property
    def armed(self) -> bool:
        """A gesture is in progress, or a press may still become one."""
        return self.gesture is not None or self.pending is not None

    def press(self, event: QMouseEvent) -> bool:
        """Handle a press; False when it is not the drag's (the widget's default applies)."""
        view, x = self._view, event.position().x()
        if event.button() == Qt.RightButton and self.armed:
            self.swallow_menu = self.gesture is not None
            self.cancel()
            return True
        if event.button() != Qt.LeftButton or self.gesture is not None:
            return False
        self.swallow_menu = False
        mapping = view.x_mapping()
        edge = view.edge_at(x)
        if edge >= 0:
            view.document.select(edge)
            self.frozen_fit = None if view.has_external_mapping() else mapping
            # Offset from the edge's true place on the scale, not from the (maybe widened)
            # block: a click on the edge without moving must give the same length.
            self.gesture = Gesture("resize", edge, x - view.layout().end_x(edge), mapping, x=x)
            view.setCursor(Qt.SizeHorCursor)
            view.update()
            return True
        index = view.block_at(x)
        # A press on a chained block's band selects that member for the inspector too.
        view.document.select(index, view.member_at(index, event.position().y()))
        if index >= 0:
            self.pending = (index, event.position())
        return True

    def move(self, event: QMouseEvent) -> bool:
        """Follow the pointer; False when no gesture is in progress (the view hovers)."""
        view, x = self._view, event.position().x()
        if self.pending is not None and event.buttons() & Qt.LeftButton:
            index, pressed = self.pending
            if (event.position() - pressed).manhattanLength() >= QApplication.startDragDistance():
                self.pending = None
                self.frozen_fit = None if view.has_external_mapping() else view.x_mapping()
                self.gesture = Gesture("move", index, pressed.x() - view.block_rect(index).left(),
                                       view.x_mapping(), x=x)
                view.setCursor(Qt.ClosedHandCursor)
        if self.gesture is None:
            return False
        if self._follow(self.gesture, x, event):
            view.gesture_changing.emit(self.gesture.tentative)
        view.update()
        return True

    def release(self, event: QMouseEvent) -> Gesture | None:
        """End the gesture where the button comes up, with its one edit; the gesture ended
        (None when there was none). The view emits `gesture_finished` after it."""
        self.pending = None
        gesture, x = self.gesture, event.position().x()
        if gesture is None:
            return None
        # A press and release on an edge without moving is a click, not a resize (snapping
        # could change the length). No gesture_changing here: the edit asks for the curve.
        if gesture.emitted or x != gesture.x:
            self._follow(gesture, x, event)
        self.gesture, self.frozen_fit = None, None
        self._view.document.apply(self._edit(gesture))
        return gesture

    def cancel(self) -> None:
        """Abandon a move or resize in progress: nothing is edited."""
        gesture, self.gesture, self.pending = self.gesture, None, None
        self.frozen_fit = None
        if gesture is None:
            return
        view = self._view
        view.unsetCursor()
        view.update()
        if gesture.emitted:
            view.gesture_changing.emit(view.document.schedule)
            view.gesture_finished.emit()

    def _follow(self, gesture: Gesture, x: float, event: QMouseEvent) -> bool:
        free = bool(event.modifiers() & Qt.ShiftModifier)  # Shift: no snapping
        return gesture.follow(self._view.document.schedule, x, free, self._view.layout())

    def _edit(self, gesture: Gesture) -> Edit | None:
        schedule = self._view.document.schedule
        if gesture.kind == "resize":
            if gesture.tentative is None:
                return None
            return edits.resize_phase(schedule, gesture.index,
                                      gesture.tentative.phases[gesture.index].steps)
        target = gesture.edit_target()
        return None if target is None else edits.move_phase(schedule, gesture.index, target)
