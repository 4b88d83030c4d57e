"""TensorBoard runs: an event file, or a log folder with event files at any depth.

Read with TensorBoard's own `EventAccumulator` (imported on first use: the window's startup
does not pay for it), keeping every scalar (`size_guidance` 0). Both kinds of scalar summary
are read: `SummaryWriter.add_scalar`'s simple values and the tensors of TF2-style writers
(plugin "scalars"). Event files in a sub-folder (`SummaryWriter.add_scalars` writes one per
series; the Trainer writes `runs/<date>/`) are named by their folder: `lr_pg1/lr`.

Step conventions: a plain loop that logs `optimizer.param_groups[0]["lr"]` at step i before
the i-th `optimizer.step()` (counted from 0) logs the design's step i; so do Lightning's
TensorBoardLogger and LearningRateMonitor. The Trainer's TensorBoardCallback logs
`train/learning_rate` at its global step, one past the design's (see `hf_trainer`); it is
recognised by the `args` text summary the callback writes.
"""

from __future__ import annotations

import contextlib
import logging
import os

from designer.core.runs import hf_trainer
from designer.core.runs.series import (
    MAX_EVENT_BYTES,
    LoggedRun,
    RunError,
    check_log_file,
    pick_tag,
    run_from_series,
    walk_files,
)

_HF_ARGS = "args/text_summary"  # the Trainer's TensorBoardCallback writes its arguments
_HF_LR = "train/learning_rate"
# Everything but scalars is kept at one item: an event file's images and histograms are
# not read into memory.
_SIZE_GUIDANCE = {"scalars": 0, "tensors": 0, "images": 1, "audio": 1, "histograms": 1,
                  "compressedHistograms": 1}


def is_event_file(name: str) -> bool:
    """TensorBoard's own rule (`IsTensorFlowEventsFile`)."""
    return "tfevents" in os.path.basename(name)


def event_files(folder: str) -> list[str]:
    """The event files under `folder`, at any depth (bounded, see `walk_files`)."""
    return walk_files(folder, is_event_file)


def read_tensorboard(path: str, tag: str | None) -> LoggedRun:
    """An event file, or a folder of them: one series per (folder, tag)."""
    if os.path.isdir(path):
        files = event_files(path)
        if not files:
            raise RunError(path, "no TensorBoard event files in this folder")
    else:
        files = [path]
    total = sum(check_log_file(file, MAX_EVENT_BYTES, "TensorBoard event file")
                for file in files)
    if total > MAX_EVENT_BYTES:
        raise RunError(path, f"the event files are too large ({total:,} bytes) to read")
    series: dict[str, tuple[list, list]] = {}
    trainer_tags = set()
    folders = sorted({os.path.dirname(file) for file in files}) if os.path.isdir(path) else [path]
    for source in folders:
        folder = os.path.relpath(source, path) if os.path.isdir(path) else "."
        prefix = "" if folder == "." else folder.replace(os.sep, "/") + "/"
        found, from_trainer = _scalars(source)
        for name, values in found.items():
            series[prefix + name] = values
            if from_trainer and name == _HF_LR:
                trainer_tags.add(prefix + name)
    if not series:
        raise RunError(path, "no scalars in the TensorBoard event files (empty, unreadable "
                       "or not an event file)")
    tag, _ = pick_tag(path, series, tag)
    facts = hf_trainer.TRAINER_FACTS if tag in trainer_tags else {}
    return run_from_series(path, "tensorboard", series, tag, **facts)


def _scalars(source: str) -> tuple[dict[str, tuple[list, list]], bool]:
    """tag -> (steps, values) of the event files of one folder (or one file), and whether
    the Trainer wrote them."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util import tensor_util

    accumulator = EventAccumulator(source, size_guidance=_SIZE_GUIDANCE)
    with _quiet_tensorboard():
        try:
            accumulator.Reload()
        except Exception as exc:  # noqa: BLE001 - the reader's errors on a damaged file vary
            raise RunError(source, f"unreadable TensorBoard event file: "
                           f"{' '.join(str(exc).split())[:160] or type(exc).__name__}"
                           ) from None
    tags = accumulator.Tags()
    found = {}
    for name in tags.get("scalars", []):
        events = accumulator.Scalars(name)
        found[name] = ([event.step for event in events], [event.value for event in events])
    for name in tags.get("tensors", []):
        if accumulator.SummaryMetadata(name).plugin_data.plugin_name != "scalars":
            continue
        events = accumulator.Tensors(name)
        found.setdefault(name, ([event.step for event in events],
                                [float(tensor_util.make_ndarray(event.tensor_proto).item())
                                 for event in events]))
    return found, _HF_ARGS in tags.get("tensors", [])


@contextlib.contextmanager
def _quiet_tensorboard():
    """The reader logs a warning for each damaged record; the caller reports once."""
    logger = logging.getLogger("tensorboard")
    level = logger.level
    logger.setLevel(logging.ERROR + 10)
    try:
        yield
    finally:
        logger.setLevel(level)
