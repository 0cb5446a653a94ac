"""`superspec db status|migrate --env ENV` on the project's SQLite database (no engine needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import run_cli


def test_status_then_migrate_then_a_changed_script(ledger: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, "db", "status", "--env", "test", "--format", "json")
    assert run.code == 1
    assert [s["version"] for s in json.loads(run.out)["pending"]] == ["1", "2"]
    assert run.err == "error: the database of ledger in test is not up to date\n"

    run = run_cli(capsys, "db", "migrate", "--env", "test")
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[0].startswith("applied 1 baseline.sql (") and lines[0].endswith(" ms)")
    assert lines[1].startswith("applied 2 V2__balance.sql (")
    assert lines[2].endswith("ledger.sqlite: schema version 2")

    run = run_cli(capsys, "db", "status", "--env", "test")
    assert run.code == 0, run.err
    assert "  applied  2          V2__balance.sql  sha256 " in run.out

    script = ledger / "db" / "migrations" / "V2__balance.sql"
    script.write_text(script.read_text() + "-- edited after it was applied\n")
    run = run_cli(capsys, "db", "migrate", "--env", "test")
    assert run.code == 1
    assert "V2__balance.sql" in run.err and "changed" in run.err


def test_an_environment_without_a_database_is_a_usage_error(
        ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = ledger / "superspec.yaml"
    spec.write_text(spec.read_text().replace(
        "    database: {engine: sqlite, baselineVersion: \"1\", baseline: db/baseline.sql,\n"
        "               migrations: db/migrations}\n", ""))
    run = run_cli(capsys, "db", "status", "--env", "test")
    assert (run.code, run.err) == (2, "error: environment 'test' has no database "
                                      "(environments.test.database)\n")
