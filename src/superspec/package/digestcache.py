"""The base artifact's sha256, remembered between runs while the file is provably unchanged.

Hashing 100 MB costs more than copying it, and a build output is packaged again and again (one
run per environment, retried jobs, local tries). An entry remembers ``sha256`` for one file as
``(st_dev, st_ino, st_size, st_mtime_ns, st_ctime_ns)`` plus its real path; a later run uses it
only when all five are the same, and otherwise hashes the file again (and replaces the entry).

Trust (the artifact is the project's, so whoever controls the workspace controls its bytes and
its mtime; the cache itself is the user's, see ``superspec.enforce.cache``):

* Entries live in the user's cache directory (``$SUPERSPEC_CACHE_DIR``, else
  ``$XDG_CACHE_HOME/superspec/enforce``, else ``~/.cache/superspec/enforce``) under its trust
  rules and are signed with its HMAC key (``superspec.cachefiles``); the name
  (``package-<hash of the real path>``) and the entry format are covered by the MAC. A forged,
  corrupt, truncated or moved entry is a miss.
* mtime can be set to anything (``touch -d``, ``os.utime``); ctime cannot: the kernel sets it to
  the current time on every write, truncate, rename, chmod, link count or utime change. So
  changed content with the same size and a restored mtime still changes ``st_ctime_ns`` (and a
  replaced file changes ``st_ino``).
* A file's timestamps only change when the clock has moved on: a write in the same clock tick as
  the previous change can leave ctime as it was. An entry is therefore only written when the
  file's ctime and mtime lie well before the hashing started (git's "racy clean" rule), and
  only when fstat before and after hashing agree.
* Writes through a shared writable memory map update ctime when a clean page is first written;
  later writes to the same page do not until the kernel has written it back. "Well before" is
  therefore at least twice the kernel's writeback delay (``vm.dirty_expire_centisecs`` +
  ``vm.dirty_writeback_centisecs``, 70 s by default) and at least 2 s; with periodic writeback
  turned off nothing is remembered. A file packaged again within that time after it changed is
  simply hashed again.
* Only local kernel file systems whose timestamps behave that way are trusted (ext2/3/4, xfs,
  btrfs, f2fs, overlay; read from ``/proc/self/mountinfo`` by device number, at lookup and at
  store). Not: tmpfs (a mapped page is never written back, so writes through a map never touch
  ctime again), network and FUSE file systems (the server reports the metadata), anything else,
  and systems without ``/proc``: there the file is hashed on every run.
* Not covered: root (it can set the clock, write the block device, or use the handle interfaces
  that change data without timestamps). ``superspec package --no-cache`` hashes the base afresh
  and neither reads nor writes an entry.

Directory artifacts are not remembered (their digest covers every file of the tree).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mmap
import os
import time
from pathlib import Path

from superspec import __version__
from superspec.digest import canonical_json

SIGNED_FORMAT = "package-digest-1"  # part of every entry's MAC
MIN_SETTLE_NS = 2_000_000_000
TRUSTED_FILESYSTEMS = frozenset({"ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "overlay"})
_WRITEBACK = ("/proc/sys/vm/dirty_expire_centisecs", "/proc/sys/vm/dirty_writeback_centisecs")

Key = list[int]


def key_of(st: os.stat_result) -> Key:
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]


def entry_name(real: str) -> str:
    return "package-" + hashlib.sha256(real.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def lookup(path: Path, project_dir: Path) -> str | None:
    """The remembered sha256 of ``path`` when its entry is authentic and the file's key is
    unchanged; else None. Never raises."""
    try:
        return _lookup(path, project_dir)
    except Exception:  # noqa: BLE001 - whatever is wrong with a stored file, it is a miss
        return None


def _lookup(path: Path, project_dir: Path) -> str | None:
    from superspec.cachefiles import open_cache, read_signed_bytes

    opened = open_cache(project_dir)
    if opened is None:
        return None
    real = os.path.realpath(path)
    payload = read_signed_bytes(*opened, SIGNED_FORMAT, entry_name(real))
    entry = None if payload is None else json.loads(payload)
    if not isinstance(entry, dict) or entry.get("superspec") != __version__ \
            or entry.get("path") != real:
        return None
    st = os.stat(real)
    digest = entry.get("sha256")
    if key_of(st) != entry.get("key") or not isinstance(digest, str) or len(digest) != 64 \
            or not trusted_filesystem(st.st_dev):
        return None
    return digest


def compute(path: Path, project_dir: Path | None) -> str:
    """sha256 of ``path``; remembered for later runs when ``project_dir`` is given (None: the
    cache is off) and the file is settled, on a trusted file system and unchanged while hashed.
    """
    started = time.time_ns()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        before = os.fstat(fd)
        digest = fd_sha256(fd, before.st_size)
        after = os.fstat(fd)
    finally:
        os.close(fd)
    if project_dir is not None and key_of(before) == key_of(after):
        with contextlib.suppress(Exception):  # an unusable cache only means hashing next time
            _store(path, project_dir, before, started, digest)
    return digest


def fd_sha256(fd: int, size: int) -> str:
    """sha256 of an open file, hashed straight from the page cache through a memory map."""
    if size == 0:
        return hashlib.sha256(b"").hexdigest()
    with mmap.mmap(fd, 0, access=mmap.ACCESS_READ) as mapped:
        return hashlib.sha256(mapped).hexdigest()


def _store(path: Path, project_dir: Path, st: os.stat_result, started: int,
           digest: str) -> None:
    from superspec.cachefiles import open_cache, write_signed_bytes

    settle = settle_ns()
    if settle is None or max(st.st_ctime_ns, st.st_mtime_ns) > started - settle \
            or not trusted_filesystem(st.st_dev):
        return
    real = os.path.realpath(path)
    if key_of(os.stat(real)) != key_of(st):  # the name now leads elsewhere
        return
    opened = open_cache(project_dir, create=True)
    if opened is None:
        return
    entry = {"superspec": __version__, "path": real, "key": key_of(st), "sha256": digest}
    write_signed_bytes(*opened, SIGNED_FORMAT, entry_name(real), canonical_json(entry))


def settle_ns() -> int | None:
    """How long before hashing a file must have last changed for its digest to be remembered:
    twice the kernel's writeback delay, at least MIN_SETTLE_NS; None when that is unknown or
    periodic writeback is off."""
    try:
        expire, interval = (int(Path(name).read_text()) for name in _WRITEBACK)
    except (OSError, ValueError):
        return None
    if interval <= 0 or expire < 0:
        return None
    return max(MIN_SETTLE_NS, 2 * (expire + interval) * 10_000_000)


def trusted_filesystem(device: int) -> bool:
    """Whether the file system of ``device`` is one whose ctime the kernel keeps (see above)."""
    from superspec.package.filesystems import mount_types

    types = mount_types(device)
    return len(types) == 1 and types <= TRUSTED_FILESYSTEMS
