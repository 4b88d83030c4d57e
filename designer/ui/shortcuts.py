"""Help → Keyboard shortcuts: every key the window answers to, read from where it is defined.

Menu shortcuts are read from the menus' actions themselves and the timeline's keys from its
table (`timeline_actions.TIMELINE_KEYS`), so the list cannot drift from what the keys do.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QMenu,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from designer.ui.timeline.actions import TIMELINE_KEYS

# The plot's gestures are pyqtgraph's and `plot_support.PlotWidget`'s; they are mouse
# gestures but for Home, so they are listed here rather than in a table of keys.
PLOT_KEYS = (
    ("Home", "show the whole curve again (after clicking the plot)"),
    ("Double-click", "show the whole curve again"),
    ("Ctrl+wheel", "zoom the plot around the pointer"),
)


def _plain(text: str) -> str:
    """A menu text without its mnemonic marker ("&Save" reads "Save", "&&" reads "&")."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip(".…")


def menu_shortcuts(menu: QMenu, path: str = "") -> list[tuple[str, str]]:
    """(keys, "Menu → Item") of every action with a shortcut in `menu` and its submenus."""
    rows = []
    where = f"{path} → {_plain(menu.title())}" if path else _plain(menu.title())
    for action in menu.actions():
        if action.menu() is not None:
            rows += menu_shortcuts(action.menu(), where)
        elif action.shortcuts():
            keys = ", ".join(sequence.toString(QKeySequence.SequenceFormat.NativeText)
                             for sequence in action.shortcuts())
            rows.append((keys, f"{where} → {_plain(action.text())}"))
    return rows


def shortcut_sections(window) -> list[tuple[str, list[tuple[str, str]]]]:
    """The dialog's content: (section, [(keys, what they do), ...]) in menu-bar order."""
    menus = []
    for action in window.menuBar().actions():
        if action.menu() is not None:
            menus += menu_shortcuts(action.menu())
    timeline = [(entry.key_text(), entry.does) for entry in TIMELINE_KEYS]
    return [("Menus", menus), ("Timeline (when it has focus)", timeline),
            ("Plot", list(PLOT_KEYS))]


class ShortcutsDialog(QDialog):
    """A window listing the shortcuts; it stays open beside the designer (not modal)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(680, 540)
        self.tree = QTreeWidget()
        self.tree.setObjectName("shortcutsList")
        self.tree.setAccessibleName("Keyboard shortcuts")
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Keys", "Action"])
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(14)
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QTreeWidget.NoSelection)  # a reference, not a choice
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeToContents)
        for section, rows in shortcut_sections(window):
            header = QTreeWidgetItem(self.tree, [section])
            font = header.font(0)
            font.setBold(True)
            header.setFont(0, font)
            header.setFirstColumnSpanned(True)
            header.setFlags(Qt.ItemIsEnabled)
            for keys, does in rows:
                QTreeWidgetItem(header, [keys, does])
        self.tree.expandAll()
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tree)
        layout.addWidget(buttons)

    def rows(self) -> list[tuple[str, str]]:
        """Every (keys, action) row shown, sections left out."""
        rows = []
        for index in range(self.tree.topLevelItemCount()):
            section = self.tree.topLevelItem(index)
            rows += [(section.child(i).text(0), section.child(i).text(1))
                     for i in range(section.childCount())]
        return rows


def show_shortcuts(window) -> ShortcutsDialog:
    """Show the list (built afresh: the Undo item's text follows the undo stack)."""
    dialog = getattr(window, "shortcuts_dialog", None)
    if dialog is not None:
        dialog.close()
        dialog.deleteLater()
    window.shortcuts_dialog = dialog = ShortcutsDialog(window)
    dialog.show()
    dialog.raise_()
    return dialog
