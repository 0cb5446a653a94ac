"""The same scenarios against a real Jenkins, when one is named:

    export SUPERSPEC_TEST_JENKINS_URL=https://jenkins.example/ SUPERSPEC_TEST_JENKINS_USER=me
    export SUPERSPEC_TEST_JENKINS_TOKEN=...    # an API token of that user
    .venv/bin/pytest -m live tests/integrations/test_jenkins_live.py

Skipped otherwise (no Jenkins server runs in the test environment). Everything is created in a
folder and a top-level job named ``superspec-live-<random>``, deleted at the end. The server
needs the workflow-job, workflow-cps, workflow-multibranch, git, cloudbees-folder and
pipeline-model-definition plugins; the user needs Job/Create, Configure, Delete and Read.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import Run, run_cli, write

URL = os.environ.get("SUPERSPEC_TEST_JENKINS_URL", "")
USER = os.environ.get("SUPERSPEC_TEST_JENKINS_USER", "")
TOKEN = os.environ.get("SUPERSPEC_TEST_JENKINS_TOKEN", "")
GIT = os.environ.get("SUPERSPEC_TEST_JENKINS_GIT_URL", "https://git.invalid/superspec-live.git")

pytestmark = [pytest.mark.live,
              pytest.mark.skipif(not (URL and USER and TOKEN),
                                 reason="set SUPERSPEC_TEST_JENKINS_URL, _USER and _TOKEN")]

PROJECT = """
    superspec: 1
    kind: project
    name: {name}
    extends: {extends}
    build: {{tool: custom, commands: {{build: "echo build"}}}}
    pipeline: {{stages: {{build: {{}}}}}}
    """


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    import jenkins as python_jenkins

    unique = f"superspec-live-{uuid.uuid4().hex[:8]}"
    monkeypatch.chdir(tmp_path)
    for name in ("SUPERSPEC_JENKINS_URL", "SUPERSPEC_JENKINS_CREDENTIALS", "SUPERSPEC_LAYERS",
                 "SUPERSPEC_ROOT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SUPERSPEC_JENKINS_USER", USER)
    monkeypatch.setenv("SUPERSPEC_JENKINS_TOKEN", TOKEN)
    write(tmp_path / "layers/acme/superspec.yaml", "superspec: 1\nkind: company\nname: acme\n")
    write(tmp_path / f"layers/{unique}/superspec.yaml",
          f"superspec: 1\nkind: department\nname: {unique}\nextends: acme\n")
    for name in ("alpha", "beta"):
        write(tmp_path / name / "superspec.yaml", PROJECT.format(name=name, extends=unique))
    write(tmp_path / "top" / "superspec.yaml",
          PROJECT.format(name=f"{unique}-top", extends="acme")
          + f"ci: {{jenkins: {{job: {{scm: {{url: '{GIT}'}}}}}}}}\n")
    yield unique
    server = python_jenkins.Jenkins(URL, USER, TOKEN)
    for name in (unique, f"{unique}-top"):
        if server.job_exists(name):
            server.delete_job(name)


def jenkins(capsys: pytest.CaptureFixture[str], command: str, *paths: str, extra: tuple[str, ...]
            = ()) -> Run:
    return run_cli(capsys, "jenkins", command, *paths, "--layers", "layers", "--url", URL,
                   *extra)


def test_live_plan_apply_edit_orphan_prune(capsys: pytest.CaptureFixture[str],
                                           live: str) -> None:
    import jenkins as python_jenkins

    fleet = ("alpha", "beta", "top")
    planned = jenkins(capsys, "plan", *fleet, extra=("--detailed-exitcode",))
    assert planned.code == 2, planned.err
    assert planned.out.splitlines()[:4] == [
        f"create folder {live}", f"create {live}-top (multibranch)",
        f"create {live}/alpha (pipeline)", f"create {live}/beta (pipeline)"]
    assert jenkins(capsys, "apply", *fleet).code == 0
    again = jenkins(capsys, "plan", *fleet, extra=("--detailed-exitcode",))
    assert again.code == 0, again.out  # the server kept what was posted (canonically)

    server = python_jenkins.Jenkins(URL, USER, TOKEN)
    name = f"{live}/alpha"
    server.reconfig_job(name, server.get_job_config(name).replace("echo build", "echo edited"))
    edited = jenkins(capsys, "plan", *fleet, extra=("--detailed-exitcode",))
    assert edited.code == 2 and f"update {name} (pipeline)" in edited.out.splitlines()
    assert jenkins(capsys, "apply", *fleet).code == 0

    server.create_job(f"{live}/hand-made", server.get_job_config(name).replace(
        "superspec-managed:", "made by hand:"))
    orphaned = jenkins(capsys, "plan", "alpha", "top")
    assert f"orphaned {live}/beta (pipeline)" in orphaned.out
    assert "hand-made" not in orphaned.out
    assert jenkins(capsys, "prune", "alpha", "top").code == 0
    assert not server.job_exists(f"{live}/beta")
    assert server.job_exists(f"{live}/hand-made")


def test_live_linter_and_credentials(capsys: pytest.CaptureFixture[str], live: str,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    write(Path("broken/jenkins/stages/build.j2"), """
                stage({{ stage.id | groovy_str }}) {
                    agent any
                    steps {
        {% for command in stage.commands %}
                        sh([{{ command | groovy_str }})
        {% endfor %}
                    }
                }
        """)
    linted = jenkins(capsys, "plan", "alpha", extra=("--templates", "broken"))
    assert linted.code == 1
    assert linted.err.startswith(f"error: {live}/alpha: Jenkinsfile (generated from "
                                 f"alpha/superspec.yaml) line ")
    monkeypatch.setenv("SUPERSPEC_JENKINS_TOKEN", "not-the-token")
    refused = jenkins(capsys, "plan", "alpha")
    assert refused.code == 1 and "(401): check the API token" in refused.err
    assert "not-the-token" not in refused.out + refused.err
