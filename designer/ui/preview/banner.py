"""The banner over the preview's plot: why the design is invalid (an error, white on red), or
else what the log axis leaves out (a note, in the palette's tool-tip colours).

An error wins over a note; with neither the banner hides. `log_note` words the note.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QWidget


def log_note(wanted: bool, log: bool, hidden: int) -> str:
    """What a log axis hides: `wanted` is the user's choice, `log` whether the axis could
    follow it, `hidden` how many lrs (0 or less) have no logarithm."""
    if wanted and not log:
        return "The lr is never positive, so it cannot be shown on a log axis."
    if log and hidden:
        steps = "step" if hidden == 1 else "steps"
        return f"The lr is 0 or less at {hidden} {steps}; the log axis leaves those out."
    return ""


class Banner(QLabel):
    """The error or note over the plot. Its colours follow the palette of `colors_from` (the
    preview: the banner's own palette is changed by its style sheet); call `restyle` when
    that palette changes. Made without a parent: the layout that puts it over the plot
    parents it, after the plot, so that it stacks on top."""

    def __init__(self, colors_from: QWidget) -> None:
        super().__init__()
        self._colors_from = colors_from
        self.setObjectName("previewBanner")
        self.setTextFormat(Qt.PlainText)
        self.setWordWrap(True)
        self.hide()
        self.error = ""  # why the design is invalid, "" when it is valid
        self.note = ""  # what the log axis leaves out

    def set_error(self, message: str) -> None:
        self.error = message
        self.update_text()

    def set_note(self, note: str) -> None:
        self.note = note
        self.update_text()

    def shown_text(self) -> str:
        """What the banner says, "" when hidden."""
        return self.text() if not self.isHidden() else ""

    def update_text(self) -> None:
        text, kind = (self.error, "error") if self.error else (self.note, "note")
        self.setText(f"\u26a0  {text}" if self.error else text)
        self.setProperty("kind", kind)
        self.restyle()
        self.setVisible(bool(text))

    def restyle(self) -> None:
        palette = self._colors_from.palette()
        if self.property("kind") == "error":
            background, foreground = QColor(178, 44, 44, 235), QColor("#ffffff")
        else:
            background = QColor(palette.color(QPalette.ToolTipBase))
            background.setAlpha(235)
            foreground = palette.color(QPalette.ToolTipText)
        self.setStyleSheet(
            f"QLabel#previewBanner {{ background: {background.name(QColor.HexArgb)};"
            f" color: {foreground.name()}; border-radius: 4px; padding: 6px 10px; }}")
