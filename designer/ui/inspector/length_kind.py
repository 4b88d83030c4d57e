"""The inspector's "Length as" row: whether the selected phase's length is fixed steps, a
fraction of the total, epochs, or the rest of the training setup's total.

Switching keeps the phase's current steps (a fraction of `steps / total`, ...) through
`edits.set_length_kind`; the proportional kinds need a training setup (the combo is disabled
without one) and only one phase can be the rest.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QComboBox

from designer.core.schedule import edits
from designer.core.schedule.lengths import EPOCHS, FRACTION, REST
from designer.core.schedule.model import Phase, Schedule
from designer.ui.document import Document
from designer.ui.inspector.editor_field import EditorField

KINDS = ((None, "fixed steps"), (FRACTION, "fraction of total"), (EPOCHS, "epochs"),
         (REST, "the rest"))


class LengthKindFields:
    """The "Length as" row of the Phase section."""

    def __init__(self, document: Document, add_row: Callable[..., EditorField]) -> None:
        self._document = document
        self.combo = QComboBox()
        for kind, text in KINDS:
            self.combo.addItem(text, kind)
        self.combo.setAccessibleName("length as")
        self.combo.activated.connect(self._on_chosen)
        self.field = add_row("Length as", self.combo, "fixed steps, or sized from the training "
                             "setup: a fraction of the total, epochs, or what the others leave")

    def update(self, schedule: Schedule, phase: Phase) -> None:
        kind = phase.length.kind if phase.length is not None else None
        with QSignalBlocker(self.combo):
            self.combo.setCurrentIndex(next(i for i, (k, _) in enumerate(KINDS) if k == kind))
        self.combo.setEnabled(schedule.training is not None or kind is not None)

    def _on_chosen(self, combo_index: int) -> None:
        index = self._document.selected
        if not 0 <= index < len(self._document.schedule.phases):
            return
        edit = edits.set_length_kind(self._document.schedule, index,
                                     self.combo.itemData(combo_index))
        if edit is None:  # refused (a second rest): show the phase's kind again
            self.update(self._document.schedule, self._document.schedule.phases[index])
        self._document.apply(edit)
