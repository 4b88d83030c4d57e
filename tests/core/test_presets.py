"""The presets gallery: every preset, with its defaults and with random valid knobs, builds a
design that saves and loads unchanged and whose exact torch curve keeps the promises of its
description (peak where the warmup ends, flat stable phase, final lr, drops by gamma...)."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer.core.curves.engine import compute_curve, compute_curves
from designer.core.schedule.catalog import CHOICE, FLOAT, INT, INT_LIST, SCHEDULERS
from designer.core.schedule.expressions import parse_expression
from designer.core.schedule.fileformat import dump_schedule, load_schedule
from designer.core.schedule.model import Schedule, ScheduleError
from designer.core.schedule.presets import PRESETS, WARMUP_START, Knob, Preset, build_preset

REL = 1e-12
# Upper bounds for random knobs, so that every drawn design steps in milliseconds.
TEST_CAPS = {"total_steps": 1500, "epochs": 300, "warmup_steps": 400, "step_size_up": 700,
             "T_0": 60, "eval_every": 300, "patience": 20}


def close(actual: float, expected: float, rel: float = REL) -> bool:
    return math.isclose(actual, expected, rel_tol=rel, abs_tol=0.0) or actual == expected


def warmup_steps(knobs: dict) -> int:
    if "warmup_steps" in knobs:
        return knobs["warmup_steps"]
    fraction = knobs["warmup_fraction"]
    return max(1, int(knobs["total_steps"] * fraction + 0.5)) if fraction else 0


def check_warmup(curve: np.ndarray, peak: float, warmup: int) -> None:
    """A straight line from zero reaching exactly the peak at step `warmup`, and no higher."""
    assert curve[warmup] == peak
    assert int(np.argmax(curve)) == warmup
    assert curve.max() == peak
    if warmup:
        assert np.all(np.diff(curve[:warmup + 1]) > 0)
        for step in {0, warmup // 2, warmup - 1}:
            assert close(curve[step], peak * (step + 1) / (warmup + 1), 1e-9)


def check_ratio_warmup(curve: np.ndarray, peak: float, warmup: int,
                       start: float = WARMUP_START) -> None:
    """transformers' proportional warmup: `start + (1 - start) * k / W` of the peak at step k
    (LinearLR from `start`), exactly the peak at step W, and no higher."""
    assert curve[warmup] == peak and curve.max() == peak
    if warmup:
        assert np.all(np.diff(curve[:warmup + 1]) >= 0)  # flat only from a start near 1
        for step in {0, warmup // 2, warmup - 1}:
            assert close(curve[step], peak * (start + (1 - start) * step / warmup), 1e-9)


def non_increasing(values: np.ndarray, scale: float) -> bool:
    return bool(np.all(np.diff(values) <= 1e-15 * scale))


# What each preset promises, checked on its exact curve -----------------------------------

def decay_factor(shape: str, progress: float) -> float:
    """transformers' decay shapes (1 at progress 0, 0 at progress 1)."""
    if shape == "linear":
        return 1 - progress
    if shape == "cosine":
        return 0.5 * (1 + math.cos(math.pi * progress))
    return 1 - math.sqrt(progress)


def facts_llm_cosine(k: dict, curve: np.ndarray) -> None:
    warmup, peak, ratio = warmup_steps(k), k["peak_lr"], k["min_lr_ratio"]
    check_ratio_warmup(curve, peak, warmup)
    assert non_increasing(curve[warmup:], peak)
    decay = k["total_steps"] - warmup  # reaches the minimum at step `decay`, after the run
    for step in (decay // 2, decay - 1):
        expected = peak * (ratio + (1 - ratio) * decay_factor("cosine", step / decay))
        assert close(curve[warmup + step], expected, 1e-9)


def facts_wsd(k: dict, curve: np.ndarray) -> None:
    total, peak, ratio = k["total_steps"], k["peak_lr"], k["min_lr_ratio"]
    warmup, decay = warmup_steps(k), int(total * k["decay_fraction"] + 0.5)
    check_ratio_warmup(curve, peak, warmup, ratio or WARMUP_START)
    # Stable phase and the decay's first step: exactly the peak, every step.
    assert np.all(curve[warmup:total - decay + 1] == peak)
    assert non_increasing(curve[total - decay:], peak)
    for step in (decay // 2, decay - 1):
        expected = peak * (ratio + (1 - ratio) * decay_factor(k["decay_shape"], step / decay))
        assert close(curve[total - decay + step], expected, 1e-9)


def facts_inverse_sqrt(k: dict, curve: np.ndarray) -> None:
    warmup, peak = k["warmup_steps"], k["peak_lr"]
    check_warmup(curve, peak, warmup)
    steps = np.arange(warmup, k["total_steps"])
    assert np.allclose(curve[warmup:], peak * np.sqrt(warmup / steps), rtol=REL, atol=0)


def facts_constant_warmup(k: dict, curve: np.ndarray) -> None:
    warmup, peak = k["warmup_steps"], k["peak_lr"]
    check_warmup(curve, peak, warmup)
    assert np.all(curve[warmup:] == peak)


def facts_bert(k: dict, curve: np.ndarray) -> None:
    warmup, peak = warmup_steps(k), k["peak_lr"]
    check_ratio_warmup(curve, peak, warmup)
    assert non_increasing(curve[warmup:], peak)
    decay = k["total_steps"] - warmup  # zero at step `decay`, after the run
    for step in (decay // 2, decay - 1):
        assert close(curve[warmup + step], peak * (1 - step / decay) ** k["power"], 1e-9)


def facts_one_cycle(k: dict, curve: np.ndarray) -> None:
    max_lr, total, pct = k["max_lr"], k["total_steps"], k["pct_start"]
    assert curve.max() <= max_lr * (1 + REL)
    top = float(pct * total) - 1  # torch's end of the rise
    assert abs(int(np.argmax(curve)) - top) <= 1
    if top == int(top):
        assert close(curve[int(top)], max_lr)
    assert close(curve[0], max_lr / 25)
    # The linear fall computes (end - start) * 1.0 + start: exact to rounding of the start.
    assert math.isclose(curve[-1], max_lr / 25 / 1e4, rel_tol=REL, abs_tol=REL * max_lr)


def facts_resnet_step(k: dict, curve: np.ndarray) -> None:
    assert curve[0] == k["lr"]
    milestones = set(k["milestones"])
    for epoch in range(1, k["epochs"]):
        factor = k["gamma"] if epoch in milestones else 1.0
        assert curve[epoch] == curve[epoch - 1] * factor, epoch


def facts_sgdr(k: dict, curve: np.ndarray) -> None:
    lr, eta_min = k["lr"], k["eta_min"]
    assert close(curve[0], lr)
    assert curve.min() >= eta_min * (1 - REL)
    restart, cycle = k["T_0"], k["T_0"]
    while restart < k["epochs"]:
        assert close(curve[restart], lr), restart
        if cycle > 1:  # cycles of one epoch never leave the initial lr
            assert curve[restart - 1] < curve[restart]
        cycle *= k["T_mult"]
        restart += cycle


def facts_cyclic(k: dict, curve: np.ndarray) -> None:
    base, top, up = k["base_lr"], k["max_lr"], k["step_size_up"]
    assert curve[0] == base
    assert close(curve[up], top)
    assert int(np.argmax(curve)) == up
    assert curve.min() >= base * (1 - REL) and curve.max() <= top * (1 + REL)


def facts_finetune_plateau(k: dict, curve: np.ndarray) -> None:
    design = build_preset("finetune-plateau", **k)
    backbone, head = compute_curves(design).group_lrs()
    assert np.array_equal(backbone, curve)
    assert [g.name for g in design.param_groups] == ["backbone", "head"]
    warmup = k["warmup_steps"]
    for lrs, peak in ((head, k["head_lr"]), (backbone, k["head_lr"] * k["backbone_ratio"])):
        check_warmup(lrs, peak, warmup)
        # After the warmup the lr only ever halves, both groups at the same steps.
        after = lrs[warmup:]
        assert set((after[1:] / after[:-1]).tolist()) <= {1.0, 0.5}
    assert np.array_equal(head[warmup:] / k["head_lr"],
                          backbone[warmup:] / (k["head_lr"] * k["backbone_ratio"]))
    assert design.phases[-1].param_value("eval_every") == k["eval_every"]


FACTS: dict[str, Callable[[dict, np.ndarray], None]] = {
    "llm-cosine": facts_llm_cosine,
    "wsd": facts_wsd,
    "inverse-sqrt": facts_inverse_sqrt,
    "constant-warmup": facts_constant_warmup,
    "bert": facts_bert,
    "one-cycle": facts_one_cycle,
    "resnet-step": facts_resnet_step,
    "sgdr": facts_sgdr,
    "cyclic": facts_cyclic,
    "finetune-plateau": facts_finetune_plateau,
}


def check_design(preset: Preset, knobs: dict, schedule: Schedule) -> np.ndarray:
    """Everything every preset promises, then the preset's own facts; returns the curve."""
    assert isinstance(schedule, Schedule) and schedule.name
    assert load_schedule(dump_schedule(schedule)) == schedule
    curve = compute_curve(schedule)
    length = knobs.get("total_steps", knobs.get("epochs"))
    assert len(curve) == schedule.total_steps == length
    assert schedule.interval == ("epoch" if "epochs" in knobs else "step")
    assert np.all(np.isfinite(curve)) and np.all(curve >= 0)
    FACTS[preset.key](knobs, curve)
    return curve


# Tests -------------------------------------------------------------------------------------

def test_the_gallery_has_every_documented_preset():
    assert set(FACTS) == set(PRESETS)
    required = {"llm-cosine", "wsd", "one-cycle", "resnet-step", "sgdr", "inverse-sqrt",
                "constant-warmup", "bert"}
    assert required <= set(PRESETS)
    assert PRESETS["wsd"].knob("decay_shape").choices == ("linear", "cosine", "1-sqrt")


@pytest.mark.parametrize("preset", PRESETS.values(), ids=list(PRESETS))
def test_each_preset_describes_itself_and_its_knobs(preset):
    assert preset.title and "\n" not in preset.title
    assert preset.description.endswith(".") and "\n" not in preset.description
    names = [knob.name for knob in preset.knobs]
    assert len(names) == len(set(names)) and 2 <= len(names) <= 6
    for knob in preset.knobs:
        assert knob.kind in (INT, FLOAT, CHOICE, INT_LIST)
        assert knob.label and knob.help
        assert knob.check(knob.default) == knob.default  # defaults pass their own bounds
        if knob.kind == CHOICE:
            assert knob.default in knob.choices


@pytest.mark.parametrize("key", list(PRESETS))
def test_defaults_build_a_design_that_keeps_its_promises(key):
    preset = PRESETS[key]
    schedule = preset.build()
    assert schedule == build_preset(key, **preset.defaults())
    check_design(preset, preset.defaults(), schedule)


def test_the_presets_use_real_timeline_schedulers_and_sensible_optimizers():
    used = {phase.scheduler for preset in PRESETS.values() for phase in preset.build().phases}
    assert used <= set(SCHEDULERS)
    assert {"LinearLR", "CosineAnnealingLR", "LambdaLR", "OneCycleLR", "MultiStepLR",
            "CosineAnnealingWarmRestarts", "PolynomialLR", "ConstantLR", "CyclicLR"} <= used
    llm = PRESETS["llm-cosine"].build().optimizer
    assert (llm.name, llm.params["betas"], llm.params["weight_decay"]) == ("AdamW", (0.9, 0.95),
                                                                           0.1)
    for key in ("one-cycle", "resnet-step", "sgdr"):
        optimizer = PRESETS[key].build().optimizer
        assert optimizer.name == "SGD" and optimizer.params["momentum"] == 0.9


def test_knobs_reach_the_design():
    schedule = build_preset("resnet-step", epochs=90, milestones=[60, 30], gamma=0.2)
    [phase] = schedule.phases
    assert phase.params == {"milestones": (30, 60), "gamma": 0.2}
    assert schedule.name == "ResNet: step decay at epochs 30, 60"
    assert schedule.interval == "epoch" and phase.steps == 90
    wsd = build_preset("wsd", total_steps=1000, warmup_fraction=0.1, decay_fraction=0.3,
                       decay_shape="cosine", min_lr_ratio=0.1, peak_lr=0.002)
    assert [(p.scheduler, p.steps) for p in wsd.phases] == [
        ("LinearLR", 100), ("ConstantLR", 600), ("CosineAnnealingLR", 300)]
    assert [p.length.text() for p in wsd.phases] == ["10% of total", "rest", "30% of total"]
    assert wsd.phases[-1].params == {"eta_min": 0.0002}  # tidy, not 0.00020000000000000001
    assert wsd.phases[-1].param_value("T_max") == 300  # fitted to the phase


@pytest.mark.parametrize("shape", ["linear", "cosine", "1-sqrt"])
@pytest.mark.parametrize("ratio", [0.0, 0.07, 0.5])
def test_wsd_decay_shapes_follow_transformers(shape, ratio):
    knobs = dict(PRESETS["wsd"].defaults(), total_steps=2000, decay_shape=shape,
                 min_lr_ratio=ratio)
    check_design(PRESETS["wsd"], knobs, build_preset("wsd", **knobs))


def test_one_minus_sqrt_never_goes_negative_even_past_the_phase():
    """The scheduler.step() that ends the phase evaluates one step past its last."""
    for ratio in (0.0, 0.3):
        decay = build_preset("wsd", total_steps=100, decay_shape="1-sqrt",
                             min_lr_ratio=ratio).phases[-1]
        expression = parse_expression(decay.params["lr_lambda"])
        values = [expression(step) for step in range(decay.steps + 50)]
        assert min(values) == ratio and values[0] == 1.0
        assert values[decay.steps] == ratio and values[decay.steps - 1] > ratio


@pytest.mark.parametrize(("key", "knobs", "field", "words"), [
    ("llm-cosine", {"peak_lr": -1.0}, "peak_lr", ">= 1e-09"),
    ("llm-cosine", {"peak_lr": "fast"}, "peak_lr", "must be a number"),
    ("llm-cosine", {"total_steps": 2.5}, "total_steps", "integer"),
    ("llm-cosine", {"warmup_fraction": 0.9}, "warmup_fraction", "<= 0.5"),
    ("llm-cosine", {"min_lr_ratio": 1.0}, "min_lr_ratio", "< 1"),
    ("llm-cosine", {"warmup": 10}, "warmup", "is not a knob"),
    ("wsd", {"warmup_fraction": 0.5, "decay_fraction": 0.6}, "decay_fraction", "leave no stable"),
    ("wsd", {"total_steps": 10, "decay_fraction": 0.1}, "decay_fraction", "at least 2"),
    ("wsd", {"decay_shape": "sqrt"}, "decay_shape", "'1-sqrt'"),
    ("inverse-sqrt", {"total_steps": 100, "warmup_steps": 100}, "warmup_steps", "less than"),
    ("constant-warmup", {"total_steps": 100, "warmup_steps": 100}, "warmup_steps", "less than"),
    ("bert", {"power": 0.0}, "power", "> 0"),
    ("one-cycle", {"total_steps": 10, "pct_start": 0.1}, "pct_start", "rise"),
    ("one-cycle", {"total_steps": 10, "pct_start": 0.9}, "pct_start", "fall"),
    ("resnet-step", {"milestones": (30, 100)}, "milestones", "never take effect"),
    ("resnet-step", {"milestones": ()}, "milestones", "at least one"),
    ("resnet-step", {"milestones": (30, 30)}, "milestones", "once"),
    ("resnet-step", {"milestones": (0, 30)}, "milestones[0]", ">= 1"),
    ("resnet-step", {"gamma": 1.0}, "gamma", "< 1"),
    ("sgdr", {"epochs": 10, "T_0": 10}, "T_0", "less than the 10 epochs"),
    ("sgdr", {"eta_min": 0.5}, "eta_min", "below the initial lr"),
    ("sgdr", {"T_mult": 0}, "T_mult", ">= 1"),
    ("cyclic", {"base_lr": 0.01, "max_lr": 0.005}, "max_lr", "above the base lr"),
    ("cyclic", {"total_steps": 100, "step_size_up": 100}, "step_size_up", "less than"),
    ("finetune-plateau", {"total_steps": 1000, "warmup_steps": 999}, "warmup_steps",
     "at least 2"),
    ("finetune-plateau", {"total_steps": 1000, "warmup_steps": 500, "eval_every": 600},
     "eval_every", "nothing is validated"),
    ("finetune-plateau", {"backbone_ratio": 0.0}, "backbone_ratio", "> 0"),
])
def test_invalid_knobs_are_refused_with_a_message_naming_the_knob(key, knobs, field, words):
    with pytest.raises(ScheduleError) as caught:
        build_preset(key, **knobs)
    assert caught.value.field == field
    assert words in caught.value.message
    assert str(caught.value).startswith(f"{field}: ")


def knob_values(knob: Knob, drawn: dict) -> st.SearchStrategy:
    """Values within the knob's bounds; where another knob already drawn limits this one
    (a warmup shorter than the run, a minimum below the lr), mostly within that limit too."""
    if knob.kind == CHOICE:
        return st.sampled_from(knob.choices)
    length = drawn.get("total_steps", drawn.get("epochs"))
    if knob.kind == INT_LIST:
        return st.lists(st.integers(1, max(1, length - 1)), min_size=1, max_size=5, unique=True)
    if knob.kind == INT:
        high = min(knob.maximum, TEST_CAPS.get(knob.name, knob.maximum))
        if knob.name in ("warmup_steps", "step_size_up", "T_0", "eval_every"):
            high = min(high, max(int(knob.minimum), length - 1))
        return st.integers(int(knob.minimum), int(high))
    low, high = knob.minimum, knob.maximum if knob.maximum is not None else 1.0
    exclude_max = knob.exclusive_max
    if knob.name == "eta_min":
        high, exclude_max = drawn["lr"], True
    if knob.name == "max_lr" and "base_lr" in drawn:
        low = min(high, drawn["base_lr"] * 1.01)
    return st.floats(low, high, exclude_min=knob.exclusive_min, exclude_max=exclude_max,
                     allow_nan=False, allow_subnormal=False)


@pytest.mark.parametrize("key", list(PRESETS))
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_valid_knobs_build_designs_that_keep_their_promises(key, data):
    preset = PRESETS[key]
    knobs: dict = {}
    for knob in preset.knobs:
        knobs[knob.name] = data.draw(knob_values(knob, knobs), label=knob.name)
    try:
        schedule = preset.build(**knobs)
    except ScheduleError as exc:
        # A combination the preset refuses is refused by name, never by a crash.
        assert exc.field.split("[")[0] in knobs
        return
    knobs = {name: preset.knob(name).check(value) for name, value in knobs.items()}
    check_design(preset, knobs, schedule)


def test_presets_import_without_qt_or_torch(subprocess_env):
    script = ("import sys\n"
              "for name in ('PySide6', 'pyqtgraph', 'torch'):\n"
              "    sys.modules[name] = None\n"
              "from designer.core.schedule.presets import PRESETS\n"
              "for preset in PRESETS.values():\n"
              "    preset.build()\n"
              "print('ok')\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=subprocess_env, timeout=60, check=False)
    assert result.stdout.strip() == "ok", result.stderr


def test_a_description_that_names_knob_values_follows_them():
    preset = PRESETS["resnet-step"]
    assert "at epochs 30, 60 and 90" in preset.description
    text = preset.describe(milestones=(80, 40), gamma=0.5, lr=0.2)
    assert "at lr 0.2, multiplied by 0.5 at epochs 40 and 80 (" in text
    assert "at epoch 10 (" in preset.describe(milestones=(10,))
    assert all(p.describe() == p.description for p in PRESETS.values())
