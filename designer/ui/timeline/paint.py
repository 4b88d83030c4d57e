"""Drawing the timeline: blocks, labels, start markers, ghosts and insertion markers.

All colours come from the widget's QPalette (text, base, highlight) mixed with the shared
phase hues of `theme`, so the blocks read on dark and light themes alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPalette, QPen

from designer.core.schedule.catalog import SCHEDULERS
from designer.core.schedule.kinds import short_number
from designer.core.schedule.model import CONTINUE, RESTART, Phase, Schedule
from designer.ui import theme
from designer.ui.focus_ring import paint_focus_ring
from designer.ui.timeline.bands import RADIUS, BandPainting, mix, with_alpha
from designer.ui.timeline.geometry import length_text, phase_label, phase_summary

ACCENT_PX = 3.0


@dataclass
class PaintState:
    """What the view shows beyond the document: hover, a gesture in progress, a drop."""

    schedule: Schedule
    selected: int
    hover_edge: int = -1
    hover_block: int = -1
    gesture: Any = None  # gesture.Gesture, during a move or resize
    drop: tuple[int, str] | None = None
    warned: frozenset[int] = frozenset()  # phases with design advice
    member: int = -1  # the selected member of the selected (chained) phase
    chain_drop: tuple[int, str] | None = None  # (phase, scheduler) of a Shift+drop


class TimelinePainter(BandPainting):
    """Paints a `Timeline` from its public geometry and its `paint_state()`."""

    def __init__(self, view) -> None:
        self._view = view

    def paint(self, p: QPainter) -> None:
        view = self._view
        state: PaintState = view.paint_state()
        palette = view.palette()
        self._dark = theme.is_dark(palette)
        self._base = palette.color(QPalette.Base)
        self._text = palette.color(QPalette.Text)
        self._muted = palette.color(QPalette.PlaceholderText)
        self._highlight = palette.color(QPalette.Highlight)
        p.setRenderHint(QPainter.Antialiasing)
        p.setRenderHint(QPainter.TextAntialiasing)
        p.fillRect(view.rect(), self._base)
        if state.schedule.phases:
            self._paint_blocks(p, state)
        else:
            self._paint_empty(p, state)
        if view.hasFocus():  # the keys act on the timeline: say so
            paint_focus_ring(p, view.rect(), palette)

    def _paint_blocks(self, p: QPainter, state: PaintState) -> None:
        view = self._view
        gesture = state.gesture
        moving = gesture.index if gesture is not None and gesture.kind == "move" else -1
        for index, phase in enumerate(state.schedule.phases):
            rect = view.block_rect(index)
            if rect.right() < 0 or rect.left() > view.width():
                continue
            self._paint_block(p, rect, index, phase, state,
                              selected=index == state.selected,
                              hovered=index in (state.hover_block, state.hover_edge),
                              placeholder=index == moving)
        if gesture is not None and gesture.kind == "resize":
            self._paint_grip(p, view.block_rect(gesture.index))
            self._paint_resize_badge(p, state.schedule, gesture.index)
        elif state.hover_edge >= 0:
            self._paint_grip(p, view.block_rect(state.hover_edge))
        if moving >= 0:
            self._paint_move_ghost(p, state, gesture)
        if state.chain_drop is not None:
            self._paint_chain_drop(p, *state.chain_drop)
        if state.drop is not None:
            slot, name = state.drop
            x = self._slot_x(slot, len(state.schedule.phases))
            self._paint_marker(p, x)
            self._paint_pill(p, x, f"+ {SCHEDULERS[name].short}")

    # ------------------------------------------------------------ blocks

    def _paint_block(self, p: QPainter, rect: QRectF, index: int, phase: Phase,
                     state: PaintState, *, selected: bool, hovered: bool,
                     placeholder: bool = False) -> None:
        hue = theme.color_of(state.schedule, index)
        r = rect.adjusted(1.0, 0.0, -1.0, 0.0)  # a hairline gap tells neighbours apart
        if r.width() < 2.0:
            r.setWidth(2.0)  # a 1-step phase must still be visible and clickable
        radius = min(RADIUS, r.width() / 2)
        path = QPainterPath()
        path.addRoundedRect(r, radius, radius)
        strength = ((0.30 if self._dark else 0.20) + 0.06 * hovered
                    + (0.06 if self._dark else 0.12) * selected)
        p.save()
        if placeholder:
            p.setOpacity(0.35)
        p.fillPath(path, mix(self._base, hue, strength))
        p.setClipPath(path)
        p.fillRect(QRectF(r.left(), r.top(), r.width(), ACCENT_PX), hue)
        if phase.is_chained:
            self._paint_bands(p, r, index, phase, state, selected and not placeholder)
        p.setClipping(False)
        border = QPen(hue.lighter(115) if self._dark else hue.darker(115), 1.0)
        if placeholder:
            border.setStyle(Qt.DashLine)
        p.setPen(border)
        p.setBrush(Qt.NoBrush)
        p.drawPath(path)
        if selected and not placeholder:
            ring = QPainterPath()
            ring.addRoundedRect(r.adjusted(1.0, 1.0, -1.0, -1.0), radius - 1, radius - 1)
            p.setPen(QPen(self._text, 2.0))
            p.drawPath(ring)
        if not phase.is_chained:
            self._paint_label(p, r, index, phase, state.schedule)
        if index in state.warned and r.width() >= 18:
            self._paint_warning_badge(p, r)
        p.restore()

    def _paint_warning_badge(self, p: QPainter, r: QRectF) -> None:
        """A small amber triangle in the block's top-right corner: this phase has advice."""
        size = 11.0
        right, top = r.right() - 4.0, r.top() + ACCENT_PX + 4.0
        triangle = QPainterPath()
        triangle.moveTo(right - size / 2, top)
        triangle.lineTo(right, top + size)
        triangle.lineTo(right - size, top + size)
        triangle.closeSubpath()
        p.fillPath(triangle, QColor("#e8a317"))
        p.setPen(QPen(QColor("#1a1a1a"), 1.4))
        p.drawLine(QPointF(right - size / 2, top + 3.5), QPointF(right - size / 2, top + 7.2))
        p.drawPoint(QPointF(right - size / 2, top + 9.0))

    def _paint_label(self, p: QPainter, r: QRectF, index: int, phase: Phase,
                     schedule: Schedule) -> None:
        pad = 7.0 if r.width() > 60 else 3.0
        inner = r.adjusted(pad, ACCENT_PX + 2.0, -pad + 2.0, -2.0)
        if inner.width() < 8:
            return
        p.setClipRect(r.adjusted(1, 1, -1, -1))
        bold, normal, small = self._fonts()
        line = QFontMetricsF(normal).height()
        lines = min(3, int(inner.height() // line))
        # Centre the lines in the block, so short blocks and tall timelines both look set.
        x, y = inner.left(), inner.top() + (inner.height() - lines * line) / 2
        marker = self._start_marker(phase, index)
        room = inner.width()
        if marker:
            width = self._paint_marker_glyph(p, QPointF(x, y + line / 2), marker)
            x += width + 4
            room -= width + 4
        first = phase.spec.short if lines >= 2 else phase_label(phase)
        self._text_line(p, bold, first, x, y, room, self._text, keep=3)
        if lines >= 2:
            self._text_line(p, normal, phase_summary(phase), inner.left(), y + line,
                            inner.width(), with_alpha(self._text, 0.85))
        if lines >= 3:
            length = length_text(schedule, phase)
            if phase.spec.simulated:
                logged = phase.param_value("metric_run")
                length += f" · logged {phase.param_value('metric_tag')}" if logged \
                    else " · simulated metric"
            self._text_line(p, small, length, inner.left(),
                            y + 2 * line + 1, inner.width(), self._muted)

    def _fonts(self) -> tuple[QFont, QFont, QFont]:
        normal = QFont(self._view.font())
        bold = QFont(normal)
        bold.setBold(True)
        small = QFont(normal)
        small.setPointSizeF(max(6.5, normal.pointSizeF() * 0.9))
        return bold, normal, small

    @staticmethod
    def _text_line(p: QPainter, font: QFont, text: str, x: float, y: float, width: float,
                   color: QColor, keep: int = 8) -> None:
        """Draw `text` elided to `width`, or nothing when fewer than `keep` characters
        would survive: "0.0…" for 0.01→1 would say something false."""
        if width < 8 or not text:
            return
        metrics = QFontMetricsF(font)
        shown = metrics.elidedText(text, Qt.ElideRight, width)
        if shown != text and len(shown) - 1 < min(keep, len(text)):
            return
        p.setFont(font)
        p.setPen(color)
        p.drawText(QPointF(x, y + metrics.ascent()), shown)

    @staticmethod
    def _start_marker(phase: Phase, index: int) -> str:
        if phase.start == RESTART:
            return "" if index == 0 else RESTART
        if phase.start == CONTINUE:
            return CONTINUE
        return f"@{short_number(float(phase.start))}"

    def _paint_marker_glyph(self, p: QPainter, center_left: QPointF, marker: str) -> float:
        """Draw the start marker at the left of the first line; return its width."""
        color = with_alpha(self._text, 0.8)
        cx, cy = center_left.x(), center_left.y()
        if marker in (RESTART, CONTINUE):
            pen = QPen(color, 1.4, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin)
            p.setPen(pen)
            p.setBrush(Qt.NoBrush)
            if marker == RESTART:  # a circular arrow: back to the base lr
                box = QRectF(cx + 0.5, cy - 4.5, 9.0, 9.0)
                p.drawArc(box, 100 * 16, 290 * 16)
                tip = QPointF(cx + 5.0, cy - 4.5)
                p.drawPolyline([tip + QPointF(-2.8, -2.2), tip, tip + QPointF(-2.6, 2.4)])
            else:  # a straight arrow: carry on from the previous lr
                p.drawLine(QPointF(cx, cy), QPointF(cx + 10, cy))
                p.drawPolyline([QPointF(cx + 6.5, cy - 3.5), QPointF(cx + 10, cy),
                                QPointF(cx + 6.5, cy + 3.5)])
            return 11.0
        _, _, small = self._fonts()
        metrics = QFontMetricsF(small)
        box = QRectF(cx, cy - metrics.height() / 2, metrics.horizontalAdvance(marker) + 8,
                     metrics.height())
        p.setPen(Qt.NoPen)
        p.setBrush(with_alpha(self._text, 0.14))
        p.drawRoundedRect(box, 3, 3)
        p.setFont(small)
        p.setPen(self._text)
        p.drawText(box, Qt.AlignCenter, marker)
        return box.width()

    # ------------------------------------------------------------ gestures

    def _paint_grip(self, p: QPainter, rect: QRectF) -> None:
        height = max(10.0, rect.height() * 0.42)
        grip = QRectF(rect.right() - 5.0, rect.center().y() - height / 2, 3.0, height)
        p.setPen(Qt.NoPen)
        p.setBrush(with_alpha(self._text, 0.75))
        p.drawRoundedRect(grip, 1.5, 1.5)

    def _paint_resize_badge(self, p: QPainter, schedule: Schedule, index: int) -> None:
        """The new length, right-aligned inside the block, over its (same) length line."""
        rect = self._view.block_rect(index)
        _, _, small = self._fonts()
        height = QFontMetricsF(small).height() + 4
        self._paint_pill(p, rect.right() - 9, length_text(schedule, schedule.phases[index]),
                         y=rect.bottom() - height - 3, align_right=True)

    def _paint_move_ghost(self, p: QPainter, state: PaintState, gesture: Any) -> None:
        source = self._view.block_rect(gesture.index)
        left = gesture.x - gesture.grab_offset
        ghost = QRectF(left, source.top() - 2, source.width(), source.height())
        p.save()
        shadow = QPainterPath()
        shadow.addRoundedRect(ghost.adjusted(2, 3, 2, 3), RADIUS, RADIUS)
        p.fillPath(shadow, QColor(0, 0, 0, 60))
        p.setOpacity(0.88)
        self._paint_block(p, ghost, gesture.index, state.schedule.phases[gesture.index],
                          state, selected=True, hovered=True)
        p.restore()
        if gesture.slot >= 0 and gesture.slot not in (gesture.index, gesture.index + 1):
            self._paint_marker(p, self._slot_x(gesture.slot, len(state.schedule.phases)))

    def _slot_x(self, slot: int, count: int) -> float:
        if count == 0:
            return self._view.width() / 2
        if slot >= count:
            return self._view.block_rect(count - 1).right()
        return self._view.block_rect(slot).left()

    def _paint_marker(self, p: QPainter, x: float) -> None:
        """The insertion marker: a bar with a notch top and bottom, in the highlight colour."""
        height = self._view.height()
        p.setPen(Qt.NoPen)
        p.setBrush(self._highlight)
        p.drawRoundedRect(QRectF(x - 1.5, 2.0, 3.0, height - 4.0), 1.5, 1.5)
        for y, direction in ((2.0, 1), (height - 2.0, -1)):
            p.drawPolygon([QPointF(x - 5, y), QPointF(x + 5, y), QPointF(x, y + 5 * direction)])

    def _paint_pill(self, p: QPainter, x: float, text: str, y: float | None = None,
                    align_right: bool = False) -> None:
        """A badge in the highlight colour, centred on (or ending at) `x`, kept on screen."""
        _, _, small = self._fonts()
        metrics = QFontMetricsF(small)
        width, height = metrics.horizontalAdvance(text) + 12, metrics.height() + 4
        left = x - width if align_right else x - width / 2
        left = min(max(2.0, left), self._view.width() - width - 2)
        top = 10.0 if y is None else y
        box = QRectF(left, top, width, height)
        p.setPen(Qt.NoPen)
        p.setBrush(self._highlight)
        p.drawRoundedRect(box, height / 2, height / 2)
        p.setFont(small)
        p.setPen(self._view.palette().color(QPalette.HighlightedText))
        p.drawText(box, Qt.AlignCenter, text)

    def _paint_empty(self, p: QPainter, state: PaintState) -> None:
        area = QRectF(self._view.rect()).adjusted(6.5, 6.5, -6.5, -6.5)
        dropping = state.drop is not None
        pen = QPen(self._highlight if dropping else with_alpha(self._muted, 0.6), 1.2,
                   Qt.DashLine)
        p.setPen(pen)
        p.setBrush(with_alpha(self._highlight, 0.10) if dropping else Qt.NoBrush)
        p.drawRoundedRect(area, RADIUS, RADIUS)
        prompt = self._view.preset_prompt
        if dropping:
            text, box, align = f"Drop to add {state.drop[1]}", area, Qt.AlignCenter
        else:  # beside the "New from preset…" button when it shows
            text, box = prompt.hint_text(), prompt.hint_rect(area)
            align = Qt.AlignRight | Qt.AlignVCenter if prompt.isVisible() else Qt.AlignCenter
        p.setFont(self._view.font())
        p.setPen(self._text if dropping else self._muted)
        metrics = QFontMetricsF(self._view.font())
        p.drawText(box, align, metrics.elidedText(text, Qt.ElideRight, box.width()))
