"""The cached path of `superspec step enforce`: same answers as the full path, without pydantic,
and never taken when the params, the spec or the stage have not been checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from superspec.step.cached import failure_message, result_message
from superspec.step.contract import StepErrorMessage, StepResult, dump
from tests.step.conftest import DEBIAN_MAVEN_REPO, Workspace, example, write_pom

PARAMS = {**example("params", "enforce"), "mavenRepo": DEBIAN_MAVEN_REPO}


def uncached(message: dict) -> dict:
    return {**message, "details": {**message["details"], "cached": False}}


@pytest.mark.parametrize("banned", [False, True])
def test_second_run_answers_from_the_cache_with_the_same_messages(workspace: Workspace,
                                                                  banned: bool) -> None:
    write_pom(workspace.root, banned=banned)
    first = workspace.step("enforce", PARAMS)
    assert first.result["details"]["cached"] is False
    Path("superspec-enforce.xml").unlink()

    second = workspace.step("enforce", PARAMS)

    assert second.result["details"]["cached"] is True
    assert uncached(second.result) == first.result
    assert second.error == first.error
    assert (second.code, second.out, second.err) == (first.code, first.out, first.err)
    assert Path("superspec-enforce.xml").is_file()


def test_the_cached_path_imports_no_pydantic(workspace: Workspace) -> None:
    write_pom(workspace.root, banned=False)
    workspace.step("enforce", PARAMS)
    probe = ("import sys\nfrom superspec.cli.main import main\ntry:\n    main(sys.argv[1:])\n"
             "finally:\n    print('pydantic' in sys.modules, file=sys.stderr)\n")
    env = {k: v for k, v in os.environ.items() if k not in ("BRANCH_NAME", "SUPERSPEC_LAYERS")}
    proc = subprocess.run([sys.executable, "-c", probe, "step", "enforce", "--params-file",
                           ".superspec/step-enforce.json"], capture_output=True, text=True,
                          env=env, timeout=60)
    assert proc.returncode == 0
    assert proc.stderr == "False\n"
    assert json.loads(Path(".superspec/step-enforce.result.json").read_text())["details"]["cached"]


def test_a_stage_not_yet_checked_takes_the_full_path(workspace: Workspace) -> None:
    write_pom(workspace.root, banned=False)
    assert workspace.step("enforce", PARAMS).code == 0
    run = workspace.step("enforce", {**PARAMS, "stage": "build"})
    assert run.code == 1
    assert run.error["message"] == (
        "ci/layers/acme/superspec.yaml:27 [company acme] pipeline.stages.build: "
        "stage 'build' runs 'build', not 'enforce'")


def test_a_changed_spec_takes_the_full_path(workspace: Workspace) -> None:
    write_pom(workspace.root, banned=False)
    assert workspace.step("enforce", PARAMS).code == 0
    spec = Path("superspec.yaml")
    spec.write_text(spec.read_text().replace("  port: 8080", "  prot: 8080"))
    run = workspace.step("enforce", PARAMS)
    assert run.code == 1
    assert run.error["message"] == ("superspec.yaml:13 [project payments-api] app.prot: "
                                    "unknown key 'prot'; did you mean 'port'?")


@pytest.mark.parametrize(("change", "message"), [
    ({"brnach": "main"}, ".superspec/step-enforce.json:12 brnach: unknown key 'brnach'; "
                         "did you mean 'branch'?"),
    ({"secrets": ["DB_PASSWORD"]}, ".superspec/step-enforce.json:12 secrets: secret(s) "
     "DB_PASSWORD named in the params are not set in the environment (a Jenkins step passes "
     "them with withCredentials)"),
    ({"contract": 2}, ".superspec/step-enforce.json:2 contract: contract 2 is not supported by "
                      "superspec 0.1.0, which speaks contract 1"),
])
def test_params_problems_are_reported_even_when_a_cache_entry_exists(
        workspace: Workspace, change: dict, message: str) -> None:
    write_pom(workspace.root, banned=False)
    assert workspace.step("enforce", PARAMS).code == 0
    run = workspace.step("enforce", {**PARAMS, **change})
    assert run.result is None
    assert run.error["message"] == message


def test_cached_messages_are_what_the_models_write() -> None:
    details = example("result", "enforce-failed")["details"]
    assert dump(StepResult.model_validate(result_message(details))) == result_message(details)
    assert result_message(details) == example("result", "enforce-failed")
    error = failure_message("enforce", "enforce failed")
    assert dump(StepErrorMessage.model_validate(error)) == error
