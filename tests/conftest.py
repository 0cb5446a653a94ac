"""Suite-wide options and fixtures."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

pytest_plugins = ["tests.docker_fixtures"]  # one private dockerd for the whole session

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def pytest_configure(config: pytest.Config) -> None:
    """Runs of superspec during the tests keep their enforce cache (and its key) in a directory
    of the test session, never in the home directory of whoever runs the tests."""
    if "SUPERSPEC_CACHE_DIR" not in os.environ:
        cache = Path(tempfile.mkdtemp(prefix="superspec-test-cache-")) / "enforce"
        os.environ["SUPERSPEC_CACHE_DIR"] = str(cache)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", default=False,
        help="Rewrite the expected files under tests/golden/ from the current output.",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))
