"""An environment's life on a real Docker engine: create, deploy a new version, describe it from
the engine, the database brought up from its baseline and change scripts, destroy leaving no
labelled object."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from superspec.engine.docker import DockerEngine
from superspec.env.paths import sqlite_dir
from tests.env.conftest import get, labelled
from tests.helpers import run_cli

pytestmark = pytest.mark.slow  # a real dockerd, the router, busybox replicas


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    run = run_cli(capsys, *argv, "--format", "json")
    assert run.code == 0, run.err
    return json.loads(run.out)


def test_create_deploy_describe_destroy(project: Path, engine: DockerEngine,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    created = _json(capsys, "env", "create", "test")
    assert created["action"] == "created"
    assert created["replicas"] == ["ss-test-ledger-1", "ss-test-ledger-2"]
    port = int(created["url"].rsplit(":", 1)[1].strip("/"))
    assert get(port) == (200, "v1")
    assert get(port, host="ledger.test") == (200, "v1")
    database = sqlite_dir("test") / "ledger.sqlite"
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT name, balance FROM account").fetchall() == [("cash", 0)]

    again = _json(capsys, "env", "create", "test")
    assert again["action"] == "unchanged"

    deployed = _json(capsys, "deploy", "--env", "test", "--version", "v2")
    assert deployed["action"] == "deployed"
    assert [get(port)[1] for _ in range(6)] == ["v2"] * 6

    described = _json(capsys, "env", "describe", "test", "--spec", "superspec.yaml")
    spec = described["serverSpec"]
    assert described["drift"] == []
    assert (spec["environment"], spec["class"], spec["port"]) == ("test", "functional-test", port)
    (app,) = spec["apps"]
    assert (app["project"], app["version"], app["image"]) == ("ledger", "v2",
                                                              "superspec-test/app:v2")
    assert app["database"]["schema_version"] == "2"
    assert [m["version"] for m in app["database"]["applied"]] == ["1", "2"]
    assert app["config"]["env"] == {"LOG_FORMAT": "json"}

    run = run_cli(capsys, "env", "destroy", "test")
    assert run.code == 0, run.err
    assert labelled(engine, "test") == []
    assert not database.exists()


def test_the_server_spec_is_in_every_container_and_agrees_with_the_labels(
        project: Path, engine: DockerEngine, capsys: pytest.CaptureFixture[str]) -> None:
    _json(capsys, "env", "create", "test")
    for name in ("ss-test-ledger-1", "ss-test-ledger-2", "ss-test-router"):
        data = json.loads(engine.read_file(name, "/etc/superspec/server-spec.json") or b"{}")
        assert data["environment"] == "test"
        assert [a["project"] for a in data["apps"]] == ["ledger"]
    state = engine.container_state("ss-test-ledger-1")
    assert state is not None
    assert {k: v for k, v in state.labels.items() if k.startswith("io.superspec.")} == {
        "io.superspec.env": "test", "io.superspec.role": "app",
        "io.superspec.project": "ledger", "io.superspec.version": "v1",
        "io.superspec.spec-digest": state.labels["io.superspec.spec-digest"]}


def test_a_replica_changed_by_hand_is_drift(project: Path, engine: DockerEngine,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    _json(capsys, "env", "create", "test")
    spec = json.loads(engine.read_file("ss-test-ledger-2", "/etc/superspec/server-spec.json")
                      or b"{}")
    spec["apps"][0]["version"] = "v9"
    engine.put_file("ss-test-ledger-2", "/etc/superspec/server-spec.json",
                    json.dumps(spec).encode())
    run = run_cli(capsys, "env", "describe", "test")
    assert run.code == 1
    assert "  drift: ss-test-ledger-2: label version v1 but its server spec says v9" in run.out
    assert run.err == "error: environment test drifted: 2 difference(s)\n"


def test_an_unhealthy_version_fails_and_leaves_nothing(project: Path, engine: DockerEngine,
                                                       app_image: object,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    image = app_image("v4", False)  # type: ignore[operator]
    run = run_cli(capsys, "env", "create", "test", "--image", image, "--timeout", "4")
    assert run.code == 1
    assert run.err.endswith("error: replicas of ledger v4-nohealth did not pass their health "
                            "check (/healthz) within 4s\n")
    assert "ss-test-ledger-1 (running), last log lines:" in run.err
    assert labelled(engine, "test") == []


def test_a_missing_image_or_unknown_environment_is_one_clear_line(
        project: Path, engine: DockerEngine, capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "env", "create", "test", "--version", "nope")
    assert (run.code, run.err) == (1, "error: image 'superspec-test/app:nope' is not in the "
                                      "Docker engine; build or load it first\n")
    run = run_cli(capsys, "env", "create", "tset")
    assert (run.code, run.err) == (1, "error: superspec.yaml:13 [company ledger] environments: "
                                      "environment 'tset' is not defined in environments; did "
                                      "you mean 'test'?\n")
    assert labelled(engine, "test") == []
