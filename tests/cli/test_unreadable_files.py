"""A spec or layer file that cannot be read: exit 1 with one message saying why, like a missing
one; never a usage error, a crash or a wait on a FIFO."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.helpers import run_cli, write

LAYERS = str(EXAMPLES / "layers")
PROJECT = "superspec: 1\nkind: project\nname: app\nextends: {parent}\n"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SUPERSPEC_LAYERS", raising=False)


def _superspec(*argv: str) -> subprocess.CompletedProcess[str]:
    """A real process, so that a read blocking on a FIFO fails the test instead of hanging it."""
    return subprocess.run([sys.executable, "-m", "superspec", *argv], capture_output=True,
                          text=True, timeout=60)


@pytest.mark.parametrize("command", [["validate"], ["explain"], ["package", "--env", "prod"],
                                     ["enforce"]])
def test_a_directory_named_like_the_spec(capsys: pytest.CaptureFixture[str],
                                         command: list[str]) -> None:
    Path("superspec.yaml").mkdir()
    run = run_cli(capsys, *command)
    assert (run.code, run.out, run.err) == (
        1, "", "error: superspec.yaml: spec file is not a regular file (a directory)\n")


def test_a_spec_that_cannot_be_opened(capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """What chmod 000 does for anyone but root (the tests may run as root)."""
    spec = write(Path("superspec.yaml"), PROJECT.format(parent="acme"))
    real_open = os.open

    def refusing(path: str | os.PathLike[str], flags: int, *args: int, **kwargs: int) -> int:
        if Path(path).resolve() == spec.resolve():
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing)
    run = run_cli(capsys, "validate", "--layers", LAYERS)
    assert (run.code, run.err) == (1, "error: superspec.yaml: cannot read: Permission denied\n")


def test_a_missing_spec_exits_the_same_way(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "validate")
    assert (run.code, run.err) == (1, "error: superspec.yaml: spec file not found (use --spec "
                                      "PATH)\n")


def test_dev_null(capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "validate", "--spec", "/dev/null")
    assert (run.code, run.err) == (
        1, "error: /dev/null: spec file is not a regular file (a character device)\n")


def test_a_fifo_is_refused_without_waiting_for_a_writer() -> None:
    os.mkfifo("pipe.yaml")
    run = _superspec("validate", "--spec", "pipe.yaml")
    assert (run.returncode, run.stderr) == (
        1, "error: pipe.yaml: spec file is not a regular file (a FIFO)\n")


def test_a_fifo_in_extends() -> None:
    os.mkfifo("parent.yaml")
    write(Path("superspec.yaml"), PROJECT.format(parent="parent.yaml"))
    run = _superspec("validate")
    assert (run.returncode, run.stderr) == (
        1, "error: superspec.yaml:4 [project app] extends: extends 'parent.yaml', but parent.yaml "
           "is not a regular file (a FIFO)\n")


def test_a_self_symlinked_spec(capsys: pytest.CaptureFixture[str]) -> None:
    Path("superspec.yaml").symlink_to("superspec.yaml")
    run = run_cli(capsys, "validate")
    assert (run.code, run.err) == (1, "error: superspec.yaml: spec file is a symlink loop\n")


def test_a_self_symlinked_layer_in_extends(capsys: pytest.CaptureFixture[str]) -> None:
    Path("shared.yaml").symlink_to("shared.yaml")
    write(Path("superspec.yaml"), PROJECT.format(parent="shared.yaml"))
    run = run_cli(capsys, "validate")
    assert (run.code, run.err) == (
        1, "error: superspec.yaml:4 [project app] extends: extends 'shared.yaml', but shared.yaml "
           "is a symlink loop\n")


@pytest.mark.parametrize("what", ["a symlink loop", "a FIFO"])
def test_a_named_layer_that_cannot_be_a_layer_is_named_not_skipped(
        capsys: pytest.CaptureFixture[str], what: str) -> None:
    """The search by name stops at it: 'no such layer' would send the user looking elsewhere,
    and passing over it could pick a layer of the same name in a later directory."""
    first, second = Path("first"), Path("second")
    layer = first / "shared" / "superspec.yaml"
    layer.parent.mkdir(parents=True)
    if what == "a FIFO":
        os.mkfifo(layer)
    else:
        layer.symlink_to(layer.name)
    write(second / "shared" / "superspec.yaml",
          "superspec: 1\nkind: company\nname: shared\npipeline: {stages: {build: {}}}\n")
    write(Path("superspec.yaml"), PROJECT.format(parent="shared"))
    run = run_cli(capsys, "validate", "--layers", "first", "--layers", "second")
    problem = "is a symlink loop" if what == "a symlink loop" else (
        "is not a regular file (a FIFO)")
    assert (run.code, run.err) == (
        1, "error: superspec.yaml:4 [project app] extends: extends 'shared', but "
           f"first/shared/superspec.yaml {problem}\n")


def test_a_spec_that_is_not_utf8(capsys: pytest.CaptureFixture[str]) -> None:
    Path("superspec.yaml").write_bytes(b"\xffsuperspec: 1\n")
    run = run_cli(capsys, "validate")
    assert (run.code, run.err) == (
        1, "error: superspec.yaml: cannot read: not UTF-8 text (invalid start byte at byte 0)\n")


def test_crlf_line_ends_keep_their_lines(capsys: pytest.CaptureFixture[str]) -> None:
    Path("superspec.yaml").write_bytes(b"superspec: 1\r\nkind: project\r\nname: app\r\n"
                                       b"extends: acme\r\nbuild: {tool: mavn}\r\n")
    run = run_cli(capsys, "validate", "--layers", LAYERS)
    assert run.code == 1
    assert run.err.startswith("error: superspec.yaml:5 [project app] build.tool: ")


def test_enforce_in_a_project_dir_that_does_not_exist(capsys: pytest.CaptureFixture[str]) -> None:
    write(Path("superspec.yaml"), PROJECT.format(parent="acme"))
    run = run_cli(capsys, "enforce", "--layers", LAYERS, "--project-dir", "nowhere")
    assert run.code == 2
    assert run.out == ""
    assert run.err.endswith("Error: Invalid value for '--project-dir': Directory 'nowhere' does "
                            "not exist.\n")


def test_explain_names_the_layer_that_deleted_a_key(capsys: pytest.CaptureFixture[str]) -> None:
    department = EXAMPLES / "layers/acme/payments/superspec.yaml"
    company = EXAMPLES / "layers/acme/superspec.yaml"
    write(Path("superspec.yaml"),
          PROJECT.format(parent="acme/payments") + "build:\n  image: null\n")

    def line(path: Path, text: str) -> int:
        return next(i for i, row in enumerate(path.read_text().splitlines(), 1) if text in row)

    run = run_cli(capsys, "explain", "build.image", "--layers", LAYERS)
    assert (run.code, run.out) == (1, "")
    assert run.err == (
        "error: superspec.yaml:6 [project app] build.image: 'build.image' has no effective value: "
        f"this layer deletes it (null), over department payments at {department}:"
        f"{line(department, 'image: ')}\n")
    run = run_cli(capsys, "explain", "environments.uat.approval", "--layers", LAYERS)
    assert run.err == (
        f"error: {department}:{line(department, 'uat: null')} [department payments] "
        "environments.uat: 'environments.uat.approval' has no effective value: this layer deletes "
        f"'environments.uat' (null), over company acme at {company}:{line(company, 'uat:')}\n")
    run = run_cli(capsys, "explain", "build.nothing", "--layers", LAYERS)
    assert run.err.startswith("error: 'build.nothing' has no effective value (no layer sets ")
