"""Python export: the generated module reproduces the engine's curve exactly, reads like
ordinary PyTorch, passes ruff, and no text from the file can break out of it."""

from __future__ import annotations

import ast
import csv
import io
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from design_strategies import schedule_docs
from hypothesis import HealthCheck, event, given, settings
from hypothesis import Phase as HypothesisPhase
from hypothesis import strategies as st
from torch.optim import lr_scheduler
from training_loop import first_group_lrs, optimizer_step, step_like_training

from designer.core.curves.engine import compute_curve, compute_curves
from designer.core.export.python_module import export_python, sequential_lr_obstacles
from designer.core.schedule.fileformat import dump_schedule, load_schedule
from designer.core.schedule.model import CONTINUE, OptimizerConfig, Phase, Schedule

SGD = OptimizerConfig("SGD", 0.1, {"momentum": 0.9})


def load_module(source: str) -> dict:
    namespace = {"__name__": "exported_schedule"}
    # Running the generated module is the point of these tests.
    exec(compile(source, "<exported>", "exec"), namespace)  # noqa: S102
    return namespace


def build_optimizer_like_main(source: str, namespace: dict) -> torch.optim.Optimizer:
    """Run the module's __main__ block up to its `optimizer = torch.optim...` line."""
    tree = ast.parse(source)
    main = next(node for node in tree.body if isinstance(node, ast.If))
    scope = dict(namespace)
    for node in main.body:
        exec(compile(ast.Module([node], []), "<main>", "exec"), scope)  # noqa: S102
        if isinstance(node, ast.Assign) and node.targets[0].id == "optimizer":
            return scope["optimizer"]
    raise AssertionError("the __main__ block builds no optimizer")


def run_exported_groups(source: str) -> tuple[np.ndarray, dict]:
    """The lr of every param group per step, shape (groups, steps), as a training loop
    steps the exported scheduler (with the simulated metric where the design has one)."""
    namespace = load_module(source)
    optimizer = build_optimizer_like_main(source, namespace)
    metric = namespace.get("simulated_val_loss")
    lrs = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scheduler = namespace["build_scheduler"](optimizer)
        for step in range(namespace["TOTAL_STEPS"]):
            lrs.append([group["lr"] for group in optimizer.param_groups])
            optimizer_step(optimizer)
            step_like_training(scheduler, metric, step)
    lrs = np.asarray(lrs, dtype=np.float64).reshape(-1, len(optimizer.param_groups))
    return lrs.T, namespace


def run_exported(source: str) -> tuple[np.ndarray, dict]:
    """The first param group's lr per step."""
    lrs, namespace = run_exported_groups(source)
    return lrs[0], namespace


def kind_of(source: str) -> str:
    if "class PhasedLR" in source:
        return "PhasedLR"
    return "SequentialLR" if "lr_scheduler.SequentialLR(" in source else "single scheduler"


def imported_modules(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module)
    return names


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(schedule_docs())
def test_exported_module_reproduces_the_engine_exactly(document):
    s = load_schedule(json.dumps(document))
    source = export_python(s)
    event(kind_of(source))
    assert imported_modules(source) <= {"torch", "torch.optim", "math", "random"}
    actual, namespace = run_exported_groups(source)
    expected = compute_curves(s).group_lrs()
    assert actual.shape == expected.shape
    assert np.array_equal(actual, expected), np.argwhere(actual != expected)[:10]
    assert namespace["SCHEDULE_NAME"] == s.name
    assert namespace["TOTAL_STEPS"] == s.total_steps


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(schedule_docs(max_phases=3, chained=True))
def test_exported_chained_designs_reproduce_the_engine_exactly(document):
    s = load_schedule(json.dumps(document))
    source = export_python(s)
    event(kind_of(source))
    assert "lr_scheduler.ChainedScheduler(" in source
    actual, _ = run_exported_groups(source)
    expected = compute_curves(s).group_lrs()
    assert actual.shape == expected.shape
    assert np.array_equal(actual, expected), np.argwhere(actual != expected)[:10]


def _collect_documents(count: int, strategy: st.SearchStrategy) -> list[dict]:
    """`count` distinct random designs, drawn by hypothesis (no shrinking: not a property)."""
    documents: dict[str, dict] = {}

    @settings(max_examples=count * 3, deadline=None, database=None,
              phases=[HypothesisPhase.generate], suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(document):
        if len(documents) < count:
            documents.setdefault(json.dumps(document, sort_keys=True), document)

    collect()
    return list(documents.values())


EXPORT_WITH_THE_CLI = """
import runpy, sys
for source, python_out, csv_out in {jobs!r}:
    for fmt, out in (("python", python_out), ("csv", csv_out)):
        sys.argv = ["lr-designer", "export", source, "--to", fmt, "-o", out]
        try:
            runpy.run_module("designer", run_name="__main__", alter_sys=True)
        except SystemExit as exit:
            if exit.code != 0:
                raise SystemExit(f"export of {{source}} to {{fmt}} exited {{exit.code}}")
"""

RUN_ALL_MODULES = """
import contextlib, io, json, runpy, sys, warnings
warnings.simplefilter("error")  # the exported code runs without any warning
printed = {{}}
for path in {paths!r}:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runpy.run_path(path, run_name="__main__")
    printed[path] = out.getvalue()
ours = sorted(m for m in sys.modules if m.split(".")[0] == "designer")
assert not ours, f"an exported module imported {{ours}}"
print(json.dumps(printed))
"""


def test_cli_exports_print_exactly_the_csv_in_one_fresh_interpreter(tmp_path, python,
                                                                   subprocess_env):
    documents = _collect_documents(25, schedule_docs())
    assert len(documents) >= 20
    jobs = []
    for index, document in enumerate(documents):
        source = tmp_path / f"design_{index}.json"
        source.write_text(json.dumps(document), encoding="utf-8")
        jobs.append((str(source), str(tmp_path / f"design_{index}.py"),
                     str(tmp_path / f"design_{index}.csv")))
    exported = subprocess.run([python, "-c", EXPORT_WITH_THE_CLI.format(jobs=jobs)],
                              capture_output=True, text=True, env=subprocess_env, timeout=300, check=False)
    assert exported.returncode == 0, exported.stderr
    paths = [job[1] for job in jobs]
    ran = subprocess.run([python, "-c", RUN_ALL_MODULES.format(paths=paths)],
                         capture_output=True, text=True, env=subprocess_env, timeout=300,
                         cwd=tmp_path, check=False)
    assert ran.returncode == 0, ran.stderr
    printed = json.loads(ran.stdout)
    for (source, module, table), document in zip(jobs, documents):
        rows = list(csv.reader(io.StringIO(Path(table).read_text(encoding="utf-8"))))
        design = load_schedule(json.dumps(document))
        names = [group["name"] for group in document.get("param_groups", [])]
        assert rows[0] == ["step", *([f"lr_{name}" for name in names] or ["lr"])]
        assert [int(row[0]) for row in rows[1:]] == list(range(len(rows) - 1))
        lines = printed[module].splitlines()
        assert lines == [", ".join(row[1:]) for row in rows[1:]], json.dumps(document)
        engine = compute_curves(design).group_lrs()
        printed_values = [[float(v) for v in line.split(", ")] for line in lines]
        assert np.array_equal(np.asarray(printed_values).reshape(-1, len(engine)).T,
                              engine), json.dumps(document)


# Idiomatic code where torch's own classes reproduce the design ----------------------------------

def test_single_phase_is_a_single_torch_scheduler():
    s = Schedule((Phase("CosineAnnealingLR", 100, {"eta_min": 1e-5}),), SGD)
    source = export_python(s)
    assert "PhasedLR" not in source and "SequentialLR" not in source
    assert ("    return lr_scheduler.CosineAnnealingLR(optimizer, T_max=100, eta_min=1e-05)\n"
            in source)
    assert sequential_lr_obstacles(s) == []
    assert np.array_equal(run_exported(source)[0], compute_curve(s))


def test_all_restart_phases_are_plain_sequential_lr():
    s = Schedule((Phase("LinearLR", 10, {"start_factor": 0.01}),
                  Phase("CosineAnnealingLR", 90, {"eta_min": 0.0})), SGD)
    source = export_python(s)
    assert "PhasedLR" not in source and "Not plain SequentialLR" not in source
    assert "lr_scheduler.SequentialLR(" in source
    assert "milestones=[10]," in source
    assert "lr_scheduler.LinearLR(optimizer, start_factor=0.01, total_iters=10)," in source
    assert "lr_scheduler.CosineAnnealingLR(optimizer, T_max=90, eta_min=0.0)," in source
    assert np.array_equal(run_exported(source)[0], compute_curve(s))


@pytest.mark.parametrize(("phases", "reason"), [
    ((Phase("StepLR", 20, {"step_size": 5, "gamma": 0.5}),
      Phase("ExponentialLR", 10, {"gamma": 0.9}, CONTINUE)), "continues from the previous"),
    ((Phase("LinearLR", 10, {"start_factor": 0.1}), Phase("OneCycleLR", 50, {"max_lr": 0.5})),
     "overwrites the lr, initial_lr and momentum"),
    ((Phase("ExponentialLR", 10, {"gamma": 0.9}, 0.05),), "explicit lr of 0.05"),
    ((Phase("StepLR", 5, {"step_size": 2}), Phase("MultiplicativeLR", 5, {"lr_lambda": "0.9"})),
     "multiply the previous phase's lr"),
    ((Phase("StepLR", 5, {"step_size": 2}), Phase("CosineAnnealingLR", 5, {"eta_min": 0.01})),
     "closed form"),
])
def test_designs_sequential_lr_cannot_reproduce_use_phased_lr_and_say_why(phases, reason):
    s = Schedule(phases, SGD)
    source = export_python(s)
    assert "class PhasedLR:" in source
    assert "    # Not plain SequentialLR, because:\n" in source
    assert reason in source
    assert any(reason in text for text in sequential_lr_obstacles(s))
    assert np.array_equal(run_exported(source)[0], compute_curve(s))


def test_comments_say_where_to_call_step():
    per_batch = export_python(Schedule((Phase("StepLR", 5, {"step_size": 2}),), SGD, "step",
                                       100))
    assert "Call scheduler.step() once per batch, right after optimizer.step()." in per_batch
    assert "call its step() once per batch" in per_batch
    per_epoch = export_python(Schedule((Phase("StepLR", 5, {"step_size": 2}),), SGD, "epoch",
                                       100))
    assert "Call scheduler.step() once per epoch" in per_epoch
    assert "call its step() once per epoch" in per_epoch
    assert "epochs of 100 batches each" in per_epoch or "of 100 batches each" in per_epoch


def test_math_is_imported_only_when_an_expression_uses_it():
    plain = export_python(Schedule((Phase("LambdaLR", 5, {"lr_lambda": "0.9 ** step"}),), SGD))
    assert "import math" not in plain
    cosine = export_python(Schedule((Phase("LambdaLR", 5, {"lr_lambda": "cos(step)"}),), SGD))
    assert "import math\n" in cosine and "math.cos(step)" in cosine


def test_plain_sequential_lr_corrupts_warmup_then_one_cycle():
    """Why PhasedLR exists: OneCycleLR's constructor overwrites initial_lr of the shared param
    group, so torch's own SequentialLR warms up from the wrong lr."""
    design = Schedule((Phase("LinearLR", 10, {"start_factor": 0.1}),
                       Phase("OneCycleLR", 30, {"max_lr": 0.5})), SGD)
    engine = compute_curve(design)
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    sequential = lr_scheduler.SequentialLR(optimizer, [
        lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=10),
        lr_scheduler.OneCycleLR(optimizer, max_lr=0.5, total_steps=30),
    ], milestones=[10])
    plain = []
    for _ in range(40):
        plain.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        sequential.step()
    assert engine[0] == pytest.approx(0.01)  # the designed warmup starts at 0.1 * 0.1
    assert plain[0] != engine[0]  # SequentialLR starts from OneCycleLR's max_lr / 25 instead
    assert not np.array_equal(np.asarray(plain[:10]), engine[:10])
    assert np.array_equal(run_exported(export_python(design))[0], engine)


# PhasedLR checkpoints ---------------------------------------------------------------------------

def test_phased_lr_state_dict_resumes_exactly():
    s = Schedule((Phase("LinearLR", 6, {"start_factor": 0.1}),
                  Phase("OneCycleLR", 12, {"max_lr": 0.5}, CONTINUE),
                  Phase("CyclicLR", 9, {"base_lr": 0.01, "max_lr": 0.2, "step_size_up": 2}),
                  Phase("LambdaLR", 5, {"lr_lambda": "0.5 ** step"}, 0.3),
                  Phase("ExponentialLR", 6, {"gamma": 0.9}, CONTINUE)),
                 OptimizerConfig("Adam", 0.01, {"betas": (0.85, 0.99)}))
    source = export_python(s)
    assert "class PhasedLR:" in source
    namespace = load_module(source)
    curve = compute_curve(s)

    def fresh():
        optimizer = build_optimizer_like_main(source, namespace)
        return optimizer, namespace["build_scheduler"](optimizer)

    for stop in range(s.total_steps + 1):
        optimizer, scheduler = fresh()
        lrs = first_group_lrs(optimizer, scheduler, stop)
        saved = (optimizer.state_dict(), scheduler.state_dict())
        # As torch advises: build the scheduler, then load the optimizer, then the scheduler.
        optimizer, scheduler = fresh()
        optimizer.load_state_dict(saved[0])
        scheduler.load_state_dict(saved[1])
        for _ in range(stop, s.total_steps):
            lrs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
        assert np.array_equal(np.asarray(lrs), curve), stop
        assert scheduler.get_last_lr() == [optimizer.param_groups[0]["lr"]]


# Generated code passes ruff ---------------------------------------------------------------------

def test_generated_code_passes_ruff(tmp_path):
    ruff = Path(sys.executable).with_name("ruff")
    if not ruff.exists():
        pytest.skip("ruff is not installed in this environment")
    documents = _collect_documents(40, schedule_docs())
    for index, document in enumerate(documents):
        document["name"] = NASTY_NAMES[index % len(NASTY_NAMES)]
        s = load_schedule(json.dumps(document))
        (tmp_path / f"design_{index}.py").write_text(export_python(s), encoding="utf-8")
    fixed = {
        "empty": Schedule(),
        "single": Schedule((Phase("OneCycleLR", 50, {"max_lr": 0.5}),), SGD),
        "sequential": Schedule((Phase("LinearLR", 10, {"start_factor": 0.1}),
                                Phase("LambdaLR", 20, {"lr_lambda": "exp(-step / 5)"}),
                                Phase("MultiStepLR", 20, {"milestones": (5, 10)})), SGD),
    }
    for stem, design in fixed.items():
        (tmp_path / f"{stem}.py").write_text(export_python(design), encoding="utf-8")
    kinds = {kind_of(path.read_text(encoding="utf-8")) for path in tmp_path.glob("*.py")}
    assert kinds == {"PhasedLR", "SequentialLR", "single scheduler"}
    # --isolated: ruff's defaults, as in a user's project without a config.
    result = subprocess.run([str(ruff), "check", "--isolated", "--no-cache", str(tmp_path)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


# Nothing from the file breaks out of a string or comment -------------------------------------------

NASTY_NAMES = [
    'ZQX """; import os; os.system("echo pwned"); """',
    "ZQX '''\nimport os\n'''",
    "ZQX \\",
    "ZQX \\\n__import__('os')",
    "ZQX # not a comment\nimport os",
    "ZQX \u2028import os\u2029x = 1\u0085y = 2",
    "ZQX \r\nprint('x')\r",
    "ZQX \x00\x0c\x1b[31m",
    'ZQX {0} %s {SCHEDULE_NAME!r} \\N{BULLET}',
    "ZQX 日本語 ✓ 🙂",
    "ZQX \"'\"",
]


@pytest.mark.parametrize("name", NASTY_NAMES)
def test_names_cannot_break_out(name):
    document = {"format": "lr-schedule-designer", "version": 1, "name": name,
                "optimizer": {"name": "SGD", "lr": 0.1},
                "phases": [{"scheduler": "StepLR", "steps": 4, "params": {"step_size": 2}},
                           {"scheduler": "LambdaLR", "steps": 4, "start": "continue",
                            "params": {"lr_lambda": "(1 # QQCOMMENT\n + step)"}}]}
    s = load_schedule(json.dumps(document))
    assert load_schedule(dump_schedule(s)).name == name
    source = export_python(s)
    tree = ast.parse(source)
    holders = [node for node in ast.walk(tree)
               if isinstance(node, ast.Constant) and isinstance(node.value, str)
               and "ZQX" in node.value]
    assert [node.value for node in holders] == [name]
    assignment = next(node for node in tree.body if isinstance(node, ast.Assign)
                      and node.targets[0].id == "SCHEDULE_NAME")
    assert assignment.value is holders[0]
    # The expression's comment is gone: only its validated AST is written back.
    assert "QQCOMMENT" not in source
    assert "(1 + step)" in source or "1 + step" in source
    assert source.isascii() or "ZQX" not in source.split("SCHEDULE_NAME = ")[0]
    namespace = load_module(source)
    assert namespace["SCHEDULE_NAME"] == name
    assert np.array_equal(run_exported(source)[0], compute_curve(s))


def test_expressions_are_rebuilt_from_their_validated_ast():
    s = Schedule((Phase("LambdaLR", 5, {"lr_lambda": "min(1, (step+1)/5)  # warm-up"}),), SGD)
    source = export_python(s)
    assert "lambda step: min(1, (step + 1) / 5)" in source
    assert "warm-up" not in source


def test_empty_design_exports_a_no_op_scheduler():
    source = export_python(Schedule())
    actual, namespace = run_exported(source)
    assert namespace["TOTAL_STEPS"] == 0 and actual.shape == (0,)
