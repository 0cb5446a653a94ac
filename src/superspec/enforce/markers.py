"""The files that mark a project's ecosystems (stdlib only: the cached path reads them too)."""

from __future__ import annotations

MAVEN_MARKERS = ("pom.xml",)
PYTHON_MARKERS = ("poetry.lock", "uv.lock", "pyproject.toml", "setup.py", "setup.cfg")
NPM_MARKERS = ("package-lock.json", "package.json")
ALL_MARKERS = MAVEN_MARKERS + NPM_MARKERS + PYTHON_MARKERS


def is_requirements(name: str) -> bool:
    """``requirements*.txt``: pip requirement files."""
    return name.startswith("requirements") and name.endswith(".txt")
