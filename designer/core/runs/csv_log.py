"""CSV runs: PyTorch Lightning's CSVLogger `metrics.csv`, and any CSV with a `step` column.

Lightning's CSVLogger writes one row per logging call: LearningRateMonitor's rows hold the
`lr-<Optimizer>` columns (`lr-SGD`, `lr-AdamW/pg1`, ...; `/pg2`... for the other groups)
and `step`, and leave the other metrics' cells empty; the rows of `self.log` leave the lr
empty. Its `step` is the trainer's global step when the monitor reads the lr, at the start
of a batch (logging_interval="step") or of an epoch ("epoch"): the lr that optimizer step
uses, so step s is the design's step s (measured with lightning 2.6).

A CSVLogger folder is `<save_dir>/<name>/version_N/metrics.csv`; a folder of versions is
read at its newest (highest N).
"""

from __future__ import annotations

import csv
import io
import os
import re

from designer.core.runs.series import (
    LoggedRun,
    RunError,
    newest_numbered,
    parse_number,
    parse_step,
    read_log_text,
    run_from_series,
)

LIGHTNING_FILE = "metrics.csv"
_VERSION = re.compile(r"^version_(\d+)$")


def lightning_file(folder: str) -> str | None:
    """The metrics.csv of a CSVLogger folder: its own, or its newest version_N's; given the
    logger's save_dir (`<save_dir>/lightning_logs/version_N`), that of its one logger name."""
    own = os.path.join(folder, LIGHTNING_FILE)
    if os.path.isfile(own):
        return own
    try:
        names = os.listdir(folder)
    except OSError:
        return None
    found = newest_numbered(folder, names, _VERSION, LIGHTNING_FILE)
    if found is None:
        named = [name for name in names if os.path.isdir(os.path.join(folder, name))]
        if len(named) == 1:
            inner = os.path.join(folder, named[0])
            try:
                found = newest_numbered(inner, os.listdir(inner), _VERSION,
                                        LIGHTNING_FILE)
            except OSError:
                return None
    return found


def read_lightning(path: str, tag: str | None) -> LoggedRun:
    """A CSVLogger's metrics.csv, or its folder (newest version)."""
    if os.path.isdir(path):
        found = lightning_file(path)
        if found is None:
            raise RunError(path, "no metrics.csv in this folder or its version_N folders")
        path = found
    return read_csv(path, tag, source="lightning-csv")


def read_csv(path: str, tag: str | None, source: str = "csv") -> LoggedRun:
    """A CSV with a `step` column (any case) and lr-like columns."""
    text = read_log_text(path, "CSV file")
    try:
        rows = csv.reader(io.StringIO(text, newline=""))
        header = next(rows, None)
        if not header:
            raise RunError(path, "not a run: the CSV file is empty")
        names = [name.strip() for name in header]
        step_column = next((i for i, name in enumerate(names) if name.lower() == "step"), None)
        if step_column is None:
            raise RunError(path, f"not a run: the CSV has no 'step' column (columns: "
                           f"{', '.join(names[:12])})")
        series = _columns(path, rows, names, step_column)
    except csv.Error as exc:
        raise RunError(path, f"not a CSV file: {exc}") from None
    return run_from_series(path, source, series, tag,
                           steps_per_epoch=_steps_per_epoch(series))


def _columns(path: str, rows, names: list[str], step_column: int) -> dict:
    """name -> (steps, values) for every column but `step`, rows whose cell is empty left
    out; RunError names the line of a cell that is not a number."""
    series = {name: ([], []) for i, name in enumerate(names) if i != step_column and name}
    columns = [(i, series[name]) for i, name in enumerate(names) if name in series]
    for line, row in enumerate(rows, start=2):
        if not row:
            continue
        try:
            step_text = row[step_column] if step_column < len(row) else ""
            if not step_text.strip():
                continue
            step = parse_step(step_text)
        except ValueError:
            raise RunError(path, f"line {line}: step {step_text.strip()[:40]!r} is not an "
                           "integer") from None
        for i, (steps, values) in columns:
            cell = row[i] if i < len(row) else ""
            if not cell.strip():
                continue
            try:
                value = parse_number(cell)
            except ValueError:
                value = float("nan")  # a text column (a run's name), not a metric
            steps.append(step)
            values.append(value)
    return series


def _steps_per_epoch(series: dict) -> int | None:
    """Lightning logs `epoch` with every metric: the number of steps logged in epoch 0, when
    epoch 1 follows it (a whole epoch was logged)."""
    steps, epochs = series.get("epoch", ((), ()))
    first = {step for step, epoch in zip(steps, epochs) if epoch == 0}
    if first and any(epoch == 1 for epoch in epochs) and max(first) + 1 == len(first):
        return len(first)
    return None
