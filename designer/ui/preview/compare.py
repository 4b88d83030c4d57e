"""Compare variants: pinned reference curves overlaid on the preview.

Pinning keeps the current design under a name (in the document: undoable, and saved with
the file as format version 2); its exact curve comes from the curve worker like any other,
so a pinned curve is as exact as the live one. The overlay draws each pin in
its own colour with a legend, and `readout(step, lr)` gives each pin's lr and the ratio of
the current design to it at the crosshair.

Besides the pins, one *reference* curve can be shown that is not a design: after importing a
snippet that relies on a torch quirk, the curve torch's own SequentialLR gives the snippet's
schedulers as written. It is not saved, and goes away when the design is replaced.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal

from designer.core.schedule import edits
from designer.core.schedule.model import Schedule
from designer.ui.curve_service import CurveService
from designer.ui.preview.plot_support import LegendRow
from designer.ui.preview.staircase import StaircaseCurve

PIN_COLORS = ("#9c755f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#59a14f")


@dataclass
class Pin:
    name: str
    schedule: Schedule
    color: str
    lrs: np.ndarray | None = None
    error: str = ""
    service: CurveService | None = field(default=None, repr=False)
    requested: Schedule | None = field(default=None, repr=False)  # with logged metrics
    # A plateau phase whose logged run cannot drive it: (phase index, line); the pin's
    # curve then uses that phase's synthetic metric.
    warnings: list[tuple[int, str]] = field(default_factory=list)


Prepared = tuple[Schedule, list[tuple[int, str]]]  # a pin's request and its warnings
REFERENCE_COLOR = "#c837ab"  # apart from the momentum red and the pin colours


class CompareSet(QObject):
    """The pinned variants of the open design, kept in step with `schedule.pinned` (so
    pinning is an undoable edit and pins are saved with the file). Signal `changed` fires
    when a pin is added or removed, its curve arrives or its warnings change."""

    changed = Signal()

    def __init__(self, document, parent: QObject | None = None,
                 prepare: Callable[[Schedule], Prepared] | None = None) -> None:
        super().__init__(parent)
        self._document = document
        # A pinned plateau phase's logged metric, attached as for the design's own curve,
        # and the warnings of the runs that cannot drive theirs.
        self._prepare = prepare or (lambda schedule: (schedule, []))
        self.pins: list[Pin] = []
        self.reference: Pin | None = None
        document.changed.connect(self._sync)
        document.replaced.connect(self.clear_reference)
        self._sync()

    def shown(self) -> list[Pin]:
        """Every curve overlaid: the pins, then the reference curve if there is one."""
        return self.pins + ([self.reference] if self.reference is not None else [])

    def show_reference(self, name: str, schedule: Schedule) -> None:
        """Overlay the curve torch's own SequentialLR gives `schedule`'s phases, as `name`
        (not saved; replacing the design removes it)."""
        self.clear_reference()
        pin = Pin(name, schedule, REFERENCE_COLOR)
        pin.service = CurveService(self)
        pin.service.curve_ready.connect(lambda _s, lrs: self._arrived(pin, lrs, ""))
        pin.service.curve_failed.connect(lambda _s, message: self._arrived(pin, None, message))
        pin.service.request(schedule, sequential_lr=True)
        self.reference = pin
        self.changed.emit()

    def clear_reference(self) -> None:
        if self.reference is None:
            return
        self.reference.service.deleteLater()
        self.reference = None
        self.changed.emit()

    def pin_current(self, name: str | None = None) -> None:
        """Pin the current design (as it is now) under `name`, one undoable edit."""
        schedule = self._document.schedule
        name = name or self.next_name()
        self._document.apply(edits.pin(schedule, name))

    def unpin(self, index: int) -> None:
        self._document.apply(edits.unpin(self._document.schedule, index))

    def clear(self) -> None:
        self._document.apply(edits.unpin_all(self._document.schedule))

    def _sync(self) -> None:
        wanted = self._document.schedule.pinned
        if [(p.name, p.schedule) for p in self.pins] == [(w.name, w.schedule) for w in wanted]:
            return
        old = list(self.pins)  # schedules hold dicts, so match by equality, not hashing
        pins = []
        for index, design in enumerate(wanted):
            pin = next((p for p in old if (p.name, p.schedule) == (design.name,
                                                                   design.schedule)), None)
            if pin is not None:
                old.remove(pin)
            else:
                pin = Pin(design.name, design.schedule, "")
                pin.service = CurveService(self)
                pin.service.curve_ready.connect(
                    lambda _s, lrs, p=pin: self._arrived(p, lrs, ""))
                pin.service.curve_failed.connect(
                    lambda _s, message, p=pin: self._arrived(p, None, message))
                self._request(pin)
            pin.color = PIN_COLORS[index % len(PIN_COLORS)]
            pins.append(pin)
        for stale in old:
            stale.service.deleteLater()
        self.pins = pins
        self.changed.emit()

    def refresh_metrics(self) -> None:
        """Ask again for the pins whose logged metrics changed (read, read again, gone),
        and take their new warnings."""
        warned = False
        for pin in self.pins:
            prepared, warnings = self._prepare(pin.schedule)
            if prepared != pin.requested:
                self._request(pin)
            elif warnings != pin.warnings:
                pin.warnings, warned = warnings, True
        if warned:
            self.changed.emit()

    def _request(self, pin: Pin) -> None:
        pin.requested, pin.warnings = self._prepare(pin.schedule)
        pin.service.request(pin.requested)

    def warnings(self) -> list[str]:
        """Each pin's warnings as the Warnings panel lists them: naming the pin."""
        return [f'Pin "{pin.name}": {text}' for pin in self.pins for _, text in pin.warnings]

    def wait(self, timeout: float = 120) -> bool:
        """Block until every pinned curve has arrived (tests, exports)."""
        return all(p.service.compute_now(timeout=timeout) for p in self.shown() if p.service)

    def next_name(self) -> str:
        taken = {p.name for p in self.pins}
        number = len(self.pins) + 1
        while f"Variant {number}" in taken:
            number += 1
        return f"Variant {number}"

    def readout(self, step: int, lr: float | None) -> str:
        """Each pin's lr at `step`, and the current design's lr as a multiple of it."""
        parts = []
        for pin in self.shown():
            if pin.lrs is None or not 0 <= step < len(pin.lrs):
                continue
            value = float(pin.lrs[step])
            text = f"{pin.name} {value:.4g}"
            if lr is not None and value:
                text += f" (current ×{lr / value:.3g})"
            parts.append(text)
        return " · ".join(parts)

    def _arrived(self, pin: Pin, lrs: np.ndarray | None, error: str) -> None:
        pin.lrs, pin.error = lrs, error
        self.changed.emit()


class CompareOverlay:
    """Draws a CompareSet's curves on the preview's plot, with a legend above the plot (where
    it hides no curve)."""

    def __init__(self, plot_item: pg.PlotItem, compare: CompareSet) -> None:
        self._item = plot_item
        self._compare = compare
        self._curves: list[StaircaseCurve] = []
        self._legends = LegendRow.of(plot_item)
        self._legend = self._legends.add()
        self._current = StaircaseCurve(pg.mkPen("#1f3b70", width=2))  # legend sample
        compare.changed.connect(self.refresh)

    def set_style(self, pen, text_color) -> None:
        """The current design's pen (the legend's sample) and the legend's text colour, as
        the preview draws them in the current theme."""
        self._current.setPen(pen)
        self._legend.setLabelTextColor(text_color)
        self._legend.setLabelTextSize("9pt")
        self.refresh()

    def current_pen(self):
        """The legend's sample of the current design's curve."""
        return self._current.opts["pen"]

    def labels(self) -> list[str]:
        """The legend's entries as shown ("current design" first, when any pin shows)."""
        return [label.text for _, label in self._legend.items]

    def refresh(self) -> None:
        for curve in self._curves:
            self._item.removeItem(curve)
        self._curves.clear()
        self._legend.clear()
        pins = self._compare.shown()
        if pins:
            self._legend.addItem(self._current, "current design")
        for pin in pins:
            curve = StaircaseCurve(pg.mkPen(pin.color, width=1.5, style=Qt.DashLine))
            self._item.addItem(curve)
            if pin.lrs is not None:
                curve.set_values(pin.lrs)
            self._curves.append(curve)
            label = pin.name if not pin.error else f"{pin.name} (invalid: {pin.error})"
            if pin.warnings and not pin.error:  # the lines themselves are in Warnings
                label += " (⚠ synthetic metric)"
            self._legend.addItem(curve, label)
        self._legend.setVisible(bool(pins))
        self._legends.update()


def add_compare_menu(window, compare: CompareSet):
    """Compare → Pin current design… / Unpin ▸ / Unpin all, before the Help menu; the menu
    (the window lists its overlaid training runs there too)."""
    from PySide6.QtGui import QAction, QKeySequence
    from PySide6.QtWidgets import QInputDialog, QMenu

    bar = window.menuBar()
    menu = QMenu("&Compare", window)
    bar.insertMenu(bar.actions()[-1], menu)  # the last one is Help
    menu.setObjectName("compareMenu")

    def ask_name() -> None:
        name, ok = QInputDialog.getText(window, "Pin current design",
                                        "Name of the pinned variant:", text=compare.next_name())
        if ok and name.strip():
            compare.pin_current(name.strip())

    pin = QAction("&Pin current design…", window)
    pin.setObjectName("actionPin")
    pin.setShortcut(QKeySequence("Ctrl+Shift+P"))
    pin.triggered.connect(ask_name)
    window.addAction(pin)
    menu.addAction(pin)
    unpin_menu = menu.addMenu("&Unpin")
    clear = menu.addAction("Unpin &all")
    clear.triggered.connect(compare.clear)
    menu.addSeparator()
    hide_reference = menu.addAction("&Hide the snippet's own curve")
    hide_reference.setObjectName("actionHideReference")
    hide_reference.triggered.connect(compare.clear_reference)

    def refresh() -> None:
        unpin_menu.clear()
        for index, item in enumerate(compare.pins):
            action = unpin_menu.addAction(item.name)
            action.triggered.connect(lambda _=False, i=index: compare.unpin(i))
        unpin_menu.setEnabled(bool(compare.pins))
        clear.setEnabled(bool(compare.pins))
        hide_reference.setEnabled(compare.reference is not None)

    compare.changed.connect(refresh)
    refresh()
    return menu
