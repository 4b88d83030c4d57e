"""Hostile input on the command line: bad input is one line naming the thing, exit
2, never a traceback, and nothing is ever lost.

- Writes (`export -o`, `import -o`) are atomic: a full disk, in-process (fsync failing with
  ENOSPC) and for real (a 64 kB tmpfs, when this test may mount one), leaves the old file
  byte for byte, no temporary file, and a message that says so.
- Reads refuse FIFOs, devices and huge files before reading; the real command runs in a child
  with a timeout, so a regression fails instead of hanging the suite.
- Standard output: full (/dev/full) and closed (`>&-`) are one line and exit 2; a reader that
  leaves (`| head -n 1`) ends the command quietly with 141, as Unix tools do.
- Messages name what the user wrote (`--extra min_lr`, `--total-steps`, the mistyped command)
  and never echo a value at length.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from designer.cli import main, write_result
from designer.core.safe_io import MAX_SNIPPET_BYTES, write_atomic
from designer.core.schedule.fileformat import dump_schedule, load_schedule_file
from designer.core.schedule.model import ScheduleError

EXAMPLE = Path(__file__).resolve().parents[2] / "designer" / "examples" / "step-exponential.json"
TIME_LIMIT = 60  # a child that blocks on a FIFO would run forever; this fails it instead


def design(steps: int = 30) -> str:
    return json.dumps({"format": "lr-schedule-designer", "version": 1,
                       "optimizer": {"name": "SGD", "lr": 0.1},
                       "phases": [{"scheduler": "ExponentialLR", "steps": steps,
                                   "params": {"gamma": 0.9999}}]})


def one_line_error(capsys, code: int) -> str:
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err, err
    return err.rstrip("\n")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".lr-designer-"))


def run(args: list[str], env: dict, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "designer", *args], stdout=stdout,
                          stderr=subprocess.PIPE, text=True, env=env, timeout=TIME_LIMIT,
                          check=False)


def assert_one_clean_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 2, result
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    return result.stderr.strip()


# Atomic writes ---------------------------------------------------------------------------

@pytest.fixture
def full_disk(monkeypatch):
    """Every fsync fails as on a full disk: the data never reached it."""
    def no_space(descriptor):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)


@pytest.mark.parametrize("fmt", ["json", "csv", "python"])
def test_export_onto_its_own_input_on_a_full_disk_keeps_it(tmp_path, capsys, full_disk, fmt):
    target = tmp_path / "design.json"
    target.write_bytes(EXAMPLE.read_bytes())
    before = target.read_bytes()
    message = one_line_error(capsys, main(["export", str(target), "--to", fmt, "-o",
                                           str(target)]))
    assert target.read_bytes() == before and leftovers(tmp_path) == []
    assert f"cannot write {target}" in message and "disk is full" in message
    assert "left unchanged" in message


def test_import_onto_an_old_file_on_a_full_disk_keeps_it(tmp_path, capsys, full_disk):
    target = tmp_path / "old.json"
    target.write_text("the user's old design\n")
    message = one_line_error(capsys, main(["import", "--hf", "cosine", "--total-steps", "50",
                                           "--lr", "0.1", "-o", str(target)]))
    assert target.read_text() == "the user's old design\n" and leftovers(tmp_path) == []
    assert "disk is full" in message and "left unchanged" in message


def test_a_failed_new_file_says_nothing_was_written(tmp_path, capsys, full_disk):
    target = tmp_path / "new.csv"
    message = one_line_error(capsys, main(["export", str(EXAMPLE), "--to", "csv", "-o",
                                           str(target)]))
    assert not target.exists() and leftovers(tmp_path) == []
    assert "Nothing was written" in message


def test_write_atomic_takes_text_or_chunks(tmp_path):
    target = tmp_path / "out.csv"
    write_atomic(str(target), "one string\n")
    assert target.read_text() == "one string\n"
    write_atomic(str(target), (f"{i},{i / 10!r}\n" for i in range(1000)))
    assert target.read_text() == "".join(f"{i},{i / 10!r}\n" for i in range(1000))


def test_chunks_that_fail_midway_leave_the_old_file(tmp_path):
    """A streamed CSV whose generator raises after some rows: the old file stays whole."""
    target = tmp_path / "curve.csv"
    target.write_text("old\n")

    def rows():
        yield "step,lr\n"
        yield "0,0.1\n"
        raise ScheduleError("phases[0]", "torch refused it mid-way")

    with pytest.raises(ScheduleError):
        write_atomic(str(target), rows())
    assert target.read_text() == "old\n" and leftovers(tmp_path) == []


def test_a_fifo_target_is_written_into_never_replaced(tmp_path):
    fifo = tmp_path / "out.pipe"
    os.mkfifo(fifo)
    with pytest.raises(OSError) as nobody:  # no reader: refused at once, not blocked
        write_atomic(str(fifo), "x")
    assert nobody.value.errno == errno.ENXIO
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    for _ in range(200):
        try:
            write_atomic(str(fifo), ("a\n", "b\n"))
            break
        except OSError:  # the reader has not opened it yet
            threading.Event().wait(0.01)
    reader.join(10)
    assert received == ["a\nb\n"]
    assert fifo.is_fifo() and leftovers(tmp_path) == []


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 64 kB file system (tmpfs), when this process may mount one."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs",
                             str(mount_point)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=False)


def test_export_on_a_real_full_disk_keeps_the_old_file(tmp_path, tiny_disk, subprocess_env):
    source = tmp_path / "long.json"
    source.write_text(design(20_000))  # its CSV is ~500 kB: it cannot fit on the disk
    old = tiny_disk / "old.csv"
    old.write_text("step,lr\n0,0.1\n")
    result = run(["export", str(source), "--to", "csv", "-o", str(old)], subprocess_env)
    message = assert_one_clean_line(result)
    assert "disk is full" in message and "left unchanged" in message
    assert old.read_text() == "step,lr\n0,0.1\n" and leftovers(tiny_disk) == []
    # And the same export where it fits replaces the file whole.
    fits = tmp_path / "fits.csv"
    assert run(["export", str(source), "--to", "csv", "-o", str(fits)],
               subprocess_env).returncode == 0
    assert len(fits.read_text().splitlines()) == 20_001


# Reads: FIFOs, devices, huge files -------------------------------------------------------

def _fifo(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    os.mkfifo(path)
    return path


def _sparse(tmp_path: Path, name: str, size: int) -> Path:
    path = tmp_path / name
    with open(path, "wb") as out:
        out.truncate(size)  # sparse: no disk used
    return path


READS = {
    "validate-fifo": (["validate"], lambda t: _fifo(t, "p.json"), "it is a named pipe"),
    "export-fifo": (["export"], lambda t: _fifo(t, "p.json"), "it is a named pipe"),
    "import-fifo": (["import"], lambda t: _fifo(t, "p.py"), "it is a named pipe"),
    "validate-device": (["validate"], lambda t: Path("/dev/zero"), "it is a device"),
    "export-device": (["export"], lambda t: Path("/dev/zero"), "it is a device"),
    "import-device": (["import"], lambda t: Path("/dev/zero"), "it is a device"),
    "validate-huge": (["validate"], lambda t: _sparse(t, "h.json", 50 * 2**20), "too large"),
    "import-huge": (["import"], lambda t: _sparse(t, "h.py", 155 * 2**20),
                    f"{155 * 2**20:,} bytes"),
    "import-just-too-big": (["import"], lambda t: _sparse(t, "b.py", MAX_SNIPPET_BYTES + 1),
                            "too large"),
}


@pytest.mark.parametrize("case", list(READS))
def test_reads_refuse_fifos_devices_and_huge_files_at_once(tmp_path, subprocess_env, case):
    command, make, words = READS[case]
    path = make(tmp_path)
    if not path.exists():
        pytest.skip(f"{path} is not available here")
    extra = ["--to", "csv"] if command == ["export"] else []
    message = assert_one_clean_line(run([*command, str(path), *extra], subprocess_env))
    assert message.startswith(f"{path}: ") and words in message


def test_a_snippet_at_the_limit_is_read(tmp_path, capsys):
    snippet = tmp_path / "train.py"
    code = ("import torch\nscheduler = torch.optim.lr_scheduler.StepLR(optimizer, "
            "step_size=3)\n")
    snippet.write_text(code + "#" * (MAX_SNIPPET_BYTES - len(code) - 1) + "\n")
    assert snippet.stat().st_size == MAX_SNIPPET_BYTES
    assert main(["import", str(snippet), "--total-steps", "9"]) == 0
    assert json.loads(capsys.readouterr().out)["phases"][0]["scheduler"] == "StepLR"


# Standard output -------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["validate", str(EXAMPLE)],
                                  ["export", str(EXAMPLE), "--to", "csv"],
                                  ["import", "--hf", "cosine", "--total-steps", "9", "--lr", "1"],
                                  ["--version"]])
def test_a_full_stdout_is_one_line(subprocess_env, args):
    with open("/dev/full", "w") as full:
        result = run(args, subprocess_env, stdout=full)
    message = assert_one_clean_line(result)
    assert "cannot write the result to standard output" in message


@pytest.mark.parametrize("args", [["validate", str(EXAMPLE)],
                                  ["export", str(EXAMPLE), "--to", "csv"]])
def test_a_closed_stdout_is_one_line(subprocess_env, args):
    script = '"$PY" -m designer "$@" >&-'
    result = subprocess.run(["bash", "-c", script, "bash", *args], capture_output=True,
                            text=True, env=dict(subprocess_env, PY=sys.executable),
                            timeout=TIME_LIMIT, check=False)
    message = assert_one_clean_line(result)
    assert "standard output is closed" in message


def test_a_reader_that_leaves_ends_the_export_quietly(tmp_path, subprocess_env):
    source = tmp_path / "long.json"
    source.write_text(design(200_000))  # ~5 MB of CSV: far more than a pipe holds
    script = '"$PY" -m designer export "$1" --to csv | head -n 1; echo "status=${PIPESTATUS[0]}"'
    result = subprocess.run(["bash", "-c", script, "bash", str(source)], capture_output=True,
                            text=True, env=dict(subprocess_env, PY=sys.executable),
                            timeout=TIME_LIMIT, check=False)
    assert result.stdout.splitlines() == ["step,lr", "status=141"]
    assert result.stderr == ""  # no traceback, no "Exception ignored" at exit


def test_stdout_takes_chunks(capsysbinary):
    write_result(iter(["step,lr\n", "0,0.1\n", "1,✓\n"]))
    assert capsysbinary.readouterr().out == "step,lr\n0,0.1\n1,✓\n".encode()


# Messages --------------------------------------------------------------------------------

def test_an_overflowing_extra_names_the_extra(capsys):
    message = one_line_error(capsys, main([
        "import", "--hf", "cosine_with_min_lr", "--warmup-steps", "10", "--total-steps", "100",
        "--lr", "1e-3", "--extra", "min_lr=1e308"]))
    assert "--extra min_lr: must be a finite number" in message
    assert "lr_lambda" not in message and "'inf'" not in message


def test_a_formula_failing_names_the_arguments_not_a_lambda(capsys):
    message = one_line_error(capsys, main([
        "import", "--hf", "cosine", "--total-steps", "100", "--lr", "0.1",
        "--extra", "num_cycles=1e308"]))
    assert "--extra num_cycles=1e308" in message and "lr_lambda" not in message


def test_a_number_for_metric_is_accepted(tmp_path, capsys):
    target = tmp_path / "plateau.json"
    assert main(["import", "--hf", "reduce_lr_on_plateau", "--total-steps", "1000", "--lr",
                 "1e-3", "--extra", "metric=1", "-o", str(target)]) == 0
    assert capsys.readouterr() == ("", "")
    assert load_schedule_file(str(target)).phases[0].params["metric"] == "1"


@pytest.mark.parametrize("args, words", [
    (["--hf", "cosine", "--total-steps", "-1", "--lr", "0.1"],
     "--total-steps: must be a positive integer"),
    (["--hf", "cosine", "--total-steps", "0", "--lr", "0.1"],
     "--total-steps: must be a positive integer"),
    (["--hf", "cosine", "--total-steps", "10", "--warmup-steps", "-1", "--lr", "0.1"],
     "--warmup-steps: must be an integer >= 0"),
    (["snippet.py", "--total-steps", "-5"], "--total-steps: must be a positive integer"),
    (["--hf", "cosine", "--total-steps", "9" * 5000, "--lr", "0.1"], "…"),
])
def test_step_counts_are_checked(capsys, args, words):
    with pytest.raises(SystemExit) as info:
        main(["import", *args])
    message = one_line_error(capsys, info.value.code)
    assert message.startswith("lr-designer import: ") and words in message
    assert len(message) < 200


def test_an_unknown_command_suggests_the_close_one(capsys):
    message = one_line_error(capsys, main(["valdate", "x.json"]))
    assert message == ("lr-designer: unknown command 'valdate' (did you mean 'validate'?); "
                       "commands: validate, export, import, check-run; to open a file, give "
                       "its path")
    message = one_line_error(capsys, main(["z" * 10_000]))
    assert "did you mean" not in message and len(message) < 200


@pytest.mark.parametrize("args, words", [
    (["validate", ""], "lr-designer validate: no file given"),
    (["export", "", "--to", "csv"], "lr-designer export: no file given"),
    (["import", ""], "lr-designer import: no file given"),
    (["export", str(EXAMPLE), "--to", "csv", "-o", ""], "lr-designer export: -o: no file given"),
    ([""], "lr-designer: no file given"),
])
def test_an_empty_file_name_says_so(capsys, args, words):
    assert one_line_error(capsys, main(args)).startswith(words)


def test_a_huge_version_is_not_echoed_in_full(tmp_path, capsys):
    path = tmp_path / "future.json"
    path.write_text('{"format": "lr-schedule-designer", "version": 1' + "0" * 3999 + "}")
    message = one_line_error(capsys, main(["validate", str(path)]))
    assert "version: this file has format version 1000" in message
    assert "…" in message and len(message) < 300


def test_the_window_reads_and_writes_through_the_same_functions():
    """One home: the window's Save and Open are the CLI's (checked in a child, as importing
    Qt here would be out of place in tests/core)."""
    script = ("import designer.ui.files.files as f, designer.core.safe_io as s\n"
              "assert f.write_atomic is s.write_atomic\n"
              "assert f.read_schedule_file is s.read_schedule_file\n"
              "assert not hasattr(f, 'MAX_SNIPPET_BYTES')\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
                            timeout=TIME_LIMIT, check=False)
    assert result.returncode == 0, result.stderr


def test_a_normal_export_still_equals_its_dump(tmp_path, capsys):
    target = tmp_path / "same.json"
    target.write_bytes(EXAMPLE.read_bytes())
    assert main(["export", str(target), "--to", "json", "-o", str(target)]) == 0
    assert target.read_text() == dump_schedule(load_schedule_file(str(EXAMPLE)))
