"""Reading the files a user names, and writing files without ever losing the old one.

The window (Open, drops, Save, Export, autosave) and the command line (validate, export,
import) share these, so a FIFO, a device or a huge file is refused the same way everywhere,
and a failed write leaves the old file as it was everywhere.

Reads: only regular files of at most a size limit are opened, and they are checked before a
byte is read; a FIFO without a writer would block forever, /dev/zero would fill memory.
Writes: the text goes to a temporary file beside the target, is flushed to disk, then
replaces it, so a full disk or a crash leaves the old file intact and no temporary behind.
Standard output (the command line's results) fails cleanly too: closed, full or a pipe whose
reader has gone is an OSError once, never a second traceback when Python exits.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Iterable

from designer.core.schedule.fileformat import MAX_FILE_BYTES, load_schedule
from designer.core.schedule.model import Schedule, ScheduleError

# Python snippets to import: real ones are a few kB; the parser's memory grows with the text.
MAX_SNIPPET_BYTES = 1024 * 1024

_FILE_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a device"),
               (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


# Reading --------------------------------------------------------------------------------

def read_schedule_file(path: str) -> Schedule:
    """Load a schedule file named by the user (Open, a drop, the command line), refusing
    anything but a regular file small enough to be a schedule before reading it."""
    return load_schedule(read_regular_file(path, MAX_FILE_BYTES, "schedule file"))


def read_snippet_file(path: str) -> str:
    """The text of a Python snippet to import (UTF-8, a BOM allowed), with the same checks
    as `read_schedule_file` and a limit of MAX_SNIPPET_BYTES."""
    data = read_regular_file(path, MAX_SNIPPET_BYTES, "Python snippet")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScheduleError("", f"not a Python snippet: the file is not UTF-8 text (byte "
                            f"{exc.start})") from None


def read_regular_file(path: str, limit: int, what: str) -> bytes:
    """The bytes of `path`, if it is a regular file of at most `limit` bytes.

    The file type and size are checked before opening (a FIFO without a writer blocks
    `open` forever, a device never ends), and again on the open file, which is opened
    non-blocking in case it was swapped for something else in between. Raises ScheduleError
    with a message that names what is wrong (`what` is "schedule file", "Python snippet").
    """
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise ScheduleError("", f"{path} is a folder, not a {what}")
        _check_regular(info, limit, what)
        handle = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        with os.fdopen(handle, "rb") as stream:
            _check_regular(os.fstat(stream.fileno()), limit, what)
            data = stream.read(limit + 1)
    except OSError as exc:
        raise ScheduleError("", f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > limit:  # it grew after the check
        raise ScheduleError("", f"file is too large (over {limit:,} bytes) to be a {what}")
    return data


def check_regular_file(path: str, limit: int, what: str) -> int:
    """The size of `path`, if it is a regular file of at most `limit` bytes, for a file a
    library opens itself (TensorBoard's event reader): the same refusals as
    `read_regular_file` (ScheduleError), checked before the library opens it."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise ScheduleError("", f"cannot read {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ScheduleError("", f"{path} is a folder, not a {what}")
    _check_regular(info, limit, what)
    return info.st_size


def _check_regular(info: os.stat_result, limit: int, what: str) -> None:
    if not stat.S_ISREG(info.st_mode):
        kind = next((name for test, name in _FILE_KINDS if test(info.st_mode)),
                    "not a regular file")
        raise ScheduleError("", f"not a {what}: it is {kind}")
    if info.st_size > limit:
        raise ScheduleError("", f"file is too large ({info.st_size:,} bytes) to be a {what}")


# Writing --------------------------------------------------------------------------------

def write_atomic(path: str, chunks: str | Iterable[str]) -> None:
    """Write `chunks` (one str, or an iterable of str written one after another, so a long
    text need never be whole in memory) to `path` as UTF-8, so that a failure leaves any
    old file intact.

    A symlink is written through (the file it points to is replaced, the link stays), as
    text editors do. An existing device, FIFO or socket (`-o /dev/null`) is written into,
    never replaced: it holds no old content to keep. Raises OSError when anything fails,
    and whatever `chunks` raises; the temporary file is removed either way.
    """
    if isinstance(chunks, str):
        chunks = (chunks,)
    try:
        info = os.stat(path)  # through /dev/stdout's magic link, which realpath cannot
    except OSError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode) and not stat.S_ISDIR(info.st_mode):
        _write_into(path, chunks)
        return
    path = os.path.realpath(path)
    directory = os.path.dirname(path)
    handle, temporary = tempfile.mkstemp(prefix=".lr-designer-", suffix=".tmp", dir=directory)
    try:
        # mkstemp makes the file private (0600); keep the old file's mode, or the usual one.
        try:
            mode = os.stat(path).st_mode & 0o777
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(temporary, mode)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            for chunk in chunks:
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    _sync_folder(directory)


def _write_into(path: str, chunks: Iterable[str]) -> None:
    # Non-blocking open: a FIFO nobody reads fails at once (ENXIO) instead of hanging.
    handle = os.open(path, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        os.set_blocking(handle, True)  # then write as usual, waiting for a slow reader
        for chunk in chunks:
            _write_all(lambda data: os.write(handle, data), chunk.encode("utf-8"))
    finally:
        os.close(handle)


def _write_all(write, data: bytes) -> None:
    """Call `write` until it has taken all of `data`. A pipe whose reader leaves mid-write
    takes part of it without an error (even through a BufferedWriter); the next write is
    the one that says EPIPE."""
    view = memoryview(data)
    while view:
        written = write(view)
        if not written:
            raise OSError(errno.EIO, "the output took nothing")
        view = view[written:]


def _sync_folder(directory: str) -> None:
    """Make the rename itself durable: without this a power cut can bring back the old file."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass  # some file systems cannot sync folders; the data itself is synced already
    finally:
        os.close(handle)


def save_failure_reason(path: str, error: OSError) -> str:
    """Why writing `path` failed, in the user's words (the OS text alone rarely says)."""
    folder = os.path.dirname(os.path.abspath(path)) or "/"
    code = error.errno
    if code in (errno.EACCES, errno.EPERM):
        return f"Permission denied: the folder {folder} is read-only or belongs to someone else."
    if code == errno.EROFS:
        return f"The folder {folder} is on a read-only disk."
    if code in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return "The disk is full (or the file exceeds the size this disk or account allows)."
    if code == errno.ENOENT:
        return f"The folder {folder} does not exist (any more)."
    if code == errno.ENOTDIR:
        return f"Part of the path {folder} is a file, not a folder."
    if code == errno.EISDIR:
        return f"{path} is a folder; choose a file name."
    if code == errno.ENAMETOOLONG:
        return "The file name is too long."
    if code == errno.ENXIO:
        return f"{path} is a named pipe or socket that no process is reading."
    return error.strerror or str(error)


def kept_text(path: str) -> str:
    """What a failed `write_atomic` left at `path`, to say after the reason."""
    if os.path.isfile(path):
        return "The file on disk was left unchanged."
    return "Nothing was written."


# Standard output --------------------------------------------------------------------------

def write_stdout(chunks: str | Iterable[str]) -> None:
    """Write text (one str, or str chunks one after another) to standard output as UTF-8,
    whatever the locale (schedule names can be any text), and flush it.

    Raises BrokenPipeError when the reader has gone (`| head`), OSError when stdout is
    closed or full (/dev/full).
    """
    if isinstance(chunks, str):
        chunks = (chunks,)
    stream = sys.stdout
    if stream is None:  # what Python makes of a stdout closed at start (`>&-`)
        raise OSError(errno.EBADF, "standard output is closed")
    buffer = getattr(stream, "buffer", None)
    with _stdout_failures():
        stream.flush()
    # Only the writes are stdout's failures: making a chunk may raise too (a design torch
    # refuses half-way), and that error passes on as it is.
    for chunk in chunks:
        with _stdout_failures():
            if buffer is None:  # a text-only stream (tests' redirect_stdout)
                stream.write(chunk)
            else:
                _write_all(buffer.write, chunk.encode("utf-8"))
    with _stdout_failures():
        (stream if buffer is None else buffer).flush()


@contextlib.contextmanager
def _stdout_failures():
    """After a failed write stdout points at /dev/null: Python flushes it once more at exit,
    and that second failure would print an "Exception ignored" traceback (the advice of the
    `signal` module's documentation for SIGPIPE)."""
    try:
        yield
    except ValueError:  # "I/O operation on closed file"
        _silence_stdout()
        raise OSError(errno.EBADF, "standard output is closed") from None
    except OSError:
        _silence_stdout()
        raise


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # not a real file descriptor (a test's capture): nothing flushes it at exit
    finally:
        os.close(devnull)


def hold_standard_streams() -> None:
    """Started with stdout or stderr closed, the next file a command opens would get
    descriptor 1 or 2, and a stray write from a library would land in it (in an export's
    temporary file, say): hold them with /dev/null. sys.stdout stays None, so
    `write_stdout` still reports the closed stdout."""
    for descriptor in (0, 1, 2):
        try:
            os.fstat(descriptor)
        except OSError:
            handle = os.open(os.devnull, os.O_RDWR)
            if handle != descriptor:
                os.dup2(handle, descriptor)
                os.close(handle)
