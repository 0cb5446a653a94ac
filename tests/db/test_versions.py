"""Versions compare numerically part by part; script names parse or are refused."""

from __future__ import annotations

import pytest

from superspec.db.versions import ScriptName, Version, parse_script_name, parse_version


def v(text: str) -> Version:
    version = parse_version(text)
    assert version is not None
    return version


def test_versions_compare_numerically_part_by_part() -> None:
    texts = ["10", "2.1", "2", "1.9.9", "2026.11.01", "2.10", "2.9"]
    assert [str(x) for x in sorted(v(t) for t in texts)] == [
        "1.9.9", "2", "2.1", "2.9", "2.10", "10", "2026.11.01"]


def test_trailing_zero_parts_and_leading_zeros_do_not_count() -> None:
    assert v("2") == v("2.0") == v("02") == v("2.0.0")
    assert v("2026.11.01") == v("2026.11.1")
    assert v("2.0").text == "2.0"  # written as it was


@pytest.mark.parametrize("text", ["", "a", "1.", ".1", "1..2", "1.a", "-1", "1 2", "v1"])
def test_non_versions(text: str) -> None:
    assert parse_version(text) is None


@pytest.mark.parametrize(("name", "version", "description"), [
    ("V2__add_orders.sql", "2", "add orders"),
    ("V2.1__backfill.sql", "2.1", "backfill"),
    ("V2_1__backfill_eu.sql", "2.1", "backfill eu"),
    ("V2026.11.01__release.sql", "2026.11.01", "release"),
    ("V10__x.sql", "10", "x"),
])
def test_script_names(name: str, version: str, description: str) -> None:
    assert parse_script_name(name) == ScriptName(v(version), description)


@pytest.mark.parametrize("name", [
    "V2_add.sql", "V__x.sql", "V2__.sql", "v2__x.sql", "R__view.sql", "U2__undo.sql",
    "Vx__y.sql", "V2__x.SQL.bak", "2__x.sql",
])
def test_names_that_are_not_scripts(name: str) -> None:
    assert parse_script_name(name) is None
