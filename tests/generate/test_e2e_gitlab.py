"""gitlab-ci-local runs the generated pipeline of a small real project end to end, shell
executor: enforce, build, test, a quoting check and package really run. `superspec deploy` and
`superspec release` exist but fail (their runners are not available in this version), so a PATH
shim that the test installs skips exactly the runners named in SUPERSPEC_SKIP_RUNNERS
(comma-separated); the generated file itself is never altered. Without the skip, the deploy job
fails loudly with the command's own message."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.generate.tools import GITLAB_CI_LOCAL, HERE, VENV_BIN, git_repo, require

PROJECT = HERE / "e2e_project"
SKIP = "deploy,release"  # runners this superspec version does not have yet
SHIM = """#!/bin/sh
# the runners named in SUPERSPEC_SKIP_RUNNERS (comma-separated): report and succeed
case ",$SUPERSPEC_SKIP_RUNNERS," in *",$1,"*) echo "superspec $1: skipped"; exit 0;; esac
exec {superspec} "$@"
"""


def _pipeline(tmp_path: Path, broken_test: bool = False,
              skip: str = SKIP) -> subprocess.CompletedProcess[str]:
    work = tmp_path / "tally"
    shutil.copytree(PROJECT, work)
    if broken_test:
        check = work / "tests" / "check_tally.py"
        check.write_text(check.read_text().replace('"a": 2', '"a": 3'))
    generated = subprocess.run([str(VENV_BIN / "superspec"), "generate", "--target", "gitlab"],
                               cwd=work, capture_output=True, text=True)
    assert generated.returncode == 0, generated.stderr
    git_repo(work)
    shim_dir = tmp_path / "bin"
    shim_dir.mkdir()
    shim = shim_dir / "superspec"
    shim.write_text(SHIM.format(superspec=VENV_BIN / "superspec"))
    shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{shim_dir}:{VENV_BIN}:{os.environ['PATH']}"}
    return subprocess.run(
        [require(GITLAB_CI_LOCAL), "--no-color", "--shell-isolation",
         "--variable", f"SUPERSPEC_SKIP_RUNNERS={skip}"],
        cwd=work, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_generated_pipeline_runs_end_to_end(tmp_path: Path) -> None:
    run = _pipeline(tmp_path)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    for job in ("enforce", "build", "test", "quoting", "package", "deploy-dev"):
        assert f" PASS  {job}" in output, output
    assert "1 passed" in output  # pytest really ran the project's test
    builds = tmp_path / "tally" / ".gitlab-ci-local" / "builds"
    assert "testsuite" in (builds / "test" / "report.xml").read_text()
    assert (builds / "enforce" / "superspec-enforce.xml").is_file()
    # the build's artifact reached the package job, which wrote the dev package from it
    assert (builds / "package" / "dist" / "tally-dev.tar.gz").is_file()
    assert "superspec deploy: skipped" in output


@pytest.mark.slow
def test_a_failing_test_fails_the_pipeline(tmp_path: Path) -> None:
    run = _pipeline(tmp_path, broken_test=True)
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert " FAIL  test" in output
    assert " PASS  package" not in output


@pytest.mark.slow
def test_without_the_skip_the_deploy_job_fails_loudly(tmp_path: Path) -> None:
    run = _pipeline(tmp_path, skip="")
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert " PASS  package" in output and " FAIL  deploy-dev" in output, output
    assert "error: runner 'deploy' is not available in superspec 0.1.0" in output
    assert "No such command" not in output and "skipped" not in output
