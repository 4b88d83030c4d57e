"""What every run source reads into: a `LoggedRun`, its errors, and the rules shared by the
readers (which series are lr-like, which one a run's default is, bounded file reads).

A reader hands `run_from_series` every series it found (name -> (steps, values)); the
lr-like ones are the candidates, `tag` picks any series by name, and the default is the
first candidate in natural order (`lr-AdamW/pg1` before `lr-AdamW/pg2` before `lr-AdamW/pg10`),
which is the first param group's for every framework we read.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from designer.core.safe_io import check_regular_file, read_regular_file
from designer.core.schedule.model import ScheduleError

# A metrics file of a million logged steps is some 100 MB of JSON or CSV; event files hold
# every other summary too (histograms, images), so they may be larger.
MAX_TEXT_LOG_BYTES = 256 * 1024 * 1024
MAX_EVENT_BYTES = 1024 * 1024 * 1024
# Folders looked through for a run's files: enough for any real log folder, bounded for /.
MAX_FOLDER_ENTRIES = 20_000

# `lr`, `learning_rate`, `lr-*` (Lightning's LearningRateMonitor), `*/lr`, `*learning_rate*`,
# and `lr/*`, `lr_*` (SummaryWriter.add_scalars of several groups).
_LR_NAME = re.compile(r"^(lr|lr[-/_].*|.*/lr|.*learning_rate.*)$", re.IGNORECASE)
# LearningRateMonitor's companions of an lr column are not lrs.
_NOT_LR = re.compile(r"-(momentum|beta1|weight_decay)$", re.IGNORECASE)


class RunError(ValueError):
    """A run that cannot be read or holds no lr series: str(error) is the one-line message,
    `path: what is wrong`."""

    def __init__(self, path: str, message: str, names: tuple[str, ...] = ()) -> None:
        self.path = str(path)
        self.message = message
        self.names = names  # the run's series, when it was read but lacks the one asked for
        super().__init__(message if self.path and self.path in message
                         else f"{self.path}: {message}")


@dataclass(frozen=True, eq=False)  # arrays: equal runs are the same object
class LoggedRun:
    """One lr series of a training run, aligned with the design's steps.

    Attributes
    ----------
    source : "tensorboard", "lightning-csv", "hf-trainer-state", "mlflow" or "csv".
    tag : the series' name in the source (a tag, a column, a metric key).
    path : the file or folder that was read (a `checkpoint-N` folder's trainer_state.json...).
    steps : int64, sorted, unique: the step each value belongs to on the design's axis, the
        0-based index of the optimizer step that used the lr (the writer's convention
        applied: a Trainer's `step` s is step s - 1 here; see `step_offset`).
    lrs : float64, the logged lr at each step (float32 in TensorBoard files).
    candidates : the source's lr-like series, default first; `tag` picks among them.
    writer : who wrote the log, when the source tells ("Hugging Face Trainer"), else "".
    step_offset : what was added to the logged step numbers to get `steps`.
    steps_per_epoch : batches per epoch, when the log says (Lightning's and the Trainer's
        epoch counts), else None.
    names : every series the source holds, in natural order (a metric's tag is picked
        among them).
    """

    source: str
    tag: str
    path: str
    steps: np.ndarray
    lrs: np.ndarray
    candidates: tuple[str, ...] = ()
    writer: str = ""
    step_offset: int = 0
    steps_per_epoch: int | None = field(default=None)
    names: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """`source: tag`, for a legend or a message."""
        return f"{self.source}: {self.tag}"


def is_lr_name(name: str) -> bool:
    """Whether a series' name says it is a learning rate."""
    return bool(_LR_NAME.match(name)) and not _NOT_LR.search(name)


def natural_key(name: str) -> list:
    """Sort key that orders digits by value: pg2 before pg10."""
    return [int(part) if part.isdigit() else part.lower()
            for part in re.split(r"(\d+)", name)]


def run_from_series(path: str, source: str, series: Mapping[str, tuple[Sequence, Sequence]],
                    tag: str | None, **facts) -> LoggedRun:
    """The run of `tag` (or of the default lr series) among `series`, name -> (steps,
    values). RunError lists the candidates when there is none or `tag` is not there.
    `facts` are LoggedRun's remaining fields (writer, step_offset, steps_per_epoch)."""
    tag, candidates = pick_tag(path, series, tag)
    offset = int(facts.get("step_offset", 0))
    steps, lrs = clean_series(*series[tag], offset)
    if not len(steps):
        raise RunError(path, f"the series {tag!r} holds no logged values")
    return LoggedRun(source, tag, str(path), steps, lrs, candidates,
                     names=tuple(sorted(series, key=natural_key)), **facts)


def pick_tag(path: str, names: Iterable[str], tag: str | None) -> tuple[str, tuple[str, ...]]:
    """The series to read (`tag`, or the default lr series) and the lr-like candidates, default
    first; RunError lists them when there is none or `tag` is not among `names`."""
    names = list(names)
    candidates = tuple(sorted((name for name in names if is_lr_name(name)), key=natural_key))
    if tag is None:
        if not candidates:
            shown = ", ".join(sorted(names, key=natural_key)[:12]) or "none"
            raise RunError(path, f"no lr series (series: {shown}); pick one with --tag")
        return candidates[0], candidates
    if tag not in names:
        ordered = tuple(sorted(names, key=natural_key))
        if candidates and is_lr_name(tag):
            raise RunError(path, f"no series {tag!r} (lr series: {', '.join(candidates)})",
                           ordered)
        shown = ", ".join(ordered[:12]) or "none"
        raise RunError(path, f"no series {tag!r} (series: {shown})", ordered)
    return tag, candidates


def clean_series(steps: Iterable, values: Iterable, offset: int = 0
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Steps (plus `offset`) sorted, with the last value logged for a step kept (a resumed
    run logs a step again), and values that are not finite numbers left out (a row of other
    metrics, an empty cell)."""
    step_array = np.asarray(list(steps), dtype=np.int64) + offset
    value_array = np.asarray(list(values), dtype=np.float64)
    keep = np.isfinite(value_array)
    step_array, value_array = step_array[keep], value_array[keep]
    # The last occurrence of each step: unique over the reversed, stable-sorted arrays.
    order = np.argsort(step_array, kind="stable")[::-1]
    unique, first = np.unique(step_array[order], return_index=True)
    return unique, value_array[order][first]


def read_log_text(path: str, what: str) -> str:
    """A log file's text (UTF-8, a BOM allowed), refusing FIFOs, devices and huge files
    before reading; RunError names the file."""
    try:
        data = read_regular_file(path, MAX_TEXT_LOG_BYTES, what)
    except ScheduleError as exc:
        raise RunError(path, exc.message) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RunError(path, f"not a {what}: the file is not UTF-8 text (byte {exc.start})"
                       ) from None


def check_log_file(path: str, limit: int, what: str) -> int:
    """`path`'s size, if it is a regular file a library may open (RunError otherwise)."""
    try:
        return check_regular_file(path, limit, what)
    except ScheduleError as exc:
        raise RunError(path, exc.message) from None


def parse_number(text: str) -> float:
    """A logged value: a float, or nan for an empty cell."""
    text = text.strip()
    return float(text) if text else math.nan


def parse_step(text: str) -> int:
    """A step number: an integer, also written as `10.0`."""
    value = float(text)
    if not value.is_integer() or abs(value) > 2**53:
        raise ValueError(text)
    return int(value)


def walk_files(folder: str, wanted, max_depth: int = 6) -> list[str]:
    """Files under `folder` (not following links) for which `wanted(name)` holds, sorted;
    at most MAX_FOLDER_ENTRIES entries are looked at (RunError past that)."""
    found, seen = [], 0
    for root, dirs, files in os.walk(folder, followlinks=False):
        seen += len(dirs) + len(files)
        if seen > MAX_FOLDER_ENTRIES:
            raise RunError(folder, f"the folder holds over {MAX_FOLDER_ENTRIES:,} files and "
                           "folders: name the run's own folder or file")
        depth = os.path.relpath(root, folder).count(os.sep) + (root != folder)
        if depth >= max_depth:
            dirs[:] = []
        dirs.sort()
        found.extend(os.path.join(root, name) for name in sorted(files) if wanted(name))
    return found


def newest_numbered(folder: str, names: Iterable[str], pattern: re.Pattern[str],
                    filename: str) -> str | None:
    """`filename` in the highest-numbered subfolder of `folder` whose name `pattern` matches
    (its group 1 the number) and that holds it: Lightning's `version_N`, Trainer's
    `checkpoint-N`. None when there is none."""
    numbered = []
    for name in names:
        match = pattern.match(name)
        candidate = os.path.join(folder, name, filename)
        if match and os.path.isfile(candidate):
            numbered.append((int(match.group(1)), candidate))
    return max(numbered)[1] if numbered else None
