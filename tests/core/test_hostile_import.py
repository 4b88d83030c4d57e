"""Hostile snippets for the importer: every one imports without an exception, is
reported at the line that causes it, and the well-formed rest of the snippet still imports.

Each case marks the line its problem belongs to with `# <-`. The importer is run directly
and through `lr-designer import` in-process; the command line must exit as the import
went (0 with phases, else 2) with one line per message on stderr and no traceback. The
command also computes the imported design's curve with torch, so a case that exits 0
proves that the design put in place of the hostile part is one torch runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from designer.cli import main
from designer.core.importing.python import import_python
from designer.core.schedule.catalog import SCHEDULERS

HUGE = "0x" + "f" * 5000  # 20,000 bits: str() of it passes Python's 4,300-digit limit
HEAD = ("import argparse\nimport functools\nimport math\nimport torch\nimport transformers\n"
        "from torch.optim.lr_scheduler import *\n")
OPT = "opt = torch.optim.SGD(model.parameters(), lr=0.1)\n"
RUN = 100  # the total_steps given, so that no case is about the run length
LAMBDA = SCHEDULERS["LambdaLR"].param("lr_lambda").suggested
MULTIPLY = SCHEDULERS["MultiplicativeLR"].param("lr_lambda").suggested


@dataclass(frozen=True)
class Case:
    """A hostile snippet; `words` appear in the problem at the `# <-` line, `schedulers`
    are the imported phases (none: Python itself cannot read the snippet, or the hostile
    part is what the whole import rests on), `kept` (phase, param, value) a value the
    import keeps or puts in place of the hostile one."""

    id: str
    body: str
    words: str
    schedulers: tuple[str, ...]
    kept: tuple[int, str, Any] | None = None

    @property
    def source(self) -> str:
        return HEAD + self.body

    @property
    def line(self) -> int:
        return next(number for number, text in enumerate(self.source.splitlines(), 1)
                    if text.endswith("# <-"))


CASES = [
    # Lambdas that fail when evaluated: at step 0, at a later step, at the last step.
    Case("chained_lambda_divides_by_zero", OPT + "s = ChainedScheduler([\n"
         "    LambdaLR(opt, lambda e: 1 / 0),  # <-\n    StepLR(opt, 10, gamma=0.5),\n])\n",
         "division by zero at step 0", ("StepLR",), (0, "gamma", 0.5)),
    Case("chained_lambda_log_of_zero", OPT + "s = ChainedScheduler([\n"
         "    ConstantLR(opt, factor=1.0),\n    LambdaLR(opt, lambda e: math.log(0)),  # <-\n"
         "])\n", "math domain error at step 0", ("ConstantLR",)),
    Case("lambda_log_of_zero", OPT + "s = LambdaLR(opt, lambda e: math.log(0))  # <-\n",
         "math domain error at step 0", ("LambdaLR",), (0, "lr_lambda", LAMBDA)),
    Case("lambda_fails_mid_run", OPT + "s = LambdaLR(opt, lambda e: 1 / (e - 50))  # <-\n",
         "division by zero at step 50", ("LambdaLR",), (0, "lr_lambda", LAMBDA)),
    Case("lambda_fails_at_the_step_that_ends_the_run",
         OPT + "s = LambdaLR(opt, lambda e: 1 / (e - 100))  # <-\n",
         f"division by zero at step {RUN}", ("LambdaLR",), (0, "lr_lambda", LAMBDA)),
    Case("multiplicative_fails_later", OPT + "s = MultiplicativeLR(opt, lambda e: 1 / (e - 7))"
         "  # <-\n", "division by zero at step 7", ("MultiplicativeLR",),
         (0, "lr_lambda", MULTIPLY)),
    Case("def_with_sqrt_of_negative", OPT + "def warmup(e):\n    k = math.sqrt(-1)\n"
         "    return k * e\ns = LambdaLR(opt, warmup)  # <-\n", "math domain error",
         ("LambdaLR",), (0, "lr_lambda", LAMBDA)),
    Case("lambda_power_tower", OPT + "s = LambdaLR(opt, lambda e: 10 ** 10 ** 10)  # <-\n",
         "too large", ("LambdaLR",), (0, "lr_lambda", LAMBDA)),
    Case("sequential_multiplicative_one_over_epoch", OPT + "s = SequentialLR(opt, [\n"
         "    StepLR(opt, 10),\n    MultiplicativeLR(opt, lambda e: 1 / e),  # <-\n"
         "], milestones=[50])\n", "lr_lambda(0), which fails (division by zero",
         ("StepLR", "MultiplicativeLR"), (1, "lr_lambda", "1 / step")),
    Case("sequential_lambda_fails_later", OPT + "s = SequentialLR(opt, [\n"
         "    LambdaLR(opt, lambda e: 1 / (e - 3)),  # <-\n    StepLR(opt, 10),\n"
         "], milestones=[5])\n", "division by zero at step 3", ("LambdaLR", "StepLR"),
         (1, "step_size", 10)),
    # Integer literals too long for str() (Python's 4,300-digit limit), in every position.
    Case("huge_step_size", OPT + f"s = StepLR(opt, {HUGE}, gamma=0.5)  # <-\n",
         "larger than any number a schedule uses", ("StepLR",), (0, "gamma", 0.5)),
    Case("huge_gamma", OPT + f"s = StepLR(opt, 10, gamma={HUGE})  # <-\n",
         "larger than any number", ("StepLR",), (0, "step_size", 10)),
    Case("negative_huge_gamma", OPT + f"s = StepLR(opt, 10, gamma=-{HUGE})  # <-\n",
         "gamma", ("StepLR",), (0, "step_size", 10)),
    Case("huge_optimizer_lr", f"opt = torch.optim.SGD(model.parameters(), lr={HUGE})  # <-\n"
         "s = StepLR(opt, 10)\n", "larger than any number", ("StepLR",), (0, "step_size", 10)),
    Case("huge_group_lr", f"opt = torch.optim.SGD([{{'params': a.parameters(), 'lr': {HUGE}}},"
         " {'params': b.parameters()}], lr=0.1)  # <-\ns = StepLR(opt, 10)\n",
         "larger than any number", ("StepLR",), (0, "step_size", 10)),
    Case("huge_in_lambda", OPT + f"s = LambdaLR(opt, lambda e: {HUGE} * e)  # <-\n",
         "larger than any number", ("LambdaLR",), (0, "lr_lambda", LAMBDA)),
    Case("huge_milestone", OPT + f"s = MultiStepLR(opt, [10, {HUGE}], gamma=0.5)  # <-\n",
         "milestones", ("MultiStepLR",), (0, "gamma", 0.5)),
    # A value read through a name is reported where a scheduler uses it.
    Case("huge_variable", OPT + f"n = {HUGE}\ns = StepLR(opt, n, gamma=0.5)  # <-\n",
         "larger than any number", ("StepLR",), (0, "gamma", 0.5)),
    Case("huge_argparse_default", OPT + "parser = argparse.ArgumentParser()\n"
         f"parser.add_argument('--step', type=int, default={HUGE})\n"
         "args = parser.parse_args()\ns = StepLR(opt, args.step, gamma=0.5)  # <-\n",
         "larger than any number", ("StepLR",), (0, "gamma", 0.5)),
    Case("huge_partial_argument", OPT + "def decay(e, k):\n    return k ** e\n"
         f"s = LambdaLR(opt, functools.partial(decay, k={HUGE}))  # <-\n",
         "larger than any number", ("LambdaLR",), (0, "lr_lambda", LAMBDA)),
    Case("huge_last_epoch", OPT + f"s = StepLR(opt, 10, last_epoch={HUGE})  # <-\n",
         "last_epoch (unknown)", ("StepLR",), (0, "step_size", 10)),
    Case("huge_in_a_step_condition", OPT + "s = StepLR(opt, 10)\nfor i in range(100):\n"
         f"    if i > {HUGE}:\n        s.step()  # <-\n", "<a 20,000-bit integer>", ("StepLR",),
         (0, "step_size", 10)),
    Case("huge_steps_per_epoch", OPT + "s = OneCycleLR(opt, max_lr=0.1, epochs=3, "
         f"steps_per_epoch={HUGE})  # <-\n", "larger than any number", ("OneCycleLR",),
         (0, "max_lr", 0.1)),
    Case("huge_transformers_warmup", OPT + "s = transformers.get_linear_schedule_with_warmup("
         f"opt, {HUGE}, 1000)  # <-\n", "larger than any number", ()),
    # Values Python computes but no schedule can use.
    Case("nan_gamma", OPT + "s = StepLR(opt, 10, gamma=float('nan'))  # <-\n", "not a number",
         ("StepLR",), (0, "step_size", 10)),
    Case("overflowing_gamma", OPT + "s = StepLR(opt, 10, gamma=1e400)  # <-\n",
         "finite number", ("StepLR",), (0, "step_size", 10)),
    Case("huge_power_gamma", OPT + "s = StepLR(opt, 10, gamma=2 ** 4000)  # <-\n",
         "too large", ("StepLR",), (0, "step_size", 10)),
    Case("onecycle_negative_epochs", OPT + "s = OneCycleLR(opt, max_lr=0.1, epochs=-3, "
         "steps_per_epoch=10)  # <-\n", "must be positive integers", ("OneCycleLR",),
         (0, "max_lr", 0.1)),
    Case("transformers_num_cycles_none", OPT + "s = transformers.get_cosine_schedule_with_warmup"
         "(opt, 10, 1000, num_cycles=None)  # <-\n", "fails on the snippet's arguments", ()),
    # Nesting deeper than the reader (or Python itself) goes.
    Case("deep_unary_minus", OPT + "s = StepLR(opt, 10, gamma=" + "-" * 900 + "0.5)  # <-\n",
         "too complex", ("StepLR",), (0, "step_size", 10)),
    Case("deep_sum_in_lambda", OPT + "s = LambdaLR(opt, lambda e: " + " + ".join(["e"] * 900)
         + ")  # <-\n", "too complex", ("LambdaLR",), (0, "lr_lambda", LAMBDA)),
    Case("deep_condition_after_the_scheduler", OPT + "s = StepLR(opt, 10)\n"
         "if " + "not " * 900 + "ready:  # <-\n    print('ready')\n", "nests too deeply",
         ("StepLR",), (0, "step_size", 10)),
    Case("lambda_calling_itself", OPT + "def f(e):\n    return f(e)\n"
         "s = LambdaLR(opt, f)  # <-\n", "nest too deeply", ("LambdaLR",),
         (0, "lr_lambda", LAMBDA)),
    # Constant folding stays bounded and says why it stops.
    Case("range_too_long", OPT + "s = MultiStepLR(opt, list(range(10 ** 10)), gamma=0.5)  # <-\n",
         "more than 10,000 items", ("MultiStepLR",), (0, "gamma", 0.5)),
    Case("unpacked_range_too_long", OPT + "s = MultiStepLR(opt, [*range(10 ** 15)], 0.5)  # <-\n",
         "more than 10,000 items", ("MultiStepLR",), (0, "gamma", 0.5)),
    Case("extended_by_a_range_too_long", OPT + "m = []\nm.extend(range(10 ** 30))\n"
         "s = MultiStepLR(opt, m, gamma=0.5)  # <-\n", "is changed by", ("MultiStepLR",),
         (0, "gamma", 0.5)),
    Case("repeated_list_too_long", OPT + "s = MultiStepLR(opt, [0] * 10 ** 10, 0.5)  # <-\n",
         "more than 10,000 items", ("MultiStepLR",), (0, "gamma", 0.5)),
    Case("comprehensions_compute_too_much", OPT + "n = len([[i for i in range(1000)] for j in "
         "range(1000)])\ns = StepLR(opt, n, gamma=0.5)  # <-\n", "more than 10,000 steps",
         ("StepLR",), (0, "gamma", 0.5)),
    Case("round_to_huge_digits", OPT + "s = StepLR(opt, 10, gamma=round(0.5, 10 ** 9))  # <-\n",
         "modest number of digits", ("StepLR",), (0, "step_size", 10)),
    Case("range_step_zero", OPT + "s = MultiStepLR(opt, list(range(1, 9, 0)), 0.5)  # <-\n",
         "must not be zero", ("MultiStepLR",), (0, "gamma", 0.5)),
    Case("list_appended_to_itself", OPT + "m = [10]\nm.append(m)\n"
         "s = MultiStepLR(opt, m, gamma=0.5)  # <-\n", "is changed by `m.append(m)`",
         ("MultiStepLR",), (0, "gamma", 0.5)),
    Case("list_holding_itself", OPT + "m = [10]\nm[0] = m\n"
         "s = MultiStepLR(opt, m, gamma=0.5)  # <-\n", "is changed by `m[0] = ...`",
         ("MultiStepLR",), (0, "gamma", 0.5)),
    Case("class_building_itself", OPT + "class A:\n    def __init__(self):\n"
         "        self.a = A()  # <-\n    def f(self, e):\n        return 0.9 ** e\n"
         "s = LambdaLR(opt, A().f)\n", "nest too deeply", ("LambdaLR",)),
    # Python's own parser gives up: nothing can be imported, but the line is named.
    Case("attribute_chain_python_cannot_parse", OPT + "x = a" + ".b" * 5000 + "  # <-\n"
         "s = StepLR(opt, 10)\n", "Python cannot run it either", ()),
]


class TestHostileSnippets:
    @pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
    def test_reported_at_its_line_and_the_rest_imports(self, case):
        result = import_python(case.source, RUN)
        at_line = [message for line, message in result.problems if line == case.line]
        assert any(case.words in message for message in at_line), result.problems
        assert all("\n" not in message for _, message in result.problems + result.notes)
        assert tuple(p.scheduler for p in result.schedule.phases) == case.schedulers
        if case.kept is not None:
            index, name, value = case.kept
            assert result.schedule.phases[index].params[name] == value

    @pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
    def test_command_line_reports_it_in_one_line(self, case, tmp_path, capsys):
        path = tmp_path / "snippet.py"
        path.write_text(case.source, encoding="utf-8")
        code = main(["import", str(path), "--total-steps", str(RUN)])
        captured = capsys.readouterr()
        assert code == (0 if case.schedulers else 2), captured.err
        assert "Traceback" not in captured.err
        lines = captured.err.splitlines()
        assert lines and all(line.startswith(f"{path}:") for line in lines), captured.err
        assert any(line.startswith(f"{path}:{case.line}: ") and case.words in line
                   for line in lines), captured.err


def test_onecycle_steps_per_epoch_beside_total_steps_is_ignored_as_torch_does():
    # OneCycleLR.__init__ reads epochs and steps_per_epoch only when total_steps is None.
    source = HEAD + OPT + ("s = OneCycleLR(opt, max_lr=0.1, total_steps=100, epochs=0, "
                           "steps_per_epoch=-5)\n")
    result = import_python(source)
    assert result.problems == []
    assert result.schedule.steps_per_epoch is None
    assert [p.steps for p in result.schedule.phases] == [100]


def test_onecycle_steps_per_epoch_beside_total_steps_on_the_command_line(tmp_path, capsys):
    path = tmp_path / "onecycle.py"
    path.write_text(HEAD + OPT + "s = OneCycleLR(opt, max_lr=0.1, total_steps=100, "
                    "steps_per_epoch=-5)\n", encoding="utf-8")
    assert main(["import", str(path)]) == 0, capsys.readouterr().err


def test_multiplicative_one_over_epoch_alone_is_no_problem():
    # Standing alone, MultiplicativeLR never evaluates its lambda at step 0.
    result = import_python(HEAD + OPT + "s = MultiplicativeLR(opt, lambda e: 1 / e)\n", RUN)
    assert result.problems == []
    assert result.schedule.phases[0].params["lr_lambda"] == "1 / step"


def test_sequential_multiplicative_failing_at_zero_has_no_curve_of_its_own():
    # torch raises at the milestone, so there is no snippet curve to overlay.
    case = next(case for case in CASES if case.id == "sequential_multiplicative_one_over_epoch")
    result = import_python(case.source, RUN)
    assert not result.original_curve_differs
