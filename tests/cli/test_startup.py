"""The CLI starts light: --help and validate import none of the adapters' heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import EXAMPLES, ROOT

HEAVY = ["docker", "gitlab", "jenkins", "requests", "rich"]

PROBE = """
import json, sys
from superspec.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
heavy = {heavy!r}
print(json.dumps({{"code": code, "loaded": [m for m in heavy if m in sys.modules]}}),
      file=sys.stderr)
"""


@pytest.mark.parametrize("argv", [
    ["--help"],
    ["validate", "--spec", str(EXAMPLES / "projects/payments-api/superspec.yaml"),
     "--layers", str(EXAMPLES / "layers")],
    ["explain", "app", "--spec", str(EXAMPLES / "projects/payments-api/superspec.yaml"),
     "--layers", str(EXAMPLES / "layers")],
])
def test_no_heavy_imports(argv: list[str]) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *argv],
                          capture_output=True, text=True, cwd=ROOT)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report == {"code": 0, "loaded": []}


@pytest.mark.parametrize("argv", [["--help"], ["step", "--help"], ["package", "--help"]])
def test_help_imports_no_model_library(argv: list[str]) -> None:
    """Help reads no spec and no params: neither pydantic nor jinja2 is imported for it."""
    probe = PROBE.format(heavy=HEAVY + ["pydantic", "jinja2", "yaml"])
    done = subprocess.run([sys.executable, "-c", probe, *argv],
                          capture_output=True, text=True, cwd=ROOT)
    report = json.loads(done.stderr.strip().splitlines()[-1])
    assert report == {"code": 0, "loaded": []}
