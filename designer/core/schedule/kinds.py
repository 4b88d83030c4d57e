"""Parameter kinds: what the value of a scheduler's or optimizer's parameter can be, each
kind defined once.

A `Kind` knows four things about its values, and everything else asks it:

* `check`: a raw value (from a file, an editor, an imported snippet, a preset knob) checked
  and normalized, or a ScheduleError naming the field; lists become tuples.
* `to_torch`: a checked value as the torch constructor takes it (an expression becomes a
  callable, a list of milestones a list, an int given for a float a float).
* `to_source`: a checked value as Python source in the exported code; it builds exactly
  the object `to_torch` hands torch, so the preview and the export run the same torch path.
* `short_text`: a checked value as a timeline block's label shows it ("48k", "30,60,90").

The kind names (FLOAT, INT, ...) live in the catalog, which declares each parameter's kind.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

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
from designer.core.schedule.expressions import ExpressionError, parse_expression
from designer.core.schedule.model import MAX_GROUPS, MAX_TOTAL_STEPS, ScheduleError

MAX_LIST_LENGTH = 10_000
MAX_TEXT_LENGTH = 4096  # a path or a series name: one line, bounded


class NonFinite:
    """NaN, Infinity or -Infinity as the JSON reader met them (json's parse_constant), so
    that the checks can say which one a file wrote."""

    def __init__(self, text: str) -> None:
        self.text = text


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_number(value: Any, path: str, minimum: float | None = None,
                 maximum: float | None = None, exclusive_min: bool = False,
                 exclusive_max: bool = False) -> float:
    """A finite float within bounds, or a ScheduleError that says which bound."""
    if isinstance(value, NonFinite):
        raise ScheduleError(path, f"must be a finite number, not {value.text}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScheduleError(path, "must be a number" + bounds_text(minimum, maximum,
                                                                 exclusive_min, exclusive_max))
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ScheduleError(path, "must be a finite number")
    low_bad = minimum is not None and (number <= minimum if exclusive_min else number < minimum)
    high_bad = maximum is not None and (number >= maximum if exclusive_max else number > maximum)
    if low_bad or high_bad:
        raise ScheduleError(path, "must be a finite number" + bounds_text(
            minimum, maximum, exclusive_min, exclusive_max))
    return number


def check_int(value: Any, path: str, minimum: float | None, maximum: float | None) -> int:
    if not is_int(value) or (minimum is not None and value < minimum):
        raise ScheduleError(path, "must be an integer" + bounds_text(minimum, maximum))
    # Counts of steps beyond the schedule cap are never meaningful (and keep ints small).
    cap = maximum if maximum is not None else MAX_TOTAL_STEPS
    if value > cap:
        raise ScheduleError(path, f"must be at most {number_text(cap)}")
    return value


def bounds_text(minimum: float | None, maximum: float | None, exclusive_min: bool = False,
                exclusive_max: bool = False) -> str:
    parts = []
    if minimum is not None:
        parts.append(f"{'>' if exclusive_min else '>='} {number_text(minimum)}")
    if maximum is not None:
        parts.append(f"{'<' if exclusive_max else '<='} {number_text(maximum)}")
    return " " + " and ".join(parts) if parts else ""


def number_text(number: float) -> str:
    """Bounds as people write them: 0, 1, 10,000,000, 0.5."""
    return f"{int(number):,}" if float(number).is_integer() else f"{number:g}"


def short_count(n: float) -> str:
    """A count a timeline block can fit: 950, 1.5k, 48k, 2M."""
    n = float(n)
    for size, suffix in ((1e6, "M"), (1e3, "k")):
        text = f"{n / size:.3g}"
        if abs(float(text)) >= 1:  # 999,999 rounds to 1M, not 1000k
            return (text if "e" not in text else f"{n / size:.0f}") + suffix
    return f"{n:g}"


def short_number(value: float) -> str:
    """A number in as few characters as stays exact enough to recognise: 0.333, 3e-5, 48k."""
    if is_int(value):
        return short_count(value) if abs(value) >= 10_000 else str(value)
    value = float(value)
    if value.is_integer() and abs(value) >= 10_000:
        return short_count(value)
    text = f"{value:.3g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def _float(param: ParamSpec, value: Any, path: str) -> float:
    return check_number(value, path, param.minimum, param.maximum, param.exclusive_min,
                        param.exclusive_max)


class Kind:
    """The default behaviour: values pass to torch and to the source as they are."""

    def check(self, param: ParamSpec, value: Any, path: str) -> Any:
        raise NotImplementedError

    def to_torch(self, param: ParamSpec, value: Any, path: str) -> Any:
        return value

    def to_source(self, param: ParamSpec, value: Any) -> str:
        return repr(value)

    def short_text(self, param: ParamSpec, value: Any) -> str:
        return str(value)


class FloatKind(Kind):
    """A finite number within the parameter's bounds; for a `per_group` parameter also a
    list of 2 to MAX_GROUPS numbers, one per param group."""

    def check(self, param: ParamSpec, value: Any, path: str) -> Any:
        if param.per_group and isinstance(value, (list, tuple)):
            if not 2 <= len(value) <= MAX_GROUPS:
                raise ScheduleError(path, f"must be a number, or a list of 2 to {MAX_GROUPS} "
                                    "numbers (one per param group)")
            return tuple(_float(param, v, f"{path}[{i}]") for i, v in enumerate(value))
        return _float(param, value, path)

    def to_torch(self, param: ParamSpec, value: Any, path: str) -> Any:
        if isinstance(value, tuple):
            return [float(v) for v in value]
        if is_int(value):
            # Torch type-checks some floats (OneCycleLR refuses pct_start=1); the exporter
            # writes what this returns, so both always run the same torch code path.
            return float(value)
        return value

    def to_source(self, param: ParamSpec, value: Any) -> str:
        return repr(self.to_torch(param, value, ""))

    def short_text(self, param: ParamSpec, value: Any) -> str:
        if isinstance(value, tuple):  # one per param group: "0.1/1"
            return "/".join(short_number(v) for v in value)
        return short_number(value)


class IntKind(Kind):
    def check(self, param: ParamSpec, value: Any, path: str) -> int:
        return check_int(value, path, param.minimum, param.maximum)

    def short_text(self, param: ParamSpec, value: Any) -> str:
        return short_number(value)


class BoolKind(Kind):
    def check(self, param: ParamSpec, value: Any, path: str) -> bool:
        if not isinstance(value, bool):
            raise ScheduleError(path, "must be true or false")
        return value

    def short_text(self, param: ParamSpec, value: Any) -> str:
        return "on" if value else "off"


class ChoiceKind(Kind):
    def check(self, param: ParamSpec, value: Any, path: str) -> str:
        if not isinstance(value, str) or value not in param.choices:
            raise ScheduleError(path, "must be one of " + ", ".join(map(repr, param.choices)))
        return value


class IntListKind(Kind):
    """Milestones: at most MAX_LIST_LENGTH integers."""

    def check(self, param: ParamSpec, value: Any, path: str) -> tuple[int, ...]:
        if not isinstance(value, (list, tuple)) or len(value) > MAX_LIST_LENGTH:
            raise ScheduleError(path, f"must be a list of at most {MAX_LIST_LENGTH:,} integers")
        return tuple(check_int(v, f"{path}[{i}]", param.minimum, None)
                     for i, v in enumerate(value))

    def to_torch(self, param: ParamSpec, value: Any, path: str) -> list[int]:
        return [int(v) for v in value]

    def to_source(self, param: ParamSpec, value: Any) -> str:
        return repr(self.to_torch(param, value, ""))

    def short_text(self, param: ParamSpec, value: Any) -> str:
        return ",".join(short_number(v) for v in value)


class FloatPairKind(Kind):
    """Two numbers (Adam's betas)."""

    def check(self, param: ParamSpec, value: Any, path: str) -> tuple[float, float]:
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise ScheduleError(path, "must be a list of two numbers")
        return tuple(_float(param, v, f"{path}[{i}]") for i, v in enumerate(value))

    def to_torch(self, param: ParamSpec, value: Any, path: str) -> tuple[float, ...]:
        return tuple(float(v) for v in value)

    def to_source(self, param: ParamSpec, value: Any) -> str:
        return repr(self.to_torch(param, value, ""))

    def short_text(self, param: ParamSpec, value: Any) -> str:
        return ",".join(short_number(v) for v in value)


class ExpressionKind(Kind):
    """An expression in `step`, as text (see designer.core.schedule.expressions)."""

    def check(self, param: ParamSpec, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise ScheduleError(path, "must be an expression in `step`, as text")
        try:
            parse_expression(value)
        except ExpressionError as exc:
            raise ScheduleError(path, str(exc)) from None
        return value

    def to_torch(self, param: ParamSpec, value: Any, path: str) -> Callable[[int], Any]:
        """A callable that raises ScheduleError naming `path` where the expression fails."""
        try:
            expression = parse_expression(value)
        except ExpressionError as exc:
            raise ScheduleError(path, str(exc)) from None

        def evaluate(step: int) -> Any:
            try:
                return expression(step)
            except ExpressionError as exc:
                raise ScheduleError(path, str(exc)) from None

        return evaluate

    def to_source(self, param: ParamSpec, value: Any) -> str:
        return f"lambda step: {parse_expression(value).python_source}"


class TextKind(Kind):
    """One line of text (a logged run's series name); "" means not given."""

    what = "text"

    def check(self, param: ParamSpec, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise ScheduleError(path, f"must be {self.what}")
        if len(value) > MAX_TEXT_LENGTH or any(c in value for c in "\n\r\0"):
            raise ScheduleError(path, f"must be {self.what} on one line of at most "
                                f"{MAX_TEXT_LENGTH:,} characters")
        return value

    def short_text(self, param: ParamSpec, value: Any) -> str:
        return value or "—"


class PathKind(TextKind):
    """A file or folder as the user gave it: saved as written, a relative path read from the
    design file's folder (as the design's `runs` are). "" means none."""

    what = "a file or folder path as text"

    def short_text(self, param: ParamSpec, value: Any) -> str:
        return value.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or "—"


KINDS: dict[str, Kind] = {FLOAT: FloatKind(), INT: IntKind(), BOOL: BoolKind(),
                          CHOICE: ChoiceKind(), INT_LIST: IntListKind(),
                          FLOAT_PAIR: FloatPairKind(), EXPRESSION: ExpressionKind(),
                          TEXT: TextKind(), PATH: PathKind()}


def kind_of(param: ParamSpec) -> Kind:
    return KINDS[param.kind]


def short_text(param: ParamSpec, value: Any) -> str:
    """A checked value as a timeline label shows it; "—" for an optional one left out."""
    return "—" if value is None else kind_of(param).short_text(param, value)


def check_value(param: ParamSpec, value: Any, path: str) -> Any:
    """Validate one parameter value against its spec; returns the normalized value (None
    for an optional parameter left out)."""
    if value is None and param.optional:
        return None
    return kind_of(param).check(param, value, path)
