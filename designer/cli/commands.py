"""The command line's parsers and its commands but import: validate, export, check-run, and
opening the window."""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Sequence

from designer import __version__
from designer.cli.import_command import add_import_parser, run_import
from designer.cli.output import (
    EXIT_BAD_INPUT,
    EXIT_PIPE_CLOSED,
    Refused,
    deliver,
    fail,
    one_line,
    say,
    write_result,
)
from designer.core.export.formats import TEXT_FORMATS
from designer.core.safe_io import hold_standard_streams, read_schedule_file
from designer.core.schedule.checks import shown_value
from designer.core.schedule.model import ScheduleError

COMMANDS = ("validate", "export", "import", "check-run")
CSV_COLUMNS = ("lr", "lr,momentum")


class _Parser(argparse.ArgumentParser):
    """argparse that exits with status 2 and one line, like every other bad-input path."""

    def error(self, message: str) -> None:  # argparse's own name
        message = message.removeprefix("argument ")  # "--total-steps: must be ..."
        self.exit(EXIT_BAD_INPUT, one_line(f"{self.prog}: {message}") + "\n")

    def parse_args(self, args=None, namespace=None):  # argparse's own name
        try:
            return super().parse_args(args, namespace)
        except BrokenPipeError:
            raise SystemExit(EXIT_PIPE_CLOSED) from None
        except Refused as exc:
            raise SystemExit(fail(f"{self.prog}: {exc}")) from None

    def _print_message(self, message: str, file=None) -> None:
        # argparse prints --help and --version here and ignores a failed write, which would
        # lose them silently on a full stdout; those get the failures of an export.
        if message and file is not None and file is sys.stdout:
            write_result(message)
        else:
            super()._print_message(message, file)


def _command_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lr-designer", description="Design PyTorch learning-rate schedules.")
    parser.add_argument("--version", action="version",
                        version=f"lr-designer {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    validate = commands.add_parser("validate", help="check a schedule file")
    validate.add_argument("file")
    export = commands.add_parser("export", help="export a schedule as Python (plain module, "
                                 "build_scheduler function, Lightning, Hugging Face), JSON or CSV")
    export.add_argument("file")
    export.add_argument("--to", required=True, choices=TEXT_FORMATS, dest="format")
    export.add_argument("-o", "--output", help="write here instead of stdout")
    export.add_argument("--columns", choices=CSV_COLUMNS, metavar="lr|lr,momentum",
                        help="csv: lr (default), or lr,momentum (momentum or beta1; nan for "
                             "optimizers with neither)")
    export.add_argument("--summary", action="store_true",
                        help="csv: start with '# name: value' lines of the curve's facts; "
                             "json: add them as \"summary\"")
    add_import_parser(commands)
    check = commands.add_parser("check-run", help="check a training run's logged lr against "
                                "the design (TensorBoard, Lightning CSVLogger, Trainer "
                                "trainer_state.json, MLflow, CSV)")
    check.add_argument("file", metavar="DESIGN.json")
    check.add_argument("run", help="an event file, metrics.csv, trainer_state.json, a CSV, or "
                       "the run's folder")
    check.add_argument("--tag", help="the series to check (default: the first group's lr)")
    check.add_argument("--json", action="store_true", help="the verdict as a JSON object")
    return parser


def _window_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lr-designer",
                     description="Design PyTorch learning-rate schedules. Commands: "
                                 + ", ".join(COMMANDS) + " (lr-designer COMMAND --help).")
    parser.add_argument("--version", action="version", version=f"lr-designer {__version__}")
    parser.add_argument("file", nargs="?", help="schedule file to open")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    import multiprocessing

    multiprocessing.freeze_support()  # the packaged app's curve worker starts through here
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in COMMANDS:
        hold_standard_streams()
        return _run(_command_parser().parse_args(args))
    if args and _is_bare_word(args[0]):
        # A word that names no file is a mistyped command, whatever follows it.
        close = difflib.get_close_matches(args[0], COMMANDS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return fail(f"lr-designer: unknown command {shown_value(args[0])}{hint}; commands: "
                     f"{', '.join(COMMANDS)}; to open a file, give its path")
    options = _window_parser().parse_args(args)
    if options.file == "":
        return fail("lr-designer: no file given (the file name is empty)")
    if options.file is not None and not os.path.exists(options.file):
        return fail(f"lr-designer: cannot open {options.file}: no such file")
    return _open_window(options.file)


def _run(options: argparse.Namespace) -> int:
    """One command; every failure a user can cause is one line on stderr and status 2."""
    try:
        for name, value in (("", options.file), ("-o: ", getattr(options, "output", None))):
            if value == "":
                raise Refused(f"{name}no file given (the file name is empty)")
        if options.command == "validate":
            return _validate(options.file)
        if options.command == "import":
            return run_import(options)
        if options.command == "check-run":
            return _check_run(options)
        return _export(options.file, options.format, options.output, options.columns,
                       options.summary)
    except ScheduleError as exc:
        return fail(f"{options.file}: {exc}")
    except Refused as exc:
        return fail(f"lr-designer {options.command}: {exc}")
    except BrokenPipeError:
        return EXIT_PIPE_CLOSED  # the reader has all it wanted (`| head`): not an error
    except KeyboardInterrupt:
        return 130


def _is_bare_word(word: str) -> bool:
    return bool(word) and not word.startswith("-") and not os.path.exists(word) and not any(
        mark in word for mark in (os.sep, "/", "."))


def _read_design(path: str):
    """The design file with its plateau phases' logged metrics attached (core/runs/
    metric_run.py); a run that cannot drive its phase is a `FILE: warning:` line and the
    phase keeps its synthetic metric."""
    from designer.core.runs.metric_run import prepare

    schedule, warnings = prepare(read_schedule_file(path), path)
    for warning in warnings:
        say(f"{path}: warning: {warning}")
    return schedule


def _validate(path: str) -> int:
    schedule = _read_design(path)
    from designer.core.curves.engine import check_pins, check_schedule  # torch from here on

    check_schedule(schedule)
    check_pins(schedule)
    _warn_about(path, schedule)
    write_result("ok\n")
    return 0


def _check_run(options) -> int:
    """`check-run`: exit 0 when the run matches, 1 when it differs, 2 on bad input."""
    if options.run == "":
        raise Refused("no run given (the path is empty)")
    schedule = _read_design(options.file)
    from designer.core.runs.design_run import check_run, exit_status, result_text
    from designer.core.runs.series import RunError

    try:
        result = check_run(schedule, options.run, options.tag)
    except RunError as exc:
        return fail(str(exc))
    write_result(result_text(result, as_json=options.json))
    return exit_status(result)


def _warn_about(path: str, schedule) -> None:
    """What a valid file still gets wrong, one `FILE: warning: ...` line each on stderr."""
    from designer.core.export.advice import file_warnings

    for warning in file_warnings(schedule):
        say(f"{path}: warning: {warning}")


def _export(path: str, fmt: str, output: str | None, columns: str | None = None,
            summary: bool = False) -> int:
    if (fmt != "csv" and columns) or (fmt not in ("csv", "json") and summary):
        raise Refused("--columns applies to --to csv only, --summary to csv and json")
    schedule = _read_design(path)
    from designer.core.export.formats import export_chunks  # torch from here on

    def remark(facts) -> None:
        for name in facts.overflowing():
            say(f"{path}: note: the curve's {name} exceeds the float range: "
                 f"{'inf in the CSV' if fmt == 'csv' else 'null in the JSON'}")

    _warn_about(path, schedule)
    # Standard output cannot take back what it printed: the whole design is stepped before
    # the first chunk. A file is written beside its target and replaces it only when
    # complete, so a CSV may stream into it as it is stepped.
    chunks = export_chunks(schedule, fmt, momentum=columns == "lr,momentum",
                           summary=summary, all_or_nothing=output is None, on_summary=remark)
    deliver(chunks, output)
    return 0


def _open_window(path: str | None) -> int:
    try:
        from designer.ui.app import run_app
    except ImportError:
        return _print_summary(path)
    return run_app(path)


def _print_summary(path: str | None) -> int:
    """Until the window exists: print what the design's curve is."""
    if path is None:
        return fail("lr-designer: the window is not available; give a schedule file")
    try:
        schedule = read_schedule_file(path)
        from designer.core.curves.engine import compute_curve
        from designer.core.curves.summary import summarize

        curve = compute_curve(schedule)
        facts = summarize(schedule, curve)
        write_result(f"{path}: {facts.total_steps:,} steps, peak lr {facts.peak!r}, final "
                      f"lr {facts.final!r}, mean lr {facts.mean!r}\n")
    except ScheduleError as exc:
        return fail(f"{path}: {exc}")
    except Refused as exc:
        return fail(f"lr-designer: {exc}")
    except BrokenPipeError:
        return EXIT_PIPE_CLOSED
    return 0
