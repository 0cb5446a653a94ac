"""Where a generated file is expected, superspec never reads through a link or from anything but
a regular file: `--check` would otherwise print the link target's content in its diff."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.helpers import run_cli, write

SPEC = """
superspec: 1
kind: company
name: acme
build: {tool: custom, commands: {build: "true"}}
pipeline: {stages: {build: {}}}
"""
SECRET = "TOP-SECRET-VALUE-4711"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "secret.txt", f"password={SECRET}\n")
    return write(tmp_path / "svc/superspec.yaml", SPEC).parent


@pytest.mark.parametrize("name", ["Jenkinsfile", ".gitlab-ci.yml"])
@pytest.mark.parametrize("target", ["../secret.txt", "/etc/passwd", "missing-target"])
@pytest.mark.parametrize("check", [True, False])
def test_a_symlinked_output_is_refused_and_never_read(
        project: Path, capsys: pytest.CaptureFixture[str], name: str, target: str,
        check: bool) -> None:
    os.symlink(target, project / name)
    run = run_cli(capsys, "generate", "--spec", "svc/superspec.yaml", *(["--check"] * check))
    assert run.code == 1
    assert run.err == (f"error: svc/{name}: is a symlink; generated files are only written as "
                       "regular files (remove the link)\n")
    assert SECRET not in run.out + run.err and "root:" not in run.out
    assert os.readlink(project / name) == target  # left as it was
    assert (project.parent / "secret.txt").read_text() == f"password={SECRET}\n"


@pytest.mark.parametrize("make", [os.mkfifo, os.mkdir])
def test_a_fifo_or_directory_is_refused_without_blocking(
        project: Path, capsys: pytest.CaptureFixture[str], make: object) -> None:
    make(project / "Jenkinsfile")  # type: ignore[operator]
    run = run_cli(capsys, "generate", "--spec", "svc/superspec.yaml", "--check")
    assert run.code == 1
    assert run.err.startswith("error: svc/Jenkinsfile: ")
    assert run.err == ("error: svc/Jenkinsfile: is not a regular file; generated files are only "
                       "written as regular files\n")
