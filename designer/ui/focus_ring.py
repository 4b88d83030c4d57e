"""How our own widgets show keyboard focus: a ring in the palette's highlight colour.

Qt's styles draw focus on their own controls; the timeline and the palette draw theirs with
this, so both look alike and follow dark and light themes.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QPainter, QPalette, QPen

RING_PX = 2.0
RING_RADIUS = 5.0


def paint_focus_ring(painter: QPainter, rect: QRect, palette: QPalette) -> None:
    """Stroke a ring just inside `rect`."""
    painter.save()
    painter.setRenderHint(QPainter.Antialiasing)
    painter.setPen(QPen(palette.color(QPalette.Highlight), RING_PX))
    painter.setBrush(Qt.NoBrush)
    inset = RING_PX / 2
    painter.drawRoundedRect(QRectF(rect).adjusted(inset, inset, -inset, -inset),
                            RING_RADIUS, RING_RADIUS)
    painter.restore()
