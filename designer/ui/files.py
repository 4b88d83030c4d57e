"""New, Open, Save, Save As, Recent files, presets, exports and file drops for the window.

Every path that reads a file goes through the core loader, so a bad file shows the loader's
message (naming the field) and leaves the current design untouched. Saves are atomic: the
text goes to a temporary file beside the target, is flushed to disk, then replaces it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QMimeData, QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from designer.core.fileformat import dump_schedule, load_schedule, load_schedule_file
from designer.core.model import Schedule, ScheduleError

MAX_RECENT = 8
PRESET_DIR = Path(__file__).resolve().parent.parent / "presets"
SCHEDULE_FILTER = "Schedules (*.json);;All files (*)"
EXPORT_FORMATS = {
    "python": ("Python module (*.py)", ".py"),
    "json": ("Schedule JSON (*.json)", ".json"),
    "csv": ("CSV, step and lr (*.csv)", ".csv"),
    "png": ("PNG image (*.png)", ".png"),
    "svg": ("SVG image (*.svg)", ".svg"),
}


def write_atomic(path: str, text: str) -> None:
    """Write `text` to `path` so that a failure leaves any old file intact."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".lr-designer-", suffix=".tmp", dir=directory)
    try:
        # mkstemp makes the file private (0600); keep the old file's mode, or the usual one.
        try:
            mode = os.stat(path).st_mode & 0o777
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def presets() -> list[tuple[str, Path]]:
    """(title, path) of the bundled presets, in name order."""
    found = []
    for path in sorted(PRESET_DIR.glob("*.json")):
        try:
            title = load_schedule_file(str(path)).name or path.stem
        except ScheduleError:
            continue
        found.append((title, path))
    return found


class FileController(QObject):
    """File operations of one MainWindow. Signal `recent_changed` refreshes the menu."""

    recent_changed = Signal()

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.document = window.document

    # Dialog hooks: tests replace these to answer without a modal dialog.

    def warn(self, title: str, text: str) -> None:
        QMessageBox.warning(self.window, title, text)

    def ask_save_changes(self, action: str) -> QMessageBox.StandardButton:
        name = os.path.basename(self.document.path) or "Untitled"
        return QMessageBox.question(
            self.window, "Unsaved changes",
            f"Save the changes to {name} before {action}?",
            QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, QMessageBox.Save)

    def choose_open_path(self) -> str:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open schedule", self._folder(),
                                              SCHEDULE_FILTER)
        return path

    def choose_save_path(self, caption: str, file_filter: str, suffix: str) -> str:
        suggested = os.path.join(self._folder(), self._stem() + suffix)
        path, _ = QFileDialog.getSaveFileName(self.window, caption, suggested, file_filter)
        if path and not os.path.splitext(path)[1]:
            path += suffix
        return path

    # Documents ----------------------------------------------------------------------------

    def confirm_discard(self, action: str) -> bool:
        """True when there are no unsaved changes, or the user saved or discarded them."""
        if self.document.undo_stack.isClean():
            return True
        answer = self.ask_save_changes(action)
        if answer == QMessageBox.Save:
            return self.save()
        return answer == QMessageBox.Discard

    def new_document(self) -> None:
        if self.confirm_discard("starting a new design"):
            self.document.reset(Schedule())

    def new_from_preset(self, path: str) -> None:
        if not self.confirm_discard("starting a new design"):
            return
        try:
            schedule = load_schedule_file(str(path))
        except ScheduleError as exc:
            self.warn("Cannot load preset", str(exc))
            return
        self.document.reset(schedule)  # untitled: saving asks where

    def open_dialog(self) -> None:
        if not self.confirm_discard("opening another design"):
            return
        path = self.choose_open_path()
        if path:
            self.open_path(path)

    def open_path_asking(self, path: str) -> bool:
        return self.confirm_discard("opening another design") and self.open_path(path)

    def open_path(self, path: str) -> bool:
        """Load `path` into the document; on any failure say why and change nothing."""
        if os.path.isdir(path):
            self.warn("Cannot open", f"{path} is a folder, not a schedule file.")
            return False
        try:
            schedule = load_schedule_file(path)
        except ScheduleError as exc:
            self.warn("Cannot open schedule", f"{os.path.basename(path)}:\n{exc}")
            return False
        self.document.reset(schedule, os.path.abspath(path))
        self._add_recent(os.path.abspath(path))
        return True

    def save(self) -> bool:
        if not self.document.path:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self, path: str | None = None) -> bool:
        path = path or self.choose_save_path("Save schedule as", SCHEDULE_FILTER, ".json")
        if not path:
            return False
        if self._save_to(path):
            self.document.set_path(os.path.abspath(path))
            self._add_recent(os.path.abspath(path))
            return True
        return False

    def _save_to(self, path: str) -> bool:
        text = dump_schedule(self.document.schedule)
        try:
            load_schedule(text)  # never write a file the loader would refuse
            write_atomic(path, text)
        except ScheduleError as exc:
            self.warn("Cannot save", f"The design cannot be saved as it is:\n{exc}")
            return False
        except OSError as exc:
            self.warn("Cannot save", f"Could not write {path}:\n{exc.strerror or exc}\n\n"
                                     "The file on disk was left unchanged.")
            return False
        self.document.undo_stack.setClean()
        return True

    # Exports ------------------------------------------------------------------------------

    def export(self, fmt: str, path: str | None = None) -> bool:
        file_filter, suffix = EXPORT_FORMATS[fmt]
        path = path or self.choose_save_path(f"Export {fmt.upper()}", file_filter, suffix)
        if not path:
            return False
        try:
            if fmt in ("png", "svg"):
                self.window.preview.export_image(path)
            else:
                from designer.cli import export_text

                write_atomic(path, export_text(self.document.schedule, fmt))
        except ScheduleError as exc:
            self.warn("Cannot export", str(exc))
            return False
        except OSError as exc:
            self.warn("Cannot export", f"Could not write {path}:\n{exc.strerror or exc}")
            return False
        self.window.statusBar().showMessage(f"Exported {os.path.basename(path)}", 4000)
        return True

    # Recent files and drops -------------------------------------------------------------

    def recent_files(self) -> list[str]:
        value = self.window.settings.value("files/recent", [])
        if isinstance(value, str):
            value = [value]
        return [p for p in (value or []) if isinstance(p, str)]

    def _add_recent(self, path: str) -> None:
        recent = [path] + [p for p in self.recent_files() if p != path]
        self.window.settings.setValue("files/recent", recent[:MAX_RECENT])
        self.recent_changed.emit()

    def clear_recent(self) -> None:
        self.window.settings.setValue("files/recent", [])
        self.recent_changed.emit()

    @staticmethod
    def dropped_path(mime: QMimeData) -> str:
        """The local file a drag carries, if it carries exactly one."""
        if not mime.hasUrls():
            return ""
        urls = [u for u in mime.urls() if u.isLocalFile()]
        return urls[0].toLocalFile() if len(urls) == 1 else ""

    def _folder(self) -> str:
        if self.document.path:
            return os.path.dirname(self.document.path)
        recent = self.recent_files()
        return os.path.dirname(recent[0]) if recent else str(Path.home())

    def _stem(self) -> str:
        if self.document.path:
            return Path(self.document.path).stem
        return "schedule"
