"""Parameter editors: one widget class per catalog parameter kind.

`EDITORS` maps a `ParamSpec.kind` to a widget class (napari's type-to-widget registry), so
the inspector builds every scheduler's form from the catalog and a new scheduler needs no UI
code. Every editor has the same small interface:

* ``Editor(spec, parent=None)`` builds it from a `ParamSpec`;
* ``set_value(value)`` shows a model value without emitting anything (None: empty, and an
  error when the parameter is required);
* ``value()`` is the last valid value shown or emitted;
* ``value_edited(object)`` fires only with a valid value normalized by
  `fileformat.check_value` (plus the optional ``set_check`` rule), so invalid input can never
  reach the model;
* ``error()`` / ``error_changed(str)`` carry the inline message for invalid input ("must be a
  finite number > 0"), ``hint_changed(str)`` a neutral note (an expression's value at step 0).

Typing emits as soon as the text is valid (the document merges those edits into one undo
step); text that is not valid yet is only marked, never emitted.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QRectF, QSignalBlocker, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontDatabase, QPainter, QPaintEvent, QPalette, QPen, QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from designer.core.catalog import (
    BOOL,
    CHOICE,
    EXPRESSION,
    FLOAT,
    FLOAT_PAIR,
    INT,
    INT_LIST,
    REQUIRED,
    ParamSpec,
)
from designer.core.expressions import ExpressionError, parse_expression
from designer.core.fileformat import check_value
from designer.core.model import MAX_TOTAL_STEPS, ScheduleError
from designer.ui.theme import is_dark

Check = Callable[[Any], "str | None"]  # extra rule: an error message, or None when fine

_FLOAT_TEXT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NON_FINITE_TEXT = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
_INT_TEXT = re.compile(r"[+-]?\d{1,30}")
_GROUPED_INT_TEXT = re.compile(r"\d{1,3}(?:[,_]\d{3})+")
_MAX_NUMBER_TEXT = 64


def format_float(value: float) -> str:
    """The shortest text that reads back as exactly `value`: "3e-05", "0.1", "25"."""
    text = repr(float(value))
    return text.removesuffix(".0")


def parse_float(text: str) -> Any:
    """The float `text` spells ("3e-5", "1E-4", ".5", "nan"), else the stripped text itself,
    so that `check_value` words the complaint."""
    text = text.strip()
    if len(text) <= _MAX_NUMBER_TEXT and (_FLOAT_TEXT.fullmatch(text)
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


class _EditorState:
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
        self.setAccessibleDescription(error or self.spec.help)
        if error != self._error:
            self._error = error
            self.error_changed.emit(error)


class _NumberBox(_EditorState):
    """What the FLOAT and INT spin boxes share: validating typed text through check_value,
    emitting only valid values, and leaving the text alone while the user types."""

    _value: Any = None

    def _setup(self, spec: ParamSpec) -> None:
        self.spec = spec
        self.setToolTip(spec.help)
        self.setAccessibleName(spec.name)
        self.setKeyboardTracking(True)
        self.setAccelerated(True)
        # Keep Qt from clamping out-of-range text silently: the user sees the error instead.
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.lineEdit().textEdited.connect(self._on_text_edited)
        self.textChanged.connect(self._on_text_changed)

    def _parse(self, text: str) -> Any:
        raise NotImplementedError

    def _interpret(self, text: str) -> tuple[Any, str]:
        return validate_value(self.spec, self._parse(text), self._check)

    def value(self) -> Any:
        return self._value

    def set_value(self, value: Any) -> None:
        shown, error = self._interpret(self.text())
        if value is not None and not error and shown == value:
            # The text already says this (perhaps spelled "1E-4"): rewriting it would move
            # the cursor of a user who is typing.
            self._value = value
            self._set_error("")
            return
        if value == self._value and self.hasFocus() and self._error:
            return  # the model did not change under an edit in progress; keep the typing
        self._value = value
        with QSignalBlocker(self):
            if value is None:
                self.clear()
            else:
                self.setValue(value)
        self._set_error(required_message(self.spec) if value is None else "")

    def validate(self, text: str, pos: int) -> object:  # Qt's name
        if len(text) > 4 * _MAX_NUMBER_TEXT:
            return QValidator.State.Invalid, text, pos
        _value, error = self._interpret(text)
        # Intermediate rather than Invalid: the characters stay, the error explains them.
        state = QValidator.State.Intermediate if error else QValidator.State.Acceptable
        return state, text, pos

    def stepBy(self, steps: int) -> None:  # Qt's name
        current = self._value
        if current is None:
            current = self.spec.initial_value()
        if current is None:
            current = self.minimum()
        value, error = validate_value(self.spec, self._stepped(current, steps), self._check)
        if error:
            return  # a step past a bound does nothing, like Qt's own spin boxes at the end
        self._value = value
        with QSignalBlocker(self):
            self.setValue(value)
        self.selectAll()
        self._set_error("")
        self.value_edited.emit(value)

    def _stepped(self, value: Any, steps: int) -> Any:
        raise NotImplementedError

    def wheelEvent(self, event) -> None:  # Qt's name
        # Scrolling the inspector must not change whatever value passes under the pointer.
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()

    def focusOutEvent(self, event) -> None:  # Qt's name
        super().focusOutEvent(event)
        if self._value is None:
            # Qt restores its last number on focus out; an unset required value stays empty.
            with QSignalBlocker(self):
                self.clear()
            self._set_error(required_message(self.spec))

    def _on_text_edited(self, text: str) -> None:
        value, error = self._interpret(text)
        self._set_error(error)
        if not error and value != self._value:
            self._value = value
            self.value_edited.emit(value)

    def _on_text_changed(self, text: str) -> None:
        # Programmatic changes (Qt's focus-out correction) still keep the marker truthful.
        self._set_error(self._interpret(text)[1])


class FloatEditor(_NumberBox, QDoubleSpinBox):
    """A float spin box that shows and reads scientific notation exactly ("3e-05", "1E-4")."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._setup(spec)
        # Qt rounds every value to `decimals` places; 323 (its maximum) keeps doubles exact.
        self.setDecimals(323)
        self.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.setRange(*self._qt_range(spec))
        # Qt's spin boxes never shrink below their size hint; ours may, down to a few digits,
        # so that two fit side by side (betas) in a narrow inspector.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.set_value(spec.initial_value())

    @staticmethod
    def _qt_range(spec: ParamSpec) -> tuple[float, float]:
        low, high = spec.minimum, spec.maximum
        if low is None:
            low = -sys.float_info.max
        elif spec.exclusive_min:
            # With 323 decimals Qt rounds subnormals to 0, so an exclusive 0 becomes the
            # smallest positive normal float; check_value still decides what is valid.
            low = sys.float_info.min if low == 0 else math.nextafter(low, math.inf)
        if high is None:
            high = sys.float_info.max
        elif spec.exclusive_max:
            high = math.nextafter(high, -math.inf)
        return float(low), float(high)

    def _parse(self, text: str) -> Any:
        return parse_float(text)

    def textFromValue(self, value: float) -> str:  # Qt's name
        return format_float(value)

    def valueFromText(self, text: str) -> float:  # Qt's name
        number = parse_float(text)
        return number if isinstance(number, float) and math.isfinite(number) \
            else QDoubleSpinBox.value(self)

    def _stepped(self, value: float, steps: int) -> float:
        # About 10% of the leading digit, like Qt's adaptive step, but rounded to 12
        # significant digits so that 0.1 + 0.01 reads "0.11", not "0.11000000000000001".
        magnitude = abs(value)
        if magnitude == 0:
            return steps * 1e-3
        if (value > 0) != (steps > 0):
            magnitude /= 1.01  # stepping towards zero from 0.1 goes to 0.099, not 0.09
        step = 10.0 ** (math.floor(math.log10(magnitude)) - 1)
        stepped = float(f"{value + steps * step:.12g}")
        low, high = self.minimum(), self.maximum()
        return min(max(stepped, low), high)

    def sizeHint(self) -> QSize:  # Qt's name
        # Qt sizes a spin box for its range's text; ours spans all doubles, so size for
        # a typical value instead.
        hint = super().sizeHint()
        return QSize(self.fontMetrics().horizontalAdvance("0.00000000000") + 32, hint.height())

    def minimumSizeHint(self) -> QSize:  # Qt's name
        hint = super().minimumSizeHint()
        return QSize(self.fontMetrics().horizontalAdvance("0.0000") + 28, hint.height())


class IntEditor(_NumberBox, QSpinBox):
    """An integer spin box within the spec's bounds (at most MAX_TOTAL_STEPS)."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._setup(spec)
        low = -MAX_TOTAL_STEPS if spec.minimum is None else math.ceil(spec.minimum)
        high = MAX_TOTAL_STEPS if spec.maximum is None else math.floor(spec.maximum)
        self.setRange(int(low), int(high))
        self.set_value(spec.initial_value())

    def _parse(self, text: str) -> Any:
        return parse_int(text)

    def textFromValue(self, value: int) -> str:  # Qt's name
        return str(value)

    def valueFromText(self, text: str) -> int:  # Qt's name
        number = parse_int(text)
        return number if isinstance(number, int) and abs(number) <= 2**31 - 1 \
            else QSpinBox.value(self)

    def _stepped(self, value: int, steps: int) -> int:
        return min(max(int(value) + steps * self.singleStep(), self.minimum()), self.maximum())


class BoolEditor(_EditorState, QCheckBox):
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


class ChoiceEditor(_EditorState, QComboBox):
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

    def wheelEvent(self, event) -> None:  # Qt's name
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()

    def _on_activated(self, index: int) -> None:
        value, error = validate_value(self.spec, self.itemText(index), self._check)
        self._set_error(error)
        if not error:
            self.value_edited.emit(value)


class _TextEditor(_EditorState, QLineEdit):
    """A line edit validated on every keystroke; the text is only rewritten by the model."""

    _value: Any = None

    def _setup(self, spec: ParamSpec, placeholder: str) -> None:
        self.spec = spec
        self.setToolTip(spec.help)
        self.setAccessibleName(spec.name)
        self.setPlaceholderText(placeholder)
        self.textEdited.connect(self._on_text_edited)

    def _interpret(self, text: str) -> tuple[Any, str]:
        raise NotImplementedError

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


class IntListEditor(_TextEditor):
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


class ExpressionEditor(_TextEditor):
    """A monospace expression in `step`, checked by the safe parser as you type."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._setup(spec, "e.g. 0.95 ** step")
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))

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
        try:
            # torch calls lr_lambda(0) in the constructor, so step 0 is the first value used.
            result = parse_expression(self.text())(0)
        except ExpressionError as exc:
            self.hint_changed.emit(f"step 0: {str(exc).removesuffix(' at step 0')}")
            return
        # repr, not format_float: "1.0" tells the user the factor is a float, as torch sees it.
        self.hint_changed.emit(f"step 0 → {result!r}")


class FloatPairEditor(_EditorState, QWidget):
    """Two float editors side by side (Adam's betas)."""

    paints_invalid = False

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setToolTip(spec.help)
        self.setAccessibleName(spec.name)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        defaults = spec.default if isinstance(spec.default, tuple) else (REQUIRED, REQUIRED)
        self.parts = tuple(FloatEditor(replace(spec, kind=FLOAT, name=f"{spec.name}[{i}]",
                                               default=defaults[i], suggested=None))
                           for i in range(2))
        for part in self.parts:
            layout.addWidget(part, 1)
            part.value_edited.connect(self._on_part_edited)
            part.error_changed.connect(self._on_part_error)
        self.setFocusProxy(self.parts[0])  # a label's buddy shortcut lands in the first number

    def value(self) -> tuple[float, float] | None:
        values = tuple(part.value() for part in self.parts)
        return None if None in values else values

    def set_value(self, value: Any) -> None:
        pair = value if isinstance(value, (tuple, list)) and len(value) == 2 else (None, None)
        for part, item in zip(self.parts, pair):
            part.set_value(item)
        self._on_part_error()

    def _on_part_error(self, _error: str = "") -> None:
        self._publish("; ".join(f"{part.spec.name}: {part.error()}"
                                for part in self.parts if part.error()))

    def _publish(self, error: str) -> None:
        # The red border belongs on the offending number, which marks itself; the pair only
        # reports the message.
        self.setAccessibleDescription(error or self.spec.help)
        if error != self._error:
            self._error = error
            self.error_changed.emit(error)

    def _on_part_edited(self, _value: object) -> None:
        pair = self.value()
        if pair is None:
            return
        value, error = validate_value(self.spec, pair, self._check)
        self._publish(error)
        if not error:
            self.value_edited.emit(value)


class OptionalEditor(_EditorState, QWidget):
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
}


def create_editor(spec: ParamSpec, parent: QWidget | None = None, *, optional: bool | None = None,
                  auto_hint: str = "torch's default") -> QWidget:
    """The registry's editor for `spec`, wrapped with an "auto" box when None is allowed."""
    if spec.optional if optional is None else optional:
        return OptionalEditor(spec, parent, auto_hint)
    return EDITORS[spec.kind](spec, parent)
