"""Python export: one self-contained module that reproduces a design on the user's optimizer.

Where torch's own classes reproduce the per-phase semantics exactly (a single scheduler, or
`SequentialLR` over phases that all restart from the base lr), the module uses them, because
that is the code a PyTorch user recognises. Otherwise it carries a small helper class,
`PhasedLR`, that constructs each phase's real scheduler when the phase begins, and a comment
that says why `SequentialLR` would not do.

Nothing from the file is pasted as text: names go through `repr`, expressions through the
whitelist parser's `python_source` (rebuilt from a validated AST), numbers through `repr`.
"""

from __future__ import annotations

import textwrap
from typing import Any

from designer import __version__
from designer.core.export.sequential_lr import QUIRK_REASONS, sequential_lr_quirks
from designer.core.schedule.catalog import EXPRESSION
from designer.core.schedule.expressions import parse_expression
from designer.core.schedule.kinds import kind_of
from designer.core.schedule.model import CONTINUE, RESTART, Phase, Schedule

_PHASED_LR = '''
class PhasedLR:
    """Steps one real torch scheduler per phase, constructing each when its phase begins.

    A phase starts from the optimizer's base lr ("restart"), from the lr the previous
    phase ended on ("continue"), or from an explicit lr, and its scheduler is built on the
    optimizer at that moment, exactly as LR Schedule Designer previews it.
    """

    def __init__(self, optimizer, phases):
        self.optimizer = optimizer
        self.phases = phases  # (steps, start, make_scheduler) per phase
        groups = optimizer.param_groups
        self.base_lrs = [group["lr"] for group in groups]
        # OneCycleLR and CyclicLR cycle momentum (or beta1) in place; every phase starts
        # from the optimizer's own values, as a freshly built optimizer would.
        self._momenta = [
            {key: group[key] for key in ("momentum", "betas") if key in group}
            for group in groups
        ]
        self.phase_index = 0
        self.phase_step = 0
        self.scheduler = self._begin_phase()

    def _begin_phase(self):
        _, start, make_scheduler = self.phases[self.phase_index]
        groups = self.optimizer.param_groups
        for group, base_lr, momenta in zip(groups, self.base_lrs, self._momenta):
            if start == "restart":
                group["lr"] = base_lr
            elif start != "continue":
                group["lr"] = start * (base_lr / self.base_lrs[0])
            group.update(momenta)
            # A new scheduler takes its base lr from "initial_lr" when the group has one.
            group.pop("initial_lr", None)
        return make_scheduler(self.optimizer)

    def step(self, metrics=None):
        """Call once per step; pass the validation metric on the steps where you
        evaluate it: ReduceLROnPlateau phases step only then, with it."""
        self.phase_step += 1
        steps = self.phases[self.phase_index][0]
        if self.phase_step >= steps and self.phase_index + 1 < len(self.phases):
            self.phase_index += 1
            self.phase_step = 0
            self.scheduler = self._begin_phase()
        elif isinstance(self.scheduler, lr_scheduler.ReduceLROnPlateau):
            if metrics is not None:
                self.scheduler.step(metrics)
        else:
            self.scheduler.step()

    def get_last_lr(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        return {
            "phase_index": self.phase_index,
            "phase_step": self.phase_step,
            "base_lrs": self.base_lrs,
            "scheduler": self.scheduler.state_dict(),
        }

    def load_state_dict(self, state):
        self.phase_index = state["phase_index"]
        self.phase_step = state["phase_step"]
        self.base_lrs = state["base_lrs"]
        # Building the phase's scheduler writes to the param groups; keep what the
        # optimizer's own state_dict restored.
        kept = [
            {key: group[key] for key in ("lr", "momentum", "betas") if key in group}
            for group in self.optimizer.param_groups
        ]
        self.scheduler = self._begin_phase()
        self.scheduler.load_state_dict(state["scheduler"])
        for group, values in zip(self.optimizer.param_groups, kept):
            group.update(values)
'''


def export_python(schedule: Schedule) -> str:
    """The exported module's source text."""
    reasons = sequential_lr_obstacles(schedule)
    advice = [line for sentence in _call_advice(schedule) for line in textwrap.wrap(sentence, 88)]
    lines = [f'"""{_TITLE}', "", *advice, '"""', ""]
    standard = (["import math"] if uses_math(schedule, simulation=True) else []) + (
        ["import random"] if schedule.uses_simulation() else [])
    if standard:
        lines += [*standard, ""]
    lines += ["import torch", "from torch.optim import lr_scheduler", ""]
    lines.append(f"SCHEDULE_NAME = {schedule.name!r}")
    lines.append(f"TOTAL_STEPS = {schedule.total_steps}")
    lines += param_groups_constant(schedule)
    lines.append("")
    lines += scheduler_definitions(schedule, reasons)
    if schedule.uses_simulation():
        lines += ["", "", *_simulation_source(schedule)]
    lines += ["", "", *_main_block(schedule)]
    return "\n".join(lines) + "\n"


def scheduler_definitions(schedule: Schedule, reasons: list[str] | None = None,
                          stepped: str | None = None) -> list[str]:
    """Source lines of the PhasedLR helper (only when the design needs it) and of
    `build_scheduler(optimizer)`, each preceded by blank lines; shared with the framework
    templates so that every export builds the scheduler the same way. `stepped` ends the
    docstring where a framework steps the scheduler itself (default: "call its step() ...")."""
    if reasons is None:
        reasons = sequential_lr_obstacles(schedule)
    lines = []
    if reasons:
        lines += ["", _PHASED_LR.strip("\n"), ""]
    lines += ["", "def build_scheduler(optimizer):"]
    doc = textwrap.wrap("Return the designed lr scheduler for `optimizer`; "
                        + (stepped or "call its step() " + _step_place(schedule)) + ".", 88)
    if len(doc) == 1:
        lines.append(f'    """{doc[0]}"""')
    else:
        lines += [f'    """{doc[0]}', *(f"    {line}" for line in doc[1:]), '    """']
    lines += _body(schedule, reasons)
    return lines


def uses_math(schedule: Schedule, simulation: bool = False) -> bool:
    """Whether `build_scheduler`'s expressions (with `simulation`, also the simulated
    metrics) need `import math`."""
    return any(_expressions_use_math(p, simulation) for p in schedule.phases)


def param_groups_constant(schedule: Schedule) -> list[str]:
    """`PARAM_GROUPS = {name: base lr, ...}` for a design with param groups, else nothing."""
    if not schedule.param_groups:
        return []
    lines = ["", "# The design's param groups, in order, with their base lrs; the optimizer",
             "# must have these groups (build_scheduler works on all of them at once).",
             "PARAM_GROUPS = {"]
    for group, lr in zip(schedule.param_groups, schedule.base_lrs()):
        note = (f"  # {float(group.lr_scale)!r} × the optimizer's lr"
                if group.lr is None else "")
        lines.append(f"    {group.name!r}: {lr!r},{note}")
    lines.append("}")
    return lines


def optimizer_constructor(schedule: Schedule, parameters: str) -> str:
    """`torch.optim.<Name>(<parameters>, lr=..., ...)` with the design's optimizer settings.
    With param groups, `parameters` is the list of group dicts."""
    config = schedule.optimizer
    kwargs = "".join(f", {name}={_optimizer_literal(value)}"
                     for name, value in config.params.items())
    return f"torch.optim.{config.name}({parameters}, lr={float(config.lr)!r}{kwargs})"


def sequential_lr_obstacles(schedule: Schedule) -> list[str]:
    """Why a single scheduler or plain SequentialLR would not reproduce the design exactly.

    An empty list means torch's own classes do. The reasons are also shown in the window.
    """
    phases = schedule.phases
    quirks = list(sequential_lr_quirks(phases))
    reasons = []
    for index, phase in enumerate(phases):
        label = f"phase {index + 1} ({phase.scheduler})"
        if phase.start == CONTINUE and index > 0:
            reasons.append(f"{label} continues from the previous phase's last lr; "
                           "SequentialLR restarts every phase from the base lr")
        elif phase.start not in (RESTART, CONTINUE):
            reasons.append(f"{label} starts from an explicit lr of {phase.start!r}")
        reasons += [QUIRK_REASONS[quirk].format(label=label)
                    for where, quirk in quirks if where == index]
    return reasons


def _body(schedule: Schedule, reasons: list[str]) -> list[str]:
    phases = schedule.phases
    if not phases:
        return ["    # The design has no phases: keep the optimizer's lr as it is.",
                "    return lr_scheduler.LambdaLR(optimizer, lr_lambda=lambda step: 1.0)"]
    if not reasons and len(phases) == 1 and phases[0].is_chained:
        return ["    return lr_scheduler.ChainedScheduler(", "        [",
                *(f"            {_constructor(member, 'optimizer')},"
                  for member in phases[0].member_phases()),
                "        ],", "        optimizer=optimizer,", "    )"]
    if not reasons and len(phases) == 1:
        return [f"    return {_constructor(phases[0], 'optimizer')}"]
    if not reasons:
        milestones = schedule.phase_starts()[1:]
        lines = ["    return lr_scheduler.SequentialLR(", "        optimizer,", "        schedulers=["]
        lines += [f"            {_constructor(p, 'optimizer')}," for p in phases]
        lines += ["        ],", f"        milestones={milestones!r},", "    )"]
        return lines
    lines = ["    # Not plain SequentialLR, because:"]
    lines += [f"    # - {reason}" for reason in reasons]
    lines += ["    return PhasedLR(optimizer, ["]
    for phase in phases:
        start = phase.start if isinstance(phase.start, str) else float(phase.start)
        lines.append(f"        ({phase.steps}, {start!r}, "
                     f"lambda opt: {_constructor(phase, 'opt')}),")
    lines.append("    ])")
    return lines


def _constructor(phase: Phase, optimizer_name: str) -> str:
    """The scheduler's constructor call on `optimizer_name`; a chained phase's is torch's
    ChainedScheduler over its members' constructors, built in order as user code does."""
    if phase.is_chained:
        members = ", ".join(_constructor(member, optimizer_name)
                            for member in phase.member_phases())
        return f"lr_scheduler.ChainedScheduler([{members}], optimizer={optimizer_name})"
    args = [optimizer_name] + [f"{name}={literal_value(phase, name, value)}"
                               for name, value in _explicit_params(phase).items()]
    return f"lr_scheduler.{phase.scheduler}({', '.join(args)})"


def _explicit_params(phase: Phase) -> dict[str, Any]:
    """The user's parameters plus the fitted duration; torch's defaults stay implicit, and
    the simulation's settings are not torch's."""
    resolved = phase.resolved_params()
    return {name: resolved[name] for name in resolved
            if (name in phase.params or name == phase.spec.fit_param)
            and not phase.spec.param(name).simulation}


def literal_value(phase: Phase, name: str, value: Any) -> str:
    spec = phase.spec.param(name)
    return kind_of(spec).to_source(spec, value)


def _expressions_use_math(phase: Phase, simulation: bool) -> bool:
    if phase.is_chained:
        return any(_expressions_use_math(member, simulation) for member in phase.member_phases())
    return any(spec.kind == EXPRESSION and (simulation or not spec.simulation)
               and parse_expression(phase.params[spec.name]).uses_math()
               for spec in phase.spec.params if spec.name in phase.params)


_TITLE = f"Learning-rate schedule exported by LR Schedule Designer {__version__}."


def _step_place(schedule: Schedule) -> str:
    if schedule.uses_simulation() and len(schedule.phases) == 1:
        return "after each evaluation, with the validation metric: scheduler.step(val_loss)"
    place = "once per batch" if schedule.interval == "step" else "once per epoch"
    if schedule.uses_simulation():
        place += ", and pass the validation metric where you evaluate: scheduler.step(val_loss)"
    return place


def _call_advice(schedule: Schedule) -> list[str]:
    lines = call_advice(schedule, demo=True)
    lines[-1] += "; SCHEDULE_NAME holds the design's name."
    return lines


def call_advice(schedule: Schedule, demo: bool = False) -> list[str]:
    """Where to call scheduler.step() and how long the schedule lasts, as sentences;
    `demo`: the module has the demo loop that feeds simulated_val_loss(step)."""
    total = schedule.total_steps
    if schedule.interval == "step":
        lines = ["Call scheduler.step() once per batch, right after optimizer.step().",
                 f"The schedule lasts {total:,} batches"]
        if schedule.steps_per_epoch:
            lines[-1] += (f" ({total / schedule.steps_per_epoch:g} epochs of "
                          f"{schedule.steps_per_epoch:,} batches)")
    else:
        lines = ["Call scheduler.step() once per epoch, after the epoch's last optimizer.step().",
                 f"The schedule lasts {total:,} epochs"]
        if schedule.steps_per_epoch:
            lines[-1] += f" of {schedule.steps_per_epoch:,} batches each"
    if schedule.uses_simulation():
        unit = "batch" if schedule.interval == "step" else "epoch"
        phase = schedule.phases[0]
        if len(schedule.phases) == 1 and phase.param_value("metric_run") \
                and phase.param_value("metric_steps") == "every":
            every = int(phase.param_value("eval_every"))
            ticks = "epochs {}, {}, ..." if unit == "epoch" else "batches {}, {}, ... of each epoch"
            when = f"every {unit}" if every == 1 else ticks.format(every, 2 * every)
            lines[0] = (f"Call scheduler.step(val_loss) after {when} with the last validation "
                        f"metric (ReduceLROnPlateau, as Lightning's monitor, frequency {every}).")
        elif len(schedule.phases) == 1:
            lines[0] = ("Call scheduler.step(val_loss) after each evaluation of the "
                        "validation metric (ReduceLROnPlateau).")
        else:
            lines[0] = (f"Call scheduler.step() once per {unit}, right after optimizer.step(); "
                        "on the steps where you evaluate, pass the validation metric: "
                        "scheduler.step(val_loss) (ReduceLROnPlateau phases step only then).")
        logged = sorted({f"{p.param_value('metric_tag')} logged in {p.param_value('metric_run')}"
                         for p in schedule.phases if p.spec.simulated and p.param_value("metric_run")})
        lines.insert(1, "The preview of a ReduceLROnPlateau phase is a simulation with the "
                     + (f"{'; '.join(logged)} (the synthetic metric where a run cannot be "
                        "read); the code cannot embed a run: pass your real metric." if logged
                        else "design's synthetic validation metric.")
                     + (" The demo below steps it with simulated_val_loss(step)." if demo
                        else ""))
    if schedule.param_groups:
        lines.insert(1, f"The optimizer must have the design's {len(schedule.param_groups)} "
                     "param groups, in the order of PARAM_GROUPS.")
    return lines


def _simulation_source(schedule: Schedule) -> list[str]:
    """`simulated_val_loss(step)`: the synthetic metric the preview steps ReduceLROnPlateau
    phases with, for the demo loop (in training, pass your real validation loss)."""
    lines = ["# The synthetic validation metric the designer simulated ReduceLROnPlateau with:",
             "# (first step, steps, evaluate every, metric, noise std, noise seed) per phase.",
             "SIMULATED_METRICS = ["]
    for start, phase in zip(schedule.phase_starts(), schedule.phases):
        if not phase.spec.simulated:
            continue
        params = phase.resolved_params()
        metric = parse_expression(params["metric"]).python_source
        lines.append(f"    ({start}, {phase.steps}, {int(params['eval_every'])}, "
                     f"lambda step: {metric}, {float(params['metric_noise'])!r}, "
                     f"{int(params['noise_seed'])}),")
    lines += [
        "]",
        "_NOISE = {}",
        "",
        "",
        "def simulated_val_loss(step):",
        '    """The simulated metric after global `step`, or None where nothing is evaluated."""',
        "    for first, steps, every, metric, noise, seed in SIMULATED_METRICS:",
        "        local = step - first",
        "        if 0 <= local < steps and (local + 1) % every == 0:",
        "            rng = _NOISE.setdefault(first, random.Random(seed))",
        "            return metric(local) + noise * rng.gauss(0.0, 1.0)",
        "    return None",
    ]
    return lines


def _main_block(schedule: Schedule) -> list[str]:
    unit = "batch" if schedule.interval == "step" else "epoch"
    if schedule.param_groups:
        lines = [
            'if __name__ == "__main__":',
            "    # Print the whole curve, one line per step with the lr of every param group,",
            "    # as the designer previews it.",
            "    groups = [{\"params\": [torch.zeros(1, requires_grad=True)], \"lr\": lr}",
            "              for lr in PARAM_GROUPS.values()]",
            f"    optimizer = {optimizer_constructor(schedule, 'groups')}",
        ]
        show = '        print(", ".join(repr(group["lr"]) for group in optimizer.param_groups))'
    else:
        lines = [
            'if __name__ == "__main__":',
            "    # Print the whole curve, one lr per line, as the designer previews it.",
            "    parameter = torch.zeros(1, requires_grad=True)",
            f"    optimizer = {optimizer_constructor(schedule, '[parameter]')}",
        ]
        show = '        print(repr(optimizer.param_groups[0]["lr"]))'
    lines += [
        "    scheduler = build_scheduler(optimizer)",
        f"    for step in range(TOTAL_STEPS):  # one iteration per {unit}",
        show,
        # LBFGS's step() takes the closure that evaluates the loss; a training loop gives it.
        "        optimizer.step(lambda: 0.0)  # LBFGS's step evaluates the loss it returns"
        if schedule.optimizer.name == "LBFGS" else "        optimizer.step()",
    ]
    if not schedule.uses_simulation():
        lines.append("        scheduler.step()")
    elif len(schedule.phases) == 1:
        lines += ["        val_loss = simulated_val_loss(step)  # your validation loss here",
                  "        if val_loss is not None:",
                  "            scheduler.step(val_loss)"]
    else:
        lines.append("        scheduler.step(simulated_val_loss(step))  # your validation loss "
                     "where you evaluate")
    return lines


def _optimizer_literal(value: Any) -> str:
    if isinstance(value, tuple):
        return repr(tuple(float(v) for v in value))
    return repr(value)
