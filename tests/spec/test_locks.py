"""Lock rules: set, change, delete, under, above, identical re-statement, accumulation."""

from __future__ import annotations

import pytest

from superspec.errors import SpecError
from superspec.spec import load_spec
from tests.spec.conftest import MINIMAL, Tree

COMPANY_LOCKS_APPROVAL = """
locked:
  - environments.prod.approval
environments:
  prod:
    class: production
    approval: {required: true, groups: [release-managers]}
"""
OWNER = "locked by company acme at acme/superspec.yaml:5 (locked: environments.prod.approval)"


def _errors(tree: Tree, project_body: str, department_body: str = "") -> list[str]:
    tree.company(COMPANY_LOCKS_APPROVAL)
    tree.department(department_body)
    project = tree.project(MINIMAL + project_body)
    with pytest.raises(SpecError) as info:
        load_spec(project)
    return info.value.lines()


def test_changing_a_locked_value_is_refused(tree: Tree) -> None:
    assert _errors(tree, "environments: {prod: {approval: {required: false}}}\n") == [
        "api/superspec.yaml:9 [project api] environments.prod.approval.required: "
        f"{OWNER}; this layer changes it from true to false"
    ]


def test_setting_a_new_key_under_a_locked_path_is_refused(tree: Tree) -> None:
    assert _errors(tree, "environments: {prod: {approval: {timeoutMinutes: 5}}}\n") == [
        "api/superspec.yaml:9 [project api] environments.prod.approval.timeoutMinutes: "
        f"{OWNER}; this layer sets it to 5"
    ]


def test_deleting_a_locked_path_is_refused(tree: Tree) -> None:
    assert _errors(tree, "environments: {prod: {approval: null}}\n") == [
        "api/superspec.yaml:9 [project api] environments.prod.approval: "
        f"{OWNER}; this layer deletes it"
    ]


def test_deleting_an_ancestor_of_a_locked_path_is_refused(tree: Tree) -> None:
    assert _errors(tree, "environments: {prod: null}\n") == [
        "api/superspec.yaml:9 [project api] environments.prod: "
        f"{OWNER}; this layer deletes it"
    ]


def test_replacing_an_ancestor_of_a_locked_path_is_refused(tree: Tree) -> None:
    assert _errors(tree, "environments: {prod: {approval: []}}\n") == [
        "api/superspec.yaml:9 [project api] environments.prod.approval: "
        f'{OWNER}; this layer changes it from {{"groups": ["release-managers"], '
        '"required": true} to []'
    ]


def test_setting_a_locked_path_the_owner_left_unset_is_refused(tree: Tree) -> None:
    tree.company("locked: [ci.gitlab.image]\n")
    tree.department("")
    project = tree.project(MINIMAL + "ci: {gitlab: {image: 'alpine:3'}}\n")
    with pytest.raises(SpecError) as info:
        load_spec(project)
    assert info.value.lines() == [
        "api/superspec.yaml:9 [project api] ci.gitlab.image: locked by company acme at "
        'acme/superspec.yaml:4 (locked: ci.gitlab.image); this layer sets it to "alpine:3"'
    ]


def test_restating_the_identical_value_is_allowed(tree: Tree) -> None:
    tree.company(COMPANY_LOCKS_APPROVAL)
    tree.department("environments: {prod: {approval: {required: true}}}\n")
    project = tree.project(
        MINIMAL + "environments: {prod: {approval: {groups: [release-managers]}}}\n")
    spec = load_spec(project)
    assert spec.model.environments["prod"].approval.required is True


def test_restating_with_another_type_is_a_change(tree: Tree) -> None:
    tree.company("locked: [ci.jenkins.options.timeoutMinutes]\n"
                 "ci: {jenkins: {options: {timeoutMinutes: 1}}}\n")
    tree.department("")
    project = tree.project(MINIMAL + "ci: {jenkins: {options: {timeoutMinutes: true}}}\n")
    with pytest.raises(SpecError, match="this layer changes it from 1 to true"):
        load_spec(project)


def test_unlocked_siblings_stay_free(tree: Tree) -> None:
    tree.company(COMPANY_LOCKS_APPROVAL)
    tree.department("")
    project = tree.project(MINIMAL + "environments: {prod: {isolated: true}}\n")
    assert load_spec(project).model.environments["prod"].isolated is True


def test_a_company_lock_binds_every_layer_below_not_only_the_next(tree: Tree) -> None:
    lines = _errors(tree, "", department_body="environments: {prod: {approval: null}}\n")
    assert lines == [
        "acme/payments/superspec.yaml:5 [department payments] environments.prod.approval: "
        f"{OWNER}; this layer deletes it"
    ]


def test_locks_accumulate_down_the_chain(tree: Tree) -> None:
    tree.company(COMPANY_LOCKS_APPROVAL)
    tree.department("locked: [branching.strategy]\nbranching: {strategy: gitflow}\n")
    project = tree.project(
        MINIMAL + "branching: {strategy: trunk}\n"
        "environments: {prod: {approval: {required: false}}}\n")
    with pytest.raises(SpecError) as info:
        load_spec(project)
    assert info.value.lines() == [
        "api/superspec.yaml:9 [project api] branching.strategy: locked by department payments "
        "at acme/payments/superspec.yaml:5 (locked: branching.strategy); this layer changes it "
        'from "gitflow" to "trunk"',
        "api/superspec.yaml:10 [project api] environments.prod.approval.required: "
        f"{OWNER}; this layer changes it from true to false",
    ]


def test_a_lock_does_not_bind_the_layer_that_declares_it(tree: Tree) -> None:
    tree.company("locked: [branching.strategy]\nbranching: {strategy: gitflow}\n"
                 "pipeline: {stages: {build: {}}}\n")
    tree.department("")
    spec = load_spec(tree.project("build: {tool: maven}\n"))
    assert spec.model.branching.strategy == "gitflow"
    assert spec.data["locked"] == ["branching.strategy"]


def test_a_lock_on_a_path_outside_the_format_is_refused(tree: Tree) -> None:
    tree.company("locked: [environments.prod.aproval.required, enforce.rulez]\n")
    tree.department("")
    with pytest.raises(SpecError) as info:
        load_spec(tree.project(MINIMAL))
    assert info.value.lines() == [
        "acme/superspec.yaml:4 [company acme] locked.0: locked path "
        "'environments.prod.aproval.required' is not a key of the spec format; "
        "did you mean 'environments.prod.approval'?",
        "acme/superspec.yaml:4 [company acme] locked.1: locked path 'enforce.rulez' is not a key "
        "of the spec format; did you mean 'enforce.rules'?",
    ]


def test_locks_inside_free_form_options_are_accepted(tree: Tree) -> None:
    tree.company("locked: [enforce.rules.requireToolVersion.java, package.values.prod.db_pool]\n")
    tree.department("")
    spec = load_spec(tree.project(MINIMAL))
    assert spec.data["locked"] == ["enforce.rules.requireToolVersion.java",
                                   "package.values.prod.db_pool"]
