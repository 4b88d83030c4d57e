"""The undoable edits of chained phases (`catalog.CHAINED`): chain a plain phase with
another scheduler, add, remove, move and change members, set a member's parameter, and
unchain a phase that has one member left. Each returns an `edits.Edit` (None when there is
nothing to change) as every edit of `designer.core.schedule.edits` does; the views hand it
to `Document.apply`. Members are addressed by the phase's index and their own.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from designer.core.schedule.catalog import CHAINED, MAX_MEMBERS, SCHEDULERS, chainable
from designer.core.schedule.edits import Edit
from designer.core.schedule.kinds import check_value
from designer.core.schedule.model import Member, Phase, Schedule, ScheduleError, new_member


def _chained(schedule: Schedule, index: int) -> Phase | None:
    if not 0 <= index < len(schedule.phases) or not schedule.phases[index].is_chained:
        return None
    return schedule.phases[index]


def _with_members(schedule: Schedule, index: int, members: list[Member]) -> Schedule:
    return schedule.replace_phase(index, replace(schedule.phases[index],
                                                 members=tuple(members)))


def chain_with(schedule: Schedule, index: int, scheduler: str) -> Edit | None:
    """Phase `index` run together with a new `scheduler` member ("Chain with …"): a plain
    phase becomes a chained one whose first member is its scheduler and params (steps,
    start and length stay the phase's); a chained phase gets the member appended. None when
    either scheduler cannot be chained or the phase has MAX_MEMBERS members already."""
    if not 0 <= index < len(schedule.phases) or not chainable(scheduler):
        return None
    phase = schedule.phases[index]
    if phase.is_chained:
        return add_member(schedule, index, scheduler)
    if not chainable(phase.scheduler):
        return None
    members = (Member(phase.scheduler, dict(phase.params)), new_member(scheduler))
    chained = replace(phase, scheduler=CHAINED, params={}, members=members)
    return Edit(f"Chain {phase.scheduler} with {scheduler}",
                schedule.replace_phase(index, chained), select=index)


def add_member(schedule: Schedule, index: int, scheduler: str,
               at: int | None = None) -> Edit | None:
    """A new `scheduler` member of chained phase `index` at position `at` (last: None)."""
    phase = _chained(schedule, index)
    if phase is None or not chainable(scheduler) or len(phase.members) >= MAX_MEMBERS:
        return None
    members = list(phase.members)
    members.insert(len(members) if at is None else max(0, min(at, len(members))),
                   new_member(scheduler))
    return Edit(f"Add {scheduler} to chain", _with_members(schedule, index, members),
                select=index)


def remove_member(schedule: Schedule, index: int, member: int) -> Edit | None:
    """Member `member` of chained phase `index` removed; the last member stays (unchain
    the phase instead)."""
    phase = _chained(schedule, index)
    if phase is None or not 0 <= member < len(phase.members) or len(phase.members) == 1:
        return None
    members = list(phase.members)
    removed = members.pop(member)
    return Edit(f"Remove {removed.scheduler} from chain",
                _with_members(schedule, index, members), select=index)


def move_member(schedule: Schedule, index: int, source: int, target: int) -> Edit | None:
    """Member `source` of chained phase `index` moved to position `target` (the order
    matters: each member multiplies the lr the ones before it left)."""
    phase = _chained(schedule, index)
    count = len(phase.members) if phase is not None else 0
    if phase is None or source == target or not 0 <= source < count or not 0 <= target < count:
        return None
    members = list(phase.members)
    moved = members.pop(source)
    members.insert(target, moved)
    return Edit(f"Move {moved.scheduler} in chain", _with_members(schedule, index, members),
                select=index)


def set_member_param(schedule: Schedule, index: int, member: int, name: str, value: Any,
                     merge: bool = True) -> Edit | None:
    """Parameter `name` of member `member` of chained phase `index` set to a checked
    `value`; None leaves it out (for the duration parameter: follow the phase, "Fit").
    With `merge`, edits of the parameter in a row are one undo step, as `edits.set_param`."""
    phase = _chained(schedule, index)
    if phase is None or not 0 <= member < len(phase.members):
        return None
    current = phase.members[member]
    verb = "Fit" if value is None and name == current.spec.fit_param else "Set"
    changed = phase.with_member(member, current.with_param(name, value))
    return Edit(f"{verb} {current.scheduler} {name}", schedule.replace_phase(index, changed),
                merge_key=("member_param", index, member, name) if merge else None)


def change_member_scheduler(schedule: Schedule, index: int, member: int,
                            scheduler: str) -> Edit | None:
    """Member `member` of chained phase `index` made a `scheduler` member: the values of the
    parameters both schedulers have and the new one accepts are kept, required ones the new
    scheduler has get their suggested values."""
    phase = _chained(schedule, index)
    if (phase is None or not 0 <= member < len(phase.members) or not chainable(scheduler)
            or phase.members[member].scheduler == scheduler):
        return None
    fresh = new_member(scheduler)
    params = dict(fresh.params)
    spec = SCHEDULERS[scheduler]
    for name, value in phase.members[member].params.items():
        if spec.has_param(name):
            try:
                kept = check_value(spec.param(name), value, name)
            except ScheduleError:
                continue  # out of the new scheduler's bounds: its default applies
            if kept is not None:
                params[name] = value
    changed = phase.with_member(member, Member(scheduler, params))
    return Edit(f"Change {phase.members[member].scheduler} to {scheduler}",
                schedule.replace_phase(index, changed), select=index)


def unchain(schedule: Schedule, index: int) -> Edit | None:
    """Chained phase `index` with one member left made that member's plain phase (steps,
    start and length kept)."""
    phase = _chained(schedule, index)
    if phase is None or len(phase.members) != 1:
        return None
    only = phase.members[0]
    plain = replace(phase, scheduler=only.scheduler, params=dict(only.params), members=())
    return Edit(f"Unchain {only.scheduler}", schedule.replace_phase(index, plain),
                select=index)
