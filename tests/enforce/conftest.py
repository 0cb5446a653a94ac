"""Fixtures of the enforce tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.enforce.helpers import FIXTURES, spec_text


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., Path]:
    """``project(rules, tool=..., fixture=...)``: a project dir with superspec.yaml (and a copy of
    a fixture directory's files)."""

    def make(rules: dict[str, Any], tool: str = "python", fixture: str | None = None,
             level: str | None = None) -> Path:
        d = tmp_path / "project"
        if fixture:
            shutil.copytree(FIXTURES / fixture, d, dirs_exist_ok=True)
        d.mkdir(exist_ok=True)
        (d / "superspec.yaml").write_text(spec_text(rules, tool, level))
        return d

    return make
