"""psycopg is loaded only for PostgreSQL targets, and only by the PostgreSQL adapter."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.architecture.imports import modules

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import pathlib, sys, tempfile
from superspec.db import SqliteTarget, load_changes, migrate, status
root = pathlib.Path(tempfile.mkdtemp())
(root / "baseline.sql").write_text("CREATE TABLE a (id INT);")
changes = load_changes(root / "baseline.sql", "1", None)
migrate(SqliteTarget(root / "x.db"), changes)
assert status(SqliteTarget(root / "x.db"), changes).up_to_date
print("psycopg" in sys.modules)
"""


def test_sqlite_runs_without_loading_psycopg() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          cwd=ROOT, check=True)
    assert done.stdout.strip() == "False"


def test_psycopg_is_imported_by_the_postgres_adapter_only() -> None:
    pattern = re.compile(r"^\s*(import psycopg\b|from psycopg[\s.])", re.MULTILINE)
    importers = sorted(name for name, path in modules().items()
                       if pattern.search(path.read_text(encoding="utf-8")))
    assert importers == ["superspec.db.postgres"]
