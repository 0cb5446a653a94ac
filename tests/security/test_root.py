"""The pinned root: with SUPERSPEC_ROOT (or --root) every chain must end in that company layer of
a layer directory, never in a company layer the project wrote itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_cli, write

COMPANY = """
superspec: 1
kind: company
name: acme
ci: {root: acme}
locked: [environments.prod.approval]
build: {tool: custom, commands: {build: "true"}}
pipeline: {stages: {build: {}}}
environments: {prod: {class: production, approval: {required: true}}}
"""
FAKE = COMPANY.replace("locked: [environments.prod.approval]\n", "").replace(
    "required: true", "required: false")


@pytest.fixture
def layers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SUPERSPEC_ROOT", raising=False)
    monkeypatch.setenv("SUPERSPEC_LAYERS", str(tmp_path / "platform"))
    write(tmp_path / "platform/acme/superspec.yaml", COMPANY)
    return tmp_path / "platform"


def _project(tmp_path: Path, extends: str) -> Path:
    return write(tmp_path / "svc/superspec.yaml",
                 f"superspec: 1\nkind: project\nname: svc\nextends: {extends}\n")


@pytest.mark.parametrize(("fake_at", "extends"), [
    ("svc/.ci/superspec.yaml", "./.ci/superspec.yaml"),  # a company layer the project wrote
    ("elsewhere/acme/superspec.yaml", "../elsewhere/acme/superspec.yaml"),  # same name, by path
])
def test_a_chain_ending_in_another_company_is_refused(
        layers: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, fake_at: str, extends: str) -> None:
    write(tmp_path / fake_at, FAKE)
    spec = _project(tmp_path, extends)
    monkeypatch.setenv("SUPERSPEC_ROOT", "acme")
    run = run_cli(capsys, "validate", "--spec", str(spec))
    assert run.code == 1
    assert run.err == (
        "error: svc/superspec.yaml [project svc]: the chain must end in the root company layer "
        f"'acme' (platform/acme/superspec.yaml); it ends in company acme ({fake_at})\n")


def test_a_top_level_company_spec_is_refused(layers: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    spec = write(tmp_path / "svc/superspec.yaml", FAKE)
    run = run_cli(capsys, "generate", "--spec", str(spec), "--root", "acme")
    assert run.code == 1
    assert run.err == (
        "error: svc/superspec.yaml [company acme]: the chain must end in the root company layer "
        "'acme' (platform/acme/superspec.yaml); it ends in company acme (svc/superspec.yaml)\n")
    assert not (tmp_path / "svc/Jenkinsfile").exists()


def test_a_root_layer_inside_the_project_is_refused(layers: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "svc/mine/acme/superspec.yaml", FAKE)
    spec = _project(tmp_path, "acme")
    run = run_cli(capsys, "validate", "--spec", str(spec), "--layers", "svc/mine",
                  "--root", "acme")
    assert run.code == 1
    assert run.err == (
        "error: svc/superspec.yaml [project svc]: the root layer 'acme' was found at "
        "svc/mine/acme/superspec.yaml, inside the project's own directory; the root must come "
        "from the platform's layer directories, not from the project\n")


def test_a_pipeline_cannot_move_the_machines_root(layers: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _project(tmp_path, "acme")
    monkeypatch.setenv("SUPERSPEC_ROOT", "acme")
    run = run_cli(capsys, "validate", "--spec", str(spec), "--root", "other")
    assert run.code == 2
    assert run.err == ("error: the root 'other' asked for differs from SUPERSPEC_ROOT=acme set "
                       "on this machine; the machine's root applies\n")


def test_the_step_contract_honours_the_root(layers: Path, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "svc/.ci/superspec.yaml", FAKE.replace(
        "pipeline: {stages: {build: {}}}", "pipeline: {stages: {enforce: {}}}"))
    _project(tmp_path, "./.ci/superspec.yaml")
    monkeypatch.chdir(tmp_path / "svc")
    params = write(tmp_path / "svc/params.json", json.dumps(
        {"contract": 1, "step": "enforce", "stage": "enforce", "root": "acme"}))
    run = run_cli(capsys, "step", "enforce", "--params-file", str(params), "--format", "json")
    assert run.code == 1
    assert "the chain must end in the root company layer 'acme'" in run.err


def test_an_honest_chain_passes_and_pipelines_carry_the_root(
        layers: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    spec = write(tmp_path / "svc/superspec.yaml", """
        superspec: 1
        kind: project
        name: svc
        extends: acme
        pipeline: {stages: {build: {}, enforce: {}}}
    """)
    monkeypatch.setenv("SUPERSPEC_ROOT", "acme")
    run = run_cli(capsys, "generate", "--spec", str(spec))
    assert run.code == 0, run.err
    gitlab = (tmp_path / "svc/.gitlab-ci.yml").read_text()
    assert "superspec enforce --spec superspec.yaml --root acme " in gitlab
    jenkinsfile = (tmp_path / "svc/Jenkinsfile").read_text()
    assert "sh('superspec enforce --spec superspec.yaml --root acme " in jenkinsfile


def test_ci_root_belongs_to_the_company(layers: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    spec = write(tmp_path / "svc/superspec.yaml", """
        superspec: 1
        kind: project
        name: svc
        extends: acme
        ci: {root: svc}
    """)
    run = run_cli(capsys, "validate", "--spec", str(spec))
    assert run.code == 1
    assert run.err == ("error: svc/superspec.yaml:5 [project svc] ci.root: only a company layer "
                       "may set ci.root (a project layer cannot)\n")
