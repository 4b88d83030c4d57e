"""A design with a chained phase (format version 5) in the window, offscreen: it opens, the
timeline labels it plainly, the preview shows the engine's curve exactly, selecting it keeps
the inspector working, and every export format writes it."""

from __future__ import annotations

import subprocess
import sys

from PySide6.QtWidgets import QApplication
from test_main_window import assert_exact

from designer.core.curves.engine import compute_curve
from designer.core.schedule import edits, member_edits
from designer.core.schedule.fileformat import load_schedule
from designer.ui.timeline.geometry import (
    accessible_description,
    phase_label,
    phase_summary,
    phase_tooltip,
)

CHAINED = "tests/data/v5/chained-edge-cases.json"


def test_a_chained_design_opens_previews_and_exports(window, tmp_path):
    window.open_path("designer/examples/warmup-cosine-chained.json")
    schedule = window.document.schedule
    assert schedule.phases[0].is_chained
    assert phase_label(schedule.phases[0]) == "Chained: Linear + Cosine"
    assert "Chained: Linear + Cosine" in accessible_description(schedule)
    assert phase_summary(schedule.phases[0]) == "Linear + Cosine"
    assert "1. Linear 0.01→1" in phase_tooltip(schedule, 0)
    assert_exact(window)
    window.document.select(0)
    QApplication.processEvents()
    curve = compute_curve(schedule)
    for fmt in ("python", "function", "lightning", "hf", "json", "csv", "png", "svg"):
        assert window.files.export(fmt, str(tmp_path / f"out.{fmt}")), window.messages
    for fmt in ("function", "lightning", "hf"):
        source = (tmp_path / f"out.{fmt}").read_text()
        compile(source, f"out.{fmt}", "exec")
        assert "lr_scheduler.ChainedScheduler(" in source
    assert load_schedule((tmp_path / "out.json").read_text()) == schedule
    printed = subprocess.run([sys.executable, str(tmp_path / "out.python")],
                             capture_output=True, text=True, check=True).stdout.split()
    assert [float(v) for v in printed] == curve.tolist()


def test_chained_edits_in_the_window_undo_and_preview_exactly(window):
    window.open_path(CHAINED)
    assert_exact(window)
    for index in range(len(window.document.schedule.phases)):
        window.document.select(index)
        QApplication.processEvents()
    window.document.apply(member_edits.chain_with(window.document.schedule, 0, "StepLR"))
    assert window.document.schedule.phases[0].is_chained
    assert_exact(window)
    window.document.apply(edits.resize_phase(window.document.schedule, 1, 120))
    assert_exact(window)
    window.document.undo_stack.undo()
    window.document.undo_stack.undo()
    assert not window.document.schedule.phases[0].is_chained
    assert_exact(window)


def test_a_chained_design_only_the_editor_accepts_survives_in_an_autosave():
    from designer.core.schedule.fileformat import schedule_to_dict
    from designer.core.schedule.model import Member, OptimizerConfig, Schedule, chained_phase
    from designer.ui.files.recovery import schedule_from_autosave

    # A OneCycleLR member shorter than the phase: the loader refuses it, recovery keeps it.
    phase = chained_phase([Member("OneCycleLR", {"max_lr": 0.5, "total_steps": 20}),
                           Member("ExponentialLR", {"gamma": 0.99})], 80)
    design = Schedule((phase,), OptimizerConfig("SGD", 0.1))
    assert schedule_from_autosave(schedule_to_dict(design)) == design
