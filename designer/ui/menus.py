"""The window's menus and shortcuts. Undo/Redo come from the QUndoStack itself."""

from __future__ import annotations

import os

from PySide6.QtGui import QAction, QKeySequence

from designer.ui import edits
from designer.ui.files import presets
from designer.ui.preset_dialog import PresetDialog


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
    files = window.files
    document = window.document
    bar = window.menuBar()

    file_menu = bar.addMenu("&File")
    file_menu.addAction(_action(window, "&New", files.new_document, QKeySequence.New, "actionNew"))
    file_menu.addAction(_action(window, "New from &preset…", lambda: new_from_gallery(window),
                                "Ctrl+Shift+N", "actionNewFromPreset"))
    examples_menu = file_menu.addMenu("New from e&xample preset")
    examples_menu.setObjectName("examplesMenu")
    for title, path in presets():
        examples_menu.addAction(_action(window, title, lambda _=False, p=path:
                                        files.new_from_preset(str(p))))
    file_menu.addAction(_action(window, "&Open…", files.open_dialog, QKeySequence.Open,
                                "actionOpen"))
    file_menu.addAction(_action(window, "&Import scheduler code…", files.import_python_dialog,
                                name="actionImportPython"))
    recent_menu = file_menu.addMenu("Open &recent")
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
    file_menu.addSeparator()
    file_menu.addAction(_action(window, "&Save", files.save, QKeySequence.Save, "actionSave"))
    file_menu.addAction(_action(window, "Save &as…", files.save_as, QKeySequence.SaveAs,
                                "actionSaveAs"))
    export_menu = file_menu.addMenu("&Export")
    for fmt, text in (("python", "Python module…"), ("function", "build_scheduler function…"),
                      ("lightning", "Lightning configure_optimizers…"),
                      ("hf", "Hugging Face Trainer…"), ("json", "JSON…"), ("csv", "CSV…"),
                      ("png", "Plot as PNG…"), ("svg", "Plot as SVG…")):
        export_menu.addAction(_action(window, text, lambda _=False, f=fmt: files.export(f),
                                      name=f"actionExport_{fmt}"))
    file_menu.addSeparator()
    file_menu.addAction(_action(window, "&Quit", window.close, QKeySequence.Quit))

    edit_menu = bar.addMenu("&Edit")
    undo = document.undo_stack.createUndoAction(window, "&Undo")
    undo.setShortcut(QKeySequence.Undo)
    redo = document.undo_stack.createRedoAction(window, "&Redo")
    redo.setShortcut(QKeySequence.Redo)
    window.addAction(undo)
    window.addAction(redo)
    edit_menu.addAction(undo)
    edit_menu.addAction(redo)
    edit_menu.addSeparator()
    duplicate = _action(window, "D&uplicate phase",
                        lambda: document.selected >= 0
                        and edits.duplicate_phase(document, document.selected),
                        "Ctrl+D", "actionDuplicate")
    delete = QAction("&Delete phase", window)
    delete.setObjectName("actionDelete")
    # Text fields accept Delete through Qt's ShortcutOverride, so typing Delete in an
    # inspector field edits the text and never removes a phase.
    delete.setShortcut(QKeySequence.Delete)
    delete.setShortcutVisibleInContextMenu(True)
    delete.triggered.connect(lambda: edits.delete_phase(document, document.selected))
    edit_menu.addAction(duplicate)
    edit_menu.addAction(delete)
    edit_menu.addSeparator()
    edit_menu.addAction(_action(window, "&Copy code", window.code_view.copy_code,
                                "Ctrl+Shift+C", "actionCopyCode"))

    def refresh_phase_actions() -> None:
        has_phase = document.selected >= 0
        duplicate.setEnabled(has_phase)
        delete.setEnabled(has_phase)

    document.selection_changed.connect(lambda _: refresh_phase_actions())
    refresh_phase_actions()

    help_menu = bar.addMenu("&Help")
    help_menu.addAction(_action(window, "&About", lambda: show_about(window)))
    window.recent_menu = recent_menu


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
