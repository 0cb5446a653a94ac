"""Fixtures for environments: a project whose app images run on the session's private dockerd,
a data directory of its own, and the CLI pointed at that engine."""

from __future__ import annotations

import http.client
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from superspec.engine.docker import DockerEngine
from superspec.env.names import ENV

SPEC = """
superspec: 1
kind: company
name: ledger
build: {tool: custom, commands: {build: "true"}}
pipeline: {stages: {build: {}, deploy-test: {run: deploy, env: test}}}
app:
  image: superspec-test/app
  version: "v1"
  port: 8080
  health: /healthz
  replicas: {default: 2}
  env: {LOG_FORMAT: json}
environments:
  test:
    class: functional-test
    database: {engine: sqlite, baselineVersion: "1", baseline: db/baseline.sql,
               migrations: db/migrations}
"""


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A ledger-like project (spec, baseline, one change script) as the working directory, with
    a data directory of this test."""
    root = tmp_path / "ledger"
    (root / "db" / "migrations").mkdir(parents=True)
    (root / "superspec.yaml").write_text(textwrap.dedent(SPEC).lstrip())
    (root / "db" / "baseline.sql").write_text(
        "CREATE TABLE account (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n"
        "INSERT INTO account (name) VALUES ('cash');\n")
    (root / "db" / "migrations" / "V2__balance.sql").write_text(
        "ALTER TABLE account ADD COLUMN balance INTEGER NOT NULL DEFAULT 0;\n")
    monkeypatch.setenv("SUPERSPEC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def project(ledger: Path, monkeypatch: pytest.MonkeyPatch, docker_host: str,
            app_image: Callable[..., str]) -> Iterator[Path]:
    """The ledger project with its images v1-v3 on the session's private engine (the CLI
    pointed at it); whatever environments the test left are destroyed at the end."""
    for version in ("v1", "v2", "v3"):
        app_image(version)
    monkeypatch.setenv("DOCKER_HOST", docker_host)
    yield ledger
    from superspec.env.destroy import destroy
    from tests.docker_fixtures import connect

    engine = connect(docker_host)
    for env in sorted({c.labels[ENV] for c in engine.containers({}) if ENV in c.labels}):
        destroy(engine, env, with_children=True)


def get(port: int, path: str = "/version", host: str | None = None) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path, headers={"Host": host} if host else {})
        response = conn.getresponse()
        return response.status, response.read().decode().strip()
    finally:
        conn.close()


def labelled(engine: DockerEngine, env: str) -> list[str]:
    return ([c.name for c in engine.containers({ENV: env})] + engine.networks({ENV: env})
            + engine.volumes({ENV: env}))
