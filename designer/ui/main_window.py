"""The designer window: palette | preview over timeline, code and warnings | inspector.

The window owns the `Document` and wires views to it; it holds no editing logic of its own
(that lives in `edits`, the views and `files`). The preview always shows the exact curve of
the schedule on screen: the document's, or the tentative one of a drag in progress.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QProgressBar,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from designer.core.schedule import edits
from designer.core.schedule.model import Schedule
from designer.ui.advice_panel import AdvicePanel
from designer.ui.code_view import CodeView
from designer.ui.curve_service import CurveService
from designer.ui.document import Document
from designer.ui.files.autosave import Autosaver
from designer.ui.files.files import FileController
from designer.ui.inspector.inspector import Inspector
from designer.ui.menus import build_menus, new_from_gallery
from designer.ui.metric_runs import MetricRuns
from designer.ui.palette import Palette
from designer.ui.preview.compare import CompareOverlay, CompareSet, add_compare_menu
from designer.ui.preview.preview import Preview
from designer.ui.run_view import RunController, is_run_path
from designer.ui.timeline.timeline import Timeline

APP_NAME = "LR Schedule Designer"
# The code is what users came for: at 1280x800 the code tab shows about 14 lines. The share
# is of the centre column's height; dragging the handle changes it, and it is remembered.
CODE_SHARE = 0.42


def momentum_label(schedule: Schedule) -> str:
    """What OneCycleLR/CyclicLR cycle with this optimizer: beta1 (Adam family) or momentum."""
    from designer.core.schedule.catalog import OPTIMIZERS

    has_betas = OPTIMIZERS[schedule.optimizer.name].param("betas") is not None
    return "beta1" if has_betas else "momentum"


class MainWindow(QMainWindow):
    """Public automation surface: `document`, `open_path(path)`, `preview_curve()`,
    `open_run(path, tag)`, `run_overlays()`, `run_verdicts()`, signal `preview_updated`
    (the shown curve changed)."""

    preview_updated = Signal()

    def __init__(self, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.settings = settings or QSettings()
        self.document = Document(parent=self)
        self.curves = CurveService(self)
        self._shown_schedule: Schedule | None = None
        self._requested: Schedule | None = None  # the schedule of the newest curve request
        self._designed: Schedule | None = None  # ... as designed (no logged metrics attached)
        self._design_advice: list = []  # the design's own Advice, shown above the pins'
        self._build_widgets()
        self.files = FileController(self)
        self.runs = RunController(self)
        self.metric_runs = MetricRuns(self)
        build_menus(self)
        self.compare = CompareSet(self.document, self, self.metric_runs.prepare_variant)
        self.compare_overlay = CompareOverlay(self.preview.plot_widget.getPlotItem(),
                                              self.compare)
        self.compare_overlay.set_style(*self.preview.legend_style())
        self.preview.colors_changed.connect(self.compare_overlay.set_style)
        self.runs.add_to_menu(add_compare_menu(self, self.compare))
        self.autosaver = Autosaver(self)
        self._connect()
        self._restore_layout()
        self.setAcceptDrops(True)
        self._on_document_changed()
        self._update_title()

    # Layout ------------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.palette_list = Palette()
        self.preview = Preview()
        self.timeline = Timeline(self.document)
        self.inspector = Inspector(self.document)
        self.code_view = CodeView(self.document)
        self.advice_panel = AdvicePanel(self.document)

        plot_column = QWidget()
        column = QVBoxLayout(plot_column)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.preview, 1)
        column.addWidget(self.timeline)

        self.bottom_tabs = QTabWidget()
        self.bottom_tabs.setDocumentMode(True)
        self.bottom_tabs.addTab(self.code_view, "Python code")
        self.bottom_tabs.addTab(self.advice_panel, "Warnings")

        self.centre_splitter = QSplitter(Qt.Vertical)
        self.centre_splitter.setObjectName("centreSplitter")
        self.centre_splitter.addWidget(plot_column)
        self.centre_splitter.addWidget(self.bottom_tabs)
        self.centre_splitter.setStretchFactor(0, 3)
        self.centre_splitter.setStretchFactor(1, 2)
        self.centre_splitter.handle(1).setToolTip(
            "Drag to share the height between the plot and the code")

        self.main_splitter = QSplitter(Qt.Horizontal)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(self.palette_list)
        self.main_splitter.addWidget(self.centre_splitter)
        self.main_splitter.addWidget(self.inspector)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([225, 725, 330])
        self.setCentralWidget(self.main_splitter)
        self._settle_plot()
        self._build_status_bar()
        self.resize(1280, 800)
        centre = self.height() - 60  # the window less its menu and status bars
        self.centre_splitter.setSizes([round(centre * (1 - CODE_SHARE)),
                                       round(centre * CODE_SHARE)])

    def _build_status_bar(self) -> None:
        """The curve's summary and, while torch steps a long design, its progress."""
        self.summary_label = QLabel()
        self.summary_label.setObjectName("curveSummary")
        self.progress = QProgressBar()
        self.progress.setObjectName("curveProgress")
        self.progress.setRange(0, 1000)
        self.progress.setFormat("stepping torch… %p%")
        self.progress.setMaximumWidth(220)
        self.progress.hide()
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.summary_label)

    def _settle_plot(self) -> None:
        plot = self.preview.plot_widget
        # The plot's own keys (Home, Ctrl+wheel) work once it is clicked; Tab skips it, as
        # it draws no focus indicator (the Zoomed button resets the view from the keyboard).
        plot.setFocusPolicy(Qt.ClickFocus)
        # pyqtgraph's view ignores a drag entering it without letting QGraphicsView record
        # it, so a drag moving on (a scheduler from the palette to the timeline) printed
        # "QGraphicsView::dragLeaveEvent: drag leave received before drag enter". The plot
        # takes no drops: drags over it go to the window, which opens dropped files.
        plot.setAcceptDrops(False)
        plot.viewport().setAcceptDrops(False)

    def _connect(self) -> None:
        document = self.document
        document.changed.connect(self._on_document_changed)
        document.undo_stack.cleanChanged.connect(self._update_title)
        document.path_changed.connect(self._update_title)
        self.palette_list.append_requested.connect(
            lambda name: document.apply(edits.insert_scheduler(document.schedule, name)))
        self.timeline.gesture_changing.connect(self._show_schedule)
        self.timeline.gesture_finished.connect(self._on_gesture_finished)
        self.timeline.preset_requested.connect(lambda: new_from_gallery(self))
        self.preview.x_mapping_changed.connect(self.timeline.set_x_mapping)
        self.preview.hovered_step.connect(self._on_hovered_step)
        self.curves.curve_ready.connect(self._on_curve_ready)
        self.metric_runs.changed.connect(lambda: self._show_schedule(document.schedule))
        self.metric_runs.changed.connect(self.compare.refresh_metrics)
        self.compare.changed.connect(self._show_all_advice)
        self.curves.curve_failed.connect(self._on_curve_failed)
        self.curves.curve_progress.connect(self._on_curve_progress)
        self.curves.engine_restarted.connect(lambda text: self.statusBar().showMessage(text, 15000))
        self.advice_panel.count_changed.connect(
            lambda n: self.bottom_tabs.setTabText(1, f"Warnings ({n})" if n else "Warnings"))

    # Public surface ------------------------------------------------------------------------

    def open_path(self, path: str) -> bool:
        """Open a schedule file; on failure the current design stays and a dialog says why."""
        return self.files.open_path(path)

    def open_run(self, path: str, tag: str | None = None) -> None:
        """Overlay the training run at `path` (its lr series `tag`, default the first
        group's); it is read off this thread and shows when read (`runs.runs.wait()`)."""
        self.runs.open(path, tag)

    def run_overlays(self) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
        """(source, tag, steps, lrs) of each run overlaid, as read."""
        return self.runs.overlays()

    def run_verdicts(self) -> list[dict]:
        """Each overlaid run's verdict, the dict `check-run --json` gives."""
        return self.runs.verdicts()

    def preview_curve(self) -> tuple[np.ndarray, np.ndarray]:
        """(steps, lrs) of the exact curve currently shown."""
        return self.preview.curve()

    def shown_schedule(self) -> Schedule | None:
        """The schedule whose curve the preview shows (None before the first curve)."""
        return self._shown_schedule

    def flush_preview(self, timeout: float = 120) -> bool:
        """Block until the curve of the newest request is shown (tests, screenshots)."""
        return self.curves.compute_now(timeout=timeout)

    # Curve --------------------------------------------------------------------------------

    def _on_document_changed(self) -> None:
        self._show_schedule(self.document.schedule)

    def _on_gesture_finished(self) -> None:
        # A released drag's edit has already asked for the new design's curve; a cancelled
        # (or unchanged) drag leaves its last tentative curve to be replaced.
        if self._designed is not self.document.schedule:
            self._show_schedule(self.document.schedule)

    def _show_schedule(self, schedule: Schedule) -> None:
        # A plateau phase driven by a logged run gets the run's evaluations attached.
        self._designed = schedule
        self._requested = self.metric_runs.prepare(schedule)
        self.curves.request(self._requested)

    def _on_curve_progress(self, schedule: Schedule, lrs: np.ndarray, fraction: float) -> None:
        if schedule is not self._requested:
            return
        self.preview.set_metric_points(self.curves.metric_points())
        self.preview.show_partial(schedule, lrs)
        self.inspector.set_curve(schedule, lrs, complete=False)
        others = self.curves.other_groups()
        self.preview.show_groups(schedule.group_names(),
                                 None if others is None else others[:, :len(lrs)])
        self.progress.setValue(round(1000 * fraction))
        self.progress.show()

    def _on_curve_ready(self, schedule: Schedule, lrs: np.ndarray) -> None:
        if schedule is not self._requested:
            return  # a newer request is on its way; never show a stale curve
        self.progress.hide()
        self._shown_schedule = self._designed  # as designed: what the document holds
        self.preview.clear_error()
        self.preview.set_metric_points(self.curves.metric_points())
        self.preview.show_curve(schedule, lrs)
        self.inspector.set_curve(schedule, lrs)
        self.preview.show_momentum(self.curves.momentum(), momentum_label(schedule))
        self.preview.show_groups(schedule.group_names(), self.curves.other_groups())
        self._update_summary(schedule, lrs)
        if self._designed is self.document.schedule:
            self._show_advice(schedule, lrs)
            self.runs.set_design(schedule, lrs)
        self.preview_updated.emit()

    def _on_curve_failed(self, schedule: Schedule, message: str) -> None:
        if schedule is not self._requested:
            return
        self.progress.hide()
        self.preview.show_error(message)
        self.summary_label.setText("⚠ " + message)
        if self._designed is self.document.schedule:
            self._show_advice(schedule, None)

    def _show_advice(self, schedule: Schedule, lrs: np.ndarray | None) -> None:
        from designer.core.export.advice import Advice, design_advice

        advice = design_advice(schedule, lrs)
        advice += [Advice(index, text) for index, text in self.metric_runs.warnings]
        self._design_advice = advice
        self._show_all_advice()
        by_phase: dict[int, list[str]] = {}
        for item in advice:
            if item.phase is not None:
                by_phase.setdefault(item.phase, []).append(item.message)
        self.timeline.set_phase_warnings(by_phase)

    def _show_all_advice(self) -> None:
        """The design's advice, then the compare pins' warnings (their runs; a pin's phase
        is not the design's, so they mark no block)."""
        from designer.core.export.advice import Advice

        pins = [Advice(None, line) for line in self.compare.warnings()]
        self.advice_panel.show_advice(self._design_advice + pins)

    def _update_summary(self, schedule: Schedule, lrs: np.ndarray) -> None:
        from designer.core.curves.summary import summarize

        facts = summarize(schedule, lrs)
        if not facts.total_steps:
            self.summary_label.setText("Empty design: drag a scheduler onto the timeline, or "
                                       "File → New from preset…")
            return
        unit = "steps" if schedule.interval == "step" else "epochs"
        text = f"{facts.total_steps:,} {unit}"
        if facts.epochs is not None and schedule.interval == "step":
            text += f" ({facts.epochs:,.4g} epochs)"
        text += (f"   peak {facts.peak:.4g}   final {facts.final:.4g}"
                 f"   mean {facts.mean:.4g}   area {facts.area:.4g}")
        if schedule.param_groups:  # the facts are the first group's, as in the CSV summary
            text += f"   ({schedule.param_groups[0].name})"
        self.summary_label.setText(text)

    def _on_hovered_step(self, step: int) -> None:
        if step < 0:
            self.statusBar().clearMessage()
            return
        text = self.preview.readout_at(step)
        _, lrs = self.preview.curve()
        compared = self.compare.readout(step, float(lrs[step]) if step < len(lrs) else None)
        self.statusBar().showMessage(f"{text}   |   {compared}" if compared else text)

    # Title, layout, closing -------------------------------------------------------------

    def _update_title(self) -> None:
        path = self.document.path
        name = path.rsplit("/", 1)[-1] if path else "Untitled"
        self.setWindowTitle(f"{name}[*] — {APP_NAME}")
        self.setWindowModified(not self.document.undo_stack.isClean())

    def _restore_layout(self) -> None:
        for splitter in (self.main_splitter, self.centre_splitter):
            state = self.settings.value(f"layout/{splitter.objectName()}")
            if state is not None:
                splitter.restoreState(state)
            # Saved as soon as the user drags, so a crash does not lose the layout either.
            splitter.splitterMoved.connect(lambda *_, s=splitter: self._save_splitter(s))
        geometry = self.settings.value("layout/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)

    def _save_splitter(self, splitter: QSplitter) -> None:
        self.settings.setValue(f"layout/{splitter.objectName()}", splitter.saveState())

    def _save_layout(self) -> None:
        for splitter in (self.main_splitter, self.centre_splitter):
            self._save_splitter(splitter)
        self.settings.setValue("layout/geometry", self.saveGeometry())

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt's name
        if not self.files.confirm_discard("closing"):
            event.ignore()
            return
        self._save_layout()
        self.autosaver.discard()
        event.accept()

    def dragEnterEvent(self, event) -> None:  # Qt's name
        if self.files.dropped_path(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # Qt's name
        path = self.files.dropped_path(event.mimeData())
        if path:
            event.acceptProposedAction()
            if is_run_path(path):
                self.open_run(path)
            else:
                self.files.open_path_asking(path)
