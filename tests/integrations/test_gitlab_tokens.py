"""The token never appears in anything superspec gitlab writes: stdout, stderr, reports, crash
logs. Each scenario runs the CLI in a process of its own with TMPDIR pointing at an empty
directory, then every byte written is searched for the token."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integrations.gitlab_fake import ExampleFleet, FakeGitLab, example_fleet

SECRET = "glpat-Secret0Value0Searched0Everywhere"
DRIVER = """
import sys
import requests
from superspec.cli.main import main

if sys.argv[1] == "--break-http":  # something unexpected deep in the HTTP stack
    def send(self, request, **kwargs):
        raise RuntimeError("the HTTP stack broke")
    requests.Session.send = send
    del sys.argv[1]
main(sys.argv[1:])
"""


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[ExampleFleet]:
    with FakeGitLab() as fake:
        fleet = example_fleet(tmp_path, fake)
        fake.add_token(SECRET)
        yield fleet


def _run(fleet: ExampleFleet, tmp_path: Path, name: str, *argv: str,
         token: str = SECRET) -> tuple[subprocess.CompletedProcess[bytes], Path]:
    tmpdir = tmp_path / f"tmp-{name}"
    tmpdir.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SUPERSPEC_") or k == "SUPERSPEC_CACHE_DIR"}
    env.update(TMPDIR=str(tmpdir), SUPERSPEC_GITLAB_TOKEN=token,
               SUPERSPEC_GITLAB_URL=fleet.fake.url)
    done = subprocess.run([sys.executable, "-c", DRIVER, *argv], env=env, capture_output=True,
                          cwd=tmp_path, timeout=120)
    return done, tmpdir


def _written(done: subprocess.CompletedProcess[bytes], *places: Path) -> list[bytes]:
    found = [done.stdout, done.stderr]
    for place in places:
        files = [place] if place.is_file() else sorted(p for p in place.rglob("*") if p.is_file())
        found += [f.read_bytes() for f in files]
    return found


def test_no_output_of_any_scenario_holds_the_token(
        fleet: ExampleFleet, tmp_path: Path) -> None:
    junit = tmp_path / "audit.xml"
    reporter = "glpat-Reporter0Secret0Searched0Too"
    fleet.fake.add_token(reporter, role="reporter")
    scenarios: list[tuple[str, list[str], str, int]] = [
        ("plan", fleet.argv("plan"), SECRET, 0),
        ("plan-json", fleet.argv("plan", "--format", "json"), SECRET, 0),
        ("publish", fleet.argv("publish"), SECRET, 0),
        ("audit", fleet.argv("audit", "--report-junit", str(junit)), SECRET, 1),
        ("wrong-token", fleet.argv("audit"), "glpat-Wrong0Secret0Searched0Too", 1),
        ("role", fleet.argv("publish", "--target", "jenkins"), reporter, 1),
        ("crash", ["--break-http", *fleet.argv("plan")], SECRET, 3),
    ]
    crash_logs = 0
    for name, argv, token, code in scenarios:
        if name == "role":
            fleet.fake.echo_token = True  # the server quotes the token in its error message
            spec = fleet.spec_dir("storefront") / "superspec.yaml"
            spec.write_text(spec.read_text().replace("node:20", "node:22"))
        done, tmpdir = _run(fleet, tmp_path, name, *argv, token=token)
        assert done.returncode == code, (name, done.stderr.decode())
        for data in _written(done, tmpdir, junit):
            assert token.encode() not in data, name
            assert SECRET.encode() not in data, name
        crash_logs += len(list(tmpdir.glob("superspec-crash-*.log")))
        if name == "role":
            assert b"403 Forbidden: 403 Forbidden (token [token])" in done.stderr
        if name == "crash":
            assert b"internal error: RuntimeError: the HTTP stack broke" in done.stderr
    assert crash_logs == 1  # the crash scenario wrote one, and it was searched
    assert any(r.token == SECRET for r in fleet.fake.requests)  # the token was really used


def test_failures_on_the_way_keep_the_token_out(fleet: ExampleFleet, tmp_path: Path) -> None:
    fleet.fake.rate_limit_next, fleet.fake.retry_after = 100, "0"
    done, tmpdir = _run(fleet, tmp_path, "limited", *fleet.argv("plan", "--max-retries", "1"))
    assert done.returncode == 1
    assert b"429 Too Many Requests" in done.stderr
    fleet.fake.rate_limit_next = 0
    fleet.fake.delay = 2.0
    slow, slow_tmp = _run(fleet, tmp_path, "slow",
                          *fleet.argv("plan", "--timeout", "1", "--max-retries", "0"))
    assert b"did not answer within 1 s" in slow.stderr
    for data in _written(done, tmpdir) + _written(slow, slow_tmp):
        assert SECRET.encode() not in data
