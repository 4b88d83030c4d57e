"""The exact curve as CSV text, produced while the design is stepped.

`step,lr` rows with every lr as Python's `repr(float)` (the exact value); with param groups
one `lr_<name>` column per group in the design's order; `momentum` last when asked for;
with a summary, `# name: value` lines of the first group's CurveSummary before the header.

A design may have 10M steps and 16 groups: a 3.5 GB text that must never be in memory
whole. The rows are formatted one engine piece (at most 50k steps) at a time; only the
first group's curve is kept, as packed float64 (80 MB at 10M steps), and only when a
summary needs it. What must come before the rows but needs the whole curve (the summary),
and output that cannot be taken back (standard output), go through a temporary spool file
on disk, so nothing is handed out for a design torch refuses half-way.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator

import numpy as np

from designer.core.curves.phase_curve import PhaseCurve
from designer.core.curves.summary import CurveSummary, summarize_pieces
from designer.core.schedule.model import Schedule

SPOOL_READ = 1 << 20  # characters per chunk read back from the spool


def curve_csv_chunks(schedule: Schedule, momentum: bool = False, summary: bool = False,
                     all_or_nothing: bool = False,
                     on_summary: Callable[[CurveSummary], None] | None = None,
                     ) -> Iterator[str]:
    """The CSV export as text chunks, in order. ScheduleError for a design torch refuses.
    `on_summary` is told the summary written (a caller may remark on it).

    Without `all_or_nothing` and `summary`, the first chunk comes as soon as the first
    piece is stepped and an error can come after some chunks (a caller writing through
    `safe_io.write_atomic` then keeps the old file). With either, the whole curve is
    stepped before the first chunk, so an error comes before any output.
    """
    # Imported here: the window writes the CSV of a curve it already has
    # (`arrays_csv_chunks`) and must not import torch to do so.
    from designer.core.curves.engine import iter_curves

    names = tuple(group.name for group in schedule.param_groups)
    header = csv_header(names, momentum)
    if not (summary or all_or_nothing):
        yield header
        yield from _rows(iter_curves(schedule, momentum), bool(names), momentum)
        return
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n") as spool:
        first_group: list[np.ndarray] = []
        for text, piece in _rows_and_pieces(iter_curves(schedule, momentum), bool(names),
                                            momentum):
            spool.write(text)
            if summary:
                first_group.append(piece.lr)
        if summary:
            facts = summarize_pieces(schedule, first_group)
            if on_summary is not None:
                on_summary(facts)
            yield summary_lines(facts)
        yield header
        spool.seek(0)
        while chunk := spool.read(SPOOL_READ):
            yield chunk


def summary_lines(facts: CurveSummary) -> str:
    """`# name: value` lines, values as repr (nan, inf where a fact has no finite value)."""
    return "".join(f"# {name}: {value!r}\n" for name, value in facts.items())


def csv_header(group_names: tuple[str, ...], momentum: bool) -> str:
    columns = ["step", *(f"lr_{name}" for name in group_names)] if group_names else [
        "step", "lr"]
    if momentum:
        columns.append("momentum")
    return ",".join(columns) + "\n"


def piece_rows(piece: PhaseCurve, first_step: int, grouped: bool, momentum: bool) -> str:
    """The rows of one piece of the curve, its first step numbered `first_step`."""
    columns = [piece.lr.tolist()]
    if grouped and piece.others is not None:
        columns.extend(row.tolist() for row in piece.others)
    if momentum:
        columns.append(piece.momentum.tolist())
    return "".join(f"{step}," + ",".join(map(repr, values)) + "\n"
                   for step, values in enumerate(zip(*columns), first_step))


def arrays_csv_chunks(lrs: np.ndarray, others: np.ndarray | None,
                      group_names: tuple[str, ...], rows: int = 50_000) -> Iterator[str]:
    """The CSV of a curve already computed (the window's preview: the worker stepped it),
    `rows` rows a chunk; the same text `curve_csv_chunks` gives for its design."""
    yield csv_header(group_names, False)
    for first in range(0, len(lrs), rows):
        part = None if others is None else others[:, first:first + rows]
        yield piece_rows(PhaseCurve(lrs[first:first + rows], None, part), first,
                         bool(group_names), False)


def _rows(pieces: Iterator[PhaseCurve], grouped: bool, momentum: bool) -> Iterator[str]:
    for text, _ in _rows_and_pieces(pieces, grouped, momentum):
        yield text


def _rows_and_pieces(pieces: Iterator[PhaseCurve], grouped: bool, momentum: bool,
                     ) -> Iterator[tuple[str, PhaseCurve]]:
    step = 0
    for piece in pieces:
        yield piece_rows(piece, step, grouped, momentum), piece
        step += len(piece.lr)
