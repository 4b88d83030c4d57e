"""`lr-designer`: open the window, or validate and export schedule files.

    lr-designer [FILE]                       open the designer (on FILE)
    lr-designer validate FILE                exit 0 and "ok", or exit 2 and one line naming the field
    lr-designer import SNIPPET.py [--total-steps N] [-o OUT]    a design from Python code (read,
                       never run); problems on stderr with line numbers; exit 2 if nothing imports
    lr-designer import --hf TYPE --warmup-steps N --total-steps N --lr X [--extra K=V] [-o OUT]
    lr-designer export FILE --to python|function|lightning|hf|json|csv [-o OUT]
                       [--columns lr|lr,momentum] [--summary]   (columns: csv; summary: csv, json)
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
COMMANDS = ("validate", "export", "import")
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
                        help="csv: start with '# name: value' lines of the curve's facts; "
                             "json: add them as \"summary\"")
    _add_import_parser(commands)
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
            if options.command == "import":
                return _import(options)
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
    from designer.core.engine import compute_curves

    curves = compute_curves(schedule)
    return curve_csv(curves.lr, others=curves.others, group_names=_named_groups(schedule))


def _named_groups(schedule) -> tuple[str, ...]:
    return tuple(group.name for group in schedule.param_groups)


def curve_csv(curve, momentum=None, summary=None, others=None, group_names=()) -> str:
    """`step,lr` rows with each lr as repr(float), the exact value; `step,lr,momentum` rows
    when given the momentum curve; preceded by `# name: value` lines of a CurveSummary.
    With param groups (`others`, the curves of the groups after the first), one column per
    group, `lr_<name>`, in the design's order."""
    out = io.StringIO()
    if summary is not None:
        out.writelines(f"# {name}: {value!r}\n" for name, value in summary.items())
    if group_names:
        header = ["step", *(f"lr_{name}" for name in group_names)]
        columns = [curve.tolist(), *(row.tolist() for row in (others if others is not None
                                                               else ()))]
        if momentum is not None:
            header.append("momentum")
            columns.append(momentum.tolist())
        out.write(",".join(header) + "\n")
        out.writelines(f"{i}," + ",".join(map(repr, values)) + "\n"
                       for i, values in enumerate(zip(*columns)))
    elif momentum is None:
        out.write("step,lr\n")
        out.writelines(f"{i},{lr!r}\n" for i, lr in enumerate(curve.tolist()))
    else:
        out.write("step,lr,momentum\n")
        out.writelines(f"{i},{lr!r},{m!r}\n"
                       for i, (lr, m) in enumerate(zip(curve.tolist(), momentum.tolist())))
    return out.getvalue()


def _export(path: str, fmt: str, output: str | None, columns: str | None = None,
            summary: bool = False) -> int:
    if (fmt != "csv" and columns) or (fmt not in ("csv", "json") and summary):
        print("lr-designer export: --columns applies to --to csv only, --summary to csv and "
              "json", file=sys.stderr)
        return EXIT_BAD_INPUT
    schedule = load_schedule_file(path)
    from designer.core.engine import compute_curves

    # Stepping proves the design is one torch accepts before any format hands it out, so
    # export refuses exactly what validate refuses.
    curves = compute_curves(schedule, momentum=columns == "lr,momentum")
    facts = None
    if summary:
        from designer.core.summary import summarize

        facts = summarize(schedule, curves.lr)
    if fmt == "csv":
        text = curve_csv(curves.lr, curves.momentum, facts, curves.others,
                         _named_groups(schedule))
    elif facts is not None:
        text = dump_schedule(schedule, facts.items())
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


def _add_import_parser(commands) -> None:
    parser = commands.add_parser(
        "import", help="make a design from a Python snippet (read, never run) or a Hugging "
                       "Face lr_scheduler_type")
    parser.add_argument("file", nargs="?", metavar="SNIPPET.py",
                        help="Python code that builds torch lr schedulers")
    parser.add_argument("--total-steps", type=int, metavar="N",
                        help="snippet: how often scheduler.step() is called, when the code "
                             "does not say; --hf: num_training_steps")
    parser.add_argument("--hf", metavar="TYPE", help="a Hugging Face lr_scheduler_type "
                        "(linear, cosine, cosine_with_restarts, polynomial, constant, "
                        "constant_with_warmup, inverse_sqrt, cosine_with_min_lr, "
                        "warmup_stable_decay, ...)")
    parser.add_argument("--warmup-steps", type=int, default=0, metavar="N")
    parser.add_argument("--lr", type=float, help="--hf: the optimizer's lr")
    parser.add_argument("--extra", action="append", default=[], metavar="KEY=VALUE",
                        help="--hf: a scheduler_specific_kwargs entry, e.g. num_cycles=0.5")
    parser.add_argument("-o", "--output", help="write the design here instead of stdout")


def _import(options) -> int:
    """`lr-designer import`: problems and notes go to stderr, one line each with the
    snippet's line number; exit 2 when nothing could be imported."""
    from designer.core.fileformat import load_schedule

    if options.hf is not None:
        if options.file is not None or options.total_steps is None or options.lr is None:
            print("lr-designer import: --hf needs --total-steps and --lr, and no snippet",
                  file=sys.stderr)
            return EXIT_BAD_INPUT
        from designer.core.import_hf import import_hf

        try:
            extra = dict(_extra_value(item) for item in options.extra)
            schedule = import_hf(options.hf, options.warmup_steps, options.total_steps,
                                 options.lr, **extra)
        except ScheduleError as exc:
            print(_one_line(f"lr-designer import --hf {options.hf}: {exc}"), file=sys.stderr)
            return EXIT_BAD_INPUT
    else:
        if options.file is None:
            print("lr-designer import: give a snippet file, or --hf TYPE", file=sys.stderr)
            return EXIT_BAD_INPUT
        from designer.core.import_python import import_python

        try:
            with open(options.file, encoding="utf-8-sig") as handle:
                source = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise ScheduleError("", f"cannot read it: {getattr(exc, 'strerror', None) or exc}"
                                ) from None
        name = os.path.splitext(os.path.basename(options.file))[0]
        result = import_python(source, options.total_steps, name=name)
        for kind, findings in (("", result.problems), ("note: ", result.notes)):
            for line, message in findings:
                where = f"{options.file}:{line}" if line else options.file
                print(_one_line(f"{where}: {kind}{message}"), file=sys.stderr)
        if not result.imported:
            print(_one_line(f"{options.file}: nothing could be imported"), file=sys.stderr)
            return EXIT_BAD_INPUT
        schedule = result.schedule
    from designer.core.engine import compute_curve  # torch is only needed from here on

    text = dump_schedule(schedule)
    try:
        load_schedule(text)  # what we hand out is a file the designer opens
        compute_curve(schedule)  # and a design torch accepts
        if options.output is not None:
            with open(options.output, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(text)
    except ScheduleError as exc:
        print(_one_line(f"{options.file or '--hf ' + options.hf}: {exc}"), file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:
        print(_one_line(f"lr-designer: cannot write {options.output}: {exc.strerror or exc}"),
              file=sys.stderr)
        return EXIT_BAD_INPUT
    if options.output is None:
        _write_stdout(text)
    return 0


def _extra_value(item: str) -> tuple[str, object]:
    """`key=value` with value an int, a float, none, or else text."""
    key, separator, text = item.partition("=")
    if not separator or not key.strip():
        raise ScheduleError("--extra", f"{item!r} is not KEY=VALUE")
    for convert in (int, float):
        try:
            return key.strip(), convert(text)
        except ValueError:
            pass
    return key.strip(), None if text.strip().lower() == "none" else text
