"""The contract examples in shared-library/resources/superspec/contract/ are what superspec reads
and writes: validated by the models and the published JSON Schemas, and reproduced by real runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from superspec import __version__
from superspec.runners import registry
from superspec.step.contract import (
    STATUS_EXIT_CODES,
    StepErrorMessage,
    StepResult,
    dump,
    json_schemas,
    params_message,
)
from superspec.step.params import load_params
from tests.step.conftest import CONTRACT, DEBIAN_MAVEN_REPO, ROOT, Workspace, write_pom

EXECUTOR = ROOT / "shared-library" / "src" / "io" / "superspec" / "StepExecutor.groovy"
STEP_NAMES = registry.step_names()
MODELS = {"params": params_message(), "result": StepResult, "error": StepErrorMessage}
EXAMPLES = sorted(
    (kind, path.stem) for kind in MODELS for path in (CONTRACT / kind).glob("*.json"))


def load(kind: str, name: str) -> dict:
    return json.loads((CONTRACT / kind / f"{name}.json").read_text())


def test_published_schemas_are_generated_from_the_models(update_golden: bool) -> None:
    for name, schema in json_schemas().items():
        path = CONTRACT / "schema" / f"{name}.schema.json"
        text = json.dumps(schema, indent=2, sort_keys=True) + "\n"
        if update_golden:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text)
        assert path.read_text() == text, f"{path} is stale: run pytest --update-golden"


def test_there_is_an_example_of_every_step_and_status() -> None:
    names = {name for kind, name in EXAMPLES}
    assert {f"{step}" for step in STEP_NAMES} <= names  # params/<step>.json
    statuses = {load("result", name)["status"] for kind, name in EXAMPLES if kind == "result"}
    assert statuses == set(STATUS_EXIT_CODES)
    assert len([e for e in EXAMPLES if e[0] == "error"]) >= 3


@pytest.mark.parametrize(("kind", "name"), EXAMPLES)
def test_every_example_matches_its_model_and_schema(kind: str, name: str) -> None:
    data = load(kind, name)
    model = MODELS[kind].model_validate(data)
    if kind == "params":
        assert model.model_dump(mode="json", by_alias=True, exclude_unset=True) == data
    else:
        assert dump(model) == data  # nothing dropped, nothing defaulted in
    schema = json.loads((CONTRACT / "schema" / f"{kind}.schema.json").read_text())
    jsonschema.validate(data, schema)
    assert data["contract"] == 1
    if kind != "params":
        assert data["superspec"] == __version__
    if kind == "result":
        assert data["exitCode"] == STATUS_EXIT_CODES[data["status"]]
        assert ("approval" in data) == (data["status"] == "paused-for-approval")


@pytest.mark.parametrize("step", STEP_NAMES)
def test_params_examples_are_accepted_by_superspec(tmp_path: Path, step: str) -> None:
    path = tmp_path / "params.json"
    path.write_text((CONTRACT / "params" / f"{step}.json").read_text())
    params = load_params(step, path)
    assert params.model_dump(mode="json", by_alias=True, exclude_unset=True) == load("params", step)


ENFORCE = {**load("params", "enforce"), "mavenRepo": DEBIAN_MAVEN_REPO, "cache": False}

# (kind, example) -> the step, its params and the project's pom (None: no pom.xml) that make
# superspec write exactly that example, in the workspace of tests/step
RUNS = {
    ("error", "params-unknown-key"): ("enforce", {"contract": 1, "step": "enforce",
                                                  "stage": "enforce", "brnach": "main"}, None),
    ("error", "spec-stage-runner"): ("deploy", {"contract": 1, "step": "deploy", "stage": "smoke",
                                                "layers": ["ci-layers"]}, None),
    ("error", "enforce-failed"): ("enforce", ENFORCE, "banned"),
    ("result", "enforce-failed"): ("enforce", ENFORCE, "banned"),
    ("result", "enforce-passed"): ("enforce", ENFORCE, "clean"),
    ("result", "package-passed"): ("package", load("params", "package"), None),  # layers: env
}


@pytest.mark.parametrize(("kind", "name"), sorted(RUNS))
def test_examples_are_exactly_what_superspec_writes(
        workspace: Workspace, monkeypatch: pytest.MonkeyPatch, update_golden: bool,
        kind: str, name: str) -> None:
    step, params, pom = RUNS[kind, name]
    if pom is not None:
        write_pom(workspace.root, banned=pom == "banned")
    monkeypatch.setenv("SUPERSPEC_LAYERS", "ci/layers")  # as a Jenkins agent may set it
    run = workspace.step(step, params)
    written = run.error if kind == "error" else run.result
    assert written is not None, run.err
    if update_golden:
        (CONTRACT / kind / f"{name}.json").write_text(
            json.dumps(written, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    assert written == load(kind, name), "example is stale: review, then pytest --update-golden"
    assert run.code == written["exitCode"]


def test_every_error_example_is_reproduced() -> None:
    assert sorted(n for k, n in RUNS if k == "error") == sorted(
        name for kind, name in EXAMPLES if kind == "error")


def test_enforce_writes_the_junit_report_it_is_asked_for(workspace: Workspace) -> None:
    write_pom(workspace.root, banned=True)
    workspace.step("enforce", ENFORCE)
    xml = (workspace.root / "superspec-enforce.xml").read_text()
    assert '<testsuites name="superspec.enforce" tests="6" failures="1"' in xml


def test_groovy_executor_speaks_this_contract_and_pins_this_version() -> None:
    source = EXECUTOR.read_text()
    assert re.search(r"static final int CONTRACT = (\d+)", source).group(1) == "1"
    pinned = re.search(r"static final String SUPERSPEC_VERSION = '([^']+)'", source).group(1)
    assert pinned == __version__
    steps = re.search(r"static final List<String> STEPS = \[([^\]]*)\]", source).group(1)
    assert [s.strip(" '") for s in steps.split(",")] == list(STEP_NAMES)
    commands = dict(re.findall(r"^\s+(\w+)\s*: '([^']*)',$", source, re.MULTILINE))
    assert commands == {
        step: f"sh .superspec/superspec.sh step {step} --params-file .superspec/step-{step}.json"
        for step in STEP_NAMES}
