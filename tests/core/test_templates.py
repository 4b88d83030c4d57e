"""Export templates: each one, executed and stepped the way its framework steps it, gives the
engine's curve exactly; each reads like ordinary code for its framework and passes ruff.

Lightning and transformers are replaced by minimal stand-ins (the few names the templates
use, and the checks the real frameworks make on what they are given), so these tests run
without either. Where the real frameworks are usable, the last tests train with them.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import subprocess
import sys
import types
import warnings
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import torch
from design_strategies import schedule_docs
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from training_loop import first_group_lrs, optimizer_step, step_like_training

from designer.core.curves.engine import compute_curve, compute_curves, make_optimizer
from designer.core.export.python_module import export_python
from designer.core.export.templates import TEMPLATES, plateau_eval_every, render_template
from designer.core.schedule.fileformat import load_schedule, load_schedule_file
from designer.core.schedule.model import (
    CONTINUE,
    OptimizerConfig,
    ParamGroup,
    Phase,
    Schedule,
    ScheduleError,
)

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "designer" / "examples").glob("*.json"))
SGD = OptimizerConfig("SGD", 0.1, {"momentum": 0.9})
ADAMW = OptimizerConfig("AdamW", 0.001, {"betas": (0.9, 0.95), "weight_decay": 0.1})
PHASED = Schedule((Phase("LinearLR", 6, {"start_factor": 0.1}),
                   Phase("OneCycleLR", 12, {"max_lr": 0.5}, CONTINUE)), SGD)
SEQUENTIAL = Schedule((Phase("LinearLR", 10, {"start_factor": 0.01}),
                       Phase("CosineAnnealingLR", 30, {"eta_min": 0.0})), ADAMW)
GROUPS = Schedule((Phase("LinearLR", 5, {"start_factor": 0.1}),
                   Phase("OneCycleLR", 20, {"max_lr": (0.01, 0.1)}, CONTINUE)), SGD,
                  param_groups=(ParamGroup("backbone", lr=0.001), ParamGroup("head",
                                                                             lr_scale=2.0)))


# Stand-ins for the frameworks ----------------------------------------------------------------

class LightningModule(torch.nn.Module):
    """Lightning's base class, as far as configure_optimizers and its stepping go."""

    def lr_scheduler_step(self, scheduler, metric):  # Lightning's default hook
        if metric is None:
            scheduler.step()
        else:
            scheduler.step(metric)


class TrainingArguments:
    def __init__(self, output_dir=None, max_steps=-1, **kwargs):
        self.output_dir = output_dir
        self.max_steps = max_steps
        self.__dict__.update(kwargs)


class Trainer:
    """Keeps what it is given under the real Trainer's attribute names."""

    def __init__(self, model=None, args=None, train_dataset=None, eval_dataset=None,
                 optimizers=(None, None), **kwargs):
        self.model, self.args, self.train_dataset = model, args, train_dataset
        self.eval_dataset = eval_dataset
        self.optimizer, self.lr_scheduler = optimizers


@contextlib.contextmanager
def framework_stand_ins():
    lightning = types.ModuleType("lightning")
    lightning.LightningModule = LightningModule
    transformers = types.ModuleType("transformers")
    transformers.Trainer = Trainer
    transformers.TrainingArguments = TrainingArguments
    with mock.patch.dict(sys.modules, {"lightning": lightning, "transformers": transformers}):
        yield


def execute(source: str) -> dict:
    namespace = {"__name__": "exported_template"}
    with framework_stand_ins():
        # Running the generated code is the point of these tests.
        exec(compile(source, "<template>", "exec"), namespace)  # noqa: S102
    return namespace


# Each framework's way of stepping -----------------------------------------------------------
# The frameworks call optimizer.step() before every scheduler.step(). It never changes the lr
# (no parameter has a gradient here), so the runners make it once, before the first
# scheduler.step() as torch requires, instead of half a million times for the examples.

def group_lrs(optimizer: torch.optim.Optimizer) -> list[float]:
    return [group["lr"] for group in optimizer.param_groups]


def as_curves(lrs: list[list[float]], groups: int) -> np.ndarray:
    """Recorded lrs per step as the engine's shape: (groups, steps)."""
    return np.asarray(lrs, dtype=np.float64).reshape(-1, groups).T


def run_function(schedule: Schedule) -> np.ndarray:
    """The bare function in a plain loop: one scheduler.step() per design step, with the
    plain module's simulated metric where the design has one."""
    namespace = execute(render_template("function", schedule))
    if schedule.param_groups:
        assert namespace["PARAM_GROUPS"] == dict(zip(schedule.group_names(),
                                                     schedule.base_lrs()))
    metric = execute(export_python(schedule)).get("simulated_val_loss")
    optimizer = make_optimizer(schedule.optimizer, schedule.base_lrs())
    scheduler = namespace["build_scheduler"](optimizer)
    optimizer_step(optimizer)
    lrs = []
    for step in range(schedule.total_steps):
        lrs.append(group_lrs(optimizer))
        if metric is not None:
            # ReduceLROnPlateau does not hook optimizer.step(): a scheduler built after it
            # needs a real optimizer.step() before its first step(), as in training.
            optimizer_step(optimizer)
        step_like_training(scheduler, metric, step)
    return as_curves(lrs, schedule.group_count)


def run_lightning(schedule: Schedule, batches_per_epoch: int = 2) -> np.ndarray:
    """configure_optimizers, checked and stepped as Lightning 2.x does: per optimizer step
    for "interval": "step", after each epoch's batches for "epoch"."""
    namespace = execute(render_template("lightning", schedule))
    limit = "MAX_STEPS" if schedule.interval == "step" else "MAX_EPOCHS"
    assert namespace[limit] == schedule.total_steps

    class Model(namespace["LitModel"]):
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.zeros(1))
            for name in schedule.group_names() if schedule.param_groups else ():
                setattr(self, name, torch.nn.Linear(1, 1))

    model = Model()
    config = model.configure_optimizers()
    optimizer, scheduler_config = config["optimizer"], config["lr_scheduler"]
    assert set(config) == {"optimizer", "lr_scheduler"}
    assert scheduler_config["interval"] == schedule.interval
    assert scheduler_config["frequency"] == 1
    scheduler = scheduler_config["scheduler"]
    if schedule.param_groups:
        for group, name in zip(optimizer.param_groups, schedule.group_names()):
            assert group["params"] == list(getattr(model, name).parameters())
    else:
        assert optimizer.param_groups[0]["params"] == [model.weight]
    # Lightning's _validate_scheduler_api: a scheduler needs state_dict/load_state_dict,
    # and one that is not a torch LRScheduler needs the module to override the hook.
    assert callable(scheduler.state_dict) and callable(scheduler.load_state_dict)
    if not isinstance(scheduler, torch.optim.lr_scheduler.LRScheduler):
        assert type(model).lr_scheduler_step is not LightningModule.lr_scheduler_step
    optimizer_step(optimizer)  # Lightning passes LBFGS its closure
    lrs = []
    if schedule.interval == "step":
        for _ in range(schedule.total_steps):
            lrs.append(group_lrs(optimizer))
            model.lr_scheduler_step(scheduler, None)
    else:
        for _ in range(schedule.total_steps):
            epoch = [tuple(group_lrs(optimizer)) for _ in range(batches_per_epoch)]
            assert len(set(epoch)) == 1
            lrs.append(epoch[0])
            model.lr_scheduler_step(scheduler, None)
    return as_curves(lrs, schedule.group_count)


def run_hf(schedule: Schedule) -> np.ndarray:
    """build_trainer's optimizer and scheduler, stepped as Trainer does: one
    scheduler.step() after every optimizer step, for args.max_steps steps."""
    namespace = execute(render_template("hf", schedule))
    if schedule.param_groups:
        model = torch.nn.Module()
        for name in schedule.group_names():
            setattr(model, name, torch.nn.Linear(1, 1))
        expected_params = [[id(p) for p in getattr(model, name).parameters()]
                           for name in schedule.group_names()]
    else:
        model = torch.nn.Linear(1, 1)
        expected_params = [[id(p) for p in model.parameters()]]
    with framework_stand_ins():
        trainer = namespace["build_trainer"](model, train_dataset=["batch"])
    assert trainer.model is model and trainer.train_dataset == ["batch"]
    optimizer, scheduler = trainer.optimizer, trainer.lr_scheduler
    assert [[id(p) for p in group["params"]] for group in optimizer.param_groups] == (
        expected_params)
    optimizer.step()
    lrs = []
    for _ in range(trainer.args.max_steps):
        lrs.append(group_lrs(optimizer))
        scheduler.step()
        # Trainer logs scheduler.get_last_lr()[0] as the lr of the step it just made.
        assert scheduler.get_last_lr()[0] == optimizer.param_groups[0]["lr"]
    return as_curves(lrs, schedule.group_count)


def run_lightning_plateau(schedule: Schedule) -> np.ndarray:
    """A lone ReduceLROnPlateau in configure_optimizers, stepped as Lightning 2.x does for
    "interval": "epoch": at the end of every `frequency`-th training epoch, with the value
    logged under "monitor" (here the design's simulated metric for that epoch)."""
    namespace = execute(render_template("lightning", schedule))
    metric = execute(export_python(schedule))["simulated_val_loss"]
    model = namespace["LitModel"]()
    model.weight = torch.nn.Parameter(torch.zeros(1))
    for name in schedule.group_names() if schedule.param_groups else ():
        setattr(model, name, torch.nn.Linear(1, 1))
    config = model.configure_optimizers()
    optimizer, scheduler_config = config["optimizer"], config["lr_scheduler"]
    scheduler = scheduler_config["scheduler"]
    assert isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    assert scheduler_config["interval"] == "epoch"
    assert scheduler_config["monitor"] in ("val_loss", "val_acc")
    frequency = scheduler_config["frequency"]
    lrs = []
    for epoch in range(namespace["MAX_EPOCHS"]):
        lrs.append(group_lrs(optimizer))
        optimizer_step(optimizer)  # Lightning passes the closure
        if (epoch + 1) % frequency == 0:
            logged = metric(epoch)
            assert logged is not None, "Lightning steps where the design evaluates"
            model.lr_scheduler_step(scheduler, logged)
    return as_curves(lrs, schedule.group_count)


def run_hf_plateau(schedule: Schedule) -> np.ndarray:
    """A lone ReduceLROnPlateau handed to Trainer, stepped as transformers 5.x does: never
    after optimizer steps, but after every evaluation (eval_strategy="steps", each
    eval_steps optimizer steps) with metrics["eval_" + metric_for_best_model]."""
    namespace = execute(render_template("hf", schedule))
    metric = execute(export_python(schedule))["simulated_val_loss"]
    model = torch.nn.Module()
    for name in schedule.group_names() if schedule.param_groups else ():
        setattr(model, name, torch.nn.Linear(1, 1))
    model.weight = torch.nn.Parameter(torch.zeros(1))
    with framework_stand_ins():
        trainer = namespace["build_trainer"](model, train_dataset=["batch"],
                                             eval_dataset=["held out"])
    args, optimizer, scheduler = trainer.args, trainer.optimizer, trainer.lr_scheduler
    assert isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    assert trainer.eval_dataset == ["held out"] and args.eval_strategy == "steps"
    assert args.metric_for_best_model in ("loss", "accuracy")
    lrs = []
    for step in range(args.max_steps):
        lrs.append(group_lrs(optimizer))
        optimizer.step()
        if (step + 1) % args.eval_steps == 0:
            evaluated = metric(step)
            assert evaluated is not None, "Trainer evaluates where the design does"
            scheduler.step(evaluated)
    return as_curves(lrs, schedule.group_count)


def check_plateau_frameworks(schedule: Schedule, curve: np.ndarray) -> None:
    """Where a framework can step the design's simulated plateau exactly, its template
    does; elsewhere the template refuses, in one line saying why."""
    for key, run in (("lightning", run_lightning_plateau), ("hf", run_hf_plateau)):
        framework = {"lightning": "Lightning", "hf": "Hugging Face"}[key]
        if key == "hf" and schedule.optimizer.name == "LBFGS":
            with pytest.raises(ScheduleError, match="without the closure LBFGS needs"):
                render_template(key, schedule)  # Trainer cannot step LBFGS at all
            continue
        try:
            plateau_eval_every(schedule, framework)
        except ScheduleError as exc:
            assert "ReduceLROnPlateau" in str(exc) and "\n" not in str(exc)
            with pytest.raises(ScheduleError, match="ReduceLROnPlateau"):
                render_template(key, schedule)
            continue
        assert_same(run(schedule), curve)


def test_lbfgs_with_a_plateau_runs_in_lightning_and_is_refused_by_the_hf_template():
    """Found by hypothesis: the HF template's LBFGS refusal comes before its plateau rule."""
    schedule = replace(PLATEAUS["epoch"], optimizer=OptimizerConfig("LBFGS", 0.1))
    check_plateau_frameworks(schedule, compute_curves(schedule).group_lrs())


PLATEAUS = {
    "epoch": Schedule((Phase("ReduceLROnPlateau", 40, {
        "metric": "1 / (1 + step)", "metric_noise": 0.05, "noise_seed": 1, "eval_every": 3,
        "patience": 1}),), SGD, "epoch"),
    "step-max": Schedule((Phase("ReduceLROnPlateau", 60, {
        "metric": "min(0.9, step / 20)", "mode": "max", "eval_every": 4, "patience": 0,
        "min_lr": (0.001, 0.0)}),), SGD, "step",
        param_groups=(ParamGroup("backbone", lr=0.01), ParamGroup("head", lr_scale=2.0))),
}


@pytest.mark.parametrize("name", sorted(PLATEAUS))
def test_a_lone_plateau_is_stepped_by_the_framework_that_can(name):
    schedule = PLATEAUS[name]
    curve = compute_curves(schedule).group_lrs()
    assert len(np.unique(curve[0])) > 1  # it does reduce
    check_plateau_frameworks(schedule, curve)
    works = {"epoch": "lightning", "step-max": "hf"}[name]
    source = render_template(works, schedule)
    if works == "lightning":
        assert '"frequency": 3,' in source and '"monitor": "val_loss",' in source
    else:
        assert "eval_steps=EVAL_STEPS," in source and 'metric_for_best_model="accuracy",' \
            in source and "EVAL_STEPS = 4\n" in source
    with pytest.raises(ScheduleError, match="interval"):
        render_template("hf" if works == "lightning" else "lightning", schedule)


def hf_expected(schedule: Schedule, curve: np.ndarray) -> np.ndarray:
    """Per optimizer step: each value of a per-epoch design lasts one epoch of steps."""
    if schedule.interval == "epoch" and schedule.steps_per_epoch:
        return np.repeat(curve, schedule.steps_per_epoch, axis=-1)
    return curve


RUNNERS = {"function": run_function, "lightning": run_lightning, "hf": run_hf}


def assert_same(actual: np.ndarray, expected: np.ndarray) -> None:
    """Equal bit for bit; a one-group curve may come as (steps,) or (1, steps)."""
    actual, expected = np.atleast_2d(actual), np.atleast_2d(expected)
    assert actual.shape == expected.shape
    assert np.array_equal(actual, expected), np.flatnonzero(actual != expected)[:10]


def kind_of(source: str) -> str:
    if "class PhasedLR" in source:
        return "PhasedLR"
    return "SequentialLR" if "lr_scheduler.SequentialLR(" in source else "single scheduler"


# Exactness -------------------------------------------------------------------------------------

@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(schedule_docs(), st.integers(1, 3))
def test_every_template_reproduces_the_engine_exactly(document, steps_per_epoch):
    if document["interval"] == "epoch" and "steps_per_epoch" in document:
        document["steps_per_epoch"] = steps_per_epoch  # keeps Trainer's per-batch run short
    schedule = load_schedule(json.dumps(document))
    event(f"{schedule.interval}: {kind_of(export_python(schedule))}")
    curve = compute_curves(schedule).group_lrs()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch's step-order warnings included
        assert_same(run_function(schedule), curve)
        if schedule.uses_simulation():
            check_plateau_frameworks(schedule, curve)
            return
        assert_same(run_lightning(schedule), curve)
        if schedule.optimizer.name == "LBFGS":
            with pytest.raises(ScheduleError, match="without the closure LBFGS needs"):
                render_template("hf", schedule)
            return
        assert_same(run_hf(schedule), hf_expected(schedule, curve))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_examples_reproduce_the_engine_exactly(path):
    schedule = load_schedule_file(path)
    curve = compute_curves(schedule).group_lrs()
    for key, run in RUNNERS.items():
        if key != "function" and schedule.uses_simulation():
            with pytest.raises(ScheduleError, match="ReduceLROnPlateau"):
                render_template(key, schedule)
            continue
        expected = hf_expected(schedule, curve) if key == "hf" else curve
        assert_same(run(schedule), expected)


def test_the_scheduler_code_is_the_plain_exports():
    for schedule in (PHASED, SEQUENTIAL, Schedule()):
        plain = export_python(schedule)
        start = plain.index("def build_scheduler")
        body = plain[start:plain.index('if __name__ == "__main__":')].rstrip()
        code = body.split('"""', 2)[2]  # Trainer steps it, so its docstring says so
        for key in ("function", "lightning", "hf"):
            source = render_template(key, schedule)
            assert (code if key == "hf" else body) in source, key
            assert ("class PhasedLR:" in source) == ("class PhasedLR:" in plain)


# What each template says -------------------------------------------------------------------------

def test_function_template_is_just_the_function():
    source = render_template("function", SEQUENTIAL)
    assert "__main__" not in source and "import torch\n" not in source
    assert source.startswith("# Learning-rate schedule designed with LR Schedule Designer")
    assert "# Call scheduler.step() once per batch, right after optimizer.step().\n" in source
    assert "from torch.optim import lr_scheduler\n" in source
    namespace = execute(source)
    assert sorted(n for n in namespace if not n.startswith("__")) == [
        "build_scheduler", "lr_scheduler"]
    maths = render_template("function", Schedule(
        (Phase("LambdaLR", 5, {"lr_lambda": "cos(step)"}),), SGD))
    assert "import math\n" in maths and "math.cos(step)" in maths


@pytest.mark.parametrize("interval", ["step", "epoch"])
def test_lightning_template_returns_the_config_dict_with_the_interval(interval):
    source = render_template("lightning", SEQUENTIAL.with_settings(interval=interval))
    assert "import lightning as L  #" in source and "import pytorch_lightning as L" in source
    assert "class LitModel(L.LightningModule):" in source
    assert ("        optimizer = torch.optim.AdamW(self.parameters(), lr=0.001, "
            "betas=(0.9, 0.95), weight_decay=0.1)\n") in source
    assert f'"interval": "{interval}",' in source and '"frequency": 1,' in source
    assert ("L.Trainer(max_steps=MAX_STEPS)" if interval == "step"
            else "L.Trainer(max_epochs=MAX_EPOCHS)") in source
    assert "def lr_scheduler_step" not in source  # SequentialLR is torch's own class


def test_lightning_template_steps_phased_lr_through_the_hook():
    source = render_template("lightning", PHASED)
    assert "def lr_scheduler_step(self, scheduler, metric):" in source
    assert_same(run_lightning(PHASED), compute_curve(PHASED))


def test_hf_template_hands_trainer_the_designed_optimizer_and_scheduler():
    source = render_template("hf", SEQUENTIAL)
    assert "from transformers import Trainer, TrainingArguments\n" in source
    assert "optimizers=(optimizer, scheduler)," in source
    assert "TrainingArguments(output_dir=output_dir, max_steps=MAX_STEPS)" in source
    assert "once per optimizer\nstep" in source or "once per optimizer step" in source
    assert "exempt" in source  # the weight-decay difference from Trainer's own optimizer
    assert "exempt" not in render_template("hf", PHASED)  # SGD without weight decay
    assert "EpochScheduler" not in source and "WARNING" not in source


def test_hf_template_keeps_a_per_epoch_value_for_an_epoch_of_steps():
    schedule = PHASED.with_settings(interval="epoch", steps_per_epoch=4)
    source = render_template("hf", schedule)
    assert "class EpochScheduler:" in source and "STEPS_PER_EPOCH = 4\n" in source
    assert "MAX_STEPS = EPOCHS * STEPS_PER_EPOCH" in source
    lrs = run_hf(schedule)
    assert lrs.shape[-1] == 4 * schedule.total_steps
    assert_same(lrs, np.repeat(compute_curve(schedule), 4))


def test_hf_epoch_scheduler_resumes_from_its_state_dict():
    schedule = PHASED.with_settings(interval="epoch", steps_per_epoch=3)
    namespace = execute(render_template("hf", schedule))
    expected = np.repeat(compute_curve(schedule), 3)

    def fresh():
        with framework_stand_ins():
            trainer = namespace["build_trainer"](torch.nn.Linear(1, 1), None)
        return trainer.optimizer, trainer.lr_scheduler

    for stop in (0, 5, 9, 20, len(expected)):
        optimizer, scheduler = fresh()
        lrs = first_group_lrs(optimizer, scheduler, stop)
        saved = optimizer.state_dict(), scheduler.state_dict()
        optimizer, scheduler = fresh()
        optimizer.load_state_dict(saved[0])
        scheduler.load_state_dict(saved[1])
        for _ in range(stop, len(expected)):
            lrs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
        assert_same(np.asarray(lrs), expected)


def _build_scheduler_docstring(source: str) -> str:
    start = source.index("def build_scheduler(optimizer):")
    return " ".join(source[start:].split('"""')[1].split())


def test_hf_build_scheduler_says_how_trainer_steps_it():
    # The module's header says Trainer steps the scheduler; the function must agree.
    assert _build_scheduler_docstring(render_template("hf", PHASED)).endswith(
        "Trainer calls its step() once per optimizer step.")
    per_epoch = render_template("hf", PHASED.with_settings(interval="epoch", steps_per_epoch=4))
    assert "EpochScheduler steps it once per epoch (every STEPS_PER_EPOCH optimizer steps" \
        in _build_scheduler_docstring(per_epoch)
    unwrapped = render_template("hf", PHASED.with_settings(interval="epoch"))
    assert "once per optimizer step (see the warning above)" in \
        _build_scheduler_docstring(unwrapped)
    for source in (per_epoch, unwrapped, render_template("hf", SEQUENTIAL)):
        assert "call its step() once per" not in _build_scheduler_docstring(source)
    # The plain export, where the user steps it, still says when to.
    assert "call its step() once per batch" in \
        _build_scheduler_docstring(render_template("function", PHASED))


def test_hf_template_warns_when_an_epoch_design_has_no_epoch_length():
    schedule = PHASED.with_settings(interval="epoch", steps_per_epoch=None)
    source = render_template("hf", schedule)
    assert "# WARNING: this design steps once per epoch (18 values)" in source
    assert "EpochScheduler" not in source and "MAX_STEPS = 18\n" in source
    assert_same(run_hf(schedule), compute_curve(schedule))


def test_templates_are_registered_for_the_cli_and_the_code_view():
    assert list(TEMPLATES) == ["python", "function", "lightning", "hf"]
    assert render_template("python", PHASED) == export_python(PHASED)
    assert all(t.label and t.description for t in TEMPLATES.values())


def test_the_designs_name_never_reaches_a_template():
    named = PHASED.with_settings(name='x"""\nimport os  # \u2028 {0}')
    for key in ("function", "lightning", "hf"):
        assert render_template(key, named) == render_template(key, PHASED)


def test_empty_design_templates_keep_the_lr():
    for key, run in RUNNERS.items():
        assert run(Schedule()).size == 0, key


# Generated code passes ruff -------------------------------------------------------------------

def test_generated_templates_pass_ruff(tmp_path):
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed in this environment")
    designs = {"phased": PHASED, "sequential": SEQUENTIAL, "empty": Schedule(),
               "epoch": PHASED.with_settings(interval="epoch", steps_per_epoch=10),
               "epoch_bare": SEQUENTIAL.with_settings(interval="epoch"),
               "single_math": Schedule((Phase("LambdaLR", 5, {"lr_lambda": "exp(-step)"}),),
                                       SGD)}
    designs.update({path.stem.replace("-", "_"): load_schedule_file(path) for path in EXAMPLES})
    designs["groups"] = GROUPS
    designs.update({f"plateau_{name}".replace("-", "_"): design
                    for name, design in PLATEAUS.items()})
    for stem, design in designs.items():
        for key in ("function", "lightning", "hf"):
            try:
                source = render_template(key, design)
            except ScheduleError:
                assert design.uses_simulation()
                continue
            (tmp_path / f"{stem}_{key}.py").write_text(source, encoding="utf-8")
    # --isolated: ruff's defaults, as in a user's project without a config.
    result = subprocess.run([str(ruff), "check", "--isolated", "--no-cache", str(tmp_path)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# The real frameworks, where they are installed ------------------------------------------------

def _usable(*modules: str) -> bool:
    return all(importlib.util.find_spec(name) is not None for name in modules)


def execute_for_real(source: str) -> dict:
    """Run a template with the installed framework, not the stand-ins."""
    namespace = {"__name__": "exported_template"}
    exec(compile(source, "<template>", "exec"), namespace)  # noqa: S102
    return namespace


def fit_tiny_lightning(lit_model: type, tmp_path, every_step: bool,
                       validation: Callable[[int], float] | None = None,
                       **limit: int) -> list[float]:
    """Train the template's LitModel with the real Lightning on three batches of ones per
    epoch; returns the lr at the start of every step (`every_step`) or epoch. With
    `validation`, each epoch's validation logs `validation(epoch)` as "val_loss"."""
    import lightning

    lrs = []

    class Model(lit_model):
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.zeros(1))

        def training_step(self, batch, index):
            return (self.weight * batch).sum()

        def on_train_batch_start(self, batch, index):
            if every_step or index == 0:
                lrs.append(self.trainer.optimizers[0].param_groups[0]["lr"])

        def train_dataloader(self):
            return torch.utils.data.DataLoader(torch.ones(3, 1), batch_size=1)

        if validation is not None:
            def validation_step(self, batch, index):
                self.log("val_loss", validation(self.current_epoch))

            def val_dataloader(self):
                return torch.utils.data.DataLoader(torch.ones(1, 1), batch_size=1)

    trainer = lightning.Trainer(logger=False, enable_checkpointing=False,
                                enable_progress_bar=False, enable_model_summary=False,
                                num_sanity_val_steps=0, accelerator="cpu",
                                default_root_dir=tmp_path, **limit)
    trainer.fit(Model())
    return lrs


REAL_DESIGNS = [PHASED, SEQUENTIAL.with_settings(interval="epoch"),
                PHASED.with_settings(interval="epoch", steps_per_epoch=3)]


@pytest.mark.skipif(not _usable("lightning"), reason="lightning is not installed")
@pytest.mark.parametrize("design", REAL_DESIGNS, ids=["phased", "epoch", "epoch_spe"])
def test_real_lightning_trainer_steps_the_designed_curve(design, tmp_path):
    namespace = execute_for_real(render_template("lightning", design))
    limit = ({"max_steps": design.total_steps} if design.interval == "step"
             else {"max_epochs": design.total_steps})
    lrs = fit_tiny_lightning(namespace["LitModel"], tmp_path, design.interval == "step",
                             **limit)
    assert_same(np.asarray(lrs), compute_curve(design))


@pytest.mark.skipif(not _usable("transformers", "accelerate"),
                    reason="transformers' Trainer (with accelerate) is not installed")
@pytest.mark.parametrize("design", REAL_DESIGNS, ids=["phased", "epoch", "epoch_spe"])
def test_real_hf_trainer_steps_the_designed_curve(design, tmp_path):
    import transformers

    namespace = {"__name__": "exported_template"}
    exec(compile(render_template("hf", design), "<template>", "exec"),  # noqa: S102
         namespace)
    lrs = []

    class Record(transformers.TrainerCallback):
        def on_step_begin(self, args, state, control, optimizer=None, **kwargs):
            lrs.append(optimizer.param_groups[0]["lr"])

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = torch.nn.Parameter(torch.zeros(1))

        def forward(self, x):
            return {"loss": (self.weight * x).sum()}

    trainer = namespace["build_trainer"](Model(), [{"x": torch.ones(1)}] * 4,
                                         output_dir=str(tmp_path))
    trainer.args.report_to = []
    trainer.args.save_strategy = "no"
    trainer.args.use_cpu = True
    trainer.args.disable_tqdm = True
    trainer.add_callback(Record())
    trainer.train()
    assert_same(np.asarray(lrs), hf_expected(design, compute_curve(design)))


@pytest.mark.skipif(not _usable("lightning"), reason="lightning is not installed")
def test_real_lightning_steps_a_lone_plateau_with_the_logged_metric(tmp_path):
    """Per epoch, the module logs the design's simulated metric as "val_loss"; the real
    Trainer steps ReduceLROnPlateau with it every `frequency` epochs: the design's curve."""
    design = PLATEAUS["epoch"]
    namespace = execute_for_real(render_template("lightning", design))
    metric = execute(export_python(design))["simulated_val_loss"]

    def validation(epoch: int) -> float:
        value = metric(epoch)  # None where the design does not evaluate
        return 0.0 if value is None else value

    lrs = fit_tiny_lightning(namespace["LitModel"], tmp_path, False, validation,
                             max_epochs=design.total_steps)
    assert_same(np.asarray(lrs), compute_curve(design))


@pytest.mark.skipif(not _usable("transformers", "accelerate"),
                    reason="transformers' Trainer (with accelerate) is not installed")
def test_real_hf_trainer_steps_a_lone_plateau_after_each_evaluation(tmp_path):
    """The real Trainer evaluates every EVAL_STEPS optimizer steps and steps
    ReduceLROnPlateau with metrics["eval_accuracy"]; its evaluation is replaced by one that
    reports the design's simulated metric at that step: every group's curve is the design's."""
    import transformers

    design = PLATEAUS["step-max"]
    namespace = execute_for_real(render_template("hf", design))
    metric = execute(export_python(design))["simulated_val_loss"]
    lrs = []

    class Record(transformers.TrainerCallback):
        def on_step_begin(self, args, state, control, optimizer=None, **kwargs):
            lrs.append([group["lr"] for group in optimizer.param_groups])

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.backbone = torch.nn.Linear(1, 1)
            self.head = torch.nn.Linear(1, 1)

        def forward(self, x):
            return {"loss": (self.head(self.backbone(x)) * 0).sum()}

    trainer = namespace["build_trainer"](Model(), [{"x": torch.ones(1)}] * 4,
                                         [{"x": torch.ones(1)}], output_dir=str(tmp_path))
    trainer.args.report_to = []
    trainer.args.save_strategy = "no"
    trainer.args.use_cpu = True
    trainer.args.disable_tqdm = True
    evaluated = []

    def evaluate(*args, **kwargs):
        step = trainer.state.global_step - 1  # the step the evaluation follows
        evaluated.append(step)
        value = metric(step)
        assert value is not None, "Trainer evaluates where the design does"
        metrics = {"eval_accuracy": value}
        # As Trainer.evaluate ends: the callbacks hear of it (which clears should_evaluate).
        trainer.control = trainer.callback_handler.on_evaluate(trainer.args, trainer.state,
                                                               trainer.control, metrics)
        return metrics

    trainer.evaluate = evaluate
    trainer.add_callback(Record())
    trainer.train()
    assert evaluated == list(range(3, design.total_steps, 4))
    assert_same(as_curves(lrs, 2), compute_curves(design).group_lrs())


def test_a_lone_plateau_with_an_explicit_start_is_refused_by_the_frameworks():
    """It exports through PhasedLR, which neither framework steps with the metric."""
    design = replace(PLATEAUS["step-max"], phases=(
        replace(PLATEAUS["step-max"].phases[0], start=0.05),))
    for key in ("lightning", "hf"):
        with pytest.raises(ScheduleError, match="explicit lr"):
            render_template(key, design)
