"""The parity cases as CI meets a new commit: the POM changed, the spec did not. The spec then
comes from the compiled-spec cache and the rule options from the rules memo (no pydantic), and
every report equals the one ``--no-cache`` gives (whose verdicts are Maven Enforcer's)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.enforce.parity import harness

SUPERSPEC = Path(sys.executable).with_name("superspec")


def _stale_run(work: harness.Work, case: str, cache: Path) -> tuple[dict, str]:
    """(report, imports) of a run after the POM was touched, with warm spec and rules memos."""
    d = work.root / case
    argv = [str(SUPERSPEC), "enforce", "--spec", str(d / "superspec.yaml"), "--project-dir",
            str(d), "--maven-repo", str(work.repo), "--format", "json"]
    env = {**os.environ, "SUPERSPEC_CACHE_DIR": str(cache), "WORKSPACE": "", "CI_PROJECT_DIR": ""}
    subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)
    os.utime(d / "pom.xml")
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False,
                          env={**env, "PYTHONPROFILEIMPORTTIME": "1"})
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout), proc.stderr


@pytest.mark.slow
def test_a_changed_pom_with_an_unchanged_spec_gets_the_no_cache_report(
        maven_oracles: dict, tmp_path: Path) -> None:
    work = maven_oracles["enforce_work"]
    with ThreadPoolExecutor(2) as pool:
        runs = dict(zip(work.cases, pool.map(
            lambda c: _stale_run(work, c, tmp_path / "user-cache" / c), work.cases), strict=True))
    for case, (report, imports) in runs.items():
        _, fresh = harness.superspec_verdicts(work, case, SUPERSPEC)
        assert report == fresh, case
        imported = {line.rsplit("|", 1)[-1].strip() for line in imports.splitlines()
                    if line.startswith("import time:")}
        assert not imported & {"pydantic", "click", "yaml", "rich"}, case
