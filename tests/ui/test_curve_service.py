"""The worker-backed curve service: exact results, no stale curves, recovery from a dead worker."""

from __future__ import annotations

import random

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from designer.core.curves.engine import compute_curve
from designer.core.curves.messages import Chunk, Done
from designer.core.schedule import edits
from designer.core.schedule.model import CONTINUE, OptimizerConfig, Phase, Schedule
from designer.ui import MainWindow
from designer.ui.curve_service import CurveService, WorkerLink

SLOW = Schedule((Phase("CosineAnnealingLR", 3_000_000),))  # seconds of stepping
FAST = Schedule((Phase("StepLR", 50, {"step_size": 10, "gamma": 0.5}),))


@pytest.fixture
def service(qtbot):
    service = CurveService()
    results = {"ready": [], "failed": [], "progress": [], "restarted": []}
    service.curve_ready.connect(lambda s, lrs: results["ready"].append((s, lrs)))
    service.curve_failed.connect(lambda s, m: results["failed"].append((s, m)))
    service.curve_progress.connect(lambda s, lrs, f: results["progress"].append(f))
    service.engine_restarted.connect(results["restarted"].append)
    service.results = results
    yield service
    service.deleteLater()


def test_a_stale_slow_job_never_overwrites_the_newer_fast_one(service):
    service.request(SLOW)
    service.request(FAST)
    assert service.compute_now(timeout=60)
    # Let anything the worker still sends about the slow job arrive, too.
    WorkerLink.shared().wait(lambda: False, 0.5)
    [(schedule, lrs)] = service.results["ready"]
    assert schedule is FAST
    assert np.array_equal(lrs, compute_curve(FAST))


def test_stale_messages_are_dropped_by_job_id(service):
    service.request(SLOW)  # job 1
    service.request(FAST)  # job 2
    assert service.compute_now(timeout=60)
    service._on_message(Chunk(0, 1, 0, np.zeros(3)))  # late pieces of job 1: ignored
    service._on_message(Done(0, 1, 3))
    [(schedule, lrs)] = service.results["ready"]
    assert schedule is FAST and np.array_equal(lrs, compute_curve(FAST))


def test_long_curves_stream_in_with_progress(service):
    schedule = Schedule((Phase("LinearLR", 300_000, {"start_factor": 0.01}),
                         Phase("CosineAnnealingLR", 300_000)))
    assert service.compute_now(schedule, timeout=120)
    fractions = service.results["progress"]
    # The last piece may report 1.0 just before the curve is done.
    assert fractions and all(0 < f <= 1 for f in fractions) and fractions == sorted(fractions)
    assert np.array_equal(service.results["ready"][-1][1], compute_curve(schedule))


def test_killing_the_worker_mid_job_recovers_and_says_so(service):
    link = WorkerLink.shared()
    schedule = Schedule((Phase("CosineAnnealingLR", 400_000, {"eta_min": 1e-5}),),
                        OptimizerConfig("Adam", 0.002))
    service.request(schedule)
    link.wait(lambda: bool(service.results["progress"]), 60)  # it is stepping now
    old_pid = link.pid
    link.kill()
    assert service.compute_now(timeout=120)
    assert link.pid != old_pid
    assert service.results["restarted"] and "restarted" in service.results["restarted"][0]
    assert np.array_equal(service.results["ready"][-1][1], compute_curve(schedule))


def test_errors_come_back_as_messages(service):
    bad = Schedule((Phase("LambdaLR", 30, {"lr_lambda": "1 / (10 - step)"}),))
    assert service.compute_now(bad, timeout=60)
    [(schedule, message)] = service.results["failed"]
    assert schedule is bad and "phases[0].params.lr_lambda" in message


def test_bursts_of_edits_end_on_the_exact_curve_of_the_last_document(qtbot, tmp_path):
    window = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.open_path("designer/examples/warmup-stable-decay.json")
    rng = random.Random(7)
    document = window.document
    for _ in range(40):  # no waiting between edits: most requests are superseded
        count = len(document.schedule.phases)
        choice = rng.randrange(5)
        if choice == 0 or count < 2:
            name = rng.choice(["LinearLR", "ExponentialLR", "CosineAnnealingLR", "OneCycleLR"])
            edit = edits.insert_scheduler(document.schedule, name, rng.randrange(count + 1),
                                          rng.randrange(1, 3000))
        elif choice == 1:
            edit = edits.resize_phase(document.schedule, rng.randrange(count),
                                      rng.randrange(1, 5000))
        elif choice == 2:
            edit = edits.move_phase(document.schedule, rng.randrange(count), rng.randrange(count))
        elif choice == 3:
            edit = edits.set_start(document.schedule, rng.randrange(count), CONTINUE)
        else:
            edit = edits.delete_phase(document.schedule, rng.randrange(count))
        document.apply(edit)
        qtbot.wait(rng.choice([0, 0, 1, 5]))
    assert window.flush_preview(120)
    final = document.schedule
    assert window.shown_schedule() is final
    assert np.array_equal(window.preview_curve()[1], compute_curve(final))
    document.undo_stack.setClean()  # closing must not ask about unsaved changes


def test_momentum_is_co_plotted_from_the_same_torch_run(qtbot, tmp_path):
    from designer.core.curves.engine import compute_curves
    from designer.core.schedule.fileformat import load_schedule_file

    window = MainWindow(QSettings(str(tmp_path / "s.ini"), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.open_path("designer/examples/one-cycle.json")
    assert window.flush_preview(120)
    expected = compute_curves(load_schedule_file("designer/examples/one-cycle.json"), momentum=True)
    assert np.array_equal(window.preview.momentum(), expected.momentum)
    assert f"momentum {expected.momentum[-1]:.4g}" in window.preview.readout_at(11_729)
    # A design that does not cycle momentum shows none.
    window.open_path("designer/examples/warmup-cosine.json")
    assert window.flush_preview(120)
    assert window.preview.momentum() is None


def test_the_worker_keeps_torch_dynamo_out_and_its_cache_bounded():
    """Memory: torch._dynamo (about 70 MB) is never imported by stepping any scheduler on
    any optimizer, and the worker's cache holds at most WORKER_CACHE_POINTS values."""
    import json
    import subprocess
    import sys

    probe = (
        "import json, sys\n"
        "sys.path.insert(0, 'packaging')\n"
        "from coverage_designs import designs\n"
        "from designer.core.schedule.fileformat import load_schedule, load_schedule_file\n"
        "from designer.core.curves.worker import WORKER_CACHE_POINTS, new_worker\n"
        "cache = new_worker(None).cache\n"
        "assert cache.max_points == WORKER_CACHE_POINTS\n"
        "for design in designs().values():\n"
        "    cache.compute(load_schedule(json.dumps(design)), momentum=True)\n"
        "cache.compute(load_schedule_file("
        "'tests/data/v3/param-groups-per-group-values.json'))\n"
        "print(json.dumps(['torch._dynamo' in sys.modules, 'torch' in sys.modules]))\n")
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=300, check=True)
    assert json.loads(ran.stdout) == [False, True]


@pytest.fixture
def own_disk_cache(tmp_path, monkeypatch):
    """The shared worker restarted with its disk cache in tmp_path (a worker reads the
    folder when it starts), and stopped again afterwards so the next test's worker uses
    the session's cache."""
    from designer.core.curves.disk_cache import CACHE_DIR_ENV

    link = WorkerLink.shared()
    link.stop()
    folder = tmp_path / "curves"
    monkeypatch.setenv(CACHE_DIR_ENV, str(folder))
    yield folder
    link.stop()


REOPENED = ["designer/examples/one-cycle.json",  # momentum co-plotted
            "designer/examples/finetune-plateau.json",  # param groups, a simulated phase's metric
            "designer/examples/warmup-stable-decay.json"]  # phases that continue


def test_a_design_seen_before_shows_its_exact_curve_before_the_worker_starts(
        own_disk_cache, window, monkeypatch):
    from designer.core.curves.engine import compute_curves
    from designer.core.schedule.fileformat import load_schedule_file

    link = WorkerLink.shared()
    metrics, written = {}, 0
    for path in REOPENED:
        assert window.open_path(path) and window.flush_preview(120)
        metrics[path] = window.curves.metric_points()
        written += len(window.document.schedule.phases)
        # The worker writes what it stepped once nothing new has come for half a second.
        assert link.wait(lambda n=written: len(list(own_disk_cache.glob("*.curve"))) == n, 30)

    link.stop()  # as at start-up: no worker, torch not imported
    jobs = []
    monkeypatch.setattr(link, "submit", lambda *job: jobs.append(job))
    for path in REOPENED:
        assert window.open_path(path) and window.flush_preview(5)
        assert jobs == [] and link.pid is None and not link.ready
        expected = compute_curves(load_schedule_file(path), momentum=True)
        assert window.shown_schedule() is window.document.schedule
        assert window.preview_curve()[1].tobytes() == expected.lr.tobytes()
        momentum = window.preview.momentum()
        assert (momentum is None) == (path != "designer/examples/one-cycle.json")
        if momentum is not None:
            assert momentum.tobytes() == expected.momentum.tobytes()
        others = window.curves.other_groups()
        assert (others is None) == (expected.others is None)
        if others is not None:
            assert others.tobytes() == expected.others.tobytes()
        shown_metrics = window.curves.metric_points()
        assert shown_metrics.keys() == metrics[path].keys()
        for index, (steps, values) in metrics[path].items():
            assert shown_metrics[index][0].tobytes() == steps.tobytes()
            assert shown_metrics[index][1].tobytes() == values.tobytes()
    assert metrics["designer/examples/finetune-plateau.json"]  # the metric was checked, not absent
    window.document.undo_stack.setClean()


def test_a_new_worker_reads_the_phases_it_has_seen_instead_of_stepping_them(
        own_disk_cache, service, monkeypatch):
    schedule = Schedule((Phase("LinearLR", 30_000, {"start_factor": 0.01}),
                         Phase("CosineAnnealingLR", 70_000, {"eta_min": 1e-6}, CONTINUE)),
                        OptimizerConfig("AdamW", 3e-4))
    link = WorkerLink.shared()
    assert service.compute_now(schedule, timeout=60)
    assert link.wait(lambda: len(list(own_disk_cache.glob("*.curve"))) == 2, 30)
    link.stop()
    link.start()  # a new worker: nothing in its memory
    assert link.wait(lambda: link.ready, 60)
    chunks = []
    deliver = service._on_message
    monkeypatch.setattr(service, "_on_message", lambda message: (
        chunks.append(len(message.lrs)) if isinstance(message, Chunk) else None,
        deliver(message)))
    service.request(schedule)
    assert service.compute_now(timeout=60)
    # A phase read back comes whole; a stepped one would come in pieces of 2,000 steps first.
    assert chunks == [30_000, 70_000]
    assert np.array_equal(service.results["ready"][-1][1], compute_curve(schedule))
