"""Fingerprints of every entry of an artifact, for verify: equal fingerprints mean equal bytes.

zip: the raw span (local header, compressed data, data descriptor) plus every central-directory
field except the offset; tar: the raw header blocks and data blocks; directory: kind, mode and
content (or link target).
"""

from __future__ import annotations

import hashlib

from superspec.package.artifact import file_sha256
from superspec.package.directory import DirArchive
from superspec.package.tararchive import READ_CHUNK, TarArchive
from superspec.package.zipread import ZipArchive

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.package.artifact import Archive


def scan(archive: Archive, capture: set[str]) -> tuple[dict[str, str], dict[str, bytes]]:
    """(name -> fingerprint, name -> content for the names in ``capture`` that are files)."""
    if isinstance(archive, ZipArchive):
        return _scan_zip(archive, capture)
    if isinstance(archive, TarArchive):
        return _scan_tar(archive, capture)
    return _scan_dir(archive, capture)


def read_entries(archive: Archive, names: set[str]) -> dict[str, bytes]:
    """The contents of the named files (random access where the kind allows it)."""
    if isinstance(archive, ZipArchive):
        found = archive.by_name()
        return {n: archive.data(found[n]) for n in names if n in found and not found[n].is_dir}
    if isinstance(archive, DirArchive):
        files = {e.name for e in archive.entries if e.kind == "file"}
        return {n: (archive.path / n).read_bytes() for n in names if n in files}
    return _scan_tar(archive, names)[1]


def read_entry(archive: Archive, name: str) -> bytes:
    """One file's content (a small one: it is read into memory)."""
    return read_entries(archive, {name})[name]


def _scan_zip(archive: ZipArchive, capture: set[str]) -> tuple[dict[str, str], dict[str, bytes]]:
    prints, data = {}, {}
    view = memoryview(archive.mm)
    try:
        for entry in archive.entries:
            digest = hashlib.sha256(view[entry.offset:entry.end])
            digest.update(repr(entry.fingerprint_fields()).encode())
            prints[entry.name] = "zip:" + digest.hexdigest()
            if entry.name in capture and not entry.is_dir:
                data[entry.name] = archive.data(entry)
    finally:
        view.release()
    return prints, data


def _scan_tar(archive: TarArchive, capture: set[str]) -> tuple[dict[str, str], dict[str, bytes]]:
    prints, data = {}, {}
    with archive.open_stream() as stream:
        for member in archive.members:
            digest = hashlib.sha256()
            keep = member.name in capture and member.info.isreg()
            chunks = []
            remaining = member.end - member.start
            while remaining:
                chunk = stream.read(min(remaining, READ_CHUNK))
                if not chunk:
                    raise EOFError(f"{archive.display}: unexpected end of data")
                digest.update(chunk)
                remaining -= len(chunk)
                if keep:
                    chunks.append(chunk)
            prints[member.name] = "tar:" + digest.hexdigest()
            if keep:
                skip = member.info.offset_data - member.start
                data[member.name] = b"".join(chunks)[skip:skip + member.info.size]
    return prints, data


def _scan_dir(archive: DirArchive, capture: set[str]) -> tuple[dict[str, str], dict[str, bytes]]:
    prints, data = {}, {}
    for entry in archive.entries:
        path = archive.path / entry.name
        if entry.kind == "file":
            content = file_sha256(path)
            if entry.name in capture:
                data[entry.name] = path.read_bytes()
        else:
            content = entry.target
        prints[entry.name] = f"{entry.kind}:{entry.mode:o}:{content}"
    return prints, data


__all__ = ["scan"]
