"""Where an unpacked app keeps its parts on each OS, and the environment it is run with.

The smoke test (package_test.py) is the same on Linux, macOS and Windows; what differs is here:

| OS | archive (build_app.py) | top folder | command line | window | designer/ data |
|---|---|---|---|---|---|
| Linux | .tar.gz | lr-designer-<v>/ | lr-designer | the same | _internal/ |
| macOS | .zip (ditto) | LR Schedule Designer.app/ | Contents/MacOS/lr-designer | the same | Contents/Frameworks/ |
| Windows | .zip | lr-designer-<v>\\ | lr-designer-cli.exe | lr-designer.exe (no console) | _internal\\ |
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from build_app import NAME

IS_LINUX = sys.platform.startswith("linux")
IS_MAC = sys.platform == "darwin"
IS_WINDOWS = sys.platform == "win32"


@dataclass(frozen=True)
class FrozenApp:
    top: Path       # the unpacked top folder (the .app on macOS)
    cli: Path       # runs `validate`, `export`, `--version`
    window: Path    # opens the window
    internal: Path  # PyInstaller's sys._MEIPASS: designer/resources/ and designer/examples/ in it


def locate(top: Path) -> FrozenApp:
    if IS_MAC:
        contents = top / "Contents"
        exe = contents / "MacOS" / NAME
        # PyInstaller puts data in Contents/Resources and links it from Contents/Frameworks
        # (sys._MEIPASS); either holds designer/ as the app sees it.
        internal = next((folder for folder in (contents / "Frameworks", contents / "Resources")
                         if (folder / "designer" / "resources").is_dir()),
                        contents / "Frameworks")
        return FrozenApp(top, exe, exe, internal)
    if IS_WINDOWS:
        return FrozenApp(top, top / f"{NAME}-cli.exe", top / f"{NAME}.exe", top / "_internal")
    return FrozenApp(top, top / NAME, top / NAME, top / "_internal")


def unpack(archive: Path, into: Path) -> Path:
    """Unpack the archive into `into`; its one top folder."""
    into.mkdir(parents=True, exist_ok=True)
    if archive.name.endswith(".tar.gz"):
        with tarfile.open(archive) as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(into, filter="data")
            else:  # Python < 3.11.4
                tar.extractall(into)
    elif IS_MAC:
        # ditto keeps the .app's symlinks, permissions and extended attributes (zipfile does
        # not, and codesign then refuses the app).
        subprocess.run(["ditto", "-x", "-k", str(archive), str(into)], check=True)
    else:
        with zipfile.ZipFile(archive) as zipped:
            zipped.extractall(into)
    tops = [path for path in into.iterdir() if path.is_dir()]
    if len(tops) != 1:
        raise SystemExit(f"{archive.name}: expected one top folder, found {tops}")
    return tops[0]


def clean_env(home: Path) -> dict[str, str]:
    """What a desktop session gives a downloaded app: no virtualenv, no Python variables,
    a fresh home (settings, autosaves and the curve cache go there), offscreen Qt."""
    # C.UTF-8 is glibc's; every Mac has en_US.UTF-8.
    env = {"LANG": "en_US.UTF-8" if IS_MAC else "C.UTF-8", "QT_QPA_PLATFORM": "offscreen"}
    if IS_WINDOWS:
        system_root = os.environ.get("SYSTEMROOT", r"C:\Windows")
        for folder in ("AppData/Local", "AppData/Roaming", "Temp"):
            (home / folder).mkdir(parents=True, exist_ok=True)
        env.update({"USERPROFILE": str(home), "HOME": str(home),
                    "LOCALAPPDATA": str(home / "AppData" / "Local"),
                    "APPDATA": str(home / "AppData" / "Roaming"),
                    "TEMP": str(home / "Temp"), "TMP": str(home / "Temp"),
                    "SYSTEMROOT": system_root, "WINDIR": system_root,
                    "PATH": os.pathsep.join([rf"{system_root}\System32", system_root])})
        return env
    home.mkdir(parents=True, exist_ok=True)
    env.update({"HOME": str(home), "PATH": "/usr/local/bin:/usr/bin:/bin"})
    if IS_LINUX:
        runtime = home / "runtime"
        runtime.mkdir(mode=0o700, exist_ok=True)
        env["XDG_RUNTIME_DIR"] = str(runtime)
    return env


def cache_folder(env: dict[str, str]) -> Path:
    """Where the app run with `env` keeps its curve cache (the app's own rule, read from the
    source install: core/curves/disk_cache.default_folder)."""
    from designer.core.curves.disk_cache import default_folder

    with mock.patch.dict(os.environ, env, clear=True):
        return default_folder()


def popen_group() -> dict:
    """Popen arguments that start the app in a process group of its own, so that stopping it
    stops its curve worker too (see frozen_runs.stop)."""
    if IS_WINDOWS:
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}
