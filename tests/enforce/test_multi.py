"""superspec enforce DIR...: several projects in one process, a report and a JUnit file per
project, the exit code the worst of them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from xml.etree import ElementTree

from tests.enforce.helpers import FIXTURES, run_cli, spec_text

PASSING = {"requireOS": {"family": "unix"}}
FAILING = {"requireFilesExist": {"files": ["README.md"]}}


def _project(root: Path, name: str, rules: dict, fixture: str = "npm/v3") -> Path:
    d = root / name
    shutil.copytree(FIXTURES / fixture, d)
    (d / "superspec.yaml").write_text(spec_text(rules, "npm").replace("name: demo",
                                                                      f"name: {name}"))
    return d


def test_each_project_gets_its_report_and_junit_file(tmp_path: Path) -> None:
    good = _project(tmp_path, "good", PASSING)
    bad = _project(tmp_path, "bad", FAILING)
    junit = tmp_path / "reports"
    proc = run_cli("enforce", good, bad, "--branch", "main", "--report-junit", junit,
                   "--no-cache", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "error: enforce failed in 1 of 2 projects: bad"
    sections = proc.stdout.split("\n== ")
    assert sections[0].startswith("== good (good/superspec.yaml)\n")
    assert "enforce passed (1 pass)" in sections[0]
    assert sections[1].startswith("bad (bad/superspec.yaml)\n")
    assert "required file is missing: README.md" in sections[1]
    assert sorted(p.name for p in junit.iterdir()) == ["bad.xml", "good.xml"]
    bad_suite = ElementTree.parse(junit / "bad.xml").getroot().find("testsuite")
    good_suite = ElementTree.parse(junit / "good.xml").getroot().find("testsuite")
    assert bad_suite is not None and good_suite is not None
    assert (bad_suite.get("failures"), good_suite.get("failures")) == ("1", "0")


def test_all_passing_exits_0_and_json_lists_every_project(tmp_path: Path) -> None:
    one = _project(tmp_path, "one", PASSING)
    two = _project(tmp_path, "two", PASSING, fixture="npm/v2")
    proc = run_cli("enforce", one, two / "superspec.yaml", "--branch", "main", "--format",
                   "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["passed"] is True
    assert [(p["project"], p["passed"], p["report"]["counts"]["pass"])
            for p in data["projects"]] == [("one", True, 1), ("two", True, 1)]
    again = json.loads(run_cli("enforce", one, two, "--branch", "main", "--format", "json",
                               cwd=tmp_path).stdout)
    assert [p["report"]["cached"] for p in again["projects"]] == [True, True]


def test_a_broken_spec_fails_its_project_and_the_others_still_run(tmp_path: Path) -> None:
    good = _project(tmp_path, "good", PASSING)
    broken = _project(tmp_path, "broken", PASSING)
    (broken / "superspec.yaml").write_text("superspec: 1\nkind: project\nname: broken\nbuild: [\n")
    proc = run_cli("enforce", broken, good, "--branch", "main", "--format", "json",
                   cwd=tmp_path)
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    first, second = data["projects"]
    assert first["passed"] is False and first["project"] is None
    assert first["errors"][0].startswith("broken/superspec.yaml:")
    assert "YAML syntax error" in first["errors"][0]
    assert second["passed"] is True and second["report"]["passed"] is True
    assert proc.stderr.strip() == ("error: enforce failed in 1 of 2 projects: "
                                   "broken/superspec.yaml")


def test_two_projects_of_one_name_both_fail(tmp_path: Path) -> None:
    a = _project(tmp_path / "a", "same", PASSING)
    b = _project(tmp_path / "b", "same", PASSING)
    other = _project(tmp_path, "other", PASSING)
    junit = tmp_path / "reports"
    proc = run_cli("enforce", a, b, other, "--branch", "main", "--report-junit", junit,
                   cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout.count("two projects are named 'same'") == 2
    assert sorted(p.name for p in junit.iterdir()) == ["other.xml"]


def test_project_dir_with_several_paths_is_a_usage_error(tmp_path: Path) -> None:
    a = _project(tmp_path, "a", PASSING)
    b = _project(tmp_path, "b", PASSING)
    proc = run_cli("enforce", a, b, "--project-dir", a, cwd=tmp_path)
    assert proc.returncode == 2
    assert "--project-dir names one project" in proc.stderr


def test_report_junit_must_be_a_directory_with_several_paths(tmp_path: Path) -> None:
    a = _project(tmp_path, "a", PASSING)
    b = _project(tmp_path, "b", PASSING)
    (tmp_path / "report.xml").write_text("")
    proc = run_cli("enforce", a, b, "--report-junit", tmp_path / "report.xml", cwd=tmp_path)
    assert proc.returncode == 2
    assert "with several PATHS this is a directory" in proc.stderr


def test_one_path_is_the_single_project_report(tmp_path: Path) -> None:
    d = _project(tmp_path, "solo", FAILING)
    by_path = run_cli("enforce", d, "--branch", "main", "--no-cache", cwd=tmp_path)
    by_spec = run_cli("enforce", "--spec", d / "superspec.yaml", "--branch", "main",
                      "--no-cache", cwd=tmp_path)
    assert by_path.returncode == by_spec.returncode == 1
    assert by_path.stdout == by_spec.stdout
    assert not by_path.stdout.startswith("==")


def test_one_path_is_answered_from_the_result_cache_before_the_cli(tmp_path: Path) -> None:
    from superspec.enforce.fastpath import parse

    d = _project(tmp_path, "solo", PASSING)
    options = parse(["enforce", str(d), "--branch", "main"])
    assert options is not None
    assert (options["spec"], options["project_dir"]) == (d / "superspec.yaml", d)
    assert parse(["enforce", str(d), str(d)]) is None  # several projects: the CLI
    assert parse(["enforce", str(d), "--branch", "main", "--no-cache"]) == {
        **options, "use_cache": False}  # the fast path runs it, without the result cache
    first = run_cli("enforce", d, "--branch", "main", "--format", "json", cwd=tmp_path)
    second = run_cli("enforce", d, "--branch", "main", "--format", "json", cwd=tmp_path)
    assert first.returncode == second.returncode == 0
    assert json.loads(second.stdout) == {**json.loads(first.stdout), "cached": True}
