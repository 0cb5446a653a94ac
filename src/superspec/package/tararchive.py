"""Tar and tar.gz artifacts: list members with their raw spans, copy unchanged members block-wise.

A plain tar is copied range by range from a map of it. A tar.gz cannot be: its members are
decompressed as one stream (once for every environment packaged in the run) and each output is
recompressed at gzip level 1; that recompression is the cost of the format.
"""

from __future__ import annotations

import copy
import gzip
import tarfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

from superspec.errors import InputError, Location
from superspec.package.copyrange import Layout
from superspec.package.lazydata import Data, resolve
from superspec.package.links import check_links
from superspec.package.names import check_name, check_unique

BLOCK = tarfile.BLOCKSIZE
RECORD = tarfile.RECORDSIZE
READ_CHUNK = 4 * 1024 * 1024


@dataclass(frozen=True)
class TarMember:
    name: str  # normalized ('.' for the root directory entry)
    info: tarfile.TarInfo
    start: int  # first header block (extended headers included)
    end: int  # after the data's last block


@dataclass
class TarArchive:
    path: Path
    display: str
    gz: bool
    members: list[TarMember]
    end: int  # where the end-of-archive blocks start

    def by_name(self) -> dict[str, TarMember]:
        return {m.name: m for m in self.members}

    def open_stream(self) -> BinaryIO:
        """The uncompressed tar bytes."""
        if self.gz:
            return gzip.GzipFile(self.path, "rb")  # type: ignore[return-value]
        return open(self.path, "rb")


def open_tar(path: Path, display: str | None = None, *, gz: bool) -> TarArchive:
    """List ``path`` (a tar, or a tar.gz when ``gz``); refuse unsafe or corrupt archives."""
    display = display or str(path)
    archive = TarArchive(path, display, gz, [], 0)
    try:
        with archive.open_stream() as stream:
            with tarfile.open(fileobj=stream, mode="r:") as tar:
                infos = tar.getmembers()
                end = tar.offset
            stream.seek(end)
            trailer = stream.read(BLOCK)
    except (tarfile.TarError, EOFError, OSError, zlib.error) as exc:
        raise _corrupt(display, str(exc) or type(exc).__name__) from None
    if trailer != bytes(BLOCK):
        what = "truncated (no end-of-archive marker)" if len(trailer) < BLOCK else \
            f"invalid header at offset {end}"
        raise _corrupt(display, what)
    starts = [info.offset for info in infos] + [end]
    archive.members = [TarMember(_safe_name(info, display), info, starts[i], starts[i + 1])
                       for i, info in enumerate(infos)]
    archive.end = end
    check_unique([m.name for m in archive.members], display)
    check_links({m.name: m.info.linkname if m.info.issym() else None
                 for m in archive.members if m.name != "."}, display,
                {m.name: m.info.linkname for m in archive.members if m.info.islnk()})
    return archive


def _safe_name(info: tarfile.TarInfo, display: str) -> str:
    if info.name in (".", "./") and info.isdir():
        return "."
    name = check_name(info.name, display)
    if info.issparse():
        raise InputError(f"sparse member {info.name!r} is not supported",
                         location=Location(display))
    return name


def _corrupt(display: str, what: str) -> InputError:
    return InputError(f"corrupt tar archive: {what}", location=Location(display))


def header(info: tarfile.TarInfo, size: int) -> bytes:
    """A header for ``info`` holding ``size`` bytes of data, in the member's own format."""
    new = copy.copy(info)
    new.size = size
    new.pax_headers = {k: v for k, v in info.pax_headers.items() if k != "size"}
    fmt: Literal[0, 1, 2] = 2 if new.pax_headers else 1  # tarfile.PAX_FORMAT, GNU_FORMAT
    return new.tobuf(format=fmt, encoding="utf-8", errors="surrogateescape")


def new_info(name: str, mtime: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.mode, info.mtime, info.uname, info.gname = 0o644, mtime, "", ""
    return info


def member_bytes(info: tarfile.TarInfo, data: bytes) -> bytes:
    return header(info, len(data)) + data + bytes(-len(data) % BLOCK)


def trailer(length: int) -> bytes:
    """Two zero blocks, then padding to a whole record, as tar itself writes."""
    total = length + 2 * BLOCK
    return bytes(2 * BLOCK + (-total % RECORD))


Plan = tuple[dict[str, bytes], list[tuple[str, Data]]]  # replaced by name, added (path, data)


def tar_body(archive: TarArchive, replaced: dict[str, bytes]) -> Layout:
    """A plain tar's output up to its added members: unchanged members are ranges of the base,
    replaced ones new bytes."""
    out = Layout()
    for member in archive.members:
        if member.name in replaced:
            out.add(member_bytes(member.info, replaced[member.name]))
        else:
            out.copy(member.start, member.end)
    return out


def tar_ending(pos: int, added: list[tuple[str, Data]], mtime: int) -> Layout:
    """The added members and the end-of-archive blocks, after ``pos`` bytes of body."""
    out = Layout(pos)
    for name, data in added:
        out.add(member_bytes(new_info(name, mtime), resolve(data)))
    out.add(trailer(out.pos))
    return out


def write_targz(archive: TarArchive, outputs: list[tuple[BinaryIO, Plan]], mtime: int) -> None:
    """Decompress the base once and write every output (one per environment) from that stream."""
    sinks = [(gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=1, mtime=0), plan)
             for raw, plan in outputs]
    lengths = [0] * len(sinks)
    try:
        with archive.open_stream() as stream:
            for member in archive.members:
                for i, (sink, (replaced, _)) in enumerate(sinks):
                    if member.name in replaced:
                        lengths[i] += sink.write(member_bytes(member.info, replaced[member.name]))
                for chunk in _read_span(stream, member.end - member.start, archive.display):
                    for i, (sink, (replaced, _)) in enumerate(sinks):
                        if member.name not in replaced:
                            lengths[i] += sink.write(chunk)
    except (EOFError, OSError, zlib.error) as exc:
        raise _corrupt(archive.display, str(exc) or type(exc).__name__) from None
    for i, (sink, (_, added)) in enumerate(sinks):
        for name, data in added:
            lengths[i] += sink.write(member_bytes(new_info(name, mtime), resolve(data)))
        sink.write(trailer(lengths[i]))
        sink.close()


def _read_span(stream: BinaryIO, length: int, display: str) -> Iterator[bytes]:
    while length:
        chunk = stream.read(min(length, READ_CHUNK))
        if not chunk:
            raise _corrupt(display, "unexpected end of data")
        length -= len(chunk)
        yield chunk
