"""A private dockerd for the environments benchmark (the pattern of tests/docker_fixtures.py):
its own socket, data-root and exec-root in a temp dir, ``--iptables=false --bridge=none``
(user-defined networks still work), stopped by PID at the end. Plus the docker CLI on it and
busybox app images made with ``docker import``."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

APP_PORT = 8080


class Unavailable(Exception):
    """A tool the benchmark needs is missing: the benchmark is skipped, saying which."""


@contextmanager
def private_dockerd() -> Iterator[str]:
    """The DOCKER_HOST of a dockerd started for this run; stopped (by PID) and wiped after."""
    dockerd = shutil.which("dockerd")
    if dockerd is None or shutil.which("docker") is None:
        raise Unavailable("dockerd and docker not found (Debian: apt-get install docker.io)")
    base = Path(tempfile.mkdtemp(prefix="ss-bench-dockerd-", dir="/tmp"))
    host = f"unix://{base}/docker.sock"
    log = open(base / "dockerd.log", "wb")  # noqa: SIM115 - open while dockerd runs
    proc = subprocess.Popen(
        [dockerd, "--iptables=false", "--bridge=none", "--data-root", str(base / "data"),
         "--exec-root", str(base / "exec"), "--pidfile", str(base / "docker.pid"), "-H", host],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while subprocess.run(["docker", "-H", host, "info"], capture_output=True,
                             timeout=30).returncode:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("dockerd did not answer `docker info` within 60s: "
                                   f"{(base / 'dockerd.log').read_text()[-2000:]}")
            time.sleep(0.3)
        yield host
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        subprocess.run(["umount", "-R", str(base / "data")], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def docker(host: str, *args: str, timeout: float = 60) -> str:
    """``docker -H host args...``: its stdout; RuntimeError with its stderr when it fails."""
    done = subprocess.run(["docker", "-H", host, *args], capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode:
        raise RuntimeError(f"docker {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def busybox() -> str:
    """The static busybox of this machine (the app images and the compose router's check)."""
    path = shutil.which("busybox")
    if path is None:
        raise Unavailable("busybox not found (Debian: apt-get install busybox-static)")
    return path


def import_app_image(host: str, ref: str, version: str, scratch: Path) -> str:
    """``ref``: a busybox httpd serving /www on 8080, /www/version holding ``version`` and
    /www/healthz (the health path)."""
    rootfs = scratch / f"app-{version}"
    (rootfs / "bin").mkdir(parents=True)
    (rootfs / "www").mkdir()
    shutil.copy(busybox(), rootfs / "bin" / "busybox")
    (rootfs / "www" / "version").write_text(version + "\n")
    (rootfs / "www" / "healthz").write_text("ok\n")
    archive = scratch / f"app-{version}.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(rootfs, arcname=".")
    docker(host, "import", "--change",
           f'CMD ["/bin/busybox", "httpd", "-f", "-p", "{APP_PORT}", "-h", "/www"]',
           str(archive), ref)
    return ref


def engine_version(host: str) -> str:
    return docker(host, "version", "--format", "{{.Server.Version}}")
