"""`lr-designer`: open the window, or validate and export schedule files.

    lr-designer [FILE]                       open the designer (on FILE)
    lr-designer validate FILE                exit 0 and "ok", or exit 2 and one line naming the field
    lr-designer export FILE --to python|function|lightning|hf|json|csv [-o OUT]
                       [--columns lr|lr,momentum] [--summary]   (the last two: csv only)
    lr-designer --version

Bad input never prints a traceback: every failure a user can cause is one line on stderr and
exit status 2.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from collections.abc import Sequence

from designer import __version__
from designer.core.fileformat import dump_schedule, load_schedule_file
from designer.core.model import ScheduleError

EXIT_BAD_INPUT = 2
COMMANDS = ("validate", "export")
FORMATS = ("python", "json", "csv", "function", "lightning", "hf")
CSV_COLUMNS = ("lr", "lr,momentum")


class _Parser(argparse.ArgumentParser):
    """argparse that exits with status 2 and one line, like every other bad-input path."""

    def error(self, message: str) -> None:  # argparse's own name
        self.exit(EXIT_BAD_INPUT, _one_line(f"{self.prog}: {message}") + "\n")


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
    export.add_argument("--to", required=True, choices=FORMATS, dest="format")
    export.add_argument("-o", "--output", help="write here instead of stdout")
    export.add_argument("--columns", choices=CSV_COLUMNS, metavar="lr|lr,momentum",
                        help="csv: lr (default), or lr,momentum (momentum or beta1; nan for "
                             "optimizers with neither)")
    export.add_argument("--summary", action="store_true",
                        help="csv: start with '# name: value' lines of the curve's facts")
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
        options = _command_parser().parse_args(args)
        try:
            if options.command == "validate":
                return _validate(options.file)
            return _export(options.file, options.format, options.output, options.columns,
                           options.summary)
        except ScheduleError as exc:
            print(_one_line(f"{options.file}: {exc}"), file=sys.stderr)
            return EXIT_BAD_INPUT
        except KeyboardInterrupt:
            return 130
    options = _window_parser().parse_args(args)
    if options.file is not None and not os.path.exists(options.file):
        # Say so here rather than open a window on nothing; a bare word is a mistyped command.
        word = options.file
        if os.sep not in word and "/" not in word and "." not in word:
            message = (f"lr-designer: unknown command {word!r} (commands: "
                       f"{', '.join(COMMANDS)}); to open a file, give its path")
        else:
            message = f"lr-designer: cannot open {word}: no such file"
        print(_one_line(message), file=sys.stderr)
        return EXIT_BAD_INPUT
    return _open_window(options.file)


def _one_line(text: str) -> str:
    """Messages are one line, even when a file name or key holds a line break."""
    return " ".join(text.splitlines())


def _validate(path: str) -> int:
    schedule = load_schedule_file(path)
    from designer.core.engine import compute_curve  # torch is only needed from here on

    compute_curve(schedule)
    print("ok")
    return 0


def export_text(schedule, fmt: str) -> str:
    """The text of one export format (shared by the CLI and the window's Export menu)."""
    if fmt == "json":
        return dump_schedule(schedule)
    if fmt == "python":
        from designer.core.export import export_python

        return export_python(schedule)
    if fmt != "csv":
        from designer.core.templates import render_template

        return render_template(fmt, schedule)
    from designer.core.engine import compute_curve

    return curve_csv(compute_curve(schedule))


def curve_csv(curve, momentum=None, summary=None) -> str:
    """`step,lr` rows with each lr as repr(float), the exact value; `step,lr,momentum` rows
    when given the momentum curve; preceded by `# name: value` lines of a CurveSummary."""
    out = io.StringIO()
    if summary is not None:
        out.writelines(f"# {name}: {value!r}\n" for name, value in summary.items())
    if momentum is None:
        out.write("step,lr\n")
        out.writelines(f"{i},{lr!r}\n" for i, lr in enumerate(curve.tolist()))
    else:
        out.write("step,lr,momentum\n")
        out.writelines(f"{i},{lr!r},{m!r}\n"
                       for i, (lr, m) in enumerate(zip(curve.tolist(), momentum.tolist())))
    return out.getvalue()


def _export(path: str, fmt: str, output: str | None, columns: str | None = None,
            summary: bool = False) -> int:
    if fmt != "csv" and (columns or summary):
        # A JSON file cannot carry the summary: the loader refuses keys it does not know.
        print("lr-designer export: --columns and --summary apply to --to csv only",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    schedule = load_schedule_file(path)
    from designer.core.engine import compute_curves

    # Stepping proves the design is one torch accepts before any format hands it out, so
    # export refuses exactly what validate refuses.
    curves = compute_curves(schedule, momentum=columns == "lr,momentum")
    if fmt == "csv":
        facts = None
        if summary:
            from designer.core.summary import summarize

            facts = summarize(schedule, curves.lr)
        text = curve_csv(curves.lr, curves.momentum, facts)
    else:
        text = export_text(schedule, fmt)
    if output is None:
        _write_stdout(text)
        return 0
    try:
        with open(output, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as exc:
        raise ScheduleError("", f"cannot write {output}: {exc.strerror or exc}") from None
    return 0


def _write_stdout(text: str) -> None:
    """Exports are UTF-8 whatever the terminal's locale (schedule names can be any text)."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
        return
    sys.stdout.flush()
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def _open_window(path: str | None) -> int:
    try:
        from designer.ui.app import run_app
    except ImportError:
        return _print_summary(path)
    return run_app(path)


def _print_summary(path: str | None) -> int:
    """Until the window exists: print what the design's curve is."""
    if path is None:
        print("lr-designer: the window is not available; give a schedule file", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        schedule = load_schedule_file(path)
        from designer.core.engine import compute_curve
        from designer.core.summary import summarize

        curve = compute_curve(schedule)
    except ScheduleError as exc:
        print(_one_line(f"{path}: {exc}"), file=sys.stderr)
        return EXIT_BAD_INPUT
    facts = summarize(schedule, curve)
    print(f"{path}: {facts.total_steps:,} steps, peak lr {facts.peak!r}, final lr "
          f"{facts.final!r}, mean lr {facts.mean!r}")
    return 0
