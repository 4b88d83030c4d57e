"""Small curve pictures: the palette's icons and the presets gallery's thumbnails.

The curve is drawn from 0 to its peak (so a factor-0.5 ConstantLR looks like half, not like
a cliff), and long curves are reduced to their per-pixel min/max first.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPixmap


def curve_path(lrs: np.ndarray, rect: QRectF, peak: float) -> QPainterPath:
    """The curve scaled into `rect` (0 at the bottom, `peak` at the top). Long curves are
    reduced to each pixel column's first, highest, lowest and last value, so a 1M-step
    staircase keeps every drop and the path stays a few thousand points."""
    count = len(lrs)
    columns = max(1, int(rect.width()))
    if count > 4 * columns:
        edges = np.linspace(0, count, columns + 1).astype(np.int64)[:-1]
        ends = np.append(edges[1:], count) - 1
        values = np.stack([lrs[edges], np.maximum.reduceat(lrs, edges),
                           np.minimum.reduceat(lrs, edges), lrs[ends]], axis=1).ravel()
        steps = np.repeat(edges + (ends - edges) / 2.0, 4)
    else:
        values, steps = lrs, np.arange(count, dtype=np.float64)
    xs = rect.left() + rect.width() * steps / max(1, count - 1)
    ys = rect.bottom() - rect.height() * values / (peak or 1.0)
    path = QPainterPath(QPointF(xs[0], ys[0]))
    for x, y in zip(xs[1:].tolist(), ys[1:].tolist()):
        path.lineTo(x, y)
    return path


def draw_curve(painter: QPainter, rect: QRectF, lrs: np.ndarray, color: QColor,
               peak: float, fill_alpha: int = 48, width: float = 1.4) -> None:
    line = curve_path(lrs, rect, peak)
    area = QPainterPath(line)
    area.lineTo(rect.right(), rect.bottom())
    area.lineTo(rect.left(), rect.bottom())
    area.closeSubpath()
    fill = QColor(color)
    fill.setAlpha(fill_alpha)
    painter.fillPath(area, fill)
    painter.setPen(QPen(color, width, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
    painter.setBrush(Qt.NoBrush)
    painter.drawPath(line)


def thumbnail_pixmap(lrs: np.ndarray | None, color: QColor, ratio: float,
                     size: QSize) -> QPixmap:
    """A list icon of `size`: the curve from 0 to its peak, in a faint rounded frame, or the
    empty frame while the curve is computed. Rendered at the device pixel `ratio`."""
    pixmap = QPixmap(size * ratio)
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.Antialiasing)
    frame = QColor(color)
    frame.setAlpha(22)
    painter.setPen(Qt.NoPen)
    painter.setBrush(frame)
    painter.drawRoundedRect(QRectF(0.5, 0.5, size.width() - 1, size.height() - 1),
                            4, 4)
    if lrs is not None and len(lrs):
        inner = QRectF(4, 5, size.width() - 8, size.height() - 9)
        draw_curve(painter, inner, lrs, color, float(lrs.max()))
    painter.end()
    return pixmap
