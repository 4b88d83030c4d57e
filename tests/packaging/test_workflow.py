"""The release workflow runs what is run here: its scripts, make targets and torch pin exist,
its `make dist` step is the Makefile's recipe, and it releases only from a version tag.
(`make test` also checks it against GitHub's workflow schema with check-jsonschema.)"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from designer import __version__

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "release.yml"


def workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def run_steps(job: str) -> list[dict]:
    return [step for step in workflow()["jobs"][job]["steps"] if "run" in step]


def make_recipe(target: str) -> list[str]:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(target)}:.*\n((?:\t.*\n)+)", text, flags=re.MULTILINE)
    assert match, f"no make target {target}"
    return [line.strip() for line in match.group(1).splitlines()]


def test_matrix_is_linux_macos_apple_silicon_and_windows():
    jobs = workflow()["jobs"]
    systems = [entry["os"] for entry in jobs["app"]["strategy"]["matrix"]["include"]]
    assert systems == ["ubuntu-22.04", "macos-14", "windows-2022"]
    assert jobs["app"]["strategy"]["fail-fast"] is False  # one OS failing shows the others


def test_every_script_and_make_target_it_names_exists():
    text = "\n".join(step["run"] for job in ("app", "release") for step in run_steps(job))
    scripts = set(re.findall(r"(packaging/[\w-]+\.(?:py|txt)|\.ci/\w+)", text))
    assert {"packaging/build_app.py", "packaging/package_test.py", "packaging/dist_test.py",
            "packaging/torch-pin.txt", ".ci/run"} <= scripts
    assert sorted(s for s in scripts if not (REPO / s).is_file()) == []
    for name in re.findall(r"\(make ([\w-]+)\)", "\n".join(
            step.get("name", "") for step in run_steps("app"))):
        make_recipe(name)


def test_dist_step_is_the_makefile_recipe():
    (step,) = [s for s in run_steps("app") if "(make dist)" in s["name"]]
    recipe = [line.replace("$(PY)", '"$PY"') for line in make_recipe("dist")]
    assert step["run"].strip().splitlines() == recipe


def test_torch_is_pinned_by_one_file_everywhere():
    pin = REPO / "packaging" / "torch-pin.txt"
    requirements = [line for line in pin.read_text().splitlines()
                    if line and not line.startswith("#")]
    assert len(requirements) == 1 and re.fullmatch(r"torch==\d+\.\d+\.\d+", requirements[0])
    assert "-r $(TORCH_PIN)" in "\n".join(make_recipe("$(STAMP)"))
    assert "torch-pin.txt" in (REPO / "packaging" / "dist_test.py").read_text()
    installs = "\n".join(s["run"] for s in run_steps("app") if s["name"].startswith("Install"))
    assert "-r packaging/torch-pin.txt" in installs and "bash .ci/run" in installs
    # PyPI's Linux torch is the CUDA build: the Linux job names the CPU wheels' index.
    (linux,) = [e for e in workflow()["jobs"]["app"]["strategy"]["matrix"]["include"]
                if e["os"].startswith("ubuntu")]
    assert linux["torch-index"].endswith("/whl/cpu")


def test_release_only_from_a_version_tag_after_every_build():
    data = workflow()
    triggers = data[True] if True in data else data["on"]  # YAML 1.1 reads `on` as true
    assert triggers["push"]["tags"] == ["v*"]
    release = data["jobs"]["release"]
    assert release["if"] == "startsWith(github.ref, 'refs/tags/v')"
    assert release["needs"] == "app"
    assert release["permissions"] == {"contents": "write"}
    assert data["permissions"] == {"contents": "read"}
    text = "\n".join(step["run"] for step in run_steps("release"))
    assert "build_app.py --print-version" in text and "CHANGELOG.md" in text


@pytest.mark.skipif(shutil.which("awk") is None or shutil.which("bash") is None,
                    reason="the release job's shell")
def test_release_notes_are_this_versions_changelog_entry(tmp_path):
    (step,) = [s for s in run_steps("release") if "CHANGELOG" in s["name"]]
    shutil.copy(REPO / "CHANGELOG.md", tmp_path)
    result = subprocess.run(["bash", "-c", step["run"]], cwd=tmp_path, capture_output=True,
                            text=True, env={**os.environ, "VERSION": __version__}, timeout=30,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    notes = (tmp_path / "notes.md").read_text()
    assert "### Added" in notes and "## [" not in notes
    result = subprocess.run(["bash", "-c", step["run"]], cwd=tmp_path, capture_output=True,
                            text=True, env={**os.environ, "VERSION": "99.0.0"}, timeout=30,
                            check=False)
    assert result.returncode == 1 and "no entry for 99.0.0" in result.stdout
