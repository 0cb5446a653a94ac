"""Entry-name safety: the one check every archive kind applies before it trusts a name."""

from __future__ import annotations

import posixpath
import re

from superspec.errors import InputError, Location

_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_reason(name: str) -> str | None:
    """Why ``name`` cannot be an entry of a packaged artifact, or None when it is safe."""
    if not name or name in (".", "./"):
        return "empty name"
    if "\x00" in name:
        return "NUL byte in name"
    if "\\" in name:
        return "backslash in name"
    if _DRIVE.match(name):
        return "drive letter in name"
    if name.startswith("/"):
        return "absolute path"
    if ".." in name.split("/"):
        return "'..' component"
    return None


def check_name(name: str, archive: str) -> str:
    """The normalized name (no leading './', no trailing '/'), or InputError naming the entry."""
    reason = unsafe_reason(name)
    if reason:
        raise InputError(f"unsafe entry name {name!r} ({reason}); refusing the archive",
                         location=Location(archive))
    return normalize(name)


def normalize(name: str) -> str:
    """How names are compared: './a/b/' and 'a/b' are the same entry."""
    while name.startswith("./"):
        name = name[2:]
    return name.rstrip("/")


def check_link(name: str, target: str, archive: str, *, hard: bool = False) -> None:
    """Refuse a link whose target leaves the artifact (absolute, or '..' past the root)."""
    if hard:
        reason = unsafe_reason(target)
        resolved = normalize(target)
    else:
        reason = "absolute target" if target.startswith("/") or _DRIVE.match(target) else None
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(normalize(name)), target))
    if reason is None and (resolved == ".." or resolved.startswith("../")):
        reason = "target outside the artifact"
    if reason:
        kind = "hard link" if hard else "symlink"
        raise InputError(f"{kind} {name!r} -> {target!r} points outside the artifact ({reason}); "
                         "refusing the archive", location=Location(archive))


def check_unique(names: list[str], archive: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(f"duplicate entry {name!r}; refusing the archive",
                             location=Location(archive))
        seen.add(name)

