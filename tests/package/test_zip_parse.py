"""The zip reader's central-directory walk and local-header check against the standard library,
and the layouts they must refuse (each with its exact message)."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from superspec.errors import InputError
from superspec.package.zipread import open_zip


def test_fields_match_the_standard_library(tmp_path: Path) -> None:
    path = tmp_path / "mixed.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("plain.txt", b"x" * 500, compress_type=zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("with-extra.bin")
        info.extra = struct.pack("<2H4s", 0xCAFE, 4, b"abcd")
        info.comment = b"a comment"
        archive.writestr(info, b"y" * 300, compress_type=zipfile.ZIP_STORED)
        archive.writestr("d\u00e9j\u00e0/vu.txt", b"utf-8 name")
        archive.writestr("sig/PK\x01\x02-in-name.txt", b"a signature inside a name")
        archive.writestr("dir/", b"")
    parsed = open_zip(path)
    try:
        with zipfile.ZipFile(path) as reference:
            infos = reference.infolist()
        assert parsed.names == [i.filename.rstrip("/") for i in infos]
        for entry, info in zip(parsed.entries, infos, strict=True):
            assert (entry.crc, entry.csize, entry.usize, entry.offset, entry.method,
                    entry.extra, entry.comment, entry.flags) == \
                (info.CRC, info.compress_size, info.file_size, info.header_offset,
                 info.compress_type, info.extra, info.comment, info.flag_bits)
            assert parsed.data(entry) == reference_data(path, info)
        assert parsed.contiguous
    finally:
        parsed.close()


def reference_data(path: Path, info: zipfile.ZipInfo) -> bytes:
    with zipfile.ZipFile(path) as reference:
        return reference.read(info)


def test_a_cp437_name_without_the_utf8_flag(tmp_path: Path) -> None:
    raw = "caf\u00e9.txt".encode("cp437")
    path = tmp_path / "old.zip"
    path.write_bytes(build([(raw, b"data", 0)]))
    parsed = open_zip(path)
    try:
        assert parsed.names == ["caf\u00e9.txt"]
    finally:
        parsed.close()


def local(name: bytes, data: bytes) -> bytes:
    return struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, zlib.crc32(data), len(data),
                       len(data), len(name), 0) + name + data


def central(name: bytes, data: bytes, offset: int, csize: int | None = None) -> bytes:
    size = len(data) if csize is None else csize
    return struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, zlib.crc32(data),
                       size, len(data), len(name), 0, 0, 0, 0, 0, offset) + name


def end(count: int, size: int, offset: int) -> bytes:
    return struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, size, offset, 0)


def build(entries: list[tuple[bytes, bytes, int]], tail: bytes = b"") -> bytes:
    """Local records for ``entries`` (name, data, unused), then a central directory naming them
    at their offsets."""
    body, records = b"", b""
    for name, data, _ in entries:
        records += central(name, data, len(body))
        body += local(name, data)
    records += tail
    return body + records + end(len(entries) + (1 if tail else 0), len(records), len(body))


def refused(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "bad.zip"
    path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        open_zip(path).close()
    return caught.value.message


def test_overlapping_entries_are_refused(tmp_path: Path) -> None:
    """An entry whose data holds another entry's local header (a zip-bomb layout)."""
    inner = local(b"b", b"payload")
    outer = local(b"a", inner)
    records = central(b"a", inner, 0) + central(b"b", b"payload", 30 + 1)
    data = outer + records + end(2, len(records), len(outer))
    assert refused(tmp_path, data) == "corrupt zip archive: entries 'a' and 'b' overlap"


def test_an_entry_running_into_the_central_directory_is_refused(tmp_path: Path) -> None:
    body = local(b"a", b"data")
    records = central(b"a", b"data", 0, csize=40)
    data = body + records + end(1, len(records), len(body))
    assert refused(tmp_path, data) == \
        "corrupt zip archive: entry 'a' runs into the central directory"


def test_a_bad_central_record_is_named_by_its_offset(tmp_path: Path) -> None:
    body = local(b"a", b"data")
    records = central(b"a", b"data", 0) + b"PK\x01\x03" + b"\0" * 42
    data = body + records + end(2, len(records), len(body))
    at = len(body) + len(central(b"a", b"data", 0))
    assert refused(tmp_path, data) == \
        f"corrupt zip archive: bad central directory record at offset {at}"


def test_a_directory_longer_than_its_records_is_refused(tmp_path: Path) -> None:
    body = local(b"a", b"data")
    records = central(b"a", b"data", 0) + b"junk"
    data = body + records + end(1, len(records), len(body))
    assert refused(tmp_path, data) == \
        "corrupt zip archive: central directory size does not match its records"


def test_out_of_order_entries_are_read_and_not_contiguous(tmp_path: Path) -> None:
    first, second = local(b"a", b"one"), local(b"b", b"two")
    records = central(b"b", b"two", len(first)) + central(b"a", b"one", 0)
    path = tmp_path / "reordered.zip"
    path.write_bytes(first + second + records + end(2, len(records), len(first + second)))
    parsed = open_zip(path)
    try:
        assert parsed.names == ["b", "a"] and not parsed.ascending and not parsed.contiguous
        assert [parsed.data(e) for e in parsed.entries] == [b"two", b"one"]
    finally:
        parsed.close()
