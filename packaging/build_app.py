"""Build the packaged app: `python packaging/build_app.py` (what `make package` runs).

Runs PyInstaller on packaging/lr-designer.spec (one-folder build in dist/lr-designer/), then
packs dist/lr-designer-<version>-<os>-<arch>.tar.gz whose top folder is lr-designer-<version>/;
on Windows the same as a .zip, on macOS a .zip of dist/LR Schedule Designer.app made with
ditto (which keeps the app's symlinks and signatures). Prints the sizes. Use the Python of the environment the app
runs in (the project's .venv): PyInstaller bundles that interpreter and its packages.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "lr-designer"
MAC_APP = "LR Schedule Designer.app"  # the spec's BUNDLE name


def version() -> str:
    text = (ROOT / "designer" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'__version__ = "([^"]+)"', text).group(1)


def platform_tag() -> str:
    system = {"darwin": "macos", "win32": "windows"}.get(sys.platform, platform.system().lower())
    machine = platform.machine().lower()
    return f"{system}-{ {'amd64': 'x86_64', 'aarch64': 'arm64'}.get(machine, machine)}"


def archive_path(dist: Path) -> Path:
    suffix = ".zip" if sys.platform in ("win32", "darwin") else ".tar.gz"
    return dist / f"{NAME}-{version()}-{platform_tag()}{suffix}"


def app_path(dist: Path) -> Path:
    """What the archive holds: the .app on macOS, the one-folder app elsewhere."""
    return dist / (MAC_APP if sys.platform == "darwin" else NAME)


def tree_size(folder: Path) -> int:
    """Bytes of every file, symlinks counted as links (what unpacking the archive takes)."""
    return sum(path.lstat().st_size for path in folder.rglob("*") if not path.is_dir()
               or path.is_symlink())


def build(dist: Path, work: Path) -> None:
    command = [sys.executable, "-m", "PyInstaller", str(ROOT / "packaging" / "lr-designer.spec"),
               "--distpath", str(dist), "--workpath", str(work), "--noconfirm",
               "--log-level", "WARN"]
    print("+", " ".join(command), flush=True)
    subprocess.run(command, cwd=ROOT, check=True)


def pack(folder: Path, out: Path) -> None:
    top = f"{NAME}-{version()}"
    out.unlink(missing_ok=True)
    if folder.suffix == ".app":
        subprocess.run(["ditto", "-c", "-k", "--keepParent", str(folder), str(out)], check=True)
        return
    if out.suffix == ".zip":
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zipped:
            for path in sorted(folder.rglob("*")):
                zipped.write(path, Path(top, path.relative_to(folder)))
        return
    # Symlinks stay links (PyInstaller links Qt's libraries into _internal/); level 6 packs
    # within a percent of level 9 in a fraction of the time.
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(folder, arcname=top, filter=_normalize)


def _normalize(info: tarfile.TarInfo) -> tarfile.TarInfo:
    """No build machine user names in the archive."""
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=str(ROOT / "dist"), help="output folder (dist/)")
    parser.add_argument("--work", default=str(ROOT / "build" / "pyinstaller"),
                        help="PyInstaller's work folder")
    parser.add_argument("--skip-build", action="store_true",
                        help="only pack an existing dist/lr-designer/")
    parser.add_argument("--print-version", action="store_true",
                        help="print the version the archive is named with, and stop")
    options = parser.parse_args(argv)
    if options.print_version:
        print(version())
        return 0
    dist = Path(options.dist).resolve()
    folder = app_path(dist)
    started = time.monotonic()
    if not options.skip_build:
        build(dist, Path(options.work).resolve())
    executable = dist / NAME / (NAME + (".exe" if sys.platform == "win32" else ""))
    if not executable.exists() or not folder.is_dir():
        print(f"build_app.py: no app in {folder}", file=sys.stderr)
        return 1
    out = archive_path(dist)
    pack(folder, out)
    print(f"{folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder}: "
          f"{tree_size(folder) / 2**20:.1f} MiB unpacked")
    print(f"{out.name}: {os.path.getsize(out) / 2**20:.1f} MiB "
          f"(built in {time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
