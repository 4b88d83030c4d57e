"""The empty timeline's invitation: drag a scheduler from the palette, or start from a preset.

The fastest start is a preset (File → New from preset…), so the empty timeline offers it as
a button beside the palette hint, not only in a menu a new user has not opened yet.
"""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtWidgets import QPushButton, QWidget

EMPTY_HINT = "Drag a scheduler here from the palette"
GAP_PX = 8


class PresetPrompt(QPushButton):
    """"New from preset…" beside the hint on an empty timeline; `place` lays both out."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__("New from preset…", parent)
        self.setObjectName("newFromPreset")
        self.setToolTip("Start from a well-known schedule (File → New from preset…)")
        self.setCursor(Qt.PointingHandCursor)
        self.setAutoDefault(False)
        self.hide()

    def place(self, shown: bool) -> None:
        """Show the button (or hide it), centred with the hint text in the parent."""
        self.setVisible(shown)
        if not shown:
            return
        parent, hint = self.parentWidget(), self.hint_text()
        size = self.sizeHint()
        total = parent.fontMetrics().horizontalAdvance(hint) + GAP_PX + size.width()
        left = max(0, (parent.width() - total) // 2) + total - size.width()
        self.setGeometry(min(left, parent.width() - size.width() - 10),
                         (parent.height() - size.height()) // 2, size.width(), size.height())

    def hint_text(self) -> str:
        return f"{EMPTY_HINT}, or" if self.isVisible() else EMPTY_HINT

    def hint_rect(self, area: QRectF) -> QRectF:
        """Where the hint goes within `area`: left of the button, or centred without it."""
        if not self.isVisible():
            return area
        return QRectF(area.left(), area.top(), self.x() - GAP_PX - area.left(), area.height())
