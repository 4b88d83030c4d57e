"""The code view: the exporter's text in the chosen template, live, highlighted, copyable,
with its export mode."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QPlainTextEdit

from designer.core.export.python_module import export_python
from designer.core.export.templates import TEMPLATES, render_template
from designer.core.schedule.fileformat import load_schedule_file
from designer.core.schedule.model import CONTINUE, Phase, Schedule
from designer.ui.code_view import PHASED_HELPER, TORCH_CLASSES, CodeView
from designer.ui.document import Document
from designer.ui.highlighter import PythonHighlighter, python_formats

EXAMPLES = Path(__file__).resolve().parents[2] / "designer" / "examples"


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


# Templates ---------------------------------------------------------------------------------------

def test_template_box_offers_every_template_starting_with_the_plain_module(view):
    box = view.template_box
    assert [box.itemText(i) for i in range(box.count())] == [
        "Plain module", "Function only", "Lightning", "Hugging Face"]
    assert [box.itemData(i) for i in range(box.count())] == list(TEMPLATES)
    assert all(box.itemData(i, Qt.ToolTipRole) for i in range(box.count()))
    assert view.template() == "python" and box.accessibleName() == "Code template"


def test_choosing_a_template_with_the_keyboard_shows_and_copies_it(qtbot, view, document):
    box = view.template_box
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    shown = []
    for key in ("function", "lightning", "hf"):
        with qtbot.waitSignal(view.template_changed) as emitted:
            qtbot.keyClick(box, Qt.Key_Down)
        assert emitted.args == [key] and view.template() == key
        assert view.text() == render_template(key, document.schedule)
        assert view.mode() == TORCH_CLASSES  # the scheduler is built the same way in all
        QApplication.clipboard().clear()
        qtbot.mouseClick(view.copy_button, Qt.LeftButton)
        assert QApplication.clipboard().text() == view.text()
        shown.append(view.text())
    assert len(set(shown)) == 3
    assert "def configure_optimizers(self):" in shown[1]
    assert "optimizers=(optimizer, scheduler)" in shown[2]
    qtbot.keyClick(box, Qt.Key_Home)
    assert view.template() == "python" and view.text() == export_python(document.schedule)


def test_the_chosen_template_follows_edits_and_undo(view, document):
    view.set_template("lightning")
    before = view.text()
    document.edit("Continue", document.schedule.set_start(1, CONTINUE))
    assert view.text() == render_template("lightning", document.schedule) != before
    assert "def lr_scheduler_step(self, scheduler, metric):" in view.text()
    assert view.mode() == PHASED_HELPER
    document.undo_stack.undo()
    assert view.text() == before and view.mode() == TORCH_CLASSES


def test_switching_template_starts_at_the_top_and_unknown_keys_are_ignored(qtbot, view,
                                                                         document):
    document.edit("Continue", document.schedule.set_start(1, CONTINUE))
    bar = view.editor.verticalScrollBar()
    bar.setValue(30)
    view.set_template("hf")
    assert bar.value() == 0 and view.template() == "hf"
    view.set_template("keras")
    assert view.template() == "hf"

