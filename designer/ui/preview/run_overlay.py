"""The logged lr of training runs drawn over the preview (a `RunSet`'s runs): each run's
curve in its own colour, its differing points marked, and a legend "source: tag" above the
plot. A run's steps are batches; on an epoch design's axis a logged step s is at s / n."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from designer.ui.preview.plot_support import LegendRow
from designer.ui.runs import RunSet
from designer.ui.theme import RUN_MARK_COLOR

MAX_MARKS = 2000  # differing points marked, at most (evenly picked among them)
# A dot under each differing point of the run's line.
_MARK_STYLE = {"pen": None, "symbol": "o", "symbolSize": 5, "symbolBrush": RUN_MARK_COLOR,
               "symbolPen": None}


class RunOverlayView:
    """Draws a RunSet on a plot: per run, the marks of the points that differ and its line."""

    def __init__(self, plot_item: pg.PlotItem, runs: RunSet) -> None:
        self._item = plot_item
        self._runs = runs
        self._items: list[pg.PlotDataItem] = []
        self._legends = LegendRow.of(plot_item)
        self._legend = self._legends.add()
        self._mark_sample = pg.PlotDataItem([0], [0], **_MARK_STYLE)
        runs.changed.connect(self.refresh)

    def set_text_color(self, color) -> None:
        self._legend.setLabelTextColor(color)
        self._legend.setLabelTextSize("9pt")
        self.refresh()

    def curves(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(x, y) of each run's line as drawn (tests)."""
        return [item.getOriginalDataset() for item in self._items[1::2]]

    def marks(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(x, y) of each run's marked points (tests)."""
        empty = np.empty(0)
        return [tuple(empty if a is None else a for a in item.getOriginalDataset())
                for item in self._items[::2]]

    def readout(self, step: int) -> list[str]:
        """What the crosshair's readout says of each shown run at the design's `step`: the
        lr the run logged last by the end of that step (a step or an epoch of batches),
        with the logged step when it is not the step itself."""
        per = self._runs.batches_per_step()
        parts = []
        for overlay in self._runs.shown():
            run = overlay.run
            last = (step + 1) * per - 1  # the step's last batch
            index = int(np.searchsorted(run.steps, last, side="right")) - 1
            if index < 0:
                continue
            logged = int(run.steps[index])
            where = "" if step * per <= logged <= last else f" (logged at {logged})"
            parts.append(f"{overlay.label} {float(run.lrs[index]):.6g}{where}")
        return parts

    def refresh(self) -> None:
        for item in self._items:
            self._item.removeItem(item)
        self._items.clear()
        self._legend.clear()
        per = self._runs.batches_per_step()
        any_marks = False
        for overlay in self._runs.shown():
            run = overlay.run
            x = run.steps / per if per > 1 else run.steps.astype(np.float64)
            line = pg.PlotDataItem(x, run.lrs, pen=pg.mkPen(overlay.color, width=2))
            marked = (np.flatnonzero(overlay.differing) if overlay.differing is not None
                      else np.empty(0, dtype=np.int64))
            if len(marked) > MAX_MARKS:
                marked = marked[np.linspace(0, len(marked) - 1, MAX_MARKS).astype(np.int64)]
            marks = pg.PlotDataItem(x[marked], run.lrs[marked], **_MARK_STYLE)
            for item in (marks, line):
                self._item.addItem(item)
                self._items.append(item)
            line.setZValue(marks.zValue() + 1)  # the logged line over its marks
            # Once in the view (pyqtgraph asks the view for its range when clipping): a
            # million logged points draw as the peaks of what is on screen.
            line.setDownsampling(auto=True, method="peak")
            line.setClipToView(True)
            self._legend.addItem(line, overlay.label)
            any_marks = any_marks or bool(len(marked))
        if any_marks:
            self._legend.addItem(self._mark_sample, "differs from the design")
        self._legend.setVisible(bool(self._items))
        self._legends.update()
