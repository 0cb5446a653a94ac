"""The router image's rootfs: the local haproxy, mv, their libraries; the same bytes each time."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from superspec.router.image import shared_libraries, write_rootfs

HAPROXY = Path("/usr/sbin/haproxy")


@pytest.fixture
def haproxy() -> Path:
    if not HAPROXY.exists():
        pytest.fail("/usr/sbin/haproxy not found: apt-get install haproxy (Debian haproxy 2.6)")
    return HAPROXY


def test_the_libraries_include_the_loader_and_libc(haproxy: Path) -> None:
    libraries = shared_libraries(str(haproxy))
    names = {Path(lib).name for lib in libraries}
    assert {"libc.so.6", "libssl.so.3"} <= names
    assert any(name.startswith("ld-linux") for name in names)
    assert all(lib.startswith("/") and "vdso" not in lib for lib in libraries)


def test_the_rootfs_is_laid_out_like_the_official_image_and_reproducible(
        haproxy: Path, tmp_path: Path) -> None:
    files = {"usr/local/sbin/haproxy": haproxy, "bin/mv": Path("/bin/mv")}
    files.update({lib.lstrip("/"): Path(lib) for lib in shared_libraries(str(haproxy))})
    write_rootfs(tmp_path / "a.tar", files)
    write_rootfs(tmp_path / "b.tar", dict(reversed(list(files.items()))))

    assert (tmp_path / "a.tar").read_bytes() == (tmp_path / "b.tar").read_bytes()
    with tarfile.open(tmp_path / "a.tar") as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert members["usr/local/sbin/haproxy"].isreg() and members["usr/local/sbin/haproxy"].mode \
        == 0o755
    assert members["usr/local/sbin/haproxy"].size == haproxy.stat().st_size
    assert members["tmp"].isdir() and members["tmp"].mode == 0o1777
    for directory in ("usr/local/etc/haproxy", "var/lib/haproxy", "run"):
        assert members[directory].isdir()
    assert "etc/nsswitch.conf" not in members and "bin/sh" not in members
    assert {m.uid for m in members.values()} == {0}
