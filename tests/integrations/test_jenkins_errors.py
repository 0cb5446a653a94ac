"""Failures of `superspec jenkins`, one clear line each: credentials (401), permissions (403),
missing jobs (404), conflicts (409), rate limiting (429, retried), timeouts, TLS, the server's
linter; a fleet carries on unless --fail-fast; and the token never appears in any output."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from superspec.integrations.jenkins_jobs import FleetOptions, load_fleet
from tests.helpers import Run, run_cli, write
from tests.integrations.jenkins_fake import READ_ONLY, FakeJenkins, User, example_fleet

TOKEN = "s3cr3t-T0KEN-9f8e7d6c"
SUPERSPEC = str(Path(sys.executable).with_name("superspec"))
SOURCE = "SUPERSPEC_JENKINS_USER/SUPERSPEC_JENKINS_TOKEN"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeJenkins]:
    for name in ("SUPERSPEC_JENKINS_URL", "SUPERSPEC_JENKINS_CREDENTIALS", "SUPERSPEC_LAYERS",
                 "SUPERSPEC_ROOT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SUPERSPEC_JENKINS_USER", "admin")
    monkeypatch.setenv("SUPERSPEC_JENKINS_TOKEN", TOKEN)
    with FakeJenkins([User("admin", TOKEN), User("reader", TOKEN, READ_ONLY)]) as server:
        yield server


@pytest.fixture
def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    monkeypatch.chdir(tmp_path)
    return [p.relative_to(tmp_path) for p in example_fleet(tmp_path)]


def jenkins(capsys: pytest.CaptureFixture[str], url: str, command: str, paths: list[Path],
            *extra: str) -> Run:
    return run_cli(capsys, "jenkins", command, *map(str, paths), "--layers", "layers",
                   "--url", url, *extra)


def test_a_refused_token_is_one_line_naming_the_credential(
        capsys: pytest.CaptureFixture[str], fake: FakeJenkins, fleet: list[Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPERSPEC_JENKINS_TOKEN", "wrong-token")
    result = jenkins(capsys, fake.url, "plan", fleet)
    assert (result.code, result.out) == (1, "")
    assert result.err.splitlines() == [
        f"error: {fake.url} refused the credentials of user 'admin' from {SOURCE} (401): "
        f"check the API token",
        "error: superspec jenkins plan: 1 problem"]


def test_missing_permissions_are_named_and_the_fleet_carries_on(
        capsys: pytest.CaptureFixture[str], fake: FakeJenkins, fleet: list[Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPERSPEC_JENKINS_USER", "reader")
    result = jenkins(capsys, fake.url, "apply", fleet, "--workers", "1")
    assert result.code == 1
    missing = f"user 'reader' ({SOURCE}) is missing the Job/Create permission (403 on POST " \
              f"/createItem)"
    assert result.err.splitlines() == [
        f"error: cannot create the folder payments: {missing}",
        f"error: cannot create job ledger: {missing}",
        "error: cannot create job payments/payments-api: the folder payments was not created",
        f"error: cannot create job storefront: {missing}",
        "error: superspec jenkins apply: 4 problems"]
    assert result.out.splitlines()[-1] == (f"apply: 1 folder failed, 3 jobs failed on "
                                           f"{fake.url} (Jenkins 2.479.3)")
    assert fake.names() == []


def test_fail_fast_stops_at_the_first_failure(capsys: pytest.CaptureFixture[str],
                                              fake: FakeJenkins, fleet: list[Path],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPERSPEC_JENKINS_USER", "reader")
    result = jenkins(capsys, fake.url, "apply", fleet, "--fail-fast")
    assert result.code == 1
    assert result.err.splitlines() == [
        f"error: cannot create the folder payments: user 'reader' ({SOURCE}) is missing the "
        f"Job/Create permission (403 on POST /createItem)",
        "error: superspec jenkins apply: 1 problem"]
    assert result.out.splitlines() == [
        "failed folder payments", "skipped ledger (pipeline)",
        "skipped payments/payments-api (pipeline)", "skipped storefront (pipeline)",
        f"apply: 1 folder failed, 3 jobs skipped on {fake.url} (Jenkins 2.479.3)"]
    assert len(fake.requests("POST", "createItem")) == 1


def test_fail_fast_stops_before_the_server_when_a_spec_fails(
        capsys: pytest.CaptureFixture[str], fake: FakeJenkins, fleet: list[Path]) -> None:
    (fleet[2] / "superspec.yaml").write_text("superspec: 1\nkind: nonsense\nname: x\n")
    result = jenkins(capsys, fake.url, "apply", fleet, "--fail-fast")
    assert result.code == 1 and result.out == ""
    assert fake.log == []


def test_404_409_and_429_each_become_one_line(capsys: pytest.CaptureFixture[str],
                                              fake: FakeJenkins, fleet: list[Path]) -> None:
    ledger, payments, storefront = fleet
    assert jenkins(capsys, fake.url, "apply", fleet).code == 0
    fake.fail("POST", r"/job/storefront/doDelete$", 404)
    result = jenkins(capsys, fake.url, "prune", [ledger, payments])
    assert result.err.splitlines() == [
        "error: cannot delete job storefront: not found on the server (404 on POST "
        "/job/storefront/doDelete)",
        "error: superspec jenkins prune: 1 problem"]
    fake.ui_edit("ledger", fake.config("ledger").replace("timestamps()", "x()"))
    fake.fail("POST", r"/job/ledger/config\.xml$", 409, body="Conflict: the item changed")
    result = jenkins(capsys, fake.url, "apply", fleet)
    assert result.err.splitlines() == [
        "error: cannot update job ledger: the server reports a conflict (409 on POST "
        "/job/ledger/config.xml): Conflict: the item changed",
        "error: superspec jenkins apply: 1 problem"]
    fake.rate_limit(1000)
    result = jenkins(capsys, fake.url, "plan", fleet)
    assert result.err.splitlines() == [
        "error: cannot check the credentials: the server still answered 429 (rate limited) "
        "after 5 attempts with backoff",
        "error: superspec jenkins plan: 1 problem"]


def test_rate_limited_requests_are_retried(capsys: pytest.CaptureFixture[str],
                                           fake: FakeJenkins, fleet: list[Path]) -> None:
    quiet = jenkins(capsys, fake.url, "plan", fleet)
    fake.rate_limit(3)
    limited = jenkins(capsys, fake.url, "plan", fleet)
    assert limited == quiet
    # the three requests answered 429 were each sent again (how many requests a plan makes
    # varies: each worker thread that gets work fetches its own crumb)
    assert len(fake.limited) == 3
    for index in fake.limited:
        assert fake.log[index] in fake.log[index + 1:]
    fake.rate_limit(1, retry_after="1")  # Retry-After is honoured
    start = time.monotonic()
    assert jenkins(capsys, fake.url, "plan", fleet) == quiet
    assert time.monotonic() - start >= 1.0


def test_a_timeout_and_a_closed_port(capsys: pytest.CaptureFixture[str], fake: FakeJenkins,
                                     fleet: list[Path]) -> None:
    fake.delay = 1.0
    result = jenkins(capsys, fake.url, "plan", fleet, "--timeout", "0.2")
    assert result.err.splitlines() == [
        f"error: cannot check the credentials: no answer from {fake.url} within 0.2 s "
        f"(--timeout)",
        "error: superspec jenkins plan: 1 problem"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    result = jenkins(capsys, closed, "plan", fleet)
    assert result.err.splitlines() == [
        f"error: cannot check the credentials: cannot connect to {closed} (connection refused "
        f"or reset)",
        "error: superspec jenkins plan: 1 problem"]


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[str, str]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    done = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"], capture_output=True)
    if done.returncode != 0:
        pytest.skip("openssl cannot make a test certificate here")
    return str(cert), str(key)


def test_tls_is_verified_by_default(capsys: pytest.CaptureFixture[str], fleet: list[Path],
                                    certificate: tuple[str, str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPERSPEC_JENKINS_USER", "admin")
    monkeypatch.setenv("SUPERSPEC_JENKINS_TOKEN", TOKEN)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    with FakeJenkins([User("admin", TOKEN)], tls=certificate) as fake:
        refused = jenkins(capsys, fake.url, "plan", fleet)
        assert refused.err.splitlines() == [
            f"error: cannot check the credentials: TLS verification of {fake.url} failed "
            f"(certificate not trusted or not for this host); give the CA with --ca-bundle FILE",
            "error: superspec jenkins plan: 1 problem"]
        trusted = jenkins(capsys, fake.url, "plan", fleet, "--ca-bundle", certificate[0])
        assert (trusted.code, trusted.err) == (0, "")
        insecure = jenkins(capsys, fake.url, "plan", fleet, "--insecure")
        assert insecure.code == 0
        assert insecure.err == (f"warning: TLS certificate verification is off for {fake.url} "
                                f"(--insecure)\n")
        assert insecure.out == trusted.out


def test_the_servers_linter_failures_are_located(capsys: pytest.CaptureFixture[str],
                                                 fake: FakeJenkins, fleet: list[Path]) -> None:
    write(Path("broken/jenkins/stages/build.j2"), """
        {% raw %}        stage({{ stage.id | groovy_str }}) {
        {% filter indent(12, first=True) %}
        {% include "jenkins/agent.j2" %}
        {% endfilter %}
                    steps {
        {% for command in stage.commands %}
                        sh([{{ command | groovy_str }})
        {% endfor %}
                    }
                }
        {% endraw %}""".replace("{% raw %}", "").replace("{% endraw %}", ""))
    result = jenkins(capsys, fake.url, "apply", fleet, "--templates", "broken")
    assert result.code == 1
    [project] = load_fleet([fleet[0]], FleetOptions(layer_dirs=(Path("layers"),),
                                                    templates=(Path("broken"),)))
    assert project.job is not None
    lines = project.job.jenkinsfile.splitlines()
    number = next(i for i, line in enumerate(lines, 1) if "sh([" in line)
    column = lines[number - 1].index(")") + 1
    spec = fleet[0] / "superspec.yaml"
    assert result.err.splitlines()[0] == (
        f"error: ledger: Jenkinsfile (generated from {spec}) line {number}, column {column}: "
        f"the server's linter says: unexpected token: ) | {lines[number - 1].strip()}")
    assert result.err.splitlines()[-1] == "error: superspec jenkins apply: 3 problems"
    assert fake.names() == ["payments"]  # the folder; no job with a broken Jenkinsfile


# --- the token ----------------------------------------------------------------------------------


def _secrets() -> list[bytes]:
    forms = [TOKEN, base64.b64encode(f"admin:{TOKEN}".encode()).decode(),
             base64.b64encode(f"reader:{TOKEN}".encode()).decode(), "wr0ng-T0KEN-1a2b"]
    return [f.encode() for f in forms]


def test_the_token_never_appears_in_any_output(fake: FakeJenkins, tmp_path: Path) -> None:
    example_fleet(tmp_path)
    crash_dir = tmp_path / "tmp"
    crash_dir.mkdir()
    fleet = [str(tmp_path / "projects" / p) for p in ("ledger", "payments-api", "storefront")]
    base = [SUPERSPEC, "jenkins"]
    common = [*fleet, "--layers", str(tmp_path / "layers"), "--url", fake.url]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPERSPEC_JENKINS")}
    env.update(TMPDIR=str(crash_dir), SUPERSPEC_JENKINS_USER="admin",
               SUPERSPEC_JENKINS_TOKEN=TOKEN)
    credentials = tmp_path / "creds.json"
    credentials.write_text(json.dumps({"user": "admin", "token": TOKEN}))
    credentials.chmod(0o600)
    written: list[bytes] = []

    def run(*argv: str, **overrides: str) -> int:
        done = subprocess.run([*base, *argv], env={**env, **overrides}, capture_output=True)
        written.extend((done.stdout, done.stderr))
        return done.returncode

    assert run("apply", *common, "--format", "json") == 0
    fake.ui_edit("ledger", fake.config("ledger").replace("timestamps()", "x()"))
    assert run("plan", *common) == 0
    assert run("plan", *common, SUPERSPEC_JENKINS_TOKEN="wr0ng-T0KEN-1a2b") == 1
    assert run("apply", *common, SUPERSPEC_JENKINS_USER="reader") == 1
    fake.fail("GET", r"/job/ledger/config\.xml$", 500,
              body=f"<html><body><h1>echo: {TOKEN} Basic {_secrets()[1].decode()}</h1>"
                   f"</body></html>")
    assert run("plan", *common) == 1
    fake.fail("POST", r"createItem", 409, body=f"conflict {TOKEN}", times=10)
    assert run("prune", fleet[0], "--layers", str(tmp_path / "layers"), "--url", fake.url,
               "--credentials", str(credentials)) == 0
    assert run("apply", *common, "--credentials", str(credentials)) == 1  # 409, token echoed
    fake.delay = 0.5
    assert run("plan", *common, "--timeout", "0.1") == 1
    assert any(b"echo: <token> Basic <token>" in w for w in written)
    assert any(b"(409 on POST /createItem): conflict <token>" in w for w in written)
    for secret in _secrets():
        assert not any(secret in w for w in written)
    assert list(crash_dir.iterdir()) == []  # nothing crashed


def test_a_crash_log_never_holds_the_token(capsys: pytest.CaptureFixture[str],
                                           fake: FakeJenkins, fleet: list[Path],
                                           tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    import jenkins as python_jenkins

    logs = tmp_path / "logs"
    logs.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(logs))

    def leaky(self: object, name: str) -> str:  # a library failure quoting the URL with auth
        raise RuntimeError(f"failed: http://admin:{TOKEN}@127.0.0.1/job/{name}/config.xml")

    assert jenkins(capsys, fake.url, "apply", fleet).code == 0
    original = python_jenkins.Jenkins.get_job_config
    monkeypatch.setattr(python_jenkins.Jenkins, "get_job_config", leaky)
    result = jenkins(capsys, fake.url, "plan", fleet)
    assert result.code == 1
    assert f"cannot read the config of job ledger: RuntimeError talking to {fake.url}" in \
        result.err
    assert TOKEN not in result.out + result.err

    def broken(*args: object) -> str:  # a bug of superspec's own: exit 3 and a crash log
        raise KeyError("unexpected")

    monkeypatch.setattr(python_jenkins.Jenkins, "get_job_config", original)
    monkeypatch.setattr("superspec.integrations.jenkins_plan.canonical", broken)
    crashed = jenkins(capsys, fake.url, "plan", fleet)
    assert crashed.code == 3
    [log] = list(logs.iterdir())
    text = log.read_text()
    assert "KeyError" in text
    for secret in _secrets():
        assert secret.decode() not in text + crashed.out + crashed.err
