"""Which source a path is, and `read_run`: the one entry point of the readers.

Each `RunSource` names its reader and how it recognises a file or a folder; `detect` asks
them in order (a folder is a Trainer output, an MLflow run, a CSVLogger folder, then a
TensorBoard log folder), so adding a source is one entry here and one reader module.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass

from designer.core.runs import csv_log, hf_trainer, mlflow_store, tensorboard_events
from designer.core.runs.series import LoggedRun, RunError


@dataclass(frozen=True)
class RunSource:
    """A kind of run: its name (LoggedRun.source, `--json`'s "source"), what the user knows
    it as, its reader, and whether it reads a file / a folder."""

    name: str
    title: str
    read: Callable[[str, str | None], LoggedRun]
    reads_file: Callable[[str], bool]
    reads_folder: Callable[[str], bool]


def _named(*names: str) -> Callable[[str], bool]:
    return lambda path: os.path.basename(path).lower() in names


def _suffix(suffix: str) -> Callable[[str], bool]:
    return lambda path: path.lower().endswith(suffix)


SOURCES = (
    RunSource("hf-trainer-state", "Hugging Face Trainer (trainer_state.json)",
              hf_trainer.read_trainer_state, _named(hf_trainer.STATE_FILE),
              lambda folder: hf_trainer.state_file(folder) is not None),
    RunSource("mlflow", "MLflow run folder", mlflow_store.read_mlflow, lambda path: False,
              lambda folder: mlflow_store.is_run_folder(folder) or (
                  os.path.basename(os.path.normpath(folder)) == mlflow_store.METRICS
                  and mlflow_store.is_run_folder(os.path.dirname(os.path.normpath(folder))))),
    RunSource("lightning-csv", "Lightning CSVLogger (metrics.csv)", csv_log.read_lightning,
              _named(csv_log.LIGHTNING_FILE),
              lambda folder: csv_log.lightning_file(folder) is not None),
    RunSource("csv", "CSV with a step column", csv_log.read_csv, _suffix(".csv"),
              lambda folder: False),
    RunSource("tensorboard", "TensorBoard event file or log folder",
              tensorboard_events.read_tensorboard, tensorboard_events.is_event_file,
              lambda folder: bool(tensorboard_events.event_files(folder))),
)
SOURCE_NAMES = tuple(source.name for source in SOURCES)


def detect(path: str) -> RunSource:
    """The source that reads `path`; RunError says why none does."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise RunError(path, f"cannot read it: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        for source in SOURCES:
            if source.reads_folder(path):
                return source
        raise RunError(path, "not a run: the folder holds no TensorBoard event files, "
                       "metrics.csv, trainer_state.json or MLflow metrics")
    if not stat.S_ISREG(info.st_mode):
        raise RunError(path, "not a run: it is not a regular file or a folder")
    for source in SOURCES:
        if source.reads_file(path):
            return source
    raise RunError(path, "not a run: expected a TensorBoard event file, a CSV, "
                   "trainer_state.json, or a run's folder")


def read_run(path: str, tag: str | None = None) -> LoggedRun:
    """The lr series `tag` (default: the first group's lr) of the run at `path`.

    Bounded and safe: only regular files are opened, each checked for its size first, and
    a folder is looked through to a bounded depth and entry count. Raises RunError (one line,
    naming the file) for anything that is not a readable run with that series.
    """
    path = os.fspath(path)
    if not path:
        raise RunError("", "no run given (the path is empty)")
    return detect(path).read(path, tag)
