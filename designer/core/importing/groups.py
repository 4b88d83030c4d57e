"""The optimizer a snippet builds, and its param groups (`designer.core.importing.python`).

`torch.optim.AdamW([{"params": model.backbone.parameters(), "lr": 1e-4},
{"params": model.head.parameters()}], lr=1e-3)` becomes the design's optimizer (AdamW with
lr 1e-3) and its param groups, named after what their "params" are called in the snippet
(backbone, head; else group_0, group_1, ...), each with its own lr or else the optimizer's.
An optimizer with one group gives a design without param groups, as before groups existed.
"""

from __future__ import annotations

import keyword
import re
from typing import Any

from designer.core.importing.folding import optimizer_arguments
from designer.core.importing.reader import GroupParams, OptimizerCall, Unknown
from designer.core.importing.signatures import OPTIMIZER_POSITIONAL
from designer.core.schedule.catalog import OPTIMIZERS
from designer.core.schedule.kinds import check_number, check_value
from designer.core.schedule.model import MAX_GROUPS, OptimizerConfig, ParamGroup, ScheduleError

_MISSING_LR = object()
_LR_NEUTRAL = ("foreach", "fused", "capturable", "differentiable")  # do not change the lr
_NAME_LENGTH = 40  # fileformat's group names: [A-Za-z_][A-Za-z0-9_]{0,39}


class OptimizerReader:
    """The optimizer part of `_Assembler` (which provides `problem` and `note`). After
    `optimizer()`, `param_groups` holds the design's groups (empty: the optimizer has one)."""

    param_groups: tuple[ParamGroup, ...] = ()

    def optimizer(self, call: Any, line: int) -> OptimizerConfig:
        self.param_groups = ()
        if not isinstance(call, OptimizerCall):
            why = call.why if isinstance(call, Unknown) else "it is not a torch optimizer"
            self.problem(line, f"the optimizer is not built in the snippet ({why}); the "
                         "design assumes SGD with lr 0.1")
            return OptimizerConfig()
        name, given = self._optimizer_arguments(call)
        groups = self._group_dicts(given.pop("params", None), call.line)
        lr = given.pop("lr", _MISSING_LR)
        if lr is _MISSING_LR:
            lr = OPTIMIZERS[name].default_lr
            if any("lr" not in group for group in groups):
                self.note(call.line, f"{name} has no lr in the snippet: torch's default {lr!r}")
        try:
            if isinstance(lr, Unknown):
                raise ScheduleError("lr", lr.why)
            lr = check_number(lr, "lr", 0.0, None, True)
        except ScheduleError as exc:
            self.problem(call.line, f"the optimizer's lr: {exc.message}; the design assumes 0.1")
            lr = 0.1
        if len(groups) == 1:
            lr = self._only_group_lr(groups[0], lr, call.line)
            self._group_keys(groups[0], "", call.line)
        else:
            self.param_groups = self._groups(groups, lr, call.line)
        return OptimizerConfig(name, lr, self._optimizer_params(name, given, call.line))

    def _optimizer_arguments(self, call: OptimizerCall) -> tuple[str, dict[str, Any]]:
        """The optimizer's catalog name and its arguments by torch's names; one the
        designer does not support becomes SGD with the same params and lr."""
        if call.name in OPTIMIZERS:
            if len(call.args) > 1 + len(OPTIMIZER_POSITIONAL[call.name]):
                self.problem(call.line, f"{call.name} got more positional arguments than "
                             "torch takes")
            return call.name, optimizer_arguments(call)
        self.problem(call.line, f"{call.name} is not an optimizer the designer supports; the "
                     "design uses SGD with the same lr")
        given = dict(zip(("params", "lr"), call.args))
        given.update({k: v for k, v in call.kwargs.items() if k in ("params", "lr")})
        return "SGD", given

    def _optimizer_params(self, name: str, given: dict[str, Any], line: int) -> dict[str, Any]:
        spec = OPTIMIZERS[name]
        params = {}
        for key, value in given.items():
            param = spec.param(key)
            if param is None:
                if key not in _LR_NEUTRAL:
                    self.note(line, f"{name}'s `{key}` is not part of the design")
                continue
            if isinstance(value, Unknown):
                self.problem(line, f"{name}'s {key}: {value.why}")
                continue
            try:
                value = check_value(param, value, key)
                if value is not None:
                    params[key] = value
            except ScheduleError as exc:
                self.problem(line, f"{name}'s {exc}")
        return params

    def _only_group_lr(self, group: dict[str, Any], optimizer_lr: float, line: int) -> float:
        """The lr of an optimizer's only group, the design's optimizer lr."""
        lr = self._group_lr(group, "", optimizer_lr, line)
        if lr == 0:
            self.problem(line, "the only param group's lr is 0, so nothing trains; the design "
                         f"uses the optimizer's lr {optimizer_lr!r}")
            return optimizer_lr
        return lr

    def _group_dicts(self, params: Any, line: int) -> list[dict[str, Any]]:
        """The param group dicts of the optimizer's `params`; one empty dict for plain
        parameters (`model.parameters()`) or anything only the running script knows."""
        if not (isinstance(params, list) and params and isinstance(params[0], dict)):
            return [{}]
        groups = [group for group in params if isinstance(group, dict)]
        if len(groups) < len(params):
            self.problem(line, "the optimizer's params mix param group dicts with other "
                         "items, which torch refuses; the design has the dicts' groups")
        if len(groups) > MAX_GROUPS:
            self.problem(line, f"the optimizer has {len(groups)} param groups, more than the "
                         f"designer's {MAX_GROUPS}; the design follows the first one")
            return groups[:1]
        return groups

    def _groups(self, groups: list[dict[str, Any]], optimizer_lr: float,
                line: int) -> tuple[ParamGroup, ...]:
        names = _unique([_group_name(group) for group in groups])
        result = []
        for group, name in zip(groups, names):
            lr = self._group_lr(group, name, optimizer_lr, line)
            self._group_keys(group, name, line)
            result.append(ParamGroup(name, lr=lr))
        described = ", ".join(f"{group.name} (lr {group.lr!r})" for group in result)
        self.note(line, f"the optimizer's {len(result)} param groups are the design's: "
                  f"{described}")
        return tuple(result)

    def _group_lr(self, group: dict[str, Any], name: str, optimizer_lr: float,
                  line: int) -> float:
        """A group's own lr, else the optimizer's (torch's rule)."""
        lr = group.get("lr", optimizer_lr)
        whose = f"param group {name}'s lr" if name else "the param group's lr"
        try:
            if isinstance(lr, Unknown):
                raise ScheduleError("lr", lr.why)
            # 0 freezes the group (a backbone that does not train), as torch allows.
            return check_number(lr, "lr", 0.0, None)
        except ScheduleError as exc:
            self.problem(line, f"{whose}: {exc.message}; the design uses the optimizer's "
                         f"lr {optimizer_lr!r}")
            return optimizer_lr

    def _group_keys(self, group: dict[str, Any], name: str, line: int) -> None:
        """Report what a group dict sets besides its params and lr."""
        whose = f"param group {name}" if name else "the param group"
        if "initial_lr" in group:
            # LRScheduler's constructor only sets initial_lr where the group has none, and
            # schedulers start from initial_lr, so the snippet's curve starts from it.
            self.problem(line, f"{whose} sets initial_lr, which torch's schedulers start "
                         "from; the design starts from the group's lr")
        others = [key for key in group if key not in ("params", "lr", "name", "initial_lr")]
        if others:
            it = "it" if len(others) == 1 else "them"
            self.note(line, f"{whose} sets its own {', '.join(others)}, which the design does "
                      f"not hold (its optimizer settings apply to every group); the lr does not "
                      f"depend on {it}")


def _group_name(group: dict[str, Any]) -> str:
    """What the snippet calls a group: its "name" entry, else what its params are called."""
    if isinstance(group.get("name"), str):
        return _valid_name(group["name"])
    params = group.get("params")
    if not isinstance(params, GroupParams) or params.name == "self":
        return ""  # a LightningModule's self.parameters() says nothing about the group
    return _valid_name(params.name)


def _valid_name(text: str) -> str:
    """`text` as a valid group name ("" when nothing of it is usable)."""
    text = re.sub(r"[^A-Za-z0-9_]", "_", text)
    if text[:1].isdigit():
        text = "_" + text
    text = text[:_NAME_LENGTH]
    if keyword.iskeyword(text):
        text += "_"
    return text if text.strip("_") else ""


def _unique(names: list[str]) -> list[str]:
    """The names, unnamed ones as group_<index>, repeated ones with a _2, _3, ... suffix."""
    taken: list[str] = []
    for index, name in enumerate(names):
        name = name or f"group_{index}"
        if name in taken:
            number = 2
            while f"{name[:_NAME_LENGTH - 4]}_{number}" in taken:
                number += 1
            name = f"{name[:_NAME_LENGTH - 4]}_{number}"
        taken.append(name)
    return taken
