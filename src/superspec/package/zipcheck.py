"""Check a zip archive's local headers against its central directory, locate every entry's
span, refuse overlapping entries and links that leave the archive."""

from __future__ import annotations

import struct
from itertools import repeat
from operator import itemgetter, le, rshift

from superspec.errors import InputError, Location
from superspec.package.links import check_links
from superspec.package.zipformat import (
    OFFSET,
    SIG_DESCRIPTOR,
    SIG_LOCAL,
    Buffer,
    Corrupt,
    Row,
    paused_gc,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.package.zipread import ZipArchive

_LENGTHS = struct.Struct("<2H")


def check_archive(archive: ZipArchive) -> None:
    """Fill ``archive.starts``/``ends`` and ``contiguous``; InputError on the first problem."""
    mm, rows, names = archive.mm, archive.rows, archive.names

    def corrupt(what: str) -> InputError:
        return InputError(f"corrupt zip archive: {what}", location=Location(archive.display))

    with paused_gc():
        starts, ends = _spans(mm, names, rows, corrupt)
    following = [*map(itemgetter(OFFSET), rows[1:]), archive.cd_offset]
    if not archive.ascending or not all(map(le, ends, following)):  # else none can overlap
        _check_spans(names, rows, ends, archive.cd_offset, corrupt)
    archive.starts, archive.ends = starts, ends
    archive.contiguous = archive.ascending and ends == following
    if 0xA not in map(rshift, map(itemgetter(11), rows), repeat(28)):
        return  # no entry has a symlink's mode
    targets: dict[str, str | None] = dict.fromkeys(names)
    for index, row in enumerate(rows):
        if row[11] >> 28 == 0xA and row[1] >> 8 == 3:  # a Unix symlink
            entry = archive.entry(index)
            targets[entry.name] = archive.data(entry).decode("utf-8", "surrogateescape")
    check_links(targets, archive.display)


def _spans(mm: Buffer, names: list[str], rows: list[Row],
           corrupt: Corrupt) -> tuple[list[int], list[int]]:
    """Where each entry's data starts and its span ends, each local header checked against
    the central directory (one slice and one unpack per entry: this loop is hot)."""
    starts: list[int] = []
    ends: list[int] = []
    add_start, add_end, lengths = starts.append, ends.append, _LENGTHS.unpack_from
    for row in rows:
        raw_name, flags, csize, offset = row[0], row[3], row[8], row[OFFSET]
        nlen = len(raw_name)
        head = mm[offset:offset + 30 + nlen]
        local_nlen, local_elen = lengths(head, 26) if len(head) >= 30 else (-1, 0)
        if head[:4] != SIG_LOCAL or local_nlen != nlen or head[30:] != raw_name:
            raise corrupt(_local_problem(head, names[len(starts)], offset))
        start = offset + 30 + nlen + local_elen
        end = start + csize
        if flags & 0x08:
            end += _descriptor_length(mm, end, mm[offset + 30 + nlen:start])
        add_start(start)
        add_end(end)
    return starts, ends


def _local_problem(head: bytes, name: str, offset: int) -> str:
    if head[:4] != SIG_LOCAL or len(head) < 30:
        return f"entry {name!r}: no local header at offset {offset}"
    return f"entry {name!r}: local header names a different entry"


def _descriptor_length(mm: Buffer, at: int, local_extra: bytes) -> int:
    """The data descriptor after an entry's data: optional signature, CRC, two sizes (8 bytes
    each when the local header has a zip64 field)."""
    zip64 = _has_tag(local_extra, 0x0001)
    return (4 if mm[at:at + 4] == SIG_DESCRIPTOR else 0) + 4 + (16 if zip64 else 8)


def _has_tag(extra: bytes, wanted: int) -> bool:
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<2H", extra, pos)
        if tag == wanted:
            return True
        pos += 4 + length
    return False


def _check_spans(names: list[str], rows: list[Row], ends: list[int], cd_offset: int,
                 corrupt: Corrupt) -> None:
    """Entries must lie before the central directory and must not overlap (zip-bomb layouts)."""
    previous = -1
    for index in sorted(range(len(rows)), key=lambda i: rows[i][OFFSET]):
        if ends[index] > cd_offset:
            raise corrupt(f"entry {names[index]!r} runs into the central directory")
        if previous >= 0 and rows[index][OFFSET] < ends[previous]:
            raise corrupt(f"entries {names[previous]!r} and {names[index]!r} overlap")
        previous = index
