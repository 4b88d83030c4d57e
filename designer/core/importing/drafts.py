"""From a recorded scheduler call to a draft phase (`designer.core.importing.python`).

Each timeline scheduler becomes a `Draft`: its parameters checked against the catalog, its
duration parameter kept aside until the run length is known. `SequentialLR` gives one draft
per scheduler with lengths from its milestones; a `ChainedScheduler` gives the one member
that changes the lr. A `ReduceLROnPlateau` gets a synthetic metric in place of
the training's, and list arguments with one value per param group become per-group values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from designer.core.importing.reader import NotImportable, SchedulerCall, Unknown
from designer.core.importing.signatures import HF_FUNCTIONS, POSITIONAL_ORDER
from designer.core.importing.values import EVALUATION_FAILURES
from designer.core.schedule.catalog import REQUIRED, SCHEDULERS
from designer.core.schedule.expressions import parse_expression
from designer.core.schedule.kinds import check_value
from designer.core.schedule.model import MAX_TOTAL_STEPS, RESTART, ScheduleError

_REDUCE = ("torch's {combination} refuses ReduceLROnPlateau: it steps its schedulers without "
           "the validation metric ReduceLROnPlateau needs")
_REDUCE_PHASE = ("; the design makes it a phase of its own, which the exported module steps "
                 "with your metric")
_SIMULATED = ("ReduceLROnPlateau lowers the lr when the validation metric stops improving, "
              "and the snippet's metric only exists while it trains: the design's curve is a "
              "simulation with a synthetic validation metric scaled to the phase, which you "
              "set in the phase (metric, metric_noise, eval_every)")
_CHAIN = ("ChainedScheduler applies all of its schedulers at every step, multiplying their "
          "effects; the timeline runs one scheduler at a time, so only a chain in which all "
          "but one scheduler leave the lr unchanged can be imported")

@dataclass
class Draft:
    """A phase before the run length is known. `length` None: the open last phase."""

    scheduler: str
    params: dict[str, Any]
    line: int
    length: int | None = None
    offset: int = 0  # the step it begins at in the snippet (its milestone)
    duration: int | None = None  # the duration parameter as the snippet gave it
    start: str = RESTART

def call_argument(call: SchedulerCall, name: str) -> Any:
    """An argument of a scheduler call by torch's (or transformers') parameter name."""
    if call.kind == "ChainedScheduler":
        names: tuple[str, ...] = ("schedulers", "optimizer")
    elif call.kind.startswith("hf:"):
        rest = HF_FUNCTIONS.get(call.kind[3:], (None, ()))[1]
        names = ("name", "optimizer", *rest) if call.kind == "hf:get_scheduler" else (
            "optimizer", *rest)
    else:
        names = ("optimizer", *POSITIONAL_ORDER.get(call.kind, ()))
    bound = dict(zip(names, call.args))
    bound.update(call.kwargs)
    if name == "optimizer" and call.kind == "ChainedScheduler" and "optimizer" not in bound:
        children = bound.get("schedulers")
        if isinstance(children, (list, tuple)) and children and isinstance(
                children[0], SchedulerCall):
            return call_argument(children[0], "optimizer")
    return bound.get(name, Unknown(f"{call.kind} has no `{name}` in the snippet"))


class DraftReader:
    """The scheduler-reading part of `_Assembler` (which provides `problem`, `note`, `reader`,
    `steps_per_epoch` and `param_groups`)."""

    def draft(self, call: SchedulerCall, optimizer: Any = None,
              combination: str = "") -> Draft | None:
        """One timeline scheduler's phase; problems for what does not carry over.
        `combination`: the SequentialLR or ChainedScheduler it is part of, if any."""
        kind = call.kind
        if kind == "ReduceLROnPlateau" and combination == "SequentialLR":
            # The timeline can hold what the snippet means, a warmup then the plateau.
            self.problem(call.line, _REDUCE.format(combination=combination) + _REDUCE_PHASE)
        elif kind == "ReduceLROnPlateau" and combination:
            self.problem(call.line, _REDUCE.format(combination=combination))
            return None
        if call.custom or kind not in SCHEDULERS:
            self.problem(call.line, f"{kind} is not a scheduler the timeline supports")
            return None
        spec = SCHEDULERS[kind]
        order = POSITIONAL_ORDER[kind]
        args = call.args[1:]
        if len(args) > len(order):
            self.problem(call.line, f"{kind} got more positional arguments than torch takes")
        given = dict(zip(order, args))
        given.update(call.kwargs)
        if optimizer is not None and call_argument(call, "optimizer") is not optimizer:
            self.problem(call.line, f"{kind} is built on another optimizer than the "
                         "SequentialLR around it")
        given.pop("optimizer", None)
        given.pop("verbose", None)
        self.check_last_epoch(call, given.pop("last_epoch", -1))
        if kind == "OneCycleLR":
            self._one_cycle_total(call, given)
        if kind == "CyclicLR":
            if given.pop("scale_fn", None) is not None:
                self.problem(call.line, "CyclicLR's scale_fn is custom code the designer cannot "
                             "import; the design uses the mode's own scaling")
            given.pop("scale_mode", None)
        params, failed = {}, {}
        for key, value in given.items():
            if not spec.has_param(key) or spec.param(key).simulation:
                self.problem(call.line, f"{kind} has no parameter `{key}`")
                continue
            try:
                if spec.param(key).per_group and isinstance(value, (list, tuple)):
                    value = self._per_group(call, key, value)
                value = self._param_value(call, spec.param(key).kind, key, value)
                if value is not None:
                    params[key] = check_value(spec.param(key), value, key)
            except (NotImportable, ScheduleError) as exc:
                failed[key] = str(exc)
        for param in spec.params:
            if param.simulation:
                continue  # the snippet's metric is the training's: see below
            reason = failed.get(param.name, "not given")
            if param.name in failed or (param.required and param.name not in params
                                        and param.name != spec.fit_param):
                if param.name == spec.fit_param:
                    fallback = "it follows the phase's length"
                elif param.required:
                    params[param.name] = param.suggested
                    fallback = f"the design uses {param.suggested!r} in its place"
                else:
                    fallback = "the design uses torch's default"
                self.problem(call.line, f"{kind}'s {param.name}: {reason}; {fallback}")
        if spec.simulated:
            # The metric itself is set with the phase's length (`PhaseBuilder.phases`).
            self.note(call.line, _SIMULATED)
        duration = None
        if spec.fit_param:
            duration = params.pop(spec.fit_param, None)
            if duration is None and spec.param(spec.fit_param).default is not REQUIRED:
                # torch's default, not the phase length, is what the snippet runs with.
                params[spec.fit_param] = spec.param(spec.fit_param).default
        return Draft(kind, params, call.line, duration=duration)

    def check_last_epoch(self, call: SchedulerCall, last_epoch: Any) -> None:
        if last_epoch != -1:
            shown = "unknown" if isinstance(last_epoch, Unknown) else repr(last_epoch)
            self.problem(call.line, f"{call.kind}'s last_epoch ({shown}) resumes a schedule "
                         "mid-way; the design starts at step 0")

    def _param_value(self, call: SchedulerCall, kind: str, key: str, value: Any) -> Any:
        """The value to validate; raises NotImportable saying why there is none."""
        if isinstance(value, Unknown):
            raise NotImportable(value.why)
        if kind != "expression":
            unknown = next((v for v in value if isinstance(v, Unknown)), None) if isinstance(
                value, (list, tuple)) else None
            if unknown is not None:  # milestones=[30, args.second]
                raise NotImportable(unknown.why)
            return value
        if not isinstance(value, (list, tuple)):
            return self.reader.lambda_text(value)
        # One function per param group: the design has one expression for all groups.
        first = self.reader.lambda_text(self._per_group(call, key, value, exact=False))
        if len(value) == self._group_count() and not all(
                self._same_lambda(first, other) for other in value[1:]):
            self.problem(call.line, f"{call.kind} has a different {key} for each param "
                         "group; the design applies the first to every group")
        return first

    def _same_lambda(self, text: str, function: Any) -> bool:
        try:
            return self.reader.lambda_text(function) == text
        except NotImportable:
            return False

    def _group_count(self) -> int:
        return len(self.param_groups) or 1

    def _per_group(self, call: SchedulerCall, key: str, values: list[Any] | tuple[Any, ...],
                   exact: bool = True) -> Any:
        """A list argument with one value per param group, as torch takes it: a tuple when
        the values differ (`exact`), else the one value. A length that does not match the
        optimizer's groups, which torch refuses, is a problem; the first value stands."""
        if not values:
            raise NotImportable("it is an empty list")
        unknown = next((v for v in values if isinstance(v, Unknown)), None)
        if unknown is not None and exact:
            raise NotImportable(unknown.why)
        count = self._group_count()
        if len(values) != count:
            groups = "group" if count == 1 else "groups"
            self.problem(call.line, f"{call.kind}'s {key} has {len(values)} values, but the "
                         f"optimizer has {count} param {groups}, which torch refuses; the "
                         "design uses the first value for every group")
            return values[0]
        if not exact or all(value == values[0] for value in values[1:]):
            return values[0]
        return tuple(values)

    def _one_cycle_total(self, call: SchedulerCall, given: dict[str, Any]) -> None:
        epochs, per_epoch = given.pop("epochs", None), given.pop("steps_per_epoch", None)
        if _positive_int(per_epoch) and per_epoch <= MAX_TOTAL_STEPS:
            self.steps_per_epoch = per_epoch  # the design's epochs, for the axis
        if given.get("total_steps") is not None:
            return  # torch reads epochs and steps_per_epoch only without total_steps
        given.pop("total_steps", None)
        if _positive_int(epochs) and _positive_int(per_epoch):
            given["total_steps"] = epochs * per_epoch
            return
        why = next((v.why for v in (epochs, per_epoch) if isinstance(v, Unknown)), None)
        if why is None and epochs is not None and per_epoch is not None:
            why = (f"epochs ({epochs!r}) and steps_per_epoch ({per_epoch!r}) must be positive "
                   "integers, or torch raises")
        self.problem(call.line, f"OneCycleLR's length: "
                     f"{why or 'it needs total_steps, or epochs and steps_per_epoch'}")

    def sequential(self, call: SchedulerCall) -> list[Draft]:
        children = call_argument(call, "schedulers")
        milestones = call_argument(call, "milestones")
        optimizer = call_argument(call, "optimizer")
        if isinstance(children, Unknown) or not isinstance(children, (list, tuple)):
            self.problem(call.line, "SequentialLR's schedulers are not a list the snippet "
                         "builds")
            return []
        if not (isinstance(milestones, (list, tuple)) and all(
                isinstance(m, int) and not isinstance(m, bool) for m in milestones)):
            why = milestones.why if isinstance(milestones, Unknown) else "not a list of integers"
            self.problem(call.line, f"SequentialLR's milestones: {why}")
            return []
        if len(milestones) != len(children) - 1:
            self.problem(call.line, "SequentialLR needs one milestone fewer than schedulers; "
                         "torch refuses this one")
            return []
        drafts, previous = [], 0
        for index, child in enumerate(children):
            end = milestones[index] if index < len(milestones) else None
            draft = self._sequential_child(call, index, child, optimizer,
                                           None if end is None else end - previous)
            if end is not None and end <= previous:
                if end < previous:
                    self.problem(call.line, "SequentialLR's milestones must increase")
                else:
                    self.note(call.line, f"schedulers[{index}] never runs (its milestones are "
                              "equal) and is left out")
                continue
            if draft is not None:
                draft.length = None if end is None else end - previous
                draft.offset = previous
                drafts.append(draft)
            if end is not None:
                previous = end
        return drafts

    def _sequential_child(self, call: SchedulerCall, index: int, child: Any, optimizer: Any,
                          length: int | None) -> Draft | None:
        """The draft of SequentialLR's schedulers[index], which runs `length` steps (None:
        to the end); a custom scheduler with a length keeps its place, holding the lr."""
        if not isinstance(child, SchedulerCall):
            why = child.why if isinstance(child, Unknown) else "not a scheduler"
            self.problem(call.line, f"SequentialLR's schedulers[{index}]: {why}")
            return None
        if child.kind in ("SequentialLR", "ChainedScheduler"):
            self.problem(child.line, f"a {child.kind} inside SequentialLR is not imported")
            return None
        if child.custom and length is not None and length > 0:
            self.problem(child.line, f"`{child.kind}` is not one of torch's schedulers: its "
                         f"curve is only known by running it; the design holds the lr constant "
                         f"for its {length:,} steps instead, so its curve differs from the "
                         "script's there")
            return Draft("ConstantLR", {"factor": 1.0}, child.line)
        return self.draft(child, optimizer, "SequentialLR")

    def chained(self, call: SchedulerCall) -> list[Draft]:
        children = call_argument(call, "schedulers")
        if not isinstance(children, (list, tuple)) or not children or not all(
                isinstance(c, SchedulerCall) for c in children):
            self.problem(call.line, "ChainedScheduler's schedulers are not a list of "
                         "schedulers the snippet builds")
            return []
        drafts = [self.draft(child, combination="ChainedScheduler") for child in children]
        if None in drafts:
            return []
        # A member whose lr_lambda fails from the start makes the snippet raise; the chain is
        # read without it (the suggested lambda in its place would change the lr, and make
        # the chain one the timeline cannot hold). A later failure is the phase's problem.
        drafts = [d for d in drafts if not self.lambda_fails(d, 1, "it is left out of the "
                                                               "ChainedScheduler")]
        if not drafts:
            return []
        active = [d for d in drafts if not _leaves_lr_alone(d)]
        if len(active) > 1:
            self.problem(call.line, _CHAIN)
            return []
        if len(drafts) > 1:
            self.note(call.line, "all but one scheduler of the ChainedScheduler leave the lr "
                      "unchanged, so the chain is that one scheduler")
        return active or drafts[:1]

    def lambda_fails(self, draft: Draft, steps: int, consequence: str) -> bool:
        """Whether the draft's lr_lambda fails at a step torch evaluates it at in `steps`
        steps; a problem says where, and `consequence`."""
        text = draft.params.get("lr_lambda")
        if text is None:
            return False
        failure = lambda_failure(draft.scheduler, text, steps)
        if failure is not None:
            self.problem(draft.line, f"{draft.scheduler}'s lr_lambda fails: {failure}, where "
                         f"torch evaluates it; {consequence}")
        return failure is not None


LAMBDA_CHECKS = 1_000


def lambda_failure(scheduler: str, text: str, steps: int) -> str | None:
    """Why an lr_lambda fails at a step torch evaluates it at in a `steps`-step phase (of
    its first LAMBDA_CHECKS and its last), or None. LambdaLR evaluates it at steps 0 to
    `steps` (0 in its constructor, `steps` at the scheduler.step() that ends the phase);
    MultiplicativeLR from step 1, as its first lr is the lr it starts from."""
    first = 1 if scheduler == "MultiplicativeLR" else 0
    try:
        expression = parse_expression(text)
        # Without the step, every step gives the same value: one evaluation tells.
        last = steps if "step" in expression.python_source else first
        # The window imports on its own thread: the first LAMBDA_CHECKS steps and the last
        # are checked here (a few ms at most, whatever the expression costs); a failure in
        # between is the engine's to find, as it steps the phase, naming the field.
        checked = range(first, min(last, first + LAMBDA_CHECKS) + 1)
        for step in (*checked, last) if last not in checked else checked:
            expression(step)
    except EVALUATION_FAILURES as exc:
        return str(exc)
    return None


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _leaves_lr_alone(draft: Draft) -> bool:
    """Whether a scheduler never changes the lr, whatever its length."""
    def value(name: str) -> Any:  # the snippet's value, else torch's default
        return draft.params.get(name, SCHEDULERS[draft.scheduler].param(name).default)

    if draft.scheduler == "ConstantLR":
        return value("factor") == 1
    if draft.scheduler == "LinearLR":
        return value("start_factor") == 1 and value("end_factor") == 1
    if draft.scheduler in ("StepLR", "MultiStepLR", "ExponentialLR"):
        return value("gamma") == 1
    if draft.scheduler in ("LambdaLR", "MultiplicativeLR") and "lr_lambda" in draft.params:
        try:
            expression = parse_expression(draft.params["lr_lambda"])
            return "step" not in expression.python_source and expression(0) == 1
        except EVALUATION_FAILURES:
            return False  # not known to leave the lr alone
    return False


def default_length(draft: Draft) -> int:
    """A run length that shows the scheduler's shape, when the snippet does not say."""
    p = draft.params
    spec = SCHEDULERS[draft.scheduler]

    def value(name: str) -> Any:  # the snippet's value, else torch's default
        return p.get(name, spec.param(name).default)

    if draft.duration is not None:
        return draft.duration
    if draft.scheduler == "StepLR":
        return 3 * p["step_size"]
    if draft.scheduler == "MultiStepLR" and p.get("milestones"):
        return max(p["milestones"]) + max(1, min(p["milestones"]))
    if draft.scheduler == "CosineAnnealingWarmRestarts":
        t_mult = value("T_mult")
        return min(MAX_TOTAL_STEPS, p["T_0"] * (1 + t_mult + t_mult ** 2))
    if draft.scheduler == "CyclicLR":
        up = value("step_size_up")
        return 2 * (up + (value("step_size_down") or up))
    fit = spec.fit_param
    return p[fit] if fit and fit in p else 100
