"""Every golden and example output passes the real tools: GitLab's schema, gitlab-ci-local,
Groovy 2.4 (Jenkins' parser) and the declarative-shape check."""

from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.generate.conftest import Output
from tests.generate.declarative import shape_errors
from tests.generate.tools import check_jsonschema, checkout, git_repo, gitlab_list, load_gitlab

pytestmark = pytest.mark.slow  # runs gitlab-ci-local and the Groovy parser

BRANCHES = ("main", "develop", "release/1.4", "stable/2.0/rc1", "feature/x", "hotfix/urgent",
            "docs/intro", "trunk")


def test_gitlab_schema_accepts_every_output(outputs: dict[str, Output]) -> None:
    proc = check_jsonschema([o.gitlab_ci for o in outputs.values()])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ok -- validation done" in proc.stdout


def test_gitlab_schema_rejects_a_broken_file(tmp_path: Path) -> None:
    """The schema check can fail: an unknown rule `when` is refused."""
    broken = tmp_path / ".gitlab-ci.yml"
    broken.write_text("stages: [deploy]\ndeploy:\n  stage: deploy\n  script: [x]\n"
                      "  rules: [{if: $CI_COMMIT_BRANCH, when: sometimes}]\n")
    proc = check_jsonschema([broken])
    assert proc.returncode == 1


@pytest.fixture(scope="session")
def repos(outputs: dict[str, Output], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("gitlab-repos")
    result = {}
    for name, output in outputs.items():
        directory = root / name.replace("/", "-")
        directory.mkdir()
        shutil.copy(output.gitlab_ci, directory / ".gitlab-ci.yml")
        git_repo(directory)
        result[name] = directory
    return result


def _present(jobs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {job["name"]: job for job in jobs if job["when"] != "never"}


def _interesting_branches(document: dict[str, Any]) -> list[str]:
    """One candidate branch per distinct set of matching rules (gitlab-ci-local then evaluates
    the rules for real on each)."""
    patterns = [
        re.findall(r"=~ /(.*?)\$/", rule["if"])
        for key, job in document.items() if isinstance(job, dict) and "rules" in job
        for rule in job["rules"]
    ]
    chosen: dict[tuple[bool, ...], str] = {}
    for branch in BRANCHES:
        signature = tuple(any(re.fullmatch(p.lstrip("^"), branch) for p in group)
                          for group in patterns)
        chosen.setdefault(signature, branch)
    return list(chosen.values())


def _check_repo(name: str, directory: Path, text: str) -> list[str]:
    document = load_gitlab(text)
    stages = document["stages"]
    manual = [re.findall(r"=~ /(.*?)\$/", rule["if"]) for job in document.values()
              if isinstance(job, dict) for rule in job.get("rules", [])
              if rule.get("when") == "manual"]
    failures = []
    first = True
    for branch in _interesting_branches(document):
        checkout(directory, branch)
        approvals_here = any(not group or any(re.fullmatch(p.lstrip("^"), branch) for p in group)
                             for group in manual)
        for protected in ("false", "true") if approvals_here else ("false",):
            jobs = gitlab_list(directory, f"CI_COMMIT_REF_PROTECTED={protected}", schema=first)
            first = False
            if [j["stage"] for j in jobs] != stages or [j["name"] for j in jobs] != stages:
                failures.append(f"{name}: jobs/stages differ from {stages}")
            present = _present(jobs)
            if protected == "false" and any(j["when"] == "manual" for j in present.values()):
                failures.append(f"{name} on {branch}: manual job on an unprotected branch")
            for job in present.values():
                for need in job.get("needs", []):
                    if not need["optional"] and need["job"] not in present:
                        failures.append(f"{name} on {branch} (protected={protected}): "
                                        f"{job['name']} needs absent {need['job']}")
    return failures


def test_gitlab_ci_local_lists_every_branch_consistently(
    outputs: dict[str, Output], repos: dict[str, Path]
) -> None:
    """On every kind of branch (protected or not), gitlab-ci-local parses the file, and every
    job that runs needs only jobs that also run there (or marks the need optional)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        found = pool.map(lambda item: _check_repo(item[0], item[1],
                                                  outputs[item[0]].files[".gitlab-ci.yml"]),
                         repos.items())
        failures = [f for group in found for f in group]
    assert failures == []


def test_groovy_parses_every_jenkinsfile(groovy_asts: dict[str, dict[str, Any]]) -> None:
    errors = {name: ast["error"] for name, ast in groovy_asts.items() if "error" in ast}
    assert errors == {}
    assert len(groovy_asts) >= 9


def test_every_jenkinsfile_has_the_declarative_shape(
    groovy_asts: dict[str, dict[str, Any]]
) -> None:
    problems = {name: shape_errors(ast["tree"]) for name, ast in groovy_asts.items()}
    assert {name: p for name, p in problems.items() if p} == {}


def test_shape_check_catches_misplaced_blocks(tmp_path: Path) -> None:
    """The structural check is not a rubber stamp: steps outside a stage, a stage outside
    stages and a missing agent are all reported."""
    from tests.generate.tools import parse_groovy

    bad = tmp_path / "Jenkinsfile"
    bad.write_text(
        "pipeline {\n  stages {\n    steps { sh 'x' }\n    stage('a') { sh 'y' }\n  }\n}\n")
    ast = parse_groovy([bad])[str(bad)]
    assert shape_errors(ast["tree"]) == [
        "pipeline needs exactly one 'agent' section",
        "'steps' inside stages (only stage allowed)",
        "stage 'a': 'sh' is not a stage section",
        "stage 'a': needs exactly one steps or stages block",
    ]


def test_groovy_parse_reports_syntax_errors(tmp_path: Path) -> None:
    from tests.generate.tools import parse_groovy

    bad = tmp_path / "Jenkinsfile"
    bad.write_text("pipeline {\n  stages { stage('a' { }\n}\n")
    assert "error" in parse_groovy([bad])[str(bad)]


def test_jenkinsfiles_stay_far_below_the_method_size_limit(outputs: dict[str, Output]) -> None:
    """Jenkins compiles the pipeline block into one method (64 KB bytecode limit): the
    generated files stay thin because runner logic lives in the shared library."""
    for output in outputs.values():
        assert len(output.files["Jenkinsfile"].encode()) < 16_000, output.name


def test_no_input_waits_on_an_executor(groovy_asts: dict[str, dict[str, Any]]) -> None:
    """Approvals wait for a day: no `input` of any golden case or example runs inside an
    allocated agent (top-level `agent none`; the approval in a stage without one), and every
    step that needs a workspace has a stage agent."""
    from tests.generate.declarative import executor_errors

    problems = {name: executor_errors(ast["tree"]) for name, ast in groovy_asts.items()}
    assert {name: p for name, p in problems.items() if p} == {}
    inputs = [name for name, ast in groovy_asts.items() if "input" in ast["calls"]]
    assert len(inputs) >= 5  # the check saw approvals


def test_executor_check_catches_an_input_under_an_agent(tmp_path: Path) -> None:
    from tests.generate.declarative import executor_errors
    from tests.generate.tools import parse_groovy

    bad = tmp_path / "Jenkinsfile"
    bad.write_text(
        "pipeline {\n  agent any\n  stages {\n"
        "    stage('a') { input { message 'ok?' }\n steps { sh 'x' } }\n"
        "  }\n}\n")
    nested = tmp_path / "Jenkinsfile2"
    nested.write_text(
        "pipeline {\n  agent none\n  stages {\n"
        "    stage('b') { agent { label 'l' }\n stages {\n"
        "      stage('c') { steps { timeout(time: 1, unit: 'DAYS') { input(message: 'ok?') } } }\n"
        "    } }\n"
        "    stage('d') { steps { node('x') { input(message: 'ok?') } } }\n"
        "    stage('e') { agent none\n steps { sh('x') } }\n"
        "  }\n}\n")
    asts = parse_groovy([bad, nested])
    assert executor_errors(asts[str(bad)]["tree"]) == [
        "stage 'a': input waits inside the pipeline agent"]
    assert executor_errors(asts[str(nested)]["tree"]) == [
        "stage 'c': input waits inside the agent of stage 'b'",
        "stage 'd': input waits inside a node block",
        "stage 'e': 'sh' needs a workspace but no agent is allocated",
    ]
