"""A zip base's checked layout, remembered between runs while the file is provably unchanged.

Parsing the central directory of a 21,000-entry jar and checking every local header against it
(zipread, zipcentral, zipcheck) costs ~25 ms; reading the result back ~9 ms. An entry holds
what packaging reads of a base that passed every one of those checks — each entry's name, raw
name, offset, compressed size, flags and record position, the links, the zip64 records, where
each entry's data starts and its span ends, whether the entries lie back to back — for one file
as ``digestcache.key_of`` (device, inode, size, mtime, ctime) plus its real path, and a lookup
uses it only when all five are the same for the file it then opens (and copies from). The
central directory's bytes are read from that file again. Names are stored joined on NUL (which
no accepted name holds) and the integer columns as packed arrays: read back in a few C-level
calls each.

Trust: digestcache's, rule for rule (the same key, trusted file systems and settle time, the
same signed files in the user's cache; see there): the checks are a function of the file's
bytes, and under those rules a file whose key is unchanged has unchanged bytes. An entry is
written only after a run in which the base passed every check, when the file last changed well
before that run opened it, and when its key was the same at the end as when it was opened.
``superspec package --no-cache`` neither reads nor writes an entry; ``package verify`` always
parses and checks afresh.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
from array import array
from collections.abc import Sequence
from pathlib import Path

from superspec import __version__
from superspec.package import digestcache
from superspec.package.zipcentral import Central
from superspec.package.zipread import ZipArchive

SIGNED_FORMAT = "package-layout-2"  # part of every entry's MAC


def entry_name(real: str) -> str:
    return "package-layout-" + hashlib.sha256(real.encode("utf-8", "surrogateescape")) \
        .hexdigest()[:32]


def lookup(path: Path, display: str, project_dir: Path) -> ZipArchive | None:
    """The archive at ``path``, parsed and checked as remembered, when its entry is authentic
    and the file's key unchanged; else None. Never raises."""
    try:
        return _lookup(path, display, project_dir)
    except Exception:  # noqa: BLE001 - whatever is wrong with a stored file, it is a miss
        return None


def _lookup(path: Path, display: str, project_dir: Path) -> ZipArchive | None:
    from superspec.cachefiles import open_cache, read_signed_bytes

    opened = open_cache(project_dir)
    if opened is None:
        return None
    real = os.path.realpath(path)
    payload = read_signed_bytes(*opened, SIGNED_FORMAT, entry_name(real))
    if payload is None:
        return None
    (version, stored_path, key, names, raw_names, columns, links, wide, contiguous, comment,
     cd_offset, cd_end) = marshal.loads(payload)
    if version != __version__ or stored_path != real:
        return None
    offsets, csizes, flags, records, starts, ends = map(_unpacked, columns)
    fd = os.open(real, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if digestcache.key_of(st) != key or not digestcache.trusted_filesystem(st.st_dev):
            return None
        cd = os.pread(fd, cd_end - cd_offset, cd_offset)
        if len(cd) != cd_end - cd_offset:
            return None
        central = Central(cd, raw_names.split(b"\0") if raw_names else [], offsets, csizes,
                          flags, records, links, frozenset(wide))
        archive = ZipArchive(path, display, fd, names.split("\0") if names else [], central,
                             comment, cd_offset, cd_end)
        fd = -1  # the archive's now
    finally:
        if fd >= 0:
            os.close(fd)
    archive.mark_checked(starts, ends, contiguous)
    return archive


def store(archive: ZipArchive, project_dir: Path) -> None:
    """Remember ``archive``'s layout once it passed every check, when the rules above allow.
    Never raises: an unusable cache only means parsing next time."""
    with contextlib.suppress(Exception):
        _store(archive, project_dir)


def _store(archive: ZipArchive, project_dir: Path) -> None:
    from superspec.cachefiles import open_cache, write_signed_bytes

    st, settle = archive.opened, digestcache.settle_ns()
    if archive.remembered or not archive.checked or st is None or settle is None \
            or max(st.st_ctime_ns, st.st_mtime_ns) > archive.opened_ns - settle \
            or not digestcache.trusted_filesystem(st.st_dev):
        return
    real, key = os.path.realpath(archive.path), digestcache.key_of(st)
    if digestcache.key_of(os.stat(real)) != key:  # changed since it was opened, or another file
        return
    opened = open_cache(project_dir, create=True)
    if opened is None:
        return
    central = archive.central
    columns = [_packed(c) for c in (central.offsets, central.csizes, central.flags,
                                    central.records, archive.starts, archive.ends)]
    payload = marshal.dumps((
        __version__, real, key, "\0".join(archive.names), b"\0".join(central.raw_names),
        columns, central.links, sorted(central.wide), archive.contiguous, archive.comment,
        archive.cd_offset, archive.cd_end))
    write_signed_bytes(*opened, SIGNED_FORMAT, entry_name(real), payload)


def _packed(values: Sequence[int]) -> tuple[str, bytes]:
    code = "I" if max(values, default=0) < 1 << 32 else "Q"
    return code, array(code, values).tobytes()


def _unpacked(column: tuple[str, bytes]) -> array[int]:
    """The column as an array: its values become int objects only where they are read (a
    remembered layout's starts and ends, for one, seldom are)."""
    values = array(column[0])
    values.frombytes(column[1])
    return values
