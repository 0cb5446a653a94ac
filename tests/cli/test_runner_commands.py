"""The runner commands check the spec and the environment before they ask the engine anything;
a registered runner without a command of its own gets the generic one, which says it is not
available."""

from __future__ import annotations

import pytest

from superspec.runners import registry
from superspec.runners.registry import Runner
from tests.conftest import EXAMPLES, ROOT
from tests.helpers import run_cli

SPEC = ["--spec", str(EXAMPLES / "projects/payments-api/superspec.yaml"),
        "--layers", str(EXAMPLES / "layers")]


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")


@pytest.mark.parametrize("runner", ["deploy", "release"])
def test_an_unknown_environment_is_reported_first(capsys: pytest.CaptureFixture[str],
                                                  runner: str) -> None:
    result = run_cli(capsys, runner, *SPEC, "--env", "qa")
    assert result.code == 1
    assert result.err == (
        "error: examples/layers/acme/superspec.yaml:40 [company acme] environments: "
        "environment 'qa' is not defined in environments (defined: dev, test, staging, prod)\n")


@pytest.mark.parametrize("runner", ["deploy", "release"])
def test_an_unreachable_engine_is_one_line(capsys: pytest.CaptureFixture[str],
                                           runner: str) -> None:
    result = run_cli(capsys, runner, *SPEC, "--env", "test", "--version", "1.0.0")
    assert result.code == 1
    assert result.err.startswith("error: cannot reach the Docker engine at "
                                 "unix:///nonexistent/docker.sock: ")
    assert result.err.count("\n") == 1


@pytest.mark.parametrize(("runner", "message"), [
    ("deploy", "Error: Missing option '--env'.\n"),
    ("release", "Error: --env ENV is required\n"),
])
def test_env_is_required(capsys: pytest.CaptureFixture[str], runner: str, message: str) -> None:
    result = run_cli(capsys, runner, *SPEC)
    assert result.code == 2
    assert result.err.endswith(message)


def test_a_runner_without_a_command_is_not_available(capsys: pytest.CaptureFixture[str]
                                                     ) -> None:
    with registry.registered(Runner("toy", "Say hello.", needs_env=True)):
        result = run_cli(capsys, "toy", *SPEC, "--env", "test")
    assert (result.code, result.out) == (1, "")
    assert result.err == "error: runner 'toy' is not available in superspec 0.1.0\n"
