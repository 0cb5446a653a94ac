"""Shared Docker fixtures (a pytest plugin loaded by tests/conftest.py): one private dockerd for
the whole session, the engine adapter on it, the router image and busybox app images.

Traffic goes only to ports published on 127.0.0.1; containers reach each other by name on a
user-defined network (Docker's DNS), never by bridge IP.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import docker
import pytest

from superspec.engine.docker import DockerEngine
from superspec.router.image import build_router_image
from tests.dockerd import DockerdError, app_files, import_app_image, private_dockerd

# --- a real Docker engine (the pattern of tests/package/conftest.py) --------------------------


@pytest.fixture(scope="session")
def docker_host() -> Iterator[str]:
    """A private dockerd for the whole session (tests.dockerd), stopped by PID at the end.
    SUPERSPEC_TEST_DOCKER_HOST names an engine to use instead."""
    given = os.environ.get("SUPERSPEC_TEST_DOCKER_HOST")
    if given:
        yield given
        return
    try:
        with private_dockerd("ss-dockerd-") as host:
            yield host
    except DockerdError as exc:
        pytest.fail(str(exc))


def connect(host: str) -> DockerEngine:
    return DockerEngine(docker.DockerClient(base_url=host, timeout=60))


@pytest.fixture(scope="session")
def engine(docker_host: str) -> DockerEngine:
    return connect(docker_host)


@pytest.fixture(scope="session")
def router_image(engine: DockerEngine) -> str:
    """The router image, built from this machine's haproxy (Debian haproxy 2.6)."""
    if not Path("/usr/sbin/haproxy").exists():
        pytest.fail("/usr/sbin/haproxy not found: apt-get install haproxy")
    tag = "superspec-test/router:local"
    build_router_image(engine, tag)
    return tag


@pytest.fixture(scope="session")
def app_image(docker_host: str, tmp_path_factory: pytest.TempPathFactory
              ) -> Callable[[str, bool], str]:
    """``app_image(version, healthy)``: a busybox httpd image serving /www on 8080 with
    /www/version holding ``version`` and, when ``healthy``, /www/healthz."""
    made: dict[tuple[str, bool], str] = {}

    def build(version: str, healthy: bool = True) -> str:
        if (version, healthy) not in made:
            ref = f"superspec-test/app:{version}{'' if healthy else '-nohealth'}"
            made[(version, healthy)] = import_app_image(
                docker_host, ref, tmp_path_factory.mktemp(f"app-{version}"),
                app_files(version, healthy))
        return made[(version, healthy)]

    return build


# --- swarm mode -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


GOSSIP_PORT = 7946  # swarm's node-to-node port: fixed, bound by the first swarm on a machine


def _gossip_port_free() -> None:
    """A second swarm on the machine (another test session's) cannot bind the gossip port and
    its overlay networks then resolve no task names: fail clearly rather than time out."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", GOSSIP_PORT))
        except OSError:
            pytest.fail(f"127.0.0.1:{GOSSIP_PORT} is taken (another dockerd in swarm mode, "
                        "e.g. a second test session running swarm tests): swarm tests need "
                        "the machine's only swarm")


@pytest.fixture(scope="session")
def swarm(docker_host: str) -> Iterator[str]:
    """The session's engine as a single-node swarm manager (advertised and listening on
    127.0.0.1 only, on a free port); it leaves the swarm at the end of the session."""
    client = docker.DockerClient(base_url=docker_host, timeout=60)
    state = (client.info().get("Swarm") or {}).get("LocalNodeState")
    joined = state != "active"
    if joined:
        _gossip_port_free()
        port = _free_port()
        client.swarm.init(advertise_addr=f"127.0.0.1:{port}", listen_addr=f"127.0.0.1:{port}")
    try:
        yield docker_host
    finally:
        if joined:
            client.swarm.leave(force=True)
        client.close()


@pytest.fixture(scope="session")
def swarm_images(docker_host: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """busybox httpd images for services: ``wget`` (the health check swarm runs in each task)
    and ``cat`` linked to busybox, /www/version; v1 and v2 healthy, v3 without /www/healthz."""
    refs = {}
    for version, healthy in (("v1", True), ("v2", True), ("v3", False)):
        refs[version] = import_app_image(
            docker_host, f"superspec-test/swarm-app:{version}",
            tmp_path_factory.mktemp(f"swarm-app-{version}"), app_files(version, healthy),
            applets=("wget", "cat", "sh"))
    return refs
