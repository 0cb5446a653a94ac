"""gitlab-ci-local runs the generated pipeline of a small real project end to end, shell
executor, the generated file unmodified and no superspec on PATH: the `.superspec` base job
installs the pinned superspec into the job's cache, from a wheel built from this checkout,
offline (SUPERSPEC_PIP_SPEC / SUPERSPEC_PIP_ARGS / SUPERSPEC_PYTHON passed the way group CI/CD
variables would be), and every later job reuses that cache.

enforce, build, test, a quoting check and package really run, on main and on a release branch
(where trunk's package runs only because the prod release runs there). This project has nothing
to deploy (no application image): the deploy and release jobs are checked through
`gitlab-ci-local --list-json` (present, needing the package job), and one run checks that the
deploy job, when run, reaches `superspec deploy` and fails with the command's own message."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.generate.tools import (
    GITLAB_CI_LOCAL,
    HERE,
    VENV_BIN,
    checkout,
    git_repo,
    gitlab_list,
    require,
)
from tests.generate.wheels import wheelhouse

PROJECT = HERE / "e2e_project"
RUNNABLE = ("enforce", "build", "test", "quoting", "package")  # nothing to deploy here


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """superspec built from this checkout, and its dependencies: an offline package index."""
    return wheelhouse(tmp_path_factory.mktemp("wheelhouse"))


def _project(tmp_path: Path, branch: str = "main", broken_test: bool = False,
             layers: Path | None = None) -> Path:
    """The project, generated and committed. ``layers``: it extends the company layer `acme`
    by name, found there when generating and fetched by its jobs (ci.gitlab.layers)."""
    work = tmp_path / "tally"
    shutil.copytree(PROJECT, work)
    if broken_test:
        check = work / "tests" / "check_tally.py"
        check.write_text(check.read_text().replace('"a": 2', '"a": 3'))
    argv = [str(VENV_BIN / "superspec"), "generate", "--target", "gitlab"]
    if layers is not None:
        spec = work / "superspec.yaml"
        spec.write_text(spec.read_text().replace(
            "name: tally\n", "name: tally\nextends: acme\n"
            "ci: {gitlab: {layers: {project: acme/ci-layers, ref: v3}}}\n"))
        argv += ["--layers", str(layers)]
    generated = subprocess.run(argv, cwd=work, capture_output=True, text=True)
    assert generated.returncode == 0, generated.stderr
    git_repo(work)
    if branch != "main":
        checkout(work, branch)
    return work


def _environment(tmp_path: Path) -> dict[str, str]:
    """The runner's environment: the project's build tools (a `python` with pytest), git and
    node, and no superspec anywhere on PATH."""
    tools = tmp_path / "runner-bin"
    tools.mkdir(exist_ok=True)
    python = tools / "python"
    python.write_text(f'#!/bin/sh\nexec {VENV_BIN / "python"} "$@"\n')
    python.chmod(0o755)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SUPERSPEC_", "PIP_", "VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = f"{tools}:{Path(require('node')).parent}:/usr/bin:/bin"
    env["PIP_CONFIG_FILE"] = os.devnull
    assert shutil.which("superspec", path=env["PATH"]) is None
    return env


def _variables(wheel: Path) -> list[str]:
    """What a group's CI/CD variables would say: install this wheel, from this directory only,
    with the interpreter the wheels were built for."""
    base_python = getattr(sys, "_base_executable", sys.executable)
    return ["--variable", f"SUPERSPEC_PIP_SPEC={wheel}",
            "--variable", f"SUPERSPEC_PIP_ARGS=--no-index --find-links {wheel.parent}",
            "--variable", f"SUPERSPEC_PYTHON={base_python}"]


def _run(work: Path, env: dict[str, str], wheel: Path,
         *jobs: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require(GITLAB_CI_LOCAL), "--no-color", "--shell-isolation", *_variables(wheel), *jobs],
        cwd=work, env=env, capture_output=True, text=True, timeout=600)


def _jobs(work: Path) -> dict[str, dict[str, Any]]:
    """The jobs gitlab-ci-local evaluates for the checked-out branch (nothing runs)."""
    return {job["name"]: job for job in gitlab_list(work, schema=False)}


def _needs(job: dict[str, Any]) -> list[str]:
    return [need["job"] for need in job.get("needs", [])]


@pytest.mark.slow
def test_generated_pipeline_runs_end_to_end_on_main(tmp_path: Path, wheels: Path) -> None:
    work, env = _project(tmp_path), _environment(tmp_path)
    run = _run(work, env, wheels, *RUNNABLE)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    for job in RUNNABLE:
        assert f" PASS  {job}" in output, output
    # the first runner job installs superspec into the cache; the package job reuses it
    assert output.count("superspec: installing superspec 0.1.0 into") == 1, output
    assert "1 passed" in output  # pytest really ran the project's test
    builds = work / ".gitlab-ci-local" / "builds"
    assert "testsuite" in (builds / "test" / "report.xml").read_text()
    assert (builds / "enforce" / "superspec-enforce.xml").is_file()
    # the build's artifact reached the package job, which wrote the packages from it
    assert (builds / "package" / "dist" / "tally-dev.tar.gz").is_file()
    assert (builds / "package" / "dist" / "tally-prod.tar.gz").is_file()
    jobs = _jobs(work)
    assert jobs["deploy-dev"]["when"] == "on_success"
    assert "package" in _needs(jobs["deploy-dev"])
    assert jobs["release-prod"]["when"] == "never"  # release branches only


@pytest.mark.slow
def test_on_a_release_branch_the_package_runs_for_the_release(tmp_path: Path,
                                                              wheels: Path) -> None:
    work, env = _project(tmp_path, branch="release/1.0"), _environment(tmp_path)
    jobs = _jobs(work)
    assert jobs["release-prod"]["when"] == "on_success"
    assert _needs(jobs["release-prod"]) == ["package"]
    assert jobs["package"]["when"] == "on_success"
    assert jobs["deploy-dev"]["when"] == "never"
    run = _run(work, env, wheels, *RUNNABLE)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    for job in RUNNABLE:
        assert f" PASS  {job}" in output, output
    assert (work / ".gitlab-ci-local" / "builds" / "package" / "dist" /
            "tally-prod.tar.gz").is_file()


def _layers_server(tmp_path: Path) -> tuple[Path, Path]:
    """The company layers (acme, whose standard the project must meet) in a work tree and,
    tagged v3, in a bare repository at BASE/acme/ci-layers.git (a git server stand-in)."""
    layers = tmp_path / "ci-layers"
    (layers / "acme").mkdir(parents=True)
    (layers / "acme" / "superspec.yaml").write_text(
        "superspec: 1\nkind: company\nname: acme\n"
        "enforce: {rules: {requireFilesExist: {files: [pyproject.toml]}}}\n")
    git_repo(layers)
    subprocess.run(["git", "tag", "v3"], cwd=layers, check=True, capture_output=True)
    base = tmp_path / "git"
    subprocess.run(["git", "clone", "-q", "--bare", str(layers),
                    str(base / "acme" / "ci-layers.git")], check=True, capture_output=True)
    return layers, base


@pytest.mark.slow
def test_runner_jobs_fetch_the_company_layers(tmp_path: Path, wheels: Path) -> None:
    """The chain project -> acme resolves in the enforce job through the layers the base job
    fetched at their ref (SUPERSPEC_LAYERS_GIT stands for the GitLab server's URL)."""
    layers, base = _layers_server(tmp_path)
    work, env = _project(tmp_path, layers=layers), _environment(tmp_path)
    run = subprocess.run(
        [require(GITLAB_CI_LOCAL), "--no-color", "--shell-isolation", *_variables(wheels),
         "--variable", f"SUPERSPEC_LAYERS_GIT=file://{base}", "enforce"],
        cwd=work, env=env, capture_output=True, text=True, timeout=600)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert " PASS  enforce" in output
    assert "requireFilesExist" in output  # the company's rule ran: the chain was resolved
    fetched = work / ".gitlab-ci-local" / "builds" / "enforce" / ".superspec" / "layers"
    assert (fetched / "acme" / "superspec.yaml").read_text() == (
        layers / "acme" / "superspec.yaml").read_text()


@pytest.mark.slow
def test_a_failing_test_fails_the_pipeline(tmp_path: Path, wheels: Path) -> None:
    work, env = _project(tmp_path, broken_test=True), _environment(tmp_path)
    run = _run(work, env, wheels, *RUNNABLE)
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert " FAIL  test" in output
    assert " PASS  package" not in output


@pytest.mark.slow
def test_the_deploy_job_runs_superspec_deploy_and_fails_loudly(tmp_path: Path,
                                                               wheels: Path) -> None:
    """This project cannot be deployed (no application image, no version): the deploy job
    reaches `superspec deploy` (installed by the base job, not a missing command) and fails
    with the command's own message, the one it prints when run by hand."""
    work, env = _project(tmp_path), _environment(tmp_path)
    by_hand = subprocess.run([str(VENV_BIN / "superspec"), "deploy", "--spec", "superspec.yaml",
                              "--env", "dev"], cwd=work, capture_output=True, text=True,
                             timeout=120)
    assert by_hand.returncode == 1, by_hand.stdout + by_hand.stderr
    message = by_hand.stderr.splitlines()[-1]
    assert message.startswith("error: "), by_hand.stderr
    run = _run(work, env, wheels, "--needs", "deploy-dev")
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert " PASS  package" in output and " FAIL  deploy-dev" in output, output
    assert f"deploy-dev > {message}" in output, output
    assert "No such command" not in output and "command not found" not in output
