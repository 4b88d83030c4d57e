"""The checks a design passes where it enters: one home for every rule beyond a single value.

A single value is checked by its parameter kind (`designer.core.schedule.kinds`). The rules
here check what kinds cannot see alone: a phase's parameters against its scheduler (which
exist, which are required), a phase's values against each other and its length (what torch
would only refuse mid-training), a param group's name and lr, and the base lrs of a design.

They are called where a value enters: the file loader (`fileformat`), the window's editors
(the inspector, the group editor), the importer, the preset gallery, and the curve worker
for the designs the window hands it (a timeline drag can leave a OneCycleLR phase longer
than its total_steps). The engine then trusts a checked `Schedule`: it only turns what torch
itself raises into a message naming the field.

Every check raises `ScheduleError`, whose message names the field as the file has it
(``phases[1].params.total_steps: must be at least ...``).
"""

from __future__ import annotations

import difflib
import keyword
import math
import re
from typing import Any

from designer.core.schedule.catalog import CHAINED, MAX_MEMBERS, SCHEDULERS, chainable
from designer.core.schedule.json_document import key_path
from designer.core.schedule.kinds import check_number, check_value, is_int
from designer.core.schedule.lengths import LengthError, resolve_steps
from designer.core.schedule.model import (
    CONTINUE,
    MAX_TOTAL_STEPS,
    RESTART,
    ParamGroup,
    Phase,
    Schedule,
    ScheduleError,
)

GROUP_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}\Z")


def check_design(schedule: Schedule) -> None:
    """The rules of a whole design beyond its single values: every param group's base lr,
    then every phase (`check_phase`), in file order, then the phases' proportional lengths
    (`check_lengths`). Pins are designs of their own."""
    check_base_lrs(schedule)
    for index, phase in enumerate(schedule.phases):
        check_phase(phase, f"phases[{index}]", schedule.group_count)
    check_lengths(schedule)


def check_lengths(schedule: Schedule) -> None:
    """The phases' proportional lengths resolve against the training setup, with a step
    left for a "rest" phase (an edited design keeps 1 step there, which a file refuses)."""
    try:
        resolve_steps([phase.length for phase in schedule.phases],
                      [phase.steps for phase in schedule.phases], schedule.training,
                      schedule.interval)
    except LengthError as exc:
        raise ScheduleError(exc.field, exc.message) from None


def check_base_lrs(schedule: Schedule) -> None:
    """Every param group's base lr is a finite number (an lr_scale times the optimizer's lr
    can overflow)."""
    for index, (group, lr) in enumerate(zip(schedule.param_groups, schedule.base_lrs())):
        if not math.isfinite(lr):
            raise ScheduleError(f"param_groups[{index}].lr_scale", f"{group.lr_scale!r} times "
                                f"the optimizer's lr {schedule.optimizer.lr!r} is not a finite "
                                "number")
    if len(schedule.param_groups) > 1 and schedule.base_lrs()[0] == 0:
        # An explicit start lr is the first group's; the others keep their ratio to it.
        for index, phase in enumerate(schedule.phases):
            if phase.start not in (RESTART, CONTINUE):
                raise ScheduleError(f"phases[{index}].start", "an explicit start lr scales "
                                    "the other param groups by their ratio to the first "
                                    "group's lr, which is 0: start the phase with restart or "
                                    "continue, or put a group that trains first")


def check_phase(phase: Phase, path: str, group_count: int = 1) -> None:
    """Cross-parameter rules torch would only enforce mid-training.

    A phase of N steps is checked as torch steps it in a training loop: N scheduler.step()
    calls, the last one after the phase's last step (the engine makes that call too).
    Per-group values must have one value per param group of the design. A chained
    phase's members are checked as plain phases of its length (`phases[2].members[1]`).
    """
    # The loader checked this already; the window's edits (a resize) come here directly.
    if not is_int(phase.steps) or not 1 <= phase.steps <= MAX_TOTAL_STEPS:
        raise ScheduleError(f"{path}.steps", f"must be a positive integer of at most "
                            f"{MAX_TOTAL_STEPS:,}")
    if phase.is_chained:
        check_members(phase, path, group_count)
        return
    for name, value in phase.params.items():
        if isinstance(value, tuple) and phase.spec.param(name).per_group and (
                len(value) != group_count):
            groups = "group" if group_count == 1 else "groups"
            raise ScheduleError(f"{path}.params.{name}", f"has {len(value)} values, one per "
                                f"param group, but the design has {group_count} param {groups}")
    if phase.scheduler == "OneCycleLR":
        total = phase.param_value("total_steps")
        if total < phase.steps:
            raise ScheduleError(f"{path}.params.total_steps", f"must be at least the phase's "
                                f"{phase.steps} steps: torch's OneCycleLR raises when stepped "
                                f"past total_steps")
        problem = one_cycle_zero_length(phase)
        if problem:
            raise ScheduleError(f"{path}.params.pct_start", problem)


def check_members(phase: Phase, path: str, group_count: int = 1) -> None:
    """A chained phase: 1 to MAX_MEMBERS chainable members, each checked by `check_phase`
    as a plain phase of the chained phase's length, and no parameters of its own."""
    if phase.params:
        raise ScheduleError(f"{path}.params", "a chained phase has no params of its own: "
                            "each member has its params")
    if not 1 <= len(phase.members) <= MAX_MEMBERS:
        raise ScheduleError(f"{path}.members", f"must be a list of 1 to {MAX_MEMBERS} members")
    for index, member in enumerate(phase.members):
        check_member_scheduler(member.scheduler, f"{path}.members[{index}].scheduler")
    for index, member in enumerate(phase.member_phases()):
        check_phase(member, f"{path}.members[{index}]", group_count)


def check_member_scheduler(scheduler: Any, path: str) -> str:
    """A member's scheduler: a catalog scheduler torch's ChainedScheduler can run."""
    if isinstance(scheduler, str) and scheduler in SCHEDULERS and not chainable(scheduler):
        raise ScheduleError(path, f"{scheduler} cannot be chained: torch's ChainedScheduler "
                            "steps its members without a metric")
    if scheduler == CHAINED:
        raise ScheduleError(path, "a member cannot be a chained phase itself: put its "
                            "schedulers in this phase's members")
    if not isinstance(scheduler, str) or scheduler not in SCHEDULERS:
        raise ScheduleError(path, not_one_of(scheduler, "a scheduler that can be chained",
                                             [n for n in SCHEDULERS if chainable(n)]))
    return scheduler


def one_cycle_zero_length(phase: Phase) -> str | None:
    """Torch's OneCycleLR divides by the length of the part of its cycle a step falls in;
    a zero-length part it reaches is a ZeroDivisionError mid-training."""
    total = phase.param_value("total_steps")
    pct = float(phase.param_value("pct_start"))
    # The part boundaries exactly as torch computes them (OneCycleLR.__init__).
    ends = [float(pct * total) - 1]
    if phase.param_value("three_phase"):
        ends.append(float(2 * pct * total) - 2)
    ends.append(total - 1)
    if ends[0] == 0:
        return (f"pct_start × total_steps = {pct!r} × {total} = 1 makes OneCycleLR's "
                "warm-up zero steps long, and torch divides by that length at step 0; "
                "choose another pct_start")
    if ends[-1] == ends[-2] and phase.steps > ends[-2]:
        return (f"pct_start {pct!r} with total_steps {total} makes OneCycleLR's last part "
                "zero steps long, and torch divides by that length at step "
                f"{phase.steps} (the scheduler.step() that ends the phase); choose a smaller "
                "pct_start or a larger total_steps")
    return None


def check_start(value: Any, path: str) -> str | float:
    """A phase's start: "restart", "continue" or an explicit start lr > 0."""
    if value in (RESTART, CONTINUE):
        return value
    if isinstance(value, str) or value is None:
        raise ScheduleError(path, 'must be "restart", "continue" or a start lr > 0')
    return check_number(value, path, minimum=0.0, exclusive_min=True)


def check_params(scheduler: str, params_doc: dict[str, Any], path: str) -> dict[str, Any]:
    """Validate a phase's params object; returns the values in catalog order."""
    spec = SCHEDULERS[scheduler]
    for key in params_doc:
        if not spec.has_param(key):
            known = [p.name for p in spec.params]
            raise ScheduleError(key_path(path, key), f"not a parameter of {scheduler} "
                                f"(known: {', '.join(known)})" + did_you_mean(key, known))
    params = {}
    for param in spec.params:
        if param.name in params_doc:
            value = params_doc[param.name]
            if value is None and param.optional:
                continue  # null is torch's own default here (step_size_down=None)
            params[param.name] = check_value(param, value, f"{path}.{param.name}")
        elif param.required and param.name != spec.fit_param:
            raise ScheduleError(f"{path}.{param.name}", f"missing; {scheduler} has no "
                                f"default for it ({param.help})")
    return params


def check_group(name: Any, lr: Any, lr_scale: Any, path: str,
                taken: tuple[str, ...] | list[str] = ()) -> ParamGroup:
    """One param group's values, checked (the loader's and the window's group editor's)."""
    if not isinstance(name, str) or not GROUP_NAME.match(name) or keyword.iskeyword(name):
        raise ScheduleError(f"{path}.name", "must be a name of letters, digits and _ "
                            "(at most 40, not starting with a digit, not a Python keyword), "
                            "e.g. backbone")
    if name in taken:
        raise ScheduleError(f"{path}.name", f"{name!r} names another group already")
    if (lr is None) == (lr_scale is None):
        raise ScheduleError(path, "give the group either an lr or an lr_scale (a multiple "
                            "of the optimizer's lr), not both")
    if lr is not None:
        # 0 is a frozen group (a backbone that does not train), as torch allows.
        return ParamGroup(name, lr=check_number(lr, f"{path}.lr", minimum=0.0))
    return ParamGroup(name, lr_scale=check_number(lr_scale, f"{path}.lr_scale", minimum=0.0,
                                                  exclusive_min=True))


# How a refusal echoes what the user gave -----------------------------------------------------

def shown_value(value: Any, limit: int = 40) -> str:
    """A value from the user as a message echoes it: repr() of text (quoted, escapes
    visible), str() of anything else, cut to `limit` characters (a 4,000-digit version is
    not a message)."""
    try:
        return cut_text(repr(value) if isinstance(value, str) else str(value), limit)
    except ValueError:  # an int past Python's 4,300-digit str() limit
        return "a number with too many digits"


def cut_text(text: str, limit: int = 40) -> str:
    """`text`, or its first `limit` - 1 characters and "…"."""
    return text if len(text) <= limit else text[:limit - 1] + "…"


def not_one_of(value: Any, what: str, options: Any) -> str:
    """The message for a name the user gave (or left out) that is none of `options`."""
    listed = ", ".join(options)
    if value is None:
        return f"missing; give one of {listed}"
    return (f"{shown_value(value)} is not {what}; one of {listed}"
            + did_you_mean(value, options))


def did_you_mean(word: Any, options: Any) -> str:
    """"; did you mean 'gamma'?" when one of `options` is close to `word`, else ""."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(options), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""
