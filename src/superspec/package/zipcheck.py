"""Check a zip archive's local headers against its central directory, locate every entry's
span, refuse overlapping entries and links that leave the archive.

The headers are compared in C-level passes over all entries at once (signatures, name lengths
and names, each the same as one comparison per entry); only when something differs are they
walked one by one, to name the first entry that is wrong.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from itertools import compress, repeat
from operator import add, and_, le, sub

from superspec.errors import InputError, Location
from superspec.package.links import check_links
from superspec.package.zipformat import SIG_DESCRIPTOR, SIG_LOCAL, Buffer, Corrupt, column

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.package.zipcentral import Central
    from superspec.package.zipread import ZipArchive

_LENGTHS = struct.Struct("<2H")
_HEAD = 30  # a local header's fixed part


def check_archive(archive: ZipArchive) -> None:
    """Fill ``archive.starts``/``ends`` and ``contiguous``; InputError on the first problem."""
    names, central = archive.names, archive.central

    def corrupt(what: str) -> InputError:
        return InputError(f"corrupt zip archive: {what}", location=Location(archive.display))

    starts, ends = _spans(archive.mm, central) or _spans_one_by_one(archive.mm, names, central,
                                                                    corrupt)
    following = [*central.offsets[1:], archive.cd_offset]
    if not archive.ascending or not all(map(le, ends, following)):  # else none can overlap
        _check_spans(names, central.offsets, ends, archive.cd_offset, corrupt)
    archive.starts, archive.ends = starts, ends
    archive.contiguous = archive.ascending and ends == following
    if not central.links:
        return
    targets: dict[str, str | None] = dict.fromkeys(names)
    for index in central.links:
        entry = archive.entry(index)
        targets[entry.name] = archive.data(entry).decode("utf-8", "surrogateescape")
    check_links(targets, archive.display)


def _spans(mm: Buffer, central: Central) -> tuple[list[int], list[int]] | None:
    """Where each entry's data starts and its span ends, every local header checked against
    the central directory at once; None when any differs."""
    offsets, raw_names = central.offsets, central.raw_names
    name_ends = list(map(add, offsets, map(add, map(len, raw_names), repeat(_HEAD))))
    heads = list(map(mm.__getitem__, map(slice, offsets, name_ends)))
    if list(map(len, heads)) != list(map(sub, name_ends, offsets)):
        return None  # a header cut off by the end of the file
    fixed = b"".join(map(bytes.__getitem__, heads, repeat(slice(0, _HEAD))))
    local_names = b"".join(map(bytes.__getitem__, heads, repeat(slice(_HEAD, None))))
    count = len(heads)
    if any(fixed[i::_HEAD] != SIG_LOCAL[i:i + 1] * count for i in range(4)) \
            or column(fixed, 26, 2, _HEAD) != list(map(len, raw_names)) \
            or local_names != b"".join(raw_names):
        return None
    starts = list(map(add, name_ends, column(fixed, 28, 2, _HEAD)))
    ends = list(map(add, starts, central.csizes))
    for index in compress(range(count), map(and_, central.flags, repeat(0x08))):
        ends[index] += _descriptor_length(mm, ends[index], mm[name_ends[index]:starts[index]])
    return starts, ends


def _spans_one_by_one(mm: Buffer, names: list[str], central: Central,
                      corrupt: Corrupt) -> tuple[list[int], list[int]]:
    """_spans entry by entry, raising for the first local header that differs."""
    starts: list[int] = []
    ends: list[int] = []
    for raw_name, flags, csize, offset in zip(central.raw_names, central.flags, central.csizes,
                                              central.offsets, strict=True):
        nlen = len(raw_name)
        head = mm[offset:offset + _HEAD + nlen]
        local_nlen, local_elen = _LENGTHS.unpack_from(head, 26) if len(head) >= _HEAD else (-1, 0)
        if head[:4] != SIG_LOCAL or local_nlen != nlen or head[_HEAD:] != raw_name:
            raise corrupt(_local_problem(head, names[len(starts)], offset))
        start = offset + _HEAD + nlen + local_elen
        end = start + csize
        if flags & 0x08:
            end += _descriptor_length(mm, end, mm[offset + _HEAD + nlen:start])
        starts.append(start)
        ends.append(end)
    return starts, ends


def _local_problem(head: bytes, name: str, offset: int) -> str:
    if head[:4] != SIG_LOCAL or len(head) < _HEAD:
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


def _check_spans(names: list[str], offsets: Sequence[int], ends: list[int], cd_offset: int,
                 corrupt: Corrupt) -> None:
    """Entries must lie before the central directory and must not overlap (zip-bomb layouts)."""
    previous = -1
    for index in sorted(range(len(offsets)), key=offsets.__getitem__):
        if ends[index] > cd_offset:
            raise corrupt(f"entry {names[index]!r} runs into the central directory")
        if previous >= 0 and offsets[index] < ends[previous]:
            raise corrupt(f"entries {names[previous]!r} and {names[index]!r} overlap")
        previous = index
