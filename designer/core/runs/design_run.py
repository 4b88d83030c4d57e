"""A design file's curve against a run: what `lr-designer check-run` does, torch included.

The window has the design's curve already and calls `check.check_logged` itself; this is
the command line's way, which steps the design with the engine first (torch is imported
here, on first use).
"""

from __future__ import annotations

import json

from designer.core.runs.check import MATCHES, DesignFacts, check_logged, report_lines
from designer.core.runs.sources import read_run
from designer.core.schedule.model import Schedule

EXIT_MATCHES, EXIT_DIFFERS = 0, 1


def check_run(schedule: Schedule, run_path: str, tag: str | None = None) -> dict:
    """The `--json` verdict on the run at `run_path` (its series `tag`, or its first
    group's lr) against the first group's curve of `schedule`. Raises RunError for a run
    that cannot be read, ScheduleError for a design torch refuses."""
    run = read_run(run_path, tag)
    from designer.core.curves.engine import compute_curves  # torch from here on

    return check_logged(run, compute_curves(schedule).lr, DesignFacts.of(schedule))


def result_text(result: dict, as_json: bool = False) -> str:
    """What check-run prints: the JSON object, or the verdict line and the diagnosis."""
    if as_json:
        return json.dumps(result, indent=2) + "\n"
    return "".join(line + "\n" for line in report_lines(result))


def exit_status(result: dict) -> int:
    """0 when the run matches the design, 1 when it differs."""
    return EXIT_MATCHES if result["verdict"] == MATCHES else EXIT_DIFFERS
