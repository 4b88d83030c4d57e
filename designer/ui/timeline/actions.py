"""What the timeline does besides dragging blocks: its keys, a block's context menu, its
tooltips and what a palette drag carries.

`TIMELINE_KEYS` is the one table of the timeline's keys: `Timeline.keyPressEvent` finds the
pressed key in it and runs the entry's action, and Help → Keyboard shortcuts and the
timeline's tooltips print it, so a key cannot work without being documented or be
documented without working.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QKeyCombination, QMimeData, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from designer.core.schedule import edits, member_edits
from designer.core.schedule.catalog import MAX_MEMBERS, SCHEDULERS, chainable
from designer.core.schedule.edits import Edit
from designer.core.schedule.kinds import short_count
from designer.core.schedule.model import CONTINUE, RESTART, Schedule
from designer.ui.document import Document
from designer.ui.palette import SCHEDULER_MIME
from designer.ui.timeline.empty import EMPTY_HINT
from designer.ui.timeline.geometry import phase_tooltip

# An action gets the timeline and which of its entry's keys was pressed (0 or 1), so one
# entry holds a pair such as Left / Right.
KeyAction = Callable[[Any, int], None]


@dataclass(frozen=True)
class TimelineKey:
    """One row of the table: the keys (Qt key, modifiers), what they do, and how.

    `action` None marks a key the view handles itself (Escape ends a gesture) or a modifier
    held during a drag; `text` then says it in words where key names would not.
    """

    keys: tuple[tuple[Qt.Key, Qt.KeyboardModifier], ...]
    does: str
    action: KeyAction | None = None
    text: str = ""

    def key_text(self) -> str:
        """The keys as the menus spell shortcuts ("Alt+Left / Alt+Right")."""
        if self.text:
            return self.text
        return " / ".join(QKeySequence(QKeyCombination(modifiers, key)).toString(
            QKeySequence.SequenceFormat.NativeText) for key, modifiers in self.keys)


def _select_neighbour(view: Any, which: int) -> None:
    document = view.document
    count, selected = len(document.schedule.phases), document.selected
    if count:
        step = -1 if which == 0 else 1
        document.select(max(0, min(count - 1, selected + step if selected >= 0 else 0)))


def _move_selected(view: Any, which: int) -> None:
    document = view.document
    selected, target = document.selected, document.selected + (-1 if which == 0 else 1)
    if selected >= 0 and 0 <= target < len(document.schedule.phases):
        document.apply(edits.move_phase(document.schedule, selected, target))


def _select_member(view: Any, which: int) -> None:
    """In a chained phase, the member above / below (its band); the ends stay put."""
    document = view.document
    if document.selected_member >= 0:
        document.select(document.selected,
                        max(0, document.selected_member + (-1 if which == 0 else 1)))


def _move_member(view: Any, which: int) -> None:
    document = view.document
    index, member = document.selected, document.selected_member
    target = member + (-1 if which == 0 else 1)
    edit = member_edits.move_member(document.schedule, index, member, target) \
        if member >= 0 else None
    if edit is not None:
        document.apply(edit)
        document.select(index, target)


def _select_end(view: Any, which: int) -> None:
    count = len(view.document.schedule.phases)
    if count:
        view.document.select(0 if which == 0 else count - 1)


def _delete_selected(view: Any, _which: int) -> None:
    if view.document.selected >= 0:
        document = view.document
        document.apply(edits.delete_phase(document.schedule, document.selected))


def _open_menu(view: Any, _which: int) -> None:
    view.open_phase_menu()


NONE, ALT, SHIFT = Qt.NoModifier, Qt.AltModifier, Qt.ShiftModifier
DELETE_KEYS = ((Qt.Key_Delete, NONE), (Qt.Key_Backspace, NONE))
MEMBER_KEYS = ((Qt.Key_Up, NONE), (Qt.Key_Down, NONE))
MOVE_MEMBER_KEYS = ((Qt.Key_Up, ALT), (Qt.Key_Down, ALT))
TIMELINE_KEYS: tuple[TimelineKey, ...] = (
    TimelineKey(((Qt.Key_Left, NONE), (Qt.Key_Right, NONE)),
                "select the previous / next phase", _select_neighbour),
    TimelineKey(((Qt.Key_Home, NONE), (Qt.Key_End, NONE)),
                "select the first / last phase", _select_end),
    TimelineKey(((Qt.Key_Left, ALT), (Qt.Key_Right, ALT)),
                "move the selected phase one place left / right", _move_selected),
    TimelineKey(MEMBER_KEYS, "select the member above / below in a chained phase",
                _select_member),
    TimelineKey(MOVE_MEMBER_KEYS, "move the selected member up / down in its chain",
                _move_member),
    TimelineKey(DELETE_KEYS, "delete the selected phase", _delete_selected),
    TimelineKey(((Qt.Key_Menu, NONE), (Qt.Key_F10, SHIFT)),
                "open the selected phase's menu (duplicate, split, start)", _open_menu),
    TimelineKey(((Qt.Key_Escape, NONE),), "cancel a move or resize in progress"),
    TimelineKey((), "resize without snapping to round numbers and epochs",
                text="Shift while dragging an edge"),
    TimelineKey((), "chain it with that block's phase (both run at once)",
                text="Shift while dropping a scheduler on a block"),
)


def find_key(event: QKeyEvent) -> tuple[TimelineKey | None, int]:
    """The table's entry for a key press and which of its keys it is; (None, -1) if none."""
    # The keypad flag comes with arrow keys on some platforms; it is not a modifier here.
    modifiers = event.modifiers() & ~Qt.KeypadModifier
    for entry in TIMELINE_KEYS:
        for which, (key, wanted) in enumerate(entry.keys):
            if event.key() == key and modifiers == wanted:
                return entry, which
    return None, -1


def key_hint_html() -> str:
    """The timeline's keys in a few lines, for its tooltips."""
    rows = "".join(f"<br>{entry.key_text()}: {entry.does}" for entry in TIMELINE_KEYS)
    return f"<small><b>Keys</b>{rows}</small>"


def tooltip_html(schedule: Schedule, index: int, warnings: dict[int, list[str]]) -> str:
    """The timeline's tooltip over block `index` (-1: beside the blocks), with its keys."""
    if index >= 0:
        text = phase_tooltip(schedule, index)
        for message in warnings.get(index, []):
            text += "<br>⚠ " + html.escape(message, quote=False)
    elif schedule.phases:
        text = "Drag a block to move it, its right edge to resize it"
    else:
        text = EMPTY_HINT
    return f"{text}<br><br>{key_hint_html()}"


def dropped_scheduler(mime: QMimeData) -> str | None:
    """The scheduler a palette drag carries (None for anything else)."""
    if not mime.hasFormat(SCHEDULER_MIME):
        return None
    name = bytes(mime.data(SCHEDULER_MIME)).decode("utf-8", "replace").strip()
    return name if name in SCHEDULERS else None


def phase_menu(parent: QWidget, document: Document, index: int, at: int,
               member: int = -1) -> QMenu:
    """The context menu of phase `index`, opened `at` steps into the phase (on the band of
    its member `member` when it is chained)."""
    phase = document.schedule.phases[index]

    def apply(make: Callable[..., Edit | None], *args: Any) -> Callable[..., None]:
        """A slot that applies the edit `make(schedule, index, *args)`."""
        return lambda *_: document.apply(make(document.schedule, index, *args))

    menu = QMenu(parent)
    menu.addAction("Duplicate", apply(edits.duplicate_phase))
    delete = menu.addAction("Delete", apply(edits.delete_phase))
    delete.setShortcut(DELETE_KEYS[0][0])
    inside = 0 < at < phase.steps
    split = menu.addAction(f"Split here ({short_count(at)} + {short_count(phase.steps - at)})"
                           if inside else "Split here", apply(edits.split_phase, at))
    split.setEnabled(inside)
    menu.addSeparator()
    add_chain_actions(menu, document, index, member)
    menu.addSeparator()
    group = QActionGroup(menu)
    for mode, text in ((RESTART, "Start: Restart from base lr"),
                       (CONTINUE, "Start: Continue from previous lr")):
        action = QAction(text, menu, checkable=True, checked=phase.start == mode)
        action.triggered.connect(apply(edits.set_start, mode))
        group.addAction(action)
        menu.addAction(action)
    if not isinstance(phase.start, str):
        explicit = QAction(f"Start: lr {phase.start:g} (set in the inspector)", menu,
                           checkable=True, checked=True, enabled=False)
        group.addAction(explicit)
        menu.addAction(explicit)
    return menu


def add_chain_actions(menu: QMenu, document: Document, index: int, member: int) -> None:
    """"Chain with ▸ <scheduler>" and, on a member's band, "Remove from chain" and "Move
    up / down": each one edit of `member_edits` (the last member's removal unchains)."""
    phase = document.schedule.phases[index]

    def chain(name: str) -> None:
        document.apply(member_edits.chain_with(document.schedule, index, name))
        document.select(index, len(document.schedule.phases[index].members) - 1)

    submenu = menu.addMenu("Chain with")
    submenu.setEnabled((phase.is_chained or chainable(phase.scheduler))
                       and len(phase.members) < MAX_MEMBERS)
    for name in (n for n in SCHEDULERS if chainable(n)):
        submenu.addAction(name, lambda *_, name=name: chain(name))
    if not phase.is_chained or not 0 <= member < len(phase.members):
        return
    label = phase.members[member].spec.short

    def remove(*_: Any) -> None:
        schedule = document.schedule
        document.apply(member_edits.remove_member(schedule, index, member)
                       or member_edits.unchain(schedule, index))

    def move(target: int) -> Callable[..., None]:
        def slot(*_: Any) -> None:
            document.apply(member_edits.move_member(document.schedule, index, member, target))
            document.select(index, target)
        return slot

    menu.addAction(f"Remove {label} from chain", remove)
    up = menu.addAction(f"Move {label} up in chain", move(member - 1))
    up.setEnabled(member > 0)
    down = menu.addAction(f"Move {label} down in chain", move(member + 1))
    down.setEnabled(member < len(phase.members) - 1)
    for action, (key, modifiers) in zip((up, down), MOVE_MEMBER_KEYS):
        action.setShortcut(QKeyCombination(modifiers, key))  # shown: the timeline's keys
