"""What the palette shows for each scheduler, computed once from real torch and bundled.

The window must be usable before torch has finished importing (it takes a second or two),
so the palette's curve thumbnails and torch docstring summaries are stepped and read from
torch by `python -m designer.core.curves.palette_data` and stored in
`designer/resources/palette.json`. A test recomputes them with the installed torch and
requires the bundled file to match exactly, so they cannot drift.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib.resources import files

import numpy as np

from designer.core.schedule.catalog import SCHEDULERS

THUMBNAIL_STEPS = 120
DATA_FILE = "palette.json"

# A phase per scheduler whose 120 steps show its typical shape (the suggested values
# where they exist; where torch's defaults would show nothing in 120 steps, values that do:
# gamma 0.5 keeps every step of a staircase visible on a linear icon).
EXAMPLE_PARAMS: dict[str, dict] = {
    "ConstantLR": {"factor": 0.5, "total_iters": 60},
    "LinearLR": {"start_factor": 0.1},
    "StepLR": {"step_size": 30, "gamma": 0.5},
    "MultiStepLR": {"milestones": (60, 90), "gamma": 0.5},
    "ExponentialLR": {"gamma": 0.97},
    "PolynomialLR": {"power": 2.0},
    "CosineAnnealingLR": {},
    "CosineAnnealingWarmRestarts": {"T_0": 40},
    "CyclicLR": {"base_lr": 0.001, "max_lr": 0.1, "step_size_up": 20},
    "OneCycleLR": {"max_lr": 0.1},
    "LambdaLR": {"lr_lambda": "min(1.0, (step + 1) / 30)"},
    "MultiplicativeLR": {"lr_lambda": "0.98"},
    # A noisy loss that flattens out: the lr halves after 5 evaluations without improvement.
    "ReduceLROnPlateau": {"metric": "0.5 + 2 * exp(-step / 10)", "metric_noise": 0.005,
                          "factor": 0.5, "patience": 5},
}


def clean_rst(text: str) -> str:
    """Strip the reStructuredText markup torch's docstrings use, keeping the words."""
    text = re.sub(r":\w+:`~?(?:[\w.]+\.)?([^`]+)`", r"\1", text)  # :class:`~torch.x.Y` -> Y
    text = re.sub(r"``([^`]+)``", r"\1", text)
    text = re.sub(r"`([^`<]+?)\s*(?:<[^>]*>)?`_{0,2}", r"\1", text)  # `title <url>`_ -> title
    return " ".join(text.split())


def compute_palette_data() -> dict:
    """Step every scheduler's example phase with real torch and read its docstring."""
    from torch.optim import lr_scheduler

    from designer.core.curves.engine import compute_curve
    from designer.core.schedule.model import Phase, Schedule

    curves, docs = {}, {}
    for name in SCHEDULERS:
        phase = Phase(name, THUMBNAIL_STEPS, dict(EXAMPLE_PARAMS.get(name, {})))
        curves[name] = compute_curve(Schedule((phase,))).tolist()
        doc = getattr(lr_scheduler, name).__doc__ or ""
        docs[name] = clean_rst(re.split(r"\n\s*\n", doc.strip(), maxsplit=1)[0])
    import torch

    return {"torch": torch.__version__, "curves": curves, "docs": docs}


@cache
def palette_data() -> dict:
    """The bundled data (torch-free)."""
    return json.loads((files("designer") / "resources" / DATA_FILE).read_text("utf-8"))


def typical_curve(name: str) -> np.ndarray:
    """The lr per step torch gives for the scheduler's representative 120-step phase."""
    return np.asarray(palette_data()["curves"][name], dtype=np.float64)


def torch_summary(name: str) -> str:
    """The first paragraph of the torch class's docstring, as plain text."""
    return palette_data()["docs"].get(name, "")


if __name__ == "__main__":
    target = files("designer") / "resources" / DATA_FILE
    with open(str(target), "w", encoding="utf-8") as handle:
        json.dump(compute_palette_data(), handle, indent=1)
        handle.write("\n")
    print(target)
