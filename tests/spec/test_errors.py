"""Every error names file:line, the layer and the dotted key; whole messages are asserted."""

from __future__ import annotations

import pytest

from superspec.errors import SpecError
from superspec.spec import load_spec
from tests.helpers import write
from tests.spec.conftest import MINIMAL, Tree

BUILD = "build: {tool: maven}\n"


def _lines(tree: Tree, project_body: str, company_body: str = "") -> list[str]:
    tree.company(company_body)
    tree.department("")
    with pytest.raises(SpecError) as info:
        load_spec(tree.project(project_body))
    return info.value.lines()


def test_yaml_syntax_error_has_line_and_column(tree: Tree) -> None:
    project = write(tree.root / "api/superspec.yaml",
                    "superspec: 1\nkind: project\nname: api\nbuild: {tool: maven\n")
    with pytest.raises(SpecError) as info:
        load_spec(project)
    assert info.value.lines() == [
        "api/superspec.yaml:5:1: YAML syntax error: did not find expected ',' or '}'"
    ]


def test_unknown_key_with_did_you_mean(tree: Tree) -> None:
    assert _lines(tree, BUILD + "pipeline: {stages: {deploy: {run: deploy, evn: test}}}\n") == [
        "api/superspec.yaml:6 [project api] pipeline.stages.deploy.evn: unknown key 'evn'; "
        "did you mean 'env'?"
    ]


def test_unknown_key_lists_known_keys_when_nothing_is_close(tree: Tree) -> None:
    assert _lines(tree, MINIMAL + "branching: {zzz: 1}\n") == [
        "api/superspec.yaml:9 [project api] branching.zzz: unknown key 'zzz' "
        "(known keys: develop, main, release, strategy)"
    ]


def test_unknown_key_in_an_upper_layer_is_an_error_even_when_deleted_below(tree: Tree) -> None:
    lines = _lines(tree, MINIMAL + "app: null\n", company_body="app: {imagee: x}\n")
    assert lines == [
        "acme/superspec.yaml:4 [company acme] app.imagee: unknown key 'imagee'; "
        "did you mean 'image'?"
    ]


def test_type_error_is_located_at_the_layer_that_set_it(tree: Tree) -> None:
    lines = _lines(tree, MINIMAL, company_body="ci:\n  jenkins:\n    options:\n"
                                               "      timeoutMinutes: soon\n")
    assert lines == [
        "acme/superspec.yaml:7 [company acme] ci.jenkins.options.timeoutMinutes: Input should "
        "be a valid integer (got 'soon')"
    ]


def test_enum_error_lists_the_choices(tree: Tree) -> None:
    assert _lines(tree, "build: {tool: ant}\npipeline: {stages: {build: {}}}\n") == [
        "api/superspec.yaml:5 [project api] build.tool: Input should be 'maven', 'gradle', "
        "'python', 'npm', 'go' or 'custom' (got 'ant')"
    ]


def test_required_value_missing_after_merge_names_the_chain(tree: Tree) -> None:
    assert _lines(tree, "pipeline: {stages: {build: {}}}\n") == [
        "api/superspec.yaml [project api] build: required value 'build' is missing after "
        "merging the layers (searched: project api (api/superspec.yaml), department payments "
        "(acme/payments/superspec.yaml), company acme (acme/superspec.yaml))"
    ]


def test_required_nested_value_points_at_its_parent(tree: Tree) -> None:
    assert _lines(tree, "build: {image: x}\npipeline: {stages: {build: {}}}\n") == [
        "api/superspec.yaml:5 [project api] build.tool: required value 'build.tool' is missing "
        "after merging the layers (searched: project api (api/superspec.yaml), department "
        "payments (acme/payments/superspec.yaml), company acme (acme/superspec.yaml))"
    ]


def test_duplicate_keys_are_refused(tree: Tree) -> None:
    project = write(tree.root / "api/superspec.yaml",
                    "superspec: 1\nkind: project\nname: api\nname: other\n")
    with pytest.raises(SpecError) as info:
        load_spec(project)
    assert info.value.lines() == [
        "api/superspec.yaml:4 name: duplicate key 'name' (first at line 3)"
    ]


def test_yaml_merge_keys_are_refused(tree: Tree) -> None:
    project = write(tree.root / "api/superspec.yaml",
                    "superspec: 1\nkind: project\nname: api\nbase: &b {x: 1}\napp:\n  <<: *b\n")
    with pytest.raises(SpecError) as info:
        load_spec(project)
    assert info.value.lines() == [
        "api/superspec.yaml:6 app: YAML merge keys ('<<') are not supported; use 'extends' to "
        "share values"
    ]


def test_a_layer_that_is_not_a_mapping(tree: Tree) -> None:
    project = write(tree.root / "api/superspec.yaml", "- just\n- a list\n")
    with pytest.raises(SpecError) as info:
        load_spec(project)
    assert info.value.lines() == [
        "api/superspec.yaml:1: a spec layer must be a YAML mapping, found a list"
    ]


def test_an_empty_file(tree: Tree) -> None:
    project = write(tree.root / "api/superspec.yaml", "")
    with pytest.raises(SpecError) as info:
        load_spec(project)
    assert info.value.lines() == [
        "api/superspec.yaml: a spec layer must be a YAML mapping, found an empty file"
    ]


def test_yaml_keys_are_taken_as_written(tree: Tree) -> None:
    """YAML 1.1 reads `on:` as true; a spec key is always the text the user wrote."""
    tree.company()
    tree.department()
    spec = load_spec(tree.project(MINIMAL + "package: {values: {on: {yes: 1}}}\n"))
    assert spec.model.package.values == {"on": {"yes": 1}}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("pipeline: {stages: {deploy: {run: deploy}}}\n",
         "api/superspec.yaml:6 [project api] pipeline.stages.deploy: stage 'deploy' runs 'deploy' "
         "and needs 'env:'"),
        ("pipeline: {stages: {deploy: {run: deploy, env: qa}}}\n",
         "api/superspec.yaml:6 [project api] pipeline.stages.deploy.env: environment 'qa' is "
         "not defined in environments (defined: none)"),
        ("pipeline: {stages: {lint: {}}}\n",
         "api/superspec.yaml:6 [project api] pipeline.stages.lint: stage 'lint' has no runner: "
         "set 'run:' (enforce, build, test, package, deploy, release, script) or 'script:'"),
        ("pipeline: {stages: {smoke: {script: [x], after: deploy}}}\n",
         "api/superspec.yaml:6 [project api] pipeline.stages.smoke.after: 'after: deploy' names "
         "no stage of this pipeline"),
        ("pipeline: {stages: {a: {script: [x], after: b}, b: {script: [y], after: a}}}\n",
         "api/superspec.yaml:6 [project api] pipeline.stages.a.after: 'after' forms a cycle "
         "between stages: a, b"),
        ("pipeline: {stages: {s: {run: script}}}\n",
         "api/superspec.yaml:6 [project api] pipeline.stages.s: stage 's' runs 'script' but has "
         "no 'script:' commands"),
    ],
)
def test_cross_key_checks(tree: Tree, body: str, message: str) -> None:
    assert _lines(tree, BUILD + body) == [message]


def test_several_problems_are_all_reported(tree: Tree) -> None:
    lines = _lines(tree, MINIMAL + "app: {prot: 1}\nbranching: {stratgy: trunk}\n")
    assert lines == [
        "api/superspec.yaml:9 [project api] app.prot: unknown key 'prot'; did you mean 'port'?",
        "api/superspec.yaml:10 [project api] branching.stratgy: unknown key 'stratgy'; did you "
        "mean 'strategy'?",
    ]
