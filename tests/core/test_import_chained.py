"""Import of torch's ChainedScheduler: a chained phase of its members in order, exact against
the snippet's own torch objects; members a chained phase cannot hold are problems at their
line while the rest of the chain is imported (the corpus, tests/data/import_corpus/chained_*,
holds the real-world excerpts)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

from designer.core.curves.engine import build_scheduler, compute_curves
from designer.core.importing.combinations import UNCHANGED_WHEN_BUILT
from designer.core.importing.python import import_python
from designer.core.schedule.catalog import CHAINED, MAX_MEMBERS
from designer.core.schedule.model import Phase, new_member

_OPT = ("import torch\nfrom torch.optim import lr_scheduler as L\n"
        "opt = torch.optim.SGD(m.parameters(), lr=0.1)\n")


def _torch_chain(build, steps: int) -> np.ndarray:
    """What torch does: `build(L, opt)` gives the chain; lr per step."""
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    lrs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scheduler = build(torch.optim.lr_scheduler, optimizer)
        for _ in range(steps):
            lrs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
    return np.asarray(lrs)


def _members(result) -> list[tuple[str, dict]]:
    phase, = result.schedule.phases
    assert phase.scheduler == CHAINED
    return [(member.scheduler, member.params) for member in phase.members]


@pytest.mark.parametrize("call", [
    "L.ChainedScheduler([a, b], opt)",
    "L.ChainedScheduler(schedulers=[a, b], optimizer=opt)",
    "L.ChainedScheduler((a, b))",
])
def test_positional_keyword_and_tuple_forms_import_the_same_chain(call):
    result = import_python(_OPT + "a = L.LinearLR(opt, 0.25, total_iters=4)\n"
                           "b = L.ExponentialLR(opt, 0.9)\n"
                           f"s = {call}\nfor i in range(12):\n    s.step()\n")
    assert result.problems == []
    assert result.combination == "ChainedScheduler"
    assert _members(result) == [("LinearLR", {"start_factor": 0.25, "total_iters": 4}),
                                ("ExponentialLR", {"gamma": 0.9})]
    expected = _torch_chain(lambda L, o: L.ChainedScheduler(
        [L.LinearLR(o, 0.25, total_iters=4), L.ExponentialLR(o, 0.9)]), 12)
    np.testing.assert_array_equal(compute_curves(result.schedule).group_lrs()[0], expected)


def test_a_lambda_lr_of_one_is_kept_as_it_resets_the_lr_a_multiplicative_of_one_is_dropped():
    """LambdaLR sets the lr to base_lr * lr_lambda, undoing the StepLR before it: not a
    no-op. MultiplicativeLR multiplies by exactly 1.0: the same floats without it."""
    result = import_python(_OPT + "s = L.ChainedScheduler([L.StepLR(opt, 2, 0.5), "
                           "L.LambdaLR(opt, lambda e: 1.0), L.MultiplicativeLR(opt, lambda e: "
                           "1.0)])\nfor i in range(9):\n    s.step()\n")
    assert result.problems == []
    assert [name for name, _ in _members(result)] == ["StepLR", "LambdaLR"]
    (line, note), = [n for n in result.notes if "never changes the lr" in n[1]]
    assert line == 4 and note.startswith("MultiplicativeLR (line 4)")
    expected = _torch_chain(lambda L, o: L.ChainedScheduler([
        L.StepLR(o, 2, 0.5), L.LambdaLR(o, lambda e: 1.0),
        L.MultiplicativeLR(o, lambda e: 1.0)]), 9)
    np.testing.assert_array_equal(compute_curves(result.schedule).group_lrs()[0], expected)
    # The LambdaLR really undoes the StepLR: without it the lr would halve every 2 steps.
    assert (expected == 0.1).all()


@pytest.mark.parametrize("member, words", [
    ("L.ReduceLROnPlateau(opt)", "ChainedScheduler refuses ReduceLROnPlateau"),
    ("L.ChainedScheduler([L.StepLR(opt, 3)])", "a ChainedScheduler inside a ChainedScheduler"),
    ("L.SequentialLR(opt, [L.StepLR(opt, 3)], [])", "a SequentialLR inside a ChainedScheduler"),
    ("L.StepLR(other, 3)", "built on another optimizer than the ChainedScheduler"),
])
def test_a_member_a_chain_cannot_hold_is_a_problem_at_its_line_and_the_rest_imports(
        member, words):
    result = import_python(_OPT + "other = torch.optim.SGD(m.parameters(), lr=0.1)\n"
                           f"x = {member}\n"
                           "s = L.ChainedScheduler([L.LinearLR(opt, 0.5, total_iters=3), x, "
                           "L.ExponentialLR(opt, 0.9)])\nfor i in range(10):\n    s.step()\n")
    assert any(line == 5 and words in message for line, message in result.problems), \
        result.problems
    names = [name for name, _ in _members(result)]
    assert names[0] == "LinearLR" and names[-1] == "ExponentialLR"


def test_more_members_than_a_chained_phase_holds_keeps_the_first():
    members = ", ".join(f"L.ExponentialLR(opt, 0.{9 - i % 5})" for i in range(MAX_MEMBERS + 2))
    result = import_python(_OPT + f"s = L.ChainedScheduler([{members}])\n"
                           "for i in range(5):\n    s.step()\n")
    (line, message), = result.problems
    assert line == 4 and f"at most {MAX_MEMBERS}" in message
    assert len(_members(result)) == MAX_MEMBERS


def test_the_run_length_is_the_longest_member_duration_when_every_member_has_one():
    result = import_python(_OPT + "s = L.ChainedScheduler([L.LinearLR(opt, 0.1, total_iters="
                           "10), L.CosineAnnealingLR(opt, T_max=90)])\n")
    assert result.problems == []
    assert result.schedule.total_steps == 90
    assert _members(result) == [("LinearLR", {"start_factor": 0.1, "total_iters": 10}),
                                ("CosineAnnealingLR", {})]  # T_max follows the phase
    assert any("CosineAnnealingLR's T_max=90" in message for _, message in result.notes)


def test_a_one_cycle_member_stops_the_chain_at_its_total_steps():
    result = import_python(_OPT + "s = L.ChainedScheduler([L.OneCycleLR(opt, 1.0, total_steps="
                           "50), L.CosineAnnealingLR(opt, T_max=80)])\n"
                           "for i in range(80):\n    s.step()\n")
    (line, message), = result.problems
    assert line == 4 and "the design stops at total_steps" in message
    phase, = result.schedule.phases
    assert phase.steps == 50
    assert _members(result) == [("OneCycleLR", {"max_lr": 1.0}),
                                ("CosineAnnealingLR", {"T_max": 80})]


def test_a_chain_inside_sequential_lr_is_kept_whole_even_with_no_op_members():
    """Torch's SequentialLR re-steps a chain it starts with, so the chain is kept as the
    snippet wrote it: the snippet's own curve is rebuilt from it, bit for bit."""
    result = import_python(_OPT + "c = L.ChainedScheduler([L.ConstantLR(opt, 1.0), "
                           "L.ExponentialLR(opt, 0.9)])\n"
                           "s = L.SequentialLR(opt, [c, L.StepLR(opt, 2)], milestones=[6])\n"
                           "for i in range(10):\n    s.step()\n")
    assert result.problems == []
    assert result.original_curve_differs
    first, second = result.schedule.phases
    assert [m.scheduler for m in first.members] == ["ConstantLR", "ExponentialLR"]
    assert (first.steps, second.scheduler) == (6, "StepLR")
    expected = _torch_chain(lambda L, o: L.SequentialLR(o, [L.ChainedScheduler(
        [L.ConstantLR(o, 1.0), L.ExponentialLR(o, 0.9)]), L.StepLR(o, 2)], [6]), 10)
    np.testing.assert_array_equal(result.original_curve(), expected)
    assert not np.array_equal(compute_curves(result.schedule).group_lrs()[0], expected)


def test_members_built_in_another_order_than_listed_are_a_problem_when_it_matters():
    """Torch applies each member's first factor as it is built; built out of the chain's
    order, the floats can differ (0.1 * 0.2 * 0.7 is not 0.1 * 0.7 * 0.2)."""
    tail = "s = L.ChainedScheduler([a, b])\nfor i in range(6):\n    s.step()\n"
    result = import_python(_OPT + "b = L.LinearLR(opt, 0.7, total_iters=4)\n"
                           "a = L.ConstantLR(opt, 0.2, total_iters=3)\n" + tail)
    (line, message), = result.problems
    assert line == 6 and "builds them in the order LinearLR (line 4), ConstantLR" in message
    def linear_first(L, o):
        b = L.LinearLR(o, 0.7, total_iters=4)
        return L.ChainedScheduler([L.ConstantLR(o, 0.2, total_iters=3), b])

    built = _torch_chain(linear_first, 6)
    assert not np.array_equal(compute_curves(result.schedule).group_lrs()[0], built)
    # A member whose constructor leaves the lr alone may be built in any order.
    result = import_python(_OPT + "b = L.CosineAnnealingLR(opt, 6)\n"
                           "a = L.ConstantLR(opt, 0.3, total_iters=3)\n" + tail)
    assert result.problems == []


@pytest.mark.parametrize("scheduler", UNCHANGED_WHEN_BUILT)
def test_the_members_said_to_leave_the_lr_alone_when_built_do(scheduler):
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    torch.optim.lr_scheduler.ConstantLR(optimizer, factor=0.37)
    before = optimizer.param_groups[0]["lr"]
    build_scheduler(Phase(scheduler, 10, dict(new_member(scheduler).params)), optimizer, "p")
    assert optimizer.param_groups[0]["lr"] == before
