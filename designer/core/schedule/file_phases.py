"""The file format's phases: reading one (plain or chained) with errors naming the field,
and writing one normalized, for `designer.core.schedule.fileformat`.

A plain phase is ``{"scheduler", "steps", "start", "params"}``; a chained phase (format
version 5) is ``{"scheduler": "ChainedScheduler", "steps", "start", "members": [{"scheduler",
"params"}, ...]}`` with no "params" of its own. Member params are checked by the same
`checks.check_params` as a phase's (``phases[1].members[0].params.gamma``).
"""

from __future__ import annotations

from typing import Any

from designer.core.schedule.catalog import CHAINED, MAX_MEMBERS, SCHEDULERS
from designer.core.schedule.checks import (
    check_member_scheduler,
    check_params,
    check_start,
    did_you_mean,
    not_one_of,
)
from designer.core.schedule.file_training import steps_from_doc
from designer.core.schedule.json_document import key_path
from designer.core.schedule.lengths import length_to_json
from designer.core.schedule.model import RESTART, Member, Phase, ScheduleError

PHASE_KEYS = ("scheduler", "steps", "start", "params", "members")
MEMBER_KEYS = ("scheduler", "params")

# Schedulers people reach for that cannot be timeline phases, and why.
_NOT_PHASES = {
    "SequentialLR": "SequentialLR is what the timeline builds: put each of its schedulers "
                    "on the timeline as a phase",
}


def phase_from_doc(doc: Any, path: str) -> Phase:
    """A phase as written; the `Schedule` resolves its length, then it is checked."""
    expect_object(doc, path, "must be an object with scheduler and steps")
    check_keys(doc, PHASE_KEYS, path)
    scheduler = doc.get("scheduler")
    if scheduler != CHAINED and (not isinstance(scheduler, str) or scheduler not in SCHEDULERS):
        if isinstance(scheduler, str) and scheduler in _NOT_PHASES:
            raise ScheduleError(f"{path}.scheduler", _NOT_PHASES[scheduler])
        raise ScheduleError(f"{path}.scheduler",
                            not_one_of(scheduler, "a timeline scheduler",
                                       [*SCHEDULERS, CHAINED]))
    steps, length = steps_from_doc(doc.get("steps"), path)
    start = check_start(doc.get("start", RESTART), f"{path}.start")
    if scheduler == CHAINED:
        if "params" in doc:
            raise ScheduleError(f"{path}.params", "a chained phase has no params of its own: "
                                "give each member its params")
        return Phase(CHAINED, steps, {}, start, length=length,
                     members=_members(doc.get("members"), f"{path}.members"))
    if "members" in doc:
        raise ScheduleError(f"{path}.members", f"only a {CHAINED} phase has members")
    params_doc = doc.get("params", {})
    expect_object(params_doc, f"{path}.params", "must be an object")
    params = check_params(scheduler, params_doc, f"{path}.params")
    return Phase(scheduler, steps, params, start, length=length)


def _members(doc: Any, path: str) -> tuple[Member, ...]:
    if not isinstance(doc, list) or not 1 <= len(doc) <= MAX_MEMBERS:
        raise ScheduleError(path, f"must be a list of 1 to {MAX_MEMBERS} members")
    members = []
    for index, entry in enumerate(doc):
        at = f"{path}[{index}]"
        expect_object(entry, at, "must be an object with scheduler and params")
        check_keys(entry, MEMBER_KEYS, at)
        scheduler = check_member_scheduler(entry.get("scheduler"), f"{at}.scheduler")
        params_doc = entry.get("params", {})
        expect_object(params_doc, f"{at}.params", "must be an object")
        members.append(Member(scheduler, check_params(scheduler, params_doc, f"{at}.params")))
    return tuple(members)


def phase_to_dict(phase: Phase) -> dict[str, Any]:
    """A phase's normalized JSON object (a chained phase's members in order)."""
    entry: dict[str, Any] = {"scheduler": phase.scheduler,
                             "steps": length_to_json(phase.length, phase.steps)}
    if phase.start != RESTART:
        entry["start"] = phase.start
    if phase.is_chained:
        entry["members"] = [{"scheduler": member.scheduler,
                             "params": params_to_dict(member.spec, member.params)}
                            for member in phase.members]
    else:
        entry["params"] = params_to_dict(phase.spec, phase.params)
    return entry


def params_to_dict(spec: Any, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters the user set, in catalog order, as JSON values."""
    return {p.name: jsonable(params[p.name]) for p in spec.params if p.name in params}


def jsonable(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def expect_object(value: Any, path: str, message: str) -> None:
    """`value` is a JSON object without a repeated key (ScheduleError naming `path`)."""
    if not isinstance(value, dict):
        raise ScheduleError(path, message)
    duplicate = getattr(value, "duplicate", None)
    if duplicate is not None:
        raise ScheduleError(key_path(path, duplicate), "duplicate key: it appears more than "
                            "once in the same object")


def check_keys(doc: dict[str, Any], allowed: tuple[str, ...], path: str) -> None:
    """Every key of `doc` is one of `allowed` (an unknown key is usually a typo)."""
    for key in doc:
        if key not in allowed:
            raise ScheduleError(key_path(path, key), f"unknown key (expected one of "
                                f"{', '.join(allowed)})" + did_you_mean(key, allowed))
