"""package verify: proves the claim, and fails when the package says more than its manifest."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.package.conftest import PROPS, make_jar, run_cli, spec_args


@pytest.fixture
def packaged(project: Path, capsys) -> tuple[Path, Path]:
    assert run_cli(capsys, "package", "--env", "prod", *spec_args(project)).code == 0
    return project / "target" / "payments-api.jar", project / "target" / "payments-api-prod.jar"


def test_verify_lists_the_changed_entries(packaged: tuple[Path, Path], capsys) -> None:
    base, out = packaged
    manifest = json.loads((out.parent / (out.name + ".superspec-package.json")).read_text())
    digest = manifest["entries"][0]["sha256"]
    run = run_cli(capsys, "package", "verify", str(base), str(out))
    assert run.code == 0, run.err
    assert run.out.splitlines() == [
        f"base:     {base}", f"packaged: {out} (environment prod)",
        f"changed:  {PROPS} (replaced from config/application.properties.j2, sha256 {digest[:12]})",
        "unchanged: 43 entries byte-identical to the base", "ok"]
    run = run_cli(capsys, "package", "verify", "--format", "json", str(base), str(out))
    report = json.loads(run.out)
    assert (run.code, report["ok"], report["unchanged"], report["problems"]) == (0, True, 43, [])
    assert report["changed"] == manifest["entries"]


def test_an_unlisted_change_fails(packaged: tuple[Path, Path], tmp_path: Path, capsys) -> None:
    base, out = packaged
    work = tmp_path / "w"
    (work / "BOOT-INF" / "classes" / "org" / "example").mkdir(parents=True)
    (work / "BOOT-INF/classes/org/example/C7.class").write_bytes(b"patched")
    subprocess.run(["zip", "-q", str(out), "BOOT-INF/classes/org/example/C7.class"], cwd=work,
                   check=True)
    run = run_cli(capsys, "package", "verify", str(base), str(out))
    assert run.code == 1
    assert run.out.splitlines()[-2:] == [
        "problem:  entry 'BOOT-INF/classes/org/example/C7.class' differs from the base and the "
        "manifest does not list it", "FAILED"]
    assert run.err == (f"error: {out} is not {base} plus its manifest's entries (1 problem(s))\n")


def test_a_missing_entry_and_an_extra_entry_fail(packaged: tuple[Path, Path], tmp_path: Path,
                                                 capsys) -> None:
    base, out = packaged
    subprocess.run(["zip", "-q", "-d", str(out), "BOOT-INF/lib/dep-1.0.jar"], check=True)
    (tmp_path / "extra.txt").write_text("x")
    subprocess.run(["zip", "-q", str(out), "extra.txt"], cwd=tmp_path, check=True)
    run = run_cli(capsys, "package", "verify", "--format", "json", str(base), str(out))
    assert run.code == 1
    assert json.loads(run.out)["problems"] == [
        "entry 'BOOT-INF/lib/dep-1.0.jar' of the base is missing from the package",
        "entry 'extra.txt' is not in the base and the manifest does not list it"]


def test_a_tampered_listed_entry_fails(packaged: tuple[Path, Path], tmp_path: Path,
                                       capsys) -> None:
    base, out = packaged
    (tmp_path / "BOOT-INF" / "classes").mkdir(parents=True)
    (tmp_path / PROPS).write_text("spring.datasource.password=hunter2\n")
    subprocess.run(["zip", "-q", str(out), PROPS], cwd=tmp_path, check=True)
    run = run_cli(capsys, "package", "verify", "--format", "json", str(base), str(out))
    assert run.code == 1
    assert json.loads(run.out)["problems"] == [
        f"entry '{PROPS}' does not have the sha256 the manifest records"]


def test_another_base_fails(packaged: tuple[Path, Path], tmp_path: Path, capsys) -> None:
    _, out = packaged
    other = make_jar(tmp_path / "other.jar", classes=41)
    run = run_cli(capsys, "package", "verify", "--format", "json", str(other), str(out))
    assert run.code == 1
    manifest = json.loads((out.parent / (out.name + ".superspec-package.json")).read_text())
    problems = json.loads(run.out)["problems"]
    assert problems[0].startswith("the base's sha256 is ")
    assert problems[0].endswith(f", but the package was made from {manifest['base']['sha256']}")
    assert problems[1:] == ["entry 'BOOT-INF/classes/org/example/C40.class' of the base is "
                            "missing from the package"]


def test_an_unpackaged_archive_fails(packaged: tuple[Path, Path], tmp_path: Path, capsys) -> None:
    base, _ = packaged
    copy = tmp_path / "copy.jar"
    shutil.copy(base, copy)
    run = run_cli(capsys, "package", "verify", "--format", "json", str(base), str(copy))
    assert run.code == 1
    assert json.loads(run.out)["problems"] == [
        "the package holds no superspec-package.json: it was not made by superspec package"]
