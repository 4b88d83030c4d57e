"""Hostile input in a real window: user expressions never run on the window's thread while
it previews, and files nested too deeply are refused with the loader's message."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from designer.core.curves.simulation import metric_points
from designer.core.schedule import edits, expressions

DATA = Path(__file__).resolve().parents[1] / "data"
COSTLY = "min(1, (3**1200 * 3**1200) // (3**1199 * 3**1200)) * 0.9 ** (step / 100)"


def _design(tmp_path: Path) -> Path:
    document = {"format": "lr-schedule-designer", "version": 1,
                "optimizer": {"name": "SGD", "lr": 0.1},
                "phases": [
                    {"scheduler": "LambdaLR", "steps": 2_000, "params": {"lr_lambda": COSTLY}},
                    {"scheduler": "ReduceLROnPlateau", "steps": 20_000,
                     "params": {"metric": f"1 + 1 / (1 + step / 500) + 0 * ({COSTLY})",
                                "eval_every": 100, "patience": 2}}]}
    path = tmp_path / "costly.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_the_preview_never_evaluates_a_user_expression_on_the_window_thread(
        window, tmp_path, monkeypatch):
    window_thread = threading.get_ident()
    on_window_thread = []
    original = expressions.Expression.__call__

    def spy(self, step):
        if threading.get_ident() == window_thread:
            on_window_thread.append((self.text, step))
        return original(self, step)

    monkeypatch.setattr(expressions.Expression, "__call__", spy)
    assert window.open_path(str(_design(tmp_path)))
    assert window.flush_preview()
    for index in (0, 1, 0):  # the inspector shows each phase's expression editor
        window.document.select(index)
    # The metric is plotted again.
    window.document.apply(edits.resize_phase(window.document.schedule, 1, 30_000))
    assert window.flush_preview()
    assert window.preview.error() == ""
    [plotted] = window.preview.simulated_metrics()
    monkeypatch.setattr(expressions.Expression, "__call__", original)
    phase = window.document.schedule.phases[1]
    assert len(plotted) == 300
    assert np.array_equal(plotted, metric_points(phase)[1])  # the worker's, exactly
    assert on_window_thread == []


def _deep_file(tmp_path: Path, version: int) -> Path:
    document = json.loads((DATA / "v1" / "step-exponential.json").read_text(encoding="utf-8"))
    document["version"] = version
    deep: object = 0
    for _ in range(500):
        deep = {"k": deep}
    document["notes"] = deep
    path = tmp_path / f"deep-v{version}.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.mark.parametrize("version", [1, 2])
def test_opening_a_deeply_nested_old_file_says_why_and_keeps_the_design(window, tmp_path,
                                                                        version):
    before = window.document.schedule
    assert not window.open_path(str(_deep_file(tmp_path, version)))
    assert window.document.schedule == before
    assert len(window.messages) == 1
    assert "notes" in window.messages[0] and "nested more than" in window.messages[0]
