"""Hypothesis strategies for valid schedule designs, shared by the core tests.

Designs are drawn as file documents (plain JSON values), so every test also goes through
the loader: a document these strategies produce must load, and the test fails if it does not.
Steps stay small (1-60 per phase) so that hundreds of designs step in seconds.
"""

from __future__ import annotations

from hypothesis import strategies as st

from designer.core.schedule.catalog import OPTIMIZERS, SCHEDULERS

# Expressions users write for LambdaLR (lr = start lr * f(step)) and MultiplicativeLR
# (lr *= f(step)); all are finite for every step.
LAMBDA_EXPRESSIONS = (
    "min((step + 1) / 200, (200 / max(step + 1, 200)) ** 0.5)",
    "min(1.0, (step + 1) / 10)",
    "0.1 ** (step // 7)",
    "1.0 if step < 5 else 0.1 if step < 20 else 0.01",
    "0.5 * (1 + cos(pi * min(step, 40) / 40))",
    "exp(-step / 30)",
    "math.sqrt(1 / max(step, 1))",
    "max(0.0, 1 - step / 50) ** 2",
    "1",
    "(step < 3) * 0.5 + 0.5",
)
MULTIPLICATIVE_EXPRESSIONS = (
    "0.99",
    "0.95 if step % 10 == 0 else 1.0",
    "max(0.9, 1 - step / 1000)",
    "1.01",
    "exp(-0.01)",
)

# Synthetic validation metrics for simulated ReduceLROnPlateau phases.
METRIC_EXPRESSIONS = (
    "0.5 + 2 * exp(-step / 20)",
    "1 / (1 + step)",
    "max(0.3, 1 - step / 30)",
    "0.5 + 0.1 * cos(step)",
    "step % 7",
    "1",
)

ADAM_FAMILY = ("Adam", "AdamW", "Adamax", "NAdam", "RAdam")
MOMENTUM_OPTIMIZERS = tuple(name for name, spec in OPTIMIZERS.items() if spec.has_momentum)

MAX_PHASE_STEPS = 60

factors = st.floats(0.01, 1.0)
rates = st.floats(1e-5, 1.0)
gammas = st.floats(0.05, 1.5)
momenta = st.floats(0.5, 0.99)


def optimizer_docs() -> st.SearchStrategy[dict]:
    """An optimizer section: any whitelisted class, some of its keyword arguments."""

    @st.composite
    def build(draw: st.DrawFn) -> dict:
        name = draw(st.sampled_from(sorted(OPTIMIZERS)))
        params: dict = {}
        if name in ADAM_FAMILY and draw(st.booleans()):
            params["betas"] = [draw(momenta), draw(st.floats(0.9, 0.9999))]
        if name in ("SGD", "RMSprop") and draw(st.booleans()):
            params["momentum"] = draw(st.floats(0.0, 0.99))
        if OPTIMIZERS[name].param("weight_decay") and draw(st.booleans()):
            params["weight_decay"] = draw(st.sampled_from([0, 0.0, 1e-4, 0.05]))
        if name == "SGD" and params.get("momentum", 0) > 0 and draw(st.booleans()):
            params["nesterov"] = True
        return {"name": name, "lr": draw(rates), "params": params}

    return build()


def _maybe(draw: st.DrawFn, params: dict, name: str, strategy: st.SearchStrategy) -> None:
    if draw(st.booleans()):
        params[name] = draw(strategy)


def _cycle_momentum(draw: st.DrawFn, params: dict, optimizer: str) -> None:
    """cycle_momentum defaults to True, which torch refuses for optimizers without momentum."""
    if optimizer not in MOMENTUM_OPTIMIZERS:
        params["cycle_momentum"] = False
    else:
        _maybe(draw, params, "cycle_momentum", st.booleans())
    if draw(st.booleans()):
        low = draw(st.floats(0.5, 0.9))
        params["base_momentum"] = low
        params["max_momentum"] = draw(st.floats(low, 0.99))


def _one_cycle_ok(pct_start: float, total: int, three_phase: bool, steps: int) -> bool:
    """Torch's OneCycleLR divides by the length of its sub-phases (the loader refuses these)."""
    ends = [float(pct_start * total) - 1]
    if three_phase:
        ends.append(float(2 * pct_start * total) - 2)
    ends.append(total - 1)
    return ends[0] != 0 and not (ends[-1] == ends[-2] and steps > ends[-2])


def _per_group(draw: st.DrawFn, value: float, groups: int, low: float, high: float):
    """`value`, or with several param groups sometimes a list of one value per group."""
    if groups > 1 and draw(st.booleans()):
        return [value] + [draw(st.floats(low, high)) for _ in range(groups - 1)]
    return value


def params_for(draw: st.DrawFn, scheduler: str, steps: int, optimizer: str,
               groups: int = 1) -> dict:
    """Random valid params for one phase; some left out to take torch's default or the fit."""
    params: dict = {}
    if scheduler == "ConstantLR":
        _maybe(draw, params, "factor", factors)
        _maybe(draw, params, "total_iters", st.integers(1, 80))
    elif scheduler == "LinearLR":
        _maybe(draw, params, "start_factor", factors)
        _maybe(draw, params, "end_factor", st.floats(0.0, 1.0))
        _maybe(draw, params, "total_iters", st.integers(1, 80))
    elif scheduler == "StepLR":
        params["step_size"] = draw(st.integers(1, 30))
        _maybe(draw, params, "gamma", gammas)
    elif scheduler == "MultiStepLR":
        params["milestones"] = draw(st.lists(st.integers(0, 70), max_size=4))
        _maybe(draw, params, "gamma", gammas)
    elif scheduler == "ExponentialLR":
        params["gamma"] = draw(st.floats(0.5, 1.1))
    elif scheduler == "PolynomialLR":
        _maybe(draw, params, "total_iters", st.integers(1, 80))
        _maybe(draw, params, "power", st.floats(0.0, 3.0))
    elif scheduler == "CosineAnnealingLR":
        _maybe(draw, params, "T_max", st.integers(1, 80))
        _maybe(draw, params, "eta_min", st.sampled_from([0, 0.0, 1e-6, 0.001, 0.3]))
    elif scheduler == "CosineAnnealingWarmRestarts":
        params["T_0"] = draw(st.integers(1, 30))
        _maybe(draw, params, "T_mult", st.integers(1, 3))
        _maybe(draw, params, "eta_min", st.sampled_from([0.0, 1e-6, 0.001]))
    elif scheduler == "CyclicLR":
        base = draw(st.floats(1e-4, 0.05))
        params["base_lr"] = _per_group(draw, base, groups, 1e-4, 0.05)
        params["max_lr"] = _per_group(draw, draw(st.floats(base, 1.0)), groups, 0.05, 1.0)
        _maybe(draw, params, "step_size_up", st.integers(1, 20))
        _maybe(draw, params, "step_size_down", st.integers(1, 20))
        _maybe(draw, params, "mode", st.sampled_from(["triangular", "triangular2", "exp_range"]))
        _maybe(draw, params, "gamma", st.floats(0.9, 1.0))
        _cycle_momentum(draw, params, optimizer)
    elif scheduler == "OneCycleLR":
        params["max_lr"] = _per_group(draw, draw(rates), groups, 1e-5, 1.0)
        total = steps + draw(st.sampled_from([0, 0, 1, 7]))
        if total != steps or draw(st.booleans()):
            params["total_steps"] = total
        params["pct_start"] = draw(st.sampled_from([0.0, 0.1, 0.25, 0.3, 0.5, 0.9, 1.0]))
        _maybe(draw, params, "anneal_strategy", st.sampled_from(["cos", "linear"]))
        _maybe(draw, params, "div_factor", st.floats(1.0, 100.0))
        _maybe(draw, params, "final_div_factor", st.floats(1.0, 1e5))
        _maybe(draw, params, "three_phase", st.booleans())
        _cycle_momentum(draw, params, optimizer)
        if not _one_cycle_ok(params["pct_start"], total, params.get("three_phase", False),
                             steps):
            params["pct_start"] = 0.3 if 0.3 * total != 1 else 0.25
    elif scheduler == "LambdaLR":
        params["lr_lambda"] = draw(st.sampled_from(LAMBDA_EXPRESSIONS))
    elif scheduler == "MultiplicativeLR":
        params["lr_lambda"] = draw(st.sampled_from(MULTIPLICATIVE_EXPRESSIONS))
    elif scheduler == "ReduceLROnPlateau":
        params["metric"] = draw(st.sampled_from(METRIC_EXPRESSIONS))
        _maybe(draw, params, "mode", st.sampled_from(["min", "max"]))
        _maybe(draw, params, "factor", st.floats(0.05, 0.9))
        _maybe(draw, params, "patience", st.integers(0, 5))
        _maybe(draw, params, "threshold", st.sampled_from([0, 1e-4, 0.01]))
        _maybe(draw, params, "threshold_mode", st.sampled_from(["rel", "abs"]))
        _maybe(draw, params, "cooldown", st.integers(0, 3))
        _maybe(draw, params, "min_lr", st.sampled_from([0, 1e-6, 1e-3]).map(
            lambda v: _per_group(draw, v, groups, 0.0, 1e-3)))
        _maybe(draw, params, "metric_noise", st.sampled_from([0.0, 0.01, 0.2]))
        _maybe(draw, params, "noise_seed", st.integers(0, 2**31 - 1))
        _maybe(draw, params, "eval_every", st.integers(1, 5))
    else:
        raise AssertionError(f"no strategy for {scheduler}")
    return params


# Schedulers torch steps on its own (ReduceLROnPlateau needs the simulated metric).
PLAIN_SCHEDULERS = tuple(name for name, spec in SCHEDULERS.items() if not spec.simulated)


def chained_phase_doc(draw: st.DrawFn, steps: int, optimizer: str, groups: int) -> dict:
    """A chained phase (format version 5): 1 to 3 members of any chainable scheduler."""
    members = []
    for _ in range(draw(st.integers(1, 3))):
        scheduler = draw(st.sampled_from(PLAIN_SCHEDULERS))
        members.append({"scheduler": scheduler,
                        "params": params_for(draw, scheduler, steps, optimizer, groups)})
    return {"scheduler": "ChainedScheduler", "steps": steps, "members": members}


def schedule_docs(max_phases: int = 4, max_steps: int = MAX_PHASE_STEPS,
                  schedulers: tuple[str, ...] = tuple(SCHEDULERS),
                  groups: bool = True, chained: bool = False) -> st.SearchStrategy[dict]:
    """A whole valid schedule file document; with `groups`, a quarter of them name 1 to 3
    param groups (format version 3), with per-group values where torch takes them; with
    `chained`, about half the phases are chained ones (format version 5) and at least one."""

    @st.composite
    def build(draw: st.DrawFn) -> dict:
        optimizer = draw(optimizer_docs())
        group_docs: list[dict] = []
        if groups and draw(st.integers(0, 3)) == 0:
            # torch's LBFGS takes one param group only.
            most = 1 if optimizer["name"] == "LBFGS" else 3
            for index in range(draw(st.integers(1, most))):
                group = {"name": f"group_{index}"}
                if draw(st.booleans()):
                    # A frozen group (lr 0) now and then, not the first: an explicit start
                    # lr scales the other groups by their ratio to the first group's.
                    group["lr"] = draw(st.one_of(rates, st.just(0.0)) if index else rates)
                else:
                    group["lr_scale"] = draw(st.sampled_from([0.1, 0.5, 2.0, 10.0]))
                group_docs.append(group)
        phases = []
        for index in range(draw(st.integers(1, max_phases))):
            scheduler = draw(st.sampled_from(schedulers))
            steps = draw(st.integers(1, max_steps))
            phase: dict = {"scheduler": scheduler, "steps": steps}
            if chained and (not index or draw(st.booleans())):
                phase = chained_phase_doc(draw, steps, optimizer["name"],
                                          max(1, len(group_docs)))
            start = draw(st.sampled_from(["default", "restart", "continue", "continue",
                                          "explicit"]))
            if start == "explicit":
                phase["start"] = draw(rates)
            elif start != "default":
                phase["start"] = start
            if "members" not in phase:
                phase["params"] = params_for(draw, scheduler, steps, optimizer["name"],
                                             max(1, len(group_docs)))
            phases.append(phase)
        document = {"format": "lr-schedule-designer", "version": 1}
        if draw(st.booleans()):
            document["name"] = draw(st.text(max_size=20))
        document["optimizer"] = optimizer
        if group_docs:
            document["version"] = 3
            document["param_groups"] = group_docs
        document["interval"] = draw(st.sampled_from(["step", "epoch"]))
        if draw(st.booleans()):
            document["steps_per_epoch"] = draw(st.integers(1, 500))
        document["phases"] = phases
        if chained:
            document["version"] = 5
        return document

    return build()
