"""Every export format, defined once: the CLI's `--to`, the window's Export menu, its file
dialogs and the code view's templates all read `FORMATS`.

A format is code (a template of `designer.core.export.templates`), the design itself (JSON), the
curve (CSV) or a picture of the plot (PNG, SVG: the window draws those; the command line
has no plot). `export_chunks` is the command line's export: it steps the whole design
first, keeping nothing, so that an export refuses exactly what `validate` refuses, and
hands the text out in chunks (a 10M-step CSV is never one string).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from designer.core.export.templates import TEMPLATES, render_template
from designer.core.schedule.fileformat import dump_schedule
from designer.core.schedule.model import Schedule

if TYPE_CHECKING:  # numpy and the summary are imported when a curve is stepped
    from designer.core.curves.summary import CurveSummary

CODE, DESIGN, CURVE, IMAGE = "code", "design", "curve", "image"


@dataclass(frozen=True)
class ExportFormat:
    """One export format. `key` is the CLI's `--to` name and the menu action's suffix."""

    key: str
    menu_text: str
    file_filter: str
    extension: str
    kind: str  # CODE, DESIGN, CURVE or IMAGE

    @property
    def title(self) -> str:
        """The export dialog's title: "Export Python module"."""
        return "Export " + self.file_filter.split(" (")[0]


FORMATS: dict[str, ExportFormat] = {f.key: f for f in (
    ExportFormat("python", "Python module…", "Python module (*.py)", ".py", CODE),
    ExportFormat("function", "build_scheduler function…",
                 "Python build_scheduler function (*.py)", ".py", CODE),
    ExportFormat("lightning", "Lightning configure_optimizers…",
                 "PyTorch Lightning module (*.py)", ".py", CODE),
    ExportFormat("hf", "Hugging Face Trainer…", "Hugging Face Trainer snippet (*.py)", ".py",
                 CODE),
    ExportFormat("json", "JSON…", "Schedule JSON (*.json)", ".json", DESIGN),
    ExportFormat("csv", "CSV…", "CSV, step and lr (*.csv)", ".csv", CURVE),
    ExportFormat("png", "Plot as PNG…", "PNG image (*.png)", ".png", IMAGE),
    ExportFormat("svg", "Plot as SVG…", "SVG image (*.svg)", ".svg", IMAGE),
)}
# What the command line exports (it has no plot).
TEXT_FORMATS = tuple(key for key, f in FORMATS.items() if f.kind != IMAGE)
assert {k for k, f in FORMATS.items() if f.kind == CODE} == TEMPLATES.keys()


def render_text(schedule: Schedule, key: str) -> str:
    """The text of a code or design format, without stepping the design (the window has
    the worker's verdict already; the command line steps first in `export_chunks`)."""
    if FORMATS[key].kind == DESIGN:
        return dump_schedule(schedule)
    return render_template(key, schedule)


def export_chunks(schedule: Schedule, key: str, momentum: bool = False,
                  summary: bool = False, all_or_nothing: bool = True,
                  on_summary: Callable[[CurveSummary], None] | None = None,
                  ) -> Iterator[str]:
    """The command line's export of `schedule` as text format `key`, in chunks.

    The design (and every pinned variant) is stepped before the first chunk, so a design
    torch refuses raises ScheduleError before anything is handed out; a CSV without
    `all_or_nothing` streams as it is stepped instead (its writer keeps the old file on a
    failure). `momentum` adds the CSV's momentum column; `summary` the curve's facts (CSV
    comment lines, or the JSON's "summary"), which `on_summary` is told.
    """
    from designer.core.curves.engine import check_pins, check_schedule
    from designer.core.export.curve_csv import curve_csv_chunks

    kind = FORMATS[key].kind
    check_pins(schedule)
    if kind == CURVE:
        yield from curve_csv_chunks(schedule, momentum, summary, all_or_nothing, on_summary)
    elif summary:
        facts = first_group_summary(schedule)
        if on_summary is not None:
            on_summary(facts)
        yield dump_schedule(schedule, facts.items())
    else:
        check_schedule(schedule)
        yield render_text(schedule, key)


def first_group_summary(schedule: Schedule) -> CurveSummary:
    """The summary of the first param group's curve, stepping the design while keeping only
    that curve (packed float64: 80 MB at 10M steps, whatever the number of groups)."""
    from designer.core.curves.engine import iter_curves
    from designer.core.curves.summary import summarize_pieces

    return summarize_pieces(schedule, [piece.lr for piece in iter_curves(schedule)])
