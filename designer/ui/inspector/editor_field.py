"""A form field: an editor with its inline message underneath, the error when the input is
invalid, else a neutral hint. The inspector's rows and the param group rows share it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from designer.ui.inspector.editors import error_color


class EditorField(QWidget):
    """An editor with its inline message underneath: the error when invalid, else a hint."""

    def __init__(self, widget: QWidget, source: QWidget | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor = source or widget
        self._error = self._hint = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(widget)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        font = self.message.font()
        font.setPointSizeF(font.pointSizeF() * 0.9)
        self.message.setFont(font)
        self.message.hide()
        layout.addWidget(self.message)
        if hasattr(self.editor, "error_changed"):  # plain Qt widgets have no messages
            self.editor.error_changed.connect(self.set_error)
            self.editor.hint_changed.connect(self.set_hint)

    def set_error(self, text: str) -> None:
        self._error = text
        self._refresh()

    def set_hint(self, text: str) -> None:
        self._hint = text
        self._refresh()

    def changeEvent(self, event: QEvent) -> None:  # Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._refresh()  # the error red differs between dark and light themes

    def message_text(self) -> str:
        return self.message.text() if not self.message.isHidden() else ""

    def _refresh(self) -> None:
        text = self._error or self._hint
        palette = self.message.palette()
        color = error_color(self.palette()) if self._error else \
            self.palette().color(QPalette.ColorRole.PlaceholderText)
        palette.setColor(QPalette.ColorRole.WindowText, color)
        self.message.setPalette(palette)
        self.message.setText(text)
        self.message.setVisible(bool(text))
