"""Why a run differs from its design: the usual schedule mistakes, each a way of mapping a
logged step to the design step whose lr it got, and the sentence that names its fix.

- offset n:   logged(s) = designed(s + n)  (logged after scheduler.step(), or the scheduler
  stepped before optimizer.step());
- interval n: the scheduler stepped once per epoch of n batches where the design steps per
  batch (logged(s) = designed(s // n)), or every batch where the design steps per epoch;
- stretch k:  logged(s) = designed(k s), k may be a fraction (stepped on every micro-batch of
  gradient accumulation k; once every 1/k optimizer steps);
- scale k:    logged = k x designed (a scaled base lr);
- restart K:  as designed until K, then the design again from its step 0 (resumed without
  the scheduler's state);
- unknown:    none of these.

A mistake explains a run when every logged point it maps into the design equals the lr
there, among them at least a few points and one at or after the first difference; points it
maps outside the design (the end of a stretched run) are not held against it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any

import numpy as np

MAX_OFFSET = 16
MAX_FACTOR = 64
MAX_FRACTION_TERM = 8
MAX_RESTARTS_TRIED = 64
MIN_EXPLAINED = 4  # points an explanation must cover (or all, when the log has fewer)
SAMPLE = 256  # points a mapping is tried on before the whole run
# A mistake as a map from the logged points' design steps (as designed) and logged steps to
# the design steps whose lr they got.
Mapping = Callable[[np.ndarray, np.ndarray], np.ndarray]


class Frame:
    """A logged series next to the design's curve: `index` is the design step each logged
    step belongs to when the run does what the design says."""

    def __init__(self, steps: np.ndarray, lrs: np.ndarray, designed: np.ndarray, design: Any,
                 run_steps_per_epoch: int | None) -> None:
        self.steps = np.asarray(steps, dtype=np.int64)
        self.lrs = np.asarray(lrs, dtype=np.float64)
        self.designed = designed
        self.design = design
        self.run_steps_per_epoch = run_steps_per_epoch
        self.per = design.batches_per_step
        self.index = self.steps // self.per
        peak = float(np.max(np.abs(designed))) if len(designed) else 0.0
        # Relative to the lr itself, but an lr of 0 (a warmup's start) compares to the peak.
        self.floor = max(peak * 1e-9, 1e-300)
        self._sampled: tuple[int, np.ndarray] | None = None

    def inside(self, mapped: np.ndarray) -> np.ndarray:
        return (mapped >= 0) & (mapped < len(self.designed))

    def errors(self, mapped: np.ndarray, factor: float = 1.0,
               positions: np.ndarray | None = None) -> np.ndarray:
        """Relative error of each logged lr (or those at `positions`) against factor x the
        design's at `mapped` (inf where `mapped` is outside the design)."""
        lrs = self.lrs if positions is None else self.lrs[positions]
        if not len(self.designed):
            return np.full(len(lrs), np.inf)
        expected = factor * self.designed[np.clip(mapped, 0, len(self.designed) - 1)]
        scale = np.maximum(np.abs(expected), self.floor)
        errors = np.abs(lrs - expected) / scale
        errors[~self.inside(mapped)] = np.inf
        return errors

    def explains(self, mapping: Mapping, first: int, tolerance: float,
                 factor: float = 1.0) -> bool:
        """Whether `mapping(index, steps)` (the design step of each logged point) explains
        the run. A sample (the points after the first difference, and some spread over the
        run) turns most wrong mappings away before the whole run is compared."""
        sample = self._sample(first)
        mapped = mapping(self.index[sample], self.steps[sample])
        inside = self.inside(mapped)
        if not (self.errors(mapped, factor, sample)[inside] <= tolerance).all():
            return False
        mapped = mapping(self.index, self.steps)
        inside = self.inside(mapped)
        if not inside[first:].any() or inside.sum() < min(MIN_EXPLAINED, len(mapped)):
            return False
        return bool((self.errors(mapped, factor)[inside] <= tolerance).all())

    def _sample(self, first: int) -> np.ndarray:
        if self._sampled is None or self._sampled[0] != first:
            count = len(self.steps)
            spread = np.linspace(0, count - 1, min(count, SAMPLE)).astype(np.int64)
            positions = np.arange(first, min(first + SAMPLE, count))
            self._sampled = (first, np.unique(np.concatenate([positions, spread])))
        return self._sampled[1]


def diagnose(frame: Frame, first: int, tolerance: float) -> dict:
    """The first mistake that explains the run (`first`: the first differing point), as
    {"kind", its number, "message"}; "unknown" when none does."""
    for finding in _findings(frame, first, tolerance):
        return finding
    inside = frame.inside(frame.index)
    if not inside[first] and (frame.errors(frame.index)[inside] <= tolerance).all():
        return _past_the_end(frame)
    return {"kind": "unknown", "message": (
        "None of the usual mistakes (an offset, the interval, a stretch, a scaled lr, a "
        "restart) explains it: check that the run builds its scheduler from the exported "
        "code and calls scheduler.step() once after every optimizer.step().")}


def _findings(frame: Frame, first: int, tolerance: float) -> Iterator[dict]:
    """Every explanation, the likeliest first."""
    for n in (n for size in range(1, MAX_OFFSET + 1) for n in (size, -size)):
        if frame.explains(lambda index, steps, n=n: index + n, first, tolerance):
            yield _offset(n)
    factor = _scale_factor(frame)
    if factor is not None and frame.explains(lambda index, steps: index, first, tolerance,
                                             factor):
        yield _scale(factor, frame.design.base_lr)
    if frame.per > 1 and frame.explains(lambda index, steps: steps, first, tolerance):
        yield _interval(frame.per, "batch", frame)
    for m in _epoch_lengths(frame):
        if frame.explains(lambda index, steps, m=m: index // m, first, tolerance):
            yield (_interval(m, "epoch", frame) if _is_epoch(frame, m)
                   else _stretch(Fraction(1, m)))
    for fraction in _fractions():
        if frame.explains(lambda index, steps, p=fraction.numerator, q=fraction.denominator:
                          index * p // q, first, tolerance):
            yield _stretch(fraction)
    for restart in _restart_candidates(frame, first, tolerance):
        def restarted(index, steps, at=restart):
            return np.where(steps >= at, index - at // frame.per, index)

        if frame.explains(restarted, first, tolerance):
            yield {"kind": "restart", "step": int(restart), "message": (
                f"The run starts the schedule over at step {restart:,}: it was resumed "
                "without the scheduler's state; save scheduler.state_dict() with the "
                "checkpoint and load it when resuming (Lightning and the Trainer do, "
                "resumed from their own checkpoints).")}


def _offset(n: int) -> dict:
    steps = f"{abs(n)} step{'s' if abs(n) != 1 else ''}"
    if n > 0:
        message = (f"The run's lr at each step is the design's {steps} later: it is logged "
                   "after scheduler.step() (or the scheduler is stepped before "
                   "optimizer.step()); log it before scheduler.step(), and step the scheduler "
                   "after optimizer.step().")
    else:
        message = (f"The run's lr at each step is the design's {steps} earlier: the scheduler "
                   "starts stepping late, or the log counts steps from 1; call "
                   "scheduler.step() after every optimizer.step() from the first, and log the "
                   "lr at the 0-based step before optimizer.step().")
    return {"kind": "offset", "steps": n, "message": message}


def _scale_factor(frame: Frame) -> float | None:
    """The median ratio of logged to designed lr, rounded to 6 significant digits (an
    integer when it is one), or None when it is 1 or there is nothing to divide by."""
    inside = frame.inside(frame.index)
    designed = frame.designed[np.clip(frame.index, 0, max(len(frame.designed) - 1, 0))]
    usable = inside & (np.abs(designed) > frame.floor)
    if not usable.any() or not len(frame.designed):
        return None
    factor = float(np.median(frame.lrs[usable] / designed[usable]))
    if not math.isfinite(factor) or factor <= 0 or abs(factor - 1) < 1e-6:
        return None
    rounded = float(f"{factor:.6g}")
    return float(round(rounded)) if abs(rounded - round(rounded)) < 1e-9 else rounded


def _scale(factor: float, base_lr: float | None) -> dict:
    shown = f"{factor:g}"
    fix = "set the optimizer's lr to the design's base lr, or the design's base lr to the run's"
    if base_lr is not None:
        fix = (f"set the optimizer's lr to {base_lr:g}, or the design's base lr to "
               f"{base_lr * factor:g}")
    return {"kind": "scale", "factor": int(factor) if factor.is_integer() else factor,
            "message": f"The run's lr is {shown}x the design's: its base lr is scaled (the "
                       f"linear scaling rule, a batch-size factor); {fix}."}


def _epoch_lengths(frame: Frame) -> list[int]:
    """Batches per epoch to try for a scheduler stepped once per epoch: what the design and
    the log say, the spacing of the logged lr's changes, then 2 to MAX_FACTOR."""
    told = [frame.design.steps_per_epoch if frame.per == 1 else None, frame.run_steps_per_epoch]
    changed = np.flatnonzero(np.abs(np.diff(frame.lrs)) > 1e-7 * np.abs(frame.lrs[1:]))
    if len(changed):
        told.append(int(np.gcd.reduce(frame.steps[changed + 1])))
    lengths = [int(n) for n in told if n is not None and int(n) >= 2]
    lengths += [n for n in range(2, MAX_FACTOR + 1) if n not in lengths]
    return list(dict.fromkeys(lengths))


def _is_epoch(frame: Frame, m: int) -> bool:
    """Whether a scheduler stepped every m batches is an epoch's stepping: an epoch design
    without steps_per_epoch, or a design and a log that give no other epoch length."""
    if frame.design.interval == "epoch":
        return True
    return (frame.design.steps_per_epoch in (None, m)
            and frame.run_steps_per_epoch in (None, m))


def _interval(n: int, run_steps: str, frame: Frame) -> dict:
    if run_steps == "batch":
        message = (f"The run steps the scheduler every batch where the design steps it once "
                   f"per epoch of {n:,} batches: call scheduler.step() once per epoch "
                   "(Lightning: \"interval\": \"epoch\"), or set the design's interval to "
                   "step.")
    elif frame.design.interval == "epoch":
        message = (f"The run counts its steps in batches, {n:,} per epoch, where the design "
                   f"counts epochs: set the design's steps per epoch to {n:,}.")
    else:
        message = (f"The run steps the scheduler once per epoch of {n:,} batches where the "
                   "design steps it every batch: call scheduler.step() after every "
                   "optimizer.step() (Lightning: \"interval\": \"step\"), or set the design's "
                   f"interval to epoch with {n:,} steps per epoch.")
    return {"kind": "interval", "steps_per_epoch": int(n), "message": message}


def _fractions() -> list[Fraction]:
    """Integer factors 2..MAX_FACTOR, then fractions p/q (not 1/m, tried as epochs)."""
    found = [Fraction(k) for k in range(2, MAX_FACTOR + 1)]
    found += sorted({Fraction(p, q) for p in range(2, MAX_FRACTION_TERM + 1)
                     for q in range(2, MAX_FRACTION_TERM + 1)
                     if Fraction(p, q).denominator != 1 and Fraction(p, q).numerator != 1})
    return found


def _stretch(factor: Fraction) -> dict:
    if factor > 1 and factor.denominator == 1:
        k = int(factor)
        message = (f"The run goes through the schedule {k}x as fast as the design: its "
                   f"scheduler is stepped on every micro-batch (gradient accumulation {k}), "
                   f"or {k} times per optimizer step; call scheduler.step() only after "
                   "optimizer.step().")
    elif factor.numerator == 1:
        message = (f"The run goes through the schedule at 1/{factor.denominator} of the "
                   f"design's pace: its scheduler is stepped once every {factor.denominator} "
                   "optimizer steps; call scheduler.step() after every optimizer.step().")
    else:
        message = (f"The run goes through the schedule at {factor} of the design's pace: its "
                   f"scheduler is stepped {factor.numerator} times every "
                   f"{factor.denominator} optimizer steps; call scheduler.step() once after "
                   "every optimizer.step().")
    value = int(factor) if factor.denominator == 1 else float(factor)
    return {"kind": "stretch", "factor": value, "message": message}


def _restart_candidates(frame: Frame, first: int, tolerance: float) -> list[int]:
    """Logged steps up to the first difference where the lr is the design's first lr (a
    fresh scheduler's), nearest the difference first."""
    if not len(frame.designed) or first == 0:
        return []
    start = frame.designed[0]
    near = np.abs(frame.lrs[1:first + 1] - start) <= tolerance * max(abs(start), frame.floor)
    candidates = frame.steps[1:first + 1][near]
    return [int(step) for step in candidates[::-1][:MAX_RESTARTS_TRIED]]


def _past_the_end(frame: Frame) -> dict:
    total = len(frame.designed) * frame.per
    last = int(frame.steps[-1])
    return {"kind": "unknown", "message": (
        f"The run goes on past the design's {total:,} steps: stop training at step "
        f"{total:,}, or make the design as long as the run ({last + 1:,} steps).")}
