"""The code view: the exporter's text, live, highlighted, copyable, with its export mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QPlainTextEdit

from designer.core.export import export_python
from designer.core.fileformat import load_schedule_file
from designer.core.model import CONTINUE, Phase, Schedule
from designer.ui.code_view import PHASED_HELPER, TORCH_CLASSES, CodeView
from designer.ui.document import Document
from designer.ui.highlighter import PythonHighlighter, python_formats

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def document() -> Document:
    return Document(load_schedule_file(EXAMPLES / "warmup-stable-decay.json"))


@pytest.fixture
def view(qtbot, document) -> CodeView:
    widget = CodeView(document)
    qtbot.addWidget(widget)
    widget.resize(700, 400)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _formats_at(editor: QPlainTextEdit, needle: str) -> tuple[int, list]:
    """(column of `needle`, the layout's format ranges) of the first line containing it."""
    block = editor.document().find(needle).block()
    assert block.isValid(), needle
    return block.text().index(needle), block.layout().formats()


def _foreground_at(ranges: list, column: int) -> QColor | None:
    for fmt_range in ranges:
        if fmt_range.start <= column < fmt_range.start + fmt_range.length:
            return fmt_range.format.foreground().color()
    return None


def test_shows_the_exporters_text_read_only_and_monospaced(view, document):
    editor = view.editor
    assert view.text() == export_python(document.schedule)
    assert editor.objectName() == "codeView"
    assert editor.accessibleName() == "Exported Python code"
    assert editor.isReadOnly() and editor.lineWrapMode() == QPlainTextEdit.NoWrap
    metrics = editor.fontMetrics()
    assert metrics.horizontalAdvance("iiii") == metrics.horizontalAdvance("MMMM")
    assert view.mode() == TORCH_CLASSES and TORCH_CLASSES in view._mode.text()


def test_follows_document_edits_and_undo(view, document):
    before = view.text()
    document.edit("Continue", document.schedule.set_start(1, CONTINUE))
    assert view.text() == export_python(document.schedule) != before
    assert "class PhasedLR" in view.text()
    assert view.mode() == PHASED_HELPER
    assert "continues from the previous phase" in view._mode.toolTip()
    column, ranges = _formats_at(view.editor, "class PhasedLR")
    keyword = python_formats(view.palette())["keyword"].foreground().color()
    assert _foreground_at(ranges, column) == keyword  # new text is highlighted too
    document.undo_stack.undo()
    assert view.text() == before and view.mode() == TORCH_CLASSES


def test_edits_keep_the_scroll_position(qtbot, view, document):
    document.edit("Continue", document.schedule.set_start(1, CONTINUE))
    bar = view.editor.verticalScrollBar()
    assert bar.maximum() > 20
    bar.setValue(20)
    document.edit("Resize", document.schedule.resize_phase(1, 6000))
    assert "6000" in view.text() and bar.value() == 20


def test_copy_puts_the_whole_module_on_the_clipboard(qtbot, view, document):
    QApplication.clipboard().clear()
    view._copied_timer.setInterval(50)  # the "Copied" feedback lasts 1.5 s in real use
    qtbot.mouseClick(view.copy_button, Qt.LeftButton)
    assert QApplication.clipboard().text() == export_python(document.schedule)
    assert view.copy_button.text() == "Copied"
    qtbot.waitUntil(lambda: view.copy_button.text() == "Copy", timeout=3000)
    document.edit("Resize", document.schedule.resize_phase(0, 500))
    view.copy_code()
    assert QApplication.clipboard().text() == export_python(document.schedule)


def test_highlighting_of_the_exported_code(view):
    formats = python_formats(view.palette())
    comment = formats["comment"].foreground().color()
    column, ranges = _formats_at(view.editor, "# Print the whole curve")
    assert _foreground_at(ranges, column) == comment
    assert _foreground_at(ranges, column - 1) is None  # the indentation before it
    column, ranges = _formats_at(view.editor, "def build_scheduler")
    assert _foreground_at(ranges, column) == formats["keyword"].foreground().color()
    assert _foreground_at(ranges, column + 4) == formats["definition"].foreground().color()
    column, ranges = _formats_at(view.editor, "0.01")
    assert _foreground_at(ranges, column) == formats["number"].foreground().color()


def test_highlighter_spans_docstrings_and_skips_strings(qtbot):
    editor = QPlainTextEdit()
    qtbot.addWidget(editor)
    document = editor.document()
    highlighter = PythonHighlighter(document, QPalette(QColor("white")))
    editor.setPlainText('x = 1  # one\n"""doc with def and # inside\nstill doc\n"""\n'
                          's = "# not a comment"\n@decorator\nclass Name(object):\n    pass\n')
    formats = highlighter.formats

    def color(line: int, column: int) -> QColor | None:
        return _foreground_at(document.findBlockByNumber(line).layout().formats(), column)

    string, comment = formats["string"].foreground().color(), formats["comment"].foreground().color()
    assert color(0, 4) == formats["number"].foreground().color()
    assert color(0, 7) == comment
    assert color(1, 13) == string and color(1, 18) == string  # "def" and "#" in the docstring
    assert color(2, 0) == string and color(3, 2) == string
    assert color(4, 6) == string  # the "#" inside a string
    assert color(5, 0) == formats["decorator"].foreground().color()
    assert color(6, 0) == formats["keyword"].foreground().color()
    assert color(6, 6) == formats["definition"].foreground().color()
    assert color(6, 11) == formats["builtin"].foreground().color()


def test_colours_follow_the_theme():
    dark = QPalette(QColor("#2b2d31"))
    light = QPalette(QColor("#f0f0f0"))
    assert dark.color(QPalette.Window).lightness() < dark.color(QPalette.WindowText).lightness()
    dark_keyword = python_formats(dark)["keyword"].foreground().color()
    light_keyword = python_formats(light)["keyword"].foreground().color()
    assert dark_keyword.lightness() > light_keyword.lightness()


def test_an_empty_design_still_exports(qtbot):
    view = CodeView(Document(Schedule()))
    qtbot.addWidget(view)
    assert view.text() == export_python(Schedule()) and view.mode() == TORCH_CLASSES
    document = Document(Schedule((Phase("StepLR", 100, {"step_size": 30}),)))
    assert CodeView(document).text() == export_python(document.schedule)
