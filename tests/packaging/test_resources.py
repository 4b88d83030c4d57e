"""The desktop integration files (icon sizes, the .desktop entry, the schedule MIME type) and
the data the app reads at run time from designer/resources (the bundled font)."""

from __future__ import annotations

import configparser
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path, PurePosixPath

import pytest

REPO = Path(__file__).resolve().parents[2]
RESOURCES = REPO / "resources"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
MIME_NS = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
MIME_TYPE = "application/x-lr-schedule"


def png_header(path: Path) -> tuple[int, int, int, int]:
    """(width, height, bit depth, colour type) from a PNG's IHDR chunk."""
    data = path.read_bytes()[:26]
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    return struct.unpack(">IIBB", data[16:26])


@pytest.mark.parametrize("size", SIZES)
def test_every_hicolor_size_is_a_square_rgba_png_of_that_size(size):
    path = RESOURCES / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "lr-designer.png"
    width, height, depth, colour = png_header(path)
    assert (width, height) == (size, size)
    assert (depth, colour) == (8, 6)  # 8-bit RGBA: the rounded corners need alpha


def test_svg_master_is_the_one_the_app_loads():
    master = (RESOURCES / "lr-designer.svg").read_bytes()
    assert master == (REPO / "designer" / "resources" / "lr-designer.svg").read_bytes()
    scalable = RESOURCES / "icons" / "hicolor" / "scalable" / "apps" / "lr-designer.svg"
    assert scalable.read_bytes() == master
    ET.fromstring(master)  # well-formed


def test_windows_icon_holds_every_size_up_to_256():
    data = (RESOURCES / "lr-designer.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sides = []
    for index in range(count):
        side, _, _, _, _, _, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * index: 22 + 16 * index])
        assert data[offset:offset + 8] == b"\x89PNG\r\n\x1a\n"
        assert offset + length <= len(data)
        sides.append(side or 256)
    assert sides == [16, 24, 32, 48, 64, 128, 256]


def test_macos_icon_is_an_icns_container():
    data = (RESOURCES / "lr-designer.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read(RESOURCES / "lr-designer.desktop", encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry_opens_schedule_files_with_the_app():
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "lr-designer %f"  # one file: the CLI opens one design
    assert entry["Icon"] == "lr-designer"  # the hicolor icon name, not a path
    assert entry["Terminal"] == "false"
    assert MIME_TYPE in entry["MimeType"].split(";")
    # Qt sets the Wayland app id from setDesktopFileName("lr-designer"); X11 matches this.
    assert entry["StartupWMClass"] == "lr-designer"


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-utils is not installed")
def test_desktop_entry_validates():
    result = subprocess.run(["desktop-file-validate", str(RESOURCES / "lr-designer.desktop")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout


def mime_type_element() -> ET.Element:
    root = ET.parse(RESOURCES / "lr-designer-mime.xml").getroot()
    types = root.findall("m:mime-type", MIME_NS)
    assert [t.get("type") for t in types] == [MIME_TYPE]
    return types[0]


def test_mime_type_is_json_with_its_own_glob():
    element = mime_type_element()
    assert element.find("m:sub-class-of", MIME_NS).get("type") == "application/json"
    assert [g.get("pattern") for g in element.findall("m:glob", MIME_NS)] == ["*.lrs.json"]
    assert element.find("m:icon", MIME_NS).get("name") == "lr-designer"


def test_mime_magic_matches_what_the_designer_writes(example_files):
    from designer.core.schedule.fileformat import dump_schedule, load_schedule_file

    matches = mime_type_element().findall("m:magic/m:match", MIME_NS)
    assert matches
    for path in example_files:
        for text in (path.read_text(encoding="utf-8"),
                     dump_schedule(load_schedule_file(str(path)))):
            head = text.encode("utf-8")
            assert any(_magic_hits(match, head) for match in matches), path


def _magic_hits(match: ET.Element, data: bytes) -> bool:
    assert match.get("type") == "string"
    start, _, end = match.get("offset").partition(":")
    value = match.get("value").encode("utf-8")
    return value in data[int(start): int(end or start) + len(value)]


@pytest.mark.skipif(not (shutil.which("update-mime-database") and shutil.which("gio")),
                    reason="needs shared-mime-info and gio")
def test_desktop_recognises_schedule_files(tmp_path, example_files):
    data = tmp_path / "data"
    (data / "mime" / "packages").mkdir(parents=True)
    # Our type alone (freedesktop.org.xml would triple the time): globs and magic still apply.
    shutil.copy(RESOURCES / "lr-designer-mime.xml", data / "mime" / "packages")
    subprocess.run(["update-mime-database", str(data / "mime")], check=True,
                   capture_output=True)
    named = tmp_path / "design.lrs.json"
    unnamed = tmp_path / "download"
    named.write_bytes(example_files[0].read_bytes())
    unnamed.write_bytes(example_files[0].read_bytes())
    env = {"XDG_DATA_HOME": str(data), "XDG_DATA_DIRS": str(data), "PATH": "/usr/bin:/bin"}
    for path in (named, unnamed):
        result = subprocess.run(["gio", "info", "-a", "standard::content-type", str(path)],
                                env=env, capture_output=True, text=True, check=True)
        assert f"standard::content-type: {MIME_TYPE}" in result.stdout, path


PACKAGE_RESOURCES = REPO / "designer" / "resources"
FONTS = PACKAGE_RESOURCES / "fonts"


def font_names(path: Path) -> dict[int, str]:
    """The Windows-platform strings of a TrueType file's name table, by name ID."""
    data = path.read_bytes()
    assert data[:4] == b"\x00\x01\x00\x00", "not a TrueType font"
    tables = {}
    for index in range(struct.unpack(">H", data[4:6])[0]):
        tag, _, offset, length = struct.unpack(">4sIII", data[12 + 16 * index: 28 + 16 * index])
        tables[tag] = offset
    base = tables[b"name"]
    _, count, strings = struct.unpack(">HHH", data[base: base + 6])
    names = {}
    for index in range(count):
        platform, _, _, name_id, length, offset = struct.unpack(
            ">6H", data[base + 6 + 12 * index: base + 18 + 12 * index])
        if platform == 3:
            start = base + strings + offset
            names[name_id] = data[start: start + length].decode("utf-16-be")
    return names


def test_bundled_font_is_the_one_the_app_loads_with_its_license_beside_it():
    from designer.ui.fonts import FAMILY, FONT_FILE

    names = font_names(FONTS / FONT_FILE)
    assert (names[1], names[2]) == (FAMILY, "Regular")
    assert "SIL Open Font License, Version 1.1" in names[13]
    license_text = (FONTS / "OFL.txt").read_text(encoding="utf-8")
    assert names[0] in license_text  # the font's own copyright line
    assert "SIL OPEN FONT LICENSE" in license_text and "Version 1.1" in license_text
    assert (FONTS / FONT_FILE).stat().st_size < 300_000  # one weight, not a family


def test_every_run_time_resource_is_package_data():
    """A wheel (pip install .) holds what setuptools' package-data globs match, files only:
    "resources/*" alone would leave out resources/fonts/."""
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["designer"]
    files = [path.relative_to(REPO / "designer").as_posix()
             for path in PACKAGE_RESOURCES.rglob("*") if path.is_file()]
    assert "resources/fonts/OFL.txt" in files
    assert [name for name in files if not any(_glob_matches(name, p) for p in patterns)] == []


def _glob_matches(name: str, pattern: str) -> bool:
    """setuptools' glob: a "*" never crosses a "/"."""
    path, glob = PurePosixPath(name), PurePosixPath(pattern)
    return len(path.parts) == len(glob.parts) and path.match(pattern)
