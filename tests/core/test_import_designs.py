"""Import: one design per optimizer a snippet schedules (named after its variable, picked with
--optimizer, written to -o's name plus -NAME), frozen param groups (lr 0) kept through import,
preview and export, custom schedulers reported with where the curve differs, and every
torch optimizer the catalog holds imported as itself."""

from __future__ import annotations

import json

import numpy as np
import pytest

from designer.cli import main
from designer.core.curves.engine import compute_curves, make_optimizer
from designer.core.export.python_module import export_python
from designer.core.importing.assembly import optimizer_name
from designer.core.importing.python import import_python, import_python_designs
from designer.core.schedule.catalog import OPTIMIZERS
from designer.core.schedule.fileformat import dump_schedule, load_schedule, load_schedule_file

GAN = ("import torch\nfrom torch.optim.lr_scheduler import StepLR, ExponentialLR\n"
       "opt_g = torch.optim.Adam(G.parameters(), lr=2e-4)\n"
       "opt_d = torch.optim.SGD(D.parameters(), lr=1e-4)\n"
       "sched_g = StepLR(opt_g, 10, gamma=0.5)\n"
       "sched_d = ExponentialLR(opt_d, 0.9)\n"
       "for epoch in range(30):\n    sched_g.step()\n    sched_d.step()\n")


def test_one_design_per_optimizer_named_after_its_variable():
    results = import_python_designs(GAN, name="gan")
    assert [r.optimizer for r in results] == ["opt_g", "opt_d"]
    assert [r.schedule.name for r in results] == ["gan (opt_g)", "gan (opt_d)"]
    assert [(r.schedule.optimizer.name, r.schedule.phases[0].scheduler) for r in results] == [
        ("Adam", "StepLR"), ("SGD", "ExponentialLR")]
    assert all(r.problems == [] and r.schedule.total_steps == 30 for r in results)
    g_notes = " ".join(message for _, message in results[0].notes)
    assert "2 optimizers; this design is opt_g's, the others' are opt_d (line 4)" in g_notes
    # The window imports the first; import_python(optimizer=...) picks one.
    assert import_python(GAN).optimizer == "opt_g"
    assert import_python(GAN, name="gan", optimizer="opt_d").schedule == results[1].schedule
    missing = import_python(GAN, optimizer="opt_x")
    assert not missing.imported
    assert missing.problems[0].message == ("the snippet schedules no optimizer named 'opt_x' "
                                           "(it schedules opt_g, opt_d)")


@pytest.mark.parametrize("text, name", [
    ("self.opt_g", "opt_g"), ("optimizers[0]", "optimizers_0"), ("opts['G']", "opts_G"),
    ("self.optimizers[1]", "optimizers_1"), ("", "optimizer_3"),
])
def test_optimizer_names_are_file_name_safe(text, name):
    assert optimizer_name(text, 3) == name


def test_schedulers_on_optimizers_the_snippet_does_not_build_are_told_apart():
    source = ("from torch.optim.lr_scheduler import LambdaLR\n"
              "a = LambdaLR(self.optimizer_G, lambda e: 0.9 ** e)\n"
              "b = LambdaLR(self.optimizer_D, lambda e: 0.8 ** e)\n")
    results = import_python_designs(source, total_steps=5)
    assert [r.optimizer for r in results] == ["optimizer_G", "optimizer_D"]
    assert all(any("not built in the snippet" in m for _, m in r.problems) for r in results)


def test_cli_writes_one_design_per_optimizer(tmp_path, capsys):
    snippet = tmp_path / "gan.py"
    snippet.write_text(GAN, encoding="utf-8")
    out = tmp_path / "out.json"
    assert main(["import", str(snippet), "-o", str(out)]) == 0
    err = capsys.readouterr().err.splitlines()
    paths = {name: tmp_path / f"out-{name}.json" for name in ("opt_g", "opt_d")}
    assert {name: load_schedule_file(str(path)).optimizer.name
            for name, path in paths.items()} == {"opt_g": "Adam", "opt_d": "SGD"}
    assert not out.exists()
    assert f"{snippet}: note: the design of opt_d is in {paths['opt_d']}" in err
    assert any(line.startswith(f"{snippet}:8: opt_g: note: the design lasts 30 steps")
               for line in err), err
    # --optimizer picks one, to stdout or -o as it is.
    assert main(["import", str(snippet), "--optimizer", "opt_d"]) == 0
    assert json.loads(capsys.readouterr().out)["optimizer"]["name"] == "SGD"


@pytest.mark.parametrize("argv, words", [
    ([], ("schedules 2 optimizers (opt_g, opt_d): give -o to write one design each, or "
         "--optimizer NAME for one")),
    (["--optimizer", "opt_x"], ("schedules no optimizer named 'opt_x' (it schedules opt_g, "
                               "opt_d)")),
])
def test_cli_refuses_what_it_cannot_write_in_one_line(tmp_path, capsys, argv, words):
    snippet = tmp_path / "gan.py"
    snippet.write_text(GAN, encoding="utf-8")
    assert main(["import", str(snippet), *argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines()[-1] == f"lr-designer import: {snippet} {words}"


def test_a_frozen_group_keeps_its_lr_of_zero_through_import_preview_and_export():
    source = ("import torch\nopt = torch.optim.SGD([\n"
              "    {'params': model.backbone.parameters(), 'lr': 0.0},\n"
              "    {'params': model.head.parameters()}], lr=0.1, momentum=0.9)\n"
              "s = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=20)\n")
    result = import_python(source)
    assert result.problems == []
    assert [(g.name, g.lr) for g in result.schedule.param_groups] == [
        ("backbone", 0.0), ("head", 0.1)]
    assert load_schedule(dump_schedule(result.schedule)) == result.schedule
    curves = compute_curves(result.schedule).group_lrs()
    assert not curves[0].any() and curves[1][0] == 0.1
    namespace = {"__name__": "exported"}
    exec(compile(export_python(result.schedule), "<exported>", "exec"), namespace)  # noqa: S102
    assert namespace["PARAM_GROUPS"] == {"backbone": 0.0, "head": 0.1}
    optimizer = make_optimizer(result.schedule.optimizer, result.schedule.base_lrs())
    scheduler = namespace["build_scheduler"](optimizer)
    exported = []
    for _ in range(20):
        exported.append([group["lr"] for group in optimizer.param_groups])
        optimizer.step()
        scheduler.step()
    np.testing.assert_array_equal(np.asarray(exported).T, curves)


def test_the_only_group_frozen_is_a_problem_not_a_design_that_never_trains():
    result = import_python("import torch\nopt = torch.optim.SGD([{'params': p, 'lr': 0}], "
                           "lr=0.1)\ns = torch.optim.lr_scheduler.StepLR(opt, 5)\n",
                           total_steps=10)
    assert result.schedule.optimizer.lr == 0.1
    assert any("only param group's lr is 0" in m for _, m in result.problems)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_every_catalog_optimizer_imports_as_itself(name):
    source = (f"import torch\nopt = torch.optim.{name}(model.parameters(), lr=0.25)\n"
              "s = torch.optim.lr_scheduler.StepLR(opt, 3, gamma=0.5)\n")
    result = import_python(source, total_steps=7)
    assert result.problems == [], result.problems
    assert (result.schedule.optimizer.name, result.schedule.optimizer.lr) == (name, 0.25)
    assert compute_curves(result.schedule).lr.tolist() == [0.25] * 3 + [0.125] * 3 + [0.0625]


def test_an_unsupported_optimizer_keeps_its_lr_and_drops_its_other_arguments():
    result = import_python("import torch\nopt = torch.optim.Muon(model.parameters(), 0.02, "
                           "0.1, momentum=0.9)\ns = torch.optim.lr_scheduler.StepLR(opt, 3)\n",
                           total_steps=6)
    assert result.schedule.optimizer.name == "SGD"
    assert result.schedule.optimizer.lr == 0.02 and result.schedule.optimizer.params == {}
    assert any("Muon is not an optimizer the designer supports" in m
               for _, m in result.problems)


def test_a_custom_scheduler_is_reported_with_where_the_curve_differs():
    head = ("import torch\nfrom torch.optim.lr_scheduler import _LRScheduler\n"
            "class Warmup(_LRScheduler):\n    pass\n"
            "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
            "cos = torch.optim.lr_scheduler.CosineAnnealingLR(opt, 50)\n")
    wrapping = import_python(head + "a = Warmup(opt, after=cos)\n")
    assert [p.scheduler for p in wrapping.schedule.phases] == ["CosineAnnealingLR"]
    (line, message), = wrapping.problems
    assert line == 7 and message.endswith(
        "the design has the CosineAnnealingLR it wraps (line 6) alone, so its curve differs "
        "from the script's wherever `Warmup` changes that scheduler's lr")
    sequential = import_python(head + "b = torch.optim.lr_scheduler.SequentialLR(opt, "
                               "[Warmup(opt), cos], [5])\n")
    assert [(p.scheduler, p.steps) for p in sequential.schedule.phases] == [
        ("ConstantLR", 5), ("CosineAnnealingLR", 50)]
    (line, message), = sequential.problems
    assert line == 7 and "holds the lr constant for its 5 steps instead, so its curve " \
        "differs from the script's there" in message
    alone = import_python(head.replace("cos = ", "# ") + "c = Warmup(opt)\n")
    assert not alone.imported
    assert any("it is left out, so the design's curve differs from the script's wherever "
               "`Warmup` sets the lr" in m for _, m in alone.problems)
