"""The artifact the spec names is the project's own build output: a package.artifact that
resolves outside the project directory (by path or through a link) is refused; one inside it,
or an --artifact the caller passes, is packaged."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.package.test_render import make_project, package

SPEC = """\
    artifact: ARTIFACT
    files: [{template: app.conf.j2, path: conf/app.conf}]
    """


def _project(tmp_path: Path, artifact: str) -> Path:
    return make_project(tmp_path / "billing", SPEC.replace("ARTIFACT", artifact),
                        {"app.conf.j2": "x={{ env.name }}\n"})


@pytest.mark.parametrize("shape", ["relative", "absolute", "linked file", "linked folder"])
def test_an_artifact_outside_the_project_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        shape: str) -> None:
    other = tmp_path / "other-team" / "dist"
    other.mkdir(parents=True)
    named = {"relative": "../other-team/dist/app.jar", "absolute": str(other / "app.jar"),
             "linked file": "build/app.jar", "linked folder": "out/app.jar"}[shape]
    root = _project(tmp_path, named)
    shutil.copy(root / "app.jar", other / "app.jar")
    if shape == "linked file":
        (root / "build").mkdir()
        os.symlink(other / "app.jar", root / "build" / "app.jar")
    if shape == "linked folder":
        os.symlink(other, root / "out")
    monkeypatch.chdir(tmp_path)
    run = package(capsys, root, "--env", "test")
    assert run.code == 1
    assert run.err == (f"error: billing/superspec.yaml:6 [project billing] package.artifact: "
                       f"package.artifact '{named}' resolves to {other / 'app.jar'}, outside the "
                       f"project directory {root}\n")
    assert sorted(p.name for p in other.iterdir()) == ["app.jar"]


def test_inside_the_project_or_from_the_command_line_is_packaged(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path, "app.jar")
    assert package(capsys, root, "--env", "test").code == 0
    elsewhere = tmp_path / "elsewhere.jar"
    shutil.copy(root / "app.jar", elsewhere)
    run = package(capsys, root, "--env", "test", "--artifact", str(elsewhere))
    assert run.code == 0, run.err
