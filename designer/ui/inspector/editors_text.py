"""The line-edit editors: comma-separated integers and expressions in `step`."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import QLineEdit, QWidget

from designer.core.schedule.catalog import ParamSpec
from designer.core.schedule.expressions import ExpressionError, parse_expression
from designer.ui.fonts import monospace_font
from designer.ui.inspector.editors_base import (
    TypedText,
    parse_int,
    required_message,
    validate_value,
)


class TextEditor(TypedText, QLineEdit):
    """A line edit validated on every keystroke; the text is only rewritten by the model."""

    def _setup(self, spec: ParamSpec, placeholder: str) -> None:
        self.spec = spec
        self.setToolTip(spec.help)
        self.setAccessibleName(spec.name)
        self.setPlaceholderText(placeholder)
        self.textEdited.connect(self._on_text_edited)

    def _format(self, value: Any) -> str:
        raise NotImplementedError

    def value(self) -> Any:
        return self._value

    def set_value(self, value: Any) -> None:
        shown, error = self._interpret(self.text())
        if value is not None and not error and shown == value:
            self._value = value
            self._set_error("")
            self._update_hint()
            return
        if value == self._value and self.hasFocus() and self._error:
            return
        self._value = value
        with QSignalBlocker(self):
            self.setText("" if value is None else self._format(value))
            if not self.hasFocus():
                self.setCursorPosition(0)  # show a long expression from its start
        self._set_error(required_message(self.spec) if value is None else "")
        self._update_hint()

    def _on_text_edited(self, text: str) -> None:
        value, error = self._interpret(text)
        self._set_error(error)
        self._update_hint()
        if not error and value != self._value:
            self._value = value
            self.value_edited.emit(value)

    def _update_hint(self) -> None:
        pass


class IntListEditor(TextEditor):
    """Comma-separated integers ("30, 60, 90"); sorted when editing finishes."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._setup(spec, "e.g. 30, 60, 90")
        self.editingFinished.connect(self._on_editing_finished)

    def _interpret(self, text: str) -> tuple[Any, str]:
        items = [item for item in re.split(r"[\s,;]+", text.strip()) if item]
        for position, item in enumerate(items):
            if not isinstance(parse_int(item), int):
                return None, f"item {position + 1} ({item[:20]!r}) is not a whole number"
        return validate_value(self.spec, [parse_int(item) for item in items], self._check)

    def _format(self, value: tuple[int, ...]) -> str:
        return ", ".join(str(v) for v in value)

    def _update_hint(self) -> None:
        value = self._interpret(self.text())[0]
        hint = ""
        if value and list(value) != sorted(value):
            hint = "will be sorted: the order does not matter to torch"
        if value and len(set(value)) < len(value):
            hint = "a repeated step applies the factor twice"
        self.hint_changed.emit(hint)

    def _on_editing_finished(self) -> None:
        value, error = self._interpret(self.text())
        if error or value is None:
            return
        # MultiStepLR keeps milestones in a Counter, so their order never changes the curve.
        ordered = tuple(sorted(value))
        self.setText(self._format(ordered))
        self._update_hint()
        if ordered != self._value:
            self._value = ordered
            self.value_edited.emit(ordered)


class ExpressionEditor(TextEditor):
    """A monospace expression in `step`, checked by the safe parser as you type."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._setup(spec, "e.g. 0.95 ** step")
        self.setFont(monospace_font(self.font().pointSizeF()))

    def _interpret(self, text: str) -> tuple[Any, str]:
        if not text.strip():
            return None, "enter an expression in step, e.g. 0.95 ** step"
        return validate_value(self.spec, text, self._check)

    def _format(self, value: str) -> str:
        return value

    def _update_hint(self) -> None:
        if self._error or not self.text().strip():
            self.hint_changed.emit("")
            return
        # What the exported code will say. Parsed, never evaluated: user expressions run in
        # the curve worker only (a failure at a step shows in the preview's banner).
        try:
            source = parse_expression(self.text()).python_source
        except ExpressionError:
            self.hint_changed.emit("")
            return
        self.hint_changed.emit(f"in Python: {source}")
