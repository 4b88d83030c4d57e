"""One version number, designer/__init__.py's, wherever a user or a packager reads one:
`--version`, Help > About, the archives' names, the exported code's header, the wheel's
metadata (pyproject reads it: test_dist.py) and the changelog's latest release."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from designer import __version__
from designer.cli import main
from designer.core.export.formats import CODE, FORMATS, render_text
from designer.core.schedule.fileformat import load_schedule

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"
SHOWN = f"LR Schedule Designer {__version__}"


def test_version_is_a_release_number():
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)


def test_command_line_version(capsysbinary):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsysbinary.readouterr().out == f"lr-designer {__version__}\n".encode()


def test_about_box():
    from designer.ui.menus import about_html

    assert f"<h3>{SHOWN}</h3>" in about_html()


@pytest.mark.parametrize("key", [key for key, f in FORMATS.items() if f.kind == CODE])
def test_exported_code_header(key):
    preset = REPO / "designer" / "examples" / "warmup-cosine.json"
    code = render_text(load_schedule(preset.read_text(encoding="utf-8")), key)
    header = code.splitlines()[:6]
    assert any(SHOWN in line for line in header), header


def test_archive_names_and_the_mac_bundle():
    sys.path.insert(0, str(PACKAGING))
    import build_app

    name = build_app.archive_path(REPO / "dist").name
    assert name.startswith(f"lr-designer-{__version__}-")
    # The spec reads the version for the macOS bundle's Info.plist with build_app's pattern.
    spec = (PACKAGING / "lr-designer.spec").read_text(encoding="utf-8")
    assert "version=VERSION" in spec and "CFBundleShortVersionString\": VERSION" in spec
    assert build_app.version() == __version__


def test_changelog_latest_release_is_this_version():
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = re.findall(r"^## \[([^\]]+)\]", text, flags=re.MULTILINE)
    assert releases[0] == "Unreleased"
    assert releases[1] == __version__
