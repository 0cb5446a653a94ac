"""Fixtures for releases: a project running v1 in `test` on the private engine, images whose
/cgi-bin/version answers their version (v4: 500) and v3 without a health page."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dockerd import import_app_image

SUPERSPEC = Path(sys.executable).parent / "superspec"
# a Content-Length lets the router keep its clients' connections open (no close-delimited body)
CGI_OK = ('#!/bin/sh\nbody=$(cat /www/version-text)\necho "Content-Type: text/plain"\n'
          'echo "Content-Length: $((${#body} + 1))"\necho ""\necho "$body"\n')
CGI_500 = ('#!/bin/sh\necho "Status: 500 Internal Server Error"\necho "Content-Length: 7"\n'
           'echo ""\necho broken\n')


def spec(strategy: str, steps: str, gates: str = "{maxErrorRate: 0.05, minRequests: 20}",
         approvers: str = "[]") -> str:
    return textwrap.dedent(f"""
        superspec: 1
        kind: company
        name: shop
        build: {{tool: custom, commands: {{build: "true"}}}}
        pipeline: {{stages: {{build: {{}}}}}}
        app: {{image: superspec-test/shop, version: v1, port: 8080, health: /healthz,
               replicas: {{default: 2}}}}
        environments:
          test:
            class: functional-test
            approval: {{required: true, groups: {approvers}}}
            release:
              strategy: {strategy}
              steps: {steps}
              gates: {gates}
              drainSeconds: 1
    """).lstrip()


@pytest.fixture(scope="session")
def shop_images(docker_host: str, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    refs = []
    for version, healthy, cgi in (("v1", True, CGI_OK), ("v2", True, CGI_OK),
                                  ("v3", False, CGI_OK), ("v4", True, CGI_500)):
        www = {"version-text": version + "\n", "version": version + "\n",
               "cgi-bin/version": cgi} | ({"healthz": "ok\n"} if healthy else {})
        ref = import_app_image(docker_host, f"superspec-test/shop:{version}",
                               tmp_path_factory.mktemp(f"shop-{version}"), www,
                               applets=("sh", "cat"), executable=("cgi-bin/version",))
        refs.append(ref)
    return refs


@pytest.fixture
def shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, docker_host: str,
         shop_images: list[str]) -> Iterator[Path]:
    root = tmp_path / "shop"
    root.mkdir()
    monkeypatch.setenv("DOCKER_HOST", docker_host)
    monkeypatch.setenv("SUPERSPEC_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(root)
    yield root
    subprocess.run([str(SUPERSPEC), "env", "destroy", "test", "--with-children"],
                   capture_output=True, env=os.environ.copy(), timeout=120)


def superspec(*argv: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SUPERSPEC), *argv], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=timeout)


def release_record() -> dict[str, object] | None:
    """The release record of shop in test, as the runner last wrote it (None before)."""
    path = Path(os.environ["SUPERSPEC_DATA_DIR"]) / "releases" / "test" / "shop.json"
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return None


def kill_release_when(phase: str, weight: int | None, timeout: float = 90) -> int:
    """Start `superspec release --env test --version v2`, SIGKILL it once its record says
    ``phase`` (at ``weight``); the weight the record held when it died."""
    proc = subprocess.Popen([str(SUPERSPEC), "release", "--env", "test", "--version", "v2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=os.environ.copy())
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            record = release_record()
            if record is not None and record["phase"] == phase and (
                    weight is None or record["weight"] == weight):
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                return int(record["weight"])  # type: ignore[call-overload]
            assert proc.poll() is None, f"the release ended (exit {proc.returncode}) before " \
                                        f"reaching {phase} at {weight}%"
            time.sleep(0.02)
        raise AssertionError(f"the release did not reach {phase} at {weight}% in {timeout}s")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
