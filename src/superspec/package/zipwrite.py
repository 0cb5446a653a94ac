"""Lay out a zip-family archive from a base: unchanged entries are raw byte ranges of it
(local header + compressed data + data descriptor, never decompressed), replaced and added
entries are compressed afresh, and a new central directory follows (zip64 when needed).
``artifact.write_outputs`` writes the layouts (see copyrange).
"""

from __future__ import annotations

import struct
import zlib
from collections import deque
from itertools import repeat
from operator import add

from superspec.package.copyrange import Layout
from superspec.package.lazydata import Data, resolve
from superspec.package.zipformat import (
    CENTRAL,
    EOCD,
    LOCAL,
    MAX16,
    MAX32,
    SIG_CENTRAL,
    SIG_EOCD,
    SIG_EOCD64,
    SIG_LOC64,
    SIG_LOCAL,
    ZIP64_EOCD,
    ZIP64_LOCATOR,
)
from superspec.package.zipread import ZipArchive, ZipEntry
from superspec.records import Record

UNIX_FILE_0644 = 0o100644 << 16
ALIGN = 512  # replaced entries are padded to a multiple of this (an 0xD935 extra field)
HEADROOM = 64 * 1024 * 1024  # growth allowed before zip64 offsets could be needed
_OFFSET = struct.Struct("<L")
MADE_BY_UNIX = (3 << 8) | 20


class NewEntry(Record):
    name: str
    data: Data  # a callable is asked for the bytes when they are written


def dos_stamp(epoch: int) -> tuple[int, int]:
    """(time, date) in MS-DOS format for a Unix time, UTC, clamped to 1980..2107."""
    import time

    t = time.gmtime(max(epoch, 315532800))
    year = min(t.tm_year, 2107)
    return ((t.tm_hour << 11) | (t.tm_min << 5) | (t.tm_sec // 2),
            ((year - 1980) << 9) | (t.tm_mon << 5) | t.tm_mday)


class Body(Record):
    """An output up to its central directory, and that directory (offsets and the replaced
    entries' records updated)."""

    layout: Layout
    directory: bytearray


def copy_ahead(archive: ZipArchive) -> bool:
    """Whether outputs can be laid out before the base's local headers are checked: its entries
    look back to back (``contiguous_body``; the check confirms it) and no output could need zip64
    offsets."""
    back_to_back = archive.contiguous if archive.checked else archive.ascending
    return back_to_back and archive.cd_end + HEADROOM < MAX32


def contiguous_body(archive: ZipArchive, replaced: dict[str, bytes]) -> Body:
    """Entries lie back to back (each ends where the next begins, the last at the central
    directory): each run between replaced entries is one range. A replaced entry is padded to a
    multiple of ALIGN bytes, so every environment of a run usually shifts the entries after it
    by the same amount and shares one shifted central directory."""
    offsets, count = archive.central.offsets, len(archive.names)

    def start_of(index: int) -> int:  # where entry ``index`` starts, or the directory
        return offsets[index] if index < count else archive.cd_offset

    out = Layout()
    out.copy(0, start_of(0))  # e.g. a launch script, as it is (offsets ascend)
    hits = sorted(archive.names.index(name) for name in replaced)  # every one is an entry
    start, deltas, records = 0, [], {}
    for index in hits + [count]:
        end = start_of(index)
        if index > start:
            out.copy(offsets[start], end)
        if index == count:
            break
        entry = archive.entry(index)
        records[entry.cd_pos] = _add_entry(
            out, _replacement(entry, replaced[entry.name]), replaced[entry.name], align=ALIGN)
        if len(records[entry.cd_pos]) != entry.cd_len:  # pragma: no cover - same name and extra
            raise ValueError(f"central record of {entry.name!r} changed length")
        deltas.append(out.pos - start_of(index + 1))
        start = index + 1
    directory = bytearray(_shifted_directory(archive, tuple(hits), tuple(deltas)))
    for cd_pos, record in records.items():
        directory[cd_pos:cd_pos + len(record)] = record
    return Body(out, directory)


def entrywise_body(archive: ZipArchive, replaced: dict[str, bytes]) -> Body:
    """Entries in any order, with gaps or zip64 fields (after the check: their spans come
    from the local headers): each unchanged entry is its own range (adjacent ones merge)."""
    out = Layout()
    out.copy(0, min(archive.central.offsets, default=archive.cd_offset))
    offsets, fresh = [], {}
    for entry in archive.entries:
        if entry.name in replaced:
            offsets.append(out.pos)
            fresh[entry.name] = _add_entry(out, _replacement(entry, replaced[entry.name]),
                                           replaced[entry.name])
        else:
            offsets.append(out.copy(entry.offset, entry.end))
    return Body(out, _patched_directory(archive, offsets, fresh))


def ending(archive: ZipArchive, body: Body, added: list[NewEntry],
           stamp: tuple[int, int]) -> Layout:
    """What follows the body: added entries, the central directory and the end records."""
    out, directory = Layout(body.layout.pos), body.directory
    for item in added:
        name = item.name.encode("utf-8")
        new = ZipEntry(item.name, name, MADE_BY_UNIX, 20, 0x800 if not name.isascii() else 0, 8,
                       stamp[0], stamp[1], 0, 0, 0, 0, UNIX_FILE_0644, b"", b"", 0, 0, 0)
        directory += _add_entry(out, new, resolve(item.data))
    cd_offset = out.add(bytes(directory))
    count = len(archive.names) + len(added)
    _end_records(out, count, len(directory), cd_offset, archive.comment)
    return out


def _shifted_directory(archive: ZipArchive, hits: tuple[int, ...],
                       deltas: tuple[int, ...]) -> bytes:
    """The base's central directory with the offsets after each replaced entry shifted
    (cached per archive: environments with the same shifts share it)."""
    key = (hits, deltas)
    cached = archive.shifted.get(key)
    if cached is not None:
        return cached
    central = archive.central
    directory = bytearray(central.cd)
    offsets, records = central.offsets, central.records
    bounds = [*hits[1:], len(offsets)] if hits else []
    for hit, delta, stop in zip(hits, deltas, bounds, strict=True):
        if offsets[stop - 1] + delta >= MAX32 if stop > hit + 1 else False:
            raise ValueError("zip64 offsets needed")  # pragma: no cover - kept out by copy_ahead
        # every offset field of the run, patched in one C-level pass
        deque(map(_OFFSET.pack_into, repeat(directory),
                  map(add, records[hit + 1:stop], repeat(42)),
                  map(add, offsets[hit + 1:stop], repeat(delta))), maxlen=0)
    archive.shifted[key] = bytes(directory)
    return archive.shifted[key]


def _patched_directory(archive: ZipArchive, offsets: list[int],
                       fresh: dict[str, bytes]) -> bytearray:
    """The base's central directory with new offsets and the replaced entries' records patched
    in place (one copy, no per-entry rebuild); rebuilt record by record only when zip64 fields
    come or go."""
    directory = bytearray(archive.central.cd)
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


def _add_entry(out: Layout, entry: ZipEntry, data: bytes, align: int = 0) -> bytes:
    """Add a local header and the (compressed) data; return the central record. With
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
    extra = b""
    if align:
        size = LOCAL.size + len(full.raw_name) + len(body) + 6
        extra = struct.pack("<3H", 0xD935, 2 + (-size % align), align) + bytes(-size % align)
    offset = out.add(LOCAL.pack(SIG_LOCAL, full.version_needed, full.flags, full.method,
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


def _end_records(out: Layout, count: int, size: int, offset: int, comment: bytes) -> None:
    if count >= MAX16 or size >= MAX32 or offset >= MAX32:
        eocd64 = out.add(ZIP64_EOCD.pack(SIG_EOCD64, ZIP64_EOCD.size - 12, 45, 45, 0, 0, count,
                                         count, size, offset))
        out.add(ZIP64_LOCATOR.pack(SIG_LOC64, 0, eocd64, 1))
        count, size, offset = min(count, MAX16), min(size, MAX32), min(offset, MAX32)
    out.add(EOCD.pack(SIG_EOCD, 0, 0, count, count, size, offset, len(comment)) + comment)
