"""`lr-designer`: open the window, or validate and export schedule files.

    lr-designer [FILE]                       open the designer (on FILE)
    lr-designer validate FILE                exit 0 and "ok", or exit 2 and one line naming the field
    lr-designer import SNIPPET.py [--total-steps N] [--optimizer NAME] [-o OUT]   designs from
                       Python code (read, never run); problems on stderr; exit 2 if none
    lr-designer import --hf TYPE --warmup-steps N --total-steps N --lr X [--extra K=V] [-o OUT]
    lr-designer export FILE --to python|function|lightning|hf|json|csv [-o OUT]
                       [--columns lr|lr,momentum] [--summary]   (columns: csv; summary: csv, json)
    lr-designer check-run FILE RUN [--tag NAME] [--json]    a training run's logged lr against
                       the design: exit 0 when it matches, 1 when it differs (and why)
    lr-designer --version

Bad input never prints a traceback: every failure a user can cause is one line on stderr and
exit status 2. Files are read with the window's checks (regular files only, size limits
before reading, never blocking on a FIFO) and written atomically, both through
`designer.core.safe_io`: a full disk never costs the old file, not even `-o` onto the input.
A full or closed standard output is such a failure too; a reader that leaves (`| head`) ends
the command quietly, as Unix tools do.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import os
import sys
from collections.abc import Iterable, Sequence

from designer import __version__
from designer.core.export.formats import TEXT_FORMATS
from designer.core.safe_io import (
    hold_standard_streams,
    kept_text,
    read_schedule_file,
    read_snippet_file,
    save_failure_reason,
    write_atomic,
    write_stdout,
)
from designer.core.schedule.checks import cut_text, shown_value
from designer.core.schedule.fileformat import dump_schedule
from designer.core.schedule.model import MAX_TOTAL_STEPS, ScheduleError

EXIT_BAD_INPUT = 2
EXIT_PIPE_CLOSED = 128 + 13  # what a shell reports for a tool ended by SIGPIPE
COMMANDS = ("validate", "export", "import", "check-run")
CSV_COLUMNS = ("lr", "lr,momentum")


class _Refused(Exception):
    """A failure that is not the input file's (an output that cannot be written, an empty
    file name): its message is printed after `lr-designer COMMAND: `."""


class _Parser(argparse.ArgumentParser):
    """argparse that exits with status 2 and one line, like every other bad-input path."""

    def error(self, message: str) -> None:  # argparse's own name
        message = message.removeprefix("argument ")  # "--total-steps: must be ..."
        self.exit(EXIT_BAD_INPUT, _one_line(f"{self.prog}: {message}") + "\n")

    def parse_args(self, args=None, namespace=None):  # argparse's own name
        try:
            return super().parse_args(args, namespace)
        except BrokenPipeError:
            raise SystemExit(EXIT_PIPE_CLOSED) from None
        except _Refused as exc:
            raise SystemExit(_fail(f"{self.prog}: {exc}")) from None

    def _print_message(self, message: str, file=None) -> None:
        # argparse prints --help and --version here and ignores a failed write, which would
        # lose them silently on a full stdout; those get the failures of an export.
        if message and file is not None and file is sys.stdout:
            _write_stdout(message)
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
    _add_import_parser(commands)
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
        return _fail(f"lr-designer: unknown command {shown_value(args[0])}{hint}; commands: "
                     f"{', '.join(COMMANDS)}; to open a file, give its path")
    options = _window_parser().parse_args(args)
    if options.file == "":
        return _fail("lr-designer: no file given (the file name is empty)")
    if options.file is not None and not os.path.exists(options.file):
        return _fail(f"lr-designer: cannot open {options.file}: no such file")
    return _open_window(options.file)


def _run(options: argparse.Namespace) -> int:
    """One command; every failure a user can cause is one line on stderr and status 2."""
    try:
        for name, value in (("", options.file), ("-o: ", getattr(options, "output", None))):
            if value == "":
                raise _Refused(f"{name}no file given (the file name is empty)")
        if options.command == "validate":
            return _validate(options.file)
        if options.command == "import":
            return _import(options)
        if options.command == "check-run":
            return _check_run(options)
        return _export(options.file, options.format, options.output, options.columns,
                       options.summary)
    except ScheduleError as exc:
        return _fail(f"{options.file}: {exc}")
    except _Refused as exc:
        return _fail(f"lr-designer {options.command}: {exc}")
    except BrokenPipeError:
        return EXIT_PIPE_CLOSED  # the reader has all it wanted (`| head`): not an error
    except KeyboardInterrupt:
        return 130


def _is_bare_word(word: str) -> bool:
    return bool(word) and not word.startswith("-") and not os.path.exists(word) and not any(
        mark in word for mark in (os.sep, "/", "."))


def _fail(message: str) -> int:
    """Say what is wrong; the exit status for bad input."""
    _say(message)
    return EXIT_BAD_INPUT


def _say(message: str) -> None:
    """One line on stderr, if there is a stderr (print would fall back to stdout)."""
    if sys.stderr is not None:
        with contextlib.suppress(OSError, ValueError):
            print(_one_line(message), file=sys.stderr, flush=True)


def _one_line(text: str) -> str:
    """Messages are one line, even when a file name or key holds a line break."""
    return " ".join(text.splitlines())


def _validate(path: str) -> int:
    schedule = read_schedule_file(path)
    from designer.core.curves.engine import check_pins, check_schedule  # torch from here on

    check_schedule(schedule)
    check_pins(schedule)
    _warn_about(path, schedule)
    _write_stdout("ok\n")
    return 0


def _check_run(options) -> int:
    """`check-run`: exit 0 when the run matches, 1 when it differs, 2 on bad input."""
    if options.run == "":
        raise _Refused("no run given (the path is empty)")
    schedule = read_schedule_file(options.file)
    from designer.core.runs.design_run import check_run, exit_status, result_text
    from designer.core.runs.series import RunError

    try:
        result = check_run(schedule, options.run, options.tag)
    except RunError as exc:
        return _fail(str(exc))
    _write_stdout(result_text(result, as_json=options.json))
    return exit_status(result)


def _warn_about(path: str, schedule) -> None:
    """What a valid file still gets wrong, one `FILE: warning: ...` line each on stderr."""
    from designer.core.export.advice import file_warnings

    for warning in file_warnings(schedule):
        _say(f"{path}: warning: {warning}")


def _export(path: str, fmt: str, output: str | None, columns: str | None = None,
            summary: bool = False) -> int:
    if (fmt != "csv" and columns) or (fmt not in ("csv", "json") and summary):
        raise _Refused("--columns applies to --to csv only, --summary to csv and json")
    schedule = read_schedule_file(path)
    from designer.core.export.formats import export_chunks  # torch from here on

    def remark(facts) -> None:
        for name in facts.overflowing():
            _say(f"{path}: note: the curve's {name} exceeds the float range: "
                 f"{'inf in the CSV' if fmt == 'csv' else 'null in the JSON'}")

    _warn_about(path, schedule)
    # Standard output cannot take back what it printed: the whole design is stepped before
    # the first chunk. A file is written beside its target and replaces it only when
    # complete, so a CSV may stream into it as it is stepped.
    chunks = export_chunks(schedule, fmt, momentum=columns == "lr,momentum",
                           summary=summary, all_or_nothing=output is None, on_summary=remark)
    _deliver(chunks, output)
    return 0


def _deliver(chunks: str | Iterable[str], output: str | None) -> None:
    """The result to `output`, replacing it atomically (a failure leaves the old file), or
    to standard output."""
    if output is None:
        _write_stdout(chunks)
        return
    try:
        write_atomic(output, chunks)
    except OSError as exc:
        reason = save_failure_reason(output, exc).rstrip(".")
        raise _Refused(f"cannot write {output}: {reason}. {kept_text(output)}") from None


def _write_stdout(chunks: str | Iterable[str]) -> None:
    """The result (one str, or str chunks) on standard output, as UTF-8 whatever the
    terminal's locale. A closed or full stdout is _Refused; a reader that has gone
    (`| head`) passes on as BrokenPipeError."""
    try:
        write_stdout(chunks)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise _Refused(f"cannot write the result to standard output: "
                       f"{exc.strerror or exc}") from None


def _open_window(path: str | None) -> int:
    try:
        from designer.ui.app import run_app
    except ImportError:
        return _print_summary(path)
    return run_app(path)


def _print_summary(path: str | None) -> int:
    """Until the window exists: print what the design's curve is."""
    if path is None:
        return _fail("lr-designer: the window is not available; give a schedule file")
    try:
        schedule = read_schedule_file(path)
        from designer.core.curves.engine import compute_curve
        from designer.core.curves.summary import summarize

        curve = compute_curve(schedule)
        facts = summarize(schedule, curve)
        _write_stdout(f"{path}: {facts.total_steps:,} steps, peak lr {facts.peak!r}, final "
                      f"lr {facts.final!r}, mean lr {facts.mean!r}\n")
    except ScheduleError as exc:
        return _fail(f"{path}: {exc}")
    except _Refused as exc:
        return _fail(f"lr-designer: {exc}")
    except BrokenPipeError:
        return EXIT_PIPE_CLOSED
    return 0


def _add_import_parser(commands) -> None:
    parser = commands.add_parser(
        "import", help="make a design from a Python snippet (read, never run) or a Hugging "
                       "Face lr_scheduler_type")
    parser.add_argument("file", nargs="?", metavar="SNIPPET.py",
                        help="Python code that builds torch lr schedulers")
    parser.add_argument("--total-steps", type=_step_count(1), metavar="N",
                        help="snippet: how often scheduler.step() is called, when the code "
                             "does not say; --hf: num_training_steps")
    parser.add_argument("--hf", metavar="TYPE", help="a Hugging Face lr_scheduler_type "
                        "(linear, cosine, cosine_with_restarts, polynomial, constant, "
                        "constant_with_warmup, inverse_sqrt, cosine_with_min_lr, "
                        "warmup_stable_decay, ...)")
    parser.add_argument("--warmup-steps", type=_step_count(0), default=0, metavar="N")
    parser.add_argument("--lr", type=float, help="--hf: the optimizer's lr")
    parser.add_argument("--extra", action="append", default=[], metavar="KEY=VALUE",
                        help="--hf: a scheduler_specific_kwargs entry, e.g. num_cycles=0.5")
    parser.add_argument("--optimizer", metavar="NAME", help="snippet: only this optimizer's "
                        "design (its variable, e.g. opt_g; optimizers[0] is optimizers_0)")
    parser.add_argument("-o", "--output", help="write the design here instead of stdout; one "
                        "design per optimizer a snippet schedules goes to OUT's name plus "
                        "-NAME (out.json: out-opt_g.json, out-opt_d.json)")


def _step_count(minimum: int):
    """argparse type: an integer number of steps from `minimum` to the schedule limit."""
    wanted = "a positive integer" if minimum == 1 else f"an integer >= {minimum}"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {wanted}, not "
                                             f"{shown_value(text)}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {wanted}, not {shown_value(value)}")
        if value > MAX_TOTAL_STEPS:
            raise argparse.ArgumentTypeError(f"must be at most {MAX_TOTAL_STEPS:,}")
        return value

    return parse


def _import(options) -> int:
    """`lr-designer import`: problems and notes go to stderr, one line each with the
    snippet's line number; exit 2 when nothing could be imported."""
    if options.hf is not None:
        if options.file is not None or options.total_steps is None or options.lr is None:
            raise _Refused("--hf needs --total-steps and --lr, and no snippet")
        return _import_hf(options)
    if options.file is None:
        raise _Refused("give a snippet file, or --hf TYPE")
    from designer.core.importing.python import chosen_designs, design_path, import_python_designs

    source = read_snippet_file(options.file)
    name = os.path.splitext(os.path.basename(options.file))[0]
    try:
        results = chosen_designs(import_python_designs(source, options.total_steps, name=name),
                                 options.optimizer, options.output is not None)
    except ValueError as exc:
        raise _Refused(f"{options.file} {exc}") from None
    several = len(results) > 1
    for result in results:
        prefix = f"{result.optimizer}: " if several else ""
        for kind, findings in (("", result.problems), ("note: ", result.notes)):
            for line, message in findings:
                where = f"{options.file}:{line}" if line else options.file
                _say(f"{where}: {prefix}{kind}{message}")
    imported = [result for result in results if result.imported]
    if not imported:
        return _fail(f"{options.file}: nothing could be imported")
    texts = [_checked_design(result.schedule) for result in imported]
    for result, text in zip(imported, texts):
        output = design_path(options.output, result.optimizer) if several else options.output
        if several:
            _say(f"{options.file}: note: the design of {result.optimizer} is in {output}")
        _deliver(text, output)
    return 0


def _checked_design(schedule) -> str:
    """The design as file text the designer opens and torch runs (else ScheduleError)."""
    from designer.core.curves.engine import check_schedule  # torch is only needed from here on
    from designer.core.schedule.fileformat import load_schedule

    text = dump_schedule(schedule)
    load_schedule(text)
    check_schedule(schedule)
    return text


def _import_hf(options) -> int:
    """`lr-designer import --hf TYPE`: the design of a Hugging Face lr_scheduler_type."""
    from designer.core.importing.hf import extra_from_text, import_hf

    try:
        extra = dict(extra_from_text(item) for item in options.extra)
        schedule = import_hf(options.hf, options.warmup_steps, options.total_steps,
                             options.lr, **extra)
    except ScheduleError as exc:
        return _fail(f"lr-designer import --hf {options.hf}: {_option_message(exc)}")
    try:
        text = _checked_design(schedule)
    except ScheduleError as exc:
        # Its phases are transformers' formulas, not anything the user wrote: name the
        # arguments that made them fail rather than a phase's lr_lambda.
        given = " ".join(f"--extra {cut_text(item)}" for item in options.extra)
        return _fail(f"lr-designer import --hf {options.hf}: the schedule these arguments "
                     f"make fails{f' ({given})' if given else ''}: {exc.message}")
    _deliver(text, options.output)
    return 0


# import_hf's names for what the command line calls options.
_HF_OPTIONS = {"type": "--hf", "lr": "--lr", "total_steps": "--total-steps",
               "warmup_steps": "--warmup-steps", "extra": "--extra"}


def _option_message(error: ScheduleError) -> str:
    """import_hf's error in the command line's words: `extra.min_lr` is `--extra min_lr`."""
    head, _, key = error.field.partition(".")
    field = _HF_OPTIONS.get(head, head) + (f" {key}" if key else "")
    return f"{field}: {error.message}" if field else error.message
