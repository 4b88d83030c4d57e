"""Schedule files that make the frozen app run every scheduler and every optimizer.

The examples use only some of torch's schedulers. These designs (in the documented file
format, not through the designer's API, so they test the file path too) add one phase of
each of the thirteen schedulers under SGD and Adam, and a short design for each of the other
optimizers. The spec steps them once at build time to learn which torch modules the app
imports; the smoke test exports them from the frozen app and from the source install and
requires identical CSVs.
"""

from __future__ import annotations

import json
from pathlib import Path

FORMAT = {"format": "lr-schedule-designer", "version": 1}

EVERY_SCHEDULER = [
    {"scheduler": "ConstantLR", "steps": 40, "params": {"factor": 0.5}},
    {"scheduler": "LinearLR", "steps": 40, "params": {"start_factor": 0.1}},
    {"scheduler": "StepLR", "steps": 40, "params": {"step_size": 10, "gamma": 0.5}},
    {"scheduler": "MultiStepLR", "steps": 40, "params": {"milestones": [10, 25]}},
    {"scheduler": "ExponentialLR", "steps": 40, "start": "continue", "params": {"gamma": 0.97}},
    {"scheduler": "PolynomialLR", "steps": 40, "params": {"power": 2.0}},
    {"scheduler": "CosineAnnealingLR", "steps": 40, "start": 0.05, "params": {"eta_min": 1e-4}},
    {"scheduler": "CosineAnnealingWarmRestarts", "steps": 60, "params": {"T_0": 20, "T_mult": 2}},
    {"scheduler": "CyclicLR", "steps": 60,
     "params": {"base_lr": 0.001, "max_lr": 0.1, "step_size_up": 10, "mode": "exp_range",
                "gamma": 0.99}},
    {"scheduler": "OneCycleLR", "steps": 60,
     "params": {"max_lr": 0.1, "anneal_strategy": "linear", "three_phase": True}},
    {"scheduler": "LambdaLR", "steps": 40,
     "params": {"lr_lambda": "min(1.0, (step + 1) / 10) * math.cos(step / 80 * pi)"}},
    {"scheduler": "MultiplicativeLR", "steps": 40, "params": {"lr_lambda": "0.98"}},
    {"scheduler": "ReduceLROnPlateau", "steps": 40,
     "params": {"metric": "1 / (1 + step)", "metric_noise": 0.01, "patience": 2}},
]

OPTIMIZERS = {
    "SGD": {"momentum": 0.9, "nesterov": True, "weight_decay": 5e-4},
    "Adam": {"betas": [0.9, 0.95]},
    "AdamW": {},
    "RMSprop": {"momentum": 0.5},
    "Adagrad": {},
    "Adamax": {},
    "NAdam": {},
    "RAdam": {"decoupled_weight_decay": True},
    "Adadelta": {"rho": 0.95},
    "ASGD": {"t0": 100.0},
    "Adafactor": {"beta2_decay": -0.5},
    "LBFGS": {"history_size": 10, "line_search_fn": "strong_wolfe"},
    "Rprop": {"etas": [0.4, 1.3]},
    "SparseAdam": {},
}


def designs() -> dict[str, dict]:
    """File name -> design. Schedulers that cycle momentum need SGD's momentum or Adam's betas."""
    out = {}
    for name in ("SGD", "Adam"):
        out[f"every-scheduler-{name.lower()}.json"] = {
            **FORMAT, "name": f"Every scheduler under {name}",
            "optimizer": {"name": name, "lr": 0.1, "params": OPTIMIZERS[name]},
            "interval": "step", "steps_per_epoch": 40, "phases": EVERY_SCHEDULER,
        }
    for name, params in OPTIMIZERS.items():
        if name in ("SGD", "Adam"):
            continue
        out[f"optimizer-{name.lower()}.json"] = {
            **FORMAT, "name": f"{name} with a warmup and a cosine",
            "optimizer": {"name": name, "lr": 0.01, "params": params},
            "interval": "epoch",
            "phases": [
                {"scheduler": "LinearLR", "steps": 5, "params": {"start_factor": 0.2}},
                {"scheduler": "CosineAnnealingLR", "steps": 20, "params": {}},
            ],
        }
    return out


def write_designs(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, design in designs().items():
        path = folder / name
        path.write_text(json.dumps(design, indent=2) + "\n", encoding="utf-8")
        paths.append(path)
    return paths
