"""In one fleet run a project cannot write into another project's output folder by declaring
its name: every spec is loaded first, and colliding projects fail before anything is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import run_cli, write


def _project(root: Path, folder: str, name: str) -> None:
    write(root / folder / "superspec.yaml", f"""
        superspec: 1
        kind: company
        name: {name}
        build: {{tool: custom, commands: {{build: "echo {folder}"}}}}
        pipeline: {{stages: {{build: {{}}}}}}
    """)


@pytest.mark.parametrize("order", [("victim", "squatter", "other"),
                                   ("squatter", "victim", "other"),
                                   ("other", "squatter", "victim")])
def test_a_squatter_fails_with_its_victim_and_nothing_of_theirs_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        order: tuple[str, ...]) -> None:
    monkeypatch.chdir(tmp_path)
    _project(tmp_path, "victim", "victim")
    _project(tmp_path, "squatter", "victim")
    _project(tmp_path, "other", "other")
    run = run_cli(capsys, "generate", *order, "--out", "out")
    assert run.code == 1
    assert run.out == "3 projects: 1 ok, 2 failed; files: 2 created\n"
    first, second = [o for o in order if o != "other"]
    assert run.err == (
        f"error: {first}/superspec.yaml and {second}/superspec.yaml would both write to "
        "out/victim (project name 'victim'); nothing was written for either\n"
        f"error: {second}/superspec.yaml and {first}/superspec.yaml would both write to "
        "out/victim (project name 'victim'); nothing was written for either\n"
        "error: 2 of 3 projects failed\n")
    assert not (tmp_path / "out/victim").exists()


def test_the_same_project_twice_is_generated_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    _project(tmp_path, "a", "a")
    run = run_cli(capsys, "generate", "a", "a", "./a/", str(tmp_path / "a" / "superspec.yaml"))
    assert run.code == 0, run.err
    assert run.out == "ok a: a/Jenkinsfile created, a/.gitlab-ci.yml created\n"
