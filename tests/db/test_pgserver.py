"""The PostgreSQL fixture says which package to install when the server is not there."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.db import pgserver


def test_a_missing_postgresql_names_the_debian_package(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    monkeypatch.setattr(pgserver, "PG_BIN", tmp_path / "nowhere")
    with pytest.raises(pgserver.PostgresMissing) as info:
        pgserver.start()
    assert str(info.value) == (
        f"{tmp_path}/nowhere/initdb not found: the database tests need Debian's postgresql-15 "
        f"package (apt-get install postgresql)")
