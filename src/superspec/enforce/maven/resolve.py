"""Dependency resolution (being filled in)."""

from __future__ import annotations

from pathlib import Path

from superspec.enforce.graph import DependencyGraph
from superspec.errors import InputError


def resolve_project(project_dir: Path, repo: Path | None) -> DependencyGraph:
    raise InputError(f"{project_dir / 'pom.xml'}: Maven resolution is not implemented yet")
