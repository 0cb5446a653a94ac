"""Read a zip-family archive (jar, war, ear, zip, whl) down to each entry's raw byte span.

Nothing is decompressed: the end records are read here and the central directory is parsed
into columns (zipcentral.py); zipcheck.py then checks every local header against it and locates
each entry's span (local header + compressed data + data descriptor) so that a writer can copy
it verbatim. Zip64 archives are understood. Anything inconsistent is refused. The check can run
while the writers already copy (see outputs.py).
"""

from __future__ import annotations

import mmap
import os
import threading
import time
import zlib
from collections.abc import Sequence
from functools import cached_property
from operator import lt
from pathlib import Path

from superspec.errors import InputError, Location
from superspec.package.names import check_names, check_unique
from superspec.package.zipcentral import Central, decode_names, read_central
from superspec.package.zipcheck import check_archive
from superspec.package.zipformat import (
    CENTRAL,
    EOCD,
    MAX16,
    SIG_EOCD,
    SIG_EOCD64,
    SIG_LOC64,
    ZIP64_EOCD,
    ZIP64_LOCATOR,
)
from superspec.records import Record


class ZipEntry(Record):
    name: str  # normalized: no leading './', no trailing '/'
    raw_name: bytes
    version_made: int
    version_needed: int
    flags: int
    method: int
    dos_time: int
    dos_date: int
    crc: int
    csize: int
    usize: int
    internal_attr: int
    external_attr: int
    extra: bytes  # central-directory extra fields, zip64 field removed
    comment: bytes
    offset: int  # local header
    data_start: int
    end: int  # after the data descriptor, if any
    cd_pos: int = -1  # where its record starts, relative to the central directory
    cd_len: int = 0
    wide: bool = False  # its central record carries a zip64 field

    @property
    def is_dir(self) -> bool:
        return self.raw_name.endswith(b"/")

    @property
    def is_symlink(self) -> bool:
        return self.version_made >> 8 == 3 and (self.external_attr >> 16) & 0o170000 == 0o120000

    def fingerprint_fields(self) -> tuple[object, ...]:
        """Everything the central directory says about the entry, except where it sits."""
        return (self.raw_name, self.version_made, self.version_needed, self.flags, self.method,
                self.dos_time, self.dos_date, self.crc, self.csize, self.usize,
                self.internal_attr, self.external_attr, self.extra, self.comment)


class ZipArchive:
    """A parsed archive: its names and central-directory columns (ZipEntry objects are made
    only when asked for); where each entry's data starts and ends comes from the local
    headers, once checked."""

    def __init__(self, path: Path, display: str, fd: int, names: list[str],
                 central: Central, comment: bytes, cd_offset: int, cd_end: int,
                 mapped: mmap.mmap | None = None) -> None:
        self.path, self.display = path, display
        self.fd = fd  # the file as opened, owned: the outputs are copied from it
        self._map = mapped
        self._map_lock = threading.Lock()
        self.names = names  # normalized, central-directory order
        self.central, self.comment = central, comment
        self.cd_offset, self.cd_end = cd_offset, cd_end
        # set by check(): where each entry's data starts and where its span ends
        self.starts: Sequence[int] = []
        self.ends: Sequence[int] = []
        self.checked = False
        self.contiguous = False  # entries back to back in central-directory order (after check)
        self.shifted: dict[tuple[tuple[int, ...], tuple[int, ...]], bytes] = {}  # see zipwrite
        self._lock = threading.Lock()
        # the file as opened, and the clock just before (see layoutcache)
        self.opened: os.stat_result | None = None
        self.opened_ns = 0
        self.remembered = False  # parsed and checked in an earlier run (layoutcache)

    def mark_checked(self, starts: Sequence[int], ends: Sequence[int],
                     contiguous: bool) -> None:
        """What check() found in an earlier run of the same, unchanged file (layoutcache)."""
        with self._lock:
            self.starts, self.ends, self.contiguous = starts, ends, contiguous
            self.checked = self.remembered = True

    @cached_property
    def ascending(self) -> bool:
        """Offsets grow in central-directory order and no record has zip64 fields."""
        offsets = self.central.offsets
        return all(map(lt, offsets, offsets[1:])) and not self.central.wide

    @property
    def mm(self) -> mmap.mmap:
        """The whole file, mapped (once, when first asked for: a remembered layout is written
        without it)."""
        with self._map_lock:
            if self._map is None:
                self._map = mmap.mmap(self.fd, 0, prot=mmap.PROT_READ)
            return self._map

    def check(self) -> None:
        """Check every local header, span and link (once; safe to call from several threads)."""
        with self._lock:
            if not self.checked:
                check_archive(self)
                self.checked = True

    @cached_property
    def entries(self) -> list[ZipEntry]:
        self.check()
        return [self.entry(i) for i in range(len(self.names))]

    def entry(self, index: int) -> ZipEntry:
        """The entry's fields; data_start and end are 0 until check() ran."""
        fields, extra, comment, wide = self.central.record(index)
        (made, needed, flags, method, dtime, ddate, crc, csize, usize, nlen, elen, clen, _,
         iattr, eattr, offset) = fields
        start, end = (self.starts[index], self.ends[index]) if self.starts else (0, 0)
        return ZipEntry(self.names[index], self.central.raw_names[index], made, needed, flags,
                        method, dtime, ddate, crc, csize, usize, iattr, eattr, extra, comment,
                        offset, start, end, self.central.records[index],
                        CENTRAL.size + nlen + elen + clen, wide)

    def by_name(self) -> dict[str, ZipEntry]:
        return {e.name: e for e in self.entries}

    def kinds(self) -> dict[str, str]:
        """name -> 'dir', 'link' or 'file'."""
        kinds = dict.fromkeys(self.names, "file")
        for index in self.central.links:
            kinds[self.names[index]] = "link"
        for index in self.central.dirs():
            kinds[self.names[index]] = "dir"
        return kinds

    def data(self, entry: ZipEntry) -> bytes:
        """The entry's uncompressed bytes (for small entries: links, manifests, verify)."""
        if not entry.data_start:
            raise ValueError(f"{entry.name!r}: read before the archive was checked")
        raw = self.mm[entry.data_start:entry.data_start + entry.csize]
        if entry.method == 0:
            data = bytes(raw)
        elif entry.method == 8:
            try:
                data = zlib.decompress(raw, -15)
            except zlib.error as exc:
                raise self._corrupt(f"entry {entry.name!r}: {exc}") from None
        else:
            raise InputError(f"entry {entry.name!r} uses compression method {entry.method}, "
                             "which superspec cannot read", location=Location(self.display))
        if zlib.crc32(data) != entry.crc:
            raise self._corrupt(f"entry {entry.name!r}: CRC mismatch")
        return data

    def close(self) -> None:
        """Unmap and close the file (once: a second call does nothing)."""
        with self._map_lock:
            if self._map is not None:
                self._map.close()
            if self.fd >= 0:
                os.close(self.fd)
                self.fd = -1

    def _corrupt(self, what: str) -> InputError:
        return InputError(f"corrupt zip archive: {what}", location=Location(self.display))


def open_zip(path: Path, display: str | None = None, *, check: bool = True) -> ZipArchive:
    """Map and parse ``path``; raise InputError naming the archive (and entry) when it is unsafe
    or corrupt. ``check=False`` leaves the local headers to a later ``archive.check()``."""
    display = display or str(path)
    started = time.time_ns()
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        opened = os.fstat(fd)
        if opened.st_size == 0:
            raise InputError("corrupt zip archive: empty file", location=Location(display))
        mapped = mmap.mmap(fd, 0, prot=mmap.PROT_READ)
        try:
            archive = _parse(path, display, mapped, fd)
        except BaseException:
            mapped.close()
            raise
    except BaseException:
        os.close(fd)
        raise
    archive.opened, archive.opened_ns = opened, started
    try:
        if check:
            archive.check()
    except BaseException:
        archive.close()
        raise
    return archive


def _parse(path: Path, display: str, mm: mmap.mmap, fd: int) -> ZipArchive:
    def corrupt(what: str) -> InputError:
        return InputError(f"corrupt zip archive: {what}", location=Location(display))

    size = len(mm)
    eocd_pos = mm.rfind(SIG_EOCD, max(0, size - EOCD.size - MAX16), size)
    while eocd_pos >= 0:  # the signature may occur inside the comment: find a consistent one
        if eocd_pos + EOCD.size + EOCD.unpack_from(mm, eocd_pos)[7] == size:
            break
        eocd_pos = mm.rfind(SIG_EOCD, max(0, size - EOCD.size - MAX16), eocd_pos)
    if eocd_pos < 0:
        raise corrupt("no end-of-central-directory record (not a zip file, or truncated)")
    _, disk, cd_disk, n_here, count, cd_size, cd_offset, clen = EOCD.unpack_from(mm, eocd_pos)
    comment = bytes(mm[eocd_pos + EOCD.size:eocd_pos + EOCD.size + clen])
    cd_end = eocd_pos
    loc_pos = eocd_pos - ZIP64_LOCATOR.size
    if loc_pos >= 0 and mm[loc_pos:loc_pos + 4] == SIG_LOC64:
        _, _, eocd64_pos, _ = ZIP64_LOCATOR.unpack_from(mm, loc_pos)
        if mm[eocd64_pos:eocd64_pos + 4] != SIG_EOCD64:
            raise corrupt("zip64 end-of-central-directory record not found")
        fields = ZIP64_EOCD.unpack_from(mm, eocd64_pos)
        disk, cd_disk, n_here, count, cd_size, cd_offset = fields[4:10]
        cd_end = eocd64_pos
    if disk != 0 or cd_disk != 0 or n_here != count:
        raise corrupt("multi-disk (spanned) archives are not supported")
    if cd_offset + cd_size != cd_end:
        raise corrupt(f"central directory at {cd_offset} (+{cd_size}) does not end at {cd_end}; "
                      "data before the archive that its offsets do not count is not supported")
    central = read_central(mm[cd_offset:cd_end], count, cd_offset, corrupt)
    names = check_names(decode_names(central), display)
    check_unique(names, display)
    return ZipArchive(path, display, fd, names, central, comment, cd_offset, cd_end, mm)
