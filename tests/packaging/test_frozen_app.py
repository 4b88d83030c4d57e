"""The smoke test's per-OS parts, on small stand-ins for the app: what build_app.py packs is
what frozen_app.py unpacks and finds (on Linux, and the Windows and macOS layouts with the
OS flags set), and the environment the app gets holds nothing of this one."""

from __future__ import annotations

import ast
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "packaging"))

import build_app
import frozen_app


def fake_app(folder: Path, executables: list[str]) -> Path:
    data = folder / "_internal" / "designer" / "resources"
    data.mkdir(parents=True)
    (data / "palette.json").write_text("{}")
    for name in executables:
        (folder / name).write_bytes(b"\x7fELF stand-in")
        (folder / name).chmod(0o755)
    return folder


def test_tarball_round_trip_keeps_the_top_folder_symlinks_and_modes(tmp_path):
    app = fake_app(tmp_path / "dist" / "lr-designer", ["lr-designer"])
    (app / "_internal" / "libQt6Core.so").symlink_to("designer")  # PyInstaller links Qt's libs
    out = tmp_path / "app.tar.gz"
    build_app.pack(app, out)
    found = frozen_app.locate(frozen_app.unpack(out, tmp_path / "unpacked"))
    assert found.top.name == f"lr-designer-{build_app.version()}"
    assert found.cli == found.window == found.top / "lr-designer"
    assert os.access(found.cli, os.X_OK)
    assert (found.internal / "libQt6Core.so").is_symlink()
    assert (found.internal / "designer" / "resources" / "palette.json").read_text() == "{}"


def test_windows_zip_has_the_versioned_top_folder_and_both_executables(tmp_path, monkeypatch):
    app = fake_app(tmp_path / "dist" / "lr-designer", ["lr-designer.exe", "lr-designer-cli.exe"])
    out = tmp_path / "app.zip"
    build_app.pack(app, out)
    monkeypatch.setattr(frozen_app, "IS_WINDOWS", True)
    monkeypatch.setattr(frozen_app, "IS_MAC", False)
    found = frozen_app.locate(frozen_app.unpack(out, tmp_path / "unpacked"))
    assert found.top.name == f"lr-designer-{build_app.version()}"
    assert found.cli.name == "lr-designer-cli.exe" and found.cli.is_file()
    assert found.window.name == "lr-designer.exe" and found.window.is_file()
    assert (found.internal / "designer" / "resources" / "palette.json").is_file()


@pytest.mark.parametrize("data_in", ["Frameworks", "Resources"])
def test_mac_app_finds_its_executable_and_data(tmp_path, monkeypatch, data_in):
    contents = tmp_path / build_app.MAC_APP / "Contents"
    (contents / "MacOS").mkdir(parents=True)
    (contents / "MacOS" / "lr-designer").write_bytes(b"stand-in")
    (contents / "Frameworks").mkdir()
    (contents / data_in / "designer" / "resources").mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(frozen_app, "IS_MAC", True)
    found = frozen_app.locate(contents.parent)
    assert found.cli == found.window == contents / "MacOS" / "lr-designer"
    assert found.internal == contents / data_in


def test_archive_names_per_os(monkeypatch):
    version = build_app.version()
    for platform_name, machine, name in (
            ("linux", "x86_64", f"lr-designer-{version}-linux-x86_64.tar.gz"),
            ("darwin", "arm64", f"lr-designer-{version}-macos-arm64.zip"),
            ("win32", "AMD64", f"lr-designer-{version}-windows-x86_64.zip")):
        monkeypatch.setattr(sys, "platform", platform_name)
        monkeypatch.setattr(build_app.platform, "machine", lambda machine=machine: machine)
        monkeypatch.setattr(build_app.platform, "system", lambda: "Linux")
        assert build_app.archive_path(Path("dist")).name == name


def test_mac_bundle_name_is_the_specs():
    spec = ast.parse((REPO / "packaging" / "lr-designer.spec").read_text(encoding="utf-8"))
    names = [keyword.value.value for node in ast.walk(spec) if isinstance(node, ast.Call)
             and getattr(node.func, "id", "") == "BUNDLE" for keyword in node.keywords
             if keyword.arg == "name"]
    assert names == [build_app.MAC_APP]


@pytest.mark.skipif(sys.platform != "linux", reason="the Linux environment's variables")
def test_clean_env_is_a_fresh_desktop_session(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    monkeypatch.setenv("VIRTUAL_ENV", "/somewhere/.venv")
    env = frozen_app.clean_env(tmp_path / "home")
    assert env["HOME"] == str(tmp_path / "home")
    assert not any(key.startswith("PYTHON") or key == "VIRTUAL_ENV" for key in env)
    assert ".venv" not in env["PATH"]
    assert env["QT_QPA_PLATFORM"] == "offscreen"
    assert frozen_app.cache_folder(env) == (
        tmp_path / "home" / ".cache" / "lr-schedule-designer" / "curves")
