"""python-gitlab stays at the edge: one module imports it, and only the gitlab commands load it."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.architecture.imports import modules
from tests.conftest import ROOT


def test_python_gitlab_is_imported_by_the_gitlab_adapter_only() -> None:
    pattern = re.compile(r"^\s*(import gitlab\b|from gitlab[\s.])", re.MULTILINE)
    importers = sorted(name for name, path in modules().items()
                       if pattern.search(path.read_text(encoding="utf-8")))
    assert importers == ["superspec.integrations.gitlab"]


PROBE = """
import json, sys
from superspec.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "loaded": [m for m in ("gitlab", "requests")
                                           if m in sys.modules]}), file=sys.stderr)
"""


@pytest.mark.parametrize("argv", [["gitlab", "--help"], ["gitlab", "plan", "--help"]])
def test_help_loads_no_client_library(argv: list[str]) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True,
                          cwd=ROOT)
    assert json.loads(done.stderr.strip().splitlines()[-1]) == {"code": 0, "loaded": []}
