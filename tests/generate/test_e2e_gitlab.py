"""gitlab-ci-local runs the generated pipeline of a small real project end to end, shell
executor, the generated file unmodified and no superspec on PATH: the `.superspec` base job
installs the pinned superspec into the job's cache, from a wheel built from this checkout,
offline (SUPERSPEC_PIP_SPEC / SUPERSPEC_PIP_ARGS / SUPERSPEC_PYTHON passed the way group CI/CD
variables would be), and every later job reuses that cache.

enforce, build, test, a quoting check and package really run, on main and on a release branch
(where trunk's package runs only because the prod release runs there). The deploy and release
jobs run for real too, on the tests' private Docker engine (DOCKER_HOST, as a runner with a
Docker engine would have it): on main `deploy-dev` brings the app up behind its router, and on
a release branch `release-prod` moves a running prod from v1 to v2 while a client is sending
requests."""

from __future__ import annotations

import collections
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.generate.tools import (
    GITLAB_CI_LOCAL,
    HERE,
    VENV_BIN,
    checkout,
    git_repo,
    gitlab_list,
    require,
)
from tests.generate.wheels import wheelhouse

PROJECT = HERE / "e2e_project"
RUNNABLE = ("enforce", "build", "test", "quoting", "package")  # nothing to deploy here


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """superspec built from this checkout, and its dependencies: an offline package index."""
    return wheelhouse(tmp_path_factory.mktemp("wheelhouse"))


def _project(tmp_path: Path, branch: str = "main", broken_test: bool = False,
             layers: Path | None = None, app: str | None = None) -> Path:
    """The project, generated and committed. ``layers``: it extends the company layer `acme`
    by name, found there when generating and fetched by its jobs (ci.gitlab.layers). ``app``:
    YAML replacing its environments with deployable ones (an app and its environments)."""
    work = tmp_path / "tally"
    shutil.copytree(PROJECT, work)
    if app is not None:
        spec = work / "superspec.yaml"
        text = spec.read_text()
        spec.write_text(text[:text.index("environments:\n")] + app
                        + text[text.index("package:\n"):])
    if broken_test:
        check = work / "tests" / "check_tally.py"
        check.write_text(check.read_text().replace('"a": 2', '"a": 3'))
    argv = [str(VENV_BIN / "superspec"), "generate", "--target", "gitlab"]
    if layers is not None:
        spec = work / "superspec.yaml"
        spec.write_text(spec.read_text().replace(
            "name: tally\n", "name: tally\nextends: acme\n"
            "ci: {gitlab: {layers: {project: acme/ci-layers, ref: v3}}}\n"))
        argv += ["--layers", str(layers)]
    generated = subprocess.run(argv, cwd=work, capture_output=True, text=True)
    assert generated.returncode == 0, generated.stderr
    git_repo(work)
    if branch != "main":
        checkout(work, branch)
    return work


def _environment(tmp_path: Path) -> dict[str, str]:
    """The runner's environment: the project's build tools (a `python` with pytest), git and
    node, and no superspec anywhere on PATH."""
    tools = tmp_path / "runner-bin"
    tools.mkdir(exist_ok=True)
    python = tools / "python"
    python.write_text(f'#!/bin/sh\nexec {VENV_BIN / "python"} "$@"\n')
    python.chmod(0o755)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SUPERSPEC_", "PIP_", "VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = f"{tools}:{Path(require('node')).parent}:/usr/bin:/bin"
    env["PIP_CONFIG_FILE"] = os.devnull
    assert shutil.which("superspec", path=env["PATH"]) is None
    return env


def _variables(wheel: Path) -> list[str]:
    """What a group's CI/CD variables would say: install this wheel, from this directory only,
    with the interpreter the wheels were built for."""
    base_python = getattr(sys, "_base_executable", sys.executable)
    return ["--variable", f"SUPERSPEC_PIP_SPEC={wheel}",
            "--variable", f"SUPERSPEC_PIP_ARGS=--no-index --find-links {wheel.parent}",
            "--variable", f"SUPERSPEC_PYTHON={base_python}"]


def _run(work: Path, env: dict[str, str], wheel: Path,
         *jobs: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require(GITLAB_CI_LOCAL), "--no-color", "--shell-isolation", *_variables(wheel), *jobs],
        cwd=work, env=env, capture_output=True, text=True, timeout=600)


def _jobs(work: Path) -> dict[str, dict[str, Any]]:
    """The jobs gitlab-ci-local evaluates for the checked-out branch (nothing runs)."""
    return {job["name"]: job for job in gitlab_list(work, schema=False)}


def _needs(job: dict[str, Any]) -> list[str]:
    return [need["job"] for need in job.get("needs", [])]


@pytest.mark.slow
def test_generated_pipeline_runs_end_to_end_on_main(tmp_path: Path, wheels: Path) -> None:
    work, env = _project(tmp_path), _environment(tmp_path)
    run = _run(work, env, wheels, *RUNNABLE)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    for job in RUNNABLE:
        assert f" PASS  {job}" in output, output
    # the first runner job installs superspec into the cache; the package job reuses it
    assert output.count("superspec: installing superspec 0.1.0 into") == 1, output
    assert "1 passed" in output  # pytest really ran the project's test
    builds = work / ".gitlab-ci-local" / "builds"
    assert "testsuite" in (builds / "test" / "report.xml").read_text()
    assert (builds / "enforce" / "superspec-enforce.xml").is_file()
    # the build's artifact reached the package job, which wrote the packages from it
    assert (builds / "package" / "dist" / "tally-dev.tar.gz").is_file()
    assert (builds / "package" / "dist" / "tally-prod.tar.gz").is_file()
    jobs = _jobs(work)
    assert jobs["deploy-dev"]["when"] == "on_success"
    assert "package" in _needs(jobs["deploy-dev"])
    assert jobs["release-prod"]["when"] == "never"  # release branches only


@pytest.mark.slow
def test_on_a_release_branch_the_package_runs_for_the_release(tmp_path: Path,
                                                              wheels: Path) -> None:
    work, env = _project(tmp_path, branch="release/1.0"), _environment(tmp_path)
    jobs = _jobs(work)
    assert jobs["release-prod"]["when"] == "on_success"
    assert _needs(jobs["release-prod"]) == ["package"]
    assert jobs["package"]["when"] == "on_success"
    assert jobs["deploy-dev"]["when"] == "never"
    run = _run(work, env, wheels, *RUNNABLE)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    for job in RUNNABLE:
        assert f" PASS  {job}" in output, output
    assert (work / ".gitlab-ci-local" / "builds" / "package" / "dist" /
            "tally-prod.tar.gz").is_file()


def _layers_server(tmp_path: Path) -> tuple[Path, Path]:
    """The company layers (acme, whose standard the project must meet) in a work tree and,
    tagged v3, in a bare repository at BASE/acme/ci-layers.git (a git server stand-in)."""
    layers = tmp_path / "ci-layers"
    (layers / "acme").mkdir(parents=True)
    (layers / "acme" / "superspec.yaml").write_text(
        "superspec: 1\nkind: company\nname: acme\n"
        "enforce: {rules: {requireFilesExist: {files: [pyproject.toml]}}}\n")
    git_repo(layers)
    subprocess.run(["git", "tag", "v3"], cwd=layers, check=True, capture_output=True)
    base = tmp_path / "git"
    subprocess.run(["git", "clone", "-q", "--bare", str(layers),
                    str(base / "acme" / "ci-layers.git")], check=True, capture_output=True)
    return layers, base


@pytest.mark.slow
def test_runner_jobs_fetch_the_company_layers(tmp_path: Path, wheels: Path) -> None:
    """The chain project -> acme resolves in the enforce job through the layers the base job
    fetched at their ref (SUPERSPEC_LAYERS_GIT stands for the GitLab server's URL)."""
    layers, base = _layers_server(tmp_path)
    work, env = _project(tmp_path, layers=layers), _environment(tmp_path)
    run = subprocess.run(
        [require(GITLAB_CI_LOCAL), "--no-color", "--shell-isolation", *_variables(wheels),
         "--variable", f"SUPERSPEC_LAYERS_GIT=file://{base}", "enforce"],
        cwd=work, env=env, capture_output=True, text=True, timeout=600)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert " PASS  enforce" in output
    assert "requireFilesExist" in output  # the company's rule ran: the chain was resolved
    fetched = work / ".gitlab-ci-local" / "builds" / "enforce" / ".superspec" / "layers"
    assert (fetched / "acme" / "superspec.yaml").read_text() == (
        layers / "acme" / "superspec.yaml").read_text()


@pytest.mark.slow
def test_a_failing_test_fails_the_pipeline(tmp_path: Path, wheels: Path) -> None:
    work, env = _project(tmp_path, broken_test=True), _environment(tmp_path)
    run = _run(work, env, wheels, *RUNNABLE)
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert " FAIL  test" in output
    assert " PASS  package" not in output


APP = """app: {{image: superspec-test/app, version: {version}, port: 8080, health: /healthz,
      replicas: {{default: 2}}}}
environments:
  dev: {{class: development, port: {dev}, proxy: {{image: {router}}}}}
  prod:
    class: production
    port: {prod}
    proxy: {{image: {router}}}
    release: {{strategy: blue-green, steps: [{{weight: 100, pause: 2s}}], drainSeconds: 1,
              gates: {{maxErrorRate: 0.01, minRequests: 20}}}}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def engine_env(tmp_path: Path, docker_host: str, router_image: str,
               app_image: Callable[..., str]) -> Iterator[dict[str, str]]:
    """What a runner with a Docker engine has: DOCKER_HOST (the tests' private engine, where the
    app images v1 and v2 are), and a data directory of its own; the environments the test made
    are destroyed at the end."""
    for version in ("v1", "v2"):
        app_image(version)
    made = {"DOCKER_HOST": docker_host, "SUPERSPEC_DATA_DIR": str(tmp_path / "data"),
            "ROUTER": router_image, "DEV": str(_free_port()), "PROD": str(_free_port())}
    yield made
    for env in ("dev", "prod"):
        subprocess.run([str(VENV_BIN / "superspec"), "env", "destroy", env, "--spec",
                        str(tmp_path / "tally" / "superspec.yaml")],
                       env={**os.environ, **made}, capture_output=True, timeout=120)


def _deployable(version: str, made: dict[str, str]) -> str:
    return APP.format(version=version, dev=made["DEV"], prod=made["PROD"], router=made["ROUTER"])


def _get(port: int, host: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/version", headers={"Host": host})
        answer = conn.getresponse()
        return answer.status, answer.read().decode().strip()
    finally:
        conn.close()


@pytest.mark.slow
def test_the_deploy_job_deploys_the_app(tmp_path: Path, wheels: Path,
                                        engine_env: dict[str, str]) -> None:
    """On main, `deploy-dev` (after build and package) creates the dev environment on the
    runner's engine: the app answers through the router on the spec's port, and the
    environment describes itself as the pipeline left it."""
    work = _project(tmp_path, app=_deployable("v1", engine_env))
    env = {**_environment(tmp_path), "DOCKER_HOST": engine_env["DOCKER_HOST"],
           "SUPERSPEC_DATA_DIR": engine_env["SUPERSPEC_DATA_DIR"]}
    run = _run(work, env, wheels, "--needs", "deploy-dev")
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert " PASS  package" in output and " PASS  deploy-dev" in output, output
    assert "deploy-dev > created tally v1 in dev: http://127.0.0.1:" in output, output
    port = int(engine_env["DEV"])
    assert [_get(port, "tally.dev") for _ in range(4)] == [(200, "v1")] * 4
    described = subprocess.run(
        [str(VENV_BIN / "superspec"), "env", "describe", "dev", "--format", "json"],
        cwd=work, env={**os.environ, **engine_env}, capture_output=True, text=True, timeout=60)
    assert described.returncode == 0, described.stderr
    found = json.loads(described.stdout)
    assert found["drift"] == []
    (app,) = found["serverSpec"]["apps"]
    assert (app["project"], app["version"], len(app["replicas"])) == ("tally", "v1", 2)


@pytest.mark.slow
def test_the_release_job_moves_prod_while_a_client_sends_requests(
        tmp_path: Path, wheels: Path, engine_env: dict[str, str]) -> None:
    """On a release branch, prod runs v1 (deployed earlier); the spec now names v2 and
    `release-prod` releases it blue-green. A keep-alive client sending requests through the
    router the whole time sees only answers from v1 then v2, never a failure."""
    work = _project(tmp_path, branch="release/1.0", app=_deployable("v2", engine_env))
    by_hand = {**os.environ, **engine_env}
    first = subprocess.run([str(VENV_BIN / "superspec"), "deploy", "--env", "prod",
                            "--version", "v1"], cwd=work, env=by_hand, capture_output=True,
                           text=True, timeout=180)
    assert first.returncode == 0, first.stderr
    port = int(engine_env["PROD"])
    env = {**_environment(tmp_path), "DOCKER_HOST": engine_env["DOCKER_HOST"],
           "SUPERSPEC_DATA_DIR": engine_env["SUPERSPEC_DATA_DIR"]}
    with _Client(port, "tally.prod") as client:
        run = _run(work, env, wheels, "--needs", "release-prod")
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert " PASS  release-prod" in output, output
    assert "release-prod > released tally v2 in prod" in output, output
    assert client.failures == [], client.failures[:5]
    assert client.answers["v1"] > 0 and client.answers["v2"] > 0, client.answers
    assert set(client.answers) == {"v1", "v2"}
    assert [_get(port, "tally.prod") for _ in range(4)] == [(200, "v2")] * 4


class _Client:
    """One keep-alive connection sending GET /version back to back until the block ends;
    counts the answers by body and records every failure (status or socket error)."""

    def __init__(self, port: int, host: str) -> None:
        self.port, self.host = port, host
        self.answers: collections.Counter[str] = collections.Counter()
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop)

    def __enter__(self) -> _Client:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        while not self._stop.is_set():
            try:
                conn.request("GET", "/version", headers={"Host": self.host})
                answer = conn.getresponse()
                body = answer.read().decode().strip()
            except (OSError, http.client.HTTPException) as exc:
                self.failures.append(f"{type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                continue
            if answer.status == 200:
                self.answers[body] += 1
            else:
                self.failures.append(f"HTTP {answer.status}: {body}")
            time.sleep(0.01)
        conn.close()
