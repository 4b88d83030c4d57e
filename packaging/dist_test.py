"""Test the built wheel as a user gets it: `python packaging/dist_test.py` (`make dist-test`).

Makes a fresh virtualenv in a temporary folder, installs torch there first and pinned
(packaging/torch-pin.txt, as `make install` does, so pip never pulls a CUDA build), then
dist/lr_schedule_designer-<version>-py3-none-any.whl (`make dist`) and what it depends on.
From a working folder outside the checkout, with no PYTHONPATH and a fresh HOME:

- the package is imported from the new virtualenv, not from the checkout;
- `lr-designer --version` prints the version;
- `validate` of an example design the wheel ships (designer/examples/) prints ok;
- `export --to python` of it: the module, run by the new virtualenv's Python, prints the
  same lrs as `export --to csv`, and its header names the version;
- `python -m designer.ui.screenshot OUT.png DESIGN` opens the window offscreen and saves a
  picture of it, which must be window-sized and show more than a blank window.

A file missing from the wheel fails one of these. Exits 0 only if all held.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import venv
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_app import ROOT, version
from frozen_runs import Checks, png_size, run, tail

TORCH_PIN = ROOT / "packaging" / "torch-pin.txt"
EXAMPLE = "warmup-stable-decay.json"  # a preset the wheel ships: File > New from preset
INSTALL_TIMEOUT_S = 1800


def wheel_path(dist: Path) -> Path:
    return dist / f"lr_schedule_designer-{version()}-py3-none-any.whl"


def venv_python(folder: Path) -> Path:
    scripts = folder / ("Scripts" if sys.platform == "win32" else "bin")
    return scripts / ("python.exe" if sys.platform == "win32" else "python")


def script_path(python: Path, name: str) -> Path:
    return python.with_name(name + (".exe" if sys.platform == "win32" else ""))


def install(folder: Path, wheel: Path, torch_index: str | None) -> Path:
    """A fresh virtualenv with torch (pinned, first) and the wheel; its Python."""
    started = time.monotonic()
    venv.EnvBuilder(with_pip=True, clear=True).create(folder)
    python = venv_python(folder)
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    index = ["--index-url", torch_index] if torch_index else []
    for command in ([*pip, "--upgrade", "pip"], [*pip, "-r", str(TORCH_PIN), *index],
                    [*pip, str(wheel)]):
        print("+", " ".join(command[2:]), flush=True)
        subprocess.run(command, check=True, timeout=INSTALL_TIMEOUT_S)
    print(f"installed in {time.monotonic() - started:.0f} s")
    return python


def user_env(home: Path) -> dict[str, str]:
    """The machine's environment minus anything pointing at the checkout or another Python,
    with a fresh HOME (settings, autosaves and the curve cache go there)."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("PYTHON") and key not in ("VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV")}
    for key in ("HOME", "USERPROFILE", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        env.pop(key, None)
    home.mkdir(parents=True, exist_ok=True)
    env["HOME" if sys.platform != "win32" else "USERPROFILE"] = str(home)
    env["LR_DESIGNER_CACHE_DIR"] = str(home / "curve-cache")
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def where_installed(checks: Checks, python: Path, env: dict[str, str], work: Path) -> Path | None:
    """The installed package's folder, checked to be the new virtualenv's."""
    code = "import designer, pathlib; print(pathlib.Path(designer.__file__).resolve().parent)"
    result = run([str(python), "-c", code], env, work)
    folder = Path(result.stdout.decode().strip()) if result.returncode == 0 else None
    venv_root = python.parent.parent.resolve()
    checks.check(folder is not None and folder.is_relative_to(venv_root),
                 f"designer is imported from the new virtualenv ({folder})",
                 tail(result.stderr) or f"not under {venv_root}")
    return folder


def cli_checks(checks: Checks, python: Path, env: dict[str, str], work: Path) -> None:
    command = str(script_path(python, "lr-designer"))
    result = run([command, "--version"], env, work)
    checks.check(result.stdout == f"lr-designer {version()}\n".encode() and not result.stderr,
                 f"lr-designer --version -> {result.stdout.decode().strip()!r}",
                 tail(result.stderr))
    result = run([command, "validate", EXAMPLE], env, work)
    checks.check(result.returncode == 0 and result.stdout == b"ok\n",
                 f"lr-designer validate {EXAMPLE} -> ok", tail(result.stdout + result.stderr))
    module = work / "schedule.py"
    result = run([command, "export", EXAMPLE, "--to", "python", "-o", module.name], env, work)
    if not checks.check(result.returncode == 0 and module.is_file(),
                        f"lr-designer export {EXAMPLE} --to python", tail(result.stderr)):
        return
    header = module.read_text(encoding="utf-8").splitlines()[:3]
    checks.check(any(f"LR Schedule Designer {version()}" in line for line in header),
                 "the exported module's header names the version", " | ".join(header))
    printed = run([str(python), module.name], env, work)
    csv = run([command, "export", EXAMPLE, "--to", "csv"], env, work)
    lrs = [line.split(",")[1] for line in csv.stdout.decode().splitlines()[1:]]
    checks.check(printed.returncode == 0 and printed.stdout.decode().split() == lrs
                 and len(lrs) > 0,
                 f"the exported module prints the CSV's curve ({len(lrs)} steps)",
                 tail(printed.stderr + csv.stderr))


def window_checks(checks: Checks, python: Path, env: dict[str, str], work: Path,
                  out: Path) -> None:
    out.unlink(missing_ok=True)
    started = time.monotonic()
    result = run([str(python), "-m", "designer.ui.screenshot", str(out), EXAMPLE], env, work)
    seconds = time.monotonic() - started
    size = png_size(out)
    if not checks.check(result.returncode == 0 and size is not None
                        and size[0] >= 800 and size[1] >= 500,
                        f"the window offscreen, screenshot {out.name} {size} ({seconds:.1f} s)",
                        f"exit status {result.returncode}: {tail(result.stdout + result.stderr)}"):
        return
    # A blank or black window has a handful of colours; the curve, its phase shading, the
    # palette's thumbnails and the highlighted code have thousands.
    count = run([str(python), "-c", COUNT_COLOURS, str(out)], env, work)
    colours = int(count.stdout) if count.returncode == 0 and count.stdout.strip() else 0
    checks.check(colours >= 200, f"the screenshot shows the window's content ({colours} colours)",
                 tail(count.stderr) or "too few colours: a blank window?")


COUNT_COLOURS = """\
import sys
from PySide6.QtGui import QImage
image = QImage(sys.argv[1])
print(len({image.pixel(x, y) for y in range(0, image.height(), 2)
           for x in range(0, image.width(), 2)}))
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", help="the wheel (default: the one `make dist` builds)")
    parser.add_argument("--torch-index", help="the index torch comes from (default: pip's "
                        "configuration); on Linux CI the CPU wheels' index")
    parser.add_argument("--out", default=str(ROOT / "build"),
                        help="where the screenshot goes (build/)")
    options = parser.parse_args(argv)
    wheel = Path(options.wheel).resolve() if options.wheel else wheel_path(ROOT / "dist")
    if not wheel.is_file():
        print(f"dist_test.py: no {wheel}; run `make dist` first", file=sys.stderr)
        return 2
    checks = Checks()
    with tempfile.TemporaryDirectory(prefix="lr-designer-dist-test-") as temp:
        temp = Path(temp)
        python = install(temp / "venv", wheel, options.torch_index)
        env = user_env(temp / "home")
        work = temp / "work"
        work.mkdir()
        print(f"{wheel.name}, from {work}:")
        package = where_installed(checks, python, env, work)
        shipped = package / "examples" / EXAMPLE if package else None
        if checks.check(shipped is not None and shipped.is_file(),
                        f"the wheel ships designer/examples/{EXAMPLE}"):
            (work / EXAMPLE).write_bytes(shipped.read_bytes())
            cli_checks(checks, python, env, work)
            out_dir = Path(options.out).resolve()
            out_dir.mkdir(parents=True, exist_ok=True)
            window_checks(checks, python, env, work, out_dir / "dist-test-window.png")
    return checks.summary("dist test")


if __name__ == "__main__":
    raise SystemExit(main())
