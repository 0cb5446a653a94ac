"""Real tools over generated files: the Groovy 2.4 parser, GitLab's schema, gitlab-ci-local."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from superspec.render.generate import Options, render_project
from superspec.spec import load_spec

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
GOLDEN = ROOT / "tests" / "golden"
EXAMPLES = ROOT / "examples"
GROOVY_AST = HERE / "groovy_ast.groovy"
GITLAB_CI_LOCAL = ROOT / ".ci" / "node_modules" / ".bin" / "gitlab-ci-local"
VENV_BIN = ROOT / ".venv" / "bin"


def require(tool: str | Path) -> str:
    """The path of ``tool``; fail (never skip) when it is missing: CI installs everything."""
    found = shutil.which(str(tool))
    if found is None:
        raise AssertionError(
            f"{tool} is not installed: run .ci/install-system-deps.sh (and make venv)")
    return found


def golden_cases() -> list[Path]:
    return sorted(p for p in GOLDEN.iterdir() if (p / "superspec.yaml").is_file())


def example_projects() -> list[Path]:
    return sorted(p for p in (EXAMPLES / "projects").iterdir() if (p / "superspec.yaml").is_file())


def render_case(spec_dir: Path, layer_dirs: Sequence[Path] = ()) -> dict[str, str]:
    """{file name: text} of a project rendered as if written next to its spec."""
    effective = load_spec(spec_dir / "superspec.yaml", layer_dirs)
    return dict(render_project(effective, spec_dir, Options()))


def parse_groovy(files: Sequence[Path]) -> dict[str, dict[str, Any]]:
    """Parse every file with Groovy 2.4 (one JVM) to CONVERSION; {path: AST summary}."""
    groovy = require("groovy")
    listing = Path(files[0]).parent / ".groovy-files.txt" if files else None
    if listing is None:
        return {}
    listing.write_text("".join(f"{f}\n" for f in files))
    proc = subprocess.run([groovy, str(GROOVY_AST), str(listing)], capture_output=True,
                          text=True, timeout=300)
    listing.unlink()
    assert proc.returncode == 0, proc.stderr
    return {item["file"]: item for item in json.loads(proc.stdout)}


def check_jsonschema(files: Sequence[Path]) -> subprocess.CompletedProcess[str]:
    """GitLab's own CI schema (vendored in check-jsonschema) over many files in one call."""
    tool = require(VENV_BIN / "check-jsonschema")
    return subprocess.run(
        [tool, "--builtin-schema", "vendor.gitlab-ci", "--data-transform", "gitlab-ci",
         *map(str, files)], capture_output=True, text=True, timeout=300)


def git_repo(directory: Path, branch: str = "main") -> None:
    """``directory`` as a git repository, one commit on ``branch`` (gitlab-ci-local needs it)."""
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
           "PATH": "/usr/bin:/bin"}
    for argv in (["git", "init", "-q", "-b", branch], ["git", "add", "-A"],
                 ["git", "commit", "-q", "-m", "generated"]):
        subprocess.run(argv, cwd=directory, check=True, env=env, capture_output=True)


def checkout(directory: Path, branch: str) -> None:
    subprocess.run(["git", "checkout", "-q", "-B", branch], cwd=directory, check=True,
                   capture_output=True)


def gitlab_list(directory: Path, *variables: str, schema: bool = True) -> list[dict[str, Any]]:
    """`gitlab-ci-local --list-json` in ``directory``: every job with its evaluated `when`
    (``schema=False`` skips gitlab-ci-local's own JSON-schema pass, ~1 s per call)."""
    tool = require(GITLAB_CI_LOCAL)
    argv = [tool, "--list-json", "--ignore-predefined-vars", "CI_COMMIT_REF_PROTECTED"]
    if not schema:
        argv.append("--json-schema-validation=false")
    for variable in variables:
        argv += ["--variable", variable]
    proc = subprocess.run(argv, cwd=directory, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"gitlab-ci-local failed:\n{proc.stdout}\n{proc.stderr}"
    # overriding a predefined variable (CI_COMMIT_REF_PROTECTED) prints a warning first
    start = proc.stdout.find("\n[")
    jobs: list[dict[str, Any]] = json.loads(proc.stdout if proc.stdout.startswith("[")
                                            else proc.stdout[start + 1:])
    return jobs


def load_gitlab(text: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(text)
    return data
