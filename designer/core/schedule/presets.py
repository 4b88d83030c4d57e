"""The presets gallery: well-known schedules, each built from a few knobs.

A preset (`preset_knobs.Preset`) is a title, a one-line description (a function of the knob
values when it names them), its knobs and a pure `build(**knobs)` that returns an ordinary
`Schedule` of timeline phases (LinearLR, CosineAnnealingLR, LambdaLR...), so everything a
preset makes can be edited, saved and exported like a hand-made design.

Shared conventions, so that every preset keeps the promises its description makes:

* Phases start from the optimizer's lr (the peak) unless they set the lr themselves
  (OneCycleLR, CyclicLR).
* Recipes published in proportions (warmup + cosine, WSD, BERT's warmup + polynomial
  decay: Hugging Face's ``warmup_ratio`` and its ``get_*_schedule_with_warmup`` functions)
  are built proportional: the warmup is a fraction of the total, WSD's decay "the last X%",
  and the stable part or the decay "rest"; the total comes from a training setup of one
  epoch of `total_steps` batches (`training.setup_for_steps`), which the user replaces by
  their real one. Their duration parameters (LinearLR's total_iters, a cosine's T_max,
  PolynomialLR's total_iters) are left out, so they stay fitted to the phase's resolved
  steps: Edit -> Stretch or a changed setup keeps the recipe true. Their curves are
  transformers' functions stepped: a warmup of W steps is ``k / W`` at step k (LinearLR
  from `WARMUP_START`, as torch refuses a start factor of 0), a decay of D steps reaches its
  end value at step D, the step after the run, as in transformers.
* A warmup given in steps (constant with warmup, inverse square root, fine-tuning) runs
  from zero (step -1) to exactly the peak at step W: ``LinearLR(start_factor=1 / (W + 1))``
  gives ``peak * (k + 1) / (W + 1)`` at step k < W.

Knob values are validated like file values (`kinds.check_value`); a bad value or a bad
combination raises `ScheduleError` whose `field` is the knob's name. The design a preset
builds then passes the checks of a loaded file (`checks.check_design`, in `Preset.build`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from designer.core.schedule.catalog import CHOICE, FLOAT, INT, INT_LIST
from designer.core.schedule.lengths import FRACTION, REST, Length
from designer.core.schedule.model import (
    MAX_TOTAL_STEPS,
    OptimizerConfig,
    ParamGroup,
    Phase,
    Schedule,
    ScheduleError,
)
from designer.core.schedule.preset_knobs import (
    Knob,
    Preset,
    epochs_knob,
    lr_knob,
    min_lr_ratio_knob,
    peak_lr_knob,
    total_steps_knob,
    warmup_fraction_knob,
    warmup_steps_knob,
)
from designer.core.schedule.training import setup_for_steps

__all__ = ["PRESETS", "WARMUP_START", "Knob", "Preset", "build_preset"]

DECAY_SHAPES = ("linear", "cosine", "1-sqrt")
# A proportional warmup's LinearLR start_factor: transformers' warmup starts at 0, which
# torch's LinearLR refuses; this far below the peak the two differ by < 1e-9 of the peak.
WARMUP_START = 1e-9


PRESETS: dict[str, Preset] = {}


def build_preset(key: str, **values: Any) -> Schedule:
    return PRESETS[key].build(**values)


def _preset(key: str, title: str, description: str | Callable[..., str],
            *knobs: Knob) -> Callable[[Callable[..., Schedule]], Callable[..., Schedule]]:
    """Register the decorated build function as a gallery entry (glue's config registry)."""
    def register(make: Callable[..., Schedule]) -> Callable[..., Schedule]:
        PRESETS[key] = Preset(key, title, description, knobs, make)
        return make

    return register


def _require(ok: bool, knob: str, message: str) -> None:
    if not ok:
        raise ScheduleError(knob, message)


# Building blocks ---------------------------------------------------------------------------

def _count(total: int, fraction: float) -> int:
    """`fraction` of `total` steps as `lengths.resolve_steps` rounds it: half up (round()
    would round half to even), at least 1 step for a fraction above 0."""
    return max(1, int(total * fraction + 0.5)) if fraction else 0


def _warmup(steps: int) -> tuple[Phase, ...]:
    """A straight line from zero (at step -1) that reaches the base lr at step `steps`."""
    if steps == 0:
        return ()
    return (Phase("LinearLR", steps, {"start_factor": 1.0 / (steps + 1), "end_factor": 1.0}),)


def _hold(steps: int) -> tuple[Phase, ...]:
    return (Phase("ConstantLR", steps, {"factor": 1.0}),) if steps else ()


def _sized(phase: Phase, length: Length) -> Phase:
    return replace(phase, length=length)


def _ratio_warmup(total: int, fraction: float, start: float = WARMUP_START) -> tuple[Phase, ...]:
    """transformers' warmup over `fraction` of the run: ``start + (1 - start) * k / W`` at
    step k, total_iters fitted to the phase (W) so it follows a stretch."""
    if fraction == 0:
        return ()
    phase = Phase("LinearLR", _count(total, fraction), {"start_factor": start, "end_factor": 1.0})
    return (_sized(phase, Length(FRACTION, fraction)),)


def _decay(shape: str, steps: int, peak: float, ratio: float) -> Phase:
    """From the peak to `ratio * peak` at step `steps` (the step after the phase), as
    transformers' decays; linear and cosine have their duration fitted to the phase."""
    if shape == "linear":
        return Phase("LinearLR", steps, {"start_factor": 1.0, "end_factor": ratio})
    if shape == "cosine":
        return Phase("CosineAnnealingLR", steps, {"eta_min": _min_lr(ratio, peak)})
    # 1 - sqrt(t) (Hägele et al. 2024; transformers' decay_type="1-sqrt"). An expression
    # knows only `step`, so this decay's length is fixed. min() holds the end value past the
    # phase. `r + (1 - r) * x` is exactly r at x = 0 and exactly 1 at x = 1.
    progress = f"(1 - sqrt(min(step, {steps}) / {steps}))"
    text = progress[1:-1] if ratio == 0 else f"{ratio!r} + (1 - {ratio!r}) * {progress}"
    return Phase("LambdaLR", steps, {"lr_lambda": text})


def _percent(ratio: float) -> str:
    return f"{ratio * 100:g}%" if ratio else "zero"


def _min_lr(ratio: float, peak: float) -> float:
    """`ratio * peak` as the user would type it (3e-05, not 2.9999999999999997e-05): within
    one part in 1e15 of the product, and never rounded up to the peak itself."""
    exact = ratio * peak
    tidy = float(f"{exact:.15g}")
    return tidy if tidy < peak else exact


def _llm_optimizer(lr: float) -> OptimizerConfig:
    return OptimizerConfig("AdamW", lr, {"betas": (0.9, 0.95), "weight_decay": 0.1})


def _sgd(lr: float, weight_decay: float) -> OptimizerConfig:
    return OptimizerConfig("SGD", lr, {"momentum": 0.9, "weight_decay": weight_decay})


def _decay_room(total: int, warmup: int, knob: str) -> None:
    _require(total - warmup >= 2, knob,
             f"leaves {max(0, total - warmup)} of the {total:,} steps for the decay; "
             "it needs at least 2")


# The gallery -------------------------------------------------------------------------------

@_preset(
    "llm-cosine", "LLM: warmup + cosine",
    "Linear warmup from zero to the peak, then a half cosine down to a fraction of it: "
    "the GPT-3 / LLaMA pre-training schedule.",
    total_steps_knob(100_000), peak_lr_knob(3e-4), warmup_fraction_knob(0.02), min_lr_ratio_knob(0.1))
def llm_cosine(total_steps: int, peak_lr: float, warmup_fraction: float,
               min_lr_ratio: float) -> Schedule:
    warmup = _count(total_steps, warmup_fraction)
    _decay_room(total_steps, warmup, "warmup_fraction")
    decay = _sized(_decay("cosine", total_steps - warmup, peak_lr, min_lr_ratio), Length(REST))
    return Schedule(_ratio_warmup(total_steps, warmup_fraction) + (decay,),
                    _llm_optimizer(peak_lr), "step", None,
                    f"LLM pre-training: warmup + cosine to {_percent(min_lr_ratio)}",
                    training=setup_for_steps(total_steps))


@_preset(
    "wsd", "Warmup-stable-decay",
    "Warmup, a long constant stretch at the peak, then a short decay (linear, cosine or "
    "1-sqrt): checkpoints from the stable phase can be decayed at any time.",
    total_steps_knob(100_000), peak_lr_knob(1e-3), warmup_fraction_knob(0.01),
    Knob("decay_fraction", "Decay fraction", FLOAT, 0.2, 0.0, 1.0, exclusive_min=True,
         help="share of the steps spent in the final decay"),
    Knob("decay_shape", "Decay shape", CHOICE, "cosine", choices=DECAY_SHAPES,
         help="how the lr falls in the decay (transformers' default: cosine); 1-sqrt "
              "falls fast first, then slowly, over a fixed number of steps"),
    min_lr_ratio_knob(0.0))
def warmup_stable_decay(total_steps: int, peak_lr: float, warmup_fraction: float,
                        decay_fraction: float, decay_shape: str,
                        min_lr_ratio: float) -> Schedule:
    warmup = _count(total_steps, warmup_fraction)
    decay = _count(total_steps, decay_fraction)
    _require(decay >= 2, "decay_fraction",
             f"gives {decay} decay steps of {total_steps:,}; the decay needs at least 2")
    _require(warmup + decay < total_steps, "decay_fraction",
             f"warmup and decay together leave no stable steps "
             f"({warmup:,} + {decay:,} of {total_steps:,})")
    stable = _sized(_hold(total_steps - warmup - decay)[0], Length(REST))
    last = _decay(decay_shape, decay, peak_lr, min_lr_ratio)
    if decay_shape != "1-sqrt":  # its lambda names its length (see _decay)
        last = _sized(last, Length(FRACTION, decay_fraction))
    # transformers' WSD warms up from min_lr_ratio (from zero when it is 0).
    warmup_phases = _ratio_warmup(total_steps, warmup_fraction, min_lr_ratio or WARMUP_START)
    return Schedule(warmup_phases + (stable, last), _llm_optimizer(peak_lr), "step", None,
                    f"Warmup-stable-decay ({decay_shape} decay to {_percent(min_lr_ratio)})",
                    training=setup_for_steps(total_steps))


@_preset(
    "inverse-sqrt", "Transformer: inverse square root",
    "Linear warmup, then the lr falls as 1/sqrt(step): the schedule of \"Attention Is All "
    "You Need\", with its Adam settings.",
    total_steps_knob(100_000), peak_lr_knob(7e-4), warmup_steps_knob(4000, minimum=1))
def inverse_sqrt(total_steps: int, peak_lr: float, warmup_steps: int) -> Schedule:
    _require(warmup_steps < total_steps, "warmup_steps",
             f"must be less than the {total_steps:,} total steps, so that the peak is reached")
    w = warmup_steps
    # At step w both branches give exactly 1: the peak, as after a LinearLR warmup.
    text = f"(step + 1) / {w + 1} if step < {w} else sqrt({w} / step)"
    optimizer = OptimizerConfig("Adam", peak_lr, {"betas": (0.9, 0.98), "eps": 1e-9})
    return Schedule((Phase("LambdaLR", total_steps, {"lr_lambda": text}),), optimizer, "step",
                    None, f"Inverse square root ({w:,} warmup steps)")


@_preset(
    "constant-warmup", "Constant with warmup",
    "Linear warmup from zero, then the peak lr for the rest of the run: a common choice "
    "for fine-tuning.",
    total_steps_knob(10_000, minimum=2), peak_lr_knob(1e-4), warmup_steps_knob(500))
def constant_with_warmup(total_steps: int, peak_lr: float, warmup_steps: int) -> Schedule:
    _require(warmup_steps < total_steps, "warmup_steps",
             f"must be less than the {total_steps:,} total steps")
    phases = _warmup(warmup_steps) + _hold(total_steps - warmup_steps)
    optimizer = OptimizerConfig("AdamW", peak_lr, {"weight_decay": 0.01})
    return Schedule(phases, optimizer, "step", None, "Constant lr with warmup")


@_preset(
    "bert", "BERT: warmup + polynomial decay",
    "Linear warmup, then a polynomial decay to zero on the last step (power 1 is linear): "
    "BERT's pre-training and fine-tuning schedule, with its AdamW settings.",
    total_steps_knob(10_000), peak_lr_knob(5e-5), warmup_fraction_knob(0.1),
    Knob("power", "Power", FLOAT, 1.0, 0.0, 10.0, exclusive_min=True,
         help="polynomial power of the decay: 1 is linear, 2 falls faster early on"))
def bert(total_steps: int, peak_lr: float, warmup_fraction: float, power: float) -> Schedule:
    warmup = _count(total_steps, warmup_fraction)
    _decay_room(total_steps, warmup, "warmup_fraction")
    # PolynomialLR always decays to zero (torch has no end lr), as BERT's own code did, and
    # transformers' get_polynomial_decay_schedule_with_warmup with lr_end=0 (power 1:
    # get_linear_schedule_with_warmup).
    decay = Phase("PolynomialLR", total_steps - warmup, {"power": power}, length=Length(REST))
    optimizer = OptimizerConfig("AdamW", peak_lr, {"betas": (0.9, 0.999), "eps": 1e-6,
                                                   "weight_decay": 0.01})
    return Schedule(_ratio_warmup(total_steps, warmup_fraction) + (decay,), optimizer, "step",
                    None, f"BERT: warmup + polynomial decay (power {power:g})",
                    training=setup_for_steps(total_steps))


@_preset(
    "one-cycle", "One-cycle",
    "Leslie Smith's 1cycle policy (OneCycleLR): up to the max lr, then far below the start, "
    "with momentum cycled the other way. SGD with momentum 0.9.",
    total_steps_knob(10_000), lr_knob("max_lr", "Max lr", 0.1, "the peak lr of the cycle"),
    Knob("pct_start", "Rising fraction", FLOAT, 0.3, 0.01, 0.99,
         help="share of the steps spent raising the lr (torch's pct_start)"),
    Knob("anneal_strategy", "Annealing", CHOICE, "cos", choices=("cos", "linear"),
         help="shape of both the rise and the fall"))
def one_cycle(total_steps: int, max_lr: float, pct_start: float,
              anneal_strategy: str) -> Schedule:
    # Torch divides by the length of each part of the cycle; a part shorter than one step
    # is a ZeroDivisionError (or a cycle without a rise) mid-training.
    _require(pct_start * total_steps - 1 >= 1, "pct_start",
             f"leaves less than 2 of the {total_steps:,} steps for the rise")
    _require((1 - pct_start) * total_steps >= 2, "pct_start",
             f"leaves less than 2 of the {total_steps:,} steps for the fall")
    params = {"max_lr": max_lr, "pct_start": pct_start, "anneal_strategy": anneal_strategy}
    return Schedule((Phase("OneCycleLR", total_steps, params),), _sgd(max_lr, 5e-4), "step",
                    None, f"One-cycle to {max_lr:g}")


def _listed(values: tuple[int, ...]) -> str:
    """30, 60 and 90."""
    words = [str(value) for value in values]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _resnet_text(epochs: int, lr: float, milestones: tuple[int, ...], gamma: float) -> str:
    at = sorted(set(milestones))
    return (f"The ImageNet ResNet recipe: SGD with momentum 0.9 at lr {lr:g}, multiplied by "
            f"{gamma:g} at epoch{'s' if len(at) > 1 else ''} {_listed(tuple(at))} "
            f"(MultiStepLR, stepped once per epoch).")


@_preset(
    "resnet-step", "ResNet: step decay", _resnet_text,
    epochs_knob(100), lr_knob("lr", "Initial lr", 0.1, "the lr of the first epochs"),
    Knob("milestones", "Milestones", INT_LIST, (30, 60, 90), 1,
         help="epochs at which the lr is multiplied by gamma"),
    Knob("gamma", "Gamma", FLOAT, 0.1, 0.0, 1.0, exclusive_min=True, exclusive_max=True,
         help="factor applied at each milestone"))
def resnet_step(epochs: int, lr: float, milestones: tuple[int, ...], gamma: float) -> Schedule:
    _require(bool(milestones), "milestones", "give at least one epoch, e.g. 30, 60, 90")
    _require(len(set(milestones)) == len(milestones), "milestones",
             "each epoch may appear once (a repeated one would apply gamma twice)")
    milestones = tuple(sorted(milestones))
    _require(milestones[-1] < epochs, "milestones",
             f"{milestones[-1]} is not before the last epoch ({epochs - 1}); it would never "
             "take effect")
    phase = Phase("MultiStepLR", epochs, {"milestones": milestones, "gamma": gamma})
    at = ", ".join(str(m) for m in milestones)
    return Schedule((phase,), _sgd(lr, 1e-4), "epoch", None, f"ResNet: step decay at epochs {at}")


@_preset(
    "sgdr", "SGDR: warm restarts",
    "Cosine annealing restarted from the initial lr after T_0 epochs, each cycle T_mult "
    "times longer than the last (CosineAnnealingWarmRestarts, per epoch).",
    epochs_knob(150), lr_knob("lr", "Initial lr", 0.1, "the lr at the start of every cycle"),
    Knob("T_0", "First cycle (T_0)", INT, 10, 1, 100_000, help="epochs of the first cycle"),
    Knob("T_mult", "Cycle growth (T_mult)", INT, 2, 1, 10,
         help="each cycle is this many times longer than the previous one"),
    Knob("eta_min", "Minimum lr", FLOAT, 0.0, 0.0, help="the lr at the bottom of each cycle"))
def sgdr(epochs: int, lr: float, T_0: int, T_mult: int, eta_min: float) -> Schedule:
    _require(T_0 < epochs, "T_0", f"must be less than the {epochs} epochs, or nothing restarts")
    _require(eta_min < lr, "eta_min", f"must be below the initial lr ({lr:g})")
    params = {"T_0": T_0, "T_mult": T_mult, "eta_min": eta_min}
    return Schedule((Phase("CosineAnnealingWarmRestarts", epochs, params),), _sgd(lr, 5e-4),
                    "epoch", None, f"SGDR warm restarts (T_0 {T_0}, T_mult {T_mult})")


@_preset(
    "cyclic", "Cyclical learning rates",
    "Smith's triangular cycles between a base and a max lr (CyclicLR), with momentum cycled "
    "the other way; triangular2 halves the amplitude every cycle.",
    total_steps_knob(12_000), lr_knob("base_lr", "Base lr", 0.001, "the lr at the bottom of a cycle"),
    lr_knob("max_lr", "Max lr", 0.006, "the lr at the top of the first cycle"),
    Knob("step_size_up", "Half cycle (steps)", INT, 2000, 1, MAX_TOTAL_STEPS,
         help="steps from the base lr to the max lr (and back)"),
    Knob("mode", "Mode", CHOICE, "triangular2", choices=("triangular", "triangular2"),
         help="triangular keeps the amplitude, triangular2 halves it every cycle"))
def cyclic(total_steps: int, base_lr: float, max_lr: float, step_size_up: int,
           mode: str) -> Schedule:
    _require(base_lr < max_lr, "max_lr", f"must be above the base lr ({base_lr:g})")
    _require(step_size_up < total_steps, "step_size_up",
             f"must be less than the {total_steps:,} total steps, so that the lr peaks")
    params = {"base_lr": base_lr, "max_lr": max_lr, "step_size_up": step_size_up, "mode": mode}
    return Schedule((Phase("CyclicLR", total_steps, params),), _sgd(base_lr, 5e-4), "step",
                    None, f"Cyclical lr ({mode})")


@_preset(
    "finetune-plateau", "Fine-tune: discriminative lrs, then plateau",
    "A pretrained backbone at a fraction of the head's lr (two param groups), a linear "
    "warmup, then ReduceLROnPlateau halving both whenever the validation loss stalls "
    "(simulated with a noisy loss that flattens out).",
    total_steps_knob(10_000), lr_knob("head_lr", "Head lr", 1e-3, "the head's lr after the warmup"),
    Knob("backbone_ratio", "Backbone lr ratio", FLOAT, 0.1, 0.0, 1.0, exclusive_min=True,
         help="the backbone's lr as a fraction of the head's (0.1: ten times smaller)"),
    warmup_steps_knob(500),
    Knob("eval_every", "Validate every (steps)", INT, 250, 1, MAX_TOTAL_STEPS,
         help="steps between validations: ReduceLROnPlateau steps with the loss then"),
    Knob("patience", "Patience", INT, 2, 0, 1000,
         help="validations without improvement before the lrs are halved"))
def finetune_plateau(total_steps: int, head_lr: float, backbone_ratio: float,
                     warmup_steps: int, eval_every: int, patience: int) -> Schedule:
    _decay_room(total_steps, warmup_steps, "warmup_steps")
    plateau = total_steps - warmup_steps
    _require(eval_every <= plateau, "eval_every",
             f"must be at most the {plateau:,} steps after the warmup, or nothing is validated")
    # A loss that falls fast and flattens over the run; seeded noise makes the stalls real.
    params = {"factor": 0.5, "patience": patience,
              "metric": f"0.4 + 1.6 * exp(-step / {max(1, plateau // 8)})",
              "metric_noise": 0.005, "eval_every": eval_every}
    optimizer = OptimizerConfig("AdamW", head_lr, {"weight_decay": 0.01})
    groups = (ParamGroup("backbone", lr_scale=backbone_ratio), ParamGroup("head", lr_scale=1.0))
    return Schedule((*_warmup(warmup_steps), Phase("ReduceLROnPlateau", plateau, params)),
                    optimizer, "step", None, f"Fine-tune: backbone at {backbone_ratio:g}× the "
                    "head, then reduce on plateau", param_groups=groups)
