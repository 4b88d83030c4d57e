"""Import from Python: snippets are read, never run; a clean import reproduces the snippet's
own curve exactly; what cannot be imported is reported with its line number.

The corpus (tests/data/import_corpus, see its README) is real-world idioms with expected
outcomes. The test runs the clean ones for real, as training would, and compares the lr per
step of every param group with the engine's curves of the imported design. ReduceLROnPlateau
snippets need their training's metric, so the test feeds their scheduler the design's
synthetic metric instead.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import random
import subprocess
import sys
import types
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from training_loop import optimizer_step

from designer.cli import main
from designer.core.curves.engine import compute_curve, compute_curves, make_optimizer
from designer.core.export.python_module import export_python
from designer.core.importing.python import (
    POSITIONAL_ORDER,
    import_python,
    import_python_designs,
)
from designer.core.schedule.expressions import parse_expression
from designer.core.schedule.fileformat import dump_schedule, load_schedule, load_schedule_file
from designer.core.schedule.model import CONTINUE, ParamGroup, Schedule, simulation_for_length

CORPUS = Path(__file__).resolve().parent.parent / "data" / "import_corpus"


@dataclass(frozen=True)
class Entry:
    path: Path
    expect: str  # clean, differs, simulated, partial, nothing
    lines: tuple[int, ...]  # problem lines for partial / nothing
    schedulers: tuple[str, ...]  # expressions giving the schedulers, one per design
    needs: str | None

    @property
    def scheduler(self) -> str:
        return self.schedulers[0]

    @property
    def source(self) -> str:
        return self.path.read_text(encoding="utf-8")


def _entry(path: Path) -> Entry:
    headers = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("# "):
            break
        key, _, value = line[2:].partition(":")
        headers[key.strip()] = value.strip()
    expect, *lines = headers["Expect"].split()
    schedulers = tuple(s.strip() for s in headers.get("Scheduler", "scheduler").split(";"))
    return Entry(path, expect, tuple(int(n) for n in lines), schedulers, headers.get("Needs"))


ENTRIES = [_entry(path) for path in sorted(CORPUS.glob("*.py"))]


class _Model(torch.nn.Module):
    """The `model` the snippets train, with the submodules their param groups name."""

    def __init__(self) -> None:
        super().__init__()
        for name in ("backbone", "head", "classifier", "embeddings", "encoder"):
            self.add_module(name, torch.nn.Linear(1, 1))


def run_snippet(entry: Entry, steps: int, monkeypatch, metric=None,
                scheduler: str | None = None) -> np.ndarray:
    """The snippet's own lr per step of every param group, shape (groups, steps): run it
    (our trusted test data), then step its scheduler (the expression `scheduler`, by default
    the entry's first) as a training loop does, reading the lrs before each
    optimizer.step(). `metric(step)`: the validation metric that step ends with (None: not
    evaluated), for a ReduceLROnPlateau."""
    monkeypatch.setattr(sys, "argv", ["train.py"])
    lightning = types.ModuleType("lightning")
    lightning.pytorch = types.ModuleType("lightning.pytorch")
    lightning.pytorch.LightningModule = torch.nn.Module
    monkeypatch.setitem(sys.modules, "lightning", lightning)
    monkeypatch.setitem(sys.modules, "lightning.pytorch", lightning.pytorch)
    namespace = {"__name__": "import_corpus_snippet", "model": _Model()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(entry.source, str(entry.path), "exec"), namespace)  # noqa: S102
        built = eval(scheduler or entry.scheduler, namespace)
        return _stepped(built.optimizer, built, steps, metric)


def _stepped(optimizer, scheduler, steps: int, metric=None) -> np.ndarray:
    lrs = []
    for step in range(steps):
        lrs.append([group["lr"] for group in optimizer.param_groups])
        optimizer_step(optimizer)
        if metric is None:
            scheduler.step()
        elif (value := metric(step)) is not None:
            scheduler.step(value)
    return np.asarray(lrs, dtype=np.float64).reshape(steps, -1).T


def synthetic_metric(schedule: Schedule):
    """The metric the engine feeds a design of one ReduceLROnPlateau phase, written out."""
    phase, = schedule.phases
    params = phase.resolved_params()
    expression = parse_expression(params["metric"])
    rng = random.Random(params["noise_seed"])

    def metric(step: int) -> float | None:
        if (step + 1) % params["eval_every"]:
            return None
        return expression(step) + params["metric_noise"] * rng.gauss(0.0, 1.0)

    return metric


def exported_curves(schedule) -> np.ndarray:
    """The curves of the design's exported module on the design's optimizer, shape
    (groups, steps); a simulated design is stepped with the module's own metric."""
    namespace = {"__name__": "exported_schedule"}
    exec(compile(export_python(schedule), "<exported>", "exec"), namespace)  # noqa: S102
    optimizer = make_optimizer(schedule.optimizer, schedule.base_lrs())
    metric = namespace.get("simulated_val_loss")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scheduler = namespace["build_scheduler"](optimizer)
        return _stepped(optimizer, scheduler, schedule.total_steps, metric)


def test_corpus_covers_the_idioms():
    assert len(ENTRIES) >= 15
    outcomes = {entry.expect for entry in ENTRIES}
    assert outcomes == {"clean", "differs", "simulated", "partial", "nothing"}
    assert sum(entry.expect == "clean" for entry in ENTRIES) >= 12
    grouped = [entry for entry in ENTRIES
               if entry.expect in ("clean", "simulated")
               and import_python(entry.source).schedule.param_groups]
    assert {entry.expect for entry in grouped} == {"clean", "simulated"}


@pytest.mark.parametrize("entry", ENTRIES, ids=[entry.path.stem for entry in ENTRIES])
def test_corpus(entry, monkeypatch):
    results = import_python_designs(entry.source)
    for result in results:
        # Whatever was imported is a design the file format and the engine accept.
        assert load_schedule(dump_schedule(result.schedule)) == result.schedule
    if entry.expect in ("partial", "nothing"):
        lines = sorted({line for result in results for line, _ in result.problems})
        assert lines == list(entry.lines), [r.problems for r in results]
        assert any(r.imported for r in results) == (entry.expect == "partial")
        return
    assert len(results) == len(entry.schedulers), [r.optimizer for r in results]
    if entry.needs and importlib.util.find_spec(entry.needs) is None:
        pytest.skip(f"running this snippet needs {entry.needs}")
    for result, scheduler in zip(results, entry.schedulers):
        _check_design(entry, result, scheduler, monkeypatch)


def _check_design(entry: Entry, result, scheduler: str, monkeypatch) -> None:
    """One design of a clean, differs or simulated entry against the snippet's own
    scheduler `scheduler`, stepped for the design's length: every group, bit for bit."""
    assert result.problems == [], result.problems
    assert result.imported
    assert result.original_curve_differs == (entry.expect == "differs")
    assert result.schedule.uses_simulation() == (entry.expect == "simulated")
    if entry.expect == "simulated":
        _check_simulated(entry, result, monkeypatch)
        return
    design = compute_curves(result.schedule).group_lrs()
    original = run_snippet(entry, design.shape[1], monkeypatch, scheduler=scheduler)
    if entry.expect == "clean":
        np.testing.assert_array_equal(design, original)
        np.testing.assert_array_equal(exported_curves(result.schedule), original)
        return
    assert not np.array_equal(design, original)
    # Both curves can be shown: original_curve() is exactly what the snippet produces.
    np.testing.assert_array_equal(result.original_group_lrs(), original)
    np.testing.assert_array_equal(result.original_curve(), original[0])
    assert any("SequentialLR" in message and "differs" in message
               for _, message in result.notes)


def _check_simulated(entry: Entry, result, monkeypatch) -> None:
    """A ReduceLROnPlateau snippet's curve depends on its training's metric, so there is no
    curve of its own to compare with. Fed the design's synthetic metric, and a metric that
    stalls at once over a longer run (so that every torch parameter shows), the snippet's
    scheduler gives the design's curves, and so does the exported module."""
    line, = [line for line, message in result.notes if "synthetic validation metric" in message]
    assert line > 0
    phase, = result.schedule.phases
    # The synthetic metric is scaled to the phase, as for a newly inserted one.
    assert {k: phase.params[k] for k in ("metric", "metric_noise", "eval_every")} == (
        simulation_for_length(phase.steps))
    stalled = result.schedule.replace_phase(0, phase.with_param("metric", "1.0").with_param(
        "eval_every", 1)).resize_phase(0, 120)
    for design in (result.schedule, stalled):
        expected = compute_curves(design).group_lrs()
        original = run_snippet(entry, design.total_steps, monkeypatch, synthetic_metric(design))
        np.testing.assert_array_equal(expected, original)
        np.testing.assert_array_equal(exported_curves(design), original)
    assert len(np.unique(expected)) > 2  # the stalled metric really reduces the lr


def test_onecycle_in_sequential_notes_the_quirk():
    result = import_python((CORPUS / "onecycle_in_sequential.py").read_text())
    assert result.original_curve_differs
    assert [p.scheduler for p in result.schedule.phases] == ["LinearLR", "OneCycleLR"]
    (line, message), = [n for n in result.notes if "OneCycleLR inside SequentialLR" in n[1]]
    assert line == 11 and "per-phase semantics" in message
    assert not np.array_equal(result.original_curve(), compute_curve(result.schedule))


# Reading -------------------------------------------------------------------------------------

def imported(source: str, **kwargs):
    result = import_python(source, **kwargs)
    assert result.problems == [], result.problems
    return result


def test_optimizer_positional_lr_and_kwargs():
    result = imported("import torch\n"
                      "opt = torch.optim.SGD(model.parameters(), 0.2, 0.9, nesterov=True)\n"
                      "s = torch.optim.lr_scheduler.ExponentialLR(opt, 0.5)\n"
                      "for step in range(7):\n    s.step()\n")
    optimizer = result.schedule.optimizer
    assert (optimizer.name, optimizer.lr) == ("SGD", 0.2)
    assert optimizer.params == {"momentum": 0.9, "nesterov": True}
    phase, = result.schedule.phases
    assert (phase.scheduler, phase.steps, phase.params) == ("ExponentialLR", 7, {"gamma": 0.5})


def test_optimizer_default_lr_and_param_groups():
    result = imported("from torch import optim\n"
                      "opt = optim.Adam([{'params': a, 'lr': 0.01}, {'params': b}], lr=0.1)\n"
                      "s = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)\n")
    assert result.schedule.optimizer.lr == 0.1
    assert result.schedule.param_groups == (ParamGroup("a", lr=0.01), ParamGroup("b", lr=0.1))
    assert any(line == 2 and "param groups" in message for line, message in result.notes)
    result = imported("import torch\nopt = torch.optim.RMSprop(m.parameters())\n"
                      "s = torch.optim.lr_scheduler.LinearLR(opt, total_iters=4)\n")
    assert result.schedule.optimizer.lr == 1e-2
    assert any("torch's default" in message for _, message in result.notes)


def test_module_constants_and_their_arithmetic():
    result = imported("import math\nimport torch\n"
                      "epochs = 3\nlen_loader = 50\nsteps = epochs * len_loader\n"
                      "warmup = int(0.1 * steps)\n"
                      "opt = torch.optim.AdamW(model.parameters(), lr=1e-3)\n"
                      "s = torch.optim.lr_scheduler.LambdaLR(opt, lambda epoch: "
                      "min(1.0, (epoch + 1) / warmup) * math.cos(math.pi * epoch / (2 * steps)))\n"
                      "for i in range(steps):\n    s.step()\n")
    phase, = result.schedule.phases
    assert phase.steps == 150
    assert phase.params["lr_lambda"] == ("min(1.0, (step + 1) / 15) * "
                                         "math.cos(math.pi * step / (2 * 150))")


def test_float_conversions_stay_exact(monkeypatch):
    # step ** 5 passes 2**53 at step 1552: float() rounds it before the division, so the
    # import must keep that rounding (x + 0.0) rather than drop float().
    source = ("import torch\ntotal = 3000\nopt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
              "scheduler = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: "
              "float(step ** 5) / float(total ** 5) + float(total - step) / float(total))\n")
    result = imported(source, total_steps=3000)
    assert result.schedule.phases[0].params["lr_lambda"] == (
        "(step ** 5 + 0.0) / 2.43e+17 + (3000 - step) / 3000")
    entry = Entry(Path("inline.py"), "clean", (), ("scheduler",), None)
    monkeypatch.setattr(Entry, "source", source)
    np.testing.assert_array_equal(compute_curve(result.schedule),
                                  run_snippet(entry, 3000, monkeypatch)[0])


def test_def_with_if_return_becomes_a_conditional_expression():
    result = imported("import torch\nwarmup = 10\ntotal_steps = 40\n"
                      "opt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
                      "def schedule(step):\n"
                      "    '''Warmup, then hold, then decay.'''\n"
                      "    if step < warmup:\n        return (step + 1) / warmup\n"
                      "    elif step < 2 * warmup:\n        return 1.0\n"
                      "    factor = 0.5\n    factor *= 0.5\n    return factor\n"
                      "s = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda=schedule)\n")
    text = result.schedule.phases[0].params["lr_lambda"]
    assert text == ("(step + 1) / 10 if step < 10 else 1.0 if step < 2 * 10 else 0.5 * 0.5")


@pytest.mark.parametrize("snippet, line, words", [
    (("import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
     "s = torch.optim.lr_scheduler.StepLR(opt, step_size=args.step)\n"), 3, "`args`"),
    (("import torch\nopt = torch.optim.SGD(m.parameters(), lr=base_lr)\n"
     "s = torch.optim.lr_scheduler.StepLR(opt, 5)\nfor e in range(9):\n    s.step()\n"),
     2, "`base_lr`"),
    (("import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n\n"
     "s = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: s ** decay)\n"), 4, "`decay`"),
    (("import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
     "s = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: int(s / 10))\n"), 3, "rounds"),
    (("import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
     "s = torch.optim.lr_scheduler.StepLR(opt, step_size=10, last_epoch=4)\n"), 3, "last_epoch"),
    (("import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
     "s = torch.optim.lr_scheduler.StepLR(opt, step_size=10)\n"), 3, "give total_steps"),
    (("import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\na = torch.optim."
     "lr_scheduler.StepLR(opt, 3)\nb = torch.optim.lr_scheduler.StepLR(opt, 4)\n"
     "for i in range(9):\n    a.step()\n"), 4, "only the StepLR of line 3"),
    (("import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
     "s = torch.optim.lr_scheduler.SequentialLR(opt, [torch.optim.lr_scheduler.ExponentialLR("
     "opt, 0.9)], milestones=[5])\n"), 3, "one milestone fewer"),
])
def test_problems_name_their_line(snippet, line, words):
    result = import_python(snippet)
    assert any(found == line and words in message for found, message in result.problems), \
        result.problems


def test_syntax_error_and_empty_snippet():
    result = import_python("scheduler = (\n")
    assert not result.imported and result.problems[0][0] == 1
    assert "not valid Python" in result.problems[0][1]
    result = import_python("")
    assert not result.imported
    assert result.problems == [(0, "the snippet builds no torch lr scheduler")]


def test_total_steps_argument_wins_and_sets_the_last_phase():
    snippet = ("import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
               "a = torch.optim.lr_scheduler.LinearLR(opt, 0.1, total_iters=5)\n"
               "b = torch.optim.lr_scheduler.ExponentialLR(opt, 0.9)\n"
               "s = torch.optim.lr_scheduler.SequentialLR(opt, [a, b], milestones=[5])\n"
               "for i in range(20):\n    s.step()\n")
    assert [p.steps for p in imported(snippet).schedule.phases] == [5, 15]
    assert [p.steps for p in imported(snippet, total_steps=50).schedule.phases] == [5, 45]
    # A run that ends before the last milestone drops what never runs.
    result = imported(snippet, total_steps=3)
    assert [p.steps for p in result.schedule.phases] == [3]
    assert any("left out" in message for _, message in result.notes)


def test_onecycle_longer_loop_is_capped_with_a_problem():
    result = import_python("import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
                           "s = torch.optim.lr_scheduler.OneCycleLR(opt, 1.0, total_steps=50)\n"
                           "for i in range(80):\n    s.step()\n")
    assert [p.steps for p in result.schedule.phases] == [50]
    assert any(line == 3 and "raises past it" in m for line, m in result.problems)


def test_multiplicative_after_a_milestone_continues_exactly_when_its_factor_starts_at_one():
    result = imported("import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
                      "a = torch.optim.lr_scheduler.ConstantLR(opt, 0.5, 3)\n"
                      "b = torch.optim.lr_scheduler.MultiplicativeLR(opt, lambda e: "
                      "1.0 if e == 0 else 0.9)\n"
                      "s = torch.optim.lr_scheduler.SequentialLR(opt, [a, b], [3])\n"
                      "for i in range(12):\n    s.step()\n")
    assert result.schedule.phases[1].start == CONTINUE
    assert not result.original_curve_differs
    np.testing.assert_array_equal(compute_curve(result.schedule),
                                  _sequential(result.schedule))


def _sequential(schedule):
    from designer.core.curves.engine import sequential_lr_curves

    return sequential_lr_curves(schedule)[0]


# ReduceLROnPlateau and param groups -----------------------------------------------------------

_OPT = "import torch\nfrom torch.optim import lr_scheduler as L\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"


def test_plateau_without_a_loop_takes_the_default_length_of_schedulers_without_one():
    result = import_python(_OPT + "s = L.ReduceLROnPlateau(opt, patience=2, cooldown=1, "
                           "threshold_mode='abs', eps=0.0)\n")
    phase, = result.schedule.phases
    assert phase.steps == 100
    assert phase.params == {"patience": 2, "cooldown": 1, "threshold_mode": "abs", "eps": 0.0,
                            "metric": "0.5 + 2 * exp(-step / 12)", "metric_noise": 0.01,
                            "eval_every": 1}
    assert [line for line, _ in result.problems] == [4]  # the run length is not known
    assert any(line == 4 and "synthetic validation metric" in m for line, m in result.notes)
    result = imported(_OPT + "num_epochs = 40\ns = L.ReduceLROnPlateau(opt)\n")
    assert result.schedule.total_steps == 40 and result.schedule.interval == "epoch"


@pytest.mark.parametrize("snippet, line, words", [
    ("s = L.ReduceLROnPlateau(opt)\nfor e in range(5):\n    s.step()\n", 6,
     "needs the validation metric"),
    ("s = L.ReduceLROnPlateau(opt, metric='step')\n", 4, "no parameter `metric`"),
    ("s = L.ChainedScheduler([L.ReduceLROnPlateau(opt), L.StepLR(opt, 3)])\n", 4,
     "ChainedScheduler refuses ReduceLROnPlateau"),
    ("s = L.ReduceLROnPlateau(opt, min_lr=[0.0, 0.001])\n", 4,
     "min_lr has 2 values, but the optimizer has 1 param group"),
])
def test_plateau_problems(snippet, line, words):
    result = import_python(_OPT + snippet)
    assert any(found == line and words in message for found, message in result.problems), \
        result.problems


def test_warmup_then_plateau_in_sequential_lr_becomes_two_phases_and_a_problem():
    result = import_python((CORPUS / "warmup_then_plateau_sequential.py").read_text())
    assert [(p.scheduler, p.steps) for p in result.schedule.phases] == [
        ("LinearLR", 5), ("ReduceLROnPlateau", 45)]
    (line, message), = result.problems
    assert line == 10 and "SequentialLR refuses ReduceLROnPlateau" in message
    assert not result.original_curve_differs  # torch refuses the snippet: no curve of its own
    assert compute_curves(result.schedule).lr.shape == (50,)


_GROUPS = "import torch\nfrom torch.optim import lr_scheduler as L\n"


def test_group_names_come_from_the_snippet_and_are_made_valid_and_unique():
    result = imported(_GROUPS + "opt = torch.optim.SGD([\n"
                      "    {'params': model.parameters()}, {'params': model.parameters()},\n"
                      "    {'params': [p for p in model.parameters() if p.ndim > 1]},\n"
                      "    {'params': filter(f, net.module.encoder.parameters())},\n"
                      "    {'params': x, 'name': '1st.layer'}, {'params': x, 'name': 'class'},\n"
                      "    dict(params=model.decoder.parameters(), lr=0.5)], lr=0.1)\n"
                      "s = L.ExponentialLR(opt, 0.9)\n", total_steps=10)
    groups = result.schedule.param_groups
    assert [group.name for group in groups] == [
        "model", "model_2", "group_2", "encoder", "_1st_layer", "class_", "decoder"]
    assert [group.lr for group in groups] == [0.1] * 6 + [0.5]


def test_group_keys_other_than_the_lr_are_reported_with_their_line():
    result = import_python(_GROUPS + "opt = torch.optim.AdamW(\n"
                           "    [{'params': a, 'lr': 1e-4, 'weight_decay': 0.0},\n"
                           "     {'params': b, 'initial_lr': 0.5, 'betas': (0.9, 0.99)},\n"
                           "     {'params': c, 'lr': base_lr}], lr=1e-3)\n"
                           "s = L.ExponentialLR(opt, 0.9)\n", total_steps=10)
    assert {group.name: group.lr for group in result.schedule.param_groups} == {
        "a": 1e-4, "b": 1e-3, "c": 1e-3}
    assert [line for line, _ in result.problems] == [3, 3]
    problems = " ".join(message for _, message in result.problems)
    assert "param group b sets initial_lr" in problems
    assert "param group c's lr: `base_lr` is not defined" in problems
    notes = [message for line, message in result.notes if line == 3]
    assert any("param group a sets its own weight_decay" in note for note in notes)
    assert any("param group b sets its own betas" in note for note in notes)


def test_one_group_dict_is_a_design_without_groups():
    result = imported(_GROUPS + "opt = torch.optim.SGD([{'params': m.parameters(), 'lr': 0.02,"
                      " 'momentum': 0.9}], lr=0.1)\ns = L.ExponentialLR(opt, 0.9)\n",
                      total_steps=10)
    assert result.schedule.param_groups == () and result.schedule.optimizer.lr == 0.02
    assert any("sets its own momentum" in message for _, message in result.notes)


def test_too_many_groups_fall_back_to_the_first():
    groups = ", ".join(f"{{'params': p{i}, 'lr': {i + 1}.0}}" for i in range(17))
    result = import_python(_GROUPS + f"opt = torch.optim.SGD([{groups}])\n"
                           "s = L.ExponentialLR(opt, 0.9)\n", total_steps=10)
    assert result.schedule.param_groups == () and result.schedule.optimizer.lr == 1.0
    assert any(line == 3 and "17 param groups" in m for line, m in result.problems)


@pytest.mark.parametrize("scheduler, line, words", [
    ("L.CyclicLR(opt, [0.01, 0.02], 0.1)", 4,
     "CyclicLR's base_lr has 2 values, but the optimizer has 3 param groups"),
    ("L.CyclicLR(opt, 0.01, max_lr=[0.1, 0.2, 0.3, 0.4])", 4, "max_lr has 4 values"),
    ("L.LambdaLR(opt, [lambda s: 1.0, lambda s: 0.9 ** s, lambda s: 1.0])", 4,
     "a different lr_lambda for each param group"),
    ("L.LambdaLR(opt, [lambda s: 1.0, lambda s: 1.0])", 4, "lr_lambda has 2 values"),
])
def test_per_group_lists_that_do_not_fit_are_problems(scheduler, line, words):
    result = import_python(_GROUPS + "opt = torch.optim.SGD([{'params': a}, {'params': b}, "
                           f"{{'params': c}}], lr=0.1, momentum=0.9)\ns = {scheduler}\n")
    assert any(found == line and words in message for found, message in result.problems), \
        result.problems
    assert result.imported


def test_per_group_lists_that_fit_become_one_value_per_group():
    optimizer = ("opt = torch.optim.SGD([{'params': a}, {'params': b}], lr=0.1, "
                 "momentum=0.9)\n")
    result = imported(_GROUPS + optimizer + "s = L.CyclicLR(opt, [0.01, 0.01], [0.1, 0.2], "
                      "step_size_up=5)\n", total_steps=20)
    phase, = result.schedule.phases
    assert phase.params["base_lr"] == 0.01 and phase.params["max_lr"] == (0.1, 0.2)
    assert compute_curves(result.schedule).group_lrs().shape == (2, 20)
    result = imported(_GROUPS + optimizer + "f = lambda s: 0.9 ** s\n"
                      "s = L.LambdaLR(opt, [f, lambda step: 0.9 ** step])\n", total_steps=20)
    assert result.schedule.phases[0].params["lr_lambda"] == "0.9 ** step"


def test_chained_scheduler_of_one_real_scheduler_imports_it():
    result = imported("from torch.optim import lr_scheduler as L\nimport torch\n"
                      "opt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
                      "s = L.ChainedScheduler([L.StepLR(opt, 2, gamma=1.0), L.ExponentialLR("
                      "opt, 0.8)])\nfor i in range(6):\n    s.step()\n")
    assert [p.scheduler for p in result.schedule.phases] == ["ExponentialLR"]
    assert result.combination == "ChainedScheduler"


def test_argparse_defaults_and_string_branches():
    result = imported("import argparse, torch\np = argparse.ArgumentParser()\n"
                      "p.add_argument('--sched', default='Cosine')\n"
                      "p.add_argument('--epochs', type=int, default=12)\n"
                      "args = p.parse_args()\n"
                      "opt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
                      "if args.sched.lower() == 'cosine':\n"
                      "    s = torch.optim.lr_scheduler.CosineAnnealingLR(opt, args.epochs)\n"
                      "else:\n    s = torch.optim.lr_scheduler.StepLR(opt, 3)\n")
    phase, = result.schedule.phases
    assert (phase.scheduler, phase.steps, phase.params) == ("CosineAnnealingLR", 12, {})
    assert any("argparse defaults" in message for _, message in result.notes)


def test_undecidable_branch_that_builds_is_a_problem():
    result = import_python("import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
                           "if cfg.warmup:\n    s = torch.optim.lr_scheduler.StepLR(opt, 3)\n"
                           "else:\n    s = torch.optim.lr_scheduler.StepLR(opt, 5)\n")
    assert any(line == 3 and "first branch" in m for line, m in result.problems)
    assert result.schedule.phases[0].params["step_size"] == 3


def test_the_snippet_is_never_run(tmp_path):
    marker = tmp_path / "ran"
    snippet = (f"open({str(marker)!r}, 'w').write('x')\n"
               f"__import__('os').system('touch {marker}')\n"
               "import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
               "def evil(step):\n    return __import__('os').getpid()\n"
               "s = torch.optim.lr_scheduler.LambdaLR(opt, evil)\n"
               "t = torch.optim.lr_scheduler.StepLR(opt, 10 ** 10 ** 10)\n")
    result = import_python(snippet)
    assert not marker.exists()
    assert any(line == 7 and "lr_lambda" in m for line, m in result.problems)


@pytest.mark.parametrize("snippet", [
    "x = " + "(" * 200 + "1" + ")" * 200 + "\n",
    "def f(n):\n    return f(n + 1)\nf(0)\n",
    "while True:\n    x = 1\n",
    "import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\ns = torch.optim.lr_scheduler."
    "LambdaLR(opt, lambda s: " + " + ".join(["s"] * 3000) + ")\n",
    "import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
    "def f(s):\n" + "".join(f"    if s > {i}:\n        s = s + 1\n" for i in range(40))
    + "    return s\ns = torch.optim.lr_scheduler.LambdaLR(opt, f)\n",
])
def test_hostile_snippets_are_reported_not_crashed(snippet):
    result = import_python(snippet)
    assert isinstance(result.problems, list)


def test_positional_orders_match_torch():
    for name, order in POSITIONAL_ORDER.items():
        parameters = list(inspect.signature(getattr(torch.optim.lr_scheduler, name)).parameters)
        assert parameters[0] == "optimizer"
        assert tuple(parameters[1:]) == order, name


# Command line --------------------------------------------------------------------------------

def test_cli_import_clean(tmp_path, capsys):
    out = tmp_path / "design.json"
    code = main(["import", str(CORPUS / "resnet_multisteplr.py"), "-o", str(out)])
    captured = capsys.readouterr()
    assert code == 0 and captured.out == ""
    assert captured.err.splitlines() == [
        (f"{CORPUS / 'resnet_multisteplr.py'}:17: note: the design lasts 90 steps: from the "
        "loop around scheduler.step() on line 17")]
    schedule = load_schedule_file(str(out))
    assert schedule.name == "resnet_multisteplr"
    assert schedule.interval == "epoch"


def test_cli_import_partial_warns_and_nothing_fails(capsys):
    partial = CORPUS / "two_schedulers_stepped_by_hand.py"
    assert main(["import", str(partial)]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["phases"][0]["scheduler"] == "LinearLR"
    assert f"{partial}:11: another scheduler" in captured.err
    nothing = CORPUS / "custom_warmup_class.py"
    assert main(["import", str(nothing)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines()[-1] == f"{nothing}: nothing could be imported"
    assert f"{nothing}:27: `WarmupCosineLR` is not one of torch's schedulers" in captured.err


def test_cli_import_plateau_is_a_simulation_with_a_note(capsys):
    plateau = CORPUS / "reduce_on_plateau.py"
    assert main(["import", str(plateau)]) == 0
    captured = capsys.readouterr()
    phase, = json.loads(captured.out)["phases"]
    assert phase["scheduler"] == "ReduceLROnPlateau"
    assert phase["params"]["mode"] == "min" and phase["params"]["patience"] == 10
    assert f"{plateau}:8: note: ReduceLROnPlateau lowers the lr" in captured.err
    assert "(metric, metric_noise, eval_every)" in captured.err


def test_cli_import_total_steps_and_bad_paths(tmp_path, capsys):
    snippet = tmp_path / "snippet.py"
    snippet.write_text("import torch\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n"
                       "s = torch.optim.lr_scheduler.StepLR(opt, 10)\n")
    assert main(["import", str(snippet), "--total-steps", "25"]) == 0
    assert json.loads(capsys.readouterr().out)["phases"][0]["steps"] == 25
    assert main(["import", str(tmp_path / "missing.py")]) == 2
    assert "cannot read" in capsys.readouterr().err  # "cannot read it" or "... <path>"
    assert main(["import"]) == 2
    assert "give a snippet file" in capsys.readouterr().err


def test_cli_import_in_a_fresh_interpreter(tmp_path, python, subprocess_env):
    out = tmp_path / "design.json"
    completed = subprocess.run(
        [python, "-m", "designer", "import", str(CORPUS / "fastai_style_onecycle.py"),
         "-o", str(out)], check=False, capture_output=True, text=True, env=subprocess_env,
        timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "" and "Traceback" not in completed.stderr
    assert ":18: note: the design lasts 600 steps" in completed.stderr
    assert load_schedule_file(str(out)).steps_per_epoch == 120


def test_importing_needs_no_torch(python, subprocess_env):
    # The window imports a pasted snippet at once; torch takes seconds to import.
    code = ("import sys\nfrom designer.core.importing.python import import_python\n"
            f"result = import_python(open({str(CORPUS / 'resnet_multisteplr.py')!r}).read())\n"
            "assert result.imported and 'torch' not in sys.modules, sorted(sys.modules)\n")
    completed = subprocess.run([python, "-c", code], check=False, capture_output=True,
                               text=True, env=subprocess_env, timeout=60)
    assert completed.returncode == 0, completed.stderr
