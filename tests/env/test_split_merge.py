"""Split a sub-environment off a running one, change it, merge it back (three-way), and the
conflict cases; on a real Docker engine with SQLite databases."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from superspec.engine.docker import DockerEngine
from superspec.env.paths import sqlite_dir
from tests.env.conftest import get, labelled
from tests.helpers import run_cli

pytestmark = pytest.mark.slow  # a real dockerd, routers, busybox replicas

NEW_SCRIPT = "CREATE TABLE entry (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL);\n"


def _ok(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    run = run_cli(capsys, *argv, "--format", "json")
    assert run.code == 0, run.err
    return json.loads(run.out)


def _port(outcome: dict) -> int:
    return int(outcome["url"].rsplit(":", 1)[1].strip("/"))


def _describe(capsys: pytest.CaptureFixture[str], env: str) -> dict:
    run = run_cli(capsys, "env", "describe", env, "--spec", "superspec.yaml", "--format", "json")
    assert run.code == 0, run.out + run.err
    return json.loads(run.out)["serverSpec"]["apps"][0]


def test_split_deploy_migrate_merge_destroy(project: Path, engine: DockerEngine,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    test = _ok(capsys, "env", "create", "test")
    _ok(capsys, "deploy", "--env", "test", "--version", "v2")
    with sqlite3.connect(sqlite_dir("test") / "ledger.sqlite") as db:
        db.execute("INSERT INTO account (name) VALUES ('written in test')")

    (feat,) = [_ok(capsys, "env", "split", "test", "feat-x")]
    assert feat["version"] == "v2"
    feat_port = _port(feat)
    assert get(feat_port) == (200, "v2")
    copy = sqlite_dir("feat-x") / "ledger.sqlite"
    with sqlite3.connect(copy) as db:  # the database as it was at the split
        assert [r[0] for r in db.execute("SELECT name FROM account ORDER BY id")] == [
            "cash", "written in test"]
    point = _describe(capsys, "feat-x")["split_point"]
    assert (point["version"], [m["version"] for m in point["migrations"]]) == ("v2", ["1", "2"])

    (project / "db" / "migrations" / "V3__entries.sql").write_text(NEW_SCRIPT)
    _ok(capsys, "deploy", "--env", "feat-x", "--version", "v3")
    assert get(feat_port) == (200, "v3")
    assert get(_port(test)) == (200, "v2")  # the parent is untouched

    dry = _ok(capsys, "env", "merge", "feat-x", "--into", "test", "--dry-run")
    assert dry["conflicts"] == []
    assert dry["changes"] == ["ledger version: feat-x's goes to test",
                              "ledger migration 3: feat-x's goes to test"]
    assert labelled(engine, "feat-x") != []

    merged = _ok(capsys, "env", "merge", "feat-x", "--into", "test")
    assert [d["version"] for d in merged["deployed"]] == ["v3"]
    assert get(_port(test)) == (200, "v3")
    app = _describe(capsys, "test")
    assert (app["version"], app["merged_from"]) == ("v3", "feat-x")
    assert [m["version"] for m in app["database"]["applied"]] == ["1", "2", "3"]
    with sqlite3.connect(sqlite_dir("test") / "ledger.sqlite") as db:  # rows are not merged
        assert [r[0] for r in db.execute("SELECT name FROM account ORDER BY id")] == [
            "cash", "written in test"]
    assert labelled(engine, "feat-x") == []  # destroyed after the merge

    assert run_cli(capsys, "env", "destroy", "test").code == 0
    assert labelled(engine, "test") == []


def test_changes_on_both_sides_are_conflicts_and_change_nothing(
        project: Path, engine: DockerEngine, capsys: pytest.CaptureFixture[str]) -> None:
    _ok(capsys, "env", "create", "test")
    _ok(capsys, "env", "split", "test", "feat-y")
    _ok(capsys, "deploy", "--env", "feat-y", "--version", "v3")
    _ok(capsys, "deploy", "--env", "test", "--version", "v2")
    run = run_cli(capsys, "env", "merge", "feat-y", "--into", "test")
    assert run.code == 1
    assert run.err == (
        "error: conflict: ledger version: split point ('v1', "
        f"'{engine.image('superspec-test/app:v1').id}'), test "  # type: ignore[union-attr]
        f"('v2', '{engine.image('superspec-test/app:v2').id}'), feat-y "  # type: ignore[union-attr]
        f"('v3', '{engine.image('superspec-test/app:v3').id}')\n"  # type: ignore[union-attr]
        "error: merging feat-y into test: 1 conflict(s); nothing changed (--take feat-y or "
        "--take test decides)\n")
    assert _describe(capsys, "test")["version"] == "v2"
    assert labelled(engine, "feat-y") != []
    taken = _ok(capsys, "env", "merge", "feat-y", "--into", "test", "--take", "feat-y")
    assert [d["version"] for d in taken["deployed"]] == ["v3"]


def test_a_parent_with_sub_environments_is_not_destroyed_alone(
        project: Path, engine: DockerEngine, capsys: pytest.CaptureFixture[str]) -> None:
    _ok(capsys, "env", "create", "test")
    _ok(capsys, "env", "split", "test", "feat-z")
    run = run_cli(capsys, "env", "destroy", "test")
    assert (run.code, run.err) == (1, "error: environment 'test' has sub-environments that "
                                      "fall back to it: feat-z; destroy them first or pass "
                                      "--with-children\n")
    assert run_cli(capsys, "env", "destroy", "test", "--with-children").code == 0
    assert labelled(engine, "test") == [] and labelled(engine, "feat-z") == []
