"""The caches' signing key: never visible half-written, and a short one (left by a writer of an
older version killed mid-write) does not turn the cache off for good."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from superspec import cachefiles


def _no_hard_links(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EPERM, "Operation not permitted")  # vfat, some FUSE mounts

    monkeypatch.setattr(os, "link", refuse)


def test_without_hard_links_the_key_appears_whole(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "enforce"
    directory.mkdir(mode=0o700)
    _no_hard_links(monkeypatch)
    seen = []
    real_rename = os.rename

    def watched_rename(src: str, dst: str) -> None:
        seen.append(Path(src).read_bytes())  # what the key's name will show, from its first
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", watched_rename)
    key = cachefiles.machine_key(directory, create=True)
    assert key is not None and len(key) == cachefiles.KEY_BYTES
    assert seen == [key]
    mode = os.stat(cachefiles.key_file(directory)).st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert cachefiles.machine_key(directory) == key
    assert sorted(p.name for p in tmp_path.iterdir()) == ["enforce", "enforce.key"]


@pytest.mark.parametrize("left", [b"", b"\x01" * 7])
def test_a_short_key_is_replaced_when_the_cache_is_written(tmp_path: Path, left: bytes) -> None:
    directory = tmp_path / "enforce"
    directory.mkdir(mode=0o700)
    path = cachefiles.key_file(directory)
    path.write_bytes(left)
    path.chmod(0o600)
    assert cachefiles.machine_key(directory) is None  # a reader only: no cache this time
    key = cachefiles.machine_key(directory, create=True)
    assert key is not None and len(key) == cachefiles.KEY_BYTES
    assert path.read_bytes() == key and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert cachefiles.machine_key(directory) == key
