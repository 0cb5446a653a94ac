"""`superspec library add-layers`: company layers copied into a shared library checkout, where the
steps unpack them (resources/superspec/layers, listed in index.txt)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import Run, run_cli, write
from tests.shared_library.conftest import LIBRARY, ROOT

EXAMPLE_LAYERS = ROOT / "examples" / "layers"


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout of the shared library (as shipped: no layers yet), cwd beside it."""
    monkeypatch.chdir(tmp_path)
    copy = tmp_path / "lib"
    shutil.copytree(LIBRARY, copy)
    return copy


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


def add(capsys: pytest.CaptureFixture[str], layers: Path, library: Path, *more: str) -> Run:
    return run_cli(capsys, "library", "add-layers", "--layers", str(layers),
                   "--library", str(library), *more)


def test_layers_are_copied_and_listed(library: Path, capsys: pytest.CaptureFixture[str],
                                      tmp_path: Path) -> None:
    shipped = (library / "resources/superspec/layers/index.txt").read_text()
    assert [line for line in shipped.splitlines() if not line.startswith("#")] == []
    run = add(capsys, EXAMPLE_LAYERS, library)
    assert (run.code, run.err) == (0, "")
    assert run.out == ("ok lib/resources/superspec/layers: acme, acme/payments "
                       "(2 added, 0 replaced, 0 unchanged)\n")
    target = library / "resources/superspec/layers"
    assert snapshot(target) == {
        "acme/payments/superspec.yaml": (EXAMPLE_LAYERS / "acme/payments/superspec.yaml")
        .read_bytes(),
        "acme/superspec.yaml": (EXAMPLE_LAYERS / "acme/superspec.yaml").read_bytes(),
        "index.txt": snapshot(target)["index.txt"]}
    index = (target / "index.txt").read_text().splitlines()
    assert [line for line in index if not line.startswith("#")] == [
        "acme/payments/superspec.yaml", "acme/superspec.yaml"]
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".layers-")]

    mtime = (target / "index.txt").stat().st_mtime_ns
    again = add(capsys, EXAMPLE_LAYERS, library, "--format", "json")
    assert again.code == 0
    assert json.loads(again.out) == {
        "target": "lib/resources/superspec/layers", "layers": ["acme", "acme/payments"],
        "added": [], "replaced": [],
        "unchanged": ["acme/payments/superspec.yaml", "acme/superspec.yaml"]}
    assert (target / "index.txt").stat().st_mtime_ns == mtime  # nothing rewritten


def test_other_layers_are_kept_and_changed_files_replaced(
        library: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert add(capsys, EXAMPLE_LAYERS, library).code == 0
    update = tmp_path / "update"
    shutil.copytree(EXAMPLE_LAYERS / "acme", update / "acme",
                    ignore=shutil.ignore_patterns("payments"))
    company = update / "acme" / "superspec.yaml"
    company.write_text(company.read_text() + "\n# reviewed\n")
    write(update / "globex" / "superspec.yaml", "superspec: 1\nkind: company\nname: globex\n")
    run = add(capsys, update, library)
    assert (run.code, run.err) == (0, "")
    assert run.out == ("ok lib/resources/superspec/layers: acme, acme/payments, globex "
                       "(1 added, 1 replaced, 0 unchanged)\n")
    target = library / "resources/superspec/layers"
    assert (target / "acme/superspec.yaml").read_text().endswith("# reviewed\n")
    assert (target / "acme/payments/superspec.yaml").is_file()


@pytest.mark.parametrize(("layer", "message"), [
    ("superspec: 1\nkind: company\nname: acme\nbuidl: {tool: maven}\n",
     "{file}:4 [company acme] buidl: unknown key 'buidl'; did you mean 'build'?"),
    ("superspec: 1\nkind: project\nname: app\n",
     "{file}:2 [project app] kind: a project spec is not a layer: the library carries company "
     "and department layers"),
    ("superspec: 1\nkind: department\nname: d\nextends: ../../elsewhere/superspec.yaml\n",
     "elsewhere/superspec.yaml: the chain of {file} leaves the layers the library carries"),
])
def test_an_invalid_layer_writes_nothing(library: Path, capsys: pytest.CaptureFixture[str],
                                         tmp_path: Path, layer: str, message: str) -> None:
    write(tmp_path / "elsewhere" / "superspec.yaml", "superspec: 1\nkind: company\nname: x\n")
    layers = tmp_path / "layers"
    shutil.copytree(EXAMPLE_LAYERS, layers)
    write(layers / "bad" / "superspec.yaml", layer)
    before = snapshot(library)
    run = add(capsys, layers, library)
    assert run.code == 1
    assert run.err == "error: " + message.format(file="layers/bad/superspec.yaml") + "\n"
    assert snapshot(library) == before


def test_symlinks_and_odd_files_are_refused(library: Path, capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    layers = tmp_path / "layers"
    shutil.copytree(EXAMPLE_LAYERS, layers)
    (layers / "acme" / "shared.yaml").symlink_to("/etc/passwd")
    before = snapshot(library)
    run = add(capsys, layers, library)
    assert (run.code, run.err) == (
        1, "error: layers/acme/shared.yaml: is a symlink; layers are copied as regular files "
           "only\n")
    (layers / "acme" / "shared.yaml").unlink()
    os.mkfifo(layers / "acme" / "pipe")
    assert add(capsys, layers, library).err == "error: layers/acme/pipe: is not a regular file\n"
    (layers / "acme" / "pipe").unlink()
    (layers / "acme" / "notes $(id).txt").write_text("x")
    assert add(capsys, layers, library).err == (
        "error: layers/acme/notes $(id).txt: cannot be carried by the library: names may only "
        "use letters, digits, '.', '_' and '-', starting with a letter or digit\n")
    assert snapshot(library) == before


def test_a_library_whose_layers_are_a_symlink_is_refused(
        library: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = library / "resources/superspec/layers"
    shutil.rmtree(target)
    (tmp_path / "outside").mkdir()
    target.symlink_to(tmp_path / "outside")
    run = add(capsys, EXAMPLE_LAYERS, library)
    assert (run.code, run.err) == (
        1, "error: lib/resources/superspec/layers: is a symlink; the library's layers are only "
           "written as regular directories\n")
    assert list((tmp_path / "outside").iterdir()) == []


def test_not_a_library(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(LIBRARY, tmp_path / "repo" / "shared-library")
    run = add(capsys, EXAMPLE_LAYERS, tmp_path / "repo")
    assert (run.code, run.err) == (
        1, "error: repo: not a superspec shared library checkout: no "
           "resources/superspec/superspec.sh (its shared-library/ directory is)\n")


def test_without_an_atomic_exchange_the_directory_is_replaced_by_renames(
        library: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import superspec.sharedlib

    assert add(capsys, EXAMPLE_LAYERS, library).code == 0
    monkeypatch.setattr(superspec.sharedlib, "_exchange", lambda a, b: False)
    write(tmp_path / "more" / "globex" / "superspec.yaml",
          "superspec: 1\nkind: company\nname: globex\n")
    run = add(capsys, tmp_path / "more", library)
    assert (run.code, run.err) == (0, "")
    target = library / "resources/superspec/layers"
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("superspec.yaml")) == [
        "acme/payments/superspec.yaml", "acme/superspec.yaml", "globex/superspec.yaml"]
    assert not [p for p in target.parent.iterdir() if p.name.startswith(".layers-")]


def test_runs_adding_at_once_lose_no_layer(library: Path, tmp_path: Path) -> None:
    """Six add-layers into one library at the same moment, each its own company: all six are
    carried (each reads, merges and swaps in the layers holding the library's flock)."""
    names = [f"corp{i}" for i in range(6)]
    for name in names:
        write(tmp_path / name / name / "superspec.yaml",
              f"superspec: 1\nkind: company\nname: {name}\n")
    runs = [subprocess.Popen([sys.executable, "-m", "superspec", "library", "add-layers",
                              "--layers", str(tmp_path / name), "--library", str(library)],
                             stderr=subprocess.PIPE, text=True) for name in names]
    errors = [run.stderr.read() for run in runs if run.wait(timeout=120)]  # type: ignore[union-attr]
    assert errors == []
    index = (library / "resources/superspec/layers/index.txt").read_text().splitlines()
    assert sorted(line for line in index if not line.startswith("#")) == \
        [f"{name}/superspec.yaml" for name in names]
