"""The disk cache: exact or absent, on real files, with concurrent writers in real processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest

from designer.core.curves import disk_cache
from designer.core.curves.cache import CurveCache, phase_key
from designer.core.curves.disk_cache import SUFFIX, DiskCache
from designer.core.curves.engine import compute_curves, step_phase
from designer.core.curves.phase_curve import PhaseCurve, concatenate
from designer.core.schedule.model import CONTINUE, OptimizerConfig, ParamGroup, Phase, Schedule

SGD = OptimizerConfig("SGD", 0.1, {"momentum": 0.9})
ONE_CYCLE = Phase("OneCycleLR", 300, {"max_lr": [0.5, 0.05]})
START = (0.1, 0.01)
KEY = phase_key(ONE_CYCLE, SGD, START, True)
GROUPED = Schedule((Phase("LinearLR", 40, {"start_factor": 0.1}),
                    Phase("CosineAnnealingLR", 60, {"eta_min": 1e-4}, CONTINUE),
                    ONE_CYCLE),
                   SGD, param_groups=(ParamGroup("backbone"), ParamGroup("head", lr=0.01)))


def versions(torch: str = "2.13.0", fmt: int = disk_cache.FORMAT) -> str:
    return f'{{"format": {fmt}, "torch": "{torch}"}}'


@pytest.fixture
def disk(tmp_path):
    return DiskCache(tmp_path / "curves", versions())


@pytest.fixture(scope="module")
def curve():
    """A real phase curve with momentum and a second param group."""
    return step_phase(ONE_CYCLE, SGD, START, 0, momentum=True)


def assert_same(a, b):
    for name in ("lr", "momentum", "others"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert x.dtype == y.dtype == np.float64 and x.shape == y.shape
            assert x.tobytes() == y.tobytes(), name  # bit for bit, -0.0 and NaN included


def test_an_entry_round_trips_bit_for_bit(disk, curve):
    disk.save(KEY, curve)
    loaded, metric = disk.load(KEY)
    assert_same(loaded, curve)
    assert metric is None
    odd = PhaseCurve(np.array([-0.0, np.nan, 5e-324, np.inf, 1 / 3]))
    steps, values = np.arange(5.0), np.array([2.5, 2.25, 2.125, 2.0625, 2.03125])
    disk.save("odd", odd, (steps, values))
    loaded, (loaded_steps, loaded_values) = disk.load("odd")
    assert_same(loaded, odd)
    assert loaded_steps.tobytes() == steps.tobytes()
    assert loaded_values.tobytes() == values.tobytes()


def test_a_schedules_phases_chain_their_start_lrs_as_the_engine_does(disk):
    cache = CurveCache(disk=disk)
    expected = compute_curves(GROUPED, momentum=True)
    assert disk.schedule_curves(GROUPED, True) is None  # nothing stepped yet
    assert_same(cache.compute(GROUPED, momentum=True), expected)
    assert cache.unsaved and not list(disk.folder.glob("*" + SUFFIX))
    cache.save()  # the worker does this when idle
    assert len(list(disk.folder.glob("*" + SUFFIX))) == 3
    found = disk.schedule_curves(GROUPED, True)
    assert_same(concatenate([part for part, _ in found], True), expected)
    assert disk.schedule_curves(GROUPED, False) is None  # momentum not recorded: another key
    # A fresh in-memory cache (a new worker) steps nothing: every phase is on disk.
    fresh = CurveCache(disk=disk)
    assert_same(fresh.compute(GROUPED, momentum=True), expected)
    assert fresh.hits == 3 and fresh.misses == 0


def test_a_phase_that_continues_is_missed_when_its_predecessor_changed(disk):
    cache = CurveCache(disk=disk)
    cache.compute(GROUPED, momentum=True)
    cache.save()
    edited = GROUPED.set_param(0, "start_factor", 0.2)  # phase 2 continues from phase 1
    assert disk.schedule_curves(edited, True) is None


def corruptions(data: bytes) -> dict[str, bytes]:
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0x01  # one bit of one float
    wrong_format = bytearray(data)
    wrong_format[8] += 1
    return {"empty": b"", "truncated": data[:len(data) - 9], "one byte short": data[:-1],
            "garbage": os.urandom(len(data)), "text": b"not a curve at all",
            "wrong magic": b"XXCURVE\0" + data[8:], "wrong format": bytes(wrong_format),
            "wrong checksum": data[:-4] + bytes(4), "flipped bit": bytes(flipped),
            "longer": data + b"\0" * 8}


@pytest.mark.parametrize("damage", sorted(corruptions(b"x" * 64)))
def test_a_damaged_entry_is_ignored_and_removed(disk, curve, damage):
    disk.save(KEY, curve)
    path = disk.path(KEY)
    path.write_bytes(corruptions(path.read_bytes())[damage])
    assert disk.load(KEY) is None
    assert not path.exists()
    disk.save(KEY, curve)  # and the next write puts it right
    assert_same(disk.load(KEY)[0], curve)


def test_an_entry_under_another_keys_name_is_ignored(disk, curve):
    disk.save(KEY, curve)
    other = phase_key(ONE_CYCLE, SGD, (0.2, 0.02), True)
    disk.path(KEY).rename(disk.path(other))
    assert disk.load(other) is None and not disk.path(other).exists()


def test_another_torch_or_format_version_misses(tmp_path, curve, monkeypatch):
    DiskCache(tmp_path, versions()).save(KEY, curve)
    assert DiskCache(tmp_path, versions()).load(KEY) is not None
    assert DiskCache(tmp_path, versions(torch="2.14.0")).load(KEY) is None
    assert DiskCache(tmp_path, versions(fmt=disk_cache.FORMAT + 1)).load(KEY) is None
    # The user's cache keys on the installed torch and FORMAT.
    monkeypatch.setenv(disk_cache.CACHE_DIR_ENV, str(tmp_path / "user"))
    DiskCache.default().save(KEY, curve)
    assert DiskCache.default().load(KEY) is not None
    with monkeypatch.context() as patch:
        patch.setattr(disk_cache, "FORMAT", disk_cache.FORMAT + 1)
        assert DiskCache.default().load(KEY) is None
    disk_cache.torch_version.cache_clear()
    try:
        with monkeypatch.context() as patch:
            patch.setattr("importlib.metadata.version", lambda name: "0.0.1")
            assert DiskCache.default().load(KEY) is None
    finally:
        disk_cache.torch_version.cache_clear()


def test_the_folder_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(disk_cache.CACHE_DIR_ENV, str(tmp_path / "mine"))
    assert disk_cache.default_folder() == tmp_path / "mine"
    monkeypatch.delenv(disk_cache.CACHE_DIR_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert disk_cache.default_folder() == tmp_path / "xdg" / "lr-schedule-designer" / "curves"


def test_the_size_bound_evicts_the_least_recently_used(tmp_path):
    part = PhaseCurve(np.linspace(0, 1, 1000))
    disk = DiskCache(tmp_path, versions())
    keys = [f"phase {i}" for i in range(6)]
    for age, key in enumerate(keys):
        disk.save(key, part)
        past = time.time() - 100 + age  # written one second apart, oldest first
        os.utime(disk.path(key), (past, past))
    size = disk.path(keys[0]).stat().st_size
    assert disk.load(keys[0]) is not None  # used just now: the newest
    disk.max_bytes = 3 * size
    disk.evict()
    assert [disk.path(k).exists() for k in keys] == [True, False, False, False, True, True]
    disk.max_bytes = 0
    disk.evict()
    assert not list(tmp_path.iterdir())


def test_an_unwritable_folder_is_no_error(tmp_path, curve):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    disk = DiskCache(blocker / "curves", versions())
    disk.save(KEY, curve)
    assert disk.load(KEY) is None
    disk.evict()


WRITER = """
import sys
from pathlib import Path
from designer.core.curves.cache import phase_key
from designer.core.curves.disk_cache import DiskCache
from designer.core.curves.engine import step_phase
from designer.core.schedule.model import OptimizerConfig, Phase

phase = Phase("CosineAnnealingLR", 200_000, {"eta_min": 1e-5})
optimizer = OptimizerConfig("AdamW", 3e-4)
key = phase_key(phase, optimizer, (3e-4,), False)
curve = step_phase(phase, optimizer, (3e-4,))
disk = DiskCache(Path(sys.argv[1]), sys.argv[2])
print("ready", flush=True)
sys.stdin.readline()
for _ in range(int(sys.argv[3])):
    disk.save(key, curve)
"""


def test_concurrent_writers_of_one_entry_never_leave_it_damaged(tmp_path, subprocess_env):
    phase = Phase("CosineAnnealingLR", 200_000, {"eta_min": 1e-5})
    optimizer = OptimizerConfig("AdamW", 3e-4)
    key = phase_key(phase, optimizer, (3e-4,), False)
    expected = step_phase(phase, optimizer, (3e-4,))
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), versions(), "60"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                env=subprocess_env) for _ in range(2)]
    for writer in writers:
        assert writer.stdout.readline().strip() == "ready"
    for writer in writers:  # both begin at once
        writer.stdin.write("go\n")
        writer.stdin.flush()
    disk = DiskCache(tmp_path, versions())
    reads = 0
    while any(w.poll() is None for w in writers):
        entry = disk.load(key)  # a damaged file would be deleted here and read as None
        if entry is not None:
            reads += 1
            assert entry[0].lr.tobytes() == expected.lr.tobytes()
    assert all(w.wait() == 0 for w in writers)
    assert reads > 0
    assert disk.load(key)[0].lr.tobytes() == expected.lr.tobytes()
    assert [p.name for p in tmp_path.iterdir()] == [disk.path(key).name]  # no temporary left
