"""From a recorded scheduler call to a draft phase (`designer.core.importing.assembly`).

Each timeline scheduler becomes a `Draft`: its parameters checked against the catalog, its
duration parameter kept aside until the run length is known (SequentialLR and
ChainedScheduler are `designer.core.importing.combinations`'). A `ReduceLROnPlateau` gets a
synthetic metric in place of the training's, list arguments with one value per param group
become per-group values, and a count torch computes with as a float (`T_max=epochs * 1.0`)
is taken as the int it equals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from designer.core.importing.reader import NotImportable, SchedulerCall, Unknown
from designer.core.importing.signatures import HF_FUNCTIONS, POSITIONAL_ORDER
from designer.core.schedule.catalog import INT, INT_LIST, REQUIRED, SCHEDULERS
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
    members: tuple[Draft, ...] = ()  # a ChainedScheduler's (scheduler CHAINED)

    def own_length(self) -> tuple[int, str] | None:
        """The length the snippet gives the scheduler itself and what says so, or None. A
        chain's is its longest member's when every member has one (an ExponentialLR member
        goes on after a ConstantLR's total_iters, so that is not the chain's end)."""
        if self.members:
            lengths = [m.own_length() for m in self.members]
            return None if None in lengths else max(lengths, key=lambda length: length[0])
        if self.duration is None:
            return None
        fit = SCHEDULERS[self.scheduler].fit_param
        return self.duration, f"{self.scheduler}'s {fit}={self.duration}"

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
        if optimizer is not None and call_argument(call, "optimizer") is not optimizer:
            self.problem(call.line, f"{kind} is built on another optimizer than the "
                         "SequentialLR around it")
        spec = SCHEDULERS[kind]
        params = self._draft_params(call, self._given(call))
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

    def _given(self, call: SchedulerCall) -> dict[str, Any]:
        """The call's arguments by torch's names, without those no phase holds."""
        order = POSITIONAL_ORDER[call.kind]
        args = call.args[1:]
        if len(args) > len(order):
            self.problem(call.line, f"{call.kind} got more positional arguments than torch "
                         "takes")
        given = dict(zip(order, args))
        given.update(call.kwargs)
        given.pop("optimizer", None)
        if "verbose" in given:
            given.pop("verbose")
            self.note(call.line, f"{call.kind}'s `verbose` only printed the lr, and torch has "
                      "since removed it (recent versions raise for it); the design leaves it out")
        self.check_last_epoch(call, given.pop("last_epoch", -1))
        if call.kind == "OneCycleLR":
            self._one_cycle_total(call, given)
        if call.kind == "CyclicLR":
            if given.pop("scale_fn", None) is not None:
                self.problem(call.line, "CyclicLR's scale_fn is custom code the designer cannot "
                             "import; the design uses the mode's own scaling")
            given.pop("scale_mode", None)
        return given

    def _draft_params(self, call: SchedulerCall, given: dict[str, Any]) -> dict[str, Any]:
        """The phase's checked parameters; a problem for each that does not carry over,
        saying what the design uses instead."""
        spec = SCHEDULERS[call.kind]
        params, failed = {}, {}
        for key, value in given.items():
            if not spec.has_param(key) or spec.param(key).simulation:
                self.problem(call.line, f"{call.kind} has no parameter `{key}`")
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
                continue  # the snippet's metric is the training's: see `draft`
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
                self.problem(call.line, f"{call.kind}'s {param.name}: {reason}; {fallback}")
        return params

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
            if kind in (INT, INT_LIST) and (call.kind, key) not in _TORCH_INTS_ONLY:
                return whole(value)
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

# Counts torch refuses as floats (it checks isinstance(..., int)); the others it computes
# with, and an integral float gives exactly the curve of its int.
_TORCH_INTS_ONLY = {("CosineAnnealingWarmRestarts", "T_0"),
                    ("CosineAnnealingWarmRestarts", "T_mult"), ("OneCycleLR", "total_steps")}


def whole(value: Any) -> Any:
    """An integral float (`T_max=epochs * 1.0`, `milestones=[0.5 * 60]`) as its int."""
    if isinstance(value, (list, tuple)):
        return type(value)(whole(item) for item in value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def default_length(draft: Draft) -> int:
    """A run length that shows the scheduler's shape, when the snippet does not say."""
    if draft.members:
        return max(default_length(member) for member in draft.members)
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
