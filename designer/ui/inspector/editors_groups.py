"""The editor of a per-group parameter (OneCycleLR's max_lr, CyclicLR's base_lr and max_lr,
ReduceLROnPlateau's min_lr) in a design with several param groups.

Torch takes such a parameter as one float for every group or as a list with one value per
group. The editor shows one number, as for any FLOAT, and a "per group" box that expands it
into one number per group, labelled with the groups' names. It emits a float when the values
are all equal and a tuple otherwise, the two forms the model keeps (`ParamSpec.per_group`).
With a single group the inspector uses the registry's plain float editor instead
(`create_param_editor`), so nothing changes for designs without groups.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QCheckBox, QGridLayout, QLabel, QWidget

from designer.core.schedule.catalog import FLOAT, ParamSpec
from designer.ui.inspector.editors import (
    Check,
    FloatEditor,
    create_editor,
    format_float,
    validate_value,
)
from designer.ui.inspector.editors_base import EditorState

_NAME_WIDTH_EMS = 7  # the widest group label, in widths of "m", before it is elided


def create_param_editor(spec: ParamSpec, group_names: tuple[str, ...], *,
                        optional: bool = False, auto_hint: str = "torch's default") -> QWidget:
    """The editor for a phase parameter: a `PerGroupEditor` for a per-group FLOAT when the
    design has two or more groups, else the registry's editor (`create_editor`)."""
    # No per-group parameter is optional (None) in the catalog; an optional one would need
    # OptionalEditor to wrap this editor rather than the registry's.
    if spec.per_group and spec.kind == FLOAT and len(group_names) > 1 and not optional:
        return PerGroupEditor(spec, group_names)
    return create_editor(spec, optional=optional, auto_hint=auto_hint)


def collapse(values: tuple[float, ...]) -> float | tuple[float, ...]:
    """The model's form of per-group values: the one value when all are equal."""
    return values[0] if len(set(values)) == 1 else tuple(values)


class PerGroupEditor(EditorState, QWidget):
    """One number for all param groups, or one per group while "per group" is checked.

    The box is view state while the values are equal (checking it changes nothing in the
    model); unchecking it with different values sets every group to the first group's value.
    A tuple value always shows expanded.
    """

    paints_invalid = False  # each number marks itself

    def __init__(self, spec: ParamSpec, group_names: tuple[str, ...],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self._value: Any = spec.initial_value()
        self._names: tuple[str, ...] = ()
        self._labels: list[QLabel] = []
        self.numbers: list[FloatEditor] = []  # one per group
        self.setToolTip(spec.help)
        self.setAccessibleName(spec.name)
        self._grid = grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(4)
        grid.setColumnStretch(1, 1)
        self.shared = FloatEditor(replace(spec, per_group=False))
        self.shared.setAccessibleName(spec.name)
        self.shared.value_edited.connect(self._on_shared_edited)
        self.shared.error_changed.connect(self._refresh_error)
        self.toggle = QCheckBox("per group")
        self.toggle.setAccessibleName(f"{spec.name} per group")
        self.toggle.setToolTip(f"give each param group its own {spec.name}; unchecked, every "
                               "group takes the first group's value")
        self.toggle.clicked.connect(self._on_toggled)
        # Expanded, the first line sums the values up where the one number was.
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        grid.addWidget(self.shared, 0, 0, 1, 2)
        grid.addWidget(self.summary, 0, 0, 1, 2)
        grid.addWidget(self.toggle, 0, 2)
        self.set_group_names(group_names)
        self.setFocusProxy(self.shared)

    # The editor interface (see `designer.ui.inspector.editors`) ---------------------------------

    def value(self) -> Any:
        return self._value

    @property
    def parts(self) -> tuple[QWidget, ...]:
        """The widgets Tab visits, in order (hidden ones are skipped)."""
        return (self.shared, self.toggle, *self.numbers)

    def is_expanded(self) -> bool:
        return self.toggle.isChecked()

    def set_check(self, check: Check | None) -> None:
        self._check = check
        self.shared.set_check(check)
        for index, part in enumerate(self.numbers):
            part.set_check(self._part_check(index))

    def set_group_names(self, names: tuple[str, ...]) -> None:
        """Follow the design's groups: one number per name, each labelled with it."""
        names = tuple(names)
        if names == self._names:
            return
        if len(names) != len(self._names):
            self._rebuild_parts(len(names))
        self._names = names
        for index, (label, part, name) in enumerate(zip(self._labels, self.numbers, names)):
            width = label.fontMetrics().horizontalAdvance("m") * _NAME_WIDTH_EMS
            label.setText(label.fontMetrics().elidedText(name, Qt.TextElideMode.ElideMiddle,
                                                         width))
            label.setToolTip(f"{self.spec.name} of param group {name}")
            part.setAccessibleName(f"{self.spec.name} {name}")
            part.setToolTip(f"{self.spec.help} ({name})")
            part.set_check(self._part_check(index))
        self.set_value(self._value)

    def set_value(self, value: Any) -> None:
        count = len(self.numbers)
        if isinstance(value, (tuple, list)):
            values = tuple(value[:count]) + (value[-1],) * (count - len(value))
            self._value = collapse(values)
            self.shared.set_value(values[0])
            self._set_expanded(True)
        else:
            values = (value,) * count
            self._value = value
            self.shared.set_value(value)
        for part, item in zip(self.numbers, values):
            part.set_value(item)
        self._refresh_summary()
        self._refresh_error()

    # Building --------------------------------------------------------------------------

    def _rebuild_parts(self, count: int) -> None:
        for widget in (*self._labels, *self.numbers):
            self._grid.removeWidget(widget)
            widget.hide()
            widget.deleteLater()  # perhaps inside one of its own signals
        self._labels, self.numbers = [], []
        for index in range(count):
            label = QLabel()
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
            part = FloatEditor(replace(self.spec, per_group=False))
            label.setBuddy(part)
            part.value_edited.connect(self._on_part_edited)
            part.error_changed.connect(self._refresh_error)
            self._grid.addWidget(label, index + 1, 0)
            self._grid.addWidget(part, index + 1, 1, 1, 2)
            self._labels.append(label)
            self.numbers.append(part)
        # New widgets join the end of Qt's focus chain; Tab should reach them here.
        for first, second in pairwise((self.toggle, *self.numbers)):
            QWidget.setTabOrder(first, second)
        self._set_expanded(self.is_expanded())

    def _set_expanded(self, expanded: bool) -> None:
        with QSignalBlocker(self.toggle):
            self.toggle.setChecked(expanded)
        self.shared.setVisible(not expanded)
        self.summary.setVisible(expanded)
        for widget in (*self._labels, *self.numbers):
            widget.setVisible(expanded)
        self.setFocusProxy(self.numbers[0] if expanded and self.numbers else self.shared)

    def _combined(self, index: int, value: float) -> float | tuple[float, ...]:
        values = [part.value() for part in self.numbers]
        values[index] = value
        return collapse(tuple(values))

    def _part_check(self, index: int) -> Check:
        """A number's extra rule: the whole value with this number in it passes the form's
        check (OneCycleLR's rules look at max_lr with the other parameters)."""
        def check(value: Any) -> str | None:
            return self._check(self._combined(index, value)) if self._check else None
        return check

    # Edits -----------------------------------------------------------------------------

    def _on_shared_edited(self, value: float) -> None:
        self._emit(value)

    def _on_part_edited(self, _value: float) -> None:
        values = tuple(part.value() for part in self.numbers)
        if None not in values:
            self._emit(collapse(values))

    def _on_toggled(self, checked: bool) -> None:
        self._set_expanded(checked)
        (self.numbers[0] if checked and self.numbers else self.shared).setFocus()
        if checked or not isinstance(self._value, tuple):
            return  # expanding equal values, or collapsing them, changes nothing
        # Collapsing different values is a change of its own, never merged with typing.
        self.merges = False
        try:
            self._emit(self._value[0])
        finally:
            self.merges = True
        self.set_value(self._value)

    def _emit(self, value: Any) -> None:
        value, error = validate_value(self.spec, value, self._check)
        if error:
            self._publish(error)
            return
        self._value = value
        self._refresh_summary()
        self._refresh_error()
        self.value_edited.emit(value)

    def _refresh_summary(self) -> None:
        value = self._value
        if isinstance(value, tuple):
            text = f"{format_float(min(value))} – {format_float(max(value))}"
        else:
            text = "the same for all groups" if value is not None else ""
        self.summary.setText(text)

    def _refresh_error(self, _error: str = "") -> None:
        if self.is_expanded():
            error = "; ".join(f"{name}: {part.error()}"
                              for name, part in zip(self._names, self.numbers) if part.error())
        else:
            error = self.shared.error()
        self._publish(error)
