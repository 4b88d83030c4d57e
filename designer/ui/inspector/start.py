"""The inspector's Start rows: how the selected phase starts (restart, continue, an explicit
lr) and the lr it starts from.

The Start lr field is editable for an explicit start only; otherwise it shows the lr the
phase actually starts from: the base lr for a restart, and for a continuing phase the last
lr of the phase before, read from the curves the window has shown (`set_curve`). While no
known curve covers the phases before it (the worker is still stepping), it shows "…"
rather than a number that is not the start.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QComboBox

from designer.core.schedule import edits
from designer.core.schedule.catalog import FLOAT, ParamSpec
from designer.core.schedule.model import CONTINUE, RESTART, Phase, Schedule
from designer.ui.document import Document
from designer.ui.inspector.editor_field import EditorField
from designer.ui.inspector.editors import create_editor

EXPLICIT = "explicit"
_START_MODES = (
    (RESTART, "restart", "start from the optimizer's base lr"),
    (CONTINUE, "continue", "start from the lr the previous phase ended with"),
    (EXPLICIT, "explicit lr", "start from the lr given here"),
)
_START_LR_SPEC = ParamSpec("start lr", FLOAT, minimum=0.0, exclusive_min=True,
                           help="the lr this phase starts from")
UNKNOWN = "…"


def _same_before(a: Schedule, b: Schedule, index: int) -> bool:
    """Whether the lr curves of `a` and `b` agree up to phase `index` (they are stepped
    from the same base lrs through the same phases)."""
    return (a.phases[:index] == b.phases[:index] and a.optimizer == b.optimizer
            and a.param_groups == b.param_groups)


class KnownCurves:
    """The newest curve the window showed, complete or streaming in, and the newest complete
    one: a continuing phase's start lr is read from whichever covers the phases before it."""

    def __init__(self) -> None:
        self._newest: tuple[Schedule, np.ndarray] | None = None
        self._complete: tuple[Schedule, np.ndarray] | None = None

    def add(self, schedule: Schedule, lrs: np.ndarray, complete: bool) -> None:
        self._newest = (schedule, lrs)
        if complete:
            self._complete = (schedule, lrs)

    def lr_before(self, schedule: Schedule, index: int) -> float | None:
        """The first group's lr at the last step before phase `index` of `schedule`, or None
        when no known curve is of a design with the same phases up to there."""
        step = schedule.phase_starts()[index] - 1
        for known in (self._newest, self._complete):
            if known is not None and step < len(known[1]) and \
                    _same_before(known[0], schedule, index):
                return float(known[1][step])
        return None


class StartFields:
    """The Start and Start lr rows, added through the inspector's `add_row`."""

    def __init__(self, document: Document, add_row: Callable[..., EditorField]) -> None:
        self._document = document
        self._curves = KnownCurves()
        self._index = -1
        self._shown_lr: float | None = None  # the actual start lr shown, when known
        self.combo = QComboBox()
        for mode, text, tip in _START_MODES:
            self.combo.addItem(text, mode)
            self.combo.setItemData(self.combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.combo.setAccessibleName("start mode")
        self.combo.activated.connect(self._on_mode_chosen)
        self.lr_editor = create_editor(_START_LR_SPEC)
        self.lr_editor.value_edited.connect(self._on_lr_edited)
        self.field = add_row("Start", self.combo, "where the phase's lr starts")
        self.lr_field = add_row("Start lr", self.lr_editor,
                                _START_LR_SPEC.help + " (typed for an explicit start)")

    def set_curve(self, schedule: Schedule, lrs: np.ndarray, complete: bool = True) -> None:
        """A curve the window shows (`complete` False while it streams in)."""
        self._curves.add(schedule, lrs, complete)
        phases = self._document.schedule.phases
        if 0 <= self._index < len(phases):
            self._show_start_lr(self._document.schedule, self._index, phases[self._index])

    def update(self, schedule: Schedule, index: int, phase: Phase) -> None:
        self._index = index
        explicit = not isinstance(phase.start, str)
        with QSignalBlocker(self.combo):
            self.combo.setCurrentIndex(self.combo.findData(EXPLICIT if explicit
                                                           else phase.start))
        self.lr_editor.setEnabled(explicit)
        self._show_start_lr(schedule, index, phase)
        self.field.set_hint(f"{phase.spec.name} sets the lr itself: the start has no effect"
                            if phase.spec.absolute else "")

    def _show_start_lr(self, schedule: Schedule, index: int, phase: Phase) -> None:
        if not isinstance(phase.start, str):
            lr: float | None = float(phase.start)
        elif phase.start == CONTINUE and index > 0:
            lr = self._curves.lr_before(schedule, index)
        else:
            lr = schedule.base_lrs()[0]  # a restart, or a first phase that "continues"
        self._shown_lr = lr
        if lr is not None:
            self.lr_editor.set_value(lr)
            return
        # The editor takes numbers only; "…" is written into its (disabled) text directly.
        line = self.lr_editor.lineEdit()
        with QSignalBlocker(self.lr_editor), QSignalBlocker(line):
            line.setText(UNKNOWN)

    def shown_text(self) -> str:
        return self.lr_editor.lineEdit().text()

    def _on_mode_chosen(self, combo_index: int) -> None:
        index = self._document.selected
        phases = self._document.schedule.phases
        if not 0 <= index < len(phases):
            return
        phase, mode = phases[index], self.combo.itemData(combo_index)
        if mode == EXPLICIT:
            if isinstance(phase.start, str):
                # Seeded with the lr it starts from now, so the curve does not jump.
                lr = self._shown_lr or self._document.schedule.optimizer.lr
                self._document.apply(edits.set_start(self._document.schedule, index, lr))
        elif mode != phase.start:
            self._document.apply(edits.set_start(self._document.schedule, index, mode))

    def _on_lr_edited(self, lr: float) -> None:
        index = self._document.selected
        phases = self._document.schedule.phases
        if 0 <= index < len(phases) and not isinstance(phases[index].start, str):
            self._document.apply(edits.set_start(self._document.schedule, index, lr))
