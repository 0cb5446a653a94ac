"""Entry-name safety: the one check every archive kind applies before it trusts a name."""

from __future__ import annotations

import re

from superspec.errors import InputError, Location

_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_reason(name: str) -> str | None:
    """Why ``name`` cannot be an entry of a packaged artifact, or None when it is safe."""
    if (name and ".." not in name and "\\" not in name and "\x00" not in name and "\n" not in name
            and name[0] != "/" and name[1:2] != ":" and name not in (".", "./")):
        return None  # the common case, decided without splitting
    if not name or name in (".", "./"):
        return "empty name"
    if "\x00" in name or "\n" in name:
        return "control character in name"
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
    if name[:2] != "./" and name[-1:] != "/":
        return name
    while name.startswith("./"):
        name = name[2:]
    return name.rstrip("/")


def check_names(names: list[str], archive: str) -> list[str]:
    """check_name over many names; substring tests on the joined names decide the common
    all-safe case at C speed, and only a suspicious archive is checked name by name."""
    joined = "\n".join(names)
    suspicious = (
        any(mark in joined for mark in ("\\", "\x00", "..", ":", "\n/", "\n\n"))
        or joined[:1] in ("/", "\n") or joined[-1:] == "\n"
        or "." in names or "./" in names or joined.count("\n") != len(names) - 1
    )
    if suspicious:
        return [check_name(n, archive) for n in names]
    if "\n./" not in joined and "/\n" not in joined and joined[:2] != "./" \
            and joined[-1:] != "/":
        return names  # nothing to normalize
    return [n if n[:2] != "./" and n[-1:] != "/" else normalize(n) for n in names]


def check_unique(names: list[str], archive: str) -> None:
    if len(set(names)) == len(names):
        return
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(f"duplicate entry {name!r}; refusing the archive",
                             location=Location(archive))
        seen.add(name)

