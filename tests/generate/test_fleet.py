"""A fleet in worker processes: the same results, bytes, errors and name-collision checks as the
same run in one process; one summary line for a fleet unless --verbose."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from superspec.errors import UsageError
from superspec.render.engine import Environments
from superspec.render.generate import Options, ProjectResult, fleet_workers, generate
from tests.conftest import EXAMPLES
from tests.helpers import run_cli, write

generate_module = importlib.import_module("superspec.render.generate")
FLEET = 40
PROJECT = """
    superspec: 1
    kind: project
    name: {name}
    extends: acme/payments
    pipeline:
      stages:
        smoke: {{run: script, script: ["./smoke.sh {index}"], after: deploy-test}}
    app:
      image: registry.example/payments/{name}
      port: {port}
    package:
      artifact: target/{name}.jar
      secrets: [DB_PASSWORD]
"""
OWN_COMPANY = """
    superspec: 1
    kind: company
    name: own
    ci: {templates: ct}
    build: {tool: custom, commands: {build: "make"}}
    pipeline: {stages: {build: {}}}
"""


def make_fleet(root: Path, count: int = FLEET, broken: bool = False) -> list[str]:
    """``count`` projects (paths relative to ``root``) extending the examples' layers. With
    ``broken``: one fails to load, one fails to render, one cannot be written."""
    shutil.copytree(EXAMPLES / "layers", root / "layers")
    paths = []
    for index in range(count):
        name = f"svc-{index:02d}"
        write(root / "projects" / name / "superspec.yaml",
              PROJECT.format(name=name, index=index, port=8000 + index))
        paths.append(f"projects/{name}")
    if broken:
        write(root / "projects/svc-07/superspec.yaml",
              "superspec: 1\nkind: project\nname: svc-07\nextends: acme/nowhere\n")
        write(root / "own/superspec.yaml", OWN_COMPANY)
        write(root / "own/ct/jenkins/header.j2", "// {{ plan.project }}\n// {{ 1 // 0 }}\n")
        write(root / "projects/svc-13/superspec.yaml",
              "superspec: 1\nkind: project\nname: svc-13\nextends: ../../own/superspec.yaml\n")
        (root / "projects/svc-21/Jenkinsfile").mkdir()
    return paths


def facts(results: list[ProjectResult]) -> list[tuple[object, ...]]:
    """Everything a result says, errors as the lines they print."""
    return [(r.spec, r.name, r.digest, [(f.path, f.status, f.diff) for f in r.files],
             None if r.error is None else (type(r.error).__name__, r.error.exit_code,
                                           r.error.lines()))
            for r in results]


def tree(root: Path) -> dict[str, bytes]:
    """Every generated file under ``root``, by relative path."""
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*"))
            if path.is_file() and path.name in ("Jenkinsfile", ".gitlab-ci.yml")}


def run_in(root: Path, monkeypatch: pytest.MonkeyPatch, paths: list[str],
           **options: object) -> list[ProjectResult]:
    monkeypatch.chdir(root)
    return generate([Path(p) for p in paths], Options(layer_dirs=(Path("layers"),),
                                                       **options))  # type: ignore[arg-type]


@pytest.mark.parametrize("out", [None, "out"])
def test_workers_write_the_same_bytes_and_report_the_same_results(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, out: str | None) -> None:
    serial, pooled = tmp_path / "serial", tmp_path / "pooled"
    paths = make_fleet(serial)
    make_fleet(pooled)
    extra = {} if out is None else {"out": Path(out)}
    one = run_in(serial, monkeypatch, paths, jobs=1, **extra)
    two = run_in(pooled, monkeypatch, paths, jobs=2, **extra)
    assert facts(one) == facts(two)
    assert all(r.ok for r in two) and len(two) == FLEET
    assert [f.status for r in two for f in r.files] == ["created"] * 2 * FLEET
    assert tree(serial) == tree(pooled)
    assert len(tree(pooled)) == 2 * FLEET
    # run again: nothing is rewritten, then --check finds everything current
    again = run_in(pooled, monkeypatch, paths, jobs=2, **extra)
    assert {f.status for r in again for f in r.files} == {"unchanged"}
    checked = run_in(pooled, monkeypatch, paths, jobs=2, check=True, **extra)
    assert {f.status for r in checked for f in r.files} == {"current"}


@pytest.mark.parametrize("out", [None, "out"])
def test_workers_report_the_same_errors_and_write_nothing_of_a_failed_project(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, out: str | None) -> None:
    serial, pooled = tmp_path / "serial", tmp_path / "pooled"
    paths = make_fleet(serial, broken=True)
    make_fleet(pooled, broken=True)
    extra = {} if out is None else {"out": Path(out)}
    if out is not None:  # the folder svc-21 writes to holds a directory named Jenkinsfile
        for root in (serial, pooled):
            (root / "projects/svc-21/Jenkinsfile").rmdir()
            (root / "out/svc-21/Jenkinsfile").mkdir(parents=True)
    one = run_in(serial, monkeypatch, paths, jobs=1, **extra)
    two = run_in(pooled, monkeypatch, paths, jobs=2, **extra)
    assert facts(one) == facts(two)
    assert tree(serial) == tree(pooled)
    folder = "projects" if out is None else "out"
    failed = {r.name or r.spec: r.error.lines() for r in two if r.error is not None}
    assert failed == {
        "projects/svc-07/superspec.yaml": [
            "projects/svc-07/superspec.yaml:4 [project svc-07] extends: extends 'acme/nowhere': "
            "no such layer (searched: layers/acme/nowhere/superspec.yaml); pass --layers DIR "
            "or set SUPERSPEC_LAYERS"],
        "svc-13": ["own/ct/jenkins/header.j2:2: template error while rendering Jenkinsfile: "
                   "integer division or modulo by zero"],
        "svc-21": [f"{folder}/svc-21/Jenkinsfile: is not a regular file; generated files are "
                   "only written as regular files"],
    }
    assert not (pooled / folder / "svc-13/Jenkinsfile").exists()
    assert not (pooled / folder / "svc-13/.gitlab-ci.yml").exists()  # rendered, not written
    assert sum(r.ok for r in two) == FLEET - 3


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_cli_output_and_exit_code_are_the_same_in_workers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        jobs: str) -> None:
    paths = make_fleet(tmp_path, broken=True)
    monkeypatch.chdir(tmp_path)
    run = run_cli(capsys, "generate", *paths, "--layers", "layers", "--jobs", jobs)
    assert run.code == 1
    assert run.out == "40 projects: 37 ok, 3 failed; files: 74 created\n"
    assert run.err == (
        "error: projects/svc-07/superspec.yaml:4 [project svc-07] extends: extends "
        "'acme/nowhere': no such layer (searched: layers/acme/nowhere/superspec.yaml); pass "
        "--layers DIR or set SUPERSPEC_LAYERS\n"
        "error: projects/svc-13/superspec.yaml: own/ct/jenkins/header.j2:2: template error "
        "while rendering Jenkinsfile: integer division or modulo by zero\n"
        "error: projects/svc-21/superspec.yaml: projects/svc-21/Jenkinsfile: is not a regular "
        "file; generated files are only written as regular files\n"
        "error: 3 of 40 projects failed\n")


def test_a_name_collision_fails_both_projects_before_workers_write_anything(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = make_fleet(tmp_path)
    write(tmp_path / "projects/svc-30/superspec.yaml",
          PROJECT.format(name="svc-03", index=30, port=9000))  # a squatter on svc-03's folder
    monkeypatch.chdir(tmp_path)
    run = run_cli(capsys, "generate", *paths, "--layers", "layers", "--out", "out", "--jobs", "2")
    assert run.code == 1
    assert run.out == "40 projects: 38 ok, 2 failed; files: 76 created\n"
    assert run.err == (
        "error: projects/svc-03/superspec.yaml and projects/svc-30/superspec.yaml would both "
        "write to out/svc-03 (project name 'svc-03'); nothing was written for either\n"
        "error: projects/svc-30/superspec.yaml and projects/svc-03/superspec.yaml would both "
        "write to out/svc-03 (project name 'svc-03'); nothing was written for either\n"
        "error: 2 of 40 projects failed\n")
    assert not (tmp_path / "out/svc-03").exists()
    assert not (tmp_path / "out/svc-30").exists()
    assert len(tree(tmp_path / "out")) == 2 * 38


def test_a_fleet_prints_one_summary_line_and_every_project_with_verbose(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = make_fleet(tmp_path, count=3)
    monkeypatch.chdir(tmp_path)
    run = run_cli(capsys, "generate", *paths, "--layers", "layers")
    assert (run.code, run.out, run.err) == (0, "3 projects: 3 ok; files: 6 created\n", "")
    run = run_cli(capsys, "generate", *paths, "--layers", "layers", "--verbose")
    assert (run.code, run.err) == (0, "")
    assert run.out == "".join(
        f"ok svc-0{i}: projects/svc-0{i}/Jenkinsfile unchanged, "
        f"projects/svc-0{i}/.gitlab-ci.yml unchanged\n" for i in range(3)
    ) + "3 projects: 3 ok; files: 6 unchanged\n"


def test_two_specs_in_one_folder_fail_before_workers_write_anything(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = make_fleet(tmp_path)
    write(tmp_path / "projects/svc-05/other.yaml",
          PROJECT.format(name="other", index=99, port=9999))
    monkeypatch.chdir(tmp_path)
    run = run_cli(capsys, "generate", *paths, "projects/svc-05/other.yaml", "--layers", "layers",
                  "--jobs", "2")
    assert run.code == 1
    assert run.out == "41 projects: 39 ok, 2 failed; files: 78 created\n"
    assert run.err == (
        "error: projects/svc-05/superspec.yaml and projects/svc-05/other.yaml would both write "
        "to projects/svc-05 (project name 'svc-05'); nothing was written for either\n"
        "error: projects/svc-05/other.yaml and projects/svc-05/superspec.yaml would both write "
        "to projects/svc-05 (project name 'other'); nothing was written for either\n"
        "error: 2 of 41 projects failed\n")
    assert not [name for name in tree(tmp_path) if name.startswith("projects/svc-05/")]


def test_a_drifted_project_is_shown_with_its_diff_without_verbose(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = make_fleet(tmp_path, count=3)
    monkeypatch.chdir(tmp_path)
    assert run_cli(capsys, "generate", *paths, "--layers", "layers").code == 0
    jenkinsfile = tmp_path / "projects/svc-01/Jenkinsfile"
    jenkinsfile.write_text(jenkinsfile.read_text() + "// a hand edit\n")
    (tmp_path / "projects/svc-02/.gitlab-ci.yml").unlink()
    run = run_cli(capsys, "generate", *paths, "--layers", "layers", "--check")
    assert run.code == 1
    lines = run.out.splitlines()
    assert lines[0] == ("drift svc-01: projects/svc-01/Jenkinsfile differs, "
                        "projects/svc-01/.gitlab-ci.yml current")
    assert lines[1:3] == ["--- projects/svc-01/Jenkinsfile (on disk)",
                          "+++ projects/svc-01/Jenkinsfile (generated)"]
    assert "-// a hand edit" in lines
    drift2 = lines.index("drift svc-02: projects/svc-02/Jenkinsfile current, "
                         "projects/svc-02/.gitlab-ci.yml missing")
    assert lines[drift2 + 1:drift2 + 3] == ["--- /dev/null",
                                            "+++ projects/svc-02/.gitlab-ci.yml (generated)"]
    assert lines[-1] == "3 projects: 1 ok, 2 drift; files: 4 current, 1 missing, 1 differs"
    assert not any(line.startswith("ok ") for line in lines)
    assert run.err == "error: generated files are out of date: run superspec generate\n"


def test_json_lists_every_project_of_a_fleet_run_in_workers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = make_fleet(tmp_path, broken=True)
    monkeypatch.chdir(tmp_path)
    run = run_cli(capsys, "generate", *paths, "--layers", "layers", "--jobs", "2",
                  "--format", "json")
    assert run.code == 1
    report = json.loads(run.out)
    assert report["ok"] is False
    assert [p["spec"] for p in report["projects"]] == [f"{p}/superspec.yaml" for p in paths]
    assert [p["ok"] for p in report["projects"]].count(True) == FLEET - 3
    assert report["projects"][0]["files"] == [
        {"path": "projects/svc-00/Jenkinsfile", "status": "created", "diff": None},
        {"path": "projects/svc-00/.gitlab-ci.yml", "status": "created", "diff": None}]
    assert report["projects"][7]["error"] == [
        "projects/svc-07/superspec.yaml:4 [project svc-07] extends: extends 'acme/nowhere': "
        "no such layer (searched: layers/acme/nowhere/superspec.yaml); pass --layers DIR or set "
        "SUPERSPEC_LAYERS"]


def test_a_bug_in_a_worker_reaches_the_caller(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    paths = make_fleet(tmp_path, count=6)

    render_project = generate_module.render_project

    def broken(effective: Any, *args: Any) -> list[tuple[str, str]]:
        if effective.model.name == "svc-04":  # not the first: that one is rendered here
            raise RuntimeError("a bug")
        return render_project(effective, *args)

    monkeypatch.setattr(generate_module, "render_project", broken)  # the workers fork with it
    # threads other tests of this process left running would make it choose forkserver, whose
    # workers import the unpatched module
    monkeypatch.setattr(generate_module, "start_method", lambda: "fork")
    with pytest.raises(RuntimeError, match="a bug"):
        run_in(tmp_path, monkeypatch, paths, jobs=2)
    assert not [name for name in tree(tmp_path) if name.startswith("projects/svc-04/")]


def test_workers_started_without_fork_write_the_same_bytes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serial, pooled = tmp_path / "serial", tmp_path / "pooled"
    paths = make_fleet(serial, count=24, broken=True)
    make_fleet(pooled, count=24, broken=True)
    one = run_in(serial, monkeypatch, paths, jobs=1)
    monkeypatch.setattr(generate_module, "start_method", lambda: "spawn")
    two = run_in(pooled, monkeypatch, paths, jobs=2)
    assert facts(one) == facts(two)
    assert tree(serial) == tree(pooled)


def test_how_many_workers() -> None:
    cpus = generate_module._usable_cpus()
    assert fleet_workers(1) == 0 and fleet_workers(1, jobs=4) == 0
    assert fleet_workers(1000, jobs=1) == 0
    assert fleet_workers(40, jobs=2) == 2 and fleet_workers(3, jobs=8) == 3
    assert fleet_workers(2 * cpus) == 0  # a small fleet stays in this process
    assert fleet_workers(1000) == (cpus if cpus > 1 else 0)
    if hasattr(os, "sched_getaffinity"):
        assert cpus == len(os.sched_getaffinity(0))


@pytest.mark.parametrize(("files", "cpus"), [
    ({"cpu.max": "max 100000\n"}, None),
    ({"cpu.max": "150000 100000\n"}, 2),
    ({"cpu.max": "100000 100000\n"}, 1),
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
    ({"cpu/cpu.cfs_quota_us": "400000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 4),
    ({"cpu.max": "garbage\n"}, None),
    ({}, None),
])
def test_a_cgroup_cpu_quota_caps_the_workers(tmp_path: Path, files: dict[str, str],
                                             cpus: int | None) -> None:
    for name, text in files.items():
        write(tmp_path / name, text)
    assert generate_module.cgroup_cpus(tmp_path) == cpus


def test_fork_only_while_no_other_thread_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    if not generate_module.sys.platform.startswith("linux"):
        pytest.skip("fork is used on Linux only")
    # what start_method sees, whatever threads other tests of this process left running
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert generate_module.start_method() == "fork"
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert generate_module.start_method() == "forkserver"


def test_compiled_templates_are_not_sent_to_workers() -> None:
    import pickle

    environments = Environments()
    environments.get(())
    copy = pickle.loads(pickle.dumps(environments))
    assert isinstance(copy, Environments) and copy._cache == {}


def test_a_directory_without_a_spec_is_a_usage_error_before_any_work(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = make_fleet(tmp_path, count=4)
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="empty is a directory without superspec.yaml"):
        run_in(tmp_path, monkeypatch, [*paths, "empty"], jobs=2)
    assert tree(tmp_path) == {}
