"""The code view: the code the exporter writes for the current design, live.

A combo box chooses the template (the plain module, the bare build_scheduler function,
Lightning's configure_optimizers, a Hugging Face Trainer snippet); what is shown is exactly
`render_template(key, document.schedule)`, so what the user copies is what
`lr-designer export --to KEY` writes. A label says whether the scheduler is built from
torch's own classes or the PhasedLR helper (the same in every template), and its tooltip
gives the exporter's reasons.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from designer.core.export.python_module import sequential_lr_obstacles
from designer.core.export.templates import TEMPLATES, render_template
from designer.ui.document import Document
from designer.ui.fonts import monospace_font
from designer.ui.highlighter import PythonHighlighter

TORCH_CLASSES = "torch's own classes"
PHASED_HELPER = "PhasedLR helper"


class CodeView(QWidget):
    """Read-only, highlighted Python export of the document in the chosen template, with a
    Copy button."""

    template_changed = Signal(str)  # the template's key, as `lr-designer export --to` takes

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("codePanel")
        self._document = document

        self._mode = QLabel()
        self._mode.setObjectName("codeMode")
        self._templates = QComboBox()
        self._templates.setObjectName("codeTemplate")
        self._templates.setAccessibleName("Code template")
        self._templates.setToolTip("What to export the design as")
        self._templates.setFocusPolicy(Qt.TabFocus)
        for key, template in TEMPLATES.items():
            self._templates.addItem(template.label, key)
            self._templates.setItemData(self._templates.count() - 1, template.description,
                                        Qt.ToolTipRole)
        self._copy_button = QPushButton("Copy")
        self._copy_button.setObjectName("copyCode")
        self._copy_button.setToolTip("Copy the exported Python to the clipboard")
        self._copy_button.setFocusPolicy(Qt.TabFocus)
        header = QHBoxLayout()
        header.setContentsMargins(8, 4, 6, 2)
        header.addWidget(self._mode, 1)
        header.addWidget(self._templates)
        header.addWidget(self._copy_button)

        self._editor = QPlainTextEdit()
        self._editor.setObjectName("codeView")
        self._editor.setAccessibleName("Exported Python code")
        self._editor.setReadOnly(True)
        self._editor.setLineWrapMode(QPlainTextEdit.NoWrap)
        self._editor.setTextInteractionFlags(Qt.TextSelectableByMouse
                                             | Qt.TextSelectableByKeyboard)
        self._editor.setFont(monospace_font(self.font().pointSizeF()))
        self._editor.setTabStopDistance(4 * self._editor.fontMetrics().horizontalAdvance(" "))
        self._editor.document().setDocumentMargin(8)
        self._highlighter = PythonHighlighter(self._editor.document(), self.palette())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self._editor, 1)

        self._copied_timer = QTimer(self)
        self._copied_timer.setSingleShot(True)
        self._copied_timer.setInterval(1500)
        self._copied_timer.timeout.connect(lambda: self._copy_button.setText("Copy"))
        self._copy_button.clicked.connect(self.copy_code)
        self._templates.currentIndexChanged.connect(self._on_template_chosen)
        document.changed.connect(self._on_changed)
        self._on_changed()
        self._style_mode_label()

    @property
    def editor(self) -> QPlainTextEdit:
        return self._editor

    @property
    def copy_button(self) -> QPushButton:
        return self._copy_button

    @property
    def template_box(self) -> QComboBox:
        return self._templates

    def template(self) -> str:
        """The chosen template's key (see designer.core.export.templates.TEMPLATES)."""
        return self._templates.currentData()

    def set_template(self, key: str) -> None:
        """Show template `key`; unknown keys (say, from an older settings file) are ignored."""
        index = self._templates.findData(key)
        if index >= 0:
            self._templates.setCurrentIndex(index)

    def text(self) -> str:
        """The code shown: render_template(template(), document.schedule), or why the
        design cannot be exported."""
        return self._editor.toPlainText()

    def mode(self) -> str:
        """TORCH_CLASSES or PHASED_HELPER, as the label says ("" when not exportable)."""
        return self._mode.property("mode") or ""

    def copy_code(self) -> None:
        """Put the whole exported module on the clipboard."""
        QApplication.clipboard().setText(self.text())
        self._copy_button.setText("Copied")
        self._copied_timer.start()

    def changeEvent(self, event) -> None:  # Qt's name
        super().changeEvent(event)
        if event.type() == QEvent.PaletteChange:
            self._highlighter.set_palette(self.palette())
            self._style_mode_label()

    def _on_template_chosen(self) -> None:
        self._on_changed()
        # Another template is another text: start reading it from the top.
        self._editor.verticalScrollBar().setValue(0)
        self._editor.horizontalScrollBar().setValue(0)
        self.template_changed.emit(self.template())

    def _on_changed(self) -> None:
        schedule = self._document.schedule
        try:
            code = render_template(self.template(), schedule)
            reasons = sequential_lr_obstacles(schedule)
        except ValueError as exc:  # an expression the exporter cannot rebuild
            code, reasons = f"# This design cannot be exported yet:\n# {exc}\n", None
        self._set_code(code)
        if reasons is None:
            mode, label, tip = "", "Not exportable", ""
        elif reasons:
            mode, label = PHASED_HELPER, f"Export uses the {PHASED_HELPER}"
            tip = "Plain SequentialLR would not reproduce this design:\n" + "\n".join(
                f"• {reason}" for reason in reasons)
        else:
            mode, label = TORCH_CLASSES, f"Export uses {TORCH_CLASSES}"
            tip = "A single torch scheduler or SequentialLR reproduces this design exactly."
        self._mode.setProperty("mode", mode)
        self._mode.setText(label)
        self._mode.setToolTip(tip)

    def _set_code(self, code: str) -> None:
        """Replace the text, keeping the scroll position (the user is reading somewhere)."""
        if code == self._editor.toPlainText():
            return
        vertical = self._editor.verticalScrollBar().value()
        horizontal = self._editor.horizontalScrollBar().value()
        self._editor.setPlainText(code)
        self._editor.verticalScrollBar().setValue(vertical)
        self._editor.horizontalScrollBar().setValue(horizontal)

    def _style_mode_label(self) -> None:
        color = self.palette().color(QPalette.WindowText)
        color.setAlpha(170)
        self._mode.setStyleSheet(f"color: {color.name(color.NameFormat.HexArgb)};")
