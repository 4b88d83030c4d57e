"""The scheduler catalog: what the designer knows about each torch lr scheduler.

The catalog is plain data, so the file loader, the inspector and the exporter all read the
same facts without importing torch (torch takes seconds to import; the window and
`lr-designer validate` should not wait for it). `tests/core/test_catalog.py` checks every
entry against the real torch signatures, so the table cannot drift from torch. What a
parameter is lives in `params.py` and the optimizers in `optimizers.py`; both are
importable from here, where the designer looks them up.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from typing import NamedTuple

from designer.core.schedule.optimizers import OPTIMIZERS, OptimizerSpec
from designer.core.schedule.params import (
    BOOL,
    CHOICE,
    EXPRESSION,
    FACTOR,
    FLOAT,
    FLOAT_PAIR,
    INT,
    INT_LIST,
    NON_NEGATIVE,
    PATH,
    POSITIVE,
    REQUIRED,
    STEPS,
    TEXT,
    ParamSpec,
)
from designer.core.schedule.params import param_spec as _p

__all__ = [
    "BOOL",
    "CHAINED",
    "CHAINED_SPEC",
    "CHOICE",
    "EXPRESSION",
    "FLOAT",
    "FLOAT_PAIR",
    "INT",
    "INT_LIST",
    "MAX_MEMBERS",
    "OPTIMIZERS",
    "PATH",
    "REQUIRED",
    "SCHEDULERS",
    "TEXT",
    "OptimizerSpec",
    "ParamSpec",
    "SchedulerSpec",
    "chainable",
    "chained_text",
    "count_text",
    "in_units",
]


@dataclass(frozen=True)
class SchedulerSpec:
    """A torch.optim.lr_scheduler class the timeline can hold.

    `fit_param` is the duration parameter that equals the phase's steps when the file omits
    it. `absolute` schedulers (CyclicLR, OneCycleLR) set the lr from their own parameters,
    so a phase's start lr does not affect them. `short` is the label used on timeline blocks.
    `simulated` schedulers react to a validation metric (ReduceLROnPlateau): the designer
    steps them with a synthetic metric the phase describes, so their curve is a simulation.

    `label_params` are the parts of the block label after `short`: a parameter name ("T_max"
    reads "T_max=48k") or a text with parameters in braces ("every {step_size}"), each value
    written by its kind's `short_text`. A part in square brackets is left out while its
    parameters hold torch's defaults ("[η_min={eta_min}]").
    """

    name: str
    short: str
    params: tuple[ParamSpec, ...]
    doc: str
    fit_param: str | None = None
    absolute: bool = False
    cycles_momentum: bool = False
    label_params: tuple[str, ...] = ()
    simulated: bool = False
    _by_name: dict[str, ParamSpec] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update({p.name: p for p in self.params})

    def param(self, name: str) -> ParamSpec:
        return self._by_name[name]

    def has_param(self, name: str) -> bool:
        return name in self._by_name

    @property
    def torch_params(self) -> tuple[ParamSpec, ...]:
        """The parameters that are keywords of the torch constructor."""
        return tuple(p for p in self.params if not p.simulation)

    def label_parts(self) -> list[LabelPart]:
        """`label_params` read: each part's text, parameters and whether it is optional."""
        parts = []
        for part in self.label_params:
            optional = part.startswith("[") and part.endswith("]")
            text = part[1:-1] if optional else part
            text = text if "{" in text else f"{text}={{{text}}}"  # "T_max" reads "T_max=48k"
            names = tuple(name for _, name, _, _ in string.Formatter().parse(text) if name)
            parts.append(LabelPart(text, names, optional))
        return parts


class LabelPart(NamedTuple):
    """One part of a timeline block's label: `text` with a `{name}` field for each of
    `names`; an `optional` part is left out while they hold torch's defaults."""

    text: str
    names: tuple[str, ...]
    optional: bool


_LAMBDA_HELP = "expression in `step`, the phase's own counter from 0"
_PER_GROUP = {"per_group": True}

SCHEDULERS: dict[str, SchedulerSpec] = {
    s.name: s
    for s in [
        SchedulerSpec(
            "ConstantLR", "Constant",
            (
                _p("factor", FLOAT, 1.0 / 3, **FACTOR, help="lr multiplier until total_iters"),
                _p("total_iters", INT, 5, **STEPS, help="steps the factor applies for"),
            ),
            "Multiplies the lr by a constant factor until total_iters steps have passed.",
            fit_param="total_iters", label_params=("×{factor}",),
        ),
        SchedulerSpec(
            "LinearLR", "Linear",
            (
                _p("start_factor", FLOAT, 1.0 / 3, **FACTOR, help="multiplier at the start"),
                _p("end_factor", FLOAT, 1.0, minimum=0.0, maximum=1.0,
                   help="multiplier at the end"),
                _p("total_iters", INT, 5, **STEPS, help="steps to go from start to end factor"),
            ),
            "Changes the lr multiplier linearly from start_factor to end_factor over total_iters.",
            fit_param="total_iters", label_params=("{start_factor}→{end_factor}",),
        ),
        SchedulerSpec(
            "StepLR", "Step",
            (
                _p("step_size", INT, **STEPS, suggested=30, help="steps between decays"),
                _p("gamma", FLOAT, 0.1, **POSITIVE, help="multiplier at each decay"),
            ),
            "Multiplies the lr by gamma every step_size steps.",
            label_params=("every {step_size}", "×{gamma}"),
        ),
        SchedulerSpec(
            "MultiStepLR", "MultiStep",
            (
                _p("milestones", INT_LIST, minimum=0, suggested=(30, 60, 90),
                   help="steps at which the lr is multiplied by gamma"),
                _p("gamma", FLOAT, 0.1, **POSITIVE, help="multiplier at each milestone"),
            ),
            "Multiplies the lr by gamma at each milestone.",
            label_params=("@{milestones}", "×{gamma}"),
        ),
        SchedulerSpec(
            "ExponentialLR", "Exp",
            (_p("gamma", FLOAT, **POSITIVE, suggested=0.95, help="multiplier every step"),),
            "Multiplies the lr by gamma every step.",
            label_params=("×{gamma}",),
        ),
        SchedulerSpec(
            "PolynomialLR", "Poly",
            (
                _p("total_iters", INT, 5, **STEPS, help="steps to decay to zero"),
                _p("power", FLOAT, 1.0, **NON_NEGATIVE, help="polynomial power"),
            ),
            "Decays the lr to zero with a polynomial of the given power over total_iters.",
            fit_param="total_iters", label_params=("power",),
        ),
        SchedulerSpec(
            "CosineAnnealingLR", "Cosine",
            (
                _p("T_max", INT, **STEPS, help="steps of the half cosine"),
                _p("eta_min", FLOAT, 0.0, **NON_NEGATIVE, help="minimum lr"),
            ),
            "Anneals the lr along a half cosine from the start lr to eta_min over T_max steps.",
            fit_param="T_max", label_params=("T_max", "[η_min={eta_min}]"),
        ),
        SchedulerSpec(
            "CosineAnnealingWarmRestarts", "SGDR",
            (
                _p("T_0", INT, **STEPS, suggested=100, help="steps of the first cycle"),
                _p("T_mult", INT, 1, **STEPS, help="cycle length multiplier after each restart"),
                _p("eta_min", FLOAT, 0.0, **NON_NEGATIVE, help="minimum lr"),
            ),
            "Cosine annealing with warm restarts (SGDR): cycles of T_0, T_0*T_mult, ... steps.",
            label_params=("T_0", "[×{T_mult}]"),
        ),
        SchedulerSpec(
            "CyclicLR", "Cyclic",
            (
                _p("base_lr", FLOAT, **POSITIVE, **_PER_GROUP, suggested=0.001,
                   help="lower lr of the cycle"),
                _p("max_lr", FLOAT, **POSITIVE, **_PER_GROUP, suggested=0.1,
                   help="upper lr of the cycle"),
                _p("step_size_up", INT, 2000, **STEPS, help="steps from base_lr to max_lr"),
                _p("step_size_down", INT, None, **STEPS, optional=True,
                   help="steps from max_lr down (default: step_size_up)"),
                _p("mode", CHOICE, "triangular",
                   choices=("triangular", "triangular2", "exp_range"), help="cycle policy"),
                _p("gamma", FLOAT, 1.0, **POSITIVE, help="exp_range decay per step"),
                _p("cycle_momentum", BOOL, True, help="cycle momentum inversely to the lr"),
                _p("base_momentum", FLOAT, 0.8, **NON_NEGATIVE, help="lower momentum"),
                _p("max_momentum", FLOAT, 0.9, **NON_NEGATIVE, help="upper momentum"),
            ),
            "Cycles the lr between base_lr and max_lr (cyclical learning rates).",
            absolute=True, cycles_momentum=True,
            label_params=("{base_lr}↔{max_lr}", "up={step_size_up}"),
        ),
        SchedulerSpec(
            "OneCycleLR", "OneCycle",
            (
                _p("max_lr", FLOAT, **POSITIVE, **_PER_GROUP, suggested=0.1, help="peak lr"),
                _p("total_steps", INT, **STEPS, help="steps of the cycle"),
                _p("pct_start", FLOAT, 0.3, minimum=0.0, maximum=1.0,
                   help="fraction of the cycle spent increasing the lr"),
                _p("anneal_strategy", CHOICE, "cos", choices=("cos", "linear"),
                   help="annealing shape"),
                _p("cycle_momentum", BOOL, True, help="cycle momentum inversely to the lr"),
                _p("base_momentum", FLOAT, 0.85, **NON_NEGATIVE, help="lower momentum"),
                _p("max_momentum", FLOAT, 0.95, **NON_NEGATIVE, help="upper momentum"),
                _p("div_factor", FLOAT, 25.0, **POSITIVE, help="initial lr = max_lr / div_factor"),
                _p("final_div_factor", FLOAT, 1e4, **POSITIVE,
                   help="final lr = initial lr / final_div_factor"),
                _p("three_phase", BOOL, False, help="use the three-phase schedule"),
            ),
            "The 1cycle policy: warm up to max_lr, then anneal far below the initial lr.",
            fit_param="total_steps", absolute=True, cycles_momentum=True,
            label_params=("max_lr", "pct_start"),
        ),
        SchedulerSpec(
            "LambdaLR", "Lambda",
            (_p("lr_lambda", EXPRESSION, suggested="0.5 ** (step / 100)",
                help="lr = start lr * " + _LAMBDA_HELP),),
            "Sets the lr to the start lr times a function of the step.",
            label_params=("λ {lr_lambda}",),
        ),
        SchedulerSpec(
            "MultiplicativeLR", "Multiplicative",
            (_p("lr_lambda", EXPRESSION, suggested="0.99",
                help="lr is multiplied every step by an " + _LAMBDA_HELP),),
            "Multiplies the lr every step by a function of the step.",
            label_params=("λ {lr_lambda}",),
        ),
        SchedulerSpec(
            "ReduceLROnPlateau", "Plateau",
            (
                _p("mode", CHOICE, "min", choices=("min", "max"),
                   help="whether the metric should go down (loss) or up (accuracy)"),
                _p("factor", FLOAT, 0.1, minimum=0.0, maximum=1.0, exclusive_min=True,
                   exclusive_max=True, help="lr multiplier at each reduction"),
                _p("patience", INT, 10, minimum=0,
                   help="evaluations without improvement before the lr is reduced"),
                _p("threshold", FLOAT, 1e-4, **NON_NEGATIVE,
                   help="how much better a metric must be to count as an improvement"),
                _p("threshold_mode", CHOICE, "rel", choices=("rel", "abs"),
                   help="threshold relative to the best metric, or absolute"),
                _p("cooldown", INT, 0, minimum=0,
                   help="evaluations to wait after a reduction before counting again"),
                _p("min_lr", FLOAT, 0, **NON_NEGATIVE, **_PER_GROUP, help="lower bound on the lr"),
                _p("eps", FLOAT, 1e-8, **NON_NEGATIVE,
                   help="reductions smaller than this are skipped"),
                _p("metric", EXPRESSION, suggested="0.5 + 2 * exp(-step / 100)", simulation=True,
                   help="simulated validation metric: an " + _LAMBDA_HELP),
                _p("metric_noise", FLOAT, 0.0, **NON_NEGATIVE, simulation=True,
                   help="standard deviation of seeded Gaussian noise added to each evaluation"),
                _p("noise_seed", INT, 0, minimum=0, maximum=2**31 - 1, simulation=True,
                   help="seed of the noise (random.Random(seed).gauss)"),
                _p("eval_every", INT, 1, **STEPS, simulation=True,
                   help="steps between evaluations; scheduler.step(metric) follows every "
                        "eval_every-th step"),
                _p("metric_run", PATH, "", simulation=True,
                   help="a logged run (file or folder, as check-run reads) whose metric "
                        "drives the phase instead of `metric`, at the steps it was logged"),
                _p("metric_tag", TEXT, "val_loss", simulation=True,
                   help="the run's series that the scheduler monitors (val_loss, eval_loss)"),
                _p("metric_steps", CHOICE, "evaluated", choices=("evaluated", "every"),
                   simulation=True,
                   help="with a metric_run, when scheduler.step(value) is called: after each "
                        "step the run evaluated (a loop that steps where it validates, the "
                        "Trainer), or after every eval_every-th step with the latest logged "
                        "value (Lightning's monitor, \"frequency\": eval_every)"),
            ),
            "Reduces the lr by factor when a validation metric stops improving; the designer "
            "simulates it with a synthetic metric or the metric of a logged run.",
            label_params=("factor", "patience"), simulated=True,
        ),
    ]
}


# Chained phases. A phase whose scheduler is CHAINED runs several catalog schedulers at once
# through torch's ChainedScheduler; its members hold the parameters (`model.Member`), the
# phase none of its own. CHAINED_SPEC is not in SCHEDULERS (the palette, the importer's
# signatures and test_catalog list real constructors): `Phase.spec` returns it.
CHAINED = "ChainedScheduler"
MAX_MEMBERS = 8
CHAINED_SPEC = SchedulerSpec(
    CHAINED, "Chained", (),
    "Several schedulers at once: each scheduler.step() steps every member in order, and "
    "each multiplies the lr the ones before it left (torch's ChainedScheduler).")


def chainable(scheduler: str) -> bool:
    """Whether `scheduler` can be a member of a chained phase: any catalog scheduler but
    the simulated ones (torch's ChainedScheduler refuses ReduceLROnPlateau)."""
    return scheduler in SCHEDULERS and not SCHEDULERS[scheduler].simulated


def members_text(schedulers: list[str] | tuple[str, ...]) -> str:
    """A chained phase's members in short: "Linear + Cosine"."""
    return " + ".join(SCHEDULERS[name].short if name in SCHEDULERS else name
                      for name in schedulers)


def chained_text(schedulers: list[str] | tuple[str, ...]) -> str:
    """A chained phase's plain label: "Chained: Linear + Cosine"."""
    return f"{CHAINED_SPEC.short}: {members_text(schedulers)}"


# Units. The catalog's texts say "steps" for scheduler steps; a design stepped once per epoch
# reads them in epochs. A `step` in backquotes (an expression's variable) or in code
# (scheduler.step) and step_size keep their names.
_STEP_WORD = re.compile(r"(?<![.\w`])([Ss])tep(s?)\b(?!`)")


def in_units(text: str, interval: str) -> str:
    """`text` with "step" and "steps" said as epochs when `interval` is "epoch"."""
    if interval != "epoch":
        return text
    return _STEP_WORD.sub(lambda m: ("E" if m.group(1) == "S" else "e") + "poch" + m.group(2),
                          text)


def count_text(count: int, interval: str) -> str:
    """`count` scheduler steps in the design's unit: "1 step", "1,000 steps", "25 epochs"."""
    unit = "epoch" if interval == "epoch" else "step"
    return f"{count:,} {unit}{'' if count == 1 else 's'}"
