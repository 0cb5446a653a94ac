"""HTTP failures of superspec gitlab: one clear line each, the fleet carries on, --fail-fast,
retries of 429, timeouts, TLS, redirects and usage errors."""

from __future__ import annotations

import json
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import run_cli
from tests.integrations.gitlab_fake import TOKEN, ExampleFleet, FakeGitLab, example_fleet


@pytest.fixture
def fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ExampleFleet]:
    for name in ("SUPERSPEC_LAYERS", "SUPERSPEC_ROOT", "SUPERSPEC_GITLAB_URL"):
        monkeypatch.delenv(name, raising=False)
    with FakeGitLab() as fake:
        monkeypatch.setenv("SUPERSPEC_GITLAB_TOKEN", TOKEN)
        monkeypatch.setenv("SUPERSPEC_GITLAB_URL", fake.url)
        yield example_fleet(tmp_path, fake)


LISTING = "while trying to list the projects of group acme"


def test_a_rejected_token_is_one_line_and_stops_the_run(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUPERSPEC_GITLAB_TOKEN", "glpat-not-the-right-one")
    run = run_cli(capsys, *fleet.argv("audit"))
    assert run.code == 1
    assert run.err == (
        f"error: GitLab at {fleet.fake.url} rejected the token in SUPERSPEC_GITLAB_TOKEN "
        f"(401 Unauthorized) {LISTING}: the token is wrong, expired or revoked\n"
        "error: nothing was checked\n")
    assert run.out.splitlines() == [
        "acme/ledger: not checked: the projects of group acme could not be listed",
        "acme/payments-api: not checked: the projects of group acme could not be listed",
        "acme/storefront: not checked: the projects of group acme could not be listed",
        "audit: 3 managed projects in acme: 3 not checked; 0 not managed; the projects of "
        "group acme could not be listed",
    ]
    assert len(fleet.fake.requests) == 1


def test_a_rejected_token_stops_a_fleet_without_group(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ledger", "payments-api", "storefront"):
        spec = fleet.spec_dir(name) / "superspec.yaml"
        spec.write_text(spec.read_text() + f"\nci:\n  gitlab:\n    project: acme/{name}\n")
    monkeypatch.setenv("SUPERSPEC_GITLAB_TOKEN", "glpat-revoked-yesterday")
    run = run_cli(capsys, "gitlab", "plan", *(str(fleet.spec_dir(n)) for n in
                                              ("ledger", "payments-api", "storefront")),
                  "--layers", str(fleet.layers))
    assert run.code == 1
    assert run.err.splitlines() == [
        f"error: acme/ledger: GitLab at {fleet.fake.url} rejected the token in "
        f"SUPERSPEC_GITLAB_TOKEN (401 Unauthorized) while trying to read project acme/ledger: "
        f"the token is wrong, expired or revoked",
        "error: 1 of 3 projects failed, 2 not checked"]
    assert "acme/storefront: not checked: GitLab could not be used (see the error of " \
           "acme/ledger)" in run.out
    assert len(fleet.fake.requests) == 1


def test_a_token_without_the_api_scope_fails_each_publishing_project(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    fleet.fake.add_token("glpat-read-only-token", scopes=("read_api",))
    monkeypatch.setenv("SUPERSPEC_GITLAB_TOKEN", "glpat-read-only-token")
    assert run_cli(capsys, *fleet.argv("plan")).code == 0  # reading is enough to plan
    run = run_cli(capsys, *fleet.argv("publish"))
    assert run.code == 1
    assert run.err.splitlines() == [
        f"error: acme/{name}: GitLab refused to lint .gitlab-ci.yml with the CI lint API of "
        f"acme/{name} (403 Forbidden): the token in SUPERSPEC_GITLAB_TOKEN lacks the api scope"
        for name in ("payments-api", "storefront")] + ["error: 2 of 3 projects failed"]
    assert "acme/ledger: up to date" in run.out.splitlines()


def test_a_role_too_low_names_the_role_and_the_project(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    fleet.fake.add_token("glpat-reporter-token", role="reporter")
    monkeypatch.setenv("SUPERSPEC_GITLAB_TOKEN", "glpat-reporter-token")
    run = run_cli(capsys, *fleet.argv("publish", "--target", "jenkins"))
    assert run.code == 1
    assert run.err.splitlines() == [  # only storefront's Jenkinsfile needs publishing
        "error: acme/storefront: GitLab refused to create branch superspec/update-ci from "
        "main in acme/storefront (403 Forbidden): the token's user needs at least the "
        "Developer role in project acme/storefront (and the token the api scope)",
        "error: 1 of 3 projects failed"]


def test_fail_fast_stops_at_the_first_failure(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    fleet.fake.add_token("glpat-read-only-token", scopes=("read_api",))
    monkeypatch.setenv("SUPERSPEC_GITLAB_TOKEN", "glpat-read-only-token")
    run = run_cli(capsys, *fleet.argv("publish", "--fail-fast"))
    assert run.code == 1
    assert run.err.splitlines() == [
        "error: acme/payments-api: GitLab refused to lint .gitlab-ci.yml with the CI lint API "
        "of acme/payments-api (403 Forbidden): the token in SUPERSPEC_GITLAB_TOKEN lacks the "
        "api scope",
        "error: 1 of 3 projects failed, 1 not checked"]
    assert ("acme/storefront: not checked: --fail-fast: stopped after the failure of "
            "acme/payments-api") in run.out.splitlines()
    storefront = fleet.fake.project("acme/storefront")
    assert not any(f"/projects/{storefront.id}/" in r.path for r in fleet.fake.requests)


def test_a_project_that_does_not_exist_is_named(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str]) -> None:
    spec = fleet.spec_dir("ledger") / "superspec.yaml"
    spec.write_text(spec.read_text() + "\nci:\n  gitlab:\n    project: acme/ghost\n")
    run = run_cli(capsys, *fleet.argv("audit", "--format", "json"))
    assert run.code == 1
    assert run.err.splitlines()[0] == (
        f"error: acme/ghost: GitLab at {fleet.fake.url} has no project acme/ghost that the "
        f"token's user can see (404 Not Found): check ci.gitlab.project or --group")
    status = {p["project"]: p["status"] for p in json.loads(run.out)["projects"]}
    assert status == {"acme/ghost": "error", "acme/payments-api": "drifted",
                      "acme/storefront": "missing"}


def test_a_group_that_does_not_exist_is_named(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str]) -> None:
    argv = fleet.argv("plan")
    argv[argv.index("acme")] = "acme/nope"
    run = run_cli(capsys, *argv)
    assert run.code == 1
    assert run.err.splitlines()[0] == (
        f"error: GitLab at {fleet.fake.url} has no group acme/nope that the token's user can "
        f"see (404 Not Found): check --group")


def test_a_merge_request_conflict_is_one_line(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(capsys, *fleet.argv("publish")).code == 0
    spec = fleet.spec_dir("storefront") / "superspec.yaml"
    spec.write_text(spec.read_text().replace("node:20", "node:22"))
    fleet.regenerate()
    fleet.fake.hide_open_merge_requests = 2  # not found before, nor after, the 409
    run = run_cli(capsys, "gitlab", "publish", str(fleet.spec_dir("storefront")),
                  "--layers", str(fleet.layers), "--group", "acme")
    assert run.code == 1
    assert run.err.splitlines()[0] == (
        "error: acme/storefront: GitLab refused to open a merge request from "
        "superspec/update-ci in acme/storefront (409 Conflict: Another open merge request "
        "already exists for this source branch: !1)")


def test_rate_limiting_is_retried_after_the_time_the_server_asks(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str]) -> None:
    fleet.fake.rate_limit_next, fleet.fake.retry_after = 2, "1"
    started = time.monotonic()
    run = run_cli(capsys, *fleet.argv("plan"))
    assert run.code == 0, run.err
    assert time.monotonic() - started >= 2
    first = [r.query.get("page") for r in fleet.fake.requests[:3]]
    assert first == [None, None, None]  # the first page, asked three times


def test_rate_limiting_gives_up_after_the_retries(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str]) -> None:
    fleet.fake.rate_limit_next, fleet.fake.retry_after = 100, "0"
    run = run_cli(capsys, *fleet.argv("plan", "--max-retries", "2"))
    assert run.code == 1
    assert run.err.splitlines()[0] == (
        f"error: GitLab kept answering 429 Too Many Requests {LISTING} (gave up after 2 "
        f"retries)")
    assert len(fleet.fake.requests) == 3


def test_a_retry_after_longer_than_superspec_waits_gives_up_at_once(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str]) -> None:
    fleet.fake.rate_limit_next, fleet.fake.retry_after = 100, "3600"
    started = time.monotonic()
    run = run_cli(capsys, *fleet.argv("plan"))
    assert time.monotonic() - started < 5
    assert run.err.splitlines()[0] == (
        f"error: GitLab kept answering 429 Too Many Requests {LISTING} (it asks to wait "
        f"3600 s, longer than superspec waits)")
    assert len(fleet.fake.requests) == 1


def test_without_retry_after_the_wait_backs_off(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str]) -> None:
    fleet.fake.rate_limit_next, fleet.fake.retry_after = 1, None
    started = time.monotonic()
    assert run_cli(capsys, *fleet.argv("plan")).code == 0
    assert time.monotonic() - started >= 1  # 1 s, then 2, 4, ...


def test_server_errors_are_retried_for_reads_only(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str]) -> None:
    fleet.fake.fail_next = [("GET", 503), ("GET", 502)]
    assert run_cli(capsys, *fleet.argv("plan")).code == 0  # the listing, asked 3 times
    assert [r.path for r in fleet.fake.requests[:3]] == ["/api/v4/groups/acme/projects"] * 3
    storefront = fleet.fake.project("acme/storefront")
    fleet.fake.requests.clear()
    fleet.fake.fail_next = [("POST", 500)]  # a write (the lint) is not repeated
    run = run_cli(capsys, "gitlab", "publish", str(fleet.spec_dir("storefront")),
                  "--layers", str(fleet.layers), "--group", "acme")
    assert run.code == 1
    assert run.err.splitlines()[0] == (
        "error: acme/storefront: GitLab answered 500 Internal Server Error while trying to "
        "lint .gitlab-ci.yml with the CI lint API of acme/storefront: 500 Internal Server "
        "Error")
    assert storefront.merge_requests == []


def test_a_server_that_does_not_answer_in_time(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str]) -> None:
    fleet.fake.delay = 2.0
    run = run_cli(capsys, *fleet.argv("plan", "--timeout", "1", "--max-retries", "0"))
    assert run.code == 1
    assert run.err.splitlines()[0] == (
        f"error: GitLab at {fleet.fake.url} did not answer within 1 s {LISTING}")


def test_a_server_that_cannot_be_reached(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("SUPERSPEC_GITLAB_URL", f"http://127.0.0.1:{port}")
    run = run_cli(capsys, *fleet.argv("plan"))
    assert run.code == 1
    assert run.err.splitlines()[0] == (
        f"error: cannot connect to GitLab at http://127.0.0.1:{port} {LISTING}: Connection "
        f"refused")


def test_a_pagination_link_to_another_server_is_not_followed(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str]) -> None:
    fleet.fake.external_url = "http://gitlab.other.example"
    run = run_cli(capsys, *fleet.argv("plan"))
    assert run.code == 1
    assert run.err.splitlines()[0] == (
        f"error: GitLab at {fleet.fake.url} sent a link to another server "
        f"(gitlab.other.example) {LISTING}; the token is not sent there (check the server's "
        f"external_url)")


def test_a_redirect_is_not_followed(
        fleet: ExampleFleet, capsys: pytest.CaptureFixture[str]) -> None:
    with FakeGitLab() as elsewhere:
        fleet.fake.redirect_to = elsewhere.url
        run = run_cli(capsys, *fleet.argv("plan"))
        assert elsewhere.requests == []  # the token never went there
    assert run.code == 1
    assert run.err.splitlines()[0] == (
        f"error: GitLab at {fleet.fake.url} redirected the request to http://127.0.0.1 "
        f"{LISTING}; give --url the address the server answers on (redirects are not "
        f"followed: they would carry the token)")


@pytest.mark.parametrize(("env", "argv", "message"), [
    ({"SUPERSPEC_GITLAB_TOKEN": ""}, [],
     "error: set SUPERSPEC_GITLAB_TOKEN to a GitLab access token (scope read_api for plan and "
     "audit, api for publish); it is never taken on the command line"),
    ({"SUPERSPEC_GITLAB_TOKEN": "glpat-two words"}, [],
     "error: SUPERSPEC_GITLAB_TOKEN holds a space, a control or a non-ASCII character "
     "inside: a GitLab token is one word"),
    ({"SUPERSPEC_GITLAB_URL": "https://bot:hunter2@gitlab.example"}, [],
     "error: --url must not carry credentials (user:password@); the token comes from "
     "SUPERSPEC_GITLAB_TOKEN only"),
    ({"SUPERSPEC_GITLAB_URL": ""}, [],
     "error: no GitLab server: give --url URL or set SUPERSPEC_GITLAB_URL"),
    ({}, ["--url", "ftp://gitlab.example"],
     "error: --url must be the http:// or https:// address of the GitLab server"),
    ({}, ["--url", "https://gitlab.example/?private_token=x"],
     "error: --url must not have a query (?...) or a fragment (#...)"),
    ({}, ["--group", "acme/../x"],
     "error: --group: 'acme/../x' is not a GitLab group path (e.g. acme/payments)"),
])
def test_usage_errors(fleet: ExampleFleet, capsys: pytest.CaptureFixture[str],
                      monkeypatch: pytest.MonkeyPatch, env: dict[str, str], argv: list[str],
                      message: str) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    run = run_cli(capsys, *fleet.argv("plan"), *argv)
    assert (run.code, run.err) == (2, message + "\n")
    assert "hunter2" not in run.out + run.err
    assert fleet.fake.requests == []


# -- TLS ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("needs openssl to make a certificate")
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.fixture
def tls_fleet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
              certificate: tuple[Path, Path]) -> Iterator[ExampleFleet]:
    for name in ("SUPERSPEC_LAYERS", "SUPERSPEC_ROOT", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    fake = FakeGitLab().start(tls=context)
    try:
        monkeypatch.setenv("SUPERSPEC_GITLAB_TOKEN", TOKEN)
        monkeypatch.setenv("SUPERSPEC_GITLAB_URL", fake.url)
        yield example_fleet(tmp_path, fake)
    finally:
        fake.stop()


def test_tls_is_verified_by_default(
        tls_fleet: ExampleFleet, capsys: pytest.CaptureFixture[str]) -> None:
    run = run_cli(capsys, *tls_fleet.argv("plan"))
    assert run.code == 1
    assert run.err.splitlines()[0] == (
        f"error: TLS verification of GitLab at {tls_fleet.fake.url} failed {LISTING}: "
        f"self-signed certificate (--ca-bundle FILE names the CA that signed the server's "
        f"certificate)")
    assert tls_fleet.fake.requests == []


def test_a_ca_bundle_verifies_a_private_ca(
        tls_fleet: ExampleFleet, capsys: pytest.CaptureFixture[str],
        certificate: tuple[Path, Path]) -> None:
    run = run_cli(capsys, *tls_fleet.argv("plan", "--ca-bundle", str(certificate[0])))
    assert run.code == 0, run.err
    assert run.err == ""


def test_insecure_works_with_a_warning(
        tls_fleet: ExampleFleet, capsys: pytest.CaptureFixture[str],
        certificate: tuple[Path, Path]) -> None:
    run = run_cli(capsys, *tls_fleet.argv("plan", "--insecure"))
    assert run.code == 0, run.err
    assert run.err == (f"warning: --insecure: the TLS certificate of {tls_fleet.fake.url} is "
                       f"not verified; anyone on the network path can read the token\n")
    run = run_cli(capsys, *tls_fleet.argv("plan", "--insecure", "--ca-bundle",
                                          str(certificate[0])))
    assert (run.code, run.err) == (2, "error: --insecure and --ca-bundle exclude each other\n")
