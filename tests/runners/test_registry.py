"""A runner registered in the one registry appears everywhere runners are listed: the values
`run:` accepts and the spec's schema, the step contract and its schemas, `superspec step`, the CLI
commands and the planner; unregistered, it is gone from all of them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import pytest

from superspec.runners import registry
from superspec.runners.registry import Runner
from superspec.spec.jsonschema import layer_schema
from superspec.step.context import StepContext, Verdict
from superspec.step.contract import ParamsBase, json_schemas, step_names
from tests.helpers import run_cli, write


class ToyParams(ParamsBase):
    step: Literal["toy"]
    greeting: str = "hello"


def run_toy(ctx: StepContext, params: ToyParams) -> Verdict:
    return Verdict("passed", f"{params.greeting} from {ctx.effective.model.name}", {"toy": True})


TOY = Runner("toy", "Say hello.", params=f"{__name__}:ToyParams", adapter=f"{__name__}:run_toy")
SPEC = """
superspec: 1
kind: company
name: acme
build: {tool: custom, commands: {build: "true"}}
pipeline: {stages: {hello: {run: toy}}}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return write(tmp_path / "superspec.yaml", SPEC)


def test_a_registered_runner_appears_everywhere(project: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    with registry.registered(TOY):
        assert "toy" in step_names()
        schemas = json_schemas()
        assert "ToyParams" in schemas["params"]["$defs"]
        assert "toy" in schemas["result"]["properties"]["step"]["enum"]
        run_enum = layer_schema()["$defs"]["Stage"]["properties"]["run"]["anyOf"][0]["enum"]
        assert "toy" in run_enum
        assert run_cli(capsys, "validate").code == 0
        params = write(project.parent / "p.json", json.dumps(
            {"contract": 1, "step": "toy", "stage": "hello", "greeting": "hi"}))
        run = run_cli(capsys, "step", "toy", "--params-file", str(params), "--format", "json")
        assert run.code == 0, run.err
        assert json.loads(run.out)["message"] == "hi from acme"
        run = run_cli(capsys, "--help")
        assert "  toy " in run.out
        assert run_cli(capsys, "generate").code == 0
        assert "sh('superspec toy --spec superspec.yaml')" in (project.parent /
                                                                "Jenkinsfile").read_text()


def test_an_unregistered_runner_is_gone(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with registry.registered(TOY):
        pass
    assert "toy" not in step_names()
    assert "ToyParams" not in json_schemas()["params"]["$defs"]
    run = run_cli(capsys, "validate")
    assert run.code == 1
    assert run.err == ("error: superspec.yaml:5 [company acme] pipeline.stages.hello.run: "
                       "unknown runner 'toy' (runners: enforce, build, test, package, deploy, "
                       "release, script)\n")
    params = write(project.parent / "p.json", json.dumps({"contract": 1, "step": "toy"}))
    run = run_cli(capsys, "step", "toy", "--params-file", str(params))
    assert run.code == 2
    assert run.err == "error: unknown step 'toy' (steps: enforce, package, deploy, release)\n"


def test_a_name_is_registered_once() -> None:
    with pytest.raises(ValueError, match="runner 'enforce' is already registered"):
        with registry.registered(Runner("enforce", "again")):
            pass
    assert registry.get("enforce") is registry.BUILTIN[0]
