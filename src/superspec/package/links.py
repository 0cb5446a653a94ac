"""Links inside an artifact, resolved the way the kernel resolves them once the artifact is
unpacked: component by component, following every other link of the artifact on the way.

A text-only check is not enough: with ``s -> .`` the target ``s/..`` normalises to ``.`` as
text, but the kernel follows ``s`` first and ``..`` then leaves the artifact. One resolver serves
directory, tar and zip artifacts; each passes its entries as ``name -> link target`` (None for
files and directories).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from superspec.errors import InputError, Location
from superspec.package.names import unsafe_reason

HOPS = 40  # links followed in one lookup before the kernel gives up (ELOOP)
CHAIN_SHOWN = 6  # links named in an error
_DRIVE = re.compile(r"[A-Za-z]:")

Link = tuple[str, str]  # (entry name as stored, target)


class _Unsafe(Exception):
    def __init__(self, loop: bool, reason: str, chain: list[Link]) -> None:
        super().__init__(reason)
        self.loop, self.reason, self.chain = loop, reason, chain


def canonical(name: str) -> str:
    """The path the kernel sees: no empty or '.' components ('a/./b//c' -> 'a/b/c')."""
    if "//" not in name and "./" not in name and not name.endswith(("/", "/.")) and name != ".":
        return name
    return "/".join(part for part in name.split("/") if part not in ("", "."))


def _links(entries: Mapping[str, str | None], archive: str) -> dict[str, Link]:
    """canonical name -> link; two entries that are the same path and one is a link are
    refused (which one wins depends on the unpacking tool)."""
    links: dict[str, Link] = {}
    for name, target in entries.items():
        if target is not None:
            links[canonical(name)] = (name, target)
    if links:
        seen: set[str] = set()
        for name in entries:
            path = canonical(name)
            if path in seen and path in links:
                raise InputError(f"duplicate entry {name!r}; refusing the archive",
                                 location=Location(archive))
            seen.add(path)
    return links


def link_above(name: str, links: Mapping[str, Link]) -> Link | None:
    """The first link among the parent directories of ``name`` (canonical names), if any."""
    path = canonical(name)
    cut = path.find("/")
    while cut >= 0:
        link = links.get(path[:cut])
        if link is not None:
            return link
        cut = path.find("/", cut + 1)
    return None


class _Resolver:
    """Resolves link targets; a link's own resolution does not depend on how it was reached,
    so each one is worked out once."""

    def __init__(self, links: Mapping[str, Link]) -> None:
        self.links = links
        self.done: dict[str, tuple[list[str], list[Link]]] = {}  # -> (resolution, links followed)

    def walk(self, where: list[str], target: str, chain: list[Link]) -> list[str]:
        """Resolve ``target`` from the directory ``where`` (components below the artifact root)
        to the components it ends at; _Unsafe when it leaves the root or loops."""
        if target.startswith("/") or _DRIVE.match(target):
            raise _Unsafe(False, "absolute target", chain)
        parts = list(where)
        for part in target.split("/"):
            if part in ("", "."):
                continue
            if part == "..":
                if not parts:
                    raise _Unsafe(False, "target outside the artifact", chain)
                parts.pop()
                continue
            parts.append(part)
            path = "/".join(parts)
            link = self.links.get(path)
            if link is None:
                continue
            if path not in self.done:
                if len(chain) > HOPS:
                    raise _Unsafe(True, f"more than {HOPS} links followed", chain)
                start = len(chain)
                chain.append(link)
                self.done[path] = self.walk(parts[:-1], link[1], chain), chain[start:]
            else:
                chain += self.done[path][1]
            parts = list(self.done[path][0])
        return parts


def _symlink_error(name: str, target: str, problem: _Unsafe, archive: str) -> InputError:
    followed = list(dict.fromkeys(problem.chain[1:]))  # a loop lists each link once
    shown = ", ".join(f"{n!r} -> {t!r}" for n, t in followed[:CHAIN_SHOWN])
    shown += ", ..." if len(followed) > CHAIN_SHOWN else ""
    if problem.loop:
        loop = " (a loop)" if len(followed) < len(problem.chain) - 1 else ""
        what = f"does not resolve: {problem.reason}, through {shown}{loop}"
    else:
        what = f"points outside the artifact ({problem.reason}" + \
            (f", through {shown})" if followed else ")")
    return InputError(f"symlink {name!r} -> {target!r} {what}; refusing the archive",
                      location=Location(archive))


def check_links(entries: Mapping[str, str | None], archive: str,
                hard: Mapping[str, str] | None = None) -> None:
    """Refuse a symlink whose resolution leaves the artifact (or loops), an entry whose parent
    path goes through a symlink, and a hard link (``hard``: name -> target, tar only) naming a
    path outside the artifact or through a symlink."""
    links = _links(entries, archive)
    resolver = _Resolver(links)
    if links:
        for name, target in entries.items():
            above = link_above(name, links)
            if above is not None:
                raise InputError(f"entry {name!r} lies under the symlink {above[0]!r} -> "
                                 f"{above[1]!r}; refusing the archive", location=Location(archive))
            if target is not None:
                chain = [(name, target)]
                try:
                    resolver.walk(canonical(name).split("/")[:-1], target, chain)
                except _Unsafe as problem:
                    raise _symlink_error(name, target, problem, archive) from None
    for name, target in (hard or {}).items():
        reason = unsafe_reason(target)
        if reason:
            raise InputError(f"hard link {name!r} -> {target!r} points outside the artifact "
                             f"({reason}); refusing the archive", location=Location(archive))
        above = link_above(target, links)
        if above is not None:
            raise InputError(f"hard link {name!r} -> {target!r} names a path under the symlink "
                             f"{above[0]!r} -> {above[1]!r}; refusing the archive",
                             location=Location(archive))
