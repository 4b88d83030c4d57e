"""Shared fixtures. Qt-free at import time, so the core tests run without a display."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def repo_root() -> Path:
    return REPO


@pytest.fixture
def example_files() -> list[Path]:
    """The realistic designs in examples/ (the issue names five)."""
    return sorted((REPO / "examples").glob("*.json"))


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
