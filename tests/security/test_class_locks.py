"""Locks on an environment hold for every environment of its class: a project cannot add a
production environment of its own without the company's production approval."""

from __future__ import annotations

import pytest

from superspec.errors import SpecError
from superspec.spec import load_spec
from tests.helpers import run_cli
from tests.spec.conftest import MINIMAL, Tree

COMPANY = """
locked: [environments.prod.approval]
environments:
  test: {class: functional-test}
  prod:
    class: production
    approval: {required: true, groups: [release-managers]}
"""
OWNER = "environments.prod.approval is locked by company acme at acme/superspec.yaml:4"
PROD_APPROVAL = {"required": True, "groups": ["release-managers"], "timeout_minutes": 1440}


def _load(tree: Tree, project: str, department: str = "") -> object:
    tree.company(COMPANY)
    tree.department(department)
    return load_spec(tree.project(MINIMAL + project))


@pytest.mark.parametrize("project", [
    "environments: {live: {class: production}}\n",
    "environments: {live: {class: production, approval: {required: true}}}\n",
    "environments: {live: {class: production, approval: {groups: [release-managers]}}}\n",
    "environments: {test: {class: production}}\n",  # an existing environment moved to production
])
def test_a_new_production_environment_inherits_the_locked_approval(tree: Tree,
                                                                  project: str) -> None:
    effective = _load(tree, project)
    name = "test" if "test:" in project else "live"
    approval = effective.model.environments[name].approval  # type: ignore[attr-defined]
    assert approval.model_dump() == PROD_APPROVAL


@pytest.mark.parametrize(("project", "key", "value"), [
    ("environments: {live: {class: production, approval: {required: false}}}\n",
     "environments.live.approval", '{"required": false}'),
    ("environments: {live: {class: production, approval: {groups: [me]}}}\n",
     "environments.live.approval", '{"groups": ["me"]}'),
    ("environments: {test: {class: production, approval: {timeoutMinutes: 1}}}\n",
     "environments.test.approval", '{"timeoutMinutes": 1}'),
])
def test_a_production_environment_cannot_weaken_the_locked_approval(
        tree: Tree, project: str, key: str, value: str) -> None:
    with pytest.raises(SpecError) as info:
        _load(tree, project)
    name = key.split(".")[1]
    assert info.value.lines() == [
        f"api/superspec.yaml:9 [project api] {key}: environment '{name}' has class production: "
        f"{OWNER} for every production environment; this layer sets it to {value}"]


def test_a_department_is_held_too(tree: Tree) -> None:
    with pytest.raises(SpecError) as info:
        _load(tree, "", department="environments: {eu: {class: production, "
                                   "approval: {required: false}}}\n")
    assert info.value.lines() == [
        "acme/payments/superspec.yaml:5 [department payments] environments.eu.approval: "
        f"environment 'eu' has class production: {OWNER} for every production environment; "
        'this layer sets it to {"required": false}']


def test_other_classes_are_free(tree: Tree) -> None:
    effective = _load(tree, "environments: {dev2: {class: development}}\n")
    assert effective.model.environments["dev2"].approval.required is False  # type: ignore[attr-defined]


def test_the_generated_pipeline_asks_for_the_approval(tree: Tree,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    tree.company(COMPANY)
    tree.department()
    spec = tree.project(MINIMAL + "    deploy-live: {run: deploy, env: live}\n"
                        "environments: {live: {class: production}}\n")
    run = run_cli(capsys, "generate", "--spec", str(spec))
    assert run.code == 0, run.err
    jenkinsfile = (spec.parent / "Jenkinsfile").read_text()
    assert "submitter: 'release-managers'" in jenkinsfile
    run = run_cli(capsys, "explain", "environments.live.approval.required", "--spec", str(spec))
    assert run.out == ("environments.live.approval.required = true    "
                       "(company acme: acme/superspec.yaml:9)\n")


def test_moving_the_locked_environment_to_another_class_does_not_free_its_class(
        tree: Tree) -> None:
    with pytest.raises(SpecError) as info:
        _load(tree, "environments:\n  prod: {class: development}\n"
                    "  live: {class: production, approval: {required: false}}\n")
    assert info.value.lines() == [
        "api/superspec.yaml:11 [project api] environments.live.approval: environment 'live' has "
        f"class production: {OWNER} for every production environment; this layer sets it to "
        '{"required": false}']
