"""The editors of a plateau phase's logged metric: a run's path (a line and Browse…, for a
file or a folder) and its series' name (an editable combo the window fills with the run's
series once it has read the run, `ui/metric_runs.py`)."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QComboBox, QFileDialog, QHBoxLayout, QMenu, QToolButton, QWidget

from designer.core.schedule.catalog import ParamSpec
from designer.ui.inspector.editors_base import EditorState, WheelNeedsFocus, validate_value
from designer.ui.inspector.editors_text import TextEditor
from designer.ui.runs import RUN_FILTER


class TextLine(TextEditor):
    """One line of text, "" allowed (a parameter that is not given)."""

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None,
                 placeholder: str = "") -> None:
        super().__init__(parent)
        self._setup(spec, placeholder)

    def _interpret(self, text: str) -> tuple[Any, str]:
        return validate_value(self.spec, text.strip(), self._check)

    def _format(self, value: str) -> str:
        return value


class PathEditor(EditorState, QWidget):
    """A file or folder: typed, or chosen with Browse… (Run file… or Run folder…). The
    path is kept as chosen (absolute); a relative one typed is read from the design file's
    folder, as the design's `runs` are."""

    paints_invalid = False
    merges = False

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.setAccessibleName(spec.name)
        self.line = TextLine(spec, self, "none: the synthetic metric")
        self.browse = QToolButton(self)
        self.browse.setText("Browse…")
        self.browse.setAccessibleName(f"{spec.name}: browse")
        self.browse.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.browse)
        menu.addAction("Run file…", self._choose_file)
        menu.addAction("Run folder…", self._choose_folder)
        self.browse.setMenu(menu)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.line, 1)
        layout.addWidget(self.browse)
        self.parts = (self.line, self.browse)
        self.setFocusProxy(self.line)
        self.line.value_edited.connect(self.value_edited)
        self.line.error_changed.connect(self._publish)
        self.base_folder = ""  # where a relative path is read from (the design's folder)

    def value(self) -> str | None:
        return self.line.value()

    def set_value(self, value: Any) -> None:
        self.line.set_value(value)
        self.setToolTip(self.resolved() or self.spec.help)

    def set_check(self, check) -> None:
        super().set_check(check)
        self.line.set_check(check)

    def resolved(self) -> str:
        """The path as the design reads it: a relative one from the design's folder."""
        text = self.line.value() or ""
        return os.path.join(self.base_folder, text) if text and self.base_folder else text

    def choose(self, path: str) -> None:
        """Take `path` as if typed (the Browse… dialogs end here)."""
        value, error = validate_value(self.spec, os.fspath(path), self._check)
        if not error and value != self.line.value():
            self.line.set_value(value)
            self.value_edited.emit(value)

    def _start_folder(self) -> str:
        path = self.resolved()
        return os.path.dirname(path) if path else self.base_folder

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Run whose metric drives the phase",
                                              self._start_folder(), RUN_FILTER)
        if path:
            self.choose(path)

    def _choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Run folder whose metric drives the "
                                                "phase", self._start_folder())
        if path:
            self.choose(path)


class SeriesEditor(WheelNeedsFocus, EditorState, QComboBox):
    """A series' name: typed, or picked from the run's series (`set_suggestions`)."""

    merges = False

    def __init__(self, spec: ParamSpec, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._value: str | None = None
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setToolTip(spec.help)
        self.setAccessibleName(spec.name)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.lineEdit().setPlaceholderText("e.g. val_loss")
        self.lineEdit().textEdited.connect(self._take)
        self.activated.connect(lambda index: self._take(self.itemText(index)))

    def value(self) -> str | None:
        return self._value

    def set_value(self, value: Any) -> None:
        self._value = value
        with QSignalBlocker(self):
            self.setEditText("" if value is None else str(value))
        self._set_error("")

    def set_suggestions(self, names: tuple[str, ...] | list[str]) -> None:
        """The run's series, listed; the text shown stays."""
        if [self.itemText(i) for i in range(self.count())] == list(names):
            return
        text = self.currentText()
        with QSignalBlocker(self):
            self.clear()
            self.addItems(list(names))
            self.setEditText(text)

    def suggestions(self) -> list[str]:
        return [self.itemText(i) for i in range(self.count())]

    def _take(self, text: str) -> None:
        value, error = validate_value(self.spec, text.strip(), self._check)
        self._set_error(error)
        if not error and value != self._value:
            self._value = value
            self.value_edited.emit(value)
