"""The window's menus and shortcuts. Undo/Redo come from the QUndoStack itself, and
`UndoKeys` gives them the keyboard wherever the focus is in the window."""

from __future__ import annotations

import os
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QInputDialog,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from designer.core.export.formats import FORMATS
from designer.core.schedule import edits
from designer.core.schedule.edits import Edit
from designer.core.schedule.model import MAX_TOTAL_STEPS, Schedule
from designer.ui.files.files import example_designs
from designer.ui.preset_dialog import PresetDialog
from designer.ui.shortcuts import show_shortcuts


def _action(window, text: str, slot, shortcut=None, name: str = "") -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if name:
        action.setObjectName(name)
    action.triggered.connect(slot)
    window.addAction(action)
    return action


def build_menus(window) -> None:
    """The File, Edit and Help menus of `window` (a MainWindow with its document, files and
    code view built)."""
    bar = window.menuBar()
    _build_file_menu(window, bar.addMenu("&File"))
    _build_edit_menu(window, bar.addMenu("&Edit"))
    help_menu = bar.addMenu("&Help")
    help_menu.addAction(_action(window, "&Keyboard shortcuts", lambda: show_shortcuts(window),
                                QKeySequence.HelpContents, "actionShortcuts"))
    help_menu.addAction(_action(window, "&About", lambda: show_about(window)))


def _build_file_menu(window, file_menu: QMenu) -> None:
    files = window.files
    file_menu.addAction(_action(window, "&New", files.new_document, QKeySequence.New, "actionNew"))
    file_menu.addAction(_action(window, "New from &preset…", lambda: new_from_gallery(window),
                                "Ctrl+Shift+N", "actionNewFromPreset"))
    examples_menu = file_menu.addMenu("New from e&xample")
    examples_menu.setObjectName("examplesMenu")
    for title, path in example_designs():
        examples_menu.addAction(_action(window, title, lambda _=False, p=path:
                                        files.new_from_example(str(p))))
    file_menu.addAction(_action(window, "&Open…", files.open_dialog, QKeySequence.Open,
                                "actionOpen"))
    file_menu.addAction(_action(window, "&Import scheduler code…", files.import_python_dialog,
                                name="actionImportPython"))
    file_menu.addAction(_action(window, "Open r&un…", window.runs.open_file_dialog,
                                name="actionOpenRun"))
    file_menu.addAction(_action(window, "Open run &folder…", window.runs.open_folder_dialog,
                                name="actionOpenRunFolder"))
    window.recent_menu = _build_recent_menu(files, file_menu.addMenu("Open &recent"))
    file_menu.addSeparator()
    file_menu.addAction(_action(window, "&Save", files.save, QKeySequence.Save, "actionSave"))
    file_menu.addAction(_action(window, "Save &as…", files.save_as, QKeySequence.SaveAs,
                                "actionSaveAs"))
    export_menu = file_menu.addMenu("&Export")
    for fmt in FORMATS.values():
        export_menu.addAction(_action(window, fmt.menu_text,
                                      lambda _=False, f=fmt.key: files.export(f),
                                      name=f"actionExport_{fmt.key}"))
    file_menu.addSeparator()
    file_menu.addAction(_action(window, "&Quit", window.close, QKeySequence.Quit))


def _build_recent_menu(files, recent_menu: QMenu) -> QMenu:
    """Open recent: rebuilt whenever the list of recent files changes."""
    recent_menu.setObjectName("recentMenu")

    def refresh_recent() -> None:
        recent_menu.clear()
        for path in files.recent_files():
            action = recent_menu.addAction(os.path.basename(path))
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, p=path: files.open_path_asking(p))
        recent_menu.addSeparator()
        clear = recent_menu.addAction("Clear list")
        clear.triggered.connect(files.clear_recent)
        recent_menu.setEnabled(bool(files.recent_files()))

    files.recent_changed.connect(refresh_recent)
    refresh_recent()
    return recent_menu


def _build_edit_menu(window, edit_menu: QMenu) -> None:
    document = window.document
    undo = document.undo_stack.createUndoAction(window, "&Undo")
    # Every platform binding, not just the first: Redo is Ctrl+Y and Ctrl+Shift+Z on Windows.
    undo.setShortcuts(QKeySequence.StandardKey.Undo)
    redo = document.undo_stack.createRedoAction(window, "&Redo")
    redo.setShortcuts(QKeySequence.StandardKey.Redo)
    window.undo_keys = UndoKeys(window)
    window.addAction(undo)
    window.addAction(redo)
    edit_menu.addAction(undo)
    edit_menu.addAction(redo)
    edit_menu.addSeparator()

    def on_selected(make: Callable[[Schedule, int], Edit | None]) -> Callable[..., None]:
        """A slot that applies `make(schedule, selected phase)` (nothing when none is)."""
        return lambda *_: document.apply(make(document.schedule, document.selected))

    duplicate = _action(window, "D&uplicate phase", on_selected(edits.duplicate_phase),
                        "Ctrl+D", "actionDuplicate")
    delete = QAction("&Delete phase", window)
    delete.setObjectName("actionDelete")
    # Text fields accept Delete through Qt's ShortcutOverride, so typing Delete in an
    # inspector field edits the text and never removes a phase.
    delete.setShortcut(QKeySequence.Delete)
    delete.setShortcutVisibleInContextMenu(True)
    delete.triggered.connect(on_selected(edits.delete_phase))
    edit_menu.addAction(duplicate)
    edit_menu.addAction(delete)
    edit_menu.addAction(_action(window, "&Stretch to N steps…", lambda: stretch_dialog(window),
                                name="actionStretch"))
    edit_menu.addSeparator()
    edit_menu.addAction(_action(window, "&Copy code", window.code_view.copy_code,
                                "Ctrl+Shift+C", "actionCopyCode"))

    def refresh_phase_actions() -> None:
        has_phase = document.selected >= 0
        duplicate.setEnabled(has_phase)
        delete.setEnabled(has_phase)

    document.selection_changed.connect(lambda _: refresh_phase_actions())
    refresh_phase_actions()


def stretch_dialog(window) -> None:
    """Edit → Stretch to N steps: the training setup's epochs change so that the design is N
    optimizer steps long; fractions are kept, fixed phases keep their length."""
    document = window.document
    schedule = document.schedule
    if schedule.training is None or schedule.interval != "step":
        QMessageBox.information(window, "Stretch to N steps", "Stretching keeps every "
                                "fraction of a training setup: turn on Training in the "
                                "inspector (with the step interval) first.")
        return
    total, ok = QInputDialog.getInt(window, "Stretch to N steps", "Optimizer steps:",
                                    schedule.total_steps, 1, MAX_TOTAL_STEPS)
    if ok:
        document.apply(edits.stretch_to(schedule, total))


class UndoKeys(QObject):
    """Ctrl+Z and Ctrl+Shift+Z undo and redo the design wherever the focus is in `window`.

    Qt's text fields claim the undo keys (ShortcutOverride) for their own typing history,
    so with the focus in a field Ctrl+Z did nothing to the design although Edit offered
    "Undo Resize StepLR". That history also holds typing the design already took (our
    fields commit every valid keystroke), so it cannot say what is uncommitted; the field
    can. A focused field keeps the keys only while it shows typing the design has not
    taken: then Ctrl+Z drops that typing, and the next Ctrl+Z undoes the design.
    """

    _DESIGN, _FIELD, _REVERT = range(3)  # who handles the key

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        QApplication.instance().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt's name
        kind = event.type()
        if kind not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        undo = event.matches(QKeySequence.StandardKey.Undo)
        if not undo and not event.matches(QKeySequence.StandardKey.Redo):
            return False
        field = QApplication.focusWidget()
        if field is None or field.window() is not self._window:
            return False
        route = self._route(field, undo)
        if route == self._FIELD:
            return False
        if kind == QEvent.Type.ShortcutOverride:
            # Ignored, the key goes to the window's Undo/Redo action; accepted, it comes
            # back as a key press, which reverts the field's typing below.
            event.setAccepted(route == self._REVERT)
        elif route == self._REVERT:
            field.revert_typing()
        # A key press routed to the design arrives only when the action is disabled (nothing
        # to undo): the field's own history must not undo committed typing instead.
        return True

    @classmethod
    def _route(cls, field: QWidget, undo: bool) -> int:
        if isinstance(field, (QPlainTextEdit, QTextEdit)):
            return cls._DESIGN if field.isReadOnly() else cls._FIELD
        if not isinstance(field, (QLineEdit, QAbstractSpinBox)):
            return cls._FIELD  # no text history: the key already reaches the actions
        if hasattr(field, "has_uncommitted_text"):  # our editors (editors_base.TypedText)
            if not field.has_uncommitted_text():
                return cls._DESIGN
            return cls._REVERT if undo else cls._FIELD
        # Plain Qt fields commit what they accept (the schedule name, steps per epoch);
        # only text their validator does not accept is typing of their own.
        line = field.lineEdit() if isinstance(field, QAbstractSpinBox) else field
        has_history = line.isUndoAvailable() if undo else line.isRedoAvailable()
        typing = not line.isReadOnly() and not line.hasAcceptableInput() and has_history
        return cls._FIELD if typing else cls._DESIGN


def new_from_gallery(window) -> None:
    """The presets gallery; the design it builds becomes a new, untitled document."""
    schedule = PresetDialog.run(window)
    if schedule is not None:
        window.files.new_from_schedule(schedule)


def about_html() -> str:
    """The About text: versions of the app, torch, Qt and PySide6, and the license."""
    from importlib import metadata

    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    from designer import __version__

    # Read from the installed distribution: importing torch here would cost the window
    # seconds and 200 MB (torch runs in the curve worker only).
    try:
        torch_version = metadata.version("torch")
    except metadata.PackageNotFoundError:
        torch_version = _bundled_torch_version()
    return (f"<h3>LR Schedule Designer {__version__}</h3>"
            "<p>Design PyTorch learning-rate schedules with the exact curves real torch "
            "schedulers produce.</p>"
            f"<p>torch {torch_version} · Qt {qVersion()} · PySide6 {pyside_version}</p>"
            "<p>License: MIT</p>")


def _bundled_torch_version() -> str:
    """torch's version in the packaged app, where no distribution metadata may be bundled:
    the worker imports torch anyway, so ask the module only then."""
    import sys

    torch = sys.modules.get("torch")
    return getattr(torch, "__version__", "bundled") if torch is not None else "bundled"


def show_about(window) -> None:
    from PySide6.QtWidgets import QMessageBox

    QMessageBox.about(window, "About LR Schedule Designer", about_html())
