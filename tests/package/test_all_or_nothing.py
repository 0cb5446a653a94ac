"""One package run is all or nothing: repeated environments are packaged once, and a failure at
any point, even while the outputs and their side manifests are being renamed into place, leaves
the output directory exactly as it was."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.package.conftest import SUPERSPEC, run_cli, spec_args
from tests.step.conftest import Workspace, workspace  # noqa: F401 - the step fixture

SIDE = ".superspec-package.json"


def snapshot(directory: Path) -> dict[str, bytes | None]:
    """Every path under ``directory`` (hidden ones too) with a file's bytes (None: a directory)."""
    return {str(p.relative_to(directory)): None if p.is_dir() else p.read_bytes()
            for p in sorted(directory.rglob("*"))}


def test_a_repeated_env_is_packaged_once(project: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    run = run_cli(capsys, "package", "--env", "prod", "--env", "test", "--env", "prod",
                  "--format", "json", *spec_args(project))
    assert run.code == 0, run.err
    assert [r["environment"] for r in json.loads(run.out)["results"]] == ["prod", "test"]
    assert run.err == ("packaged prod: target/payments-api-prod.jar (1 file(s) rendered)\n"
                       "packaged test: target/payments-api-test.jar (1 file(s) rendered)\n")
    assert sorted(os.listdir(project / "target")) == [
        "payments-api-prod.jar", f"payments-api-prod.jar{SIDE}",
        "payments-api-test.jar", f"payments-api-test.jar{SIDE}", "payments-api.jar"]


def test_a_repeated_env_in_the_step_params_is_packaged_once(
        workspace: Workspace) -> None:  # noqa: F811 - the fixture imported above
    run = workspace.step("package", {"contract": 1, "step": "package", "layers": ["ci-layers"],
                                     "envs": ["prod", "prod"], "out": "out/prod.jar"})
    assert run.code == 0, run.err
    assert run.result is not None
    assert run.result["message"] == "packaged 1 environment(s): prod"
    assert [p["environment"] for p in run.result["details"]["packages"]] == ["prod"]
    assert sorted(os.listdir("out")) == ["prod.jar", f"prod.jar{SIDE}"]


def test_a_rename_refused_for_the_second_env_takes_back_the_first(
        project: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A directory stands where prod's output goes: test's output, renamed first, is removed
    again and nothing else is left behind."""
    monkeypatch.chdir(project)
    target = project / "target"
    (target / "payments-api-prod.jar").mkdir()
    (target / "payments-api-prod.jar" / "keep.txt").write_text("mine\n")
    before = snapshot(target)
    run = run_cli(capsys, "package", "--env", "test", "--env", "prod", *spec_args(project))
    assert (run.code, run.out, run.err) == (
        1, "", "error: target/payments-api-prod.jar: cannot write the packaged artifact: "
               "Is a directory\n")
    assert snapshot(target) == before


def _failing_replace(monkeypatch: pytest.MonkeyPatch, fail_at: int) -> list[tuple[str, str]]:
    """os.replace into the working directory (the project) fails with EIO on its
    ``fail_at``-th call (1-based); returns those calls. Renames elsewhere (superspec's caches
    under the user cache directory) are not counted."""
    real = os.replace
    calls: list[tuple[str, str]] = []
    project = Path.cwd().resolve()

    def replace(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if not Path(os.path.abspath(dst)).is_relative_to(project):
            real(src, dst)
            return
        calls.append((os.fspath(src), os.fspath(dst)))
        if len(calls) == fail_at:
            raise OSError(errno.EIO, os.strerror(errno.EIO), os.fspath(src), os.fspath(dst))
        real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    return calls


# the renames of `--env test --env prod`: the two outputs, then their side manifests
RENAMED = ["payments-api-test.jar", "payments-api-prod.jar",
           f"payments-api-test.jar{SIDE}", f"payments-api-prod.jar{SIDE}"]


@pytest.mark.parametrize("fail_at", [1, 2, 3, 4])
@pytest.mark.parametrize("earlier_run", [False, True], ids=["fresh", "over-an-earlier-run"])
def test_a_failed_rename_leaves_the_directory_as_it_was(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, fail_at: int, earlier_run: bool) -> None:
    monkeypatch.chdir(project)
    out = project / "dist"
    if earlier_run:  # outputs of another version: a failed run must restore them byte for byte
        run = run_cli(capsys, "package", "--env", "test", "--env", "prod", "--out", "dist",
                      "--version", "0.9.0", *spec_args(project))
        assert run.code == 0, run.err
    before = snapshot(project)
    calls = _failing_replace(monkeypatch, fail_at)
    run = run_cli(capsys, "package", "--env", "test", "--env", "prod", "--out", "dist",
                  *spec_args(project))
    assert (run.code, run.out, run.err) == (
        1, "", f"error: dist/{RENAMED[fail_at - 1]}: cannot write the packaged artifact: "
               "Input/output error\n")
    assert [Path(dst).name for _, dst in calls if not Path(dst).name.endswith(".old")][
        :fail_at] == RENAMED[:fail_at]
    assert snapshot(project) == before
    assert out.exists() == earlier_run


def test_a_failure_before_the_renames_removes_the_directories_it_made(
        project: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    before = snapshot(project)
    _failing_replace(monkeypatch, 1)
    run = run_cli(capsys, "package", "--env", "test", "--env", "prod", "--out", "a/b/c",
                  *spec_args(project))
    assert (run.code, run.err) == (1, "error: a/b/c/payments-api-test.jar: cannot write the "
                                      "packaged artifact: Input/output error\n")
    assert snapshot(project) == before


def test_runs_writing_the_same_outputs_commit_one_after_the_other(project: Path) -> None:
    """While another run renames its outputs into target/ (it holds the folder's flock), a
    second run waits with its renames: an output never lies beside another run's side manifest,
    and a rollback never takes back another run's outputs."""
    folder = os.open(project / "target", os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)  # the other run, mid-commit
        second = subprocess.Popen([*SUPERSPEC, "package", "--env", "prod", *spec_args(project)],
                                  cwd=project, stderr=subprocess.PIPE, text=True)
        with pytest.raises(subprocess.TimeoutExpired):
            second.wait(timeout=3)
        assert "payments-api-prod.jar" not in os.listdir(project / "target")
    finally:
        os.close(folder)  # the other run is done
    assert second.wait(timeout=60) == 0, second.stderr.read()  # type: ignore[union-attr]
    assert {"payments-api-prod.jar", f"payments-api-prod.jar{SIDE}"} <= \
        set(os.listdir(project / "target"))
