"""release is in generated pipelines but its runner is not in this version: the command checks
the spec and the environment, then fails loudly with exit 1. deploy checks the same first."""

from __future__ import annotations

import pytest

from tests.conftest import EXAMPLES, ROOT
from tests.helpers import run_cli

SPEC = ["--spec", str(EXAMPLES / "projects/payments-api/superspec.yaml"),
        "--layers", str(EXAMPLES / "layers")]


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.mark.parametrize("runner", ["release"])
def test_not_available_after_the_spec_and_environment_check(
        capsys: pytest.CaptureFixture[str], runner: str) -> None:
    result = run_cli(capsys, runner, *SPEC, "--env", "test")
    assert (result.code, result.out) == (1, "")
    assert result.err == f"error: runner '{runner}' is not available in superspec 0.1.0\n"


@pytest.mark.parametrize("runner", ["deploy", "release"])
def test_an_unknown_environment_is_reported_first(capsys: pytest.CaptureFixture[str],
                                                  runner: str) -> None:
    result = run_cli(capsys, runner, *SPEC, "--env", "qa")
    assert result.code == 1
    assert result.err == (
        "error: examples/layers/acme/superspec.yaml:40 [company acme] environments: "
        "environment 'qa' is not defined in environments (defined: dev, test, staging, prod)\n")


def test_env_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "deploy", *SPEC)
    assert result.code == 2
    assert result.err.endswith("Error: Missing option '--env'.\n")
