"""The inspector's parameter rows: one editor per `ParamSpec` of the scheduler being edited,
taken from the `editors.EDITORS` registry (`editors_groups.PerGroupEditor` for a per-group
parameter of a design with several param groups).

What they edit is a `ParamTarget`: the selected plain phase, or one member of the selected
chained phase. The target is the one place that knows the difference (which spec, which
values, which candidate phase the checks see, which edit a change makes), so a chained
phase's members get the very editors, checks and undo merging plain phases have.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from PySide6.QtWidgets import QFormLayout, QWidget

from designer.core.schedule import edits, member_edits
from designer.core.schedule.catalog import ParamSpec, SchedulerSpec, in_units
from designer.core.schedule.checks import check_phase
from designer.core.schedule.edits import Edit
from designer.core.schedule.model import MAX_TOTAL_STEPS, Phase, Schedule, ScheduleError
from designer.ui.inspector.editor_field import EditorField
from designer.ui.inspector.editors import OptionalEditor
from designer.ui.inspector.editors_groups import PerGroupEditor, create_param_editor

DEFAULT_OF = re.compile(r"\(default: (\w+)\)")


@dataclass(frozen=True)
class ParamTarget:
    """Whose parameters the rows edit: phase `index` itself, or its member `member` (>= 0)
    when the phase is chained."""

    index: int
    member: int = -1

    def spec(self, phase: Phase) -> SchedulerSpec:
        return phase.members[self.member].spec if self.member >= 0 else phase.spec

    def user_params(self, phase: Phase) -> dict[str, Any]:
        """The values the user set (the rest are defaults or fitted)."""
        return phase.members[self.member].params if self.member >= 0 else phase.params

    def value(self, phase: Phase, name: str) -> Any:
        """What torch gets for `name`: the user's value, the default or the fitted length."""
        if self.member >= 0:
            return phase.members[self.member].param_value(name, phase.steps)
        return phase.param_value(name)

    def with_param(self, phase: Phase, name: str, value: Any) -> Phase:
        """The phase as it would be with `name` set (None: left out)."""
        if self.member >= 0:
            return phase.with_member(self.member,
                                     phase.members[self.member].with_param(name, value))
        return phase.with_param(name, value)

    def edit(self, schedule: Schedule, name: str, value: Any, merge: bool) -> Edit | None:
        if self.member >= 0:
            return member_edits.set_member_param(schedule, self.index, self.member, name,
                                                 value, merge)
        return edits.set_param(schedule, self.index, name, value, merge)

    def prefix(self) -> str:
        """Where the target's parameters sit in the file: `members[1].params`."""
        return f"members[{self.member}].params" if self.member >= 0 else "params"


def auto_hint(spec: SchedulerSpec, param: ParamSpec) -> str:
    """What an "auto" box beside `param` stands for."""
    if param.name == spec.fit_param:
        return "= phase length"
    match = DEFAULT_OF.search(param.help)
    return f"= {match.group(1)}" if match and spec.has_param(match.group(1)) \
        else "torch's default"


def phase_problem(schedule: Schedule, index: int, candidate: Phase, field: str) -> str | None:
    """Why `candidate` may not replace phase `index` (None when it may). A problem with the
    edited `field` (`params.gamma`, `members[1].params.gamma`) is its bare message; one with
    another field names it, the whole path for a member's (`phases[0].members[0].params.x`)."""
    total = schedule.total_steps - schedule.phases[index].steps + candidate.steps
    if total > MAX_TOTAL_STEPS:
        return f"the schedule would have {total:,} steps; the limit is {MAX_TOTAL_STEPS:,}"
    try:
        check_phase(candidate, f"phases[{index}]", schedule.group_count)
    except ScheduleError as exc:
        where = exc.field.removeprefix(f"phases[{index}].")
        if where == field:
            return exc.message
        shown = exc.field if ".members[" in exc.field else where.rsplit(".", 1)[-1]
        return f"{shown} {exc.message}"
    return None


class ParamRows:
    """The parameter rows of the Phase section, rebuilt when the target's scheduler changes
    and updated in place otherwise (the field being typed in keeps its focus)."""

    def __init__(self, document, form: QFormLayout, add_row: Callable[..., EditorField],
                 remove_row: Callable[[EditorField], None]) -> None:
        self._document = document
        self._form = form
        self._add_row = add_row
        self._remove_row = remove_row
        self.target: ParamTarget | None = None
        self.editors: dict[str, QWidget] = {}
        self.fields: list[EditorField] = []

    def rebuild(self, target: ParamTarget | None, spec: SchedulerSpec | None,
                group_names: tuple[str, ...], row: int) -> None:
        """Rows for `spec`'s parameters from form row `row` on (none for None)."""
        for field in self.fields:
            self._remove_row(field)
        self.fields, self.editors, self.target = [], {}, target
        for param in spec.params if spec is not None else ():
            fitted = param.name == spec.fit_param
            editor = create_param_editor(param, group_names, optional=param.optional or fitted,
                                         auto_hint=auto_hint(spec, param))
            editor.set_check(partial(self.check, param.name))
            editor.value_edited.connect(partial(self._on_edited, param.name))
            self.editors[param.name] = editor
            self.fields.append(self._add_row(param.name, editor, param.help, row=row))
            row += 1

    def update(self, schedule: Schedule, phase: Phase) -> None:
        """Show the target's values (and its help in the design's unit)."""
        spec = self.target.spec(phase)
        for param, field in zip(spec.params, self.fields):
            tip = in_units(param.help, schedule.interval)
            field.editor.setToolTip(tip)
            self._form.labelForField(field).setToolTip(tip)
            editor = self.editors[param.name]
            if isinstance(editor, PerGroupEditor):
                editor.set_group_names(schedule.group_names())
            if isinstance(editor, OptionalEditor):
                editor.set_auto_value(self._auto_value(phase, spec, param))
                editor.set_value(self.target.user_params(phase).get(param.name))
            else:
                editor.set_value(self.target.value(phase, param.name))

    def _auto_value(self, phase: Phase, spec: SchedulerSpec, param: ParamSpec) -> Any:
        """What torch uses while the parameter is left out, shown greyed in its editor."""
        if param.name == spec.fit_param:
            return phase.steps
        # The catalog words a default that follows another parameter as "(default: name)".
        match = DEFAULT_OF.search(param.help)
        if match and spec.has_param(match.group(1)):
            return self.target.value(phase, match.group(1))
        return None if param.required else param.default

    def _phase(self) -> Phase | None:
        phases, target = self._document.schedule.phases, self.target
        if target is None or not 0 <= target.index < len(phases):
            return None
        phase = phases[target.index]
        if target.member >= len(phase.members):
            return None  # the member was just removed; the rows follow on the next update
        return phase

    def check(self, name: str, value: Any) -> str | None:
        """Why `value` may not be the target's `name` (None when it may)."""
        phase = self._phase()
        if phase is None:
            return "no phase selected"
        candidate = self.target.with_param(phase, name, value)
        return phase_problem(self._document.schedule, self.target.index, candidate,
                             f"{self.target.prefix()}.{name}")

    def _on_edited(self, name: str, value: Any) -> None:
        phase = self._phase()
        if (phase is None or not self.target.spec(phase).has_param(name)
                or self.check(name, value)):
            return
        editor = self.editors.get(name)
        merge = editor is None or editor.merges
        self._document.apply(self.target.edit(self._document.schedule, name, value, merge))
