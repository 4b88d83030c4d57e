"""The number editors: float and int spin boxes that read what people type ("3e-5",
"10,000"), and the float pair built from two of them (Adam's betas)."""

from __future__ import annotations

import math
import sys
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QSignalBlocker, QSize, Qt
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from designer.core.schedule.catalog import FLOAT, REQUIRED, ParamSpec
from designer.core.schedule.model import MAX_TOTAL_STEPS
from designer.ui.inspector.editors_base import (
    MAX_NUMBER_TEXT,
    EditorState,
    TypedText,
    format_float,
    parse_float,
    parse_int,
    required_message,
    validate_value,
)


class _NumberBox(TypedText):
    """What the FLOAT and INT spin boxes share: validating typed text through check_value,
    emitting only valid values, and leaving the text alone while the user types."""

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
        if len(text) > 4 * MAX_NUMBER_TEXT:
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


class FloatPairEditor(EditorState, QWidget):
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

    def _on_part_edited(self, _value: object) -> None:
        pair = self.value()
        if pair is None:
            return
        value, error = validate_value(self.spec, pair, self._check)
        self._publish(error)
        if not error:
            self.value_edited.emit(value)
