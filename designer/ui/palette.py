"""The scheduler palette: one draggable entry per catalog scheduler, with its curve as icon.

Each icon is the curve real torch produced for a small representative phase, so the palette
shows what a scheduler does rather than a designer's idea of it. The window never steps torch
for them: the curves were stepped once, when `designer/resources/palette.json` was generated
(`python -m designer.core.curves.palette_data`), and are read from there. Pixmaps are cached
per colour and device pixel ratio, so themes and high-DPI screens get crisp icons.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QByteArray, QEvent, QMimeData, QPoint, QSize, Qt, Signal
from PySide6.QtGui import QColor, QDrag, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem, QWidget

from designer.core.curves.palette_data import THUMBNAIL_STEPS, torch_summary, typical_curve
from designer.core.schedule.catalog import SCHEDULERS
from designer.ui import theme
from designer.ui.focus_ring import paint_focus_ring
from designer.ui.thumbnails import thumbnail_pixmap

ICON_SIZE = QSize(48, 28)
# What a palette drag carries: the scheduler's name. The timeline accepts only this type.
SCHEDULER_MIME = "application/x-lr-designer-scheduler"
ICON_STEPS = THUMBNAIL_STEPS


def tooltip_html(name: str) -> str:
    """The palette tooltip: what the designer says, then what torch's documentation says."""
    spec = SCHEDULERS[name]
    parts = [f"<b>{html.escape(name)}</b>", f"<p>{html.escape(spec.doc)}</p>"]
    summary = torch_summary(name)
    if summary:
        parts.append(f"<p><i>torch:</i> {html.escape(summary)}</p>")
    parts.append("<p><small>Drag onto the timeline, or double-click to append.</small></p>")
    return "<qt>" + "".join(parts) + "</qt>"


_PIXMAPS: dict[tuple[str, float, int], QPixmap] = {}


def curve_pixmap(name: str, color: QColor, device_pixel_ratio: float = 1.0) -> QPixmap:
    """The scheduler's typical curve drawn into an ICON_SIZE pixmap at the given ratio."""
    key = (name, device_pixel_ratio, color.rgba())
    if key not in _PIXMAPS:
        _PIXMAPS[key] = thumbnail_pixmap(typical_curve(name), color, device_pixel_ratio,
                                         ICON_SIZE)
    return _PIXMAPS[key]


class Palette(QListWidget):
    """Every catalog scheduler as a drag source; double-click or Enter appends one.

    Signals
    -------
    append_requested(str) : the user asked to append a phase of this scheduler.
    """

    append_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("palette")
        self.setAccessibleName("Scheduler palette")
        self.setIconSize(ICON_SIZE)
        self.setSpacing(3)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setDragEnabled(True)
        self.setDragDropMode(QAbstractItemView.DragOnly)
        self.setDefaultDropAction(Qt.CopyAction)
        self.setTextElideMode(Qt.ElideRight)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        for name, spec in SCHEDULERS.items():
            item = QListWidgetItem(name, self)
            item.setData(Qt.UserRole, name)
            item.setToolTip(tooltip_html(name))
            item.setData(Qt.AccessibleDescriptionRole, spec.doc)
            item.setSizeHint(QSize(0, ICON_SIZE.height() + 6))
        self._update_icons()
        self.itemDoubleClicked.connect(self._on_double_clicked)

    def scheduler_at(self, row: int) -> str:
        return self.item(row).data(Qt.UserRole)

    def sizeHint(self) -> QSize:  # Qt's name
        width = max(self.fontMetrics().horizontalAdvance(name) for name in SCHEDULERS)
        return QSize(width + ICON_SIZE.width() + 44, 420)

    # Drag and drop: the payload is the scheduler name under SCHEDULER_MIME, which the
    # timeline accepts; the drag shows the curve icon.

    def mimeTypes(self) -> list[str]:  # Qt's name
        return [SCHEDULER_MIME]

    def mimeData(self, items) -> QMimeData:  # Qt's name
        data = QMimeData()
        if items:
            name = items[0].data(Qt.UserRole)
            data.setData(SCHEDULER_MIME, QByteArray(name.encode("utf-8")))
            data.setText(name)
        return data

    def supportedDropActions(self) -> Qt.DropAction:  # Qt's name
        return Qt.CopyAction

    def startDrag(self, supported_actions) -> None:  # Qt's name
        item = self.currentItem()
        if item is None:
            return
        drag = QDrag(self)
        drag.setMimeData(self.mimeData([item]))
        pixmap = item.icon().pixmap(ICON_SIZE, self.devicePixelRatioF())
        drag.setPixmap(pixmap)
        drag.setHotSpot(QPoint(ICON_SIZE.width() // 2, ICON_SIZE.height() // 2))
        drag.exec(Qt.CopyAction, Qt.CopyAction)

    def keyPressEvent(self, event) -> None:  # Qt's name
        if event.key() in (Qt.Key_Return, Qt.Key_Enter) and self.currentItem() is not None:
            self.append_requested.emit(self.currentItem().data(Qt.UserRole))
            return
        super().keyPressEvent(event)

    # Focus. The selection marks what Enter appends, so it shows only while the palette has
    # the keyboard: an item left highlighted after a drop or a double-click read as still
    # chosen. The current item is kept, so Tab back returns to it.

    def focusInEvent(self, event) -> None:  # Qt's name
        super().focusInEvent(event)  # makes the first item current if none is
        if self.currentItem() is not None and event.reason() != Qt.MouseFocusReason:
            self.currentItem().setSelected(True)
        self.viewport().update()

    def focusOutEvent(self, event) -> None:  # Qt's name
        super().focusOutEvent(event)
        if event.reason() != Qt.PopupFocusReason:  # a tooltip or menu is not leaving
            self.clearSelection()
        self.viewport().update()

    def paintEvent(self, event) -> None:  # Qt's name (the viewport's paint event)
        super().paintEvent(event)
        if self.hasFocus():
            painter = QPainter(self.viewport())
            paint_focus_ring(painter, self.viewport().rect(), self.palette())
            painter.end()

    def scrollContentsBy(self, dx: int, dy: int) -> None:  # Qt's name
        super().scrollContentsBy(dx, dy)
        # Qt scrolls the viewport's pixels, the ring with them; paint it afresh instead.
        if self.hasFocus():
            self.viewport().update()

    def changeEvent(self, event) -> None:  # Qt's name
        super().changeEvent(event)
        if event.type() in (QEvent.PaletteChange, QEvent.DevicePixelRatioChange):
            self._update_icons()

    def _on_double_clicked(self, item: QListWidgetItem) -> None:
        self.append_requested.emit(item.data(Qt.UserRole))

    def _update_icons(self) -> None:
        palette = self.palette()
        normal = theme.curve_color(palette)
        selected = palette.color(QPalette.HighlightedText)
        ratio = self.devicePixelRatioF()
        for row in range(self.count()):
            item = self.item(row)
            name = item.data(Qt.UserRole)
            icon = QIcon()
            icon.addPixmap(curve_pixmap(name, normal, ratio), QIcon.Normal)
            icon.addPixmap(curve_pixmap(name, selected, ratio), QIcon.Selected)
            item.setIcon(icon)
