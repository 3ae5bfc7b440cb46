"""The CI templates do what the maintainers page promises: valid, and their release gate stops a release.

The templates are validated against the schemas GitHub and GitLab publish (vendored
by check-jsonschema, offline), and the release-gate commands they contain are run,
as CI would run them, in a temporary repository with two release tags.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import REPO

GITHUB = REPO / ".ci" / "templates" / "github" / "workflows" / "handbook.yml"
GITLAB = REPO / ".ci" / "templates" / "gitlab" / ".gitlab-ci.yml"
CHECK_JSONSCHEMA = REPO / ".venv" / "bin" / "check-jsonschema"


@pytest.mark.parametrize(("template", "schema"), [(GITHUB, "vendor.github-workflows"), (GITLAB, "vendor.gitlab-ci")])
def test_template_is_valid_against_its_published_schema(template: Path, schema: str):
    proc = subprocess.run([str(CHECK_JSONSCHEMA), "--builtin-schema", schema, str(template)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def github_gate() -> str:
    steps = yaml.safe_load(GITHUB.read_text())["jobs"]["release"]["steps"]
    return next(s["run"] for s in steps if s.get("name") == "Release gate")


def gitlab_gate() -> str:
    script = yaml.safe_load(GITLAB.read_text())["release"]["script"]
    return "\n".join(line for line in script if "protokit" in line or line.startswith("previous="))


def git(repo: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "CI", "GIT_AUTHOR_EMAIL": "ci@example.org"}
    env |= {"GIT_COMMITTER_NAME": "CI", "GIT_COMMITTER_EMAIL": "ci@example.org"}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


@pytest.fixture(scope="module")
def two_releases(tmp_path_factory) -> Path:
    """A handbook repository with tags v2026.1 and v2026.2; the second changed a protocol without a bump."""
    repo = tmp_path_factory.mktemp("ci") / "handbook"
    shutil.copytree(REPO / "tests" / "fixtures" / "pass", repo)
    shutil.copytree(REPO / "tools", repo / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    (repo / ".venv").symlink_to(REPO / ".venv")
    (repo / "node_modules").symlink_to(REPO / "node_modules")
    (repo / ".gitignore").write_text(".venv\nnode_modules\n.cache/\n__pycache__/\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first release")
    git(repo, "tag", "-a", "v2026.1", "-m", "Release 2026.1")
    page = repo / "protocols" / "BST-SURG-01.md"
    page.write_text(page.read_text().replace("## Procedure\n", "## Procedure\n\nCheck the margins twice.\n", 1))
    git(repo, "commit", "-q", "-am", "an unversioned clinical change")
    git(repo, "tag", "-a", "v2026.2", "-m", "Release 2026.2")
    return repo


@pytest.mark.parametrize(("gate", "env"), [(github_gate, "GITHUB_REF_NAME"), (gitlab_gate, "CI_COMMIT_TAG")])
def test_release_gate_of_the_template_stops_an_unversioned_change(two_releases: Path, gate, env: str):
    proc = subprocess.run(
        ["bash", "-e", "-c", gate()],
        cwd=two_releases,
        capture_output=True,
        text=True,
        env={**os.environ, env: "v2026.2"},
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "P601" in proc.stdout and "since v2026.1" in proc.stdout


def test_release_gate_passes_the_first_release(two_releases: Path):
    proc = subprocess.run(
        ["bash", "-e", "-c", github_gate()],
        cwd=two_releases,
        capture_output=True,
        text=True,
        env={**os.environ, "GITHUB_REF_NAME": "v2026.1"},
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
