"""Loading the baseline and the migrations directory."""

from __future__ import annotations

import hashlib

import pytest

from superspec.db import load_changes
from superspec.errors import InputError
from tests.db.conftest import V2, V2_1, V10, Project


def test_scripts_load_in_numeric_version_order(project: Project) -> None:
    project.script("V10__owner.sql", V10)
    project.script("V2__account.sql", V2)
    project.script("V2.1__chf.sql", V2_1)
    (project.migrations / "README.md").write_text("not a script")
    (project.migrations / "old").mkdir()
    changes = project.changes()
    assert [(s.version.text, s.description, s.name) for s in changes.scripts] == [
        ("2", "account", "V2__account.sql"),
        ("2.1", "chf", "V2.1__chf.sql"),
        ("10", "owner", "V10__owner.sql"),
    ]
    assert changes.baseline.baseline and changes.baseline.name == "baseline.sql"
    assert changes.baseline.checksum == hashlib.sha256(project.baseline.read_bytes()).hexdigest()


def test_duplicate_versions_name_both_files(project: Project) -> None:
    project.script("V2__account.sql", V2)
    project.script("V2.0__accounts_again.sql", V2)
    with pytest.raises(InputError) as info:
        project.changes()
    assert str(info.value) == ("db/migrations/V2__account.sql: version 2 is defined twice: "
                               "V2.0__accounts_again.sql and V2__account.sql")


def test_a_sql_file_with_a_bad_name_is_refused(project: Project) -> None:
    project.script("V3_add_index.sql", "SELECT 1;")
    with pytest.raises(InputError) as info:
        project.changes()
    assert str(info.value) == (
        "db/migrations/V3_add_index.sql: V3_add_index.sql: not a change script name: expected "
        "V<version>__<description>.sql (e.g. V2__add_orders.sql, V2.1__backfill.sql)")


def test_bad_baseline_version(project: Project) -> None:
    with pytest.raises(InputError) as info:
        project.changes("v1")
    assert str(info.value) == ("db/baseline.sql: baselineVersion 'v1' is not a version "
                               "(numbers separated by dots, e.g. 1 or 2026.11.01)")


def test_missing_files_and_directories(project: Project) -> None:
    with pytest.raises(InputError) as info:
        load_changes(project.root / "db" / "nope.sql", "1", None)
    assert str(info.value) == "db/nope.sql: no such file"
    with pytest.raises(InputError) as info:
        load_changes(project.baseline, "1", project.root / "db" / "nope")
    assert str(info.value) == "db/nope: migrations: no such directory"
    assert load_changes(project.baseline, "1", None).scripts == ()


def test_scripts_must_be_utf8(project: Project) -> None:
    (project.migrations / "V2__latin1.sql").write_bytes(b"SELECT '\xe9';\n")
    with pytest.raises(InputError) as info:
        project.changes()
    assert str(info.value) == ("db/migrations/V2__latin1.sql: cannot read: not UTF-8 text "
                               "(invalid continuation byte at byte 8)")
