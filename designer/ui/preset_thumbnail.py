"""The presets gallery's pictures: the exact curve of the preset as its knobs are, with its
peak, length and phases marked, and the one-line caption of what it builds."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from designer.core.schedule.model import Schedule
from designer.ui import theme
from designer.ui.inspector.editors import format_float
from designer.ui.thumbnails import draw_curve


def short_source(lr: float) -> str:
    """An lr for a label: 0.0001, not 0.00010000000000000003 (the exact value is in the
    inspector once the design is created)."""
    return format_float(float(f"{lr:.6g}"))


def phase_caption(schedule: Schedule) -> str:
    """"Linear 2,000 → Cosine 98,000 steps · AdamW": what the preset made, in a line."""
    unit = "epochs" if schedule.interval == "epoch" else "steps"
    parts = " → ".join(f"{p.spec.short} {p.steps:,}" for p in schedule.phases)
    return f"{parts} {unit} · {schedule.optimizer.name}"


class CurveThumbnail(QWidget):
    """The selected preset's exact curve, with its peak, length and phases marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("presetCurve")
        self.setAccessibleName("Curve of the preset")
        self.setMinimumSize(240, 120)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self._schedule: Schedule | None = None
        self._lrs: np.ndarray | None = None
        self._pending = False
        self._message = ""

    def schedule(self) -> Schedule | None:
        """The design whose curve is shown (None before the first)."""
        return self._schedule

    def curve(self) -> np.ndarray | None:
        return self._lrs

    def is_pending(self) -> bool:
        return self._pending

    def set_curve(self, schedule: Schedule, lrs: np.ndarray) -> None:
        self._schedule, self._lrs = schedule, np.array(lrs, dtype=np.float64)
        self._pending, self._message = False, ""
        self.update()

    def set_pending(self) -> None:
        self._pending, self._message = True, ""
        self.update()

    def set_invalid(self, note: str) -> None:
        """No curve for the knobs as they are (the dialog says why, in red, underneath)."""
        self._schedule, self._lrs = None, None
        self._pending, self._message = False, note
        self.update()

    def paintEvent(self, event) -> None:  # Qt's name
        palette = self.palette()
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        frame = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QPen(palette.color(QPalette.Mid), 1))
        painter.setBrush(palette.color(QPalette.Base))
        painter.drawRoundedRect(frame, 6, 6)
        small = QFont(self.font())
        small.setPointSizeF(max(7.0, small.pointSizeF() * 0.85))
        painter.setFont(small)
        muted = palette.color(QPalette.PlaceholderText)
        line = painter.fontMetrics().height()
        plot = frame.adjusted(12, 10 + line, -12, -10 - line - 6)
        if self._message:
            self._draw_centered(painter, frame, self._message, muted)
            return
        if self._lrs is None or not len(self._lrs):
            self._draw_centered(painter, frame, "Computing the exact curve…", muted)
            return
        peak = float(self._lrs.max()) or 1.0
        self._draw_phases(painter, plot)
        color = theme.curve_color(palette)
        if self._pending:
            color.setAlpha(110)
        guide = QColor(muted)
        guide.setAlpha(90)
        painter.setPen(QPen(guide, 1, Qt.DashLine))
        painter.drawLine(QPointF(plot.left(), plot.top()), QPointF(plot.right(), plot.top()))
        draw_curve(painter, plot, self._lrs, color, peak, fill_alpha=40, width=1.8)
        painter.setPen(muted)
        unit = "epochs" if self._schedule.interval == "epoch" else "steps"
        text_box = QRectF(plot.left(), frame.top() + 4, plot.width(), line)
        painter.drawText(text_box, Qt.AlignLeft | Qt.AlignVCenter, f"peak {short_source(peak)}")
        if self._pending:
            painter.drawText(text_box, Qt.AlignRight | Qt.AlignVCenter, "updating…")
        bottom = QRectF(plot.left(), plot.bottom() + 6, plot.width(), line)
        painter.drawText(bottom, Qt.AlignLeft | Qt.AlignVCenter, "0")
        painter.drawText(bottom, Qt.AlignRight | Qt.AlignVCenter,
                         f"{len(self._lrs):,} {unit}")
        painter.drawText(bottom, Qt.AlignHCenter | Qt.AlignVCenter,
                         f"final {short_source(float(self._lrs[-1]))}")

    def _draw_phases(self, painter: QPainter, plot: QRectF) -> None:
        """A strip under the plot in the timeline's phase colours, so the blocks the design
        will have are visible before it is created."""
        total = max(1, self._schedule.total_steps)
        for index, (start, phase) in enumerate(zip(self._schedule.phase_starts(),
                                                   self._schedule.phases)):
            left = plot.left() + plot.width() * start / total
            width = plot.width() * phase.steps / total
            color = theme.color_of(self._schedule, index)
            color.setAlpha(200)
            painter.fillRect(QRectF(left, plot.bottom() + 1, width, 3), color)

    @staticmethod
    def _draw_centered(painter: QPainter, rect: QRectF, text: str, color: QColor) -> None:
        painter.setPen(color)
        painter.drawText(rect.adjusted(16, 8, -16, -8), Qt.AlignCenter | Qt.TextWordWrap, text)
