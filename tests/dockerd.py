"""A private dockerd and busybox app images, for the tests' Docker fixtures
(tests/docker_fixtures.py) and the environment benchmarks (benchmarks/env_engine.py); ``stop``
ends any process a test started.

The dockerd has its own socket, data-root and exec-root in a temp dir and runs with
``--iptables=false --bridge=none`` (user-defined networks still work); at the end its
containers, swarm and networks are removed (a bridge left behind when dockerd stops stays in
the host's network namespace, holding one of the default address pools: after a few runs no
new network can be made), then it is stopped by PID and its directory removed. Failures raise
``DockerdError`` with what went wrong.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

APP_PORT = 8080


class DockerdError(RuntimeError):
    """dockerd or a docker command failed (or is missing)."""


@contextmanager
def private_dockerd(prefix: str) -> Iterator[str]:
    """The DOCKER_HOST of a dockerd started for the caller; stopped (by PID) and wiped after."""
    dockerd = shutil.which("dockerd")
    if dockerd is None or shutil.which("docker") is None:
        raise DockerdError("dockerd and docker not found: run .ci/install-system-deps.sh "
                           "(Debian docker.io)")
    base = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
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
                raise DockerdError("dockerd did not answer `docker info` within 60s: "
                                   f"{(base / 'dockerd.log').read_text()[-2000:]}")
            time.sleep(0.3)
        yield host
    finally:
        if proc.poll() is None:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                _empty(host)
        stop(proc, grace=30)
        log.close()
        subprocess.run(["umount", "-R", str(base / "data")], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def stop(proc: subprocess.Popen[bytes], grace: float) -> None:
    """End a process the caller started: SIGTERM, then SIGKILL after ``grace`` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _empty(host: str) -> None:
    """Remove what makes host bridges: containers, the swarm (docker_gwbridge), networks."""
    def run(*args: str) -> str:
        done = subprocess.run(["docker", "-H", host, *args], capture_output=True, text=True,
                              timeout=120)
        return done.stdout

    containers = run("ps", "-aq").split()
    if containers:
        run("rm", "-f", "-v", *containers)
    run("swarm", "leave", "--force")
    networks = run("network", "ls", "-q", "--filter", "type=custom").split()
    if networks:
        run("network", "rm", *networks)
    run("network", "rm", "docker_gwbridge")


def docker(host: str, *args: str, timeout: float = 60) -> str:
    """``docker -H host args...``: its stdout; DockerdError with its stderr when it fails."""
    done = subprocess.run(["docker", "-H", host, *args], capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode:
        raise DockerdError(f"docker {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def busybox() -> str:
    """The static busybox of this machine (the app images are made of it)."""
    path = shutil.which("busybox")
    if path is None:
        raise DockerdError("busybox not found: run .ci/install-system-deps.sh (busybox-static)")
    return path


def app_files(version: str, healthy: bool = True) -> dict[str, str]:
    """/www of a plain app image: /www/version holding ``version`` and, when ``healthy``,
    /www/healthz (the health path)."""
    return {"version": version + "\n"} | ({"healthz": "ok\n"} if healthy else {})


def import_app_image(host: str, ref: str, scratch: Path, www: Mapping[str, str],
                     applets: Sequence[str] = (), executable: Sequence[str] = ()) -> str:
    """``ref``: a busybox httpd serving ``www`` (path under /www -> text) on APP_PORT. Each of
    ``applets`` is linked to busybox in /bin, then on the image's PATH; the ``www`` paths in
    ``executable`` are executable (CGI scripts). ``scratch``: an empty directory."""
    rootfs = scratch / "rootfs"
    (rootfs / "bin").mkdir(parents=True)
    shutil.copy(busybox(), rootfs / "bin" / "busybox")
    for applet in applets:
        (rootfs / "bin" / applet).symlink_to("busybox")
    for name, text in www.items():
        path = rootfs / "www" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if name in executable:
            path.chmod(0o755)
    archive = scratch / "rootfs.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(rootfs, arcname=".")
    changes = ["--change", "ENV PATH=/bin"] if applets else []
    docker(host, "import", *changes, "--change",
           f'CMD ["/bin/busybox", "httpd", "-f", "-p", "{APP_PORT}", "-h", "/www"]',
           str(archive), ref)
    return ref
