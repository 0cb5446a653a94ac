"""Where environments keep what lives on this machine: leases and SQLite databases."""

from __future__ import annotations

import os
from pathlib import Path


def data_dir() -> Path:
    """``SUPERSPEC_DATA_DIR``, else ``$XDG_DATA_HOME/superspec``, else
    ``~/.local/share/superspec``."""
    if os.environ.get("SUPERSPEC_DATA_DIR"):
        return Path(os.environ["SUPERSPEC_DATA_DIR"])
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share")
    return Path(base) / "superspec"


def sqlite_dir(env: str) -> Path:
    """The folder of an environment's SQLite databases (bind-mounted into its replicas)."""
    return data_dir() / "envs" / env
