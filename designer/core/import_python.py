"""Import from Python: a snippet that builds torch lr schedulers becomes a design.

The snippet is read, never run (`designer.core.importer.SnippetReader`). The scheduler it
ends up with (the one no `SequentialLR` or `ChainedScheduler` consumes) becomes the phases:
a single scheduler is one phase, `SequentialLR` one phase per scheduler with lengths from its
milestones, a `ChainedScheduler` whose members all but one leave the lr alone is that one
phase, and a transformers `get_*_schedule*` call goes through `designer.core.import_hf`.
How long the run is comes, in this order, from the `total_steps` argument, the loops around
`scheduler.step()`, the last scheduler's own duration (`T_max`, `total_iters`,
`total_steps`), a `num_training_steps`-like variable, or else a default that is reported.

For a snippet imported without problems, the design's curve equals what the snippet's
schedulers produce, exactly; where torch's SequentialLR does something the per-phase
semantics avoid (see README "What the curve is"), `original_curve_differs` says so, a note
explains it, and `original_curve()` gives what the snippet itself would produce.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from designer.core.catalog import OPTIMIZERS, REQUIRED, SCHEDULERS
from designer.core.expressions import parse_expression
from designer.core.fileformat import check_number, check_phase, check_value
from designer.core.import_hf import hf_phases
from designer.core.importer import (
    Finding,
    NotImportable,
    OptimizerCall,
    SchedulerCall,
    SnippetReader,
    StepSite,
    Unknown,
)
from designer.core.model import (
    CONTINUE,
    MAX_TOTAL_STEPS,
    RESTART,
    OptimizerConfig,
    Phase,
    Schedule,
    ScheduleError,
)

# torch's positional order after the optimizer (the catalog lists only what the designer edits).
_ORDER = {
    "LambdaLR": ("lr_lambda", "last_epoch"),
    "MultiplicativeLR": ("lr_lambda", "last_epoch"),
    "StepLR": ("step_size", "gamma", "last_epoch"),
    "MultiStepLR": ("milestones", "gamma", "last_epoch"),
    "ConstantLR": ("factor", "total_iters", "last_epoch"),
    "LinearLR": ("start_factor", "end_factor", "total_iters", "last_epoch"),
    "ExponentialLR": ("gamma", "last_epoch"),
    "PolynomialLR": ("total_iters", "power", "last_epoch"),
    "CosineAnnealingLR": ("T_max", "eta_min", "last_epoch"),
    "CosineAnnealingWarmRestarts": ("T_0", "T_mult", "eta_min", "last_epoch"),
    "CyclicLR": ("base_lr", "max_lr", "step_size_up", "step_size_down", "mode", "gamma",
                 "scale_fn", "scale_mode", "cycle_momentum", "base_momentum", "max_momentum",
                 "last_epoch"),
    "OneCycleLR": ("max_lr", "total_steps", "epochs", "steps_per_epoch", "pct_start",
                   "anneal_strategy", "cycle_momentum", "base_momentum", "max_momentum",
                   "div_factor", "final_div_factor", "three_phase", "last_epoch"),
    "SequentialLR": ("schedulers", "milestones", "last_epoch"),
}
# transformers' schedule functions: lr_scheduler_type and positional order after the optimizer.
_HF_FUNCTIONS = {
    "get_linear_schedule_with_warmup": ("linear", ("num_warmup_steps", "num_training_steps")),
    "get_cosine_schedule_with_warmup": ("cosine", ("num_warmup_steps", "num_training_steps",
                                                   "num_cycles")),
    "get_cosine_with_hard_restarts_schedule_with_warmup": (
        "cosine_with_restarts", ("num_warmup_steps", "num_training_steps", "num_cycles")),
    "get_polynomial_decay_schedule_with_warmup": (
        "polynomial", ("num_warmup_steps", "num_training_steps", "lr_end", "power")),
    "get_constant_schedule": ("constant", ()),
    "get_constant_schedule_with_warmup": ("constant_with_warmup", ("num_warmup_steps",)),
    "get_inverse_sqrt_schedule": ("inverse_sqrt", ("num_warmup_steps", "timescale")),
    "get_cosine_with_min_lr_schedule_with_warmup": (
        "cosine_with_min_lr", ("num_warmup_steps", "num_training_steps", "num_cycles")),
    "get_cosine_with_min_lr_schedule_with_warmup_lr_rate": (
        "cosine_warmup_with_min_lr", ("num_warmup_steps", "num_training_steps", "num_cycles")),
    "get_wsd_schedule": ("warmup_stable_decay", ("num_warmup_steps", "num_decay_steps",
                                                 "num_training_steps", "num_stable_steps")),
    "get_scheduler": (None, ("num_warmup_steps", "num_training_steps",
                             "scheduler_specific_kwargs")),
}
_DEFAULT_LR = {"SGD": 1e-3, "Adam": 1e-3, "AdamW": 1e-3, "RMSprop": 1e-2, "Adagrad": 1e-2,
               "Adamax": 2e-3, "NAdam": 2e-3, "RAdam": 1e-3}
_MISSING_LR = object()
_LR_NEUTRAL = ("foreach", "fused", "capturable", "differentiable")  # do not change the lr
_STEP_HINTS = ("num_training_steps", "total_steps", "max_steps", "num_steps", "training_steps",
               "total_iters", "max_iters", "max_iter", "num_iters", "total_iterations",
               "num_iterations", "iterations")
_EPOCH_HINTS = ("num_epochs", "epochs", "max_epochs", "n_epochs", "total_epochs")
_REDUCE = ("ReduceLROnPlateau lowers the lr when a validation metric stops improving, so its "
           "curve depends on the training run: it is not a timeline phase")
_CHAIN = ("ChainedScheduler applies all of its schedulers at every step, multiplying their "
          "effects; the timeline runs one scheduler at a time, so only a chain in which all "
          "but one scheduler leave the lr unchanged can be imported")


@dataclass
class ImportResult:
    """What `import_python` made of a snippet.

    Attributes
    ----------
    schedule : the design (no phases when nothing could be imported).
    problems : what could not be imported, as (line, message); line 0 is the whole snippet.
    notes : facts worth knowing that are not failures (where the run length came from,
        argparse defaults used, torch quirks), as (line, message).
    original_curve_differs : the snippet's own curve differs from the design's, because
        torch's SequentialLR does something the per-phase semantics avoid.
    combination : "single", "SequentialLR", "ChainedScheduler", "transformers" or "".
    """

    schedule: Schedule
    problems: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    original_curve_differs: bool = False
    combination: str = ""

    @property
    def imported(self) -> bool:
        return bool(self.schedule.phases)

    def original_curve(self) -> np.ndarray:
        """The lr per step the snippet's own schedulers produce (real torch, built from the
        imported phases as the snippet combines them)."""
        from designer.core.engine import compute_curve

        if not self.original_curve_differs:
            return compute_curve(self.schedule)
        return _sequential_lr_curve(self.schedule)


def import_python(source: str, total_steps: int | None = None, name: str = "") -> ImportResult:
    """Import the lr schedule a Python snippet builds, without running it.

    `total_steps` is how many times the training calls scheduler.step(), when the snippet
    does not say; `name` becomes the design's name.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return ImportResult(Schedule(name=name), [Finding(exc.lineno or 0,
                                                          f"not valid Python: {exc.msg}")])
    except (ValueError, RecursionError, MemoryError):
        return ImportResult(Schedule(name=name), [Finding(0, "the snippet cannot be parsed")])
    reader = SnippetReader()
    try:
        reader.read(tree)
    except RecursionError:
        reader.problem(0, "the snippet nests too deeply to read")
    return _Assembler(reader, total_steps, name).result()


@dataclass
class _Draft:
    """A phase before the run length is known. `length` None: the open last phase."""

    scheduler: str
    params: dict[str, Any]
    line: int
    length: int | None = None
    offset: int = 0  # the step it begins at in the snippet (its milestone)
    duration: int | None = None  # the duration parameter as the snippet gave it
    start: str = RESTART


class _Assembler:
    def __init__(self, reader: SnippetReader, total_steps: int | None, name: str) -> None:
        self.reader = reader
        self.total_steps = total_steps
        self.name = name
        self.problems = list(reader.problems)
        self.notes = list(reader.notes)
        if reader.argparse_defaults:
            used = sorted(reader.argparse_defaults.items(), key=lambda item: item[1][1])
            self.note(used[0][1][1], "command-line options take their argparse defaults: "
                      + ", ".join(f"{dest}={value!r}" for dest, (value, _) in used))
        self.steps_per_epoch: int | None = None
        self.interval = "step"

    def problem(self, line: int, message: str) -> None:
        if Finding(line, message) not in self.problems:
            self.problems.append(Finding(line, message))

    def note(self, line: int, message: str) -> None:
        if Finding(line, message) not in self.notes:
            self.notes.append(Finding(line, message))

    def result(self) -> ImportResult:
        roots = []
        for call in self.reader.schedulers:
            if call.consumed:
                continue
            if call.kind == "ReduceLROnPlateau":
                self.problem(call.line, _REDUCE)
            elif call.custom:
                self.problem(call.line, f"`{call.kind}` is not one of torch's timeline "
                             "schedulers: its curve is only known by running it")
            else:
                roots.append(call)
        if not self.reader.schedulers:
            self.problem(0, "the snippet builds no torch lr scheduler")
        if not roots:
            return self._result(Schedule(name=self.name), "")
        root = roots[0]
        for other in roots[1:]:
            named = f" `{other.target}`" if other.target else ""
            self.problem(other.line, f"another scheduler ({other.kind}{named}) is built here; "
                         f"only the {root.kind} of line {root.line} was imported")
        optimizer = self.optimizer(self._argument(root, "optimizer"), root.line)
        if root.kind.startswith("hf:"):
            return self.transformers(root, optimizer)
        combination = root.kind if root.kind in ("SequentialLR", "ChainedScheduler") else "single"
        if root.kind == "SequentialLR":
            drafts = self.sequential(root)
        elif root.kind == "ChainedScheduler":
            drafts = self.chained(root)
        else:
            draft = self.draft(root)
            drafts = [draft] if draft else []
        if not drafts:
            return self._result(Schedule(optimizer=optimizer, name=self.name), "")
        last = drafts[-1]
        fixed = last.offset
        own = None
        if last.duration is not None:
            fit = SCHEDULERS[last.scheduler].fit_param
            own = (fixed + last.duration, f"{last.scheduler}'s {fit}={last.duration}"
                   + (" after the milestones" if fixed else ""))
        run = self.run_length(root, own, _default_length(last) + fixed)
        phases = self.phases(drafts, run)
        differs = combination == "SequentialLR" and self.quirks(phases, optimizer.lr)
        schedule = Schedule(tuple(phases), optimizer, self.interval, self.steps_per_epoch,
                            self.name)
        return self._result(schedule, combination, differs)

    def _result(self, schedule: Schedule, combination: str, differs: bool = False) -> ImportResult:
        return ImportResult(schedule, sorted(self.problems), sorted(self.notes), differs,
                            combination)

    # The optimizer --------------------------------------------------------------------------

    def optimizer(self, call: Any, line: int) -> OptimizerConfig:
        if not isinstance(call, OptimizerCall):
            why = call.why if isinstance(call, Unknown) else "it is not a torch optimizer"
            self.problem(line, f"the optimizer is not built in the snippet ({why}); the "
                         "design assumes SGD with lr 0.1")
            return OptimizerConfig()
        name = call.name
        if name not in OPTIMIZERS:
            self.problem(call.line, f"{name} is not an optimizer the designer supports; the "
                         "design uses SGD with the same lr")
            name = "SGD"
        spec = OPTIMIZERS[name]
        order = ["params", "lr", *(p.name for p in spec.params if p.name != "maximize")]
        given = dict(zip(order, call.args))
        if len(call.args) > len(order):
            self.problem(call.line, f"{name} got more positional arguments than torch takes")
        given.update(call.kwargs)
        groups = given.pop("params", None)
        if not (isinstance(groups, list) and groups and isinstance(groups[0], dict)):
            groups = [{}]
        elif len(groups) > 1:
            self.note(call.line, "the optimizer has several param groups; the design follows "
                      "the first one's lr")
        # The curve is the first group's lr: its own, else the optimizer's, else torch's default.
        lr = groups[0].get("lr", given.pop("lr", _MISSING_LR))
        given.pop("lr", None)
        if lr is _MISSING_LR:
            lr = _DEFAULT_LR[name]
            self.note(call.line, f"{name} has no lr in the snippet: torch's default {lr!r}")
        try:
            if isinstance(lr, Unknown):
                raise ScheduleError("lr", lr.why)
            lr = check_number(lr, "lr", 0.0, None, True)
        except ScheduleError as exc:
            self.problem(call.line, f"the optimizer's lr: {exc.message}; the design assumes 0.1")
            lr = 0.1
        params = {}
        for key, value in given.items():
            param = spec.param(key)
            if param is None:
                if key not in _LR_NEUTRAL:
                    self.note(call.line, f"{name}'s `{key}` is not part of the design")
                continue
            if isinstance(value, Unknown):
                self.problem(call.line, f"{name}'s {key}: {value.why}")
                continue
            try:
                params[key] = check_value(param, value, key)
            except ScheduleError as exc:
                self.problem(call.line, f"{name}'s {exc}")
        return OptimizerConfig(name, lr, params)

    # Schedulers ----------------------------------------------------------------------------

    def _argument(self, call: SchedulerCall, name: str) -> Any:
        """An argument of a scheduler call by torch's (or transformers') parameter name."""
        if call.kind == "ChainedScheduler":
            names = ("schedulers", "optimizer")
        elif call.kind.startswith("hf:"):
            rest = _HF_FUNCTIONS.get(call.kind[3:], (None, ()))[1]
            names = ("name", "optimizer", *rest) if call.kind == "hf:get_scheduler" else (
                "optimizer", *rest)
        else:
            names = ("optimizer", *_ORDER.get(call.kind, ()))
        bound = dict(zip(names, call.args))
        bound.update(call.kwargs)
        if name == "optimizer" and call.kind == "ChainedScheduler" and "optimizer" not in bound:
            children = bound.get("schedulers")
            if isinstance(children, (list, tuple)) and children and isinstance(
                    children[0], SchedulerCall):
                return self._argument(children[0], "optimizer")
        return bound.get(name, Unknown(f"{call.kind} has no `{name}` in the snippet"))

    def draft(self, call: SchedulerCall, optimizer: Any = None) -> _Draft | None:
        """One timeline scheduler's phase; problems for what does not carry over."""
        kind = call.kind
        if kind == "ReduceLROnPlateau":
            self.problem(call.line, _REDUCE)
            return None
        if call.custom or kind not in SCHEDULERS:
            self.problem(call.line, f"{kind} is not a scheduler the timeline supports")
            return None
        spec = SCHEDULERS[kind]
        order = _ORDER[kind]
        args = call.args[1:]
        if len(args) > len(order):
            self.problem(call.line, f"{kind} got more positional arguments than torch takes")
        given = dict(zip(order, args))
        given.update(call.kwargs)
        if optimizer is not None and self._argument(call, "optimizer") is not optimizer:
            self.problem(call.line, f"{kind} is built on another optimizer than the "
                         "SequentialLR around it")
        given.pop("optimizer", None)
        given.pop("verbose", None)
        self._check_last_epoch(call, given.pop("last_epoch", -1))
        if kind == "OneCycleLR":
            self._one_cycle_total(call, given)
        if kind == "CyclicLR":
            if given.pop("scale_fn", None) is not None:
                self.problem(call.line, "CyclicLR's scale_fn is custom code the designer cannot "
                             "import; the design uses the mode's own scaling")
            given.pop("scale_mode", None)
        params, failed = {}, {}
        for key, value in given.items():
            if not spec.has_param(key):
                self.problem(call.line, f"{kind} has no parameter `{key}`")
                continue
            try:
                value = self._param_value(call, spec.param(key).kind, key, value)
                if value is not None:
                    params[key] = check_value(spec.param(key), value, key)
            except (NotImportable, ScheduleError) as exc:
                failed[key] = str(exc)
        for param in spec.params:
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
        duration = None
        if spec.fit_param:
            duration = params.pop(spec.fit_param, None)
            if duration is None and spec.param(spec.fit_param).default is not REQUIRED:
                # torch's default, not the phase length, is what the snippet runs with.
                params[spec.fit_param] = spec.param(spec.fit_param).default
        return _Draft(kind, params, call.line, duration=duration)

    def _check_last_epoch(self, call: SchedulerCall, last_epoch: Any) -> None:
        if last_epoch != -1:
            shown = "unknown" if isinstance(last_epoch, Unknown) else repr(last_epoch)
            self.problem(call.line, f"{call.kind}'s last_epoch ({shown}) resumes a schedule "
                         "mid-way; the design starts at step 0")

    def _param_value(self, call: SchedulerCall, kind: str, key: str, value: Any) -> Any:
        """The value to validate; raises NotImportable saying why there is none."""
        if isinstance(value, Unknown):
            raise NotImportable(value.why)
        if kind != "expression":
            return value
        if isinstance(value, (list, tuple)):
            if not value:
                raise NotImportable("it is an empty list")
            self.note(call.line, f"{call.kind} has one {key} per param group; the design "
                      "follows the first")
            value = value[0]
        return self.reader.lambda_text(value)

    def _one_cycle_total(self, call: SchedulerCall, given: dict[str, Any]) -> None:
        epochs, per_epoch = given.pop("epochs", None), given.pop("steps_per_epoch", None)
        if isinstance(per_epoch, int) and not isinstance(per_epoch, bool):
            self.steps_per_epoch = per_epoch
        if given.get("total_steps") is not None:
            return
        given.pop("total_steps", None)
        if all(isinstance(v, int) and not isinstance(v, bool) for v in (epochs, per_epoch)):
            given["total_steps"] = epochs * per_epoch
        else:
            why = next((v.why for v in (epochs, per_epoch) if isinstance(v, Unknown)),
                       "it needs total_steps, or epochs and steps_per_epoch")
            self.problem(call.line, f"OneCycleLR's length: {why}")

    def sequential(self, call: SchedulerCall) -> list[_Draft]:
        children = self._argument(call, "schedulers")
        milestones = self._argument(call, "milestones")
        optimizer = self._argument(call, "optimizer")
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
            if not isinstance(child, SchedulerCall):
                why = child.why if isinstance(child, Unknown) else "not a scheduler"
                self.problem(call.line, f"SequentialLR's schedulers[{index}]: {why}")
                draft = None
            elif child.kind in ("SequentialLR", "ChainedScheduler"):
                self.problem(child.line, f"a {child.kind} inside SequentialLR is not imported")
                draft = None
            else:
                draft = self.draft(child, optimizer)
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

    def chained(self, call: SchedulerCall) -> list[_Draft]:
        children = self._argument(call, "schedulers")
        if not isinstance(children, (list, tuple)) or not children or not all(
                isinstance(c, SchedulerCall) for c in children):
            self.problem(call.line, "ChainedScheduler's schedulers are not a list of "
                         "schedulers the snippet builds")
            return []
        drafts = [self.draft(child) for child in children]
        if None in drafts:
            return []
        active = [d for d in drafts if not _leaves_lr_alone(d)]
        if len(active) > 1:
            self.problem(call.line, _CHAIN)
            return []
        if len(drafts) > 1:
            self.note(call.line, "all but one scheduler of the ChainedScheduler leave the lr "
                      "unchanged, so the chain is that one scheduler")
        return active or drafts[:1]

    def transformers(self, call: SchedulerCall, optimizer: OptimizerConfig) -> ImportResult:
        function = call.kind[3:]
        kind, _ = _HF_FUNCTIONS.get(function, (None, ()))
        empty = Schedule(optimizer=optimizer, name=self.name)
        if function not in _HF_FUNCTIONS:
            self.problem(call.line, f"transformers' {function} is not one the designer imports")
            return self._result(empty, "")
        arguments = {k: self._argument(call, k) for k in (
            "name", "num_warmup_steps", "num_training_steps", "scheduler_specific_kwargs",
            "last_epoch")}
        extra = {k: v for k, v in call.kwargs.items() if k not in (*arguments, "optimizer")}
        if function == "get_scheduler":
            kind = arguments["name"]
            specific = arguments["scheduler_specific_kwargs"]
            extra = dict(specific) if isinstance(specific, dict) else {}
            if kind in ("constant", "constant_with_warmup", "inverse_sqrt"):
                arguments["num_training_steps"] = Unknown("")  # get_scheduler does not pass it
            if kind == "constant":
                extra, arguments["num_warmup_steps"] = {}, 0
        else:
            positional = _HF_FUNCTIONS[function][1]
            extra.update({k: v for k, v in zip(positional, call.args[1:])
                          if k not in arguments})
        if not isinstance(kind, str):
            self.problem(call.line, "the schedule type is only known when the script runs")
            return self._result(empty, "")
        self._check_last_epoch(call, arguments["last_epoch"] if not isinstance(
            arguments["last_epoch"], Unknown) else -1)
        warmup = 0 if kind == "constant" else arguments["num_warmup_steps"]
        total = arguments["num_training_steps"]
        unknown = [v for v in (warmup, *extra.values()) if isinstance(v, Unknown)]
        if unknown or not isinstance(warmup, int):
            why = unknown[0].why if unknown else "num_warmup_steps is not an integer"
            self.problem(call.line, f"transformers' {function}: {why}")
            return self._result(empty, "")
        total = total if isinstance(total, int) and not isinstance(total, bool) else None
        own = None if total is None else (total, f"num_training_steps={total}")
        run = self.run_length(call, own, max(100, 2 * warmup))
        try:
            phases = hf_phases(kind, warmup, total or run, optimizer.lr, extra, run_steps=run)
        except ScheduleError as exc:
            self.problem(call.line, f"transformers' {function}: {exc}")
            return self._result(empty, "")
        schedule = Schedule(tuple(phases), optimizer, self.interval, self.steps_per_epoch,
                            self.name)
        return self._result(schedule, "transformers")

    # The run ------------------------------------------------------------------------------

    def run_length(self, root: SchedulerCall, own: tuple[int, str] | None, default: int) -> int:
        """How many scheduler.step() calls the training makes (see the module docstring)."""
        for site in root.steps:
            if site.has_argument:
                self.problem(site.line, "scheduler.step() with an argument sets the epoch "
                             "itself; the design assumes one step per call")
        # A step(epoch) call still counts the calls, even though its epochs are not steps.
        site = next((s for s in root.steps if not s.has_argument),
                    root.steps[0] if root.steps else None)
        if site is not None:
            self._interval(site)
            if site.condition is not None:
                self.problem(site.line, f"scheduler.step() is only called when "
                             f"`{ast.unparse(site.condition)}`, which is only known when the "
                             "script runs; the design assumes it is called every time")
        counted = site is not None and site.loops and all(c is not None for _, c in site.loops)
        if self.total_steps is not None:
            run, source, line = self.total_steps, "the total_steps given", 0
        elif counted:
            run = math.prod(c for _, c in site.loops)
            loops = "the loops" if len(site.loops) > 1 else "the loop"
            source, line = f"{loops} around scheduler.step() on line {site.line}", site.line
        elif own is not None:
            (run, source), line = own, root.line
        else:
            hinted = self._hinted(site)
            if hinted is None or isinstance(hinted[1], Unknown):
                why = (f"`{hinted[0]}`: {hinted[1].why}" if hinted else "no loop with a range "
                       "around scheduler.step(), no num_training_steps")
                self.problem(root.line, f"how many times scheduler.step() is called is not "
                             f"known ({why}); the design assumes {default:,}, give total_steps "
                             "for yours")
                return default
            name, run, line = hinted
            source = f"`{name}`"
        if isinstance(run, float) and run.is_integer():
            run = int(run)  # total_steps = 1e4
        if not isinstance(run, int) or run < 1:
            self.problem(line, f"the run length from {source} is not a positive integer; the "
                         f"design assumes {default:,}")
            return default
        if run > MAX_TOTAL_STEPS:
            self.problem(line, f"the run of {run:,} steps is longer than the designer's limit "
                         f"of {MAX_TOTAL_STEPS:,}; the design stops there")
            run = MAX_TOTAL_STEPS
        self.note(line, f"the design lasts {run:,} steps: from {source}")
        return run

    def _hinted(self, site: StepSite | None) -> tuple[str, Any, int] | None:
        hints = self.reader.hints
        names = _STEP_HINTS
        inner = site.loops[-1][0] if site and site.loops else ""
        if (site is None and not any(n in hints for n in names)) or "epoch" in inner:
            names = names + _EPOCH_HINTS
        for name in names:
            if name in hints:
                value, line = hints[name]
                if name in _EPOCH_HINTS:
                    self.interval = "epoch"
                return name, value, line
        return None

    def _interval(self, site: StepSite) -> None:
        if not site.loops:
            return
        if "epoch" in site.loops[-1][0]:
            self.interval = "epoch"
        elif len(site.loops) >= 2 and "epoch" in site.loops[-2][0] and site.loops[-1][1]:
            self.steps_per_epoch = site.loops[-1][1]

    def phases(self, drafts: list[_Draft], run: int) -> list[Phase]:
        phases, at = [], 0
        self._phase_lines: list[int] = []
        for draft in drafts:
            if at >= run:
                self.note(draft.line, f"the run ends at step {run:,}, before this {draft.scheduler} "
                          "begins; it is left out")
                continue
            steps = run - at if draft.length is None else min(draft.length, run - at)
            params = dict(draft.params)
            fit = SCHEDULERS[draft.scheduler].fit_param
            if draft.scheduler == "OneCycleLR" and draft.duration is not None and \
                    steps > draft.duration:
                self.problem(draft.line, f"OneCycleLR runs {steps:,} steps here but its "
                             f"total_steps is {draft.duration:,}, and torch raises past it; "
                             "the design stops at total_steps")
                steps = draft.duration
            if fit and draft.duration is not None and draft.duration != steps:
                params[fit] = draft.duration  # an explicit duration that differs stays explicit
            if fit and params.get(fit) == steps:
                del params[fit]  # equal to the phase: fitted, so it follows a resize
            phase = Phase(draft.scheduler, steps, params, draft.start)
            try:
                check_phase(phase, f"phases[{len(phases)}]")
            except ScheduleError as exc:
                self.problem(draft.line, f"{draft.scheduler}: {exc.message}; it is left out")
                continue
            phases.append(phase)
            self._phase_lines.append(draft.line)
            at += steps
        return phases

    def quirks(self, phases: list[Phase], base_lr: float) -> bool:
        """Notes where torch's SequentialLR differs from the per-phase semantics; True if
        the snippet's own curve therefore differs from the design's."""
        differs = False
        for index, phase in enumerate(phases):
            line = self._phase_lines[index]
            if phase.spec.absolute and len(phases) > 1:
                self.note(line, f"{phase.scheduler} inside SequentialLR: torch's constructor "
                          "overwrites the lr, initial_lr and momentum of the shared param "
                          "group, which corrupts neighbouring phases; the design uses per-phase "
                          "semantics, whose curve differs — see both curves")
                differs = True
            if index and phase.scheduler == "MultiplicativeLR":
                factor = parse_expression(phase.params["lr_lambda"])(0)
                phases[index] = replace(phase, start=CONTINUE)
                if factor != 1:
                    self.note(line, "MultiplicativeLR inside SequentialLR: torch starts it by "
                              f"multiplying the previous lr by lr_lambda(0) = {factor!r}; the "
                              "design continues from the previous lr without it, so its curve "
                              "differs — see both curves")
                    differs = True
            if index and phase.scheduler == "CosineAnnealingLR":
                eta_min = phase.param_value("eta_min")
                # SequentialLR restarts it through its closed form at epoch 0:
                restarted = eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * 0 / 1)) / 2
                if restarted != base_lr:
                    self.note(line, "CosineAnnealingLR with eta_min inside SequentialLR: torch "
                              f"restarts it at {restarted!r} instead of the base lr "
                              f"{base_lr!r} (a rounding of its closed form), so the snippet's "
                              "curve differs from the design's in the last bits")
                    differs = True
        return differs


def _leaves_lr_alone(draft: _Draft) -> bool:
    """Whether a scheduler never changes the lr, whatever its length."""
    p = draft.params
    if draft.scheduler == "ConstantLR":
        return p.get("factor", 1.0 / 3) == 1
    if draft.scheduler == "LinearLR":
        return p.get("start_factor", 1.0 / 3) == 1 and p.get("end_factor", 1.0) == 1
    if draft.scheduler in ("StepLR", "MultiStepLR", "ExponentialLR"):
        return p.get("gamma", 0.1) == 1
    if draft.scheduler in ("LambdaLR", "MultiplicativeLR") and "lr_lambda" in p:
        expression = parse_expression(p["lr_lambda"])
        return "step" not in expression.python_source and expression(0) == 1
    return False


def _default_length(draft: _Draft) -> int:
    """A run length that shows the scheduler's shape, when the snippet does not say."""
    p = draft.params
    if draft.duration is not None:
        return draft.duration
    if draft.scheduler == "StepLR":
        return 3 * p["step_size"]
    if draft.scheduler == "MultiStepLR" and p.get("milestones"):
        return max(p["milestones"]) + max(1, min(p["milestones"]))
    if draft.scheduler == "CosineAnnealingWarmRestarts":
        return min(MAX_TOTAL_STEPS, p["T_0"] * (1 + p.get("T_mult", 1) + p.get("T_mult", 1) ** 2))
    if draft.scheduler == "CyclicLR":
        up = p.get("step_size_up", 2000)
        return 2 * (up + (p.get("step_size_down") or up))
    fit = SCHEDULERS[draft.scheduler].fit_param
    return p[fit] if fit and fit in p else 100


def _sequential_lr_curve(schedule: Schedule) -> np.ndarray:
    """torch's own SequentialLR over the schedule's phases, as the snippet builds it."""
    import warnings

    import torch

    from designer.core.engine import make_optimizer, scheduler_kwargs

    optimizer = make_optimizer(schedule.optimizer, schedule.optimizer.lr)
    schedulers = [getattr(torch.optim.lr_scheduler, phase.scheduler)(
        optimizer, **scheduler_kwargs(phase, f"phases[{i}]"))
        for i, phase in enumerate(schedule.phases)]
    combined = torch.optim.lr_scheduler.SequentialLR(optimizer, schedulers,
                                                     schedule.phase_starts()[1:])
    group, lrs = optimizer.param_groups[0], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the dummy optimizer steps without gradients
        for _ in range(schedule.total_steps):
            lrs.append(group["lr"])
            optimizer.step()
            combined.step()
    return np.asarray(lrs, dtype=np.float64)
