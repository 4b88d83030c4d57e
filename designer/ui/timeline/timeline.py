"""The timeline: the schedule's phases as blocks you select, reorder, resize and drop onto.

Gestures follow pyqtgraph's changing/finished pattern and Olive's ghosts: while the mouse
moves, the view only shows where things would land and emits `gesture_changing` with the
tentative schedule (the preview draws it live); on release it makes ONE edit, so a gesture
is one undo step. Escape or a right-click cancels. `drag.BlockDrag` holds the gesture.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QKeyEvent, QMouseEvent, QPainter
from PySide6.QtWidgets import QMenu, QSizePolicy, QToolTip, QWidget

from designer.core.schedule import edits, member_edits
from designer.core.schedule.model import Schedule
from designer.ui.document import Document
from designer.ui.timeline.actions import (
    DELETE_KEYS,
    dropped_scheduler,
    find_key,
    phase_menu,
    tooltip_html,
)
from designer.ui.timeline.drag import BlockDrag
from designer.ui.timeline.empty import PresetPrompt
from designer.ui.timeline.geometry import (
    XMapping,
    accessible_description,
    fit_mapping,
)
from designer.ui.timeline.layout import BlockLayout
from designer.ui.timeline.paint import PaintState, TimelinePainter

MARGIN_X = 8.0  # free pixels each side when the timeline fits the schedule itself


class Timeline(QWidget):
    """Phase blocks laid out along the step axis of the preview.

    Signals
    -------
    gesture_changing(Schedule) : a move or resize is in progress; the schedule it would give.
    gesture_finished() : the gesture ended (after its one edit, or cancelled with no edit).
    preset_requested() : the empty timeline's "New from preset…" was clicked.
    """

    gesture_changing = Signal(object)
    gesture_finished = Signal()
    preset_requested = Signal()

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
        self._drag = BlockDrag(self)
        self._hover_edge = -1
        self._hover_block = -1
        self._drop: tuple[int, str] | None = None  # (slot, scheduler) of a palette drag
        self._chain_drop: tuple[int, str] | None = None  # (phase, scheduler): Shift held
        self._warnings: dict[int, list[str]] = {}  # phase index -> design advice
        self._layout: BlockLayout | None = None
        self._painter = TimelinePainter(self)
        self.preset_prompt = PresetPrompt(self)
        self.preset_prompt.clicked.connect(self.preset_requested)
        document.changed.connect(self._on_changed)
        document.selection_changed.connect(self._on_selection_changed)
        self._on_changed()

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

    def has_external_mapping(self) -> bool:
        """Whether the preview plot places the steps (else the timeline fits the schedule)."""
        return self._external is not None

    def clear_x_mapping(self) -> None:
        """Go back to fitting the whole schedule into the widget."""
        self._external = None
        self.update()

    def x_mapping(self) -> XMapping:
        if self._external is not None:
            return self._external
        if self._drag.frozen_fit is not None:
            return self._drag.frozen_fit
        return fit_mapping(self._shown_schedule().total_steps, self.width(), MARGIN_X)

    def x_of(self, step: float) -> float:
        return self.x_mapping().x_of(step)

    def step_at(self, x_px: float) -> float:
        return self.x_mapping().step_at(x_px)

    def layout(self) -> BlockLayout:
        """Where the blocks of the schedule shown are (tentative while resizing)."""
        schedule, mapping, height = self._shown_schedule(), self.x_mapping(), self.height()
        # Painting asks for every block many times; the layout changes only with these.
        if self._layout is None or not self._layout.fits(schedule, mapping, height):
            self._layout = BlockLayout(schedule, mapping, height)
        return self._layout

    def block_rect(self, index: int) -> QRectF:
        """Where phase `index` is drawn: at its steps on the x mapping, widened to
        MIN_BLOCK_PX when that is narrower."""
        return self.layout().rect(index)

    def block_at(self, x_px: float) -> int:
        return self.layout().block_at(x_px)

    def edge_at(self, x_px: float) -> int:
        return self.layout().edge_at(x_px)

    def member_at(self, index: int, y_px: float) -> int:
        """The member of chained phase `index` whose band is at `y_px` (-1: none)."""
        return self.layout().member_at(index, y_px) if index >= 0 else -1

    def drop_index_at(self, x_px: float) -> int:
        return self.layout().slot_at(x_px)

    def context_menu_for(self, index: int, step: float) -> QMenu:
        """The menu for block `index`, right-clicked at global step `step`."""
        at = round(step) - self._document.schedule.phase_starts()[index]
        member = self._document.selected_member if index == self._document.selected else -1
        return phase_menu(self, self._document, index, at, member)

    def is_gesture_active(self) -> bool:
        return self._drag.gesture is not None

    def cancel_gesture(self) -> None:
        """Abandon a move or resize in progress: nothing is edited."""
        self._drag.cancel()

    def sizeHint(self) -> QSize:  # Qt's name
        return QSize(480, 80)

    def minimumSizeHint(self) -> QSize:  # Qt's name
        return QSize(120, 64)

    # ------------------------------------------------------------ document

    def _shown_schedule(self) -> Schedule:
        gesture = self._drag.gesture
        if gesture is not None and gesture.kind == "resize" and gesture.tentative is not None:
            return gesture.tentative
        return self._document.schedule

    def _on_changed(self) -> None:
        # An undo or an open mid-drag would leave the gesture pointing at other phases.
        self.cancel_gesture()
        self.setAccessibleDescription(accessible_description(self._document.schedule))
        self._set_drop(None)

    def _on_selection_changed(self, _index: int) -> None:
        self.update()

    def _set_drop(self, drop: tuple[int, str] | None,
                  chain: tuple[int, str] | None = None) -> None:
        """Show where a palette drag would land: a gap (`drop`: slot, scheduler) or, with
        Shift held, a block it would join (`chain`: phase, scheduler); None: no drag."""
        self._drop, self._chain_drop = drop, chain
        self.preset_prompt.place(not self._document.schedule.phases and drop is None)
        self.update()

    def resizeEvent(self, event) -> None:  # Qt's name
        super().resizeEvent(event)
        self._set_drop(self._drop, self._chain_drop)

    # ------------------------------------------------------------ painting

    def paintEvent(self, event) -> None:  # Qt's name
        painter = QPainter(self)
        try:
            self._painter.paint(painter)
        finally:
            painter.end()

    def paint_state(self) -> PaintState:
        """What to draw besides the schedule: hover, the gesture's ghost, a palette drop."""
        gesture = self._drag.gesture
        return PaintState(self._shown_schedule(), self._document.selected,
                          -1 if gesture else self._hover_edge,
                          -1 if gesture else self._hover_block, gesture, self._drop,
                          frozenset(self._warnings), self._document.selected_member,
                          self._chain_drop)

    def set_phase_warnings(self, warnings: dict[int, list[str]]) -> None:
        """Mark phases that have design advice; their tooltips list it."""
        if warnings != self._warnings:
            self._warnings = {i: list(m) for i, m in warnings.items()}
            self.update()

    def phase_warnings(self) -> dict[int, list[str]]:
        return {i: list(m) for i, m in self._warnings.items()}

    # ------------------------------------------------------------ mouse

    def mousePressEvent(self, event: QMouseEvent) -> None:  # Qt's name
        if not self._drag.press(event):
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # Qt's name
        if not self._drag.move(event):
            self._update_hover(event.position().x())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # Qt's name
        if event.button() != Qt.LeftButton:
            super().mouseReleaseEvent(event)
            return
        gesture = self._drag.release(event)
        if gesture is None:
            return
        self._update_hover(event.position().x())
        self.update()
        if gesture.emitted:
            self.gesture_finished.emit()

    def leaveEvent(self, event) -> None:  # Qt's name
        if self._drag.gesture is None:
            self._hover_edge = self._hover_block = -1
            self.unsetCursor()
            self.update()
        super().leaveEvent(event)

    def focusInEvent(self, event) -> None:  # Qt's name
        self.update()  # the focus frame
        super().focusInEvent(event)

    def focusOutEvent(self, event) -> None:  # Qt's name
        # Another window taking over mid-drag would leave a gesture with no release.
        if event.reason() != Qt.PopupFocusReason:
            self.cancel_gesture()
        self.update()
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

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # Qt's name
        if self._drag.swallow_menu or self._drag.gesture is not None:
            self._drag.swallow_menu = False
            return
        if event.reason() == QContextMenuEvent.Keyboard:
            self.open_phase_menu()
            return
        index = self.block_at(event.pos().x())
        if index >= 0:
            self._document.select(index, self.member_at(index, event.pos().y()))
            self._exec_menu(index, event.pos().x())

    def open_phase_menu(self) -> None:
        """The selected phase's context menu, under the middle of its block (the keyboard's
        way to the menu)."""
        index = self._document.selected
        if index >= 0 and self._drag.gesture is None:
            self._exec_menu(index, self.block_rect(index).center().x())

    def _exec_menu(self, index: int, x: float) -> None:
        # The step under the pointer as the block is drawn: on a widened block the plot's
        # scale would put it outside the phase.
        menu = self.context_menu_for(index, self.layout().step_in_block(index, x))
        menu.exec(self.mapToGlobal(QPointF(x, self.height() / 2).toPoint()))
        menu.deleteLater()

    # ------------------------------------------------------------ keyboard

    def event(self, event: QEvent) -> bool:  # Qt's name
        if event.type() == QEvent.ShortcutOverride and self._owns_key(event):
            # Keep window-wide shortcuts from stealing Escape mid-drag or Delete on a block.
            event.accept()
            return True
        if event.type() == QEvent.ToolTip:
            self._show_tooltip(event)
            return True
        return super().event(event)

    def _show_tooltip(self, event) -> None:
        if self._drag.gesture is not None:
            QToolTip.hideText()
            return
        text = tooltip_html(self._document.schedule, self.block_at(event.pos().x()),
                            self._warnings)
        QToolTip.showText(event.globalPos(), text, self)

    def _owns_key(self, event: QKeyEvent) -> bool:
        if event.key() == Qt.Key_Escape:
            return self._drag.armed
        return ((event.key(), event.modifiers()) in DELETE_KEYS
                and self._document.selected >= 0)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt's name
        if event.key() == Qt.Key_Escape and self._drag.armed:
            self.cancel_gesture()
            return
        if self._drag.gesture is not None:
            event.accept()  # no edits under a gesture in progress
            return
        entry, which = find_key(event)
        if entry is None or entry.action is None:
            super().keyPressEvent(event)
        else:
            entry.action(self, which)

    # ------------------------------------------------------------ palette drops

    def dragEnterEvent(self, event) -> None:  # Qt's name
        self.dragMoveEvent(event)

    def dragMoveEvent(self, event) -> None:  # Qt's name
        name = dropped_scheduler(event.mimeData())
        if name is None or self._drag.gesture is not None:
            event.ignore()
            return
        event.acceptProposedAction()
        chain = self._chain_target(event, name)
        drop = None if chain else (self.drop_index_at(event.position().x()), name)
        if (drop, chain) != (self._drop, self._chain_drop):
            self._set_drop(drop, chain)

    def _chain_target(self, event, name: str) -> tuple[int, str] | None:
        """With Shift held over a block that can take `name` as a member: (block, name)."""
        if not event.modifiers() & Qt.ShiftModifier:
            return None
        index = self.block_at(event.position().x())
        if index < 0 or member_edits.chain_with(self._document.schedule, index, name) is None:
            return None
        return index, name

    def dragLeaveEvent(self, event) -> None:  # Qt's name
        self._set_drop(None)

    def dropEvent(self, event) -> None:  # Qt's name
        name = dropped_scheduler(event.mimeData())
        self._set_drop(None)
        if name is None:
            event.ignore()
            return
        event.acceptProposedAction()
        chain = self._chain_target(event, name)
        schedule = self._document.schedule
        if chain is not None:
            index = chain[0]
            self._document.apply(member_edits.chain_with(schedule, index, name))
            self._document.select(index, len(self._document.schedule.phases[index].members) - 1)
        else:
            index = self.drop_index_at(event.position().x())
            self._document.apply(edits.insert_scheduler(schedule, name, index))
        self.setFocus(Qt.OtherFocusReason)
