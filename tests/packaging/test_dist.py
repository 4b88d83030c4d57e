"""The wheel and sdist `make dist` builds: what they hold and what they say about themselves.

Built once for the module, offline (`python -m build --no-isolation`, a few seconds), from a
copy of the checkout without its build products, so a file the package data or MANIFEST.in
leaves out is missing here as it would be for a user.
"""

from __future__ import annotations

import email.parser
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import tomllib

from designer import __version__

REPO = Path(__file__).resolve().parents[2]
NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info",
                                     "__pycache__", "*.pyc", ".hypothesis", ".pytest_cache",
                                     ".ruff_cache")
DIST_INFO = f"lr_schedule_designer-{__version__}.dist-info"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    source = tmp_path_factory.mktemp("checkout") / "lr-schedule-designer"
    shutil.copytree(REPO, source, ignore=NOT_SOURCES, symlinks=True)
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir",
                             str(out), str(source)], capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (wheel,) = out.glob("*.whl")
    (sdist,) = out.glob("*.tar.gz")
    return wheel, sdist


def package_files() -> set[str]:
    """Every file of the designer package on disk, as a path inside the wheel."""
    return {path.relative_to(REPO).as_posix() for path in (REPO / "designer").rglob("*")
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"}


def name_of(requirement: str) -> str:
    return re.match(r"[A-Za-z0-9._-]+", requirement).group(0)


def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as zipped:
        return set(zipped.namelist())


def test_file_names_carry_the_version(built):
    wheel, sdist = built
    assert wheel.name == f"lr_schedule_designer-{__version__}-py3-none-any.whl"
    assert sdist.name == f"lr_schedule_designer-{__version__}.tar.gz"


def test_wheel_holds_every_file_of_the_package_and_nothing_else(built):
    names = wheel_names(built[0])
    files = package_files()
    # What the app reads at run time, named so that a glob that finds nothing still fails.
    assert {"designer/resources/lr-designer.svg", "designer/resources/palette.json",
            "designer/resources/fonts/JetBrainsMono-Regular.ttf",
            "designer/resources/fonts/OFL.txt", "designer/examples/warmup-cosine.json",
            "designer/cli/commands.py", "designer/ui/main_window.py"} <= files
    assert sorted(files - names) == []
    assert sorted(name for name in names - files if not name.startswith(DIST_INFO + "/")) == []


def test_wheel_ships_the_licenses(built):
    with zipfile.ZipFile(built[0]) as zipped:
        license_text = zipped.read(f"{DIST_INFO}/licenses/LICENSE").decode()
        font_license = zipped.read(f"{DIST_INFO}/licenses/designer/resources/fonts/OFL.txt")
    assert license_text.startswith("MIT License")
    assert font_license == (REPO / "designer/resources/fonts/OFL.txt").read_bytes()


def test_wheel_metadata(built):
    with zipfile.ZipFile(built[0]) as zipped:
        metadata = email.parser.Parser().parsestr(
            zipped.read(f"{DIST_INFO}/METADATA").decode("utf-8"))
        entry_points = zipped.read(f"{DIST_INFO}/entry_points.txt").decode()
    assert metadata["Name"] == "lr-schedule-designer"
    assert metadata["Version"] == __version__
    assert metadata["License-Expression"] == "MIT"
    assert metadata["Requires-Python"] == ">=3.10"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert metadata.get_payload().strip() == (REPO / "README.md").read_text("utf-8").strip()
    classifiers = metadata.get_all("Classifier")
    assert {"Operating System :: POSIX :: Linux", "Operating System :: MacOS",
            "Operating System :: Microsoft :: Windows"} <= set(classifiers)
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL"))
    assert set(urls) == {"Homepage", "Changelog", "Issues"}
    requirements = [r for r in metadata.get_all("Requires-Dist") if "extra ==" not in r]
    declared = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]
    assert [name_of(r) for r in requirements] == [name_of(r) for r in declared["dependencies"]]
    assert "torch" in map(name_of, requirements)
    assert "lr-designer = designer.cli:main" in entry_points


def test_sdist_holds_the_package_docs_and_licenses(built):
    top = f"lr_schedule_designer-{__version__}"
    with tarfile.open(built[1]) as tar:
        names = {name.removeprefix(top + "/") for name in tar.getnames()}
    assert {"README.md", "CHANGELOG.md", "LICENSE", "pyproject.toml"} <= names
    assert sorted(package_files() - names) == []


def test_twine_check_passes(built):
    result = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, built)],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2
