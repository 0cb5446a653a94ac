"""superspec init: where the spec goes, and errors that name the file the user asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from superspec.spec.starter import starter_spec
from tests.helpers import run_cli

NO_LAYER = ("extends 'nope': no such layer (searched: no layer directories given); pass --layers "
            "DIR or set SUPERSPEC_LAYERS")


@pytest.fixture(autouse=True)
def _in_a_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = tmp_path / "proj"
    project.mkdir()
    monkeypatch.chdir(project)
    monkeypatch.delenv("SUPERSPEC_LAYERS", raising=False)
    return project


def _extends_line(name: str) -> int:
    text = starter_spec(name, "custom", "nope")
    return next(i for i, line in enumerate(text.splitlines(), 1) if line.startswith("extends:"))


def listing() -> list[str]:
    return sorted(str(p) for p in Path().rglob("*"))


def test_init_creates_the_missing_directories(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "init", "--spec", "new/dir/superspec.yaml")
    assert (run.code, run.err) == (0, "")
    assert run.out == ("wrote new/dir/superspec.yaml: build.tool custom\n"
                       "next: superspec explain, then superspec generate\n")
    assert listing() == ["new", "new/dir", "new/dir/superspec.yaml"]
    assert 'name: "dir"' in Path("new/dir/superspec.yaml").read_text()
    check = run_cli(capsys, "validate", "--spec", "new/dir/superspec.yaml")
    assert check.code == 0, check.err


def test_an_error_names_the_spec_not_the_draft(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "init", "--extends", "nope")
    assert (run.code, run.out) == (1, "")
    assert run.err == (f"error: superspec.yaml:{_extends_line('proj')} [project proj] extends: "
                       f"{NO_LAYER}\n")
    assert listing() == []


def test_a_failed_init_removes_the_directories_it_made(
        capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "init", "--spec", "a/b/superspec.yaml", "--extends", "nope")
    assert run.code == 1
    assert run.err == (f"error: a/b/superspec.yaml:{_extends_line('b')} [project b] extends: "
                       f"{NO_LAYER}\n")
    assert listing() == []


def test_a_file_in_the_way_of_the_directories(capsys: pytest.CaptureFixture[str]) -> None:
    Path("f").write_text("")
    run = run_cli(capsys, "init", "--spec", "f/x/superspec.yaml")
    assert (run.code, run.out) == (1, "")
    assert run.err == "error: cannot create f/x/superspec.yaml: f is not a directory\n"
    assert listing() == ["f"]
