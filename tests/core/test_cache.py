"""The per-phase cache gives the engine's curve bit for bit, and re-steps only what changed."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.core.curves.cache import CurveCache
from designer.core.curves.engine import compute_curve
from designer.core.schedule.model import CONTINUE, RESTART, OptimizerConfig, Phase, Schedule

PHASES = [
    Phase("LinearLR", 20, {"start_factor": 0.1}),
    Phase("CosineAnnealingLR", 40, {"eta_min": 1e-4}),
    Phase("StepLR", 30, {"step_size": 7, "gamma": 0.5}, CONTINUE),
    Phase("ExponentialLR", 25, {"gamma": 0.9}, 0.05),
    Phase("OneCycleLR", 50, {"max_lr": 0.2}),
    Phase("LambdaLR", 15, {"lr_lambda": "1 / (1 + step)"}, CONTINUE),
]


def test_editing_one_phase_resteps_only_that_phase_and_its_continuers():
    cache = CurveCache()
    schedule = Schedule(tuple(PHASES[:4]), OptimizerConfig("SGD", 0.1, {"momentum": 0.9}))
    np.testing.assert_array_equal(cache.compute(schedule).lr, compute_curve(schedule))
    assert cache.misses == 4
    # Phase 2 changes; phase 3 continues from it, so it is re-stepped too; 1 and 4 are not.
    edited = schedule.set_param(1, "eta_min", 2e-4)
    np.testing.assert_array_equal(cache.compute(edited).lr, compute_curve(edited))
    assert cache.misses == 6 and cache.hits == 2


edit = st.one_of(
    st.tuples(st.just("insert"), st.integers(0, 6), st.sampled_from(PHASES)),
    st.tuples(st.just("remove"), st.integers(0, 6)),
    st.tuples(st.just("move"), st.integers(0, 6), st.integers(0, 6)),
    st.tuples(st.just("resize"), st.integers(0, 6), st.integers(1, 60)),
    st.tuples(st.just("start"), st.integers(0, 6), st.sampled_from([RESTART, CONTINUE, 0.02])),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(edit, max_size=12))
def test_random_edit_sequences_match_the_engine_exactly(edits):
    cache = CurveCache(max_points=200)  # small, so eviction is exercised too
    schedule = Schedule(tuple(PHASES[:3]))
    for op, *args in edits:
        count = len(schedule.phases)
        if op == "insert":
            schedule = schedule.insert_phase(args[0], args[1])
        elif count and op == "remove":
            schedule = schedule.remove_phase(args[0] % count)
        elif count and op == "move":
            schedule = schedule.move_phase(args[0] % count, args[1] % count)
        elif count and op == "resize":
            phase = schedule.phases[args[0] % count]
            if phase.scheduler != "OneCycleLR" or "total_steps" not in phase.params:
                schedule = schedule.resize_phase(args[0] % count, args[1])
        elif count and op == "start":
            schedule = schedule.set_start(args[0] % count, args[1])
        np.testing.assert_array_equal(cache.compute(schedule).lr, compute_curve(schedule))


def test_stepped_phases_reach_the_disk_on_save_or_when_evicted_first(tmp_path):
    from designer.core.curves.disk_cache import DiskCache

    disk = DiskCache(tmp_path, "versions")
    cache = CurveCache(max_points=100, disk=disk)  # 20 + 40 + 30 + 25 steps: the first goes
    schedule = Schedule(tuple(PHASES[:4]))
    cache.compute(schedule)
    assert len(list(tmp_path.iterdir())) == 1  # written as it was evicted, not lost
    cache.save()
    assert len(list(tmp_path.iterdir())) == 4 and not cache.unsaved
    fresh = CurveCache(disk=disk)
    np.testing.assert_array_equal(fresh.compute(schedule).lr, compute_curve(schedule))
    assert fresh.misses == 0
    # A simulated phase stepped outside the worker has no metric evaluations to keep with it.
    plateau = Schedule((Phase("ReduceLROnPlateau", 50, {"metric": "1 / (1 + step)"}),))
    fresh.compute(plateau)
    assert not fresh.unsaved
