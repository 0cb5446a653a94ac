"""How superspec names a file in messages (stdlib only)."""

from __future__ import annotations

from pathlib import Path


def display_path(path: Path | str) -> str:
    """Relative to the working directory when below it, else absolute as given."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return str(path)
