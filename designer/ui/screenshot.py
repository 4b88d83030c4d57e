"""`python -m designer.ui.screenshot OUT.png [SCHEDULE.json [RUN]]`: a picture of the window.

Used by `make screenshot` for the README. Runs offscreen; selects a phase so the inspector
shows a form, and waits for the exact curve before grabbing. With a training run (a log
file or folder), the run is overlaid and checked, and the Warnings tab shows its verdict.
A plateau phase's logged metric (`metric_run`) is read before the curve is waited for.
"""

from __future__ import annotations

import os
import sys
import tempfile


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = argv[0] if argv else "docs/screenshot.png"
    schedule = argv[1] if len(argv) > 1 else "designer/examples/warmup-stable-decay.json"
    run = argv[2] if len(argv) > 2 else None
    from PySide6.QtCore import QSettings

    from designer.ui.app import make_application
    from designer.ui.main_window import MainWindow

    app = make_application()
    folder = tempfile.TemporaryDirectory()  # fresh layout settings, never the user's
    settings = QSettings(os.path.join(folder.name, "screenshot.ini"), QSettings.IniFormat)
    window = MainWindow(settings)
    window.resize(1280, 800)
    if not window.open_path(schedule):
        return 2
    window.show()
    window.document.select(min(2, len(window.document.schedule.phases) - 1))
    for _ in range(5):
        app.processEvents()
    window.metric_runs.wait(60)  # a plateau phase's logged metric, then its curve
    app.processEvents()
    window.flush_preview()
    if run is not None:
        window.open_run(run)
        if not window.runs.runs.wait(60) or not window.run_verdicts():
            return 2
        window.bottom_tabs.setCurrentWidget(window.advice_panel)
    app.processEvents()
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    ok = window.grab().save(out)
    window.document.undo_stack.setClean()
    window.close()
    print(out if ok else f"could not write {out}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
