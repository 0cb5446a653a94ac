"""The fast paths of the zip reader and writer against their one-by-one counterparts: the
central directory split on its signature and read in columns, the local headers compared all at
once, unchanged runs copied as one range, layouts written with a few writev calls."""

from __future__ import annotations

import os
import struct
import threading
import zipfile
from pathlib import Path

import pytest

from superspec.errors import InputError
from superspec.package import copyrange, outputs, zipcentral
from superspec.package.zipread import open_zip
from tests.package.conftest import PROPS, make_jar, run_cli, spec_args


def fields(path: Path) -> list[tuple[object, ...]]:
    parsed = open_zip(path)
    try:
        return [(e.name, e.crc, e.csize, e.usize, e.offset, e.method, e.extra, e.comment,
                 e.flags) for e in parsed.entries]
    finally:
        parsed.close()


def reference(path: Path) -> list[tuple[object, ...]]:
    with zipfile.ZipFile(path) as archive:
        return [(i.filename.rstrip("/"), i.CRC, i.compress_size, i.file_size, i.header_offset,
                 i.compress_type, i.extra, i.comment, i.flag_bits) for i in archive.infolist()]


def mixed_zip(path: Path, odd: bytes = b"") -> Path:
    """Entries with extra fields and comments; ``odd`` goes into one extra field and one
    comment (a central-directory signature there defeats the split)."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("plain.txt", b"x" * 500, compress_type=zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("with-extra.bin")
        info.extra = struct.pack("<2H", 0xCAFE, 4 + len(odd)) + b"abcd" + odd
        info.comment = b"a comment" + odd
        archive.writestr(info, b"y" * 300)
        archive.writestr("dir/", b"")
        for i in range(50):
            archive.writestr(f"c/{i}.class", bytes([i]) * (i * 10))
    return path


def test_split_and_walk_read_the_same_fields(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    plain, odd = mixed_zip(tmp_path / "plain.zip"), mixed_zip(tmp_path / "odd.zip", b"PK\x01\x02")
    walked = []
    real = zipcentral._walk
    monkeypatch.setattr(zipcentral, "_walk", lambda *a: walked.append(1) or real(*a))
    assert fields(plain) == reference(plain)
    assert not walked  # split on the signature
    assert fields(odd) == reference(odd)
    assert walked  # a signature in an extra field and a comment: walked record by record


def test_the_first_bad_local_header_is_named(tmp_path: Path) -> None:
    """The headers are compared all at once; the error still names the first entry that is
    wrong, in directory order."""
    jar = make_jar(tmp_path / "app.jar", classes=30)
    data = bytearray(jar.read_bytes())
    for name in (b"BOOT-INF/classes/org/example/C20.class",
                 b"BOOT-INF/classes/org/example/C12.class"):
        at = data.index(name)  # the local header's copy comes first
        data[at + len(name) - 7] ^= 0x20  # 'C' -> 'c'
    jar.write_bytes(bytes(data))
    with pytest.raises(InputError) as caught:
        open_zip(jar).close()
    assert caught.value.message == ("corrupt zip archive: entry "
                                    "'BOOT-INF/classes/org/example/C12.class': local header "
                                    "names a different entry")


def test_a_header_cut_off_by_the_end_of_the_file(tmp_path: Path) -> None:
    jar = make_jar(tmp_path / "app.jar", classes=2)
    data = jar.read_bytes()
    end = data.rfind(b"PK\x05\x06")
    count = int.from_bytes(data[end + 10:end + 12], "little")
    cd_offset = int.from_bytes(data[end + 16:end + 20], "little")
    patched = bytearray(data)
    patched[cd_offset + 42:cd_offset + 46] = (len(data) - 10).to_bytes(4, "little")
    jar.write_bytes(bytes(patched))
    assert count > 1
    with pytest.raises(InputError) as caught:
        open_zip(jar).close()
    assert caught.value.message == ("corrupt zip archive: entry 'META-INF/MANIFEST.MF': no local "
                                    f"header at offset {len(data) - 10}")


@pytest.mark.parametrize("writer", ["runs", "entry by entry"])
@pytest.mark.parametrize("content", ["small", "shrinking"])
def test_unchanged_bytes_are_the_base_s_around_the_replaced_entry(
        writer: str, content: str, tmp_path: Path, project: Path, capsys,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the replaced entry the output is the base's bytes; after it, the base's bytes up
    to its central directory, and that directory's records with their offsets shifted alike;
    the file ends with its end record (its blocks were allocated first: a replaced entry that
    shrinks the output leaves nothing behind)."""
    base = project / "target" / "payments-api.jar"
    if content == "shrinking":
        rebuilt = tmp_path / "rebuilt.jar"
        with zipfile.ZipFile(base) as jar, zipfile.ZipFile(rebuilt, "w") as out:
            for info in jar.infolist():
                body = os.urandom(300_000) if info.filename == PROPS else jar.read(info)
                out.writestr(info, body, compress_type=zipfile.ZIP_STORED)
        rebuilt.replace(base)
    if writer != "runs":
        monkeypatch.setattr(outputs, "copy_ahead", lambda _archive: False)
    reserved: list[int] = []
    real_reserve = outputs.reserve
    monkeypatch.setattr(outputs, "reserve", lambda fd, size: (reserved.append(size),
                                                               real_reserve(fd, size))[1])
    out = tmp_path / "out.jar"
    run = run_cli(capsys, "package", "--env", "prod", "--out", str(out), "--no-cache",
                  *spec_args(project))
    assert run.code == 0, run.err
    old, new = base.read_bytes(), out.read_bytes()
    with zipfile.ZipFile(base) as jar:
        before = jar.infolist()
    with zipfile.ZipFile(out) as jar:
        after = {i.filename: i for i in jar.infolist()}
        assert jar.testzip() is None
    index = [i.filename for i in before].index(PROPS)
    start, old_end = before[index].header_offset, before[index + 1].header_offset
    new_end = after[before[index + 1].filename].header_offset
    old_cd = int.from_bytes(old[-6:-2], "little")  # the end record's directory offset
    assert new[:start] == old[:start]
    assert new[new_end:new_end + old_cd - old_end] == old[old_end:old_cd]
    for info in before:
        if info.filename != PROPS:
            shifted = info.header_offset + (new_end - old_end if info.header_offset > start
                                            else 0)
            mine = after[info.filename]
            assert (mine.header_offset, mine.CRC, mine.compress_size, mine.extra,
                    mine.date_time) == (shifted, info.CRC, info.compress_size, info.extra,
                                        info.date_time)
    assert new[-22:-18] == b"PK\x05\x06"
    assert reserved == [new_end + old_cd - old_end]  # the body, before the new entries
    if content == "shrinking":
        assert len(new) < len(old) - 200_000


def _base(tmp_path: Path, data: bytes) -> int:
    (tmp_path / "base.bin").write_bytes(data)
    return os.open(tmp_path / "base.bin", os.O_RDONLY)


def _layout(pieces: list[copyrange.Piece], start: int = 0) -> copyrange.Layout:
    layout = copyrange.Layout(start)
    for piece in pieces:
        if isinstance(piece, tuple):
            layout.copy(*piece)
        else:
            layout.add(piece)
    return layout


def test_short_reads_and_writes_are_resumed(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    source = bytes(range(256)) * 64
    pieces: list[copyrange.Piece] = [(0, 1000), b"new bytes", (1000, 9000), b"", (9000, 16384)]
    real_write, real_read = os.pwritev, os.preadv
    calls = {"read": 0, "write": 0}

    def cut(buffers: list[memoryview], limit: int) -> list[memoryview]:
        taken, left = [], limit
        for buffer in buffers:
            taken.append(buffer[:left])
            left -= len(taken[-1])
            if not left:
                break
        return taken

    def short_write(fd: int, buffers: list[memoryview], at: int) -> int:
        calls["write"] += 1
        return real_write(fd, cut(buffers, 777), at)

    def short_read(fd: int, buffers: list[memoryview], at: int) -> int:
        calls["read"] += 1
        return real_read(fd, cut(buffers, 1500), at)

    monkeypatch.setattr(copyrange.os, "pwritev", short_write)
    monkeypatch.setattr(copyrange.os, "preadv", short_read)
    base = _base(tmp_path, source)
    out = tmp_path / "out.bin"
    with open(out, "wb") as handle:
        copyrange.write_layouts(base, [(handle.fileno(), _layout(pieces))])
    os.close(base)
    assert out.read_bytes() == source[:1000] + b"new bytes" + source[1000:]
    assert calls["read"] >= 16384 // 1500 and calls["write"] >= 16393 // 777


def test_one_pass_over_the_base_writes_every_output(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks are read once for all outputs, whatever their shifts; ranges cross block
    boundaries and outputs go on from a starting offset."""
    monkeypatch.setattr(copyrange, "BLOCK", 4096)
    source = os.urandom(5 * 4096 + 123)
    reads: list[int] = []
    real_read = os.preadv
    monkeypatch.setattr(copyrange.os, "preadv", lambda fd, bufs, at: (
        reads.append(at), real_read(fd, bufs, at))[1])
    layouts = [[(0, 5000), b"A" * 7, (5000, len(source))],
               [(100, 3000), (9000, 9100), b"B" * 3, (3000, 4097), (4097, 20000)],
               [b"head", (20000, 20603)]]
    base = _base(tmp_path, source)
    handles = [open(tmp_path / f"out{i}.bin", "wb") for i in range(3)]  # noqa: SIM115
    try:
        handles[2].write(b"x" * 10)
        handles[2].flush()
        outputs = [(h.fileno(), _layout(p, 10 if i == 2 else 0))
                   for i, (h, p) in enumerate(zip(handles, layouts, strict=True))]
        copyrange.write_layouts(base, outputs)
    finally:
        for handle in handles:
            handle.close()
        os.close(base)
    expected = [source[:5000] + b"A" * 7 + source[5000:],
                source[100:3000] + source[9000:9100] + b"BBB" + source[3000:20000],
                b"x" * 10 + b"head" + source[20000:]]
    assert [(tmp_path / f"out{i}.bin").read_bytes() for i in range(3)] == expected
    assert sorted(at // 4096 for at in reads) == [0, 1, 2, 3, 4, 5]  # each block once


def test_a_range_past_the_end_of_the_base_is_an_error(tmp_path: Path) -> None:
    base = _base(tmp_path, b"0123456789")
    with open(tmp_path / "out.bin", "wb") as handle, pytest.raises(OSError) as caught:
        copyrange.write_layouts(base, [(handle.fileno(), _layout([(0, 5), (5, 20)]))])
    os.close(base)
    assert str(caught.value) == "unexpected end of file at offset 10"


def test_an_error_of_the_work_done_meanwhile_stops_the_copy(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers stop after their current block and are all done when the error is raised
    (the caller then closes and removes the files they wrote)."""
    monkeypatch.setattr(copyrange, "BLOCK", 4096)
    source = os.urandom(2000 * 4096)
    base = _base(tmp_path, source)
    before = threading.active_count()

    def meanwhile() -> None:
        raise InputError("local header of 'x' differs")

    with open(tmp_path / "out.bin", "wb") as handle, pytest.raises(InputError):
        copyrange.write_layouts(base, [(handle.fileno(), _layout([(0, len(source))]))],
                                meanwhile)
    os.close(base)
    assert threading.active_count() == before
    assert (tmp_path / "out.bin").stat().st_size < len(source)


def test_a_worker_s_error_stops_the_others(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(copyrange, "BLOCK", 4096)
    monkeypatch.setattr(copyrange, "_cores", lambda: 2)
    source = os.urandom(40 * 4096)
    base = _base(tmp_path, source)
    before = threading.active_count()
    with open(tmp_path / "out.bin", "wb") as handle, pytest.raises(OSError) as caught:
        copyrange.write_layouts(base, [(handle.fileno(), _layout([(0, 400 * 4096)]))])
    os.close(base)
    message = str(caught.value)  # the first worker to read past the end names its offset
    assert message.startswith("unexpected end of file at offset ")
    offset = int(message.rsplit(" ", 1)[1])
    assert offset % 4096 == 0 and offset >= len(source)
    assert threading.active_count() == before


def test_layout_merges_adjacent_ranges() -> None:
    layout = copyrange.Layout()
    assert layout.copy(0, 10) == 0
    assert layout.copy(10, 30) == 10
    assert layout.add(b"xy") == 30
    assert layout.copy(30, 40) == 32
    assert layout.copy(50, 60) == 42
    assert layout.pieces == [(0, 30), b"xy", (30, 40), (50, 60)] and layout.pos == 52


def test_closing_an_archive_twice_closes_its_file_once(tmp_path: Path) -> None:
    path = mixed_zip(tmp_path / "mixed.zip")
    archive = open_zip(path)
    assert archive.mm[:4] == b"PK\x03\x04"
    archive.close()
    other = os.open(path, os.O_RDONLY)  # may reuse the archive's descriptor number
    try:
        archive.close()
        os.fstat(other)  # still open
    finally:
        os.close(other)
