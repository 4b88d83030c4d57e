"""What every command prints and writes: one-line failures on stderr with exit status 2,
results on standard output as UTF-8, files written atomically (`-o`)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterable

from designer.core.safe_io import kept_text, save_failure_reason, write_atomic, write_stdout

EXIT_BAD_INPUT = 2
EXIT_PIPE_CLOSED = 128 + 13  # what a shell reports for a tool ended by SIGPIPE


class Refused(Exception):
    """A failure that is not the input file's (an output that cannot be written, an empty
    file name): its message is printed after `lr-designer COMMAND: `."""


def fail(message: str) -> int:
    """Say what is wrong; the exit status for bad input."""
    say(message)
    return EXIT_BAD_INPUT


def say(message: str) -> None:
    """One line on stderr, if there is a stderr (print would fall back to stdout)."""
    if sys.stderr is not None:
        with contextlib.suppress(OSError, ValueError):
            print(one_line(message), file=sys.stderr, flush=True)


def one_line(text: str) -> str:
    """Messages are one line, even when a file name or key holds a line break."""
    return " ".join(text.splitlines())


def deliver(chunks: str | Iterable[str], output: str | None) -> None:
    """The result to `output`, replacing it atomically (a failure leaves the old file), or
    to standard output."""
    if output is None:
        write_result(chunks)
        return
    try:
        write_atomic(output, chunks)
    except OSError as exc:
        reason = save_failure_reason(output, exc).rstrip(".")
        raise Refused(f"cannot write {output}: {reason}. {kept_text(output)}") from None


def write_result(chunks: str | Iterable[str]) -> None:
    """The result (one str, or str chunks) on standard output, as UTF-8 whatever the
    terminal's locale. A closed or full stdout is Refused; a reader that has gone
    (`| head`) passes on as BrokenPipeError."""
    try:
        write_stdout(chunks)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise Refused(f"cannot write the result to standard output: "
                       f"{exc.strerror or exc}") from None
