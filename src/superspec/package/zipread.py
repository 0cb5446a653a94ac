"""Read a zip-family archive (jar, war, ear, zip, whl) down to each entry's raw byte span.

Nothing is decompressed: the central directory is parsed here; zipcheck.py then checks every
local header against it and locates each entry's span (local header + compressed data + data
descriptor) so that a writer can copy it verbatim. Zip64 archives are understood. Anything
inconsistent is refused. The check can run while the writers already copy (see artifact.py).
"""

from __future__ import annotations

import mmap
import struct
import threading
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter, lt
from pathlib import Path
from typing import Any

from superspec.errors import InputError, Location
from superspec.package.names import check_names, check_unique
from superspec.package.zipcheck import check_archive
from superspec.package.zipformat import (
    CD_POS,
    CENTRAL,
    EOCD,
    MAX16,
    MAX32,
    OFFSET,
    SIG_CENTRAL,
    SIG_EOCD,
    SIG_EOCD64,
    SIG_LOC64,
    WIDE,
    ZIP64_EOCD,
    ZIP64_LOCATOR,
    Buffer,
    Corrupt,
    Row,
    paused_gc,
)


@dataclass(slots=True)
class ZipEntry:
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


# One row per entry: the ZipEntry fields after ``name`` except data_start and end, in order
# (tuples are cheap to build for tens of thousands of entries; ZipEntry objects are made only
# when asked for). data_start and end come from the local headers, once checked.


@dataclass
class ZipArchive:
    path: Path
    display: str
    mm: mmap.mmap | bytes
    names: list[str]  # normalized, central-directory order
    rows: list[Row]
    comment: bytes
    cd_offset: int
    cd_end: int
    ascending: bool = False  # offsets grow in central-directory order and no zip64 fields
    # set by check(): where each entry's data starts and where its span ends
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    checked: bool = False
    contiguous: bool = False  # entries back to back in central-directory order (after check)
    shifted: dict[tuple[Any, ...], bytes] = field(default_factory=dict)  # see zipwrite
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self) -> None:
        """Check every local header, span and link (once; safe to call from several threads)."""
        with self._lock:
            if not self.checked:
                check_archive(self)
                self.checked = True

    @cached_property
    def entries(self) -> list[ZipEntry]:
        self.check()
        return [self.entry(i) for i in range(len(self.rows))]

    def entry(self, index: int) -> ZipEntry:
        """The entry's fields; data_start and end are 0 until check() ran."""
        row = self.rows[index]
        start, end = (self.starts[index], self.ends[index]) if self.starts else (0, 0)
        return ZipEntry(self.names[index], *row[:CD_POS], start, end,  # type: ignore[call-arg]
                        *row[CD_POS:])

    def by_name(self) -> dict[str, ZipEntry]:
        return {e.name: e for e in self.entries}

    def kinds(self) -> dict[str, str]:
        """name -> 'dir', 'link' or 'file'."""
        return {name: "dir" if row[0][-1:] == b"/" else
                "link" if row[11] >> 28 == 0xA and row[1] >> 8 == 3 else "file"
                for name, row in zip(self.names, self.rows, strict=True)}

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
        if isinstance(self.mm, mmap.mmap):
            self.mm.close()

    def _corrupt(self, what: str) -> InputError:
        return InputError(f"corrupt zip archive: {what}", location=Location(self.display))


def open_zip(path: Path, display: str | None = None, *, check: bool = True) -> ZipArchive:
    """Map and parse ``path``; raise InputError naming the archive (and entry) when it is unsafe
    or corrupt. ``check=False`` leaves the local headers to a later ``archive.check()``."""
    display = display or str(path)
    with open(path, "rb") as handle:
        size = handle.seek(0, 2)
        if size == 0:
            raise InputError("corrupt zip archive: empty file", location=Location(display))
        # pages are mapped as the local headers are checked, which runs beside the copies
        mm: mmap.mmap | bytes = mmap.mmap(handle.fileno(), 0, flags=mmap.MAP_SHARED,
                                          prot=mmap.PROT_READ)
    try:
        archive = _parse(path, display, mm)
        if check:
            archive.check()
    except BaseException:
        if isinstance(mm, mmap.mmap):
            mm.close()
        raise
    return archive


def _parse(path: Path, display: str, mm: mmap.mmap | bytes) -> ZipArchive:
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
    names, rows = _central(mm, cd_offset, cd_end, count, display, corrupt)
    check_unique(names, display)
    archive = ZipArchive(path, display, mm, names, rows, comment, cd_offset, cd_end)
    offsets = list(map(itemgetter(OFFSET), rows))
    archive.ascending = all(map(lt, offsets, offsets[1:])) and not any(map(itemgetter(WIDE), rows))
    return archive


def _central(mm: Buffer, cd_start: int, cd_end: int, count: int, display: str,
             corrupt: Corrupt) -> tuple[list[str], list[Row]]:
    cd = mm[cd_start:cd_end]
    with paused_gc():  # tens of thousands of tuples that all survive: no collections meanwhile
        walked = _walk(cd, count)
        if walked is None:  # a corrupt directory: find the record and say what is wrong
            names, rows = _central_records(cd, cd_start, count, corrupt)
        else:
            raw_names, rows, extended = walked
            for index in extended:  # entries with extra fields: zip64 values applied
                rows[index] = _zip64_row(rows[index], corrupt)
            if b"".join(raw_names).isascii():
                names = list(map(bytes.decode, raw_names))
            else:
                names = [raw.decode("ascii" if raw.isascii() else
                                    "utf-8" if row[3] & 0x800 else "cp437")
                         for raw, row in zip(raw_names, rows, strict=True)]
    return check_names(names, display), rows


def _walk(cd: bytes, count: int) -> tuple[list[bytes], list[Row], list[int]] | None:
    """The records as rows in one tight loop: (raw names, rows, indexes of the rows with extra
    fields), or None when the directory is not ``count`` well-formed records end to end."""
    raw_names: list[bytes] = []
    rows: list[Row] = []
    extended: list[int] = []
    pos, unpack, add_name, add_row = 0, CENTRAL.unpack_from, raw_names.append, rows.append
    try:
        for index in range(count):
            (sig, made, needed, flags, method, dtime, ddate, crc, csize, usize, nlen, elen,
             clen, _, iattr, eattr, offset) = unpack(cd, pos)
            if sig != SIG_CENTRAL:
                return None
            start = pos + 46
            end = start + nlen
            raw_name = cd[start:end]
            extra = b""
            if elen:
                extra = cd[end:end + elen]
                extended.append(index)
            comment = cd[end + elen:end + elen + clen] if clen else b""
            record, pos = pos, end + elen + clen
            add_name(raw_name)
            add_row((raw_name, made, needed, flags, method, dtime, ddate, crc, csize, usize,
                     iattr, eattr, extra, comment, offset, record, pos - record, False))
    except struct.error:
        return None
    return (raw_names, rows, extended) if pos == len(cd) else None


def _zip64_row(row: Row, corrupt: Corrupt) -> Row:
    """A row whose extra fields may hold zip64 values: the values applied, the field removed
    (``wide`` records that it was there)."""
    extra, csize, usize, offset = row[12], row[8], row[9], row[OFFSET]
    if MAX32 not in (usize, csize, offset) and b"\x01\x00" not in extra:
        return row
    name = row[0].decode("utf-8" if row[3] & 0x800 else "cp437")
    stripped, usize, csize, offset = _strip_zip64(extra, usize, csize, offset, name, corrupt)
    return (*row[:8], csize, usize, *row[10:12], stripped, row[13], offset, *row[15:17],
            len(stripped) != len(extra))


def _central_records(cd: bytes, cd_start: int, count: int,
                     corrupt: Corrupt) -> tuple[list[str], list[Row]]:
    """The central directory walked record by record (zip64 fields, signatures in names, and
    the exact error for a corrupt one)."""
    names: list[str] = []
    rows: list[Row] = []
    pos, unpack = 0, CENTRAL.unpack_from
    for _ in range(count):
        whole = cd[pos:pos + 4] == SIG_CENTRAL and pos + CENTRAL.size <= len(cd)
        fields = unpack(cd, pos) if whole else None
        if fields is None:
            raise corrupt(f"bad central directory record at offset {cd_start + pos}")
        (_, made, needed, flags, method, dtime, ddate, crc, csize, usize, nlen, elen, clen,
         _, iattr, eattr, offset) = fields
        start = pos + 46
        raw_name = cd[start:start + nlen]
        extra = cd[start + nlen:start + nlen + elen] if elen else b""
        comment = cd[start + nlen + elen:start + nlen + elen + clen] if clen else b""
        record, pos = pos, start + nlen + elen + clen
        name = raw_name.decode("ascii" if raw_name.isascii() else
                               "utf-8" if flags & 0x800 else "cp437")
        wide = False
        if elen and (MAX32 in (usize, csize, offset) or b"\x01\x00" in extra):
            stripped, usize, csize, offset = _strip_zip64(extra, usize, csize, offset, name,
                                                          corrupt)
            wide, extra = len(stripped) != len(extra), stripped
        names.append(name)
        rows.append((raw_name, made, needed, flags, method, dtime, ddate, crc, csize, usize,
                     iattr, eattr, extra, comment, offset, record, pos - record, wide))
    if pos != len(cd):
        raise corrupt("central directory size does not match its records")
    return names, rows


def _strip_zip64(extra: bytes, usize: int, csize: int, offset: int, name: str,
                 corrupt: Corrupt) -> tuple[bytes, int, int, int]:
    """Take the zip64 field out of ``extra`` and apply it to the 32-bit values it overrides."""
    kept, pos = bytearray(), 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<2H", extra, pos)
        body = extra[pos + 4:pos + 4 + length]
        if len(body) != length:
            raise corrupt(f"entry {name!r}: truncated extra field")
        if tag == 0x0001:
            values, at = [], 0
            for value in (usize, csize, offset):
                if value == MAX32:
                    if at + 8 > length:
                        raise corrupt(f"entry {name!r}: truncated zip64 extra field")
                    value = struct.unpack_from("<Q", body, at)[0]
                    at += 8
                values.append(value)
            usize, csize, offset = values
        else:
            kept += extra[pos:pos + 4 + length]
        pos += 4 + length
    kept += extra[pos:]
    return bytes(kept), usize, csize, offset
