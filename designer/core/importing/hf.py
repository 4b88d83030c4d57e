"""Hugging Face `lr_scheduler_type` configs as designs built from torch schedulers.

transformers builds every one of its schedules as a single `LambdaLR` whose lambda is a
piecewise formula of the global step. A design reproduces it with one phase per piece: each
phase restarts from the base lr and is a `LambdaLR` whose expression is transformers' formula
for that piece, written with the same float operations in the same order (`float(a) /
float(b)` becomes `a / b`, which Python rounds identically for integers below 2**53; int
arithmetic on step counts is folded, being exact), or a `ConstantLR(factor=1.0)` where
transformers returns 1.0. The values therefore equal `transformers.get_scheduler`'s to the
last bit, not merely within a tolerance. The formulas mirror transformers 5.x
(`transformers/optimization.py`); `tests/core/test_import_hf.py` compares against the
installed version over whole runs.

`reduce_lr_on_plateau` is the exception: one simulated ReduceLROnPlateau phase
(`hf_plateau.py`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from designer.core.importing.hf_plateau import (
    PLATEAU,
    plateau_name,
    plateau_phase,
    trainer_extra,
)
from designer.core.schedule.fileformat import shown_value
from designer.core.schedule.model import (
    MAX_TOTAL_STEPS,
    OptimizerConfig,
    Phase,
    Schedule,
    ScheduleError,
)

# Extra parameters each type takes (transformers' `scheduler_specific_kwargs`) and defaults.
HF_TYPES: dict[str, dict[str, Any]] = {
    "linear": {},
    "cosine": {"num_cycles": 0.5},
    "cosine_with_restarts": {"num_cycles": 1},
    "polynomial": {"lr_end": 1e-7, "power": 1.0},
    "constant": {},
    "constant_with_warmup": {},
    "inverse_sqrt": {"timescale": None},
    "cosine_with_min_lr": {"num_cycles": 0.5, "min_lr": None, "min_lr_rate": None},
    "cosine_warmup_with_min_lr": {"num_cycles": 0.5, "min_lr": None, "min_lr_rate": None,
                                  "warmup_lr_rate": None},
    "warmup_stable_decay": {"num_decay_steps": None, "num_stable_steps": None,
                            "warmup_type": "linear", "decay_type": "cosine",
                            "min_lr_ratio": 0, "num_cycles": 0.5},
}
_SHAPES = ("linear", "cosine", "1-sqrt")
_TEXT_EXTRAS = ("warmup_type", "decay_type")
_INT_EXTRAS = ("num_decay_steps", "num_stable_steps")


@dataclass(frozen=True)
class _Piece:
    """One branch of transformers' lambda: global steps [start, end), `formula(start)`
    returns the expression text in the phase's own `step` (global step = step + start),
    or None where transformers returns exactly 1.0."""

    end: int | None
    formula: Callable[[int], str] | None


def import_hf(kind: str, warmup_steps: int, total_steps: int, lr: float,
              **extra: Any) -> Schedule:
    """The design equal to `transformers.get_scheduler(kind, AdamW(lr=lr), warmup_steps,
    total_steps, scheduler_specific_kwargs=extra)` over its `total_steps` steps (for
    reduce_lr_on_plateau, Trainer's: `extra` may also hold `metric_for_best_model`).

    Raises ScheduleError naming the offending argument (``extra.num_cycles: ...``).
    """
    _check_count(warmup_steps, "warmup_steps", minimum=0)
    _check_count(total_steps, "total_steps", minimum=1)
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not (
            math.isfinite(lr) and lr > 0):
        raise ScheduleError("lr", "must be a finite number > 0")
    if kind == PLATEAU:
        extra = trainer_extra(extra)
    phases = hf_phases(kind, warmup_steps, total_steps, float(lr), extra)
    name = f"Hugging Face {kind} schedule ({warmup_steps:,} warmup of {total_steps:,} steps)"
    if kind == PLATEAU:
        name = plateau_name(total_steps, phases[0])
    return Schedule(tuple(phases), OptimizerConfig("AdamW", float(lr)), "step", None, name)


def extra_from_text(item: str) -> tuple[str, Any]:
    """A `key=value` extra as the command line gives it (`--extra num_cycles=0.5`): the value
    an int, a float, None (`none`), or else the text."""
    key, separator, text = item.partition("=")
    if not separator or not key.strip():
        raise ScheduleError("extra", f"{shown_value(item)} is not KEY=VALUE")
    for convert in (int, float):
        try:
            return key.strip(), convert(text)
        except ValueError:
            pass
    return key.strip(), None if text.strip().lower() == "none" else text


def hf_phases(kind: str, warmup: int, total: int, lr: float, extra: dict[str, Any],
              run_steps: int | None = None) -> list[Phase]:
    """The phases of one transformers schedule (see `import_hf`) over `run_steps` steps,
    by default `total` (its num_training_steps); a longer run continues the last formula,
    as transformers' lambda does."""
    if kind == PLATEAU:
        return [plateau_phase(warmup, total if run_steps is None else run_steps, extra)]
    if kind not in HF_TYPES:
        raise ScheduleError("type", f"unknown lr_scheduler_type {kind!r} (known: "
                            + ", ".join([*HF_TYPES, PLATEAU]) + ")")
    options = _options(kind, extra)
    pieces = _PIECES[kind](warmup, total, lr, options)
    return _phases(pieces, total if run_steps is None else run_steps)


def _check_count(value: Any, field: str, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ScheduleError(field, f"must be an integer >= {minimum}")
    if value > MAX_TOTAL_STEPS:
        raise ScheduleError(field, f"must be at most {MAX_TOTAL_STEPS:,}")


def check_steps(value: Any, field: str, minimum: int) -> None:
    """A count of steps as transformers takes it: an integer, or a float (`0.1 * total`),
    which its formulas compute with as it is."""
    if isinstance(value, float) and math.isfinite(value) and minimum <= value <= MAX_TOTAL_STEPS:
        return
    if isinstance(value, float):
        raise ScheduleError(field, f"must be a finite number from {minimum} to "
                            f"{MAX_TOTAL_STEPS:,}")
    _check_count(value, field, minimum)


def _options(kind: str, extra: dict[str, Any]) -> dict[str, Any]:
    known = HF_TYPES[kind]
    options = dict(known)
    for key, value in extra.items():
        if key not in known:
            takes = ", ".join(known) if known else "no extra parameters"
            raise ScheduleError(f"extra.{key}", f"not a parameter of {kind} (it takes {takes})")
        if key in _TEXT_EXTRAS:
            if value not in _SHAPES:
                raise ScheduleError(f"extra.{key}", "must be one of " + ", ".join(_SHAPES))
        elif key in _INT_EXTRAS:
            if value is not None:
                check_steps(value, f"extra.{key}", minimum=0)
        elif value is not None and (isinstance(value, bool) or not isinstance(
                value, (int, float)) or not math.isfinite(value)):
            raise ScheduleError(f"extra.{key}", "must be a finite number")
        options[key] = value
    return options


def _phases(pieces: list[_Piece], total: int) -> list[Phase]:
    """Cut the pieces to [0, total); an `if` chain reaches a piece only after the earlier
    ones, so a piece whose end lies before its start is empty."""
    phases, start = [], 0
    for piece in pieces:
        # `current_step < end` holds up to ceil(end) - 1 (an end may be a float).
        end = total if piece.end is None else min(max(math.ceil(piece.end), start), total)
        if end > start:
            if piece.formula is None:
                phases.append(Phase("ConstantLR", end - start, {"factor": 1.0}))
            else:
                text = piece.formula(start)
                if isinstance(piece.end, float) and not piece.end.is_integer():
                    # transformers leaves this branch at the fractional end; the step that
                    # closes the phase (its lr is not on the curve) must not evaluate it
                    # past there, where `1 - sqrt(1 - progress)` has no value.
                    text = f"({text}) if step < {end - start} else 0.0"
                phases.append(Phase("LambdaLR", end - start, {"lr_lambda": text}))
        start = max(start, end)
    return phases


def _since(start: int, *origins: float) -> str:
    """Text for transformers' `current_step - origin - ...` in the phase's own step: folded
    into one offset while the origins are integers (exact), else subtracted in its order,
    as float subtraction rounds at each step."""
    if all(isinstance(origin, int) for origin in origins):
        return _at(start - sum(origins))
    text = _at(start)
    for origin in origins:
        text = f"({text} - {_lit(origin)})"
    return text


def _until(end: float, start: int) -> str:
    """Text for transformers' `end - current_step` in the phase's own step."""
    if isinstance(end, int):
        return f"({end - start} - step)"
    return f"({_lit(end)} - {_at(start)})"


def _at(offset: int) -> str:
    """Text for `step + offset`: a global step minus an origin, in the phase's own step."""
    if offset == 0:
        return "step"
    return f"(step + {offset})" if offset > 0 else f"(step - {-offset})"


def _lit(value: Any) -> str:
    """A number as expression text. Every number an expression holds passes here: one that
    overflowed to inf (or nan) would become a name the expression does not know."""
    if not math.isfinite(value):
        raise ScheduleError("extra", f"a value computed from the arguments is {value!r}, not "
                            "a finite number")
    return f"({value!r})" if value < 0 else repr(value)


def _warmup(warmup: int) -> _Piece:
    # float(current_step) / float(max(1, num_warmup_steps))
    return _Piece(warmup, lambda start: f"{_at(start)} / {_lit(max(1, warmup))}")


def _progress(warmup: int, total: int) -> Callable[[int], str]:
    # float(current_step - num_warmup_steps) / float(max(1, num_training_steps - warmup))
    return lambda start: f"({_since(start, warmup)} / {_lit(max(1, total - warmup))})"


def _linear(warmup: int, total: int, lr: float, o: dict[str, Any]) -> list[_Piece]:
    return [_warmup(warmup), _Piece(None, lambda start: (
        f"max(0.0, {_until(total, start)} / {_lit(max(1, total - warmup))})"))]


def _cosine(warmup: int, total: int, lr: float, o: dict[str, Any]) -> list[_Piece]:
    progress, cycles = _progress(warmup, total), float(o["num_cycles"])
    return [_warmup(warmup), _Piece(None, lambda start: (
        f"max(0.0, 0.5 * (1.0 + math.cos(math.pi * {_lit(cycles)} * 2.0 * "
        f"{progress(start)})))"))]


def _cosine_with_restarts(warmup: int, total: int, lr: float,
                          o: dict[str, Any]) -> list[_Piece]:
    progress, cycles = _progress(warmup, total), float(o["num_cycles"])
    return [_warmup(warmup), _Piece(None, lambda start: (
        f"0.0 if {progress(start)} >= 1.0 else max(0.0, 0.5 * (1.0 + math.cos(math.pi * "
        f"(({_lit(cycles)} * {progress(start)}) % 1.0))))"))]


def _polynomial(warmup: int, total: int, lr: float, o: dict[str, Any]) -> list[_Piece]:
    lr_end, power = o["lr_end"], o["power"]
    if not lr > lr_end:
        raise ScheduleError("extra.lr_end", f"must be smaller than the lr ({lr!r}); "
                            "transformers refuses it")

    def decay(start: int) -> str:
        # lr_end / lr_init past the end, else (lr_range * pct_remaining**power + lr_end) / lr_init
        remaining = f"(1 - {_since(start, warmup)} / {_lit(total - warmup)})"
        return (f"{_lit(lr_end)} / {lr!r} if {_at(start)} > {_lit(total)} else "
                f"(({lr!r} - {_lit(lr_end)}) * {remaining} ** {_lit(power)} + {_lit(lr_end)})"
                f" / {lr!r}")

    return [_warmup(warmup), _Piece(None, decay)]


def _constant(warmup: int, total: int, lr: float, o: dict[str, Any]) -> list[_Piece]:
    return [_Piece(None, None)]  # get_scheduler ignores the warmup of "constant"


def _constant_with_warmup(warmup: int, total: int, lr: float,
                          o: dict[str, Any]) -> list[_Piece]:
    return [_warmup(warmup), _Piece(None, None)]


def _inverse_sqrt(warmup: int, total: int, lr: float, o: dict[str, Any]) -> list[_Piece]:
    timescale = o["timescale"]
    if timescale is None:
        timescale = warmup or 10_000
    if timescale == 0:
        raise ScheduleError("extra.timescale", "must not be 0 (transformers divides by it)")

    def decay(start: int) -> str:
        # 1.0 / math.sqrt((current_step + shift) / timescale), shift = timescale - warmup
        if isinstance(timescale, int) and isinstance(warmup, int):
            return f"1.0 / math.sqrt({_at(start - warmup + timescale)} / {_lit(timescale)})"
        return (f"1.0 / math.sqrt(({_at(start)} + {_lit(timescale - warmup)}) / "
                f"{_lit(timescale)})")

    return [_warmup(warmup), _Piece(None, decay)]


def _min_lr_rate(lr: float, o: dict[str, Any]) -> float:
    if o["min_lr"] is not None and o["min_lr_rate"] is not None:
        raise ScheduleError("extra.min_lr", "give min_lr or min_lr_rate, not both")
    if o["min_lr"] is not None:
        rate = o["min_lr"] / lr
        if not math.isfinite(rate):  # the formulas use min_lr / lr, not min_lr itself
            raise ScheduleError("extra.min_lr", f"must be a finite number whose ratio to the "
                                f"lr is finite too; {o['min_lr']!r} / {lr!r} overflows")
        return rate
    if o["min_lr_rate"] is None:
        raise ScheduleError("extra.min_lr", "this type needs min_lr or min_lr_rate")
    return o["min_lr_rate"]


def _cosine_with_min_lr(warmup: int, total: int, lr: float, o: dict[str, Any]) -> list[_Piece]:
    rate, progress, cycles = _min_lr_rate(lr, o), _progress(warmup, total), float(o["num_cycles"])
    return [_warmup(warmup), _Piece(None, lambda start: (
        f"max(0, 0.5 * (1.0 + math.cos(math.pi * {_lit(cycles)} * 2.0 * {progress(start)})) "
        f"* (1 - {_lit(rate)}) + {_lit(rate)})"))]


def _cosine_warmup_with_min_lr(warmup: int, total: int, lr: float,
                               o: dict[str, Any]) -> list[_Piece]:
    # This variant converts the step to float first and counts from step + 1.
    rate, cycles, start_rate = _min_lr_rate(lr, o), o["num_cycles"], o["warmup_lr_rate"]
    if start_rate is None:
        ramp = _Piece(warmup, lambda start: f"({_at(start)} + 1.0) / {max(1.0, float(warmup))!r}")
    else:
        start_rate = float(start_rate)
        ramp = _Piece(warmup, lambda start: (
            f"{_lit(start_rate)} + (1.0 - {_lit(start_rate)}) * {_at(start)} / "
            f"{max(1, float(warmup) - 1)!r}"))
    span = max(1.0, float(total) - float(warmup))
    return [ramp, _Piece(None, lambda start: (
        f"max(0, 0.5 * (1.0 + math.cos(math.pi * {_lit(cycles)} * 2.0 * "
        f"(({_since(start, warmup)} + 1.0) / {span!r}))) * (1 - {_lit(rate)}) + {_lit(rate)})"))]


def _shape(kind: str, progress: str, cycles: float, rising: bool) -> str:
    if kind == "linear":
        return progress if rising else f"(1.0 - {progress})"
    if kind == "cosine":
        if rising:
            return f"0.5 * (1.0 - math.cos(math.pi * {progress}))"
        return f"0.5 * (1.0 + math.cos(math.pi * {_lit(cycles)} * 2.0 * {progress}))"
    return (f"(1.0 - math.sqrt(1.0 - {progress}))" if rising
            else f"(1.0 - math.sqrt({progress}))")


def _warmup_stable_decay(warmup: int, total: int, lr: float,
                         o: dict[str, Any]) -> list[_Piece]:
    decay_steps, stable, floor = o["num_decay_steps"], o["num_stable_steps"], o["min_lr_ratio"]
    if decay_steps is None:
        raise ScheduleError("extra.num_decay_steps", "warmup_stable_decay needs it")
    if stable is None:
        stable = total - warmup - decay_steps
    cycles = float(o["num_cycles"])

    def scaled(factor: str) -> str:  # factor * (1.0 - min_lr_ratio) + min_lr_ratio
        return f"max(0.0, {factor} * (1.0 - {_lit(floor)}) + {_lit(floor)})"

    def ramp(start: int) -> str:
        return scaled(_shape(o["warmup_type"], f"({_at(start)} / {_lit(max(1, warmup))})",
                             cycles, rising=True))

    def decay(start: int) -> str:
        progress = f"({_since(start, warmup, stable)} / {_lit(max(1, decay_steps))})"
        return scaled(_shape(o["decay_type"], progress, cycles, rising=False))

    return [_Piece(warmup, ramp), _Piece(warmup + stable, None),
            _Piece(warmup + stable + decay_steps, decay),
            _Piece(None, lambda start: _lit(floor))]


_PIECES: dict[str, Callable[[int, int, float, dict[str, Any]], list[_Piece]]] = {
    "linear": _linear,
    "cosine": _cosine,
    "cosine_with_restarts": _cosine_with_restarts,
    "polynomial": _polynomial,
    "constant": _constant,
    "constant_with_warmup": _constant_with_warmup,
    "inverse_sqrt": _inverse_sqrt,
    "cosine_with_min_lr": _cosine_with_min_lr,
    "cosine_warmup_with_min_lr": _cosine_warmup_with_min_lr,
    "warmup_stable_decay": _warmup_stable_decay,
}
