"""New, Open, Save, Save As, Recent files, example designs, exports and file drops for the window.

Every path that reads a file goes through the core loader, so a bad file shows the loader's
message (naming the field) and leaves the current design untouched. Files from the user
(Open, drops, recent files, snippets) are checked before they are read: only regular files of
at most the loader's size limit are opened, so a dropped FIFO, device or 50 MB file cannot
hang or flood the window. Saves are atomic: the text goes to a temporary file beside the
target, is flushed to disk, then replaces it; a failed save leaves the old file as it was and
says why. Both mechanisms live in `designer.core.safe_io`, shared with the command line.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QMimeData, QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from designer.core.export.curve_csv import arrays_csv_chunks
from designer.core.export.formats import CURVE, FORMATS, IMAGE, render_text
from designer.core.safe_io import (
    kept_text,
    read_schedule_file,
    read_snippet_file,
    save_failure_reason,
    write_atomic,
)
from designer.core.schedule.fileformat import dump_schedule, load_schedule, load_schedule_file
from designer.core.schedule.model import Schedule, ScheduleError

MAX_RECENT = 8
LAST_FOLDER = "files/last_folder"
EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
SCHEDULE_FILTER = "Schedules (*.json);;All files (*)"


def example_designs() -> list[tuple[str, Path]]:
    """(title, path) of the bundled example designs, in name order."""
    found = []
    for path in sorted(EXAMPLES_DIR.glob("*.json")):
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
        self._remember_folder(path)
        return path

    def choose_save_path(self, caption: str, file_filter: str, suffix: str) -> str:
        suggested = os.path.join(self._folder(), self._stem() + suffix)
        path, _ = QFileDialog.getSaveFileName(self.window, caption, suggested, file_filter)
        if path and not os.path.splitext(path)[1]:
            path += suffix
        self._remember_folder(path)
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

    def new_from_example(self, path: str) -> None:
        if not self.confirm_discard("starting a new design"):
            return
        try:
            schedule = read_schedule_file(str(path))
        except ScheduleError as exc:
            self.warn("Cannot load example", str(exc))
            return
        self.document.reset(schedule)  # untitled: saving asks where

    def new_from_schedule(self, schedule: Schedule) -> bool:
        """Start a new, untitled design from `schedule` (a gallery preset), after offering
        to save unsaved changes. False when the user cancelled."""
        if not self.confirm_discard("starting a new design"):
            return False
        self.document.reset(schedule)
        return True

    def import_python_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Import scheduler code",
                                              self._folder(), "Python (*.py);;All files (*)")
        self._remember_folder(path)
        if path:
            self.import_python_path(path)

    def import_python_path(self, path: str) -> bool:
        """Turn a snippet that builds torch schedulers into a new, untitled design. The code
        is parsed, never run; what cannot be imported is reported with its line number."""
        from designer.core.importing.python import import_python

        try:
            result = import_python(read_snippet_file(path), name=Path(path).stem)
        except ValueError as exc:  # ScheduleError from the reader, anything the parser says
            self.warn("Cannot import", f"{os.path.basename(path)}: {exc}")
            return False
        report = "\n".join(f"line {line}: {message}" if line else message
                            for line, message in [*result.problems, *result.notes])
        if not result.imported:
            self.warn("Nothing to import", f"{os.path.basename(path)}:\n{report}")
            return False
        if not self.new_from_schedule(result.schedule):
            return False
        if result.original_curve_differs:
            # Both curves: the design's (per-phase) and the snippet's as torch runs it.
            self.window.compare.show_reference("snippet as written (torch SequentialLR)",
                                               result.schedule)
            report = "\n\n".join(filter(None, [report, (
                "The preview also shows the snippet's own curve (magenta, dashed) as torch's "
                "SequentialLR runs it; Compare → Hide the snippet's own curve removes it.")]))
        if report:
            self.warn("Imported, with remarks", f"{os.path.basename(path)}:\n{report}")
        return True

    def open_dialog(self) -> None:
        if not self.confirm_discard("opening another design"):
            return
        path = self.choose_open_path()
        if path:
            self.open_path(path)

    def open_path_asking(self, path: str) -> bool:
        """Open a dropped or recent file. A file that cannot be opened is reported before
        anything is asked, so a bad drop never costs a "save your changes?" question."""
        schedule = self._read(path)
        if schedule is None or not self.confirm_discard("opening another design"):
            return False
        self._show(schedule, path)
        return True

    def open_path(self, path: str) -> bool:
        """Load `path` into the document; on any failure say why and change nothing."""
        schedule = self._read(path)
        if schedule is None:
            return False
        self._show(schedule, path)
        return True

    def _read(self, path: str) -> Schedule | None:
        if os.path.isdir(path):
            self.warn("Cannot open", f"{path} is a folder, not a schedule file.")
            return None
        try:
            return read_schedule_file(path)
        except ScheduleError as exc:
            self.warn("Cannot open schedule", f"{os.path.basename(path)}:\n{exc}")
            return None

    def _show(self, schedule: Schedule, path: str) -> None:
        self.document.reset(schedule, os.path.abspath(path))
        self._add_recent(os.path.abspath(path))

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
            self.warn("Cannot save", f"Could not save {path}:\n"
                                     f"{save_failure_reason(path, exc)}\n\n{kept_text(path)}")
            return False
        self.document.undo_stack.setClean()
        return True

    # Exports ------------------------------------------------------------------------------

    def export(self, fmt: str, path: str | None = None) -> bool:
        export_format = FORMATS[fmt]
        path = path or self.choose_save_path(export_format.title, export_format.file_filter,
                                             export_format.extension)
        if not path:
            return False
        try:
            if export_format.kind == IMAGE:
                self.window.preview.export_image(path)
            else:
                write_atomic(path, self._export_chunks(fmt))
        except ScheduleError as exc:
            self.warn("Cannot export", str(exc))
            return False
        except OSError as exc:
            self.warn("Cannot export", f"Could not write {path}:\n"
                                       f"{save_failure_reason(path, exc)}\n\n{kept_text(path)}")
            return False
        self.window.statusBar().showMessage(f"Exported {os.path.basename(path)}", 4000)
        return True

    def _export_chunks(self, fmt: str) -> Iterable[str]:
        """Like the CLI's export: a design torch refuses is not exported. The CSV is the
        exact curve the worker computed for the preview (the window never steps torch)."""
        window = self.window
        if not window.flush_preview() or window.shown_schedule() != self.document.schedule:
            raise ScheduleError("", window.preview.error() or "the curve is not ready yet")
        schedule = self.document.schedule
        if FORMATS[fmt].kind == CURVE:
            names = tuple(group.name for group in schedule.param_groups)
            return arrays_csv_chunks(window.preview_curve()[1], window.preview.group_curves(),
                                     names)
        return render_text(schedule, fmt)

    # Recent files and drops -------------------------------------------------------------

    def recent_files(self) -> list[str]:
        value = self.window.settings.value("files/recent", [])
        if isinstance(value, str):
            value = [value]
        return [p for p in (value or []) if isinstance(p, str)]

    def _add_recent(self, path: str) -> None:
        self._remember_folder(path)
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
        """Where file dialogs open: the design's own folder, else the folder last used in
        any of them (kept across sessions), else the home folder."""
        if self.document.path:
            return os.path.dirname(self.document.path)
        last = self.window.settings.value(LAST_FOLDER)
        if isinstance(last, str) and os.path.isdir(last):
            return last
        recent = self.recent_files()
        return os.path.dirname(recent[0]) if recent else str(Path.home())

    def _remember_folder(self, path: str) -> None:
        if path:
            self.window.settings.setValue(LAST_FOLDER, os.path.dirname(os.path.abspath(path)))

    def _stem(self) -> str:
        if self.document.path:
            return Path(self.document.path).stem
        return "schedule"
