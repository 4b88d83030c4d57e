"""Drawing a chained phase's block: one band per member, and a Shift+drop onto a block.

A part of `paint.TimelinePainter` (it inherits these methods), kept apart so each module
stays readable: the bands use the painter's colours, fonts and text helpers.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen

from designer.core.schedule.catalog import SCHEDULERS
from designer.core.schedule.model import Phase
from designer.ui import theme
from designer.ui.timeline.geometry import length_text, phase_summary
from designer.ui.timeline.layout import band_rects

RADIUS = 5.0


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """`a` moved a fraction `t` of the way to `b` (opaque, unlike an alpha fill, so text
    contrast does not depend on what lies underneath)."""
    return QColor.fromRgbF(a.redF() + (b.redF() - a.redF()) * t,
                           a.greenF() + (b.greenF() - a.greenF()) * t,
                           a.blueF() + (b.blueF() - a.blueF()) * t)


def with_alpha(color: QColor, alpha: float) -> QColor:
    color = QColor(color)
    color.setAlphaF(alpha)
    return color


class BandPainting:
    """The chained block's drawing, for `TimelinePainter` (which sets `_view`, `_base`,
    `_text`, `_muted`, `_highlight`, `_dark` before painting)."""

    def _paint_bands(self, p: QPainter, r: QRectF, index: int, phase: Phase,
                     state: Any, selected: bool) -> None:
        """A chained block: one band per member, top to bottom, each labelled as a plain
        block of that member would be; the member the inspector edits is marked."""
        hue = theme.color_of(state.schedule, index)
        for number, (band, member) in enumerate(zip(band_rects(r, len(phase.members)),
                                                    phase.member_phases())):
            if number:
                p.setPen(QPen(with_alpha(hue.darker(130) if not self._dark else hue, 0.7), 1.0))
                p.drawLine(QPointF(band.left() + 1, band.top()),
                           QPointF(band.right() - 1, band.top()))
            if selected and number == state.member:
                p.fillRect(band.adjusted(0, 0.5, 0, -0.5),
                           mix(self._base, hue, 0.55 if self._dark else 0.45))
                p.fillRect(QRectF(band.left() + 3, band.top() + 3, 3, band.height() - 6),
                           self._text)
            room = band.width()
            if number == 0 and band.width() > 240:  # the length, as a plain block shows it
                room -= self._paint_band_length(p, band, length_text(state.schedule, phase))
            self._paint_band_label(p, band, index if number == 0 else -1, phase, member,
                                   room)

    def _paint_band_length(self, p: QPainter, band: QRectF, text: str) -> float:
        """`text` right-aligned in `band`, muted; returns the width it takes."""
        _, _, small = self._fonts()
        metrics = QFontMetricsF(small)
        if band.height() < metrics.height():
            return 0.0
        width = metrics.horizontalAdvance(text) + 14
        p.setFont(small)
        p.setPen(self._muted)
        p.drawText(band.adjusted(0, 0, -8, 0), Qt.AlignRight | Qt.AlignVCenter, text)
        return width

    def _paint_band_label(self, p: QPainter, band: QRectF, index: int, phase: Phase,
                          member: Phase, width: float) -> None:
        """One line in the first `width` pixels of a band; the first band also carries the
        phase's start marker."""
        bold, normal, small = self._fonts()
        font = normal if band.height() >= QFontMetricsF(normal).height() else small
        line = QFontMetricsF(font).height()
        if band.height() < line - 3:
            return  # eight members in a short timeline: the tooltip names them
        bold.setPointSizeF(font.pointSizeF())
        x = band.left() + (10.0 if band.width() > 60 else 3.0)
        y = band.top() + (band.height() - line) / 2
        room = band.left() + width - 4 - x
        marker = self._start_marker(phase, index) if index >= 0 else ""
        if marker:
            width = self._paint_marker_glyph(p, QPointF(x, y + line / 2), marker)
            x, room = x + width + 4, room - width - 4
        short = member.spec.short
        self._text_line(p, bold, short, x, y, room, self._text, keep=3)
        gap = QFontMetricsF(bold).horizontalAdvance(short + " ")
        self._text_line(p, font, phase_summary(member), x + gap, y, room - gap,
                        with_alpha(self._text, 0.85))

    def _paint_chain_drop(self, p: QPainter, index: int, name: str) -> None:
        """A Shift+drop onto block `index`: the block outlined, "+ chain Linear" on it."""
        rect = self._view.block_rect(index).adjusted(1.5, -2.5, -1.5, 2.5)
        p.setPen(QPen(self._highlight, 2.0, Qt.DashLine))
        p.setBrush(with_alpha(self._highlight, 0.12))
        p.drawRoundedRect(rect, RADIUS, RADIUS)
        self._paint_pill(p, rect.center().x(), f"+ chain {SCHEDULERS[name].short}",
                         y=rect.bottom() - 24)

