"""What a preset is made of: its knobs (values the gallery's form asks for, checked like
file values) and the `Preset` entry itself, with the knobs several presets share.

A description that names knob values is a function of them, so it keeps saying what the
knobs say ("at epochs 40 and 80" once the milestones are 40 and 80).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from designer.core.schedule.catalog import FLOAT, INT, ParamSpec
from designer.core.schedule.checks import check_design
from designer.core.schedule.kinds import check_value
from designer.core.schedule.model import MAX_TOTAL_STEPS, Schedule, ScheduleError

MIN_LR = 1e-9


@dataclass(frozen=True)
class Knob:
    """One value a preset asks for.

    Attributes
    ----------
    name : keyword of the preset's build function (and the error's field).
    label : what the dialog's form calls it.
    kind : FLOAT, INT, CHOICE or INT_LIST (the catalog's kinds, so the inspector's editors
        and the file format's checks apply unchanged).
    default, minimum, maximum, exclusive_min, exclusive_max, choices : as in `ParamSpec`.
    help : one line for tooltips.
    """

    name: str
    label: str
    kind: str
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    exclusive_min: bool = False
    exclusive_max: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""

    @property
    def spec(self) -> ParamSpec:
        """The knob as a catalog parameter: what editors and `check_value` understand."""
        return ParamSpec(self.name, self.kind, self.default, self.minimum, self.maximum,
                         self.exclusive_min, self.exclusive_max, self.choices, help=self.help)

    def check(self, value: Any) -> Any:
        """The normalized value (ints as floats for FLOAT knobs, tuples for lists)."""
        return check_value(self.spec, value, self.name)


@dataclass(frozen=True)
class Preset:
    """A gallery entry. `build(**knobs)` fills omitted knobs with their defaults.

    `text` is the description, or a function of the knob values that gives it (for a
    description that names them: "at epochs 30, 60 and 90").
    """

    key: str
    title: str
    text: str | Callable[..., str] = field(repr=False)
    knobs: tuple[Knob, ...] = field(repr=False)
    make: Callable[..., Schedule] = field(repr=False)

    def knob(self, name: str) -> Knob:
        return next(k for k in self.knobs if k.name == name)

    def defaults(self) -> dict[str, Any]:
        return {k.name: k.default for k in self.knobs}

    @property
    def description(self) -> str:
        """The description of the preset with its default knobs."""
        return self.describe()

    def describe(self, **values: Any) -> str:
        """The description for these knob values (omitted ones take their defaults)."""
        if isinstance(self.text, str):
            return self.text
        return self.text(**self._checked(values))

    def build(self, **values: Any) -> Schedule:
        """The design for these knob values (omitted ones take their defaults), checked as
        a loaded file is (`checks.check_design`): a combination the preset's own rules let
        through is refused here, naming the phase's field."""
        schedule = self.make(**self._checked(values))
        check_design(schedule)
        return schedule

    def _checked(self, values: dict[str, Any]) -> dict[str, Any]:
        names = {k.name for k in self.knobs}
        for name in values:
            if name not in names:
                raise ScheduleError(name, f"is not a knob of the {self.title} preset")
        return {k.name: k.check(values.get(k.name, k.default)) for k in self.knobs}


# Knobs several presets share ----------------------------------------------------------------

def total_steps_knob(default: int, minimum: int = 10) -> Knob:
    return Knob("total_steps", "Total steps", INT, default, minimum, MAX_TOTAL_STEPS,
                help="optimizer steps of the whole run (scheduler.step() after each batch)")


def epochs_knob(default: int) -> Knob:
    return Knob("epochs", "Epochs", INT, default, 2, 100_000,
                help="epochs of the whole run (scheduler.step() after each epoch)")


def lr_knob(name: str, label: str, default: float, help: str) -> Knob:
    # Below 1e-9 a warmup's first steps would underflow towards subnormal floats.
    return Knob(name, label, FLOAT, default, MIN_LR, 10.0, help=help)


def peak_lr_knob(default: float) -> Knob:
    return lr_knob("peak_lr", "Peak lr", default, "the highest lr, reached when the warmup ends")


def warmup_fraction_knob(default: float) -> Knob:
    return Knob("warmup_fraction", "Warmup fraction", FLOAT, default, 0.0, 0.5,
                help="share of the steps spent warming up linearly from zero")


def warmup_steps_knob(default: int, minimum: int = 0) -> Knob:
    return Knob("warmup_steps", "Warmup steps", INT, default, minimum, MAX_TOTAL_STEPS,
                help="steps of the linear warmup; the peak lr is reached right after them")


def min_lr_ratio_knob(default: float) -> Knob:
    return Knob("min_lr_ratio", "Min lr ratio", FLOAT, default, 0.0, 1.0, exclusive_max=True,
                help="the final lr as a fraction of the peak lr (0.1 ends at 10%)")
