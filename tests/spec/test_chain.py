"""Finding the chain: extends by path and by name, cycles, missing parents, kinds out of order."""

from __future__ import annotations

from pathlib import Path

import pytest

from superspec.errors import SpecError
from superspec.spec import load_spec
from superspec.spec.layers import layer_dirs_from
from tests.helpers import write
from tests.spec.conftest import MINIMAL, Tree


def _error_lines(spec: Path, dirs: list[Path] | None = None) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_spec(spec, layer_dirs_from(dirs or []))
    return info.value.lines()


def test_extends_by_relative_path(tree: Tree) -> None:
    tree.company()
    tree.department()
    spec = load_spec(tree.project(MINIMAL))
    assert [layer.file for layer in spec.layers] == [
        "acme/superspec.yaml", "acme/payments/superspec.yaml", "api/superspec.yaml"]


def test_extends_by_name_through_layers_option(tree: Tree) -> None:
    write(tree.root / "shared/acme/superspec.yaml", "superspec: 1\nkind: company\nname: acme\n")
    write(tree.root / "shared/acme/payments/superspec.yaml",
          "superspec: 1\nkind: department\nname: payments\nextends: acme\n")
    project = tree.project(MINIMAL, extends="acme/payments")
    spec = load_spec(project, layer_dirs_from([tree.root / "shared"]))
    assert [layer.name for layer in spec.layers] == ["acme", "payments", "api"]


def test_extends_by_name_through_the_environment(tree: Tree, monkeypatch: pytest.MonkeyPatch
                                                  ) -> None:
    write(tree.root / "one/acme/superspec.yaml", "superspec: 1\nkind: company\nname: one\n")
    write(tree.root / "two/acme/superspec.yaml", "superspec: 1\nkind: company\nname: two\n")
    monkeypatch.setenv("SUPERSPEC_LAYERS", f"{tree.root / 'one'}:{tree.root / 'two'}")
    project = tree.project(MINIMAL, extends="acme")
    assert load_spec(project, layer_dirs_from()).layers[0].name == "one"
    # --layers is searched before SUPERSPEC_LAYERS
    assert load_spec(project, layer_dirs_from([tree.root / "two"])).layers[0].name == "two"


def test_missing_parent_by_path_names_both_files(tree: Tree) -> None:
    project = tree.project(MINIMAL, extends="../nowhere/superspec.yaml")
    assert _error_lines(project) == [
        "api/superspec.yaml:4 [project api] extends: extends '../nowhere/superspec.yaml', "
        "but nowhere/superspec.yaml does not exist"
    ]


def test_missing_parent_by_name_lists_what_was_searched(tree: Tree) -> None:
    (tree.root / "layers").mkdir()
    project = tree.project(MINIMAL, extends="acme/payments")
    assert _error_lines(project, [tree.root / "layers"]) == [
        "api/superspec.yaml:4 [project api] extends: extends 'acme/payments': no such layer "
        "(searched: layers/acme/payments/superspec.yaml); pass --layers DIR or set "
        "SUPERSPEC_LAYERS"
    ]


def test_a_cycle_is_reported_with_the_whole_chain(tree: Tree) -> None:
    write(tree.root / "a/superspec.yaml",
          "superspec: 1\nkind: department\nname: a\nextends: ../b/superspec.yaml\n")
    write(tree.root / "b/superspec.yaml",
          "superspec: 1\nkind: department\nname: b\nextends: ../a/superspec.yaml\n")
    project = tree.project(MINIMAL, extends="../a/superspec.yaml")
    assert _error_lines(project) == [
        "b/superspec.yaml:4 [department b] extends: extends cycle: a/superspec.yaml -> "
        "b/superspec.yaml -> a/superspec.yaml"
    ]


def test_a_company_cannot_extend_a_project(tree: Tree) -> None:
    write(tree.root / "p/superspec.yaml", "superspec: 1\nkind: project\nname: p\n")
    company = write(tree.root / "c/superspec.yaml",
                    "superspec: 1\nkind: company\nname: c\nextends: ../p/superspec.yaml\n")
    assert _error_lines(company) == [
        "c/superspec.yaml:4 [company c] extends: a company cannot extend a project "
        "(p/superspec.yaml); chains run project -> department(s) -> company"
    ]


def test_a_project_cannot_extend_a_project(tree: Tree) -> None:
    write(tree.root / "p/superspec.yaml", "superspec: 1\nkind: project\nname: p\n" + MINIMAL)
    project = tree.project(MINIMAL, extends="../p/superspec.yaml")
    assert _error_lines(project) == [
        "api/superspec.yaml:4 [project api] extends: a project cannot extend a project "
        "(p/superspec.yaml); chains run project -> department(s) -> company"
    ]


def test_a_project_may_extend_the_company_directly(tree: Tree) -> None:
    tree.company()
    spec = load_spec(tree.project(MINIMAL, extends="../acme/superspec.yaml"))
    assert [layer.kind for layer in spec.layers] == ["company", "project"]


def test_every_layer_needs_its_header(tree: Tree) -> None:
    write(tree.root / "acme/superspec.yaml", "kind: company\n")
    project = tree.project(MINIMAL, extends="../acme/superspec.yaml")
    assert _error_lines(project) == [
        "acme/superspec.yaml:1 [company ?] superspec: required in every layer file: "
        "add 'superspec:'",
        "acme/superspec.yaml:1 [company ?] name: required in every layer file: add 'name:'",
    ]


def test_an_unknown_format_version_is_refused(tree: Tree) -> None:
    project = write(tree.root / "api/superspec.yaml",
                    "superspec: 2\nkind: project\nname: api\n" + MINIMAL)
    assert _error_lines(project) == [
        "api/superspec.yaml:1 [project api] superspec: unsupported format version 2; "
        "this superspec reads version 1"
    ]


def test_an_unknown_kind_is_refused(tree: Tree) -> None:
    project = write(tree.root / "api/superspec.yaml",
                    "superspec: 1\nkind: team\nname: api\n" + MINIMAL)
    assert _error_lines(project) == [
        "api/superspec.yaml:2 [team api] kind: must be one of company, department, project; "
        "got 'team'"
    ]


def test_a_missing_spec_file_says_how_to_point_elsewhere(tree: Tree) -> None:
    assert _error_lines(tree.root / "nothing.yaml") == [
        "nothing.yaml: spec file not found (use --spec PATH)"
    ]
