"""Every parity project in ONE ``superspec enforce DIR...`` process reaches Maven Enforcer 3.1.0's
verdict per rule (the models of the shared local repository are built once for all projects)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.enforce.parity import harness

SUPERSPEC = Path(sys.executable).with_name("superspec")


@pytest.mark.slow
def test_one_process_for_every_parity_project_equals_maven_enforcer(tmp_path: Path) -> None:
    harness.require_maven()
    work = harness.prepare(tmp_path)
    expected, log = harness.enforcer_verdicts(work)
    proc = subprocess.run(
        [str(SUPERSPEC), "enforce", *(str(work.root / c) for c in work.cases),
         "--maven-repo", str(work.repo), "--format", "json", "--no-cache",
         "--report-junit", str(tmp_path / "junit")],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stderr
    data = json.loads(proc.stdout)
    assert [p["project"] for p in data["projects"]] == work.cases
    for project in data["projects"]:
        case = project["project"]
        ours = {r["id"]: r["status"] == "pass" for r in project["report"]["rules"]}
        assert ours == expected[case], (case, project["report"],
                                        harness.sections(log, "maven-enforcer")[case])
    assert sorted(p.stem for p in (tmp_path / "junit").iterdir()) == sorted(work.cases)
    assert (proc.returncode == 1) == any(not all(v.values()) for v in expected.values())
