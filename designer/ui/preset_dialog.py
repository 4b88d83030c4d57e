"""File → New from preset…: the presets gallery.

The list shows every preset of `designer.core.schedule.presets` with a thumbnail of its default
curve; the right side shows the selected preset's description (it follows the knobs), a
form of its knobs (the inspector's editors, built from each knob's `ParamSpec`) and a larger
thumbnail of the exact curve for the knobs as they are (`preset_thumbnail`). Curves are stepped by the window's curve worker
(`CurveService`), never in this process: the window does not import torch. Edits rebuild the
design at once (so OK is enabled exactly when the knobs make a valid design) and ask for its
curve after a short pause, so typing "100000" steps one curve, not six.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QSize, Qt, QTimer
from PySide6.QtGui import QIcon, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.core.schedule.model import Schedule, ScheduleError
from designer.core.schedule.presets import PRESETS, Preset
from designer.ui import theme
from designer.ui.curve_service import CurveService
from designer.ui.inspector.editors import create_editor, error_color
from designer.ui.preset_thumbnail import CurveThumbnail, phase_caption
from designer.ui.thumbnails import thumbnail_pixmap

ICON_SIZE = QSize(64, 34)
DEBOUNCE_MS = 150
DEFAULT_CURVES: dict[str, np.ndarray] = {}  # per process: they depend on torch alone


class PresetDialog(QDialog):
    """Pick a preset and its knobs; `schedule()` is the design they build (None if invalid).

    `run(parent)` shows it modally and returns the accepted design; tests replace `run`.
    """

    def __init__(self, parent: QWidget | None = None, preset: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("presetDialog")
        self.setWindowTitle("New from preset")
        self.resize(760, 480)
        self._values: dict[str, dict[str, Any]] = {k: p.defaults() for k, p in PRESETS.items()}
        self._errors: dict[str, str] = {}
        self._editors: dict[str, QWidget] = {}
        self._labels: dict[str, QLabel] = {}
        self._schedule: Schedule | None = None
        self._live = CurveService(self)
        self._live.curve_ready.connect(self._on_curve_ready)
        self._live.curve_failed.connect(self._on_curve_failed)
        self._icons = CurveService(self)
        self._icons.curve_ready.connect(self._on_icon_ready)
        self._icons.curve_failed.connect(lambda *_: self._request_next_icon())
        self._icon_queue: list[str] = []
        self._icon_key = ""  # the preset whose default curve the worker is stepping
        self._culprit = ""  # the knob the message is about: its label is red
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._debounce.timeout.connect(self._request_curve)
        self._build()
        self._style_message()
        self._update_icons()
        self._icon_queue = [key for key in PRESETS if key not in DEFAULT_CURVES]
        self._request_next_icon()
        self.select_preset(preset or next(iter(PRESETS)))

    @classmethod
    def run(cls, parent: QWidget | None = None) -> Schedule | None:
        dialog = cls(parent)
        try:
            return dialog.schedule() if dialog.exec() == QDialog.Accepted else None
        finally:
            dialog.deleteLater()

    # Public surface ----------------------------------------------------------------------

    def preset(self) -> Preset:
        return PRESETS[self.preset_list.currentItem().data(Qt.UserRole)]

    def select_preset(self, key: str) -> None:
        row = list(PRESETS).index(key)
        self.preset_list.setCurrentRow(row)

    def schedule(self) -> Schedule | None:
        return self._schedule

    def editor(self, knob: str) -> QWidget:
        return self._editors[knob]

    def label(self, knob: str) -> QLabel:
        return self._labels[knob]

    def error(self) -> str:
        return self.message.text() if not self.ok_button.isEnabled() else ""

    def icons_ready(self) -> bool:
        return all(key in DEFAULT_CURVES for key in PRESETS)

    # Layout -------------------------------------------------------------------------------

    def _build(self) -> None:
        self._build_preset_list()
        details = self._build_details()
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.Ok)
        self.ok_button.setText("Create design")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        columns = QHBoxLayout()
        columns.setSpacing(14)
        columns.addWidget(self.preset_list)
        columns.addLayout(details, 1)
        outer = QVBoxLayout(self)
        outer.addLayout(columns, 1)
        outer.addWidget(self.buttons)

    def _build_preset_list(self) -> None:
        """The presets, one row each with its curve as icon (filled in as they arrive)."""
        self.preset_list = QListWidget()
        self.preset_list.setObjectName("presetList")
        self.preset_list.setAccessibleName("Presets")
        self.preset_list.setIconSize(ICON_SIZE)
        self.preset_list.setSpacing(1)
        self.preset_list.setWordWrap(True)
        self.preset_list.setTextElideMode(Qt.ElideNone)
        self.preset_list.setSelectionMode(QAbstractItemView.SingleSelection)
        self.preset_list.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.preset_list.setFixedWidth(236)
        for key, preset in PRESETS.items():
            item = QListWidgetItem(preset.title, self.preset_list)
            item.setData(Qt.UserRole, key)
            item.setToolTip(preset.description)
            item.setSizeHint(QSize(0, ICON_SIZE.height() + 10))
        self.preset_list.currentRowChanged.connect(self._on_preset_changed)

    def _build_details(self) -> QVBoxLayout:
        """The chosen preset: title, description, its knobs' form, its curve, a message."""
        self.title = QLabel()
        self.title.setObjectName("presetTitle")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.description = QLabel()
        self.description.setObjectName("presetDescription")
        self.description.setWordWrap(True)
        self.description.setForegroundRole(QPalette.PlaceholderText)
        self.form = QGridLayout()
        self.form.setHorizontalSpacing(10)
        self.form.setVerticalSpacing(6)
        self.form.setColumnStretch(1, 1)  # columns: label, editor, gap, label, editor
        self.form.setColumnStretch(4, 1)
        self.form.setColumnMinimumWidth(2, 12)
        self.thumbnail = CurveThumbnail()
        self.caption = QLabel()
        self.caption.setObjectName("presetCaption")
        self.caption.setForegroundRole(QPalette.PlaceholderText)
        self.message = QLabel()
        self.message.setObjectName("presetMessage")
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.PlainText)
        details = QVBoxLayout()
        details.setSpacing(6)
        details.addWidget(self.title)
        details.addWidget(self.description)
        details.addSpacing(4)
        details.addLayout(self.form)
        details.addSpacing(4)
        details.addWidget(self.thumbnail, 1)
        details.addWidget(self.caption)
        details.addWidget(self.message)
        return details

    def _build_form(self, preset: Preset) -> None:
        while self.form.count():
            widget = self.form.takeAt(0).widget()
            widget.blockSignals(True)  # a focus-out correction must not reach the new form
            widget.deleteLater()
        self._editors, self._labels, self._errors = {}, {}, {}
        # Two columns of label and editor: six knobs take three rows, leaving the curve room.
        values = self._values[preset.key]
        for index, knob in enumerate(preset.knobs):
            editor = create_editor(knob.spec, optional=False)
            editor.setObjectName(f"knob_{knob.name}")
            editor.set_value(values[knob.name])
            editor.value_edited.connect(partial(self._on_value_edited, knob.name))
            editor.error_changed.connect(partial(self._on_error_changed, knob.name))
            label = QLabel(knob.label)
            label.setBuddy(editor)
            label.setToolTip(knob.help)
            row, column = divmod(index, 2)
            self.form.addWidget(label, row, 3 * column)
            self.form.addWidget(editor, row, 3 * column + 1)
            self._editors[knob.name] = editor
            self._labels[knob.name] = label
            label.show()  # a layout shows widgets added to a visible dialog only later
            editor.show()
            for target in (editor, *editor.findChildren(QLineEdit)):
                target.installEventFilter(self)

    # Reactions ----------------------------------------------------------------------------

    def _on_preset_changed(self, row: int) -> None:
        if row < 0:
            return
        preset = self.preset()
        self.title.setText(preset.title)
        self.description.setText(preset.description)
        self._build_form(preset)
        self._rebuild()

    def _on_value_edited(self, name: str, value: Any) -> None:
        self._values[self.preset().key][name] = value
        self._errors.pop(name, None)
        self._rebuild()

    def _on_error_changed(self, name: str, error: str) -> None:
        if error:
            self._errors[name] = error
        else:
            self._errors.pop(name, None)
        self._rebuild()

    def _rebuild(self) -> None:
        """Build the design from the knobs as they are; the curve follows after a pause."""
        preset = self.preset()
        problem = culprit = ""
        if self._errors:
            culprit = next(k.name for k in preset.knobs if k.name in self._errors)
            problem = f"{preset.knob(culprit).label}: {self._errors[culprit]}"
            schedule = None
        else:
            try:
                schedule = preset.build(**self._values[preset.key])
            except ScheduleError as exc:
                # A combination (warmup and decay over 100%): the knob the preset blames.
                schedule = None
                culprit = exc.field.split("[")[0]
                label = preset.knob(culprit).label if culprit in self._labels else exc.field
                problem = f"{label}: {exc.message}"
        if schedule is not None:  # says what the knobs say ("at epochs 40 and 80")
            self.description.setText(preset.describe(**self._values[preset.key]))
        if schedule is not None and schedule == self._schedule:
            return
        self._schedule = schedule
        self._show_problem(problem, culprit)
        if schedule is None:
            self._debounce.stop()
            self.thumbnail.set_invalid("No curve for these values.")
            self.caption.clear()
            return
        self.caption.setText(phase_caption(schedule))
        default = DEFAULT_CURVES.get(preset.key)
        if default is not None and schedule == preset.build():
            self._debounce.stop()
            self.thumbnail.set_curve(schedule, default)
            return
        self.thumbnail.set_pending()
        self._debounce.start()

    def _show_problem(self, problem: str, culprit: str = "") -> None:
        self.ok_button.setEnabled(not problem)
        self.message.setText(problem)
        self.message.setVisible(bool(problem))
        self._culprit = culprit
        self._style_message()

    def _style_message(self) -> None:
        red = f"color: {error_color(self.palette()).name()};"
        self.message.setStyleSheet(red)
        for name, label in self._labels.items():
            label.setStyleSheet(red if name == self._culprit else "")

    def _request_curve(self) -> None:
        if self._schedule is not None:
            self._live.request(self._schedule)

    def _on_curve_ready(self, schedule: Schedule, lrs: np.ndarray) -> None:
        if schedule == self._schedule:
            self.thumbnail.set_curve(schedule, lrs)

    def _on_curve_failed(self, schedule: Schedule, message: str) -> None:
        if schedule == self._schedule:
            self._show_problem(message)
            self.thumbnail.set_invalid("No curve: torch refuses this design.")

    # List thumbnails: the default curves, one worker job after another ---------------------

    def _request_next_icon(self) -> None:
        if self._icon_queue:
            self._icon_key = self._icon_queue.pop(0)
            self._icons.request(PRESETS[self._icon_key].build())

    def _on_icon_ready(self, schedule: Schedule, lrs: np.ndarray) -> None:
        key = self._icon_key
        if not key:
            return  # the empty design `done` requested: no preset's curve
        DEFAULT_CURVES[key] = np.array(lrs, dtype=np.float64)
        self._update_icons()
        if self._schedule == schedule and self.thumbnail.is_pending():
            self._debounce.stop()
            self.thumbnail.set_curve(schedule, DEFAULT_CURVES[key])
        self._request_next_icon()

    def _update_icons(self) -> None:
        palette = self.preset_list.palette()
        normal = theme.curve_color(palette)
        selected = palette.color(QPalette.HighlightedText)
        ratio = self.devicePixelRatioF()
        for row in range(self.preset_list.count()):
            item = self.preset_list.item(row)
            lrs = DEFAULT_CURVES.get(item.data(Qt.UserRole))
            icon = QIcon()
            icon.addPixmap(thumbnail_pixmap(lrs, normal, ratio, ICON_SIZE), QIcon.Normal)
            icon.addPixmap(thumbnail_pixmap(lrs, selected, ratio, ICON_SIZE), QIcon.Selected)
            item.setIcon(icon)

    def eventFilter(self, watched, event) -> bool:  # Qt's name
        # Return in a spin box holding invalid text would restore its last valid value and
        # then press the (now enabled) default button: the dialog would accept a design the
        # user did not see. While anything is invalid, Return does nothing.
        if (event.type() == QEvent.KeyPress and event.key() in (Qt.Key_Return, Qt.Key_Enter)
                and not self.ok_button.isEnabled()):
            return True
        return super().eventFilter(watched, event)

    def changeEvent(self, event) -> None:  # Qt's name
        super().changeEvent(event)
        if event.type() in (QEvent.PaletteChange, QEvent.DevicePixelRatioChange):
            self._update_icons()
            self._style_message()

    def done(self, result: int) -> None:  # Qt's name
        # An empty design supersedes whatever the worker still steps for this dialog, so
        # the window's own curve (of the design just created) is not kept waiting.
        self._debounce.stop()
        self._icon_queue, self._icon_key = [], ""
        for service in (self._live, self._icons):
            if service.busy:
                service.request(Schedule())
        super().done(result)
