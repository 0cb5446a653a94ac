"""Session fixtures: one groovyc run over the whole library, one JVM for every Groovy test."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LIBRARY = ROOT / "shared-library"


@dataclass(frozen=True)
class Process:
    code: int
    output: str


def groovy_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"'{name}' is not installed: run .ci/install-system-deps.sh (Debian groovy)")
    return path


def library_sources() -> list[Path]:
    return sorted(LIBRARY.rglob("*.groovy"))


@pytest.fixture(scope="session")
def groovyc_run(tmp_path_factory: pytest.TempPathFactory) -> Process:
    """`groovyc` over every .groovy file of shared-library/ (vars, src, test), in one call."""
    out = tmp_path_factory.mktemp("groovyc")
    proc = subprocess.run(
        [groovy_tool("groovyc"), "-d", str(out), "-cp", "src:test",
         *[str(p.relative_to(LIBRARY)) for p in library_sources()]],
        cwd=LIBRARY, capture_output=True, text=True, timeout=300)
    return Process(proc.returncode, proc.stdout + proc.stderr)


@dataclass(frozen=True)
class GroovyTests:
    code: int
    output: str
    out: Path  # what the Groovy tests left behind (workspaces/<name>/...)


@pytest.fixture(scope="session")
def groovy_tests(tmp_path_factory: pytest.TempPathFactory) -> GroovyTests:
    """Every Groovy test (test/**/*Test.groovy) in one JVM: test/RunTests.groovy."""
    out = tmp_path_factory.mktemp("groovy-tests")
    proc = subprocess.run(
        [groovy_tool("groovy"), "-cp", "src:test", "test/RunTests.groovy", str(LIBRARY), str(out)],
        cwd=LIBRARY, capture_output=True, text=True, timeout=600)
    return GroovyTests(proc.returncode, proc.stdout + proc.stderr, out)
