"""What every parameter editor shares: parsing typed numbers, validating a value against
its `ParamSpec` through `kinds.check_value`, and the error bookkeeping mixin.

The editor classes live in `editors_numbers` and `editors_text`; `designer.ui.inspector.editors`
holds the kind-to-editor registry and re-exports everything public.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QWidget

from designer.core.schedule.catalog import ParamSpec
from designer.core.schedule.kinds import check_value
from designer.core.schedule.model import ScheduleError
from designer.ui.theme import is_dark

Check = Callable[[Any], "str | None"]  # extra rule: an error message, or None when fine

_FLOAT_TEXT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NON_FINITE_TEXT = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_INT_TEXT = re.compile(r"[+-]?\d{1,30}")
_GROUPED_INT_TEXT = re.compile(r"\d{1,3}(?:[,_]\d{3})+")
MAX_NUMBER_TEXT = 64


def format_float(value: float) -> str:
    """The shortest text that reads back as exactly `value`: "3e-05", "0.1", "25"."""
    text = repr(float(value))
    return text.removesuffix(".0")


def parse_float(text: str) -> Any:
    """The float `text` spells ("3e-5", "1E-4", ".5", "nan"), else the stripped text itself,
    so that `check_value` words the complaint."""
    text = text.strip()
    if len(text) <= MAX_NUMBER_TEXT and (_FLOAT_TEXT.fullmatch(text)
                                          or _NON_FINITE_TEXT.fullmatch(text)):
        return float(text)
    return text


def parse_int(text: str) -> Any:
    """The integer `text` spells ("30", "10,000", "1e6"), else the stripped text itself."""
    text = text.strip()
    if _GROUPED_INT_TEXT.fullmatch(text):
        text = text.replace(",", "").replace("_", "")
    if _INT_TEXT.fullmatch(text):
        return int(text)
    number = parse_float(text)
    if isinstance(number, float) and math.isfinite(number) and number.is_integer() \
            and abs(number) < 1e15:
        return int(number)
    return text


def _message(exc: ScheduleError, spec: ParamSpec) -> str:
    """check_value's message; names the item ("milestones[1]: ...") when it is not the whole."""
    return exc.message if exc.field == spec.name else f"{exc.field}: {exc.message}"


def validate_value(spec: ParamSpec, raw: Any, check: Check | None = None) -> tuple[Any, str]:
    """(normalized value, "") when `raw` is a valid value for `spec`, else (None, message)."""
    try:
        value = check_value(spec, raw, spec.name)
    except ScheduleError as exc:
        return None, _message(exc, spec)
    if check is not None:
        problem = check(value)
        if problem:
            return None, problem
    return value, ""


def required_message(spec: ParamSpec) -> str:
    return f"required: {spec.help}" if spec.help else "required"


def error_color(palette: QPalette) -> QColor:
    """The red of inline errors, readable on the palette's window and base colours."""
    return QColor("#ff7b72" if is_dark(palette) else "#c62828")


def _set_invalid(widget: QWidget, invalid: bool) -> None:
    """Flip the `invalid` dynamic property (for style sheets, tests and themes) and repaint."""
    if bool(widget.property("invalid")) != invalid:
        widget.setProperty("invalid", invalid)
        widget.style().unpolish(widget)
        widget.style().polish(widget)
        widget.update()


class WheelNeedsFocus:
    """A mixin for the inspector's spin and combo boxes: the wheel changes one only when it
    has focus; otherwise the event goes to the form, which scrolls (list it before the Qt
    class: `class Box(WheelNeedsFocus, QSpinBox)`)."""

    def wheelEvent(self, event) -> None:  # Qt's name
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class EditorState:
    """The interface and error bookkeeping every editor shares (a mixin for Qt widgets)."""

    value_edited = Signal(object)
    error_changed = Signal(str)
    hint_changed = Signal(str)
    spec: ParamSpec
    _error: str = ""
    _check: Check | None = None
    merges = True  # typed values: consecutive edits of one field are one undo step
    paints_invalid = True  # containers leave the red frame to the editor inside

    def error(self) -> str:
        return self._error

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt's name
        super().paintEvent(event)
        if self._error and self.paints_invalid:
            # A red frame drawn over the native one: a style sheet border would make Qt
            # draw the spin box arrows and combo button as bare bevels instead.
            painter = QPainter(self)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(error_color(self.palette()), 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(self.rect()).adjusted(0.75, 0.75, -0.75, -0.75),
                                    2.5, 2.5)
            painter.end()

    def set_check(self, check: Check | None) -> None:
        """An extra rule beyond the spec (e.g. OneCycleLR's total_steps >= phase steps)."""
        self._check = check

    def _set_error(self, error: str) -> None:
        _set_invalid(self, bool(error))
        self._publish(error)

    def _publish(self, error: str) -> None:
        """Report `error` ("" for none) without marking this widget invalid: a container
        (a pair, per-group values, a path and its Browse…) leaves the red frame to the
        editor inside, which marks itself."""
        self.setAccessibleDescription(error or self.spec.help)
        if error != self._error:
            self._error = error
            self.error_changed.emit(error)


_UNSHOWN = object()  # a committed value no field ever shows


class TypedText(EditorState):
    """An editor the user types into (spin boxes, line edits): it commits every keystroke
    that reads as a valid value, so its text and its committed value differ only while the
    typing is invalid. Ctrl+Z asks it about that (see `menus.UndoKeys`)."""

    _value: Any = None  # the committed value: what the design holds

    def _interpret(self, text: str) -> tuple[Any, str]:
        raise NotImplementedError

    def has_uncommitted_text(self) -> bool:
        """Whether the field shows typing the design has not taken. A required value the
        design lacks, shown as an empty field, is not typing."""
        text = self.text()
        value, error = self._interpret(text)
        if error and not text.strip():
            return self._value is not None
        return bool(error) or value != self._value

    def revert_typing(self) -> None:
        """Show the committed value again, dropping the uncommitted typing."""
        committed, self._value = self._value, _UNSHOWN
        # set_value leaves invalid typing alone when the model re-sends the value it was
        # typed over; with the value forgotten it rewrites the text.
        self.set_value(committed)
