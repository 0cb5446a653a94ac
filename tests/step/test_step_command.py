"""`superspec step` end to end in a CI workspace: runners, stages, environments, secrets, files."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from superspec.runners import registry
from superspec.step.context import Verdict
from tests.helpers import run_cli
from tests.step.conftest import Workspace


def params(step: str, **more: object) -> dict[str, object]:
    return {"contract": 1, "step": step, "layers": ["ci-layers"], **more}


def test_package_runs_the_real_runner_and_writes_the_result(workspace: Workspace) -> None:
    run = workspace.step("package", params("package", stage="package", out="target/packages"))
    assert run.code == 0, run.err
    assert run.error is None
    result = run.result
    assert result is not None
    assert {k: v for k, v in result.items() if k != "details"} == {
        "contract": 1, "step": "package", "status": "passed", "exitCode": 0,
        "superspec": "0.1.0", "message": "packaged 3 environment(s): test, staging, prod"}
    packages = result["details"]["packages"]
    assert [(p["environment"], p["output"]) for p in packages] == [
        ("test", "target/packages/payments-api-test.jar"),
        ("staging", "target/packages/payments-api-staging.jar"),
        ("prod", "target/packages/payments-api-prod.jar")]
    with zipfile.ZipFile("target/packages/payments-api-prod.jar") as jar:
        props = jar.read("BOOT-INF/classes/application.properties").decode()
    assert "spring.datasource.hikari.maximum-pool-size=50" in props
    assert run.out == ("superspec step package: passed: packaged 3 environment(s): test, staging, "
                       "prod (result: .superspec/step-package.result.json)\n")


def test_package_envs_from_params_override_the_stage(workspace: Workspace) -> None:
    run = workspace.step("package", params("package", stage="package", envs=["test"],
                                           out="out/test.jar"))
    assert run.code == 0, run.err
    assert run.result["message"] == "packaged 1 environment(s): test"
    assert Path("out/test.jar").is_file()


def test_package_for_an_undefined_environment(workspace: Workspace) -> None:
    run = workspace.step("package", params("package", envs=["test", "uat"]))
    assert run.code == 1
    assert run.error["message"] == (
        ".superspec/step-package.json:7 envs: environment 'uat' is not defined in environments "
        "(defined: dev, test, staging, prod)")


def test_package_without_envs(workspace: Workspace) -> None:
    run = workspace.step("package", params("package"))
    assert run.error["message"] == (
        ".superspec/step-package.json envs: no environments to package: set 'envs' in the step or "
        "'stage' to use the stage's envs")


def test_release_env_is_checked_before_the_runner(workspace: Workspace) -> None:
    run = workspace.step("release", params("release", stage="release-prod", env="prd"))
    assert run.error["message"] == (
        ".superspec/step-release.json:8 env: environment 'prd' is not defined in environments; "
        "did you mean 'prod'?")
    run = workspace.step("deploy", params("deploy"))
    assert run.error["message"] == (
        ".superspec/step-deploy.json env: no environment to deploy: set 'env' in the step or "
        "'stage' to use the stage's env")


def test_stage_must_exist_and_run_this_step(workspace: Workspace) -> None:
    run = workspace.step("deploy", params("deploy", stage="deploy-tset"))
    assert run.error["kind"] == "failure"
    assert run.error["message"] == (
        ".superspec/step-deploy.json:7 stage: stage 'deploy-tset' is not in pipeline.stages of "
        "superspec.yaml; did you mean 'deploy-test'?")
    run = workspace.step("package", params("package", stage="build"))
    assert run.error["kind"] == "spec"
    assert run.error["message"] == (
        "ci-layers/acme/superspec.yaml:29 [company acme] pipeline.stages.build: "
        "stage 'build' runs 'build', not 'package'")


def test_spec_errors_come_back_located_with_every_problem(workspace: Workspace) -> None:
    spec = Path("superspec.yaml")
    spec.write_text(spec.read_text().replace("  port: 8080", "  port: 99999\n  prot: 1"))
    run = workspace.step("deploy", params("deploy", stage="deploy-test"))
    assert run.code == 1
    assert run.error["kind"] == "spec"
    hint = "unknown key 'prot'; did you mean 'port'?"
    assert [p["message"] for p in run.error["problems"]] == [hint]
    assert run.error["location"] == {"file": "superspec.yaml", "line": 14,
                                     "layer": "project payments-api", "key": "app.prot"}
    assert run.error["message"] == f"superspec.yaml:14 [project payments-api] app.prot: {hint}"


def test_secrets_named_in_params_must_be_in_the_environment(
        workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    data = params("release", stage="release-prod", secrets=["DB_PASSWORD"], version="1.0.0")
    run = workspace.step("release", data)
    assert run.error["kind"] == "input"
    assert run.error["message"] == (
        ".superspec/step-release.json:8 secrets: secret(s) DB_PASSWORD named in the params are not "
        "set in the environment (a Jenkins step passes them with withCredentials)")
    monkeypatch.setenv("DB_PASSWORD", "s3cr3t-value")
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    run = workspace.step("release", data)
    assert run.error["kind"] == "input"
    assert run.error["message"].startswith("cannot reach the Docker engine at ")
    for path in Path(".superspec").iterdir():
        assert "s3cr3t-value" not in path.read_text()


def test_stale_answers_are_removed_before_the_step_runs(workspace: Workspace) -> None:
    first = workspace.step("package", params("package", stage="package"))
    assert first.result is not None
    second = workspace.step("package", params("package", stage="nope"))
    assert second.result is None
    assert second.error is not None
    third = workspace.step("package", params("package", stage="package"))
    assert third.error is None
    assert third.result == first.result


def test_explicit_result_and_error_files(workspace: Workspace) -> None:
    workspace.params("package", params("package", stage="package"))
    run = run_cli(workspace.capsys, "step", "package", "--params-file",
                  ".superspec/step-package.json", "--result-file", "out/r.json",
                  "--error-file", "out/e.json", "--format", "json")
    assert run.code == 0
    written = json.loads(Path("out/r.json").read_text())
    assert json.loads(run.out) == written
    assert not Path("out/e.json").exists()
    assert not Path(".superspec/step-package.result.json").exists()


def test_a_bug_still_leaves_an_error_message(workspace: Workspace,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: object, params: object) -> Verdict:
        raise KeyError("boom")

    deploy = replace(registry.get("deploy"), adapter=broken)
    with registry.registered(deploy, replace=True):
        run = workspace.step("deploy", params("deploy", stage="deploy-test"))
    assert run.code == 3
    assert run.error["kind"] == "internal"
    assert run.error["exitCode"] == 3
    assert run.error["message"] == "internal error: KeyError: 'boom'"
    assert run.err.startswith("internal error: KeyError: 'boom' (details: ")


@pytest.mark.parametrize(("status", "code"), [("failed", 1), ("rolled-back", 4),
                                              ("paused-for-approval", 5), ("done", 0)])
def test_verdicts_exit_with_their_status_code(workspace: Workspace,
                                              monkeypatch: pytest.MonkeyPatch,
                                              status: str, code: int) -> None:
    approval = {"message": "continue?", "groups": ["release-managers"], "timeoutMinutes": 30}
    verdict = Verdict(status, f"release {status}", {"env": "prod"},
                      approval if status == "paused-for-approval" else None)
    release = replace(registry.get("release"), adapter=lambda ctx, params: verdict)
    with registry.registered(release, replace=True):
        run = workspace.step("release", params("release", stage="release-prod"))
    assert run.code == code
    assert run.result["status"] == status
    assert run.result["exitCode"] == code
    assert run.result.get("approval") == (approval if status == "paused-for-approval" else None)
    if status == "failed":
        assert run.error["message"] == "release failed"
        assert run.error["exitCode"] == 1
        assert run.err == "error: release failed\n"
    else:
        assert run.error is None
        expected = f"error: release {status}: release {status}\n" if code else ""
        assert run.err == expected
