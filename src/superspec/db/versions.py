"""Script versions and file names: ``V<version>__<description>.sql``.

A version is dot-separated non-negative integers (``2``, ``2.1``, ``10``, ``2026.11.01``);
an underscore separates parts too (``V2_1__x.sql`` is 2.1). Versions compare numerically part
by part, and trailing zero parts do not count: ``2``, ``2.0`` and ``02`` are the same version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_VERSION = re.compile(r"[0-9]+([._][0-9]+)*")
_FILE = re.compile(r"V(?P<version>[^_]+(?:_(?!_)[^_]+)*)__(?P<description>.+)\.sql")


@dataclass(frozen=True, order=True)
class Version:
    """A parsed version; ``text`` is how it was written, ``key`` how it compares."""

    key: tuple[int, ...]
    text: str = field(compare=False)

    def __str__(self) -> str:
        return self.text


def parse_version(text: str) -> Version | None:
    """The version written as ``text``, or None when it is not one."""
    if not _VERSION.fullmatch(text):
        return None
    parts = [int(part) for part in re.split(r"[._]", text)]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return Version(tuple(parts), text.replace("_", "."))


@dataclass(frozen=True)
class ScriptName:
    version: Version
    description: str


def parse_script_name(name: str) -> ScriptName | None:
    """``V2.1__add_orders.sql`` -> version 2.1, description "add orders"; None if no match."""
    match = _FILE.fullmatch(name)
    if not match:
        return None
    version = parse_version(match["version"])
    description = match["description"].replace("_", " ").strip()
    if version is None or not description:
        return None
    return ScriptName(version, description)
