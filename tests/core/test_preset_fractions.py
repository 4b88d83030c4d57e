"""Presets whose published recipe is proportional (warmup + cosine, WSD, BERT's warmup +
polynomial decay) build proportional lengths with fitted durations: their curves are
transformers' schedule functions stepped, and stay so after Edit -> Stretch and a changed
training setup."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from transformers import (
    get_cosine_with_min_lr_schedule_with_warmup,
    get_polynomial_decay_schedule_with_warmup,
    get_wsd_schedule,
)

from designer.core.curves.engine import compute_curve
from designer.core.schedule import edits
from designer.core.schedule.fileformat import dump_schedule, load_schedule
from designer.core.schedule.lengths import FRACTION, REST
from designer.core.schedule.model import Schedule
from designer.core.schedule.presets import WARMUP_START, build_preset
from designer.core.schedule.training import TrainingSetup, count_steps


def stepped(make, peak: float, total: int) -> np.ndarray:
    """The lr a transformers schedule gives at each of `total` optimizer steps."""
    optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=peak)
    scheduler = make(optimizer)
    lrs = []
    for _ in range(total):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return np.array(lrs)


def hf_curve(key: str, knobs: dict, total: int) -> np.ndarray:
    """transformers' function for the preset's recipe, for a run of `total` steps."""
    warmup = int(total * knobs["warmup_fraction"] + 0.5)
    peak = knobs.get("peak_lr")
    if key == "llm-cosine":
        return stepped(lambda o: get_cosine_with_min_lr_schedule_with_warmup(
            o, warmup, total, min_lr_rate=knobs["min_lr_ratio"]), peak, total)
    if key == "wsd":
        decay = int(total * knobs["decay_fraction"] + 0.5)
        return stepped(lambda o: get_wsd_schedule(
            o, warmup, decay, num_training_steps=total, decay_type=knobs["decay_shape"],
            min_lr_ratio=knobs["min_lr_ratio"]), peak, total)
    return stepped(lambda o: get_polynomial_decay_schedule_with_warmup(
        o, warmup, total, lr_end=0.0, power=knobs["power"]), peak, total)


CASES = [
    ("llm-cosine", {"total_steps": 1000, "peak_lr": 3e-4, "warmup_fraction": 0.03,
                    "min_lr_ratio": 0.1}),
    ("wsd", {"total_steps": 1000, "peak_lr": 1e-3, "warmup_fraction": 0.05,
             "decay_fraction": 0.2, "decay_shape": "cosine", "min_lr_ratio": 0.0}),
    ("wsd", {"total_steps": 800, "peak_lr": 1e-3, "warmup_fraction": 0.1,
             "decay_fraction": 0.25, "decay_shape": "linear", "min_lr_ratio": 0.1}),
    ("bert", {"total_steps": 600, "peak_lr": 5e-5, "warmup_fraction": 0.1, "power": 2.0}),
    ("bert", {"total_steps": 600, "peak_lr": 5e-5, "warmup_fraction": 0.06, "power": 1.0}),
]


def check_recipe(key: str, knobs: dict, design: Schedule) -> None:
    """The design's exact torch curve is transformers' for the design's total; every
    duration parameter follows its phase's resolved steps."""
    total = design.total_steps
    curve = compute_curve(design)
    expected = hf_curve(key, knobs, total)
    assert len(curve) == total
    # transformers' warmup starts at 0, torch's LinearLR at WARMUP_START of the peak.
    np.testing.assert_allclose(curve, expected, rtol=1e-9, atol=2 * WARMUP_START * knobs["peak_lr"])
    for phase in design.phases:
        if phase.spec.fit_param is not None:
            assert phase.is_fitted()
            assert phase.param_value(phase.spec.fit_param) == phase.steps


@pytest.mark.parametrize("key, knobs", CASES)
def test_proportional_presets_are_transformers_recipes_through_stretch_and_setup(key, knobs):
    design = build_preset(key, **knobs)
    kinds = [p.length.kind if p.length else None for p in design.phases]
    assert kinds[0] == FRACTION and design.phases[0].length.value == knobs["warmup_fraction"]
    assert kinds.count(REST) == 1
    if key == "wsd":
        assert kinds == [FRACTION, REST, FRACTION]
        assert design.phases[-1].length.value == knobs["decay_fraction"]
    assert count_steps(design.training).total_steps == knobs["total_steps"]
    assert load_schedule(dump_schedule(design)) == design
    check_recipe(key, knobs, design)

    stretched = edits.stretch_to(design, 3 * knobs["total_steps"] // 2).schedule
    assert stretched.total_steps == 3 * knobs["total_steps"] // 2
    assert [p.length for p in stretched.phases] == [p.length for p in design.phases]
    assert stretched.phases[0].steps == int(stretched.total_steps * knobs["warmup_fraction"] + 0.5)
    check_recipe(key, knobs, stretched)

    setup = TrainingSetup(examples=5000, batch_size=8, devices=2, accumulation=3, epochs=5)
    resized = edits.set_training(stretched, setup).schedule
    assert resized.total_steps == count_steps(setup).total_steps == 5 * 105
    check_recipe(key, knobs, resized)
    reopened = load_schedule(dump_schedule(resized))
    assert reopened == resized and reopened.total_steps == 525


def test_wsd_warms_up_from_its_min_ratio_and_its_one_minus_sqrt_decay_has_fixed_steps():
    design = build_preset("wsd", total_steps=1000, warmup_fraction=0.05, decay_fraction=0.2,
                          decay_shape="1-sqrt", min_lr_ratio=0.1, peak_lr=1e-3)
    assert design.phases[0].params["start_factor"] == 0.1
    decay = design.phases[-1]
    assert decay.length is None and decay.steps == 200  # its lambda names 200
    curve = compute_curve(design)
    knobs = {"warmup_fraction": 0.05, "decay_fraction": 0.2, "decay_shape": "1-sqrt",
             "min_lr_ratio": 0.1, "peak_lr": 1e-3}
    np.testing.assert_allclose(curve, hf_curve("wsd", knobs, 1000), rtol=1e-12, atol=0)
    # Stretched, the stable part takes the change and the decay keeps its 200 steps.
    stretched = edits.stretch_to(design, 2000).schedule
    assert [p.steps for p in stretched.phases] == [100, 1700, 200]


def test_a_fraction_too_small_for_a_step_still_warms_up_one_step():
    design = build_preset("llm-cosine", total_steps=100, warmup_fraction=0.001)
    assert design.phases[0].steps == 1 and design.phases[1].steps == 99
    assert replace(design.phases[0], steps=1).length.value == 0.001
