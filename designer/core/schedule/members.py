"""The members of a chained phase, and what a phase and a member share: their parameters.

A chained phase (`Phase.scheduler == catalog.CHAINED`) runs 1 to `catalog.MAX_MEMBERS`
catalog schedulers at once through torch's `ChainedScheduler`, in order, on one optimizer:
each scheduler.step() steps every member, each multiplying the lr the ones before it left.
A `Member` is one of them: a scheduler name and the parameters the user set. Its duration
parameter (T_max, total_iters, ...) follows the phase's steps while omitted, as a plain
phase's does, which is why `resolved_params` takes the phase's steps.

`Phase.member_phases()` gives the members seen as plain phases of the chained phase's length:
the checks (`checks.check_phase`), the engine's keyword arguments and the exporter's
constructor text take it, so a member's parameters have the same one home as a phase's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from designer.core.schedule.catalog import SCHEDULERS, SchedulerSpec


@dataclass(frozen=True)
class Member:
    """One scheduler of a chained phase: its catalog name and the parameters the user set
    (never mutate `params`; use `with_param`). Per-group values work as in a phase."""

    scheduler: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def spec(self) -> SchedulerSpec:
        return SCHEDULERS[self.scheduler]

    def is_fitted(self) -> bool:
        """Whether the duration parameter follows the phase's length."""
        fit = self.spec.fit_param
        return fit is not None and fit not in self.params

    def with_param(self, name: str, value: Any) -> Member:
        """A copy with `name` set; value None removes it (back to default or fitted)."""
        return replace(self, params=with_value(self.params, name, value))

    def resolved_params(self, steps: int) -> dict[str, Any]:
        """The full torch keyword arguments in a phase of `steps` steps."""
        return resolve_params(self.spec, self.params, steps)

    def param_value(self, name: str, steps: int) -> Any:
        return self.resolved_params(steps).get(name)


def suggested_params(spec: SchedulerSpec) -> dict[str, Any]:
    """What a new phase or member starts with: its required parameters' suggested values
    (the duration parameter follows the length instead)."""
    return {p.name: p.suggested for p in spec.params
            if p.required and p.name != spec.fit_param and p.suggested is not None}


def with_value(params: dict[str, Any], name: str, value: Any) -> dict[str, Any]:
    """`params` with `name` set to `value`, or removed when `value` is None."""
    params = dict(params)
    if value is None:
        params.pop(name, None)
    else:
        params[name] = value
    return params


def resolve_params(spec: SchedulerSpec, params: dict[str, Any], steps: int) -> dict[str, Any]:
    """Torch's keyword arguments: defaults, the user's values, the fitted duration."""
    resolved: dict[str, Any] = {}
    for param in spec.params:
        if param.name in params:
            resolved[param.name] = params[param.name]
        elif param.name == spec.fit_param:
            resolved[param.name] = steps
        elif not param.required:
            resolved[param.name] = param.default
    return resolved


def regroup_params(spec: SchedulerSpec, params: dict[str, Any], old_names: tuple[str, ...],
                   new_names: tuple[str, ...]) -> dict[str, Any]:
    """Per-group values following the design's groups by name (see
    `Schedule.with_param_groups`)."""
    params = dict(params)
    for param in spec.params:
        value = params.get(param.name)
        if not param.per_group or not isinstance(value, tuple):
            continue
        by_name = dict(zip(old_names, value))
        # A renamed group keeps the value at its position; an added one takes the first.
        kept = tuple(by_name[name] if name in by_name else
                     value[index] if index < len(value) else value[0]
                     for index, name in enumerate(new_names))
        params[param.name] = kept[0] if len(set(kept)) == 1 else kept
    return params
