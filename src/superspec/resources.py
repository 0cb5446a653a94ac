"""Where superspec's bundled data files live, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def templates_dir() -> Path:
    """The built-in templates: ``superspec/_templates`` in a wheel, ``templates/`` in a checkout."""
    installed = _PACKAGE_DIR / "_templates"
    if installed.is_dir():
        return installed
    return _PACKAGE_DIR.parent.parent / "templates"
