"""Print, as JSON, every module the app imports while it does all its work (build-time probe).

The spec bundles only the third-party packages in this list (so whatever else is installed
in the build environment stays out) and keeps torch's .py sources only for these modules
(torch reads the source of some modules when they are imported: config modules, TorchScript
overloads). Runs the source install offscreen: every example and coverage design through
the engine, the exporters and the curve cache, `check-run` on the example TensorBoard run
(tensorboard's event reader), and the window on an example, exporting its
plot as PNG and SVG. The window's curve worker imports nothing the engine run does not.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from coverage_designs import designs


def run_engine(root: Path) -> None:
    import designer.core.curves.worker  # noqa: F401 - the window's curve process
    from designer.core.curves.cache import CurveCache
    from designer.core.curves.engine import compute_curves
    from designer.core.export.formats import export_chunks
    from designer.core.schedule.fileformat import load_schedule, load_schedule_file

    schedules = [load_schedule(json.dumps(design)) for design in designs().values()]
    examples = sorted((root / "designer" / "examples").glob("*.json"))
    schedules += [load_schedule_file(path) for path in examples]
    for schedule in schedules:
        compute_curves(schedule, momentum=True)
        for fmt in ("python", "json", "csv"):
            "".join(export_chunks(schedule, fmt, summary=fmt != "python"))
    CurveCache()
    from designer.core.runs.design_run import check_run

    runs = root / "examples" / "runs"
    check_run(load_schedule_file(runs / "warmup-cosine.json"), str(runs / "good"))


def run_window(root: Path) -> None:
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from designer.ui.app import make_application
    from designer.ui.main_window import MainWindow

    app = make_application()
    with tempfile.TemporaryDirectory() as folder:
        from PySide6.QtCore import QSettings

        window = MainWindow(QSettings(os.path.join(folder, "probe.ini"), QSettings.IniFormat))
        window.open_path(str(root / "designer" / "examples" / "warmup-stable-decay.json"))
        window.show()
        app.processEvents()
        window.flush_preview()
        app.processEvents()
        for suffix in ("png", "svg"):
            window.preview.export_image(os.path.join(folder, f"plot.{suffix}"))
        window.document.undo_stack.setClean()
        window.close()
    app.quit()


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    run_engine(root)
    run_window(root)
    json.dump(sorted(sys.modules), sys.stdout)
    return 0


if __name__ == "__main__":  # the window's spawned curve worker imports this file too
    raise SystemExit(main())
