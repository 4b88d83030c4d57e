"""The window's side of training runs: File → Open run…, dropped runs, the overlay on the
preview, the verdicts in Warnings (with the design fix a diagnosis maps onto), and the
automation surface (`MainWindow.open_run`, `run_overlays`, `run_verdicts`)."""

from __future__ import annotations

import os

import numpy as np
from PySide6.QtWidgets import QFileDialog

from designer.core.runs.check import MATCHES
from designer.core.runs.series import RunError
from designer.core.runs.sources import detect
from designer.core.schedule import edits
from designer.ui.advice_panel import RunNote
from designer.ui.preview.run_overlay import RunOverlayView
from designer.ui.runs import RunSet

RUN_FILTER = ("Training runs (*.csv *tfevents* trainer_state.json);;"
              "All files (*)")


def is_run_path(path: str) -> bool:
    """Whether a dropped path is a training run (a file or folder a run source reads:
    recognised by its name, or a folder by the files in it, to a bounded depth) rather than
    a design file; anything else is left to the design's Open, which says what it is."""
    try:
        detect(path)
    except RunError:
        return False
    return True


class RunController:
    """Keeps a window's `RunSet` shown: overlay, Warnings, failures in a message box."""

    def __init__(self, window) -> None:
        self.window = window
        self.runs = RunSet(window)
        preview = window.preview
        self.view = RunOverlayView(preview.plot_widget.getPlotItem(), self.runs)
        self.view.set_text_color(preview.legend_style()[1])
        preview.colors_changed.connect(lambda _pen, color: self.view.set_text_color(color))
        self.runs.changed.connect(self._show_notes)
        self.runs.failed.connect(lambda message: window.files.warn("Cannot open run", message))

    def open(self, path: str, tag: str | None = None) -> None:
        self.runs.open(path, tag)
        self.window.statusBar().showMessage(f"Reading run {os.path.basename(path)}…", 4000)

    def open_dialog(self) -> None:
        """Ask for a run: a log file, or (Cancel there) its folder."""
        window = self.window
        start = os.path.dirname(window.document.path) if window.document.path else ""
        path, _ = QFileDialog.getOpenFileName(window, "Open run (a log file)", start,
                                              RUN_FILTER)
        if not path:
            path = QFileDialog.getExistingDirectory(window, "Open run (its log folder)", start)
        if path:
            self.open(path)

    def add_to_menu(self, menu) -> None:
        """The overlaid runs in the Compare menu: Remove run ▸ (each run), Remove all runs."""
        menu.addSeparator()
        remove_menu = menu.addMenu("&Remove run")
        remove_menu.setObjectName("removeRunMenu")
        clear = menu.addAction("Remove all r&uns")
        clear.setObjectName("actionRemoveRuns")
        clear.triggered.connect(self.runs.clear)

        def refresh() -> None:
            remove_menu.clear()
            for index, overlay in enumerate(self.runs.overlays):
                action = remove_menu.addAction(f"{overlay.label}  ({overlay.path})")
                action.triggered.connect(lambda _=False, i=index: self.runs.remove(i))
            remove_menu.setEnabled(bool(self.runs.overlays))
            clear.setEnabled(bool(self.runs.overlays))

        self.runs.changed.connect(refresh)
        refresh()

    def set_design(self, schedule, first_group_lrs: np.ndarray) -> None:
        self.runs.set_design(schedule, first_group_lrs)

    def overlays(self) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
        return [(o.run.source, o.run.tag, o.run.steps, o.run.lrs) for o in self.runs.shown()]

    def verdicts(self) -> list[dict]:
        return [o.result for o in self.runs.shown() if o.result is not None]

    def _show_notes(self) -> None:
        schedule = self.window.document.schedule
        notes = []
        for overlay in self.runs.shown():
            result = overlay.result
            diagnosis = result["diagnosis"] if result is not None else None
            fix = edits.fit_to_run(schedule, diagnosis)
            lines = tuple(overlay.report()) or ("waiting for the design's curve…",)
            notes.append(RunNote(overlay.label, overlay.color, lines, diagnosis,
                                 fix.label if fix is not None else "",
                                 result is not None and result["verdict"] == MATCHES))
        self.window.advice_panel.show_runs(notes)
