"""The timeline: the schedule's phases as blocks you select, reorder, resize and drop onto.

Gestures follow pyqtgraph's changing/finished pattern and Olive's ghosts: while the mouse
moves, the view only shows where things would land and emits `gesture_changing` with the
tentative schedule (the preview draws it live); on release it makes ONE edit through
`designer.ui.edits`, so a gesture is one undo step. Escape or a right-click cancels.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeyEvent, QMouseEvent, QPainter
from PySide6.QtWidgets import QApplication, QMenu, QSizePolicy, QToolTip, QWidget

from designer.core.catalog import SCHEDULERS
from designer.core.model import CONTINUE, RESTART, Schedule
from designer.ui import edits
from designer.ui.document import Document
from designer.ui.timeline_geometry import (
    XMapping,
    fit_mapping,
    format_count,
    move_target,
    phase_label,
    phase_tooltip,
    slot_at,
    snap_steps,
)
from designer.ui.timeline_paint import PaintState, TimelinePainter

MARGIN_X = 8.0  # free pixels each side when the timeline fits the schedule itself
PAD_Y = 6.0
EDGE_PX = 5.0  # how close to a block's right edge the pointer grabs the edge, not the body


@dataclass
class _Gesture:
    """One move or resize in progress. `mapping` is frozen at the press so the preview
    re-ranging its axis during the drag cannot feed back into the length being dragged."""

    kind: str  # "move" | "resize"
    index: int
    grab_offset: float  # pointer x minus the grabbed block's left (move) or right (resize) edge
    mapping: XMapping
    x: float = 0.0
    slot: int = -1
    tentative: Schedule | None = None
    emitted: bool = False


class Timeline(QWidget):
    """Phase blocks laid out along the step axis of the preview.

    Signals
    -------
    gesture_changing(Schedule) : a move or resize is in progress; the schedule it would give.
    gesture_finished() : the gesture ended (after its one edit, or cancelled with no edit).
    """

    gesture_changing = Signal(object)
    gesture_finished = Signal()

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.setAccessibleName("Timeline")
        self.setFocusPolicy(Qt.StrongFocus)
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.setMinimumHeight(64)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        self._document = document
        self._external: XMapping | None = None
        self._frozen_fit: XMapping | None = None
        self._gesture: _Gesture | None = None
        self._pending: tuple[int, QPointF] | None = None  # pressed on a body, not dragged yet
        self._hover_edge = -1
        self._hover_block = -1
        self._drop: tuple[int, str] | None = None  # (slot, scheduler) of a palette drag
        self._warnings: dict[int, list[str]] = {}  # phase index -> design advice
        self._swallow_menu = False
        self._painter = TimelinePainter(self)
        document.changed.connect(self._on_changed)
        document.selection_changed.connect(self._on_selection_changed)
        self._update_description()

    # ------------------------------------------------------------ public API

    @property
    def document(self) -> Document:
        return self._document

    def set_x_mapping(self, x_min: float, x_max: float, left_px: float, right_px: float) -> None:
        """Let the preview plot place steps: x maps to left_px + (x - x_min) * scale."""
        mapping = XMapping(float(x_min), float(x_max), float(left_px), float(right_px))
        if mapping != self._external and x_max != x_min:
            self._external = mapping
            self.update()

    def clear_x_mapping(self) -> None:
        """Go back to fitting the whole schedule into the widget."""
        self._external = None
        self.update()

    def x_mapping(self) -> XMapping:
        if self._external is not None:
            return self._external
        if self._frozen_fit is not None:
            return self._frozen_fit
        return fit_mapping(self._shown_schedule().total_steps, self.width(), MARGIN_X)

    def x_of(self, step: float) -> float:
        return self.x_mapping().x_of(step)

    def step_at(self, x_px: float) -> float:
        return self.x_mapping().step_at(x_px)

    def block_rect(self, index: int) -> QRectF:
        """Where phase `index` is drawn (of the schedule shown, tentative while resizing)."""
        schedule = self._shown_schedule()
        start = schedule.phase_starts()[index]
        left = self.x_of(start)
        right = self.x_of(start + schedule.phases[index].steps)
        return QRectF(left, PAD_Y, right - left, self.height() - 2 * PAD_Y)

    def block_at(self, x_px: float) -> int:
        """The phase under `x_px`, or -1."""
        for index in range(len(self._shown_schedule().phases)):
            rect = self.block_rect(index)
            if rect.left() <= x_px < rect.right():
                return index
        return -1

    def edge_at(self, x_px: float) -> int:
        """The phase whose right edge is within grabbing distance of `x_px`, or -1."""
        best, best_distance = -1, EDGE_PX
        for index in range(len(self._document.schedule.phases)):
            distance = abs(self.block_rect(index).right() - x_px)
            if distance <= best_distance:
                best, best_distance = index, distance
        return best

    def drop_index_at(self, x_px: float) -> int:
        """The index a phase dropped at `x_px` gets: the gap between blocks nearest to it."""
        count = len(self._document.schedule.phases)
        return slot_at(x_px, [self.block_rect(i).center().x() for i in range(count)])

    def context_menu_for(self, index: int, step: float) -> QMenu:
        """The menu for block `index`, right-clicked at global step `step`."""
        document = self._document
        phase = document.schedule.phases[index]
        at = round(step) - document.schedule.phase_starts()[index]
        menu = QMenu(self)
        menu.addAction("Duplicate", lambda: edits.duplicate_phase(document, index))
        delete = menu.addAction("Delete", lambda: edits.delete_phase(document, index))
        delete.setShortcut(Qt.Key_Delete)
        split = menu.addAction(f"Split here ({format_count(at)} + "
                               f"{format_count(phase.steps - at)})" if 0 < at < phase.steps
                               else "Split here",
                               lambda: edits.split_phase(document, index, at))
        split.setEnabled(0 < at < phase.steps)
        menu.addSeparator()
        group = QActionGroup(menu)
        for mode, text in ((RESTART, "Start: Restart from base lr"),
                           (CONTINUE, "Start: Continue from previous lr")):
            action = QAction(text, menu, checkable=True, checked=phase.start == mode)
            action.triggered.connect(lambda _=False, m=mode: edits.set_start(document, index, m))
            group.addAction(action)
            menu.addAction(action)
        if not isinstance(phase.start, str):
            explicit = QAction(f"Start: lr {phase.start:g} (set in the inspector)", menu,
                               checkable=True, checked=True, enabled=False)
            group.addAction(explicit)
            menu.addAction(explicit)
        return menu

    def is_gesture_active(self) -> bool:
        return self._gesture is not None

    def cancel_gesture(self) -> None:
        """Abandon a move or resize in progress: nothing is edited."""
        gesture, self._gesture, self._pending = self._gesture, None, None
        self._frozen_fit = None
        if gesture is None:
            return
        self.unsetCursor()
        self.update()
        if gesture.emitted:
            self.gesture_changing.emit(self._document.schedule)
            self.gesture_finished.emit()

    def sizeHint(self) -> QSize:  # Qt's name
        return QSize(480, 80)

    def minimumSizeHint(self) -> QSize:  # Qt's name
        return QSize(120, 64)

    # ------------------------------------------------------------ document

    def _shown_schedule(self) -> Schedule:
        gesture = self._gesture
        if gesture is not None and gesture.kind == "resize" and gesture.tentative is not None:
            return gesture.tentative
        return self._document.schedule

    def _on_changed(self) -> None:
        # An undo or an open mid-drag would leave the gesture pointing at other phases.
        self.cancel_gesture()
        self._update_description()
        self.update()

    def _on_selection_changed(self, _index: int) -> None:
        self.update()

    def _update_description(self) -> None:
        schedule = self._document.schedule
        if not schedule.phases:
            self.setAccessibleDescription("Empty: drag a scheduler here from the palette")
            return
        labels = [f"{phase_label(p)}, {p.steps} steps" for p in schedule.phases]
        self.setAccessibleDescription(f"{len(labels)} phases: " + "; ".join(labels))

    # ------------------------------------------------------------ painting

    def paintEvent(self, event) -> None:  # Qt's name
        painter = QPainter(self)
        try:
            self._painter.paint(painter)
        finally:
            painter.end()

    def paint_state(self) -> PaintState:
        """What to draw besides the schedule: hover, the gesture's ghost, a palette drop."""
        gesture = self._gesture
        return PaintState(self._shown_schedule(), self._document.selected,
                          -1 if gesture else self._hover_edge,
                          -1 if gesture else self._hover_block, gesture, self._drop,
                          frozenset(self._warnings))

    def set_phase_warnings(self, warnings: dict[int, list[str]]) -> None:
        """Mark phases that have design advice; their tooltips list it."""
        if warnings != self._warnings:
            self._warnings = {i: list(m) for i, m in warnings.items()}
            self.update()

    def phase_warnings(self) -> dict[int, list[str]]:
        return {i: list(m) for i, m in self._warnings.items()}

    # ------------------------------------------------------------ mouse

    def mousePressEvent(self, event: QMouseEvent) -> None:  # Qt's name
        x = event.position().x()
        if event.button() == Qt.RightButton and (self._gesture or self._pending):
            self._swallow_menu = self._gesture is not None
            self.cancel_gesture()
            event.accept()
            return
        if event.button() != Qt.LeftButton or self._gesture is not None:
            super().mousePressEvent(event)
            return
        self._swallow_menu = False
        mapping = self.x_mapping()
        edge = self.edge_at(x)
        if edge >= 0:
            self._document.select(edge)
            self._frozen_fit = None if self._external else mapping
            self._gesture = _Gesture("resize", edge, x - self.block_rect(edge).right(), mapping,
                                     x=x)
            self.setCursor(Qt.SizeHorCursor)
            self.update()
            return
        index = self.block_at(x)
        self._document.select(index)
        if index >= 0:
            self._pending = (index, event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # Qt's name
        x = event.position().x()
        if self._pending is not None and event.buttons() & Qt.LeftButton:
            index, pressed = self._pending
            if (event.position() - pressed).manhattanLength() >= QApplication.startDragDistance():
                self._pending = None
                self._frozen_fit = None if self._external else self.x_mapping()
                self._gesture = _Gesture("move", index,
                                         pressed.x() - self.block_rect(index).left(),
                                         self.x_mapping(), x=x)
                self.setCursor(Qt.ClosedHandCursor)
        if self._gesture is None:
            self._update_hover(x)
        else:
            self._track(self._gesture, x, bool(event.modifiers() & Qt.ShiftModifier))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # Qt's name
        if event.button() != Qt.LeftButton:
            super().mouseReleaseEvent(event)
            return
        self._pending = None
        if self._gesture is not None:  # where the button comes up is where the gesture ends
            self._track(self._gesture, event.position().x(),
                        bool(event.modifiers() & Qt.ShiftModifier))
        gesture, self._gesture = self._gesture, None
        self._frozen_fit = None
        if gesture is None:
            return
        if gesture.kind == "resize":
            steps = gesture.tentative.phases[gesture.index].steps if gesture.tentative else None
            if steps is not None:
                edits.resize_phase(self._document, gesture.index, steps)
        elif gesture.slot >= 0:
            edits.move_phase(self._document, gesture.index,
                             move_target(gesture.index, gesture.slot))
        self._update_hover(event.position().x())
        self.update()
        if gesture.emitted:
            self.gesture_finished.emit()

    def leaveEvent(self, event) -> None:  # Qt's name
        if self._gesture is None:
            self._hover_edge = self._hover_block = -1
            self.unsetCursor()
            self.update()
        super().leaveEvent(event)

    def focusOutEvent(self, event) -> None:  # Qt's name
        # Another window taking over mid-drag would leave a gesture with no release.
        if event.reason() != Qt.PopupFocusReason:
            self.cancel_gesture()
        super().focusOutEvent(event)

    def _update_hover(self, x: float) -> None:
        edge = self.edge_at(x)
        block = -1 if edge >= 0 else self.block_at(x)
        if (edge, block) != (self._hover_edge, self._hover_block):
            self._hover_edge, self._hover_block = edge, block
            self.update()
        if edge >= 0:
            self.setCursor(Qt.SizeHorCursor)
        else:
            self.unsetCursor()

    def _track(self, gesture: _Gesture, x: float, free: bool) -> None:
        gesture.x = x
        if gesture.kind == "resize":
            self._drag_edge(gesture, x, free)
        else:
            self._drag_block(gesture, x)
        self.update()

    def _drag_edge(self, gesture: _Gesture, x: float, free: bool) -> None:
        schedule = self._document.schedule
        start = schedule.phase_starts()[gesture.index]
        raw_end = gesture.mapping.step_at(x - gesture.grab_offset)
        if free:
            steps = max(1, round(raw_end - start))
        else:
            per_epoch = schedule.steps_per_epoch if schedule.interval == "step" else None
            steps = snap_steps(start, raw_end, gesture.mapping.px_per_step, per_epoch)
        self._emit_tentative(gesture, schedule.resize_phase(gesture.index, steps))

    def _drag_block(self, gesture: _Gesture, x: float) -> None:
        gesture.slot = self.drop_index_at(x)
        schedule = self._document.schedule
        target = move_target(gesture.index, gesture.slot)
        self._emit_tentative(gesture, schedule.move_phase(gesture.index, target))

    def _emit_tentative(self, gesture: _Gesture, tentative: Schedule) -> None:
        # Only a different schedule is worth a torch re-run in the preview.
        if tentative != gesture.tentative:
            gesture.tentative = tentative
            gesture.emitted = True
            self.gesture_changing.emit(tentative)

    def contextMenuEvent(self, event) -> None:  # Qt's name
        if self._swallow_menu or self._gesture is not None:
            self._swallow_menu = False
            return
        index = self.block_at(event.pos().x())
        if index < 0:
            return
        self._document.select(index)
        menu = self.context_menu_for(index, self.step_at(event.pos().x()))
        menu.exec(event.globalPos())
        menu.deleteLater()

    # ------------------------------------------------------------ keyboard

    def event(self, event: QEvent) -> bool:  # Qt's name
        if event.type() == QEvent.ShortcutOverride and self._owns_key(event):
            # Keep window-wide shortcuts from stealing Escape mid-drag or Delete on a block.
            event.accept()
            return True
        if event.type() == QEvent.ToolTip:
            index = -1 if self._gesture else self.block_at(event.pos().x())
            if index >= 0:
                text = phase_tooltip(self._document.schedule, index)
                for message in self._warnings.get(index, []):
                    text += "\n⚠ " + message
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def _owns_key(self, event: QKeyEvent) -> bool:
        if event.key() == Qt.Key_Escape:
            return self._gesture is not None or self._pending is not None
        return (event.key() in (Qt.Key_Delete, Qt.Key_Backspace)
                and event.modifiers() == Qt.NoModifier and self._document.selected >= 0)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt's name
        key, document = event.key(), self._document
        count, selected = len(document.schedule.phases), document.selected
        if key == Qt.Key_Escape and (self._gesture or self._pending):
            self.cancel_gesture()
        elif self._gesture is not None:
            event.accept()  # no edits under a gesture in progress
        elif key in (Qt.Key_Delete, Qt.Key_Backspace) and selected >= 0:
            edits.delete_phase(document, selected)
        elif key in (Qt.Key_Left, Qt.Key_Right) and count:
            step = -1 if key == Qt.Key_Left else 1
            if event.modifiers() & Qt.AltModifier and selected >= 0:
                if 0 <= selected + step < count:
                    edits.move_phase(document, selected, selected + step)
            else:
                document.select(max(0, min(count - 1, selected + step if selected >= 0 else 0)))
        elif key in (Qt.Key_Home, Qt.Key_End) and count:
            document.select(0 if key == Qt.Key_Home else count - 1)
        else:
            super().keyPressEvent(event)

    # ------------------------------------------------------------ palette drops

    def _dropped_scheduler(self, event) -> str | None:
        mime = event.mimeData()
        if not mime.hasFormat(edits.SCHEDULER_MIME):
            return None
        name = bytes(mime.data(edits.SCHEDULER_MIME)).decode("utf-8", "replace").strip()
        return name if name in SCHEDULERS else None

    def dragEnterEvent(self, event) -> None:  # Qt's name
        self.dragMoveEvent(event)

    def dragMoveEvent(self, event) -> None:  # Qt's name
        name = self._dropped_scheduler(event)
        if name is None or self._gesture is not None:
            event.ignore()
            return
        event.acceptProposedAction()
        drop = (self.drop_index_at(event.position().x()), name)
        if drop != self._drop:
            self._drop = drop
            self.update()

    def dragLeaveEvent(self, event) -> None:  # Qt's name
        self._drop = None
        self.update()

    def dropEvent(self, event) -> None:  # Qt's name
        name = self._dropped_scheduler(event)
        self._drop = None
        self.update()
        if name is None:
            event.ignore()
            return
        event.acceptProposedAction()
        edits.insert_scheduler(self._document, name, self.drop_index_at(event.position().x()))
        self.setFocus(Qt.OtherFocusReason)
