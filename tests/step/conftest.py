"""Fixtures for `superspec step`: a CI workspace (the payments-api example, its layers, a jar)."""

from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CONTRACT = ROOT / "shared-library" / "resources" / "superspec" / "contract"


def make_workspace(dest: Path) -> Path:
    """What a Jenkins workspace of payments-api holds when a step runs: spec, layers, template, jar.

    The layers live in ci/layers and ci-layers (the contract examples use both names)."""
    shutil.copytree(EXAMPLES / "projects" / "payments-api", dest, dirs_exist_ok=True)
    shutil.copytree(EXAMPLES / "layers", dest / "ci" / "layers")
    shutil.copytree(EXAMPLES / "layers", dest / "ci-layers")
    jar = dest / "target" / "payments-api.jar"
    jar.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(jar, "w") as archive:  # fixed timestamps: the same bytes every time
        for name, data in (("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
                           ("BOOT-INF/classes/com/acme/App.class", b"\xca\xfe\xba\xbe")):
            archive.writestr(zipfile.ZipInfo(name, (2026, 1, 1, 0, 0, 0)), data)
    return dest


POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.acme.payments</groupId>
  <artifactId>payments-api</artifactId>
  <version>1.4.2</version>
  <packaging>jar</packaging>{dependencies}
</project>
"""
LOG4J = """
  <dependencies>
    <dependency>
      <groupId>log4j</groupId>
      <artifactId>log4j</artifactId>
      <version>1.2.17</version>
    </dependency>
  </dependencies>"""
DEBIAN_MAVEN_REPO = "/usr/share/maven-repo"  # Debian's offline Maven repository (log4j 1.2.17)


def write_pom(root: Path, *, banned: bool) -> None:
    """A Maven project with no dependency, or with log4j 1.2 (banned by the company layer)."""
    (root / "pom.xml").write_text(POM.format(dependencies=LOG4J if banned else ""))


@dataclass
class StepRun:
    code: int
    out: str
    err: str
    result: dict[str, Any] | None
    error: dict[str, Any] | None


class Workspace:
    def __init__(self, root: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.root = root
        self.capsys = capsys

    def params(self, step: str, data: dict[str, Any] | str) -> Path:
        """Write params as the Jenkins library does (4-space pretty JSON) to .superspec/."""
        path = self.root / ".superspec" / f"step-{step}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(data if isinstance(data, str) else json.dumps(data, indent=4) + "\n")
        return path

    def step(self, step: str, data: dict[str, Any] | str | None = None, *extra: str) -> StepRun:
        if data is not None:
            self.params(step, data)
        run = run_cli(self.capsys, "step", step, "--params-file", f".superspec/step-{step}.json",
                      *extra)
        return StepRun(run.code, run.out, run.err,
                       _read(self.root / ".superspec" / f"step-{step}.result.json"),
                       _read(self.root / ".superspec" / f"step-{step}.error.json"))


def _read(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.exists() else None


def example(kind: str, name: str) -> dict[str, Any]:
    return json.loads((CONTRACT / kind / f"{name}.json").read_text())


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
              capsys: pytest.CaptureFixture[str]) -> Workspace:
    monkeypatch.chdir(make_workspace(tmp_path / "ws"))
    for name in ("BRANCH_NAME", "GIT_BRANCH", "SUPERSPEC_LAYERS", "DB_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return Workspace(Path.cwd(), capsys)
