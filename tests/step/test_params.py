"""Params validation: every problem reported whole, located (file:line key), with hints."""

from __future__ import annotations

import pytest

from tests.step.conftest import Workspace

P = ".superspec/step-enforce.json"


def messages(run) -> list[str]:  # noqa: ANN001
    assert run.result is None
    assert run.error is not None
    return [run.error["message"]]


def test_unknown_keys_each_get_a_did_you_mean_with_their_line(workspace: Workspace) -> None:
    run = workspace.step("enforce", {"contract": 1, "step": "enforce", "stage": "enforce",
                                     "brnach": "main", "junti": "x.xml"})
    assert run.code == 2
    assert run.error["kind"] == "params"
    assert run.error["message"] == (
        f"{P}:5 brnach: unknown key 'brnach'; did you mean 'branch'?\n"
        f"{P}:6 junti: unknown key 'junti'; did you mean 'junit'?")
    assert run.err == (
        f"error: {P}:5 brnach: unknown key 'brnach'; did you mean 'branch'?\n"
        f"error: {P}:6 junti: unknown key 'junti'; did you mean 'junit'?\n")
    assert [p["location"] for p in run.error["problems"]] == [
        {"file": P, "line": 5, "key": "brnach"}, {"file": P, "line": 6, "key": "junti"}]


def test_unknown_key_without_a_close_match_lists_the_known_keys(workspace: Workspace) -> None:
    run = workspace.step("package", {"contract": 1, "step": "package", "zzz": 1})
    assert run.error["message"] == (
        ".superspec/step-package.json:4 zzz: unknown key 'zzz' (known keys: artifact, contract, "
        "envs, layers, out, root, secrets, spec, stage, step)")


def test_a_key_of_another_step_is_unknown_here(workspace: Workspace) -> None:
    run = workspace.step("enforce", {"contract": 1, "step": "enforce", "envs": ["prod"]})
    assert run.error["message"] == (
        f"{P}:4 envs: unknown key 'envs' (known keys: branch, cache, contract, junit, layers, "
        "mavenRepo, root, secrets, spec, stage, step)")


@pytest.mark.parametrize(("data", "message"), [
    ({"step": "enforce"}, f"{P}: missing key 'contract' (this superspec speaks contract 1)"),
    ({"contract": 2, "step": "enforce"},
     f"{P}:2 contract: contract 2 is not supported by superspec 0.1.0, which speaks contract 1"),
    ({"contract": "1", "step": "enforce"},
     f"{P}:2 contract: contract \"1\" is not supported by superspec 0.1.0, "
     "which speaks contract 1"),
    ({"contract": 1},
     f"{P}: 'step' must be \"enforce\" for `superspec step enforce` (got missing)"),
    ({"contract": 1, "step": "package"},
     f"{P}:3 step: 'step' must be \"enforce\" for `superspec step enforce` (got \"package\")"),
    ({"contract": 1, "step": "enforce", "layers": "ci/layers"},
     f"{P}:4 layers: Input should be a valid list (got \"ci/layers\")"),
    ({"contract": 1, "step": "enforce", "cache": "no"},
     f"{P}:4 cache: Input should be a valid boolean (got \"no\")"),
    ({"contract": 1, "step": "enforce", "secrets": ["DB_PASSWORD", "X=$(id)"]},
     f"{P}:4 secrets.1: String should match pattern '^[A-Za-z_][A-Za-z0-9_]*$' (got \"X=$(id)\")"),
])
def test_bad_params_are_located_errors(workspace: Workspace, data: dict, message: str) -> None:
    run = workspace.step("enforce", data)
    assert (run.code, run.error["kind"], run.error["exitCode"]) == (2, "params", 2)
    assert run.error["message"] == message


@pytest.mark.parametrize(("text", "message"), [
    ('{"contract": 1,\n "step": "enforce",,}',
     f"{P}:2:20: params file is not valid JSON: Expecting property name enclosed in double quotes"),
    ("[1, 2]", f"{P}:1: params must be a JSON object"),
    ("", f"{P}:1:1: params file is not valid JSON: Expecting value"),
])
def test_params_that_are_not_a_json_object(workspace: Workspace, text: str, message: str) -> None:
    run = workspace.step("enforce", text)
    assert run.code == 2
    assert run.error["message"] == message


def test_missing_params_file(workspace: Workspace) -> None:
    run = workspace.step("enforce")
    assert run.code == 2
    assert run.error["message"] == f"{P}: params file not found"


def test_a_params_file_that_is_a_fifo_is_refused_without_waiting(workspace: Workspace) -> None:
    """No writer ever opens the FIFO: reading it would block the stage for good."""
    import os
    import signal

    fifo = workspace.root / P
    fifo.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(fifo)

    def blocked(*_: object) -> None:
        raise AssertionError("the step waited on the FIFO")

    previous = signal.signal(signal.SIGALRM, blocked)
    signal.alarm(10)
    try:
        run = workspace.step("enforce")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert run.code == 2
    assert run.error["message"] == f"{P}: cannot read params file: not a regular file (a FIFO)"


def test_unknown_step_suggests_the_closest(workspace: Workspace) -> None:
    workspace.step("enforce", {"contract": 1, "step": "enforce"})  # writes the params file P
    from tests.helpers import run_cli

    cli = run_cli(workspace.capsys, "step", "relase", "--params-file", P)
    assert cli.code == 2
    assert cli.err == "error: unknown step 'relase'; did you mean 'release'?\n"
    cli = run_cli(workspace.capsys, "step", "build", "--params-file", P)
    assert cli.err == "error: unknown step 'build' (steps: enforce, package, deploy, release)\n"
