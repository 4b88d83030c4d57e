"""The inspector's "Param groups" section: the design's optimizer param groups, each a name
and a base lr given absolutely or as a multiple of the optimizer's lr.

Without groups the section says so and offers to add them; the first add makes two groups
(backbone at the base lr, head at ten times it, `edits.add_param_group`). Each row edits one
group: its name, its lr, whether that lr is absolute or "× base lr", and buttons to move or
remove it. Every change is one undoable edit from `designer.core.schedule.edits`; typing
in one field merges into one undo step. Names and lrs are checked with
`fileformat.check_group`, the loader's own rule, so invalid input shows its message under
the row and never reaches the model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from designer.core.schedule import edits
from designer.core.schedule.catalog import FLOAT, ParamSpec
from designer.core.schedule.edits import Edit
from designer.core.schedule.fileformat import check_group
from designer.core.schedule.model import MAX_GROUPS, ParamGroup, ScheduleError
from designer.ui.document import Document
from designer.ui.inspector.editor_field import EditorField
from designer.ui.inspector.editors import FloatEditor, format_float
from designer.ui.inspector.editors_base import EditorState

# The unit button's faces: "head × 10" (times the base lr) or "head = 0.003" (absolute).
SCALED, ABSOLUTE = "×", "="
# No bounds: check_group rejects lr <= 0, so the message is the loader's own.
_LR_SPEC = ParamSpec("lr", FLOAT, help="the group's base lr: absolute, or a multiple of the "
                     "optimizer's Base lr")
_NAME_SPEC = ParamSpec("name", "name", help="the group's name, as the training code calls it")


def group_problem(name: object, lr: object, lr_scale: object, index: int,
                  taken: tuple[str, ...]) -> str | None:
    """`check_group`'s complaint about a group, worded for its row ("name: ..."), or None."""
    try:
        check_group(name, lr, lr_scale, f"param_groups[{index}]", taken)
    except ScheduleError as exc:
        return f"{exc.field.rsplit('.', 1)[-1]}: {exc.message}"
    return None


class GroupEditor(QWidget):
    """Edits the param groups of a `Document` (a section of the inspector).

    Signals
    -------
    rows_rebuilt : the rows were made anew (a group added or removed); new widgets join the
        end of Qt's focus chain, so the owner puts them back in order (`focus_chain`).
    """

    rows_rebuilt = Signal()

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("param groups")
        self._document = document
        self.rows: list[GroupRow] = []
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        self.empty_label = QLabel("The optimizer has one param group: every parameter "
                                  "trains at the base lr. Adding groups starts with "
                                  "backbone (× 1) and head (× 10).")
        self.empty_label.setWordWrap(True)
        self.empty_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        column.addWidget(self.empty_label)
        self._rows_layout = QVBoxLayout()
        self._rows_layout.setContentsMargins(0, 0, 0, 0)
        self._rows_layout.setSpacing(4)
        column.addLayout(self._rows_layout)
        self.add_button = QPushButton("Add group")
        self.add_button.setAccessibleName("add param group")
        self.add_button.clicked.connect(self._on_add_clicked)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        document.changed.connect(self._update)
        self._update()

    def focus_chain(self) -> list[QWidget]:
        """The widgets Tab visits, in order (the inspector links them after its fields)."""
        return [*(widget for row in self.rows for widget in row.focus_chain()), self.add_button]

    def _update(self) -> None:
        schedule = self._document.schedule
        groups = schedule.param_groups
        if len(groups) != len(self.rows):
            self._rebuild(len(groups))
        for row, group in zip(self.rows, groups):
            row.show_group(group, schedule.optimizer.lr, len(groups))
        self.empty_label.setVisible(not groups)
        self.add_button.setText("Add groups" if not groups else "Add group")
        self.add_button.setToolTip(
            "split the parameters into two groups, backbone at the base lr and head at ten "
            "times it" if not groups else f"add a param group (at most {MAX_GROUPS})")
        self.add_button.setEnabled(len(groups) < MAX_GROUPS)

    def _rebuild(self, count: int) -> None:
        # Deleted later: the rebuild may run inside a signal of a row's own button.
        for row in self.rows:
            self._rows_layout.removeWidget(row)
            row.hide()
            row.deleteLater()
        self.rows = [GroupRow(self._document, index) for index in range(count)]
        for row in self.rows:
            self._rows_layout.addWidget(row)
            row.show()
        self.rows_rebuilt.emit()

    def _on_add_clicked(self) -> None:
        self._document.apply(edits.add_param_group(self._document.schedule))
        if self.rows:  # name the new group at once
            self.rows[-1].name_edit.setFocus()
            self.rows[-1].name_edit.selectAll()


class GroupRow(EditorField):
    """One group: name, lr, absolute or scaled, move up and down, remove; its message
    (an error, or the lr a scaled group trains at) underneath."""

    def __init__(self, document: Document, index: int, parent: QWidget | None = None) -> None:
        line = QWidget()
        super().__init__(line, parent=parent)
        self._document = document
        self.index = index
        self._group: ParamGroup | None = None
        self._name_error = ""
        self._value_error = ""
        layout = QHBoxLayout(line)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.name_edit = _NameEdit()
        self.name_edit.setAccessibleName(f"param group {index + 1} name")
        self.name_edit.textEdited.connect(self._on_name_edited)
        self.name_edit.editingFinished.connect(self._on_name_finished)
        self.lr_editor = FloatEditor(_LR_SPEC)
        self.lr_editor.setAccessibleName(f"param group {index + 1} lr")
        # Typed, or stepped with the arrow keys: the row has no room for spin arrows.
        self.lr_editor.setButtonSymbols(QAbstractSpinBox.ButtonSymbols.NoButtons)
        self.lr_editor.set_check(self._check_lr)
        self.lr_editor.value_edited.connect(self._on_lr_edited)
        self.lr_editor.error_changed.connect(self._on_lr_error)
        self.unit_button = QToolButton()
        self.unit_button.setCheckable(True)
        self.unit_button.setFixedWidth(self.unit_button.sizeHint().height())
        self.unit_button.setToolTip("× : the lr is a multiple of the optimizer's Base lr\n"
                                    "= : the lr is this value, whatever the Base lr\n"
                                    "Click to switch; the group keeps the lr it trains at.")
        self.unit_button.setAccessibleName(f"param group {index + 1} lr scaled")
        self.unit_button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.unit_button.clicked.connect(self._on_unit_clicked)
        self.up_button = self._tool_button(Qt.ArrowType.UpArrow, "move up")
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button = self._tool_button(Qt.ArrowType.DownArrow, "move down")
        self.down_button.clicked.connect(lambda: self._move(1))
        self.remove_button = self._tool_button(None, "remove")
        self.remove_button.setIcon(self.style().standardIcon(
            QStyle.StandardPixmap.SP_LineEditClearButton))
        self.remove_button.clicked.connect(self._on_remove_clicked)
        layout.addWidget(self.name_edit, 3)
        layout.addWidget(self.unit_button)
        layout.addWidget(self.lr_editor, 2)
        for button in (self.up_button, self.down_button, self.remove_button):
            layout.addWidget(button)

    def _tool_button(self, arrow: Qt.ArrowType | None, action: str) -> QToolButton:
        button = QToolButton()
        if arrow is not None:
            button.setArrowType(arrow)
        button.setAutoRaise(True)
        button.setFixedWidth(18)
        button.setToolTip(f"{action.capitalize()} this param group")
        button.setAccessibleName(f"{action} param group {self.index + 1}")
        return button

    def focus_chain(self) -> list[QWidget]:
        return [self.name_edit, self.unit_button, self.lr_editor, self.up_button,
                self.down_button, self.remove_button]

    def show_group(self, group: ParamGroup, optimizer_lr: float, count: int) -> None:
        """Show the model's group without emitting; text being typed and invalid stays."""
        self._group = group
        if self.name_edit.text() != group.name and not (self.name_edit.hasFocus()
                                                         and self._name_error):
            self.name_edit.setText(group.name)
            self._set_name_error("")
        scaled = group.lr_scale is not None
        with QSignalBlocker(self.unit_button):
            self.unit_button.setChecked(scaled)
        self.unit_button.setText(SCALED if scaled else ABSOLUTE)
        self.lr_editor.set_value(group.lr_scale if scaled else group.lr)
        self.up_button.setEnabled(self.index > 0)
        self.down_button.setEnabled(self.index < count - 1)
        # 12 significant digits: 10 × 0.0003 reads 0.003, not 0.0029999999999999996.
        lr = format_float(float(f"{group.base_lr(optimizer_lr):.12g}"))
        self.set_hint(f"× base lr: trains at {lr}" if scaled else
                      f"absolute: trains at {lr} whatever the base lr")

    # Checks ------------------------------------------------------------------------------

    def _taken(self) -> tuple[str, ...]:
        groups = self._document.schedule.param_groups
        return tuple(group.name for index, group in enumerate(groups) if index != self.index)

    def _check_lr(self, value: float) -> str | None:
        group = self._group
        if group is None:
            return None
        scaled = group.lr_scale is not None
        return group_problem(group.name, None if scaled else value, value if scaled else None,
                             self.index, self._taken())

    def _set_name_error(self, error: str) -> None:
        self._name_error = error
        self.name_edit._set_error(error)
        self.set_error(self._name_error or self._value_error)

    def _on_lr_error(self, error: str) -> None:
        self._value_error = error
        self.set_error(self._name_error or self._value_error)

    # Edits -------------------------------------------------------------------------------

    def _apply(self, make: Callable[..., Edit | None], *args: Any) -> None:
        """Apply the edit `make(schedule, this row's group, *args)`."""
        self._document.apply(make(self._document.schedule, self.index, *args))

    def _on_name_edited(self, text: str) -> None:
        group = self._group
        if group is None:
            return
        error = group_problem(text, group.lr, group.lr_scale, self.index, self._taken()) or ""
        self._set_name_error(error)
        if not error and text != group.name:
            self._apply(edits.rename_param_group, text)

    def _on_name_finished(self) -> None:
        # Like the spin boxes, a field left with invalid text goes back to the model's value.
        if self._name_error and self._group is not None:
            self.name_edit.setText(self._group.name)
            self._set_name_error("")

    def _on_lr_edited(self, value: float) -> None:
        self._apply(edits.set_param_group_lr, value)

    def _on_unit_clicked(self, checked: bool) -> None:
        self._apply(edits.set_param_group_scaled, checked)

    def _move(self, offset: int) -> None:
        self._apply(edits.move_param_group, self.index + offset)

    def _on_remove_clicked(self) -> None:
        self._apply(edits.remove_param_group)


class _NameEdit(EditorState, QLineEdit):
    """A group's name; marked red, like the parameter editors, while the text is invalid."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spec = _NAME_SPEC
        self.setPlaceholderText("name")
        self.setToolTip(_NAME_SPEC.help)
