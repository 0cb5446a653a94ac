"""Wheels: the manifest lives in the .dist-info directory and RECORD is rewritten so that its
hashes and sizes stay true for the replaced and added files (PEP 376/427)."""

from __future__ import annotations

from superspec.errors import InputError, Location
from superspec.package.manifest import MANIFEST_ENTRY


def dist_info(names: list[str] | set[str] | dict[str, str], display: str) -> str:
    """The wheel's one top-level ``*.dist-info`` directory."""
    found = sorted({n.split("/")[0] for n in names if "/" in n
                    and n.split("/")[0].endswith(".dist-info")})
    if len(found) != 1:
        raise InputError(f"a wheel needs exactly one *.dist-info directory, found {len(found)}",
                         location=Location(display))
    return found[0]


def manifest_name(names: dict[str, str], display: str, wheel: bool) -> str:
    """Where the manifest goes: the artifact's root, or a wheel's .dist-info directory (a file
    at a wheel's root would be installed into site-packages)."""
    return f"{dist_info(names, display)}/{MANIFEST_ENTRY}" if wheel else MANIFEST_ENTRY


def is_manifest(name: str) -> bool:
    head, _, tail = name.rpartition("/")
    return tail == MANIFEST_ENTRY and (head == "" or (
        "/" not in head and head.endswith(".dist-info")))


def updated_record(record: bytes, files: dict[str, bytes], manifest: str) -> bytes:
    """RECORD with new hash and size for each of ``files`` (added when absent) and a line for the
    manifest (without a hash, like RECORD's own line: the manifest records RECORD's digest)."""
    import base64
    import csv
    import hashlib
    import io

    rows = list(csv.reader(io.StringIO(record.decode("utf-8"))))
    lines = {row[0]: i for i, row in enumerate(rows) if row}
    for path, data in list(files.items()) + [(manifest, None)]:
        if data is None:
            row = [path, "", ""]
        else:
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            row = [path, "sha256=" + digest.decode(), str(len(data))]
        if path in lines:
            rows[lines[path]] = row
        else:
            rows.append(row)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")
