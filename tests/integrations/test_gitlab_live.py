"""The fake GitLab scenarios against a real GitLab server, when one is named.

Run with::

    SUPERSPEC_TEST_GITLAB_URL=https://gitlab.example.com \\
    SUPERSPEC_TEST_GITLAB_TOKEN=glpat-... \\
    SUPERSPEC_TEST_GITLAB_GROUP=sandbox/superspec \\
    .venv/bin/pytest -m live tests/integrations/test_gitlab_live.py

The token needs the api scope and the Maintainer role in the group (the tests create three
projects named ``superspec-live-<random>-<example>`` there and delete them at the end).
Skipped when SUPERSPEC_TEST_GITLAB_URL is not set.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

from tests.helpers import run_cli, write
from tests.integrations.gitlab_fake import EXAMPLES, FLEET, HAND_EDIT

URL = os.environ.get("SUPERSPEC_TEST_GITLAB_URL")
TOKEN = os.environ.get("SUPERSPEC_TEST_GITLAB_TOKEN", "")
GROUP = os.environ.get("SUPERSPEC_TEST_GITLAB_GROUP", "")

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not URL, reason="SUPERSPEC_TEST_GITLAB_URL is not set"),
]


@dataclass
class LiveFleet:
    root: Path
    projects: dict[str, str]  # example name -> project path on the server

    def argv(self, command: str, *extra: str) -> list[str]:
        return ["gitlab", command, *(str(self.root / "projects" / n) for n in FLEET),
                "--layers", str(self.root / "layers"), "--group", GROUP, *extra]

    def generated(self, name: str) -> dict[str, str]:
        return {f: (self.root / "projects" / name / f).read_text()
                for f in ("Jenkinsfile", ".gitlab-ci.yml")}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveFleet]:
    import gitlab

    from superspec.render.generate import Options, generate

    assert TOKEN and GROUP, "set SUPERSPEC_TEST_GITLAB_TOKEN and SUPERSPEC_TEST_GITLAB_GROUP"
    root = tmp_path_factory.mktemp("live") / "examples"
    shutil.copytree(EXAMPLES, root)
    prefix = f"superspec-live-{secrets.token_hex(3)}"
    projects = {name: f"{GROUP}/{prefix}-{name}" for name in FLEET}
    for name, path in projects.items():
        spec = root / "projects" / name / "superspec.yaml"
        spec.write_text(spec.read_text() + f"\nci:\n  gitlab:\n    project: {path}\n")
    results = generate([root / "projects" / n for n in FLEET],
                       Options(layer_dirs=(root / "layers",)))
    assert all(r.error is None for r in results)
    fleet = LiveFleet(root, projects)
    gl = gitlab.Gitlab(URL, private_token=TOKEN)
    group = gl.groups.get(GROUP)
    created = []
    try:
        for name, path in projects.items():
            project = gl.projects.create({"name": path.rsplit("/", 1)[1],
                                          "namespace_id": group.id,
                                          "initialize_with_readme": True})
            created.append(project)
            files = fleet.generated(name)
            if name == "payments-api":
                header, rest = files[".gitlab-ci.yml"].split("\n\n", 1)
                files[".gitlab-ci.yml"] = f"{header}\n\n{HAND_EDIT}{rest}"
            if name != "storefront":
                project.commits.create({
                    "branch": project.default_branch, "commit_message": "seed",
                    "actions": [{"action": "create", "file_path": f, "content": c}
                                for f, c in files.items()]})
        yield fleet
    finally:
        for project in created:
            project.delete()


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SUPERSPEC_LAYERS", "SUPERSPEC_ROOT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SUPERSPEC_GITLAB_URL", URL or "")
    monkeypatch.setenv("SUPERSPEC_GITLAB_TOKEN", TOKEN)


def _statuses(out: str, live: LiveFleet) -> dict[str, str]:
    ours = set(live.projects.values())
    return {p["project"]: p["status"] for p in json.loads(out)["projects"]
            if p["project"] in ours}


def test_live_plan(live: LiveFleet, capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, *live.argv("plan", "--format", "json"))
    assert run.code == 0, run.err
    assert TOKEN not in run.out + run.err
    assert _statuses(run.out, live) == {live.projects["ledger"]: "up to date",
                                        live.projects["payments-api"]: "drifted",
                                        live.projects["storefront"]: "missing"}


def test_live_audit(live: LiveFleet, capsys: pytest.CaptureFixture[str],
                    tmp_path: Path) -> None:
    junit = tmp_path / "audit.xml"
    run = run_cli(capsys, *live.argv("audit", "--report-junit", str(junit)))
    assert run.code == 1
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    assert cases[live.projects["ledger"]].find("failure") is None
    assert cases[live.projects["payments-api"]].find("failure") is not None
    assert cases[live.projects["storefront"]].find("failure") is not None
    assert TOKEN.encode() not in junit.read_bytes()


def test_live_lint_failure_stops_that_project(
        live: LiveFleet, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    templates = tmp_path / "ct"
    write(templates / "gitlab/jobs/smoke.yml.j2",
          '{{ {stage.id: {"stage": stage.id, "image": "alpine:3"}} | to_yaml }}\n')
    run = run_cli(capsys, *live.argv("publish", "--dry-run", "--templates", str(templates),
                                     "--format", "json"))
    assert run.code == 1
    assert _statuses(run.out, live)[live.projects["payments-api"]] == "lint failed"
    assert "smoke" in run.err


def test_live_publish_twice(live: LiveFleet, capsys: pytest.CaptureFixture[str]) -> None:
    first = run_cli(capsys, *live.argv("publish", "--format", "json"))
    assert first.code == 0, first.err
    second = run_cli(capsys, *live.argv("publish", "--format", "json"))
    assert second.code == 0, second.err
    assert TOKEN not in first.out + first.err + second.out + second.err

    def merge_requests(out: str) -> dict[str, int]:
        return {p["project"]: p["mergeRequest"]["iid"] for p in json.loads(out)["projects"]
                if p["project"] in live.projects.values() and p["mergeRequest"]}
    opened = merge_requests(first.out)
    assert set(opened) == {live.projects["payments-api"], live.projects["storefront"]}
    assert merge_requests(second.out) == opened
    for project in json.loads(second.out)["projects"]:
        for group in project["resourceGroups"]:
            assert group["outcome"] in ("pending", "current", "set")


def test_live_wrong_token_and_missing_project(
        live: LiveFleet, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SUPERSPEC_GITLAB_TOKEN", "glpat-" + secrets.token_hex(10))
    run = run_cli(capsys, *live.argv("plan"))
    assert run.code == 1
    assert "(401 Unauthorized)" in run.err.splitlines()[0]
    monkeypatch.setenv("SUPERSPEC_GITLAB_TOKEN", TOKEN)
    ghost = write(tmp_path / "ghost" / "superspec.yaml", f"""
        superspec: 1
        kind: project
        name: ghost
        ci: {{gitlab: {{project: {GROUP}/superspec-live-{secrets.token_hex(4)}}}}}
        build: {{tool: python}}
        pipeline: {{stages: {{build: {{}}}}}}
    """)
    run = run_cli(capsys, "gitlab", "plan", str(ghost))
    assert run.code == 1
    assert "(404 Not Found): check ci.gitlab.project or --group" in run.err
