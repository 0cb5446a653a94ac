"""A broken POM reaches the user of ``superspec enforce`` as a located error: exit 1, the rule in
status ``error`` with ``file:line: ...``, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.enforce.maven.pomkit import Repo, dep, pom

SUPERSPEC = Path(sys.executable).with_name("superspec")
SPEC = """superspec: 1
kind: project
name: broken
build: {tool: maven}
pipeline: {stages: {enforce: {}}}
enforce:
  rules:
    dependencyConvergence: {}
    requireOS: {family: unix}
"""


@pytest.mark.parametrize("text, detail", [
    ('<?xml version="1.0"?>\n<project>\n  <dependencies>\n    <dependency>\n'
     "  </dependencies>\n</project>\n", "pom.xml:5: malformed XML: mismatched tag"),
    (pom("p:app:1", [dep("x:lib:[2.0,1.0]")]),
     "pom.xml:8: invalid version range '[2.0,1.0]': Range defies version ordering: [2.0,1.0]"),
    (pom("p:app:1", parent="p:parent:1:nowhere"),
     "pom.xml:4: parent p:parent:1 not found (relativePath nowhere, local repository {repo})"),
])
def test_broken_pom_is_a_located_rule_error(tmp_path: Path, repo: Repo, text: str,
                                            detail: str) -> None:
    repo.root.mkdir(parents=True)
    (tmp_path / "pom.xml").write_text(text)
    (tmp_path / "superspec.yaml").write_text(SPEC)
    proc = subprocess.run([str(SUPERSPEC), "enforce", "--no-cache", "--format", "json",
                           "--maven-repo", str(repo.root)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    rules = {r["id"]: r for r in json.loads(proc.stdout)["rules"]}
    assert (rules["dependencyConvergence"]["status"], rules["requireOS"]["status"]) == \
        ("error", "pass")
    assert rules["dependencyConvergence"]["detail"] == detail.format(repo=repo.root)
