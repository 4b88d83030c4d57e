"""Param groups and simulated phases in the window: every group's exact curve is plotted
and named, the readout and the CSV export carry every group, and a ReduceLROnPlateau phase is
marked as a simulation in the preview and on its timeline block."""

from __future__ import annotations

import csv
import io

import numpy as np
from PySide6.QtWidgets import QApplication

from designer.core.curves.engine import compute_curves
from designer.core.export.formats import export_chunks
from designer.core.schedule.model import CONTINUE, OptimizerConfig, ParamGroup, Phase, Schedule
from designer.ui.preview.layers import SIMULATION_LABEL

EXAMPLE = "designer/examples/finetune-plateau.json"


def shown(window) -> None:
    assert window.flush_preview()
    QApplication.processEvents()


def test_every_group_curve_is_the_engines_and_named_in_the_readout(window):
    assert window.open_path(EXAMPLE)
    shown(window)
    schedule = window.document.schedule
    expected = compute_curves(schedule)
    assert np.array_equal(window.preview_curve()[1], expected.lr)
    assert np.array_equal(window.preview.group_curves(), expected.others)
    text = window.preview.readout_at(8500)
    backbone, head = expected.lr[8500], expected.others[0, 8500]
    assert f"lr backbone {backbone:.6g} · head {head:.6g}" in text
    assert "phase 2 ReduceLROnPlateau (simulated)" in text


def test_simulated_phases_are_labelled_and_the_labels_follow_edits(window):
    assert window.open_path(EXAMPLE)
    shown(window)
    assert window.preview.simulation_labels() == [SIMULATION_LABEL]
    document = window.document
    document.edit("Remove plateau", document.schedule.remove_phase(1))
    shown(window)
    assert window.preview.simulation_labels() == []
    document.undo_stack.undo()
    shown(window)
    assert window.preview.simulation_labels() == [SIMULATION_LABEL]


def test_removing_the_groups_removes_their_curves(window):
    design = Schedule((Phase("LinearLR", 20, {"start_factor": 0.1}),
                       Phase("OneCycleLR", 40, {"max_lr": (0.01, 0.1, 0.2)}, CONTINUE)),
                      OptimizerConfig("SGD", 0.05, {"momentum": 0.9}),
                      param_groups=(ParamGroup("a", lr=0.01), ParamGroup("b", lr=0.05),
                                    ParamGroup("c", lr_scale=3.0)))
    window.document.reset(design)
    shown(window)
    assert window.preview.group_curves().shape == (2, 60)
    assert np.array_equal(window.preview.group_curves(), compute_curves(design).others)
    single = design.with_param_groups(())
    assert single.phases[1].params["max_lr"] == 0.01
    window.document.edit("Remove groups", single)
    shown(window)
    assert window.preview.group_curves() is None
    assert "step 0 · lr 0.005 · " in window.preview.readout_at(0)


def test_csv_export_from_the_window_has_a_column_per_group(window, tmp_path):
    assert window.open_path(EXAMPLE)
    shown(window)
    target = tmp_path / "out.csv"
    assert window.files.export("csv", str(target)), window.messages
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert rows[0] == ["step", "lr_backbone", "lr_head"]
    # The window writes the worker's curve; the command line steps the design itself.
    cli_text = "".join(export_chunks(window.document.schedule, "csv"))
    assert target.read_text(encoding="utf-8") == cli_text
    assert len(rows) == window.document.schedule.total_steps + 1


def test_framework_templates_say_why_they_cannot_hold_a_plateau_phase(window):
    assert window.open_path(EXAMPLE)
    code = window.code_view
    code.set_template("lightning")
    assert "cannot be exported" in code.text() and "ReduceLROnPlateau" in code.text()
    code.set_template("python")
    assert "scheduler.step(simulated_val_loss(step))" in code.text()


def test_the_synthetic_metric_is_drawn_and_read_out(window):
    from designer.core.curves.simulation import metric_points

    assert window.open_path(EXAMPLE)
    shown(window)
    phase = window.document.schedule.phases[1]
    [plotted] = window.preview.simulated_metrics()
    assert np.array_equal(plotted, metric_points(phase)[1])
    start = window.document.schedule.phase_starts()[1]
    every = phase.param_value("eval_every")
    # Between evaluations the readout holds the latest one; before the first, nothing.
    assert "simulated metric" not in window.preview.readout_at(start + every - 2)
    text = window.preview.readout_at(start + every + 5)
    assert f"simulated metric {plotted[0]:.4g}" in text
    assert "simulated metric" not in window.preview.readout_at(start - 1)


def test_the_status_bar_facts_say_which_group_they_are(window):
    assert window.open_path(EXAMPLE)
    shown(window)
    text = window.summary_label.text()
    assert text.startswith("10,000 steps") and text.endswith("(backbone)")
    assert f"peak {compute_curves(window.document.schedule).lr.max():.4g}" in text


def test_group_curves_stream_in_with_the_first(window):
    """While a long curve streams in, the other groups' curves are shown as far as the
    first group's, never a stale or unfilled stretch."""
    design = Schedule((Phase("CosineAnnealingLR", 400_000),),
                      OptimizerConfig("SGD", 0.1),
                      param_groups=(ParamGroup("a", lr=0.1), ParamGroup("b", lr_scale=0.5)))
    seen = []

    def check(schedule, lrs, fraction):
        shown = window.preview.group_curves()
        seen.append(len(lrs))
        assert shown is not None and shown.shape == (1, len(lrs))

    # Connected after the window's own slot, so it sees what the window just showed.
    window.curves.curve_progress.connect(check)
    window.document.reset(design)
    shown(window)
    assert seen, "the curve did not stream in pieces"
    expected = compute_curves(design).others
    assert np.array_equal(window.preview.group_curves(), expected)
