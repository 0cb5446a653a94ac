"""A zip central directory as columns: one list per field the packager reads for every entry,
built in C-level passes (no Python loop per entry on the common path).

The records are found with one ``split`` on their signature, accepted only when every piece is
exactly as long as its own length fields say (a signature inside a name, an extra field or a
comment breaks that, and the directory is then walked record by record, which also reports
what is wrong with a corrupt one). The fields are then read column by column with strided
slices of the records' fixed parts. Zip64 values are applied for the few entries that have
them. Everything else about an entry is decoded from its record when asked (``entry``).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from itertools import accumulate, compress, repeat
from operator import add, eq, rshift

from superspec.errors import InputError
from superspec.package.zipformat import CENTRAL, MAX32, SIG_CENTRAL, Corrupt, column
from superspec.records import Record

_FIXED = CENTRAL.size - 4  # a record's fixed part after its signature
_ZIP64_TAG = b"\x01\x00"


class Central(Record):
    """The central directory's bytes and, per entry in directory order, what the packager
    reads of it."""

    cd: bytes
    raw_names: list[bytes]
    # lists, or arrays when read back from layoutcache
    offsets: Sequence[int]  # local header (zip64 applied)
    csizes: Sequence[int]  # compressed size (zip64 applied)
    flags: Sequence[int]
    records: Sequence[int]  # where the entry's record starts in ``cd``
    links: list[int]  # indexes of the entries with a Unix symlink's mode
    wide: frozenset[int]  # indexes of the records that carry a zip64 field

    def dirs(self) -> list[int]:
        """Indexes of the directory entries (names ending in '/')."""
        return list(compress(range(len(self.raw_names)),
                             map(bytes.endswith, self.raw_names, repeat(b"/"))))

    def record(self, index: int) -> tuple[tuple[int, ...], bytes, bytes, bool]:
        """(the record's fields after its signature with zip64 values applied, its extra field
        without the zip64 field, its comment, whether it had a zip64 field)."""
        pos = self.records[index]
        fields = list(CENTRAL.unpack_from(self.cd, pos)[1:])
        nlen, elen, clen = fields[9:12]
        start = pos + CENTRAL.size + nlen
        extra, comment = self.cd[start:start + elen], self.cd[start + elen:start + elen + clen]
        stripped = extra
        if elen and _maybe_zip64(fields[8], fields[7], fields[15], extra):
            stripped, fields[8], fields[7], fields[15] = strip_zip64(
                extra, fields[8], fields[7], fields[15], _name(self.raw_names[index], fields[2]),
                _checked_already)
        return tuple(fields), stripped, comment, len(stripped) != len(extra)


def read_central(cd: bytes, count: int, cd_start: int, corrupt: Corrupt) -> Central:
    """Columns of the ``count`` records of ``cd`` (which starts at ``cd_start`` in the file);
    InputError through ``corrupt`` when they are not ``count`` well-formed records end to end
    or a zip64 field is truncated."""
    pieces, fixed = _pieces(cd, count, cd_start, corrupt)
    nlens, elens = _field(fixed, 24, 2), _field(fixed, 26, 2)
    name_ends = list(map(add, nlens, repeat(_FIXED)))
    raw_names = list(map(bytes.__getitem__, pieces, map(slice, repeat(_FIXED), name_ends)))
    flags, csizes, offsets = _field(fixed, 4, 2), _field(fixed, 16, 4), _field(fixed, 38, 4)
    makers = _field(fixed, 0, 2)
    link_modes = map(eq, map(rshift, _field(fixed, 34, 4), repeat(28)), repeat(0xA))
    links = [i for i in compress(range(len(pieces)), link_modes) if makers[i] >> 8 == 3]
    records = list(accumulate(map(add, map(len, pieces), repeat(4)), initial=0))[:-1]
    wide: set[int] = set()
    if any(elens):  # only entries with extra fields can carry zip64 values
        usizes = _field(fixed, 20, 4)
        extra_ends = map(add, name_ends, elens)
        extras = list(map(bytes.__getitem__, pieces, map(slice, name_ends, extra_ends)))
        flagged = set(_indexes_of(MAX32, offsets, csizes, usizes))
        flagged.update(compress(range(len(pieces)), map(bytes.__contains__, extras,
                                                        repeat(_ZIP64_TAG))))
        for index in sorted(i for i in flagged if elens[i]):
            stripped, usizes[index], csizes[index], offsets[index] = strip_zip64(
                extras[index], usizes[index], csizes[index], offsets[index],
                _name(raw_names[index], flags[index]), corrupt)
            if len(stripped) != elens[index]:
                wide.add(index)
    return Central(cd, raw_names, offsets, csizes, flags, records, links, frozenset(wide))


def decode_names(central: Central) -> list[str]:
    """Each entry's name as written (UTF-8 when flagged, else CP437; ASCII either way)."""
    raw = central.raw_names
    if b"".join(raw).isascii():
        return list(map(bytes.decode, raw))
    return [_name(name, flag) for name, flag in zip(raw, central.flags, strict=True)]


def _name(raw: bytes, flags: int) -> str:
    return raw.decode("ascii" if raw.isascii() else "utf-8" if flags & 0x800 else "cp437")


def _pieces(cd: bytes, count: int, cd_start: int,
            corrupt: Corrupt) -> tuple[list[bytes], bytes]:
    """(each record without its signature, their fixed parts joined): split on the signature
    when that gives ``count`` records each exactly as long as it says, else walked record by
    record."""
    pieces = cd.split(SIG_CENTRAL)
    if pieces[0] == b"" and len(pieces) == count + 1:
        del pieces[0]
        if min(map(len, pieces), default=_FIXED) >= _FIXED:
            fixed = _fixed_parts(pieces)
            declared = map(add, map(add, _field(fixed, 24, 2), _field(fixed, 26, 2)),
                           map(add, _field(fixed, 28, 2), repeat(_FIXED)))
            if list(declared) == list(map(len, pieces)):
                return pieces, fixed
    pieces = _walk(cd, count, cd_start, corrupt)
    return pieces, _fixed_parts(pieces)


def _fixed_parts(pieces: list[bytes]) -> bytes:
    return b"".join(map(bytes.__getitem__, pieces, repeat(slice(0, _FIXED))))


def _field(fixed: bytes, at: int, size: int) -> list[int]:
    return column(fixed, at, size, _FIXED)


def _walk(cd: bytes, count: int, cd_start: int, corrupt: Corrupt) -> list[bytes]:
    """The records found one after the other, with the exact error for a corrupt directory."""
    pieces: list[bytes] = []
    pos = 0
    for _ in range(count):
        if cd[pos:pos + 4] != SIG_CENTRAL or pos + CENTRAL.size > len(cd):
            raise corrupt(f"bad central directory record at offset {cd_start + pos}")
        nlen, elen, clen = struct.unpack_from("<3H", cd, pos + 28)
        end = pos + CENTRAL.size + nlen + elen + clen
        pieces.append(cd[pos + 4:end])
        pos = end
    if pos != len(cd):
        raise corrupt("central directory size does not match its records")
    return pieces


def _indexes_of(value: int, *lists: list[int]) -> Iterable[int]:
    for values in lists:
        if value in values:
            yield from (i for i, v in enumerate(values) if v == value)


def _maybe_zip64(usize: int, csize: int, offset: int, extra: bytes) -> bool:
    return MAX32 in (usize, csize, offset) or _ZIP64_TAG in extra


def _checked_already(what: str) -> InputError:  # pragma: no cover - read_central checked it
    raise AssertionError(what)


def strip_zip64(extra: bytes, usize: int, csize: int, offset: int, name: str,
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
