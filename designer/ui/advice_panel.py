"""The warnings list: design advice next to the phase it concerns, with one-click fixes, and
above it the verdict on each training run overlaid (with its fix when the diagnosis maps onto
the design)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from designer.core.export.advice import Advice
from designer.core.schedule import edits
from designer.ui.document import Document
from designer.ui.theme import color_of


@dataclass(frozen=True)
class RunNote:
    """What the panel says of an overlaid run: its label, colour, the verdict line and the
    diagnosis sentence, and the label of the design fix when the diagnosis maps onto the
    design (`edits.fit_to_run`, made from the design as it is when clicked)."""

    label: str
    color: str
    lines: tuple[str, ...]
    diagnosis: dict | None = None
    fix_label: str = ""
    matches: bool = False


class AdvicePanel(QScrollArea):
    """Shows `Advice` items; clicking one selects its phase, its button applies the fix.

    Signal `count_changed(int)` lets the window put the number in a tab title.
    """

    count_changed = Signal(int)

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("warnings")
        self.setAccessibleName("Design warnings")
        self._document = document
        self._advice: list[Advice] = []
        self._runs: list[RunNote] = []
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.NoFrame)
        self._body = QWidget()
        self._layout = QVBoxLayout(self._body)
        self._layout.setContentsMargins(8, 8, 8, 8)
        self._layout.setSpacing(6)
        self.setWidget(self._body)
        self.show_advice([])

    def advice(self) -> list[Advice]:
        return list(self._advice)

    def run_notes(self) -> list[RunNote]:
        return list(self._runs)

    def show_runs(self, notes: list[RunNote]) -> None:
        """The overlaid runs' verdicts, above the design's advice."""
        if notes == self._runs:
            return
        self._runs = list(notes)
        self._rebuild()

    def show_advice(self, advice: list[Advice]) -> None:
        if advice == self._advice and self._layout.count():
            return
        self._advice = list(advice)
        self._rebuild()

    def _rebuild(self) -> None:
        advice = self._advice
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        for note in self._runs:
            self._layout.addWidget(self._run_row(note))
        if not advice:
            empty = QLabel("No warnings about the design itself." if self._runs else
                           "No warnings: the design does what it looks like it does.")
            empty.setEnabled(False)
            self._layout.addWidget(empty)
        for item in advice:
            self._layout.addWidget(self._row(item))
        self._layout.addStretch(1)
        self.count_changed.emit(len(advice) + sum(not n.matches for n in self._runs))

    def _run_row(self, note: RunNote) -> QWidget:
        row = QFrame()
        row.setObjectName("runVerdict")
        row.setFrameShape(QFrame.StyledPanel)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(8, 6, 8, 6)
        swatch = QLabel()
        swatch.setFixedSize(6, 28)
        swatch.setStyleSheet(f"background: {note.color}; border-radius: 3px;")
        layout.addWidget(swatch)
        mark = "✓ " if note.matches else "⚠ "
        text = QLabel(mark + f"Run {note.label}: " + "\n".join(note.lines))
        text.setObjectName("runVerdictText")
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(text, 1)
        if note.fix_label:
            fix = QPushButton(note.fix_label)
            fix.setObjectName("runFix")
            fix.clicked.connect(lambda: self._document.apply(
                edits.fit_to_run(self._document.schedule, note.diagnosis)))
            layout.addWidget(fix)
        return row

    def _row(self, advice: Advice) -> QWidget:
        row = QFrame()
        row.setFrameShape(QFrame.StyledPanel)
        layout = QHBoxLayout(row)
        layout.setContentsMargins(8, 6, 8, 6)
        swatch = QLabel()
        swatch.setFixedSize(6, 28)
        if advice.phase is not None and advice.phase < len(self._document.schedule.phases):
            color = color_of(self._document.schedule, advice.phase)
            swatch.setStyleSheet(f"background: {color.name()};"
                                 "border-radius: 3px;")
        layout.addWidget(swatch)
        text = QLabel("⚠ " + advice.message)
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(text, 1)
        if advice.phase is not None:
            select = QPushButton("Show")
            select.setToolTip("Select the phase on the timeline")
            select.clicked.connect(lambda: self._document.select(advice.phase))
            layout.addWidget(select)
        if advice.fix is not None:
            fix = QPushButton(advice.fix_label)
            fix.setObjectName("adviceFix")
            fix.clicked.connect(lambda: self._document.apply(edits.apply_fix(advice.fix,
                                                                        advice.fix_label)))
            layout.addWidget(fix)
        return row
