"""`lr-designer validate|export|--version`: exit codes, one-line errors, exact outputs.

Most cases call `designer.cli.main` in-process (torch is imported once); a few run the real
command in a fresh interpreter to prove the entry points and the no-traceback promise.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer import __version__
from designer.cli import main
from designer.core.curves.engine import compute_curve
from designer.core.schedule.fileformat import load_schedule, load_schedule_file


def _design(*phases: dict) -> str:
    return json.dumps({"format": "lr-schedule-designer", "version": 1,
                       "optimizer": {"name": "SGD", "lr": 0.1}, "phases": list(phases)})


STEP = {"scheduler": "StepLR", "steps": 3, "params": {"step_size": 1}}
BAD_FILES = {
    "gamma.json": (_design(STEP, {"scheduler": "ExponentialLR", "steps": 3,
                                  "params": {"gamma": 0}}),
                   "phases[1].params.gamma: must be a finite number > 0"),
    "newer.json": ('{"format": "lr-schedule-designer", "version": 6}', "version: "),
    "binary.json": (b"\x89PNG\r\n\x1a\n\x00\xff", "not UTF-8"),
    "empty.json": ("", "empty"),
    "lambda.json": (_design({"scheduler": "LambdaLR", "steps": 9,
                             "params": {"lr_lambda": "1 / (step - 4)"}}),
                    "phases[0].params.lr_lambda: division by zero at step 4"),
    "attack.json": (_design({"scheduler": "LambdaLR", "steps": 9,
                             "params": {"lr_lambda": "__import__('os').system('echo pwned')"}}),
                    "phases[0].params.lr_lambda: "),
    "key\nwith newline.json": ('{"format": "lr-schedule-designer", "version": 1, "x\\ny": 1}',
                               'x\\ny'),
}


def write(tmp_path, name: str, content: str | bytes):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def one_line_error(capsys, code: int) -> str:
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, repr(err)
    assert "Traceback" not in err
    return err.rstrip("\n")


def test_validate_examples(example_files, capsys):
    assert len(example_files) >= 5
    for path in example_files:
        assert main(["validate", str(path)]) == 0
        assert capsys.readouterr() == ("ok\n", "")


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_validate_bad_files(tmp_path, capsys, name):
    content, expected = BAD_FILES[name]
    path = write(tmp_path, name, content)
    message = one_line_error(capsys, main(["validate", str(path)]))
    assert expected in message
    # The same message for export, whatever the format.
    for fmt in ("python", "json", "csv"):
        assert one_line_error(capsys, main(["export", str(path), "--to", fmt])) == message


def test_validate_missing_file(tmp_path, capsys):
    message = one_line_error(capsys, main(["validate", str(tmp_path / "nope.json")]))
    assert "cannot read" in message and "nope.json" in message


@pytest.mark.parametrize("argv", [
    ["frobnicate"],
    ["validate"],
    ["export", "x.json"],
    ["export", "x.json", "--to", "xml"],
    ["validate", "a.json", "--bogus"],
    ["missing-file.json"],
])
def test_usage_errors_are_one_line(capsys, argv):
    with pytest.raises(SystemExit) as info:
        code = main(argv)
        raise SystemExit(code)
    message = one_line_error(capsys, info.value.code)
    assert message.startswith("lr-designer")


def test_unknown_command_says_so(capsys):
    message = one_line_error(capsys, main(["frobnicate"]))
    assert "unknown command 'frobnicate'" in message and "validate, export" in message


def test_export_formats_to_stdout_and_file(example_files, tmp_path, capsys):
    path = next(p for p in example_files if p.name == "step-exponential.json")
    schedule = load_schedule_file(str(path))
    curve = compute_curve(schedule)
    outputs = {}
    for fmt in ("python", "json", "csv"):
        assert main(["export", str(path), "--to", fmt]) == 0
        outputs[fmt], err = capsys.readouterr()
        assert err == ""
        target = tmp_path / f"out.{fmt}"
        assert main(["export", str(path), "--to", fmt, "-o", str(target)]) == 0
        assert capsys.readouterr() == ("", "")
        assert target.read_text(encoding="utf-8") == outputs[fmt]
    rows = list(csv.reader(io.StringIO(outputs["csv"])))
    assert rows[0] == ["step", "lr"]
    assert rows[1:] == [[str(i), repr(lr)] for i, lr in enumerate(curve.tolist())]
    assert rows[21] == ["20", "0.0125"]  # the StepLR -> ExponentialLR (continue) seed case
    assert load_schedule(outputs["json"]) == schedule
    assert "def build_scheduler(optimizer):" in outputs["python"]


def test_json_export_round_trips(example_files, tmp_path, capsys):
    for path in example_files:
        assert main(["export", str(path), "--to", "json"]) == 0
        first = capsys.readouterr().out
        again = write(tmp_path, "again.json", first)
        assert main(["export", str(again), "--to", "json"]) == 0
        assert capsys.readouterr().out == first
        assert load_schedule(first) == load_schedule_file(str(path))


def test_examples_each_export(example_files, capsys):
    for path in example_files:
        for fmt in ("python", "csv"):
            assert main(["export", str(path), "--to", fmt]) == 0
            out, err = capsys.readouterr()
            assert out and err == ""


def test_unwritable_output_is_one_line(example_files, tmp_path, capsys):
    target = tmp_path / "no-such-dir" / "out.csv"
    message = one_line_error(capsys, main(["export", str(example_files[0]), "--to", "csv",
                                           "-o", str(target)]))
    assert "cannot write" in message


def test_unicode_names_export_as_utf8(tmp_path, capfdbinary):
    name = "Warm-up ✓ 日本語 \u2028 line"
    document = {"format": "lr-schedule-designer", "version": 1, "name": name,
                "optimizer": {"name": "SGD", "lr": 0.1},
                "phases": [{"scheduler": "StepLR", "steps": 2, "params": {"step_size": 1}}]}
    path = write(tmp_path, "named.json", json.dumps(document, ensure_ascii=False))
    assert main(["export", str(path), "--to", "json"]) == 0
    out = capfdbinary.readouterr().out
    assert load_schedule(out).name == name


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.binary(max_size=300) | st.text(max_size=200).map(str.encode))
def test_random_bytes_never_traceback(tmp_path_factory, data):
    """In-process, so hypothesis can run many inputs: every one is ok or one clean line."""
    path = tmp_path_factory.mktemp("fuzz") / "input.json"
    path.write_bytes(data)
    out = io.StringIO()
    err = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["validate", str(path)])
    if code == 0:
        assert out.getvalue() == "ok\n"
    else:
        assert code == 2 and err.getvalue().count("\n") == 1


# The real commands, in fresh interpreters ---------------------------------------------------------

def test_version(python, subprocess_env):
    script = Path(python).with_name("lr-designer")  # the installed console script
    commands = [[python, "-m", "designer", "--version"]]
    commands += [[str(script), "--version"]] if script.exists() else []
    for command in commands:
        result = subprocess.run(command, capture_output=True, text=True, env=subprocess_env,
                                timeout=60, check=False)
        assert result.returncode == 0, result.stderr
        assert result.stdout == f"lr-designer {__version__}\n"


def test_real_commands(tmp_path, python, subprocess_env, example_files):
    """validate ok, validate bad (one line, no traceback), export csv -o, in one shell."""
    bad = write(tmp_path, "bad.json", BAD_FILES["gamma.json"][0])
    garbage = write(tmp_path, "garbage.json", bytes(range(256)) * 4)
    out = tmp_path / "curve.csv"
    example = str(next(p for p in example_files if p.name == "step-exponential.json"))
    script = (
        f'"$PY" -m designer validate "{example}"; echo "rc=$?"\n'
        f'"$PY" -m designer validate "{bad}"; echo "rc=$?"\n'
        f'"$PY" -m designer validate "{garbage}"; echo "rc=$?"\n'
        f'"$PY" -m designer export "{example}" --to csv -o "{out}"; echo "rc=$?"\n'
    )
    result = subprocess.run(["sh", "-c", script], capture_output=True, text=True,
                            env=dict(subprocess_env, PY=python), timeout=120, check=False)
    assert result.stdout.splitlines() == ["ok", "rc=0", "rc=2", "rc=2", "rc=0"]
    errors = result.stderr.splitlines()
    assert len(errors) == 2, result.stderr
    assert errors[0] == f"{bad}: phases[1].params.gamma: must be a finite number > 0"
    assert errors[1].startswith(f"{garbage}: ") and "Traceback" not in result.stderr
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[0] == "step,lr" and len(rows) == 31
