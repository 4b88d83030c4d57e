"""The optimizer catalog: every torch.optim class whose param groups carry an lr, but Muon.

Muon takes 2-D parameters only, so it is always paired with another optimizer for the rest
of a model; a design's exported code hands one optimizer all of them, which Muon refuses.

Each entry holds torch's default lr and the keyword arguments the designer edits (kinds,
torch's defaults, bounds, help); `other_keywords` are the rest of torch's keywords, which a
design leaves at torch's default (`foreach`, `fused`, ... and values no editor holds, such as
Adafactor's `eps` pair with a None in it). Together (with `implicit`) they are exactly the
keys of torch's `optimizer.defaults`, which an imported snippet may ask about (`'momentum'
in optimizer.defaults`). `tests/core/test_catalog.py` checks every entry against torch.

The curve engine builds each with one dummy parameter and never calls its step(), so an
optimizer that needs real gradients (LBFGS's closure, SparseAdam's sparse gradients) still
previews its schedule; what torch checks at construction it checks there too (LBFGS takes
one param group only).
"""

from __future__ import annotations

from dataclasses import dataclass

from designer.core.schedule.params import (
    BOOL,
    CHOICE,
    FLOAT,
    FLOAT_PAIR,
    INT,
    NON_NEGATIVE,
    POSITIVE,
    STEPS,
    ParamSpec,
)
from designer.core.schedule.params import param_spec as _p


@dataclass(frozen=True)
class OptimizerSpec:
    """A torch.optim class a schedule can name.

    Attributes
    ----------
    name : the torch.optim class name.
    default_lr : torch's default lr, type included (LBFGS's is the int 1).
    params : the keyword arguments the designer edits.
    other_keywords : torch's other keywords, left at torch's default.
    implicit : keys torch's constructor adds to `optimizer.defaults` without a keyword
        (AdamW's decoupled_weight_decay, always True).
    """

    name: str
    default_lr: float
    params: tuple[ParamSpec, ...]
    other_keywords: tuple[str, ...] = ("foreach", "differentiable", "capturable")
    implicit: tuple[str, ...] = ()

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def keywords(self) -> tuple[str, ...]:
        """Every keyword of torch's constructor after `params`, in `optimizer.defaults`."""
        return ("lr", *(p.name for p in self.params), *self.other_keywords)

    @property
    def defaults_keys(self) -> tuple[str, ...]:
        """The keys of torch's `optimizer.defaults`."""
        return (*self.keywords, *self.implicit)

    @property
    def has_momentum(self) -> bool:
        """Whether OneCycleLR/CyclicLR can cycle momentum (torch looks for momentum or betas
        in optimizer.defaults)."""
        return "momentum" in self.defaults_keys or "betas" in self.defaults_keys


# Defaults are torch's own, type included: torch writes several float defaults as the int 0.
_WD = _p("weight_decay", FLOAT, 0, **NON_NEGATIVE, help="L2 penalty")
_EPS = _p("eps", FLOAT, 1e-8, **POSITIVE, help="term added for numerical stability")
_BETAS = _p("betas", FLOAT_PAIR, (0.9, 0.999), minimum=0.0, maximum=1.0, exclusive_max=True,
            help="coefficients of the running averages")
_MAXIMIZE = _p("maximize", BOOL, False, help="maximize the objective")
_DECOUPLED = _p("decoupled_weight_decay", BOOL, False, help="AdamW-style weight decay")
_AMSGRAD = _p("amsgrad", BOOL, False, help="AMSGrad variant")
_FUSED = ("foreach", "differentiable", "capturable", "fused")


def _spec(name: str, default_lr: float, *params: ParamSpec,
          other: tuple[str, ...] = ("foreach", "differentiable", "capturable"),
          implicit: tuple[str, ...] = ()) -> OptimizerSpec:
    return OptimizerSpec(name, default_lr, params, other, implicit)


OPTIMIZERS: dict[str, OptimizerSpec] = {
    o.name: o
    for o in [
        _spec("SGD", 1e-3,
              _p("momentum", FLOAT, 0, **NON_NEGATIVE, help="momentum factor"),
              _p("dampening", FLOAT, 0, **NON_NEGATIVE, help="dampening for momentum"),
              _WD,
              _p("nesterov", BOOL, False, help="Nesterov momentum"),
              _MAXIMIZE, other=("foreach", "differentiable", "fused")),
        _spec("Adam", 1e-3, _BETAS, _EPS, _WD, _AMSGRAD, _MAXIMIZE,
              other=(*_FUSED, "decoupled_weight_decay")),
        _spec("AdamW", 1e-3, _BETAS, _EPS,
              _p("weight_decay", FLOAT, 1e-2, **NON_NEGATIVE, help="decoupled weight decay"),
              _AMSGRAD, _MAXIMIZE, other=_FUSED, implicit=("decoupled_weight_decay",)),
        _spec("RMSprop", 1e-2,
              _p("alpha", FLOAT, 0.99, minimum=0.0, help="smoothing constant"),
              _EPS, _WD,
              _p("momentum", FLOAT, 0, **NON_NEGATIVE, help="momentum factor"),
              _p("centered", BOOL, False, help="centered RMSprop"),
              _MAXIMIZE),
        _spec("Adagrad", 1e-2,
              _p("lr_decay", FLOAT, 0, **NON_NEGATIVE, help="learning rate decay"),
              _WD,
              _p("initial_accumulator_value", FLOAT, 0, **NON_NEGATIVE,
                 help="initial accumulator value"),
              _p("eps", FLOAT, 1e-10, **POSITIVE, help="term added for numerical stability"),
              _MAXIMIZE, other=("foreach", "differentiable", "fused")),
        _spec("Adamax", 2e-3, _BETAS, _EPS, _WD, _MAXIMIZE),
        _spec("NAdam", 2e-3, _BETAS, _EPS, _WD,
              _p("momentum_decay", FLOAT, 4e-3, **NON_NEGATIVE, help="momentum decay"),
              _DECOUPLED, _MAXIMIZE),
        _spec("RAdam", 1e-3, _BETAS, _EPS, _WD, _DECOUPLED, _MAXIMIZE),
        _spec("Adadelta", 1.0,
              _p("rho", FLOAT, 0.9, minimum=0.0, maximum=1.0,
                 help="coefficient of the running average of squared gradients"),
              _p("eps", FLOAT, 1e-6, **POSITIVE, help="term added for numerical stability"),
              _WD, _MAXIMIZE),
        _spec("ASGD", 1e-2,
              _p("lambd", FLOAT, 1e-4, **NON_NEGATIVE, help="decay term"),
              _p("alpha", FLOAT, 0.75, **NON_NEGATIVE, help="power for the eta update"),
              _p("t0", FLOAT, 1e6, **NON_NEGATIVE, help="point at which to start averaging"),
              _WD, _MAXIMIZE),
        _spec("Adafactor", 1e-2,
              _p("beta2_decay", FLOAT, -0.8, maximum=0.0,
                 help="decay rate of the second moment's average (<= 0)"),
              _p("d", FLOAT, 1.0, minimum=1.0, help="clipping threshold of the update"),
              _p("weight_decay", FLOAT, 0.0, **NON_NEGATIVE, help="weight decay"),
              _MAXIMIZE, other=("eps", "foreach")),
        _spec("LBFGS", 1,
              _p("max_iter", INT, 20, **STEPS, help="iterations per optimizer step"),
              _p("max_eval", INT, None, **STEPS, optional=True,
                 help="function evaluations per step (default: max_iter * 5 // 4)"),
              _p("tolerance_grad", FLOAT, 1e-7, **NON_NEGATIVE,
                 help="termination tolerance on first-order optimality"),
              _p("tolerance_change", FLOAT, 1e-9, **NON_NEGATIVE,
                 help="termination tolerance on function value and parameter changes"),
              _p("history_size", INT, 100, **STEPS, help="update history size"),
              _p("line_search_fn", CHOICE, None, choices=("strong_wolfe",), optional=True,
                 help="line search (default: none)"),
              other=()),
        _spec("Rprop", 1e-2,
              _p("etas", FLOAT_PAIR, (0.5, 1.2), **POSITIVE,
                 help="multiplicative decrease and increase factors (etaminus < 1 < etaplus)"),
              _p("step_sizes", FLOAT_PAIR, (1e-6, 50), **NON_NEGATIVE,
                 help="minimal and maximal step sizes"),
              _MAXIMIZE),
        _spec("SparseAdam", 1e-3, _BETAS, _EPS, _MAXIMIZE, other=()),
    ]
}

