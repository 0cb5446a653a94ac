"""Fixtures: a tiny local Maven repository and a project directory writer."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.enforce.maven.pomkit import Repo


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return Repo(tmp_path / "repo")


@pytest.fixture
def project(tmp_path: Path):
    def write(text: str, where: str = "app") -> Path:
        d = tmp_path / where
        d.mkdir(parents=True, exist_ok=True)
        (d / "pom.xml").write_text(text)
        return d
    return write
