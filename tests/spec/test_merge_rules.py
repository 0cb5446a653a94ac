"""Merge rules, one test per precedence pair: mappings merge, scalars and lists replace,
null deletes."""

from __future__ import annotations

import pytest

from superspec.spec import load_spec
from superspec.spec.layers import layer_dirs_from
from tests.spec.conftest import MINIMAL, Tree

# (upper, lower) layer pairs: which layer writes first and which one overrides it
PAIRS = ["company>department", "department>project", "company>project"]


def _chain(tree: Tree, pair: str, upper: str, lower: str):  # type: ignore[no-untyped-def]
    """Write a full chain where ``upper`` goes into the upper layer of ``pair``, ``lower`` below."""
    bodies = {"company": "", "department": "", "project": ""}
    up, down = pair.split(">")
    bodies[up] += upper
    bodies[down] += lower
    tree.company(bodies["company"])
    tree.department(bodies["department"])
    project = tree.project(MINIMAL + bodies["project"])
    return load_spec(project, layer_dirs_from())


@pytest.mark.parametrize("pair", PAIRS)
def test_lower_layer_replaces_a_scalar(tree: Tree, pair: str) -> None:
    spec = _chain(tree, pair, "branching: {strategy: gitflow}\n", "branching: {strategy: trunk}\n")
    assert spec.model.branching.strategy == "trunk"
    assert spec.origin("branching.strategy").layer == pair.split(">")[1]


@pytest.mark.parametrize("pair", PAIRS)
def test_lower_layer_replaces_a_list_whole(tree: Tree, pair: str) -> None:
    spec = _chain(tree, pair, "ci: {gitlab: {tags: [linux, docker]}}\n",
                  "ci: {gitlab: {tags: [arm]}}\n")
    assert spec.model.ci.gitlab.tags == ["arm"]


@pytest.mark.parametrize("pair", PAIRS)
def test_mappings_merge_key_by_key(tree: Tree, pair: str) -> None:
    spec = _chain(
        tree, pair,
        "ci: {jenkins: {options: {timeoutMinutes: 30, keepBuilds: 5}}}\n",
        "ci: {jenkins: {options: {keepBuilds: 9}}}\n",
    )
    options = spec.model.ci.jenkins.options
    assert (options.timeout_minutes, options.keep_builds) == (30, 9)
    up, down = pair.split(">")
    assert spec.origin("ci.jenkins.options.timeoutMinutes").layer == up
    assert spec.origin("ci.jenkins.options.keepBuilds").layer == down


@pytest.mark.parametrize("pair", PAIRS)
def test_null_deletes_the_key(tree: Tree, pair: str) -> None:
    spec = _chain(
        tree, pair,
        "environments: {dev: {class: development}, uat: {class: acceptance}}\n",
        "environments: {uat: null}\n",
    )
    assert list(spec.model.environments) == ["dev"]
    assert spec.origin("environments.uat") is None
    assert "uat" not in spec.data["environments"]


def test_two_departments_override_in_order(tree: Tree) -> None:
    tree.company("branching: {strategy: gitflow, main: trunk}\n")
    from tests.helpers import write

    write(tree.root / "acme/payments/superspec.yaml", """
        superspec: 1
        kind: department
        name: payments
        extends: ../superspec.yaml
        branching: {strategy: gitlab-flow}
    """)
    write(tree.root / "acme/payments/cards/superspec.yaml", """
        superspec: 1
        kind: department
        name: cards
        extends: ../superspec.yaml
        branching: {main: master}
    """)
    project = tree.project(MINIMAL, extends="../acme/payments/cards/superspec.yaml")
    spec = load_spec(project)
    assert spec.model.branching.strategy == "gitlab-flow"
    assert spec.model.branching.main == "master"
    assert [layer.label for layer in spec.layers] == [
        "company acme", "department payments", "department cards", "project api"]


def test_deleting_a_whole_subtree_removes_its_provenance(tree: Tree) -> None:
    tree.company("enforce: {rules: {requireOS: {family: unix}, dependencyConvergence: {}}}\n")
    tree.department("")
    project = tree.project(MINIMAL + "enforce: {rules: null}\n")
    spec = load_spec(project)
    assert spec.model.enforce.rules == {}
    assert spec.origin("enforce.rules.requireOS.family") is None


def test_null_inside_a_new_mapping_is_simply_absent(tree: Tree) -> None:
    tree.company("")
    tree.department("")
    project = tree.project(MINIMAL + "environments: {dev: {class: development, url: null}}\n")
    spec = load_spec(project)
    assert spec.data["environments"]["dev"] == {"class": "development"}


def test_stage_order_first_definition_wins_and_after_moves(tree: Tree) -> None:
    from superspec.spec import stage_order

    tree.company("pipeline: {stages: {enforce: {}, build: {}, test: {}}}\n")
    tree.department("pipeline: {stages: {deploy-test: {run: deploy, env: test}, build: {}}}\n"
                    "environments: {test: {class: functional-test}}\n")
    project = tree.project(
        "build: {tool: npm}\n"
        "pipeline:\n  stages:\n"
        "    smoke: {script: [./smoke.sh], after: build}\n"
        "    lint: {script: [npm run lint], after: build}\n"
        "    test: {reports: {junit: junit.xml}}\n"
    )
    spec = load_spec(project)
    assert stage_order(spec.model) == ["enforce", "build", "smoke", "lint", "test", "deploy-test"]


def test_deleting_a_stage(tree: Tree) -> None:
    from superspec.spec import stage_order

    tree.company("pipeline: {stages: {enforce: {}, build: {}, test: {}}}\n")
    tree.department("")
    project = tree.project("build: {tool: go}\npipeline: {stages: {enforce: null}}\n")
    assert stage_order(load_spec(project).model) == ["build", "test"]


def test_provenance_names_file_line_and_layer(tree: Tree) -> None:
    tree.company("""
        environments:
          prod:
            class: production
            approval:
              required: true
    """)
    tree.department("")
    spec = load_spec(tree.project(MINIMAL))
    origin = spec.origin("environments.prod.approval.required")
    assert origin.as_dict() == {
        "file": "acme/superspec.yaml", "line": 8, "layer": "company", "name": "acme"}
    assert str(origin) == "company acme: acme/superspec.yaml:8"


def test_same_spec_same_digest_and_a_change_changes_it(tree: Tree) -> None:
    tree.company("")
    tree.department("")
    project = tree.project(MINIMAL)
    first, second = load_spec(project).digest, load_spec(project).digest
    assert first == second and len(first) == 64
    tree.project(MINIMAL + "branching: {main: trunk}\n")
    assert load_spec(project).digest != first
