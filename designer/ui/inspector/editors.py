"""Parameter editors: one widget class per catalog parameter kind.

`EDITORS` maps a `ParamSpec.kind` to a widget class (napari's type-to-widget registry), so
the inspector builds every scheduler's form from the catalog and a new scheduler needs no UI
code. Every editor has the same small interface:

* ``Editor(spec, parent=None)`` builds it from a `ParamSpec`;
* ``set_value(value)`` shows a model value without emitting anything (None: empty, and an
  error when the parameter is required);
* ``value()`` is the last valid value shown or emitted;
* ``value_edited(object)`` fires only with a valid value normalized by
  `kinds.check_value` (plus the optional ``set_check`` rule), so invalid input can never
  reach the model;
* ``error()`` / ``error_changed(str)`` carry the inline message for invalid input ("must be a
  finite number > 0"), ``hint_changed(str)`` a neutral note (an expression's value at step 0).

Typing emits as soon as the text is valid (the document merges those edits into one undo
step); text that is not valid yet is only marked, never emitted.

The shared validation lives in `editors_base`, the spin boxes in `editors_numbers` and the
line edits in `editors_text`; this module keeps the check box, the combo box, the "auto"
wrapper (which builds its inner editor through the registry) and the registry itself, and
re-exports every public name, so callers import from here.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QWidget

from designer.core.schedule.catalog import (
    BOOL,
    CHOICE,
    EXPRESSION,
    FLOAT,
    FLOAT_PAIR,
    INT,
    INT_LIST,
    PATH,
    TEXT,
    ParamSpec,
)
from designer.ui.inspector.editors_base import (
    Check,
    EditorState,
    WheelNeedsFocus,
    error_color,
    format_float,
    parse_float,
    parse_int,
    required_message,
    validate_value,
)
from designer.ui.inspector.editors_numbers import FloatEditor, FloatPairEditor, IntEditor
from designer.ui.inspector.editors_run import PathEditor, SeriesEditor
from designer.ui.inspector.editors_text import ExpressionEditor, IntListEditor

__all__ = [
    "EDITORS",
    "BoolEditor",
    "Check",
    "ChoiceEditor",
    "ExpressionEditor",
    "FloatEditor",
    "FloatPairEditor",
    "IntEditor",
    "IntListEditor",
    "OptionalEditor",
    "PathEditor",
    "SeriesEditor",
    "create_editor",
    "error_color",
    "format_float",
    "parse_float",
    "parse_int",
    "required_message",
    "validate_value",
]

class BoolEditor(EditorState, QCheckBox):
    merges = False

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setToolTip(spec.help)
        self.setAccessibleName(spec.name)
        self.clicked.connect(self._on_clicked)

    def value(self) -> bool:
        return self.isChecked()

    def set_value(self, value: Any) -> None:
        with QSignalBlocker(self):
            self.setChecked(bool(value))
        self._set_error(required_message(self.spec) if value is None else "")

    def _on_clicked(self, checked: bool) -> None:
        value, error = validate_value(self.spec, bool(checked), self._check)
        self._set_error(error)
        if not error:
            self.value_edited.emit(value)


class ChoiceEditor(WheelNeedsFocus, EditorState, QComboBox):
    merges = False

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.addItems(list(spec.choices))
        self.setToolTip(spec.help)
        self.setAccessibleName(spec.name)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.activated.connect(self._on_activated)

    def value(self) -> str | None:
        return self.currentText() if self.currentIndex() >= 0 else None

    def set_value(self, value: Any) -> None:
        with QSignalBlocker(self):
            self.setCurrentIndex(self.findText(value) if isinstance(value, str) else -1)
        self._set_error(required_message(self.spec) if self.currentIndex() < 0 else "")

    def _on_activated(self, index: int) -> None:
        value, error = validate_value(self.spec, self.itemText(index), self._check)
        self._set_error(error)
        if not error:
            self.value_edited.emit(value)


class OptionalEditor(EditorState, QWidget):
    """An editor plus an "auto" check box: checked means None (torch's default, or the
    phase length for a fitted duration parameter)."""

    paints_invalid = False

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None,
                 auto_hint: str = "torch's default") -> None:
        super().__init__(parent)
        self.spec = spec
        self.auto_hint = auto_hint
        self._auto_value: Any = None
        self.inner = EDITORS[spec.kind](spec)
        self.merges = self.inner.merges
        self.auto = QCheckBox("auto")
        self.auto.setToolTip(f"{spec.name} {auto_hint}" if auto_hint.startswith("=")
                             else f"use {auto_hint} for {spec.name}")
        self.auto.setAccessibleName(f"{spec.name} auto")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.inner, 1)
        layout.addWidget(self.auto)
        self.inner.value_edited.connect(self.value_edited)
        self.inner.error_changed.connect(self._on_inner_error)
        self.inner.hint_changed.connect(self.hint_changed)
        self.auto.clicked.connect(self._on_auto_clicked)
        self.setFocusProxy(self.inner)

    def is_auto(self) -> bool:
        return self.auto.isChecked()

    def value(self) -> Any:
        return None if self.is_auto() else self.inner.value()

    def error(self) -> str:
        return "" if self.is_auto() else self.inner.error()

    def set_check(self, check: Check | None) -> None:
        self.inner.set_check(check)

    def set_auto_value(self, value: Any) -> None:
        """The value torch will use while auto, shown greyed out in the editor."""
        self._auto_value = value
        if self.is_auto() and value is not None:
            self.inner.set_value(value)

    def set_value(self, value: Any) -> None:
        auto = value is None
        with QSignalBlocker(self.auto):
            self.auto.setChecked(auto)
        self.inner.setEnabled(not auto)
        shown = self._auto_value if auto else value
        if shown is not None:
            self.inner.set_value(shown)
        self._announce()

    def _announce(self) -> None:
        self.error_changed.emit(self.error())
        self.hint_changed.emit(self.auto_hint if self.is_auto() else "")

    def _on_inner_error(self, _error: str) -> None:
        self.error_changed.emit(self.error())

    def _on_auto_clicked(self, checked: bool) -> None:
        # A toggle is its own undo step; typing that follows it merges with itself only.
        self.merges = False
        try:
            self._toggle(checked)
        finally:
            self.merges = self.inner.merges

    def _toggle(self, checked: bool) -> None:
        if checked:
            self.inner.setEnabled(False)
            if self._auto_value is not None:
                self.inner.set_value(self._auto_value)
            self._announce()
            self.value_edited.emit(None)
            return
        # Leaving auto writes the value that was in effect, so the curve does not jump.
        seed = self.inner.value()
        for candidate in (seed, self._auto_value, self.spec.initial_value(), self.spec.minimum):
            value, error = validate_value(self.spec, candidate, self.inner._check)
            if candidate is not None and not error:
                break
        else:
            with QSignalBlocker(self.auto):
                self.auto.setChecked(True)
            return
        self.inner.setEnabled(True)
        self.inner.set_value(value)
        self._announce()
        self.value_edited.emit(value)


EDITORS: dict[str, type[QWidget]] = {
    FLOAT: FloatEditor,
    INT: IntEditor,
    BOOL: BoolEditor,
    CHOICE: ChoiceEditor,
    INT_LIST: IntListEditor,
    EXPRESSION: ExpressionEditor,
    FLOAT_PAIR: FloatPairEditor,
    PATH: PathEditor,
    TEXT: SeriesEditor,
}


def create_editor(spec: ParamSpec, parent: QWidget | None = None, *, optional: bool | None = None,
                  auto_hint: str = "torch's default") -> QWidget:
    """The registry's editor for `spec`, wrapped with an "auto" box when None is allowed."""
    if spec.optional if optional is None else optional:
        return OptionalEditor(spec, parent, auto_hint)
    return EDITORS[spec.kind](spec, parent)
