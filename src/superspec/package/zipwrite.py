"""Write a zip-family archive from a base: unchanged entries are copied as raw byte ranges
(local header + compressed data + data descriptor, never decompressed), replaced and added
entries are compressed afresh, and a new central directory is written (zip64 when needed).
"""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from superspec.package.copyrange import RangeWriter
from superspec.package.lazydata import Data, resolve
from superspec.package.zipformat import (
    CD_POS,
    CENTRAL,
    EOCD,
    LOCAL,
    MAX16,
    MAX32,
    OFFSET,
    SIG_CENTRAL,
    SIG_EOCD,
    SIG_EOCD64,
    SIG_LOC64,
    SIG_LOCAL,
    ZIP64_EOCD,
    ZIP64_LOCATOR,
)
from superspec.package.zipread import ZipArchive, ZipEntry

UNIX_FILE_0644 = 0o100644 << 16
ALIGN = 512  # replaced entries are padded to a multiple of this (an 0xD935 extra field)
HEADROOM = 64 * 1024 * 1024  # growth allowed before zip64 offsets could be needed
_OFFSET = struct.Struct("<L")
MADE_BY_UNIX = (3 << 8) | 20


@dataclass(frozen=True)
class NewEntry:
    name: str
    data: Data  # a callable is asked for the bytes when they are written


def dos_stamp(epoch: int) -> tuple[int, int]:
    """(time, date) in MS-DOS format for a Unix time, UTC, clamped to 1980..2107."""
    import time

    t = time.gmtime(max(epoch, 315532800))
    year = min(t.tm_year, 2107)
    return ((t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2),
            ((year - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday)


def write_zip(archive: ZipArchive, src_fd: int, dst_fd: int, replaced: dict[str, bytes],
              added: list[NewEntry], stamp: tuple[int, int],
              checked: Callable[[], bool] = lambda: True) -> None:
    """Write the packaged archive to ``dst_fd`` (positioned at 0).

    When the entries look back to back, the body is copied before the archive's local headers
    are checked: ``checked()`` waits for that check and says whether it passed (if not, nothing
    more is written; the caller removes the file). Should the entries turn out not to be back
    to back after all, the output is rewritten entry by entry.
    """
    first = min((row[OFFSET] for row in archive.rows), default=archive.cd_offset)
    if archive.ascending and archive.cd_end + HEADROOM < MAX32:
        out = _Out(src_fd, dst_fd)
        out.copy(0, first)  # bytes before the first entry (e.g. a launch script) stay as they are
        directory = _write_contiguous(archive, out, replaced)
        out.flush()
        if not checked():
            return
        if archive.contiguous:
            _finish(archive, out, directory, added, stamp)
            return
        os.ftruncate(dst_fd, 0)
        os.lseek(dst_fd, 0, os.SEEK_SET)
    elif not checked():
        return
    out = _Out(src_fd, dst_fd)
    out.copy(0, first)
    _finish(archive, out, _write_each(archive, out, replaced), added, stamp)


def _finish(archive: ZipArchive, out: _Out, directory: bytearray, added: list[NewEntry],
            stamp: tuple[int, int]) -> None:
    """Added entries, the central directory and the end records."""
    for item in added:
        name = item.name.encode("utf-8")
        new = ZipEntry(item.name, name, MADE_BY_UNIX, 20, 0x800 if not name.isascii() else 0, 8,
                       stamp[0], stamp[1], 0, 0, 0, 0, UNIX_FILE_0644, b"", b"", 0, 0, 0)
        directory += out.write_entry(new, resolve(item.data))
    out.flush()
    cd_offset = out.pos
    out.write(bytes(directory))
    count = len(archive.rows) + len(added)
    _end_records(out, count, len(directory), cd_offset, archive.comment)
    out.flush()


def _write_contiguous(archive: ZipArchive, out: _Out, replaced: dict[str, bytes]) -> bytearray:
    """Entries lie back to back (each ends where the next begins, the last at the central
    directory): copy each run between replaced entries as one range. A replaced entry is padded
    to a multiple of ALIGN bytes, so every environment of a run usually shifts the entries after
    it by the same amount and shares one shifted central directory."""
    rows, count = archive.rows, len(archive.rows)
    hits = [i for i, name in enumerate(archive.names) if name in replaced] if replaced else []
    start, deltas, records = 0, [], {}
    for index in hits + [count]:
        end = rows[index][OFFSET] if index < count else archive.cd_offset
        if index > start:
            out.copy(rows[start][OFFSET], end)
        if index == count:
            break
        entry = archive.entry(index)
        following = rows[index + 1][OFFSET] if index + 1 < count else archive.cd_offset
        records[entry.cd_pos] = out.write_entry(
            _replacement(entry, replaced[entry.name]), replaced[entry.name], align=ALIGN)
        if len(records[entry.cd_pos]) != entry.cd_len:  # pragma: no cover - same name and extra
            raise ValueError(f"central record of {entry.name!r} changed length")
        deltas.append(out.pos - following)
        start = index + 1
    directory = bytearray(_shifted_directory(archive, tuple(hits), tuple(deltas)))
    for cd_pos, record in records.items():
        directory[cd_pos:cd_pos + len(record)] = record
    return directory


def _shifted_directory(archive: ZipArchive, hits: tuple[int, ...],
                       deltas: tuple[int, ...]) -> bytes:
    """The base's central directory with the offsets after each replaced entry shifted
    (cached per archive: environments with the same shifts share it)."""
    key = (hits, deltas)
    cached = archive.shifted.get(key)
    if cached is not None:
        return cached
    directory = bytearray(archive.mm[archive.cd_offset:archive.cd_end])
    rows, patch = archive.rows, _OFFSET.pack_into
    bounds = [*hits[1:], len(rows)] if hits else []
    for hit, delta, stop in zip(hits, deltas, bounds, strict=True):
        if rows[stop - 1][OFFSET] + delta >= MAX32 if stop > hit + 1 else False:
            raise ValueError("zip64 offsets needed")  # pragma: no cover - kept out by write_zip
        for row in rows[hit + 1:stop]:
            patch(directory, row[CD_POS] + 42, row[OFFSET] + delta)
    archive.shifted[key] = bytes(directory)
    return archive.shifted[key]


def _write_each(archive: ZipArchive, out: _Out, replaced: dict[str, bytes]) -> bytearray:
    offsets, fresh = [], {}
    for entry in archive.entries:
        if entry.name in replaced:
            offsets.append(out.pos)
            fresh[entry.name] = out.write_entry(_replacement(entry, replaced[entry.name]),
                                                replaced[entry.name])
        else:
            offsets.append(out.copy(entry.offset, entry.end))
    return _patched_directory(archive, offsets, fresh)


def _patched_directory(archive: ZipArchive, offsets: list[int],
                       fresh: dict[str, bytes]) -> bytearray:
    """The base's central directory with new offsets and the replaced entries' records patched
    in place (one copy, no per-entry rebuild); rebuilt record by record only when zip64 fields
    come or go."""
    directory = bytearray(archive.mm[archive.cd_offset:archive.cd_end])
    patch = _OFFSET.pack_into
    for entry, offset in zip(archive.entries, offsets, strict=True):
        record = fresh.get(entry.name)
        if entry.wide or offset >= MAX32 or (record is not None and len(record) != entry.cd_len):
            placed = zip(archive.entries, offsets, strict=True)
            return bytearray(b"".join(fresh.get(e.name) or _central(e, o) for e, o in placed))
        if record is not None:
            directory[entry.cd_pos:entry.cd_pos + entry.cd_len] = record
        else:
            patch(directory, entry.cd_pos + 42, offset)
    return directory


def _replacement(entry: ZipEntry, data: bytes) -> ZipEntry:
    return ZipEntry(entry.name, entry.raw_name, entry.version_made, 20, entry.flags & 0x800,
                    0 if entry.method == 0 else 8, entry.dos_time, entry.dos_date, 0, 0, 0,
                    entry.internal_attr, entry.external_attr, entry.extra, entry.comment, 0, 0, 0)


class _Out(RangeWriter):
    """The output zip: raw ranges plus freshly written entries."""

    def write_entry(self, entry: ZipEntry, data: bytes, align: int = 0) -> bytes:
        """Write a local header and the (compressed) data; return the central record. With
        ``align``, the local header carries an alignment extra field (tag 0xD935, as zipalign
        writes it) that pads the entry to a multiple of ``align`` bytes."""
        body = data
        if entry.method == 8:
            packer = zlib.compressobj(9, zlib.DEFLATED, -15)
            body = packer.compress(data) + packer.flush()
        if len(body) >= MAX32 or len(data) >= MAX32:
            raise ValueError(f"rendered file {entry.name!r} is too large for a zip entry")
        crc = zlib.crc32(data)
        full = ZipEntry(entry.name, entry.raw_name, entry.version_made, entry.version_needed,
                        entry.flags, entry.method, entry.dos_time, entry.dos_date, crc,
                        len(body), len(data), entry.internal_attr, entry.external_attr,
                        entry.extra, entry.comment, 0, 0, 0)
        offset = self.pos
        extra = b""
        if align:
            size = LOCAL.size + len(full.raw_name) + len(body) + 6
            extra = struct.pack("<3H", 0xD935, 2 + (-size % align), align) + bytes(-size % align)
        self.write(LOCAL.pack(SIG_LOCAL, full.version_needed, full.flags, full.method,
                              full.dos_time, full.dos_date, crc, len(body), len(data),
                              len(full.raw_name), len(extra)) + full.raw_name + extra + body)
        return _central(full, offset)


def _central(entry: ZipEntry, offset: int) -> bytes:
    usize, csize, wide = entry.usize, entry.csize, []
    if usize >= MAX32:
        wide.append(usize)
        usize = MAX32
    if csize >= MAX32:
        wide.append(csize)
        csize = MAX32
    if offset >= MAX32:
        wide.append(offset)
        offset = MAX32
    extra = entry.extra
    if wide:
        extra = struct.pack(f"<2H{len(wide)}Q", 1, 8 * len(wide), *wide) + extra
    return CENTRAL.pack(
        SIG_CENTRAL, entry.version_made, entry.version_needed, entry.flags, entry.method,
        entry.dos_time, entry.dos_date, entry.crc, csize, usize, len(entry.raw_name), len(extra),
        len(entry.comment), 0, entry.internal_attr, entry.external_attr, offset,
    ) + entry.raw_name + extra + entry.comment


def _end_records(out: _Out, count: int, size: int, offset: int, comment: bytes) -> None:
    if count >= MAX16 or size >= MAX32 or offset >= MAX32:
        eocd64 = out.pos
        out.write(ZIP64_EOCD.pack(SIG_EOCD64, ZIP64_EOCD.size - 12, 45, 45, 0, 0, count, count,
                                  size, offset))
        out.write(ZIP64_LOCATOR.pack(SIG_LOC64, 0, eocd64, 1))
        count, size, offset = min(count, MAX16), min(size, MAX32), min(offset, MAX32)
    out.write(EOCD.pack(SIG_EOCD, 0, 0, count, count, size, offset, len(comment)) + comment)
