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
from designer.ui.runs import RUN_FILTER, RunSet


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
        preview.add_readout_source(self.view.readout)
        preview.colors_changed.connect(lambda _pen, color: self.view.set_text_color(color))
        self.runs.changed.connect(self._show_notes)
        self.runs.failed.connect(lambda message: window.files.warn("Cannot open run", message))
        # The runs are saved with the design (its `runs`, format version 4): one read for the
        # first time joins the design (an undoable edit); the design's runs are kept open.
        self.runs.opened.connect(self._remember)
        window.document.changed.connect(self._sync)

    def open(self, path: str, tag: str | None = None) -> None:
        self.runs.open(path, tag)
        self.window.statusBar().showMessage(f"Reading run {os.path.basename(path)}…", 4000)

    def open_file_dialog(self) -> None:
        """File → Open run…: a log file (events, metrics.csv, trainer_state.json, a CSV)."""
        path, _ = QFileDialog.getOpenFileName(self.window, "Open run (a log file)",
                                              self._dialog_folder(), RUN_FILTER)
        if path:
            self.open(path)

    def open_folder_dialog(self) -> None:
        """File → Open run folder…: a log folder (TensorBoard, Lightning's version_N, a
        Trainer output dir, an MLflow run)."""
        path = QFileDialog.getExistingDirectory(self.window, "Open run (its log folder)",
                                                self._dialog_folder())
        if path:
            self.open(path)

    def _dialog_folder(self) -> str:
        path = self.window.document.path
        return os.path.dirname(path) if path else ""

    def add_to_menu(self, menu) -> None:
        """The overlaid runs in the Compare menu: Remove run ▸ (each run), Remove all runs."""
        menu.addSeparator()
        remove_menu = menu.addMenu("&Remove run")
        remove_menu.setObjectName("removeRunMenu")
        clear = menu.addAction("Remove all r&uns")
        clear.setObjectName("actionRemoveRuns")
        clear.triggered.connect(self.remove_all)

        def refresh() -> None:
            remove_menu.clear()
            for overlay in self.runs.overlays:
                action = remove_menu.addAction(f"{overlay.label}  ({overlay.path})")
                action.triggered.connect(lambda _=False, o=overlay: self.remove(o))
            remove_menu.setEnabled(bool(self.runs.overlays))
            clear.setEnabled(bool(self.runs.overlays))

        self.runs.changed.connect(refresh)
        refresh()

    def remove(self, overlay) -> None:
        """Close a run: out of the design too (undoable), or just closed if it is not in it."""
        schedule = self.window.document.schedule
        index = self._reference_index(overlay.path, overlay.tag)
        if index is None:
            self.runs.discard(overlay.path, overlay.tag)
        else:
            self.window.document.apply(edits.remove_run(schedule, index))

    def remove_all(self) -> None:
        self.window.document.apply(edits.remove_all_runs(self.window.document.schedule))
        self.runs.clear()

    def resolved(self, path: str) -> str:
        """A run's path from the design file: relative to the design's folder."""
        folder = os.path.dirname(self.window.document.path or "")
        return os.path.abspath(os.path.join(folder, path))

    def _reference_index(self, path: str, tag: str | None) -> int | None:
        return next((i for i, ref in enumerate(self.window.document.schedule.runs)
                     if (self.resolved(ref.path), ref.tag) == (path, tag)), None)

    def _remember(self, overlay) -> None:
        if self._reference_index(overlay.path, overlay.tag) is None:
            self.window.document.apply(edits.add_run(self.window.document.schedule,
                                                     overlay.path, overlay.tag))

    def _sync(self) -> None:
        """Open the design's runs whose files are there; close the runs it no longer has."""
        wanted = [(self.resolved(ref.path), ref.tag)
                  for ref in self.window.document.schedule.runs]
        for overlay in list(self.runs.overlays):
            if (overlay.path, overlay.tag) not in wanted:
                self.runs.discard(overlay.path, overlay.tag)
        missing = []
        for path, tag in wanted:
            if self.runs.find(path, tag) is not None or any(
                    (o.path, o.tag) == (path, tag) for o in self.runs.opening):
                continue
            if os.path.exists(path):
                self.runs.open(path, tag)
            else:
                missing.append(os.path.basename(path.rstrip(os.sep)))
        if missing:
            self.window.statusBar().showMessage(
                "Runs not found (kept in the design): " + ", ".join(missing), 10000)

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
