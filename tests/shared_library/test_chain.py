"""Groovy -> params file -> the one fixed shell command -> real superspec -> result/error JSON.

The Groovy tests leave each stubbed pipeline's workspace on disk; here the exact command the
library runs is run with a real shell, the library's wrapper script and the installed superspec.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from superspec.runners import registry
from superspec.step.contract import step_names
from tests.shared_library.conftest import LIBRARY, GroovyTests
from tests.step.conftest import EXAMPLES, make_workspace, write_pom

pytestmark = pytest.mark.slow  # starts JVMs and the real superspec

SUPERSPEC_BIN = str(Path(sys.executable).with_name("superspec"))
PWNED = Path("/tmp/superspec-pwned")  # what the hostile values would create if a shell ran them
HOSTILE = json.loads((LIBRARY / "test" / "resources" / "hostile-values.json").read_text())


def library_command(step: str) -> str:
    source = (LIBRARY / "src" / "io" / "superspec" / "StepExecutor.groovy").read_text()
    return dict(re.findall(r"^\s+(\w+)\s*: '([^']*)',$", source, re.MULTILINE))[step]


def run_library_command(workspace: Path, step: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("BRANCH_NAME", "GIT_BRANCH", "SUPERSPEC_LAYERS", "DB_PASSWORD")}
    environment.update(SUPERSPEC_BIN=SUPERSPEC_BIN, SUPERSPEC_VERSION="0.1.0", **env)
    return subprocess.run(["sh", "-c", library_command(step)], cwd=workspace, env=environment,
                          capture_output=True, text=True, timeout=120)


def answers(workspace: Path, step: str) -> tuple[dict | None, dict | None]:
    def read(name: str) -> dict | None:
        path = workspace / ".superspec" / name
        return json.loads(path.read_text()) if path.exists() and path.read_text() else None
    return read(f"step-{step}.result.json"), read(f"step-{step}.error.json")


@pytest.mark.parametrize("step", step_names())
def test_params_the_groovy_step_wrote_run_through_real_superspec(
        groovy_tests: GroovyTests, step: str) -> None:
    workspace = groovy_tests.out / "workspaces" / f"example-{step}"
    assert (workspace / ".superspec" / "superspec.sh").is_file(), groovy_tests.output
    make_workspace(workspace)
    write_pom(workspace, banned=False)
    proc = run_library_command(workspace, step, DB_PASSWORD="from-credentials",
                               SUPERSPEC_LAYERS="ci/layers")
    result, error = answers(workspace, step)
    unavailable = f"runner '{step}' is not available in superspec 0.1.0"
    if step == "package":
        assert proc.returncode == 0, proc.stderr
        assert error is None
        assert result["status"] == "passed"
        packages = result["details"]["packages"]
        assert [p["environment"] for p in packages] == ["test", "staging", "prod"]
        assert (workspace / "target" / "packages" / "payments-api-prod.jar").is_file()
    elif step == "enforce":
        assert proc.returncode == 0, proc.stderr
        assert error is None
        assert result["message"] == (
            "enforce passed (6 passed, 0 failed, 0 skipped, 0 could not run)")
        assert (workspace / "superspec-enforce.xml").is_file()
    elif registry.get(step).adapter is None:  # not part of this version
        assert proc.returncode == 1
        assert result is None  # the fake's stale answer was removed
        assert error["message"] == unavailable
        assert proc.stderr == f"error: {unavailable}\n"
    else:  # the runner ran on the params the step wrote; it has nothing to deploy here
        assert proc.returncode == 1, proc.stderr
        assert result is None or result["status"] == "failed"
        assert error is not None and error["kind"] not in ("params", "unavailable"), error


@pytest.mark.parametrize("step", step_names())
def test_hostile_values_arrive_intact_and_nothing_runs_them(
        groovy_tests: GroovyTests, step: str) -> None:
    workspace = groovy_tests.out / "workspaces" / f"hostile-{step}"
    assert workspace.is_dir(), groovy_tests.output
    make_workspace(workspace)
    PWNED.unlink(missing_ok=True)
    params = json.loads((workspace / ".superspec" / f"step-{step}.json").read_text())
    assert params[HOSTILE[8]] == HOSTILE[9]
    assert params["layers"] == params["envs"] == HOSTILE
    assert [params[k] for k in ("stage", "spec", "branch", "junit", "env", "version", "artifact",
                                "out")] == HOSTILE[:8]

    proc = run_library_command(workspace, step)

    assert proc.returncode == 2
    result, error = answers(workspace, step)
    assert result is None
    assert error["kind"] == "params"
    unknown = [p["message"] for p in error["problems"] if p["message"].startswith("unknown key")]
    assert f"unknown key '{HOSTILE[8]}'" in " ".join(unknown)
    assert not PWNED.exists()


def test_layers_the_library_carries_resolve_the_projects_chain(
        groovy_tests: GroovyTests) -> None:
    """The library carried the example company and department layers; the step unpacked them
    into .superspec/layers. The project names its parent (`extends: acme/payments`) and the
    workspace holds no other layers: only the unpacked ones can resolve it."""
    workspace = groovy_tests.out / "workspaces" / "layers-enforce"
    assert (workspace / ".superspec" / "layers" / "acme" / "payments" / "superspec.yaml").is_file(
    ), groovy_tests.output
    shutil.copytree(EXAMPLES / "projects" / "payments-api", workspace, dirs_exist_ok=True)
    write_pom(workspace, banned=False)
    unpacked = run_library_command(workspace, "enforce", SUPERSPEC_LAYERS=".superspec/layers")
    result, error = answers(workspace, "enforce")
    assert unpacked.returncode == 0, unpacked.stderr
    assert error is None and result["status"] == "passed"

    without = run_library_command(workspace, "enforce")
    result, error = answers(workspace, "enforce")
    assert without.returncode == 1 and result is None
    assert error["message"] == (
        "superspec.yaml:5 [project payments-api] extends: extends 'acme/payments': no such "
        "layer (searched: no layer directories given); pass --layers DIR or set SUPERSPEC_LAYERS")
