"""install-linux.sh / uninstall-linux.sh on a stand-in app folder, in a throwaway HOME."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
SCRIPTS = ("install-linux.sh", "uninstall-linux.sh")
SIZES = ("16x16", "24x24", "32x32", "48x48", "64x64", "128x128", "256x256", "512x512")

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


@pytest.mark.parametrize("name", SCRIPTS)
def test_scripts_are_strict_executable_bash(name):
    script = PACKAGING / name
    text = script.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "\nset -euo pipefail\n" in text
    assert os.access(script, os.X_OK)
    subprocess.run(["bash", "-n", str(script)], check=True)  # parses


@pytest.fixture
def unpacked(tmp_path) -> Path:
    """What the tarball unpacks to, with a shell script standing in for the frozen app."""
    app = tmp_path / "download" / "lr-designer-0.1.0"
    (app / "_internal").mkdir(parents=True)
    exe = app / "lr-designer"
    exe.write_text("#!/bin/sh\necho frozen \"$@\"\n")
    exe.chmod(0o755)
    share = app / "share"
    shutil.copytree(REPO / "resources" / "icons", share / "icons")
    (share / "applications").mkdir()
    shutil.copy(REPO / "resources" / "lr-designer.desktop", share / "applications")
    (share / "mime" / "packages").mkdir(parents=True)
    shutil.copy(REPO / "resources" / "lr-designer-mime.xml", share / "mime" / "packages")
    for name in SCRIPTS:
        shutil.copy2(PACKAGING / name, app / name)
    return app


@pytest.fixture
def home(tmp_path) -> Path:
    path = tmp_path / "home with space"
    path.mkdir()
    return path


def run(script: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"HOME": str(home), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    return subprocess.run(["bash", str(script), *args], env=env, capture_output=True,
                          text=True, check=False)


def test_install_then_uninstall(unpacked, home):
    data = home / ".local" / "share"
    result = run(unpacked / "install-linux.sh", home)
    assert result.returncode == 0, result.stderr
    app = data / "lr-designer"
    command = home / ".local" / "bin" / "lr-designer"
    assert (app / "lr-designer").is_file() and (app / "_internal").is_dir()
    assert command.is_symlink() and command.resolve() == (app / "lr-designer").resolve()
    assert subprocess.run([str(command), "x.json"], capture_output=True, text=True,
                          check=True).stdout == "frozen x.json\n"
    desktop = (data / "applications" / "lr-designer.desktop").read_text()
    # The menu entry runs the installed app by absolute path, quoted (the HOME has a space).
    assert f'Exec="{app}/lr-designer" %f\n' in desktop
    assert f"TryExec={app}/lr-designer\n" in desktop
    assert "Icon=lr-designer\n" in desktop
    for size in SIZES:
        assert (data / "icons" / "hicolor" / size / "apps" / "lr-designer.png").is_file()
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / "lr-designer.svg").is_file()
    assert (data / "mime" / "packages" / "lr-designer-mime.xml").is_file()
    if shutil.which("update-mime-database"):
        assert "application/x-lr-schedule" in (data / "mime" / "types").read_text()
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(data / "applications" / "lr-designer.desktop")],
                       check=True)

    # What `xdg-mime default` (run by the installer where it exists) leaves in mimeapps.list.
    mimeapps = home / ".config" / "mimeapps.list"
    mimeapps.parent.mkdir(parents=True, exist_ok=True)
    mimeapps.write_text("[Default Applications]\n"
                        "application/x-lr-schedule=lr-designer.desktop\n"
                        "text/plain=editor.desktop\n")

    result = run(app / "uninstall-linux.sh", home)
    assert result.returncode == 0, result.stderr
    assert "Uninstalled" in result.stdout
    assert mimeapps.read_text() == "[Default Applications]\ntext/plain=editor.desktop\n"
    assert not app.exists() and not command.is_symlink()
    assert not (data / "applications" / "lr-designer.desktop").exists()
    assert not list(data.glob("icons/hicolor/*/apps/lr-designer.*"))
    assert not (data / "mime" / "packages" / "lr-designer-mime.xml").exists()
    if (data / "mime" / "types").exists():
        assert "application/x-lr-schedule" not in (data / "mime" / "types").read_text()

    again = run(unpacked / "uninstall-linux.sh", home)
    assert again.returncode == 0 and "nothing to do" in again.stdout


def test_reinstall_replaces_the_previous_version(unpacked, home):
    assert run(unpacked / "install-linux.sh", home).returncode == 0
    (unpacked / "lr-designer").write_text("#!/bin/sh\necho newer\n")
    assert run(unpacked / "install-linux.sh", home).returncode == 0
    installed = home / ".local" / "share" / "lr-designer"
    assert (installed / "lr-designer").read_text() == "#!/bin/sh\necho newer\n"
    assert not (home / ".local" / "share" / "lr-designer.installing").exists()


def test_install_never_replaces_a_folder_it_did_not_create(unpacked, home):
    foreign = home / ".local" / "share" / "lr-designer"
    foreign.mkdir(parents=True)
    (foreign / "notes.txt").write_text("mine")
    result = run(unpacked / "install-linux.sh", home)
    assert result.returncode != 0 and "not an lr-designer install" in result.stderr
    assert (foreign / "notes.txt").read_text() == "mine"
    result = run(unpacked / "uninstall-linux.sh", home)
    assert result.returncode != 0 and (foreign / "notes.txt").exists()


def test_install_outside_the_app_folder_refuses(tmp_path, home):
    script = tmp_path / "install-linux.sh"
    shutil.copy2(PACKAGING / "install-linux.sh", script)
    result = run(script, home)
    assert result.returncode != 0 and "unpacked lr-designer folder" in result.stderr
    assert not (home / ".local").exists()


@pytest.mark.parametrize("name", SCRIPTS)
def test_help_and_unknown_options(name, home):
    assert run(PACKAGING / name, home, "--help").returncode == 0
    result = run(PACKAGING / name, home, "--bogus")
    assert result.returncode != 0 and "unknown option" in result.stderr
