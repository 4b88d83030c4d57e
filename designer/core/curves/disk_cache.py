"""Phase curves kept on disk, so a design seen before shows its exact curve at once.

The curve worker takes a second or two to import torch; a window opening a design whose
phases were all stepped before (in this process or an earlier one) reads them from here
instead, before torch has loaded (`schedule_curves`). The worker reads entries it has not
got in memory, and is the only writer: it holds each phase whole once stepped, writes off
the window's thread, and writes only when idle, so the many designs a drag passes through
never reach the disk (`CurveCache.save`).

An entry is exact or absent. Its key is the in-memory cache's (`phase_curve.phase_key`: the
normalized phase, the optimizer's name and settings, the start lr of every param group as
`repr`, whether momentum is recorded) plus everything else a value depends on: torch's
version, this package's version and Python's, and FORMAT. A file named by the key's hash
holds the key itself, packed float64 arrays and a CRC-32; anything that does not check out
(truncated, garbage, another format, another key) is a miss and is deleted, never an error.
Files are written to a temporary name and renamed over the entry, so a reader (or a second
window's worker writing the same entry) never sees half a file. The folder is bounded to
MAX_BYTES; a hit refreshes the file's time, and the least recently used go first.

Where: $LR_DESIGNER_CACHE_DIR if set, else the user's cache folder (`$XDG_CACHE_HOME` or
`~/.cache` on Linux, `~/Library/Caches` on macOS, `%LOCALAPPDATA%` on Windows) /
lr-schedule-designer/curves. Deleting the folder clears it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
import struct
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from designer import __version__
from designer.core.curves.phase_curve import PhaseCurve, chain_phases, phase_key
from designer.core.schedule.checks import check_design
from designer.core.schedule.model import Schedule, ScheduleError

CACHE_DIR_ENV = "LR_DESIGNER_CACHE_DIR"
FORMAT = 1  # bump when the file layout or the meaning of a curve changes
MAX_BYTES = 200 * 1024 * 1024
SUFFIX = ".curve"
MAGIC = b"LRCURVE\0"
PREFIX = struct.Struct("<8sII")  # magic, FORMAT, header length
CHECKSUM = struct.Struct("<I")  # CRC-32 of everything before it
FLOAT = np.dtype("<f8")
# The arrays an entry may hold, in file order: a phase's curves, and for a simulated phase
# the metric evaluations the plot marks (the worker evaluates them; the window never may).
ARRAYS = ("lr", "momentum", "others", "metric_steps", "metric_values")
STALE_TEMP_SECONDS = 3600  # a writer that died mid-write leaves its temporary file

Metric = tuple[np.ndarray, np.ndarray]


@functools.cache
def torch_version() -> str | None:
    """torch's version from its distribution metadata (the window must not import torch);
    None when that is missing, and then nothing is cached: a key without it is not exact."""
    from importlib import metadata

    try:
        return metadata.version("torch")
    except metadata.PackageNotFoundError:
        return None


def default_folder() -> Path:
    """Where the cache lives (see the module docstring)."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "lr-schedule-designer" / "cache" / "curves"
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "lr-schedule-designer" / "curves"


class DiskCache:
    """Phase curves in files under `folder`, keyed by `phase_curve.phase_key` and `versions`."""

    def __init__(self, folder: Path, versions: str, max_bytes: int = MAX_BYTES) -> None:
        self.folder = Path(folder)
        self.versions = versions
        self.max_bytes = max_bytes

    @classmethod
    def default(cls) -> DiskCache | None:
        """The user's cache for this torch, Python and designer; None without torch."""
        torch = torch_version()
        if torch is None:
            return None
        versions = json.dumps({"format": FORMAT, "torch": torch, "designer": __version__,
                               "python": platform.python_version()}, sort_keys=True)
        return cls(default_folder(), versions)

    def path(self, key: str) -> Path:
        digest = hashlib.sha256(self._full_key(key).encode()).hexdigest()
        return self.folder / (digest[:40] + SUFFIX)

    def load(self, key: str) -> tuple[PhaseCurve, Metric | None] | None:
        """The entry for `key` (a `phase_key`) with its metric evaluations, or None. A file
        that does not check out is deleted."""
        path = self.path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        entry = _unpack(data, self._full_key(key))
        if entry is None:
            _remove(path)
            return None
        try:
            os.utime(path)  # recently used: evicted last
        except OSError:
            pass
        return entry

    def save(self, key: str, curve: PhaseCurve, metric: Metric | None = None) -> None:
        """Write the entry; quietly nothing if the folder is not writable or full."""
        path = self.path(key)
        temporary = path.with_name(f".{path.stem}.{os.getpid()}.{time.monotonic_ns()}.tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with open(temporary, "xb") as file:
                file.writelines(_pack(self._full_key(key), curve, metric))
            os.replace(temporary, path)
        except OSError:
            # On Windows a reader holding the file makes os.replace fail: that reader has
            # the same entry, so nothing is lost.
            _remove(temporary)

    def evict(self) -> None:
        """Delete least recently used entries until the folder holds at most max_bytes, and
        temporary files a writer left behind."""
        entries, total = [], 0
        now = time.time()
        try:
            with os.scandir(self.folder) as listing:
                for item in listing:
                    try:
                        info = item.stat()
                    except OSError:
                        continue
                    if item.name.endswith(SUFFIX):
                        entries.append((info.st_mtime_ns, info.st_size, item.path))
                        total += info.st_size
                    elif item.name.endswith(".tmp") and now - info.st_mtime > STALE_TEMP_SECONDS:
                        _remove(Path(item.path))
        except OSError:
            return
        entries.sort()
        for _, size, path in entries:
            if total <= self.max_bytes:
                break
            _remove(Path(path))
            total -= size

    def schedule_curves(self, schedule: Schedule, momentum: bool
                        ) -> list[tuple[PhaseCurve, Metric | None]] | None:
        """Every phase's entry in order, when all of them are here (None otherwise), with the
        start lrs chained as the engine chains them."""
        try:
            check_design(schedule)
        except ScheduleError:
            return None  # the worker says why
        found: list[tuple[PhaseCurve, Metric | None]] = []

        def cached(index: int, phase, start) -> tuple[PhaseCurve, ...]:
            entry = self.load(phase_key(phase, schedule.optimizer, start, momentum))
            if entry is None:
                raise LookupError(index)
            found.append(entry)
            return (entry[0],)

        try:
            for _ in chain_phases(schedule, cached):
                pass
        except LookupError:
            return None
        return found

    def _full_key(self, key: str) -> str:
        return self.versions + "\n" + key


def _pack(full_key: str, curve: PhaseCurve, metric: Metric | None) -> Iterator[bytes]:
    arrays = dict(zip(ARRAYS, (curve.lr, curve.momentum, curve.others,
                               *(metric or (None, None)))))
    present = {name: np.ascontiguousarray(values, dtype=FLOAT)
               for name, values in arrays.items() if values is not None}
    header = json.dumps({"key": full_key,
                         "shapes": {name: list(a.shape) for name, a in present.items()}})
    header_bytes = header.encode()
    # Padded so the float64 payload starts 8-byte aligned in the file.
    header_bytes += b" " * (-(PREFIX.size + len(header_bytes)) % 8)
    checksum = 0
    for part in (PREFIX.pack(MAGIC, FORMAT, len(header_bytes)), header_bytes,
                 *(memoryview(a).cast("B") for a in present.values())):
        checksum = zlib.crc32(part, checksum)
        yield part
    yield CHECKSUM.pack(checksum)


def _unpack(data: bytes, full_key: str) -> tuple[PhaseCurve, Metric | None] | None:
    """The entry in `data` if it is whole and is `full_key`'s; None for anything else."""
    try:
        magic, version, header_size = PREFIX.unpack_from(data)
        if magic != MAGIC or version != FORMAT:
            return None
        end = len(data) - CHECKSUM.size
        if PREFIX.size + header_size > end or (
                CHECKSUM.unpack_from(data, end)[0] != zlib.crc32(memoryview(data)[:end])):
            return None
        header = json.loads(data[PREFIX.size:PREFIX.size + header_size])
        if header["key"] != full_key or not set(header["shapes"]) <= set(ARRAYS):
            return None
        arrays, offset = {}, PREFIX.size + header_size
        for name in ARRAYS:
            if name in header["shapes"]:
                shape = tuple(int(n) for n in header["shapes"][name])
                count = int(np.prod(shape, dtype=np.int64))
                if min(shape, default=0) < 0 or offset + count * FLOAT.itemsize > end:
                    return None
                arrays[name] = np.frombuffer(data, FLOAT, count, offset).reshape(shape)
                offset += count * FLOAT.itemsize
        if offset != end or not _consistent(arrays):
            return None
    except (ValueError, TypeError, KeyError, AttributeError, struct.error):
        return None
    curve = PhaseCurve(arrays["lr"], arrays.get("momentum"), arrays.get("others"))
    metric = ((arrays["metric_steps"], arrays["metric_values"])
              if "metric_steps" in arrays else None)
    return curve, metric


def _consistent(arrays: dict[str, np.ndarray]) -> bool:
    """The shapes a phase's entry has: steps >= 1 of every curve, metric pairs whole."""
    lr = arrays.get("lr")
    if lr is None or lr.ndim != 1 or not lr.size:
        return False
    momentum, others = arrays.get("momentum"), arrays.get("others")
    steps, values = arrays.get("metric_steps"), arrays.get("metric_values")
    return ((momentum is None or momentum.shape == lr.shape)
            and (others is None or (others.ndim == 2 and others.shape[1] == lr.size))
            and (steps is None) == (values is None)
            and (steps is None or (steps.ndim == 1 and steps.shape == values.shape)))


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except OSError:
        pass
