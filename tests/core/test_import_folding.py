"""Import: values a snippet computes from its literals are folded over a whitelist (never by
running it), names set where only the running script decides are not constant, objects of the
snippet's own classes and what it asks its optimizer are read; torch's and transformers'
numbers are taken as they take them. Each case is checked against the snippet run for real
where a curve is involved."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest
import torch

from designer.core.curves.engine import compute_curves
from designer.core.importing.python import import_python
from designer.core.importing.signatures import OPTIMIZER_POSITIONAL
from designer.core.schedule.catalog import OPTIMIZERS
from designer.core.schedule.expressions import parse_expression

HEAD = ("import torch\nfrom torch.optim.lr_scheduler import *\n"
        "opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)\n")


def phase_params(source: str, **kwargs) -> dict:
    result = import_python(source, **kwargs)
    assert result.problems == [], result.problems
    phase, = result.schedule.phases
    return phase.params


def snippet_curve(source: str, steps: int, scheduler: str = "s") -> np.ndarray:
    """The snippet's own scheduler, built by running it (test data we wrote), stepped."""
    namespace = {"model": torch.nn.Linear(1, 1), "__name__": "snippet"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(source, "<snippet>", "exec"), namespace)  # noqa: S102
        built = eval(scheduler, namespace)
        lrs = []
        for _ in range(steps):
            lrs.append([group["lr"] for group in built.optimizer.param_groups])
            built.optimizer.step(lambda: torch.zeros(()))
            built.step()
    return np.asarray(lrs, dtype=np.float64).T


def assert_exact(source: str, steps: int, scheduler: str = "s") -> None:
    result = import_python(source, total_steps=steps)
    assert result.problems == [], result.problems
    np.testing.assert_array_equal(compute_curves(result.schedule).group_lrs(),
                                  snippet_curve(source, steps, scheduler))


@pytest.mark.parametrize("code, milestones", [
    ("s = MultiStepLR(opt, list(range(25, 200, 25)))", (25, 50, 75, 100, 125, 150, 175)),
    ("m = [30, 60]\ns = MultiStepLR(opt, [*m, 90])", (30, 60, 90)),
    ("s = MultiStepLR(opt, [10] + [20, 30] * 2)", (10, 20, 30, 20, 30)),
    ("e = 90\ns = MultiStepLR(opt, [int(e * f) for f in (0.5, 0.75)])", (45, 67)),
    ("s = MultiStepLR(opt, [i * 10 for i in range(1, 8) if i % 2])", (10, 30, 50, 70)),
    ("stages = [5, 15, 40]\ns = MultiStepLR(opt, stages[1:])", (15, 40)),
    ("stages = [5, 15, 40]\ns = MultiStepLR(opt, [stages[-1], max(stages) * 2])", (40, 80)),
    ("d = {'steps': [3, 6]}\ns = MultiStepLR(opt, d['steps'])", (3, 6)),
    ("d = {'x': 1}\ns = MultiStepLR(opt, [d.get('steps', 7), len(d)])", (7, 1)),
    ("m = []\nm.append(4)\nm.extend(range(8, 13, 4))\nm.insert(0, 2)\ns = MultiStepLR(opt, m)",
     (2, 4, 8, 12)),
    ("d = {'m': [1]}\nd['m'] = [5, 9]\ns = MultiStepLR(opt, d['m'])", (5, 9)),
    ("m = [1, 2]\nm[1] = 7\ns = MultiStepLR(opt, m)", (1, 7)),
])
def test_constant_lists_are_folded(code, milestones):
    assert phase_params(HEAD + code + "\n", total_steps=100)["milestones"] == milestones


@pytest.mark.parametrize("code, gamma", [
    ("g = [0.1, 0.5]\ns = StepLR(opt, 5, gamma=g[len(g) - 1])", 0.5),
    ("s = StepLR(opt, 5, gamma=round(1 / 3, 2))", 0.33),
    ("s = StepLR(opt, 5, gamma=min([0.9, 0.5, 0.7]))", 0.5),
    ("s = StepLR(opt, 5, gamma=sum([1, 2]) / 10)", 0.3),
    ("s = StepLR(opt, 5, gamma=0.5 if 3 in [1, 2, 3] else 0.1)", 0.5),
    ("s = StepLR(opt, 5, gamma=0.5 if 'momentum' in opt.defaults else 0.1)", 0.5),
    ("s = StepLR(opt, 5, gamma=opt.defaults['momentum'])", 0.9),
    ("s = StepLR(opt, 5, gamma=opt.param_groups[0]['lr'] * 5)", 0.5),
])
def test_numbers_computed_from_lists_and_the_optimizer(code, gamma):
    assert phase_params(HEAD + code + "\n", total_steps=20)["gamma"] == gamma


@pytest.mark.parametrize("code, words", [
    ("s = StepLR(opt, 5, gamma=sum([0.1, 0.2]))", "a sum of floats depends on the Python"),
    ("s = MultiStepLR(opt, list(range(10 ** 9)))", "more than 10,000 items"),
    ("s = MultiStepLR(opt, [1] * 10 ** 9)", "more than 10,000 items"),
    ("x = [[i for i in range(300)] for j in range(300)]\ns = StepLR(opt, len(x))",
     "takes more than 10,000 steps"),
    ("s = StepLR(opt, 5, gamma=[0.5][3])", "IndexError"),
    ("s = MultiStepLR(opt, [m for m in cfg.milestones])", "`cfg` is not defined"),
    ("s = StepLR(opt, 5, gamma=0.1 if 'x' in cfg.keys() else 0.5)", "`cfg.keys()`"),
    ("d = {'a': 1}\ns = MultiStepLR(opt, sorted(d.values()))", "only known"),
    ("s = StepLR(opt, 5, gamma=float('-inf'))", "`float('-inf')` is not a finite number"),
    ("s = StepLR(opt, int('5.0'))", "`int('5.0')` is not a number"),
    ("s = StepLR(opt, 5, gamma=float('9' * 101))", "is not a number"),
])
def test_what_cannot_be_folded_is_reported_with_its_reason(code, words):
    result = import_python(HEAD + code + "\n", total_steps=20)
    assert any(words in message for _, message in result.problems), result.problems
    assert result.imported  # the rest still imports


def test_folding_is_bounded_in_time():
    # Nested comprehensions, a list that grows by itself and a huge range together stay
    # bounded: the whole snippet computes at most 10,000 items.
    import time

    source = HEAD + ("a = [[[i for i in range(100)] for j in range(100)] for k in range(100)]\n"
                     "b = []\nb.append(b)\nc = len(range(10 ** 30))\n"
                     "d = [x for x in range(10 ** 12)]\ns = StepLR(opt, 5)\n")
    start = time.perf_counter()
    result = import_python(source, total_steps=10)
    assert time.perf_counter() - start < 5
    assert result.imported


@pytest.mark.parametrize("code, why", [
    ("epochs = 100\nif cfg.debug:\n    epochs = 1\n", "set in a branch of line 5"),
    ("epochs = 100\nif cfg.debug:\n    pass\nelse:\n    epochs = 50\n", "set in a branch"),
    ("epochs = 100\nfor i in range(3):\n    epochs += 10\n", "set in the loop of line 5"),
    ("epochs = 100\ntry:\n    epochs = 80\nexcept OSError:\n    epochs = 90\n",
     "set in an except clause"),
    ("ms = []\nfor i in range(3):\n    ms.append(i)\nepochs = len(ms)\n", "set in the loop"),
])
def test_a_name_set_where_only_the_script_decides_is_not_constant(code, why):
    result = import_python(HEAD + code + "s = CosineAnnealingLR(opt, T_max=epochs)\n")
    assert any(why in message for _, message in result.problems), result.problems


def test_decided_branches_and_straight_line_code_stay_constant():
    params = phase_params(HEAD + "epochs = 100\nif epochs > 50:\n    epochs = epochs // 2\n"
                          "for i in range(3):\n    x = i\ns = StepLR(opt, epochs, gamma=0.5)\n",
                          total_steps=60)
    assert params == {"step_size": 50, "gamma": 0.5}


def test_a_loop_over_schedulers_steps_each_and_is_no_training_loop():
    source = ("import torch\nfrom torch.optim.lr_scheduler import StepLR\n"
              "opts = [torch.optim.SGD(model.parameters(), lr=0.1),"
              " torch.optim.Adam(model.parameters(), lr=0.01)]\n"
              "scheds = [StepLR(o, 4, gamma=0.5) for o in opts]\n"
              "for epoch in range(12):\n    for s in scheds:\n        s.step()\n")
    result = import_python(source)
    assert result.problems == []
    assert result.optimizer == "opts_0" and result.schedule.total_steps == 12


@pytest.mark.parametrize("lambda_code", [
    "lambda e: 0.5 ** len([m for m in ms if m <= e])",
    "lambda e: 0.5 ** len([m for m in ms if e >= m])",
    "lambda e: 0.5 ** bisect.bisect_right(ms, e)",
    "lambda e: 0.5 ** bisect.bisect_left(ms, e)",
    "lambda e: (e + 1) / 3 if e < 3 else 0.1 ** bisect.bisect(ms, e)",
])
def test_lambdas_that_count_milestones_are_exact(lambda_code):
    source = HEAD + f"import bisect\nms = [4, 9, 15]\ns = LambdaLR(opt, {lambda_code})\n"
    assert_exact(source, 25)


def test_unsorted_milestones_in_bisect_are_not_counted():
    # bisect on an unsorted list is not a count of the milestones passed.
    result = import_python(HEAD + "import bisect\nms = [9, 4]\n"
                           "s = LambdaLR(opt, lambda e: 0.5 ** bisect.bisect_right(ms, e))\n",
                           total_steps=10)
    assert any("lr_lambda" in message for _, message in result.problems)


def test_objects_of_the_snippet_s_own_classes():
    source = HEAD + (
        "class Decay:\n"
        "    def __init__(self, total, start, floor=0.0):\n"
        "        self.total = total\n        self.start = start\n        self.floor = floor\n"
        "    def rate(self, epoch):\n"
        "        return max(self.floor, 1.0 - max(0, epoch - self.start) / (self.total - "
        "self.start))\n"
        "decay = Decay(20, 5, floor=0.1)\n"
        "s = LambdaLR(opt, lr_lambda=decay.rate)\n")
    assert phase_params(source, total_steps=20)["lr_lambda"] == (
        "max(0.1, 1.0 - max(0, step - 5) / (20 - 5))")
    assert_exact(source, 20)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_defaults_are_torch_s(name):
    """`optimizer.defaults` as the snippet would see it: torch's keys exactly, and the values
    the catalog knows equal torch's (the lr the snippet gave included)."""
    source = ("import torch\nfrom torch.optim.lr_scheduler import LambdaLR\n"
              f"opt = torch.optim.{name}(model.parameters(), lr=0.5)\n"
              "s = LambdaLR(opt, lambda e: len(opt.defaults) + opt.defaults['lr'] + "
              "('momentum' in opt.defaults) + 2 * ('betas' in opt.defaults))\n")
    shape = (1, 1)  # a 2-D parameter, as every optimizer takes one
    real = getattr(torch.optim, name)([torch.zeros(shape, requires_grad=True)], lr=0.5)
    expected = (len(real.defaults) + real.defaults["lr"] + ("momentum" in real.defaults)
                + 2 * ("betas" in real.defaults))
    result = import_python(source, total_steps=3)
    assert result.problems == [], result.problems
    assert parse_expression(result.schedule.phases[0].params["lr_lambda"])(0) == expected
    assert result.schedule.optimizer.name == name


def test_optimizer_positional_orders_match_torch():
    for name, order in OPTIMIZER_POSITIONAL.items():
        parameters = inspect.signature(getattr(torch.optim, name)).parameters
        positional = [p for p, v in parameters.items() if v.kind == v.POSITIONAL_OR_KEYWORD]
        assert tuple(positional[1:]) == order, name
    assert set(OPTIMIZER_POSITIONAL) == set(OPTIMIZERS)


@pytest.mark.parametrize("code", [
    "s = StepLR(opt, step_size=10 * 1.0, gamma=0.5)",
    "s = MultiStepLR(opt, milestones=[0.5 * 20, 15.0])",
    "s = CosineAnnealingLR(opt, T_max=40 * 0.5)",
    "s = LinearLR(opt, start_factor=0.1, total_iters=4.0)",
    "s = PolynomialLR(opt, total_iters=16.0, power=2.0)",
    "s = ConstantLR(opt, factor=0.5, total_iters=3.0)",
    "s = CyclicLR(opt, 0.01, 0.1, step_size_up=5.0, step_size_down=3.0)",
    ("s = SequentialLR(opt, [LinearLR(opt, 0.1, total_iters=5), ExponentialLR(opt, 0.9)], "
    "milestones=[5.0])"),
])
def test_counts_torch_computes_with_as_floats_are_their_ints(code):
    # torch runs these with the float; the design holds the int, with the same curve.
    assert_exact(HEAD + code + "\n", 30)


@pytest.mark.parametrize("code, name", [
    ("s = CosineAnnealingWarmRestarts(opt, T_0=10.0)", "T_0"),
    ("s = OneCycleLR(opt, 0.1, total_steps=50.0)", "total_steps"),
    ("s = CosineAnnealingLR(opt, T_max=12.5)", "T_max"),
])
def test_counts_torch_refuses_or_the_design_cannot_hold_are_problems(code, name):
    result = import_python(HEAD + code + "\n", total_steps=30)
    assert any(name in message for _, message in result.problems), result.problems


def test_a_step_count_only_the_script_knows_is_the_total_steps_given():
    source = ("import torch\nfrom transformers import get_linear_schedule_with_warmup\n"
              "opt = torch.optim.AdamW(model.parameters(), lr=2e-5)\n"
              "total_steps = len(train_loader) * 3\n"
              "s = get_linear_schedule_with_warmup(opt, num_warmup_steps=int(0.1 * total_steps),"
              " num_training_steps=total_steps)\n")
    assert not import_python(source).imported  # the warmup needs the count
    result = import_python(source, total_steps=300)
    assert result.problems == []
    assert [(p.scheduler, p.steps) for p in result.schedule.phases] == [
        ("LambdaLR", 30), ("LambdaLR", 270)]
    assert any(line == 4 and "takes it as the total_steps given, 300" in message
               for line, message in result.notes)


def test_class_attributes_of_a_config_class():
    source = HEAD + ("class Config:\n    EPOCHS = 30\n    GAMMA = 0.5\n    STEP = EPOCHS // 3\n"
                     "cfg = Config()\n"
                     "s = StepLR(opt, step_size=Config.STEP, gamma=cfg.GAMMA)\n"
                     "for e in range(cfg.EPOCHS):\n    s.step()\n")
    assert phase_params(source) == {"step_size": 10, "gamma": 0.5}
    assert import_python(source).schedule.total_steps == 30


def test_a_fragment_pasted_from_inside_a_function_is_read_at_its_lines():
    source = ("# from train():\n"
              "    optimizer = optim.Adam(model.parameters(), lr=0.001, amsgrad=True)\n"
              "    # ExponentialLR scheduler with gamma= 0.98\n"
              "    lr_scheduler = optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.98,\n"
              "        verbose=False)\n")
    result = import_python(source, total_steps=5)
    assert result.problems == []
    assert result.schedule.optimizer.params == {"amsgrad": True}
    assert any(line == 4 and "`verbose` only printed the lr" in m for line, m in result.notes)
    mixed = import_python("\tx = 1\n    s = StepLR(opt, 3)\n")
    assert "not valid Python" in mixed.problems[0].message


def test_a_loop_over_phase_names_is_read_per_phase():
    # The PyTorch transfer-learning tutorial's train_model: scheduler.step() in the 'train'
    # phase of each epoch only.
    source = HEAD + ("s = StepLR(opt, step_size=7, gamma=0.1)\n"
                     "def train_model(model, scheduler, num_epochs=25):\n"
                     "    for epoch in range(num_epochs):\n"
                     "        for phase in ['train', 'val']:\n"
                     "            if phase == 'train':\n"
                     "                scheduler.step()\n"
                     "train_model(model, s, num_epochs=20)\n")
    result = import_python(source)
    assert result.problems == [] and result.schedule.total_steps == 20
    every_phase = source.replace("            if phase == 'train':\n    ", "")
    assert import_python(every_phase).schedule.total_steps == 40
