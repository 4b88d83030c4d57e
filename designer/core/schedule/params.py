"""What a parameter of a torch scheduler or optimizer is, for the catalogs.

A `ParamSpec` names one keyword argument: its kind (the names below; each kind's behaviour
lives in `designer.core.schedule.kinds`), torch's default, bounds and help. The scheduler
catalog (`catalog.py`) and the optimizer catalog (`optimizers.py`) are tables of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Parameter kinds; the inspector maps each kind to an editor widget.
FLOAT = "float"
INT = "int"
BOOL = "bool"
CHOICE = "choice"
INT_LIST = "int_list"
EXPRESSION = "expression"
FLOAT_PAIR = "float_pair"
PATH = "path"  # a file or folder, saved as written (relative to the design file's folder)
TEXT = "text"  # a short name: a series of a logged run

REQUIRED = object()  # torch has no default: the file must give a value


@dataclass(frozen=True)
class ParamSpec:
    """One keyword argument of a torch scheduler or optimizer.

    Attributes
    ----------
    name : torch's keyword name.
    kind : one of FLOAT, INT, BOOL, CHOICE, INT_LIST, EXPRESSION, FLOAT_PAIR, PATH, TEXT.
    default : torch's default, or REQUIRED.
    minimum, maximum : inclusive bounds unless `exclusive_min` / `exclusive_max`.
    choices : allowed values for CHOICE.
    optional : None is a valid value (torch's `step_size_down=None`).
    suggested : the value a new phase starts with when torch has no default.
    help : one line for tooltips and error messages.
    per_group : a FLOAT that torch also takes as a list with one value per param group
        (OneCycleLR's max_lr); the phase may hold a tuple of floats, one per group.
    simulation : not a torch keyword but a setting of the designer's simulation of the
        scheduler (the synthetic metric that drives ReduceLROnPlateau).
    """

    name: str
    kind: str
    default: Any = REQUIRED
    minimum: float | None = None
    maximum: float | None = None
    exclusive_min: bool = False
    exclusive_max: bool = False
    choices: tuple[str, ...] = ()
    optional: bool = False
    suggested: Any = None
    help: str = ""
    per_group: bool = False
    simulation: bool = False

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def initial_value(self) -> Any:
        """The value a freshly inserted phase shows for this parameter."""
        if self.suggested is not None:
            return self.suggested
        return None if self.required else self.default


def param_spec(name: str, kind: str, default: Any = REQUIRED, **kw: Any) -> ParamSpec:
    return ParamSpec(name, kind, default, **kw)


# Bounds several parameters share.
FACTOR = {"minimum": 0.0, "maximum": 1.0, "exclusive_min": True}
POSITIVE = {"minimum": 0.0, "exclusive_min": True}
NON_NEGATIVE = {"minimum": 0.0}
STEPS = {"minimum": 1}
