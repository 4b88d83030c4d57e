"""Shared fixtures. Qt-free at import time, so the core tests run without a display."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parent.parent

# CI (`.ci/run` sets HYPOTHESIS_PROFILE=ci) runs the examples hypothesis derives from each
# test's name, so whether a change lands never depends on luck; a developer's `make test`
# explores new examples on every run.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(autouse=True, scope="session")
def _isolated_user_folders(tmp_path_factory):
    """Autosaves, settings, recent files and cached curves of every app the tests start (in
    process or as subprocesses, which inherit the environment) go to a temporary home, never
    the user's: a curve the user's cache holds must not answer a test that steps it."""
    home = tmp_path_factory.mktemp("home")
    saved = {key: os.environ.get(key) for key in ("XDG_DATA_HOME", "XDG_CONFIG_HOME",
                                                  "XDG_CACHE_HOME", "LR_DESIGNER_CACHE_DIR")}
    os.environ["XDG_DATA_HOME"] = str(home / "data")
    os.environ["XDG_CONFIG_HOME"] = str(home / "config")
    os.environ["XDG_CACHE_HOME"] = str(home / "cache")
    os.environ.pop("LR_DESIGNER_CACHE_DIR", None)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture
def repo_root() -> Path:
    return REPO


@pytest.fixture
def example_files() -> list[Path]:
    """The realistic example designs shipped in designer/examples/."""
    return sorted((REPO / "designer" / "examples").glob("*.json"))


@pytest.fixture
def subprocess_env() -> dict[str, str]:
    """Environment for a fresh interpreter that imports this checkout's package."""
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env["PYTHONIOENCODING"] = "utf-8"
    return env


@pytest.fixture
def python() -> str:
    return sys.executable
