"""Shared environments: two applications in one environment calling each other by project
name; a sub-environment forks one of them, its calls to the other fall back to the parent, and
nothing in the parent reaches the sub-environment; two sub-environments that changed the same
application conflict, naming both."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from superspec.engine.docker import DockerEngine
from tests.dockerd import import_app_image
from tests.env.conftest import get, labelled
from tests.helpers import run_cli

pytestmark = pytest.mark.slow  # a real dockerd, routers, busybox replicas

CALL = """#!/bin/sh
echo "Content-Type: text/plain"
echo ""
echo "$(cat /www/version) -> $(wget -q -O - http://$OTHER:8080/version 2>&1)"
"""


def _image(host: str, tmp: Path, name: str, version: str) -> str:
    """name:version: busybox httpd serving /version, /healthz and /cgi-bin/call, which calls
    http://$OTHER:8080/version (another application, by its project name)."""
    scratch = tmp / f"{name}-{version}"
    scratch.mkdir()
    www = {"version": f"{name}-{version}\n", "healthz": "ok\n", "cgi-bin/call": CALL}
    return import_app_image(host, f"superspec-test/{name}:{version}", scratch, www,
                            applets=("sh", "cat", "wget"), executable=("cgi-bin/call",))


def _project(root: Path, name: str, other: str) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "superspec.yaml").write_text(textwrap.dedent(f"""
        superspec: 1
        kind: company
        name: {name}
        build: {{tool: custom, commands: {{build: "true"}}}}
        pipeline: {{stages: {{build: {{}}}}}}
        app: {{image: superspec-test/{name}, version: v1, port: 8080, health: /healthz,
               env: {{OTHER: {other}}}}}
        environments: {{test: {{class: functional-test}}}}
    """).lstrip())
    return folder


@pytest.fixture
def shop(project: Path, docker_host: str, tmp_path: Path) -> Path:
    """ledger (calls fraud-model) and fraud-model (calls ledger), their images v1-v3."""
    for name in ("ledger", "fraud-model"):
        for version in ("v1", "v2", "v3"):
            _image(docker_host, tmp_path, name, version)
    (tmp_path / "shop").mkdir()
    _project(tmp_path / "shop", "ledger", "fraud-model")
    _project(tmp_path / "shop", "fraud-model", "ledger")
    return tmp_path / "shop"


def _ok(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    run = run_cli(capsys, *argv, "--format", "json")
    assert run.code == 0, run.err
    data = json.loads(run.out)
    return data


def _port(outcome: dict) -> int:
    return int(outcome["url"].rsplit(":", 1)[1].strip("/"))


def test_sub_environments_fork_call_back_merge_and_conflict(
        shop: Path, engine: DockerEngine, capsys: pytest.CaptureFixture[str]) -> None:
    ledger, fraud = str(shop / "ledger"), str(shop / "fraud-model")
    _ok(capsys, "deploy", "--env", "test", "--spec", f"{fraud}/superspec.yaml")
    test = _ok(capsys, "deploy", "--env", "test", "--spec", f"{ledger}/superspec.yaml")
    port = _port(test)
    assert get(port, "/cgi-bin/call", "ledger.test") == (200, "ledger-v1 -> fraud-model-v1")
    assert get(port, "/cgi-bin/call", "fraud-model.test") == (200, "fraud-model-v1 -> ledger-v1")

    feat_x = _ok(capsys, "env", "split", "test", "feat-x", ledger)
    _ok(capsys, "env", "split", "test", "feat-y", ledger)
    _ok(capsys, "deploy", "--env", "feat-x", "--version", "v2", "--spec",
        f"{ledger}/superspec.yaml")
    _ok(capsys, "deploy", "--env", "feat-y", "--version", "v3", "--spec",
        f"{ledger}/superspec.yaml")
    x_port = _port(feat_x)
    # the forked application answers in feat-x; its call to fraud-model is test's instance
    assert get(x_port, "/cgi-bin/call", "ledger.feat-x") == (200, "ledger-v2 -> fraud-model-v1")
    assert get(x_port, "/cgi-bin/call") == (200, "ledger-v2 -> fraud-model-v1")
    # the parent never reaches the sub-environment
    assert get(port, "/cgi-bin/call", "ledger.test") == (200, "ledger-v1 -> fraud-model-v1")
    assert get(port, "/cgi-bin/call", "fraud-model.test") == (200, "fraud-model-v1 -> ledger-v1")

    merged = _ok(capsys, "env", "merge", "feat-x", "--into", "test", ledger)
    assert [d["version"] for d in merged["deployed"]] == ["v2"]
    assert get(port, "/cgi-bin/call", "fraud-model.test") == (200, "fraud-model-v1 -> ledger-v2")

    run = run_cli(capsys, "env", "merge", "feat-y", "--into", "test", ledger)
    assert run.code == 1
    (conflict, summary) = run.err.splitlines()
    assert conflict.startswith("error: conflict: ledger version: split point ('v1', ")
    assert "test (merged from feat-x) ('v2', " in conflict and "feat-y ('v3', " in conflict
    assert summary == ("error: merging feat-y into test: 1 conflict(s); nothing changed "
                       "(--take feat-y or --take test decides)")
    assert get(port, "/cgi-bin/call", "ledger.test") == (200, "ledger-v2 -> fraud-model-v1")

    run = run_cli(capsys, "env", "describe", "test", "--format", "json")
    spec = json.loads(run.out)["serverSpec"]
    assert [(a["project"], a["version"]) for a in spec["apps"]] == [("fraud-model", "v1"),
                                                                    ("ledger", "v2")]
    assert run_cli(capsys, "env", "destroy", "test", "--with-children").code == 0
    for env in ("test", "feat-x", "feat-y"):
        assert labelled(engine, env) == []
