"""Splitting scripts into statements with their lines (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from superspec.db.errors import StatementError
from superspec.db.statements import (
    Statement,
    check_transaction_control,
    split_postgres,
    split_sqlite,
)


def shape(statements: list[Statement]) -> list[tuple[int, str]]:
    return [(s.line, s.text) for s in statements]


def test_sqlite_split_follows_complete_statement() -> None:
    script = (
        "-- header; not a statement\n"
        "CREATE TABLE a (id INT, note TEXT DEFAULT 'x;y''z');\n"
        "/* a ; comment */ INSERT INTO a VALUES (1, 'a;b'); INSERT INTO a VALUES (2, 'c');\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n"
        "  UPDATE a SET note = 'n;';\n"
        "END;\n"
        ";;\n"
        "-- trailing ; comment\n"
        "SELECT 1"
    )
    assert shape(split_sqlite(script)) == [
        (2, "CREATE TABLE a (id INT, note TEXT DEFAULT 'x;y''z');"),
        (3, "INSERT INTO a VALUES (1, 'a;b');"),
        (3, "INSERT INTO a VALUES (2, 'c');"),
        (4, "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE a SET note = 'n;';\nEND;"),
        (9, "SELECT 1"),
    ]


def test_sqlite_block_comments_do_not_nest() -> None:
    assert shape(split_sqlite("/* /* */ SELECT 1;")) == [(1, "SELECT 1;")]


def test_postgres_split_knows_quotes_dollars_comments_and_atomic_bodies() -> None:
    script = (
        "-- header\n"
        "CREATE TABLE a (id int, note text DEFAULT 'x;y''z');\n"
        "/* c ; /* nested ; */ still */ INSERT INTO a VALUES (1, E'it\\'s;');\n"
        "CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END $body$ "
        "LANGUAGE plpgsql;\n"
        "CREATE OR REPLACE FUNCTION g(x int) RETURNS int LANGUAGE sql\n"
        "BEGIN ATOMIC\n"
        "  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;\n"
        "END;\n"
        "CREATE TABLE b (begin int, \"we;ird\" text);\n"
        "SELECT $$;$$, a$b FROM (SELECT 1 AS a$b) s; SELECT 2\n"
    )
    assert shape(split_postgres(script)) == [
        (2, "CREATE TABLE a (id int, note text DEFAULT 'x;y''z');"),
        (3, "INSERT INTO a VALUES (1, E'it\\'s;');"),
        (4, "CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END $body$ "
            "LANGUAGE plpgsql;"),
        (5, "CREATE OR REPLACE FUNCTION g(x int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n"
            "  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END;\nEND;"),
        (9, "CREATE TABLE b (begin int, \"we;ird\" text);"),
        (10, "SELECT $$;$$, a$b FROM (SELECT 1 AS a$b) s;"),
        (10, "SELECT 2\n"),
    ]


def test_a_server_position_maps_to_the_script_line() -> None:
    [first, second] = split_postgres("SELECT 1;\n\nCREATE TABLE t (\n  a int,\n  b nope\n);\n")
    assert (first.line, second.line) == (1, 3)
    assert second.line_at(second.text.index("nope") + 1) == 5
    assert second.line_at(1) == 3


@pytest.mark.parametrize(("script", "line"), [
    ("BEGIN;", 1), ("commit;", 1), ("ROLLBACK;", 1), ("END;", 1),
    ("start transaction;", 1), ("SELECT 1;\n\nBEGIN TRANSACTION;", 3), ("ABORT;", 1),
])
def test_transaction_control_is_refused(script: str, line: int) -> None:
    for split in (split_sqlite, split_postgres):
        with pytest.raises(StatementError) as info:
            check_transaction_control(split(script))
        assert info.value.line == line
        assert info.value.message.endswith(
            "controls the transaction; scripts must not: every script runs in its own "
            "transaction, committed with its history row")


@pytest.mark.parametrize("script", [
    "SAVEPOINT s; ROLLBACK TO s; RELEASE s;", "ROLLBACK TO SAVEPOINT s;",
    "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; END;",
])
def test_savepoints_and_trigger_bodies_are_allowed(script: str) -> None:
    check_transaction_control(split_sqlite(script))
