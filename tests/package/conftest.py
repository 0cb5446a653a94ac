"""Fixtures for the package runner: an example project copy, real archives, a real dockerd."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest

from tests.helpers import run_cli  # noqa: F401 - re-exported for the package tests

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
LAYERS = EXAMPLES / "layers"
SUPERSPEC = [sys.executable, "-m", "superspec"]
PROPS = "BOOT-INF/classes/application.properties"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of examples/projects/payments-api (spec + config template) with a built jar."""
    dest = tmp_path / "payments-api"
    shutil.copytree(EXAMPLES / "projects" / "payments-api", dest)
    make_jar(dest / "target" / "payments-api.jar")
    return dest


def spec_args(project: Path) -> list[str]:
    return ["--spec", str(project / "superspec.yaml"), "--layers", str(LAYERS)]


def make_jar(path: Path, classes: int = 40) -> Path:
    """A jar with stored and deflated entries, like a Spring Boot fat jar."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as jar:
        jar.writestr(zipfile.ZipInfo("META-INF/MANIFEST.MF", (2024, 5, 1, 12, 0, 0)),
                     "Manifest-Version: 1.0\nMain-Class: org.example.Main\n",
                     compress_type=zipfile.ZIP_DEFLATED)
        jar.writestr(zipfile.ZipInfo("BOOT-INF/", (2024, 5, 1, 12, 0, 0)), "")
        jar.writestr(zipfile.ZipInfo(PROPS, (2024, 5, 1, 12, 0, 0)), "placeholder=true\n",
                     compress_type=zipfile.ZIP_DEFLATED)
        for i in range(classes):
            body = (f"class C{i} ".encode() * 50) + bytes(range(256))
            jar.writestr(zipfile.ZipInfo(f"BOOT-INF/classes/org/example/C{i}.class",
                                         (2024, 5, 1, 12, 0, 0)), body,
                         compress_type=zipfile.ZIP_DEFLATED)
        jar.writestr(zipfile.ZipInfo("BOOT-INF/lib/dep-1.0.jar", (2024, 5, 1, 12, 0, 0)),
                     bytes(range(256)) * 40, compress_type=zipfile.ZIP_STORED)
    return path


def make_tar(path: Path, gz: bool) -> Path:
    """A tar(.gz) of an application directory (files, a directory, an inner symlink)."""
    src = Path(tempfile.mkdtemp())
    (src / "app" / "BOOT-INF" / "classes").mkdir(parents=True)
    (src / "app" / PROPS).write_text("placeholder=true\n")
    (src / "app" / "lib.bin").write_bytes(os.urandom(200_000))
    (src / "app" / "current").symlink_to("lib.bin")
    with tarfile.open(path, "w:gz" if gz else "w") as tar:
        tar.add(src / "app", arcname=".")
    shutil.rmtree(src)
    return path


def raw_entries(path: Path) -> dict[str, tuple[int, int, int, bytes]]:
    """name -> (method, crc, size, raw compressed bytes), read with the standard library."""
    result = {}
    with zipfile.ZipFile(path) as archive, open(path, "rb") as handle:
        for info in archive.infolist():
            handle.seek(info.header_offset + 26)
            name_len, extra_len = int.from_bytes(handle.read(2), "little"), \
                int.from_bytes(handle.read(2), "little")
            handle.seek(info.header_offset + 30 + name_len + extra_len)
            result[info.filename] = (info.compress_type, info.CRC, info.file_size,
                                     handle.read(info.compress_size))
    return result


# --- a real Docker engine ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def base_image(docker_host: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """payments-api:1.0, imported from a busybox-static rootfs (no registry needed)."""
    busybox = shutil.which("busybox")
    if busybox is None:
        pytest.fail("busybox not found: run .ci/install-system-deps.sh (busybox-static)")
    rootfs = tmp_path_factory.mktemp("rootfs")
    (rootfs / "bin").mkdir()
    shutil.copy(busybox, rootfs / "bin" / "busybox")
    for applet in ("sh", "cat", "ls", "find"):
        (rootfs / "bin" / applet).symlink_to("busybox")
    archive = rootfs.parent / "rootfs.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(rootfs, arcname=".")
    ref = "superspec-test/payments-api:1.0"
    subprocess.run(["docker", "-H", docker_host, "import", "--change", "WORKDIR /app",
                    str(archive), ref], check=True, capture_output=True)
    return ref


SETTLE = 0.05  # seconds a base must rest before its digest is remembered, in these tests (the
# real rule, twice the writeback delay, is tested on its own in test_digest_cache.py)


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user cache directory of the test's own, no CI workspace set, the settle time shortened
    to SETTLE. When the temp dir is on a file system the digest cache refuses (tmpfs in some CI
    images), it is trusted anyway: the rules under test do not depend on the file system."""
    from superspec.package import digestcache

    directory = tmp_path / "user-cache" / "enforce"
    monkeypatch.setenv("SUPERSPEC_CACHE_DIR", str(directory))
    for name in ("WORKSPACE", "CI_PROJECT_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(digestcache, "settle_ns", lambda: int(SETTLE * 1e9))
    if not digestcache.trusted_filesystem(tmp_path.stat().st_dev):
        monkeypatch.setattr(digestcache, "trusted_filesystem", lambda _device: True)
    return directory
