"""superspec gitlab plan / audit against the fake GitLab: compare, report, JUnit, exit codes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from tests.helpers import run_cli, write
from tests.integrations.gitlab_fake import (
    HAND_EDIT,
    TOKEN,
    ExampleFleet,
    FakeGitLab,
    example_fleet,
)


@pytest.fixture
def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ExampleFleet]:
    for name in ("SUPERSPEC_LAYERS", "SUPERSPEC_ROOT", "SUPERSPEC_GITLAB_URL"):
        monkeypatch.delenv(name, raising=False)
    with FakeGitLab() as fake:
        monkeypatch.setenv("SUPERSPEC_GITLAB_TOKEN", TOKEN)
        monkeypatch.setenv("SUPERSPEC_GITLAB_URL", fake.url)
        yield example_fleet(tmp_path, fake)


def test_plan_reports_every_kind_of_project(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, *fleet.argv("plan"))
    assert run.code == 0, run.err
    assert run.err == ""
    lines = run.out.splitlines()
    assert lines[0] == "acme/ledger: up to date"
    assert lines[1] == "acme/payments-api: drifted: .gitlab-ci.yml differs"
    assert lines[2] == "--- acme/payments-api/.gitlab-ci.yml (main)"
    assert lines[3] == "+++ acme/payments-api/.gitlab-ci.yml (generated)"
    payments = lines.index("acme/payments-api: drifted: .gitlab-ci.yml differs")
    storefront = lines.index("acme/storefront: missing: Jenkinsfile missing, .gitlab-ci.yml "
                             "missing")
    assert [line for line in lines[payments:storefront] if line.startswith(("+", "-"))
            and not line.startswith(("+++", "---"))] == [f"-{HAND_EDIT.strip()}"]
    assert lines[payments + 1:storefront][-6:] == [
        "  would create branch superspec/update-ci from main",
        "  would commit to superspec/update-ci: update .gitlab-ci.yml",
        "  would open a merge request",
        "  resource group payments-api-prod: does not exist yet; process mode oldest_first "
        "will be set after the first pipeline (GitLab creates a resource group when a job "
        "first uses it; the next publish sets it)",
        "  resource group payments-api-staging: does not exist yet; process mode oldest_first "
        "will be set after the first pipeline (GitLab creates a resource group when a job "
        "first uses it; the next publish sets it)",
        "  resource group payments-api-test: does not exist yet; process mode oldest_first "
        "will be set after the first pipeline (GitLab creates a resource group when a job "
        "first uses it; the next publish sets it)",
    ]
    assert lines[-3:] == [
        "acme/legacy-billing: not managed (no spec)",
        "acme/platform/runner-images: not managed (no spec)",
        "plan: 3 managed projects in acme: 1 up to date, 1 drifted, 1 missing; 2 not managed",
    ]
    assert "acme/attic" not in run.out  # archived
    assert "other/elsewhere" not in run.out  # another group


def test_plan_lists_the_group_page_by_page_and_writes_nothing(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str]) -> None:
    run_cli(capsys, *fleet.argv("plan"))
    listing = [r for r in fleet.fake.requests if r.path == "/api/v4/groups/acme/projects"]
    assert [r.query.get("page", ["1"])[-1] for r in listing] == ["1", "2", "3"]
    assert all(r.query["per_page"] == ["2"] and r.query["include_subgroups"] == ["True"]
               for r in listing)
    assert {r.method for r in fleet.fake.requests} == {"GET"}
    assert all(r.token == TOKEN for r in fleet.fake.requests)


def test_plan_as_json(fleet: ExampleFleet, capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, *fleet.argv("plan", "--format", "json"))
    assert run.code == 0, run.err
    report = json.loads(run.out)
    assert report["ok"] is True
    assert report["notManaged"] == ["acme/legacy-billing", "acme/platform/runner-images"]
    projects = {p["project"]: p for p in report["projects"]}
    assert {k: p["status"] for k, p in projects.items()} == {
        "acme/ledger": "up to date", "acme/payments-api": "drifted",
        "acme/storefront": "missing"}
    storefront = projects["acme/storefront"]
    assert [(f["path"], f["status"]) for f in storefront["files"]] == [
        ("Jenkinsfile", "missing"), (".gitlab-ci.yml", "missing")]
    assert storefront["files"][0]["diff"].startswith("--- /dev/null\n")
    assert [(g["key"], g["processMode"], g["outcome"]) for g in storefront["resourceGroups"]] == [
        ("storefront-dev", "oldest_first", "pending"),
        ("storefront-prod", "oldest_first", "pending")]
    assert projects["acme/ledger"]["actions"] == []
    assert projects["acme/ledger"]["spec"] == str(fleet.spec_dir("ledger") / "superspec.yaml")


def test_audit_fails_on_drift_and_writes_junit(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    junit = tmp_path / "reports" / "gitlab-audit.xml"
    run = run_cli(capsys, *fleet.argv("audit", "--report-junit", str(junit)))
    assert run.code == 1
    assert run.err == ("error: generated files are out of date in GitLab: run superspec "
                       "gitlab publish\n")
    assert run.out.splitlines()[-1] == ("audit: 3 managed projects in acme: 1 up to date, "
                                        "1 drifted, 1 missing; 2 not managed")
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "2", "0")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert list(cases) == ["acme/ledger", "acme/payments-api", "acme/storefront"]
    assert list(cases["acme/ledger"]) == []
    drifted = cases["acme/payments-api"].find("failure")
    assert drifted is not None and drifted.get("type") == "drifted"
    assert drifted.get("message") == "drifted: .gitlab-ci.yml differs"
    assert f"-{HAND_EDIT.strip()}" in (drifted.text or "")
    missing = cases["acme/storefront"].find("failure")
    assert missing is not None and missing.get("type") == "missing"
    out = suite.find("system-out")
    assert out is not None and out.text == ("not managed (no spec): acme/legacy-billing\n"
                                            "not managed (no spec): acme/platform/runner-images")
    # audit reads only
    assert {r.method for r in fleet.fake.requests} == {"GET"}
    assert not any("merge_requests" in r.path or "branches" in r.path
                   for r in fleet.fake.requests)


def test_audit_passes_when_every_project_is_up_to_date(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for name in ("payments-api", "storefront"):
        fleet.fake.project(f"acme/{name}").branches["main"].files.update(fleet.generated(name))
    junit = tmp_path / "audit.xml"
    run = run_cli(capsys, *fleet.argv("audit", "--report-junit", str(junit), "--format",
                                      "json"))
    assert run.code == 0, run.err
    assert json.loads(run.out)["ok"] is True
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and (suite.get("tests"), suite.get("failures")) == ("3", "0")


def test_audit_sees_a_resource_group_whose_process_mode_differs(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str]) -> None:
    project = fleet.fake.project("acme/payments-api")
    project.branches["main"].files.update(fleet.generated("payments-api"))
    assert fleet.fake.run_pipeline("acme/payments-api") == [
        "payments-api-test", "payments-api-staging", "payments-api-prod"]
    project.resource_groups["payments-api-test"]["process_mode"] = "oldest_first"
    run = run_cli(capsys, *fleet.argv("audit"))
    assert run.code == 1
    lines = run.out.splitlines()
    start = lines.index("acme/payments-api: drifted: resource group payments-api-prod "
                        "differs; resource group payments-api-staging differs")
    assert lines[start + 1:start + 4] == [
        "  resource group payments-api-prod: process mode is unordered, "
        "environments.prod.concurrency says oldest_first",
        "  resource group payments-api-staging: process mode is unordered, "
        "environments.staging.concurrency says oldest_first",
        "  resource group payments-api-test: process mode oldest_first",
    ]


def test_ci_gitlab_project_maps_a_spec_outside_the_group(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str]) -> None:
    spec = fleet.spec_dir("ledger") / "superspec.yaml"
    spec.write_text(spec.read_text() + "\nci:\n  gitlab:\n    project: other/elsewhere\n")
    run = run_cli(capsys, *fleet.argv("plan", "--format", "json"))
    report = json.loads(run.out)
    projects = {p["project"]: p["status"] for p in report["projects"]}
    assert projects == {"other/elsewhere": "missing", "acme/payments-api": "drifted",
                        "acme/storefront": "missing"}
    assert report["notManaged"] == ["acme/ledger", "acme/legacy-billing",
                                    "acme/platform/runner-images"]
    assert any(r.path == "/api/v4/projects/other%2Felsewhere" for r in fleet.fake.requests)


def test_two_specs_for_one_project_are_both_refused(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("ledger", "storefront"):
        spec = fleet.spec_dir(name) / "superspec.yaml"
        spec.write_text(spec.read_text() + "\nci:\n  gitlab:\n    project: acme/shared\n")
    run = run_cli(capsys, *fleet.argv("plan"))
    assert run.code == 1
    ledger = fleet.spec_dir("ledger") / "superspec.yaml"
    storefront = fleet.spec_dir("storefront") / "superspec.yaml"
    assert run.err.splitlines() == [
        f"error: acme/shared: {ledger} and {storefront} both map to the GitLab project "
        f"acme/shared; nothing is compared or published for either",
        f"error: acme/shared: {storefront} and {ledger} both map to the GitLab project "
        f"acme/shared; nothing is compared or published for either",
        "error: 2 of 3 projects failed",
    ]
    assert not any("shared" in r.path for r in fleet.fake.requests)


def test_without_group_a_spec_must_name_its_project(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    spec = write(tmp_path / "solo" / "superspec.yaml", """
        superspec: 1
        kind: project
        name: solo
        build: {tool: python}
        pipeline: {stages: {build: {}}}
    """)
    run = run_cli(capsys, "gitlab", "plan", str(spec))
    assert run.code == 1
    assert run.err.splitlines() == [
        f"error: {spec}:3 [project solo] name: no GitLab project for this spec: set "
        f"ci.gitlab.project or give --group GROUP (the project is then GROUP/<name>)",
        "error: 1 of 1 projects failed",
    ]
    assert fleet.fake.requests == []
