"""Database names and server URLs are checked before anything reaches a server."""

from __future__ import annotations

import pytest

from superspec.db import PostgresTarget
from superspec.errors import InputError

URL = "postgresql://admin@127.0.0.1:5432/postgres"


@pytest.mark.parametrize("name", ["payments_test", "payments-api-test", "_x", "a1"])
def test_allowed_names(name: str) -> None:
    assert PostgresTarget(URL, name).database == name


@pytest.mark.parametrize("name", [
    "", "Payments", "1abc", 'x"; DROP DATABASE postgres; --', "a b", "a.b", "x" * 64, "é",
])
def test_refused_names(name: str) -> None:
    with pytest.raises(InputError) as info:
        PostgresTarget(URL, name)
    assert str(info.value) == (
        f"database name {name!r} is not allowed: use lowercase letters, digits, '_' and '-', "
        f"starting with a letter or '_', at most 63 characters")


@pytest.mark.parametrize("name", ["postgres", "template0", "template1"])
def test_system_databases_are_refused(name: str) -> None:
    with pytest.raises(InputError, match="is a system database of the server"):
        PostgresTarget(URL, name)


def test_a_url_with_a_password_is_refused_without_echoing_it() -> None:
    for url in ("postgresql://admin:s3cr3t-pw@127.0.0.1/postgres",
                "postgresql://admin@127.0.0.1/postgres?password=s3cr3t-pw"):
        with pytest.raises(InputError) as info:
            PostgresTarget(url, "app")
        assert str(info.value) == ("database url must not contain a password: give it "
                                   "through the environment's passwordSecret")
        assert "s3cr3t-pw" not in repr(info.value)


def test_other_bad_urls() -> None:
    with pytest.raises(InputError) as info:
        PostgresTarget("mysql://admin@host/db", "app")
    assert str(info.value) == "database url must start with postgresql:// (got scheme 'mysql')"
    with pytest.raises(InputError) as info:
        PostgresTarget("postgresql://admin@host:port/db", "app")
    assert str(info.value) == "database url is not a valid URL (its port is not a number)"


def test_the_password_stays_out_of_repr_and_descriptions() -> None:
    target = PostgresTarget(URL, "app", password="s3cr3t-pw")
    assert "s3cr3t-pw" not in repr(target)
    assert target.describe() == "database 'app' on admin@127.0.0.1:5432"
    assert target == PostgresTarget(URL, "app", password="other")
