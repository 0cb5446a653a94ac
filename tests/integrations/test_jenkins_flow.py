"""`superspec jenkins plan | apply | prune` end to end: the real python-jenkins client over HTTP
against the fake Jenkins (tests/integrations/jenkins_fake.py), the examples as the fleet."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from superspec.integrations.jenkins_config import (
    CPS_INLINE,
    CPS_SCM,
    JobShape,
    Marker,
    description,
    job_config,
)
from tests.helpers import Run, run_cli, write
from tests.integrations.jenkins_fake import (
    FOLDER,
    FREESTYLE,
    MULTIBRANCH,
    WORKFLOW_JOB,
    FakeJenkins,
    add_yaml,
    example_fleet,
)

HOSTILE = "a'b\"c <d> & e ]]> f ${g} \\"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeJenkins]:
    for name in ("SUPERSPEC_JENKINS_URL", "SUPERSPEC_JENKINS_CREDENTIALS", "SUPERSPEC_LAYERS",
                 "SUPERSPEC_ROOT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SUPERSPEC_JENKINS_USER", "admin")
    monkeypatch.setenv("SUPERSPEC_JENKINS_TOKEN", "admin-token")
    with FakeJenkins() as server:
        yield server


@pytest.fixture
def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    monkeypatch.chdir(tmp_path)
    return [p.relative_to(tmp_path) for p in example_fleet(tmp_path)]


def jenkins(capsys: pytest.CaptureFixture[str], fake: FakeJenkins, command: str,
            paths: list[Path], *extra: str) -> Run:
    return run_cli(capsys, "jenkins", command, *map(str, paths), "--layers", "layers",
                   "--url", fake.url, *extra)


def summary(fake: FakeJenkins, text: str) -> str:
    return f"{text} on {fake.url} (Jenkins 2.479.3)"


def test_plan_apply_plan(capsys: pytest.CaptureFixture[str], fake: FakeJenkins,
                         fleet: list[Path]) -> None:
    planned = jenkins(capsys, fake, "plan", fleet, "--detailed-exitcode")
    assert (planned.code, planned.err) == (2, "")
    assert planned.out.splitlines() == [
        "create folder payments",
        "create ledger (pipeline)",
        "create payments/payments-api (pipeline)",
        "create storefront (pipeline)",
        summary(fake, "plan: 1 folder to create, 3 jobs to create")]
    assert fake.names() == []
    assert not fake.requests("POST", "createItem|config.xml|doDelete")
    assert jenkins(capsys, fake, "plan", fleet).code == 0  # without --detailed-exitcode

    applied = jenkins(capsys, fake, "apply", fleet)
    assert (applied.code, applied.err) == (0, "")
    assert applied.out.splitlines() == [
        "created folder payments",
        "created ledger (pipeline)",
        "created payments/payments-api (pipeline)",
        "created storefront (pipeline)",
        summary(fake, "apply: 1 folder created, 3 jobs created")]
    assert fake.names() == ["ledger", "payments", "payments/payments-api", "storefront"]
    assert [fake.item(n).cls for n in fake.names()] == [  # type: ignore[union-attr]
        WORKFLOW_JOB, FOLDER, WORKFLOW_JOB, WORKFLOW_JOB]

    again = jenkins(capsys, fake, "plan", fleet, "--detailed-exitcode")
    assert (again.code, again.err) == (0, "")
    assert again.out.splitlines() == [
        "unchanged ledger (pipeline)",
        "unchanged payments/payments-api (pipeline)",
        "unchanged storefront (pipeline)",
        summary(fake, "plan: 3 jobs unchanged")]
    # the plan read every live config: no local cache decides
    assert len(fake.requests("GET", r"/config\.xml$")) == 3


def test_an_edit_in_the_ui_shows_as_an_update_with_a_diff(
        capsys: pytest.CaptureFixture[str], fake: FakeJenkins, fleet: list[Path]) -> None:
    assert jenkins(capsys, fake, "apply", fleet).code == 0
    edited = fake.config("ledger").replace("timestamps()", "ansiColor('xterm')")
    fake.ui_edit("ledger", edited)
    planned = jenkins(capsys, fake, "plan", fleet, "--detailed-exitcode")
    assert planned.code == 2
    lines = planned.out.splitlines()
    assert lines[0] == "update ledger (pipeline)"
    assert lines[1:3] == ["--- ledger (on the server)", "+++ ledger (from the spec)"]
    assert "-        ansiColor('xterm')" in lines and "+        timestamps()" in lines
    assert lines[-3:] == ["unchanged payments/payments-api (pipeline)",
                          "unchanged storefront (pipeline)",
                          summary(fake, "plan: 1 job to update, 2 jobs unchanged")]
    applied = jenkins(capsys, fake, "apply", fleet)
    assert applied.out.splitlines()[0] == "updated ledger (pipeline)"
    assert "timestamps()" in fake.config("ledger")
    assert jenkins(capsys, fake, "plan", fleet, "--detailed-exitcode").code == 0


def test_what_the_server_records_itself_is_not_drift(
        capsys: pytest.CaptureFixture[str], fake: FakeJenkins, fleet: list[Path]) -> None:
    assert jenkins(capsys, fake, "apply", fleet).code == 0
    fake.simulate_build("ledger")  # buildDiscarder from the Jenkinsfile's options, tracked
    fake.resave("payments/payments-api")  # XML 1.1, plugin attributes, re-indented
    assert "BuildDiscarderProperty" in fake.config("ledger")
    assert 'plugin="workflow-job@' in fake.config("payments/payments-api")
    planned = jenkins(capsys, fake, "plan", fleet, "--detailed-exitcode")
    assert planned.code == 0, planned.out
    assert planned.out.splitlines()[-1] == summary(fake, "plan: 3 jobs unchanged")


def test_a_project_gone_from_the_fleet_is_orphaned_and_prune_deletes_only_marked_jobs(
        capsys: pytest.CaptureFixture[str], fake: FakeJenkins, fleet: list[Path]) -> None:
    assert jenkins(capsys, fake, "apply", fleet).code == 0
    hand_made = job_config(JobShape("pipeline", "made by hand", script="pipeline {}"))
    fake.ui_create("hand-made", hand_made)
    fake.ui_create("payments/hand-made", hand_made)
    globex = Marker("0.1.0", "globex", "other", "sha256:0")
    fake.ui_create("other-company", job_config(JobShape("pipeline", description(globex),
                                                        script="pipeline {}")))
    ledger, payments, _ = fleet
    planned = jenkins(capsys, fake, "plan", [ledger, payments], "--detailed-exitcode")
    assert planned.code == 2
    assert planned.out.splitlines() == [
        "unchanged ledger (pipeline)",
        "unchanged payments/payments-api (pipeline)",
        "orphaned storefront (pipeline): managed by superspec for project storefront, no "
        "longer wanted (superspec jenkins prune deletes it)",
        summary(fake, "plan: 2 jobs unchanged, 1 job orphaned")]
    # apply leaves orphans alone
    applied = jenkins(capsys, fake, "apply", [ledger, payments])
    assert applied.code == 0 and fake.item("storefront") is not None
    dry = jenkins(capsys, fake, "prune", [ledger, payments], "--dry-run")
    assert dry.code == 0 and fake.item("storefront") is not None
    pruned = jenkins(capsys, fake, "prune", [ledger, payments])
    assert (pruned.code, pruned.err) == (0, "")
    assert pruned.out.splitlines() == [
        "unchanged ledger (pipeline)",
        "unchanged payments/payments-api (pipeline)",
        "deleted storefront (pipeline)",
        summary(fake, "prune: 1 job deleted, 2 jobs unchanged")]
    assert fake.names() == ["hand-made", "ledger", "other-company", "payments",
                            "payments/hand-made", "payments/payments-api"]
    assert jenkins(capsys, fake, "plan", [ledger, payments], "--detailed-exitcode").code == 0


def test_prune_deletes_nothing_while_a_project_of_the_fleet_does_not_load(
        capsys: pytest.CaptureFixture[str], fake: FakeJenkins, fleet: list[Path]) -> None:
    assert jenkins(capsys, fake, "apply", fleet).code == 0
    ledger, payments, storefront = fleet
    (storefront / "superspec.yaml").write_text("superspec: 1\nkind: project\nname: [\n")
    pruned = jenkins(capsys, fake, "prune", [ledger, payments, storefront])
    assert pruned.code == 1
    assert fake.item("storefront") is not None
    errors = pruned.err.splitlines()
    assert errors[0].startswith(f"error: {storefront / 'superspec.yaml'}:")
    assert errors[1:] == [
        "error: 1 of 3 projects did not load; prune deletes nothing while the fleet is "
        "incomplete",
        "error: superspec jenkins prune: 2 problems"]


def test_folders_are_created_parents_first(capsys: pytest.CaptureFixture[str],
                                           fake: FakeJenkins, fleet: list[Path]) -> None:
    _, payments, _ = fleet
    add_yaml(payments / "superspec.yaml", "ci: {jenkins: {job: {folder: platform/teams/pay}}}")
    applied = jenkins(capsys, fake, "apply", [payments])
    assert applied.out.splitlines() == [
        "created folder platform", "created folder platform/teams",
        "created folder platform/teams/pay",
        "created platform/teams/pay/payments-api (pipeline)",
        summary(fake, "apply: 3 folders created, 1 job created")]
    assert fake.requests("POST") == [
        "POST /pipeline-model-converter/validateJenkinsfile", "POST /createItem?name=platform",
        "POST /job/platform/createItem?name=teams",
        "POST /job/platform/job/teams/createItem?name=pay",
        "POST /job/platform/job/teams/job/pay/createItem?name=payments-api"]
    assert fake.item("platform/teams/pay").cls == FOLDER  # type: ignore[union-attr]


def test_the_spec_chooses_multibranch_pipeline_from_scm_or_inline(
        capsys: pytest.CaptureFixture[str], fake: FakeJenkins, fleet: list[Path]) -> None:
    ledger, payments, storefront = fleet
    add_yaml(payments / "superspec.yaml", """
ci:
  jenkins:
    job: {scm: {url: "https://git.example/payments-api.git", credentialsId: git-ro}}
""")
    add_yaml(storefront / "superspec.yaml", """
ci:
  jenkins:
    job: {kind: pipeline, scm: {url: "https://git.example/storefront.git", branches: main}}
""")
    applied = jenkins(capsys, fake, "apply", fleet)
    assert applied.out.splitlines()[1:4] == [
        "created ledger (pipeline)", "created payments/payments-api (multibranch)",
        "created storefront (pipeline)"]
    assert fake.item("payments/payments-api").cls == MULTIBRANCH  # type: ignore[union-attr]
    inline = ET.fromstring(fake.config("ledger").encode())
    assert inline.find("definition").get("class") == CPS_INLINE  # type: ignore[union-attr]
    assert "pipeline {" in (inline.findtext("definition/script") or "")
    from_scm = ET.fromstring(fake.config("storefront").encode())
    assert from_scm.find("definition").get("class") == CPS_SCM  # type: ignore[union-attr]
    assert from_scm.findtext("definition/scm/branches/hudson.plugins.git.BranchSpec/name") \
        == "*/main"
    assert from_scm.findtext("definition/scriptPath") == "Jenkinsfile"
    multibranch = ET.fromstring(fake.config("payments/payments-api").encode())
    assert multibranch.findtext(".//source/remote") == "https://git.example/payments-api.git"
    assert multibranch.findtext(".//source/credentialsId") == "git-ro"
    # branch indexing fills the multibranch project with branch jobs: not orphans, not drift
    fake.add_branch("payments/payments-api", "main")
    fake.add_branch("payments/payments-api", "develop")
    planned = jenkins(capsys, fake, "plan", fleet, "--detailed-exitcode")
    assert planned.code == 0
    assert planned.out.splitlines()[-1] == summary(fake, "plan: 3 jobs unchanged")


def test_a_managed_job_of_another_kind_is_replaced(
        capsys: pytest.CaptureFixture[str], fake: FakeJenkins, fleet: list[Path]) -> None:
    ledger = fleet[0]
    assert jenkins(capsys, fake, "apply", [ledger]).code == 0
    add_yaml(ledger / "superspec.yaml", "ci: {jenkins: {job: {scm: {url: 'https://g/x.git'}}}}")
    planned = jenkins(capsys, fake, "plan", [ledger])
    lines = planned.out.splitlines()
    assert lines[0] == ("replace ledger (multibranch): another kind of job on the server, apply "
                        "deletes and re-creates it")
    assert lines[1] == "--- ledger (on the server)"
    applied = jenkins(capsys, fake, "apply", [ledger])
    assert applied.out.splitlines()[0].startswith("replaced ledger (multibranch)")
    assert fake.item("ledger").cls == MULTIBRANCH  # type: ignore[union-attr]


def test_an_existing_job_without_the_marker(capsys: pytest.CaptureFixture[str],
                                            fake: FakeJenkins, fleet: list[Path]) -> None:
    ledger, _, storefront = fleet
    fake.ui_create("ledger", job_config(JobShape("pipeline", "made by hand", script="x")))
    fake.ui_create("storefront", "<project><description>freestyle</description></project>")
    planned = jenkins(capsys, fake, "plan", [ledger, storefront])
    assert planned.code == 1
    assert planned.out.splitlines()[0] == ("update ledger (pipeline): not managed by superspec "
                                           "yet, apply takes it over")
    assert planned.err.splitlines() == [
        f"error: storefront exists as a {FREESTYLE} that superspec does not manage; rename or "
        f"delete it to create the pipeline job",
        "error: superspec jenkins plan: 1 problem"]
    assert jenkins(capsys, fake, "apply", [ledger]).code == 0
    assert "superspec-managed:" in fake.config("ledger")


def test_a_folder_name_held_by_a_job_fails_only_its_projects(
        capsys: pytest.CaptureFixture[str], fake: FakeJenkins, fleet: list[Path]) -> None:
    fake.ui_create("payments", job_config(JobShape("pipeline", "not a folder", script="x")))
    applied = jenkins(capsys, fake, "apply", fleet)
    assert applied.code == 1
    assert applied.err.splitlines() == [
        f"error: cannot plan job payments/payments-api: payments exists on the server and is "
        f"not a folder ({WORKFLOW_JOB})",
        "error: superspec jenkins apply: 1 problem"]
    assert applied.out.splitlines()[-1] == summary(
        fake, "apply: 2 jobs created, 1 job failed")


def test_json_report(capsys: pytest.CaptureFixture[str], fake: FakeJenkins,
                     fleet: list[Path]) -> None:
    planned = jenkins(capsys, fake, "plan", fleet[:2], "--format", "json")
    report = json.loads(planned.out)
    assert report["requests"] > 0
    del report["requests"]
    assert report == {
        "command": "plan", "server": fake.url, "jenkins": "2.479.3", "dry_run": True,
        "ok": True, "changes": True,
        "summary": {"folder create": 1, "create": 2},
        "folders": [{"name": "payments", "action": "create", "result": None, "errors": []}],
        "jobs": [{"name": "ledger", "project": "ledger", "spec": str(fleet[0] / "superspec.yaml"),
                  "kind": "pipeline", "action": "create", "managed": True, "diff": None,
                  "result": None, "errors": []},
                 {"name": "payments/payments-api", "project": "payments-api",
                  "spec": str(fleet[1] / "superspec.yaml"), "kind": "pipeline", "action": "create",
                  "managed": True,
                  "diff": None, "result": None, "errors": []}],
        "errors": []}


def test_hostile_values_round_trip_through_the_server(
        capsys: pytest.CaptureFixture[str], fake: FakeJenkins, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "svc" / "superspec.yaml", f"""
        superspec: 1
        kind: project
        name: svc
        build: {{tool: custom, commands: {{build: {json.dumps(HOSTILE)}}}}}
        pipeline: {{stages: {{build: {{}}}}}}
        ci:
          jenkins:
            job:
              kind: pipeline
              folder: "q'\\"uo te"
              scm: {{url: {json.dumps(HOSTILE)}, credentialsId: {json.dumps(HOSTILE)},
                    branches: {json.dumps(HOSTILE)}}}
        """)
    write(tmp_path / "inline" / "superspec.yaml", f"""
        superspec: 1
        kind: project
        name: inline
        build: {{tool: custom, commands: {{build: {json.dumps(HOSTILE)}}}}}
        pipeline: {{stages: {{build: {{}}}}}}
        """)
    paths = [Path("svc"), Path("inline")]
    applied = run_cli(capsys, "jenkins", "apply", *map(str, paths), "--url", fake.url)
    assert applied.code == 0, applied.err
    name = "q'\"uo te/svc"
    root = ET.fromstring(fake.config(name).encode())
    remote = "definition/scm/userRemoteConfigs/hudson.plugins.git.UserRemoteConfig"
    assert root.findtext(f"{remote}/url") == HOSTILE
    assert root.findtext(f"{remote}/credentialsId") == HOSTILE
    assert HOSTILE.replace("\\", "\\\\").replace("'", "\\'") in fake.config("inline").replace(
        "&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("&quot;", '"')
    planned = run_cli(capsys, "jenkins", "plan", *map(str, paths), "--url", fake.url,
                      "--detailed-exitcode")
    assert planned.code == 0, planned.out
