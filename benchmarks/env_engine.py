"""The environment benchmarks' engine: the tests' private dockerd (tests.dockerd) with a prefix
of its own, busybox app images, and ``Unavailable`` for a missing tool (the benchmark is then
skipped, saying which)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.dockerd import APP_PORT, app_files, docker
from tests.dockerd import import_app_image as import_www_image
from tests.dockerd import private_dockerd as start_dockerd

__all__ = ["APP_PORT", "Unavailable", "busybox", "docker", "engine_version", "import_app_image",
           "import_www_image", "private_dockerd"]


class Unavailable(Exception):
    """A tool the benchmark needs is missing: the benchmark is skipped, saying which."""


@contextmanager
def private_dockerd() -> Iterator[str]:
    """The DOCKER_HOST of a dockerd started for this run; stopped (by PID) and wiped after."""
    if shutil.which("dockerd") is None or shutil.which("docker") is None:
        raise Unavailable("dockerd and docker not found (Debian: apt-get install docker.io)")
    with start_dockerd("ss-bench-dockerd-") as host:
        yield host


def busybox() -> str:
    """The static busybox of this machine (the app images and the compose router's check)."""
    path = shutil.which("busybox")
    if path is None:
        raise Unavailable("busybox not found (Debian: apt-get install busybox-static)")
    return path


def import_app_image(host: str, ref: str, version: str, scratch: Path) -> str:
    """``ref``: a busybox httpd serving /www on 8080, /www/version holding ``version`` and
    /www/healthz (the health path)."""
    folder = scratch / f"app-{version}"
    folder.mkdir()
    return import_www_image(host, ref, folder, app_files(version))


def engine_version(host: str) -> str:
    return docker(host, "version", "--format", "{{.Server.Version}}")
