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

from designer.cli.commands import COMMANDS, main
from designer.cli.output import EXIT_BAD_INPUT, write_result

__all__ = ["COMMANDS", "EXIT_BAD_INPUT", "main", "write_result"]
