"""Class index of jars, for banDuplicateClasses.

Only the zip central directory is read (name, CRC-32 and size of each entry; nothing is
decompressed), so comparing two copies of a class for ``ignoreWhenIdentical`` costs nothing extra.
Symlinks are resolved first: the same file reached under two names (Debian's ``foo.jar`` ->
``foo-1.2.jar``) is one jar, not a duplicate.
"""

from __future__ import annotations

import os
import struct
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from superspec.errors import InputError

_EOCD = b"PK\x05\x06"
_CEN = b"PK\x01\x02"
_EOCD_SIZE = 22
_CEN_SIZE = 46


@dataclass(frozen=True)
class DuplicateClasses:
    """Classes found in every one of ``jars`` (as given, sorted).

    ``identical``: every copy has the same bytes (CRC-32 and size)."""

    jars: tuple[Path, ...]
    classes: tuple[str, ...]  # entry names, e.g. "org/apache/commons/logging/Log.class", sorted
    identical: bool

    def describe(self) -> str:
        kind = "identical" if self.identical else "different"
        return (f"{len(self.classes)} {kind} class(es) in "
                + " and ".join(str(j) for j in self.jars))


def class_entries(jar: Path) -> dict[str, tuple[int, int]]:
    """``{entry name: (crc32, uncompressed size)}`` for every ``.class`` entry of ``jar``.

    ``module-info.class`` and multi-release copies under ``META-INF/`` are left out, as they are
    not classes a class loader would confuse. Raises InputError for a missing or non-zip file.
    """
    try:
        with open(jar, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            tail_len = min(size, _EOCD_SIZE + 65535)
            f.seek(size - tail_len)
            tail = f.read(tail_len)
            at = _end_record(tail)
            if at < 0:
                raise InputError(f"{jar}: not a jar (no zip central directory)")
            entries, cd_size, cd_offset = struct.unpack_from("<10xHII", tail, at)
            if cd_offset == 0xFFFFFFFF or entries == 0xFFFF:
                return _zip64_entries(jar)
            # Prepended data (self-extracting jars): the directory sits just before the EOCD.
            cd_start = size - tail_len + at - cd_size
            f.seek(cd_start)
            directory = f.read(cd_size)
    except OSError as exc:
        raise InputError(f"{jar}: cannot read jar: {exc.strerror or exc}") from None
    return _parse_directory(jar, directory)


def _end_record(tail: bytes) -> int:
    """Offset of the end-of-central-directory record in ``tail``, -1 if none. The record is
    followed only by its comment, which may itself hold the signature bytes."""
    at = tail.rfind(_EOCD)
    while at >= 0:
        if len(tail) - at >= _EOCD_SIZE and \
                at + _EOCD_SIZE + struct.unpack_from("<H", tail, at + 20)[0] == len(tail):
            return at
        at = tail.rfind(_EOCD, 0, at)
    return -1


def _parse_directory(jar: Path, data: bytes) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    pos = 0
    end = len(data)
    unpack = struct.unpack_from
    while pos + _CEN_SIZE <= end:
        if data[pos:pos + 4] != _CEN:
            raise InputError(f"{jar}: corrupt zip central directory at byte {pos}")
        crc, _csize, usize, n_len, x_len, c_len = unpack("<16xIIIHHH", data, pos)
        name_bytes = data[pos + _CEN_SIZE: pos + _CEN_SIZE + n_len]
        pos += _CEN_SIZE + n_len + x_len + c_len
        if not name_bytes.endswith(b".class"):
            continue
        name = name_bytes.decode("utf-8", "replace")
        if name.startswith("META-INF/") or name.endswith("module-info.class"):
            continue
        out[name] = (crc, usize)
    return out


def _zip64_entries(jar: Path) -> dict[str, tuple[int, int]]:
    import zipfile

    try:
        with zipfile.ZipFile(jar) as zf:
            return {i.filename: (i.CRC, i.file_size) for i in zf.infolist()
                    if i.filename.endswith(".class") and not i.filename.startswith("META-INF/")
                    and not i.filename.endswith("module-info.class")}
    except (OSError, zipfile.BadZipFile) as exc:
        raise InputError(f"{jar}: not a jar: {exc}") from None


def find_duplicate_classes(jars: list[Path], ignore_when_identical: bool = False
                           ) -> list[DuplicateClasses]:
    """Classes present in two or more of ``jars``, grouped by the set of jars holding them.

    Each group is split by whether every copy is identical (same CRC-32 and size). With
    ``ignore_when_identical`` the identical groups are dropped. Jars that are the same file after
    resolving symlinks count once (the first name given is reported). Sorted, deterministic.
    """
    seen: dict[Path, Path] = {}
    for jar in jars:
        real = Path(os.path.realpath(jar))
        seen.setdefault(real, Path(jar))
    owners: dict[str, list[tuple[Path, tuple[int, int]]]] = defaultdict(list)
    for real, given in seen.items():
        for name, sig in class_entries(real).items():
            owners[name].append((given, sig))
    groups: dict[tuple[tuple[Path, ...], bool], list[str]] = defaultdict(list)
    for name, holders in owners.items():
        if len(holders) < 2:
            continue
        identical = len({sig for _, sig in holders}) == 1
        if identical and ignore_when_identical:
            continue
        key = (tuple(sorted(j for j, _ in holders)), identical)
        groups[key].append(name)
    return [DuplicateClasses(jars=k[0], classes=tuple(sorted(v)), identical=k[1])
            for k, v in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1]))]
