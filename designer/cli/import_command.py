"""`lr-designer import`: designs from a Python snippet (read, never run) or from a Hugging
Face lr_scheduler_type; one design per optimizer a snippet schedules."""

from __future__ import annotations

import argparse
import os

from designer.cli.output import Refused, deliver, fail, say
from designer.core.safe_io import read_snippet_file
from designer.core.schedule.checks import cut_text, shown_value
from designer.core.schedule.fileformat import dump_schedule
from designer.core.schedule.model import MAX_TOTAL_STEPS, ScheduleError


def add_import_parser(commands) -> None:
    parser = commands.add_parser(
        "import", help="make a design from a Python snippet (read, never run) or a Hugging "
                       "Face lr_scheduler_type")
    parser.add_argument("file", nargs="?", metavar="SNIPPET.py",
                        help="Python code that builds torch lr schedulers")
    parser.add_argument("--total-steps", type=step_count(1), metavar="N",
                        help="snippet: how often scheduler.step() is called, when the code "
                             "does not say; --hf: num_training_steps")
    parser.add_argument("--hf", metavar="TYPE", help="a Hugging Face lr_scheduler_type "
                        "(linear, cosine, cosine_with_restarts, polynomial, constant, "
                        "constant_with_warmup, inverse_sqrt, cosine_with_min_lr, "
                        "warmup_stable_decay, ...)")
    parser.add_argument("--warmup-steps", type=step_count(0), default=0, metavar="N")
    parser.add_argument("--lr", type=float, help="--hf: the optimizer's lr")
    parser.add_argument("--extra", action="append", default=[], metavar="KEY=VALUE",
                        help="--hf: a scheduler_specific_kwargs entry, e.g. num_cycles=0.5")
    parser.add_argument("--optimizer", metavar="NAME", help="snippet: only this optimizer's "
                        "design (its variable, e.g. opt_g; optimizers[0] is optimizers_0)")
    parser.add_argument("-o", "--output", help="write the design here instead of stdout; one "
                        "design per optimizer a snippet schedules goes to OUT's name plus "
                        "-NAME (out.json: out-opt_g.json, out-opt_d.json)")


def step_count(minimum: int):
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


def run_import(options) -> int:
    """`lr-designer import`: problems and notes go to stderr, one line each with the
    snippet's line number; exit 2 when nothing could be imported."""
    if options.hf is not None:
        if options.file is not None or options.total_steps is None or options.lr is None:
            raise Refused("--hf needs --total-steps and --lr, and no snippet")
        return import_hf_command(options)
    if options.file is None:
        raise Refused("give a snippet file, or --hf TYPE")
    from designer.core.importing.python import chosen_designs, design_path, import_python_designs

    source = read_snippet_file(options.file)
    name = os.path.splitext(os.path.basename(options.file))[0]
    try:
        results = chosen_designs(import_python_designs(source, options.total_steps, name=name),
                                 options.optimizer, options.output is not None)
    except ValueError as exc:
        raise Refused(f"{options.file} {exc}") from None
    several = len(results) > 1
    for result in results:
        prefix = f"{result.optimizer}: " if several else ""
        for kind, findings in (("", result.problems), ("note: ", result.notes)):
            for line, message in findings:
                where = f"{options.file}:{line}" if line else options.file
                say(f"{where}: {prefix}{kind}{message}")
    imported = [result for result in results if result.imported]
    if not imported:
        return fail(f"{options.file}: nothing could be imported")
    texts = [checked_design(result.schedule) for result in imported]
    for result, text in zip(imported, texts):
        output = design_path(options.output, result.optimizer) if several else options.output
        if several:
            say(f"{options.file}: note: the design of {result.optimizer} is in {output}")
        deliver(text, output)
    return 0


def checked_design(schedule) -> str:
    """The design as file text the designer opens and torch runs (else ScheduleError)."""
    from designer.core.curves.engine import check_schedule  # torch is only needed from here on
    from designer.core.schedule.fileformat import load_schedule

    text = dump_schedule(schedule)
    load_schedule(text)
    check_schedule(schedule)
    return text


def import_hf_command(options) -> int:
    """`lr-designer import --hf TYPE`: the design of a Hugging Face lr_scheduler_type."""
    from designer.core.importing.hf import extra_from_text, import_hf

    try:
        extra = dict(extra_from_text(item) for item in options.extra)
        schedule = import_hf(options.hf, options.warmup_steps, options.total_steps,
                             options.lr, **extra)
    except ScheduleError as exc:
        return fail(f"lr-designer import --hf {options.hf}: {option_message(exc)}")
    try:
        text = checked_design(schedule)
    except ScheduleError as exc:
        # Its phases are transformers' formulas, not anything the user wrote: name the
        # arguments that made them fail rather than a phase's lr_lambda.
        given = " ".join(f"--extra {cut_text(item)}" for item in options.extra)
        return fail(f"lr-designer import --hf {options.hf}: the schedule these arguments "
                     f"make fails{f' ({given})' if given else ''}: {exc.message}")
    deliver(text, options.output)
    return 0


# import_hf's names for what the command line calls options.
HF_OPTIONS = {"type": "--hf", "lr": "--lr", "total_steps": "--total-steps",
               "warmup_steps": "--warmup-steps", "extra": "--extra"}


def option_message(error: ScheduleError) -> str:
    """import_hf's error in the command line's words: `extra.min_lr` is `--extra min_lr`."""
    head, _, key = error.field.partition(".")
    field = HF_OPTIONS.get(head, head) + (f" {key}" if key else "")
    return f"{field}: {error.message}" if field else error.message
