"""The ``superspec.rules`` entry points, remembered so a run need not import
``importlib.metadata`` and scan every installed distribution to find the rules.

A record is a signed file of the user cache (``superspec.cachefiles``) named after the
interpreter and ``sys.path``. It holds while every ``sys.path`` directory keeps its mtime
(installing, upgrading or removing a distribution adds or removes its ``.dist-info`` directory)
and every ``entry_points.txt`` that registered a rule keeps its size and mtime. Stdlib only.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from pathlib import Path

from superspec import cachefiles

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

FORMAT = "entry-points-1"
_PATTERN = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?((?P<extras>\[.*\])\s*)?$")


class Dist:
    """The distribution an entry point comes from (its name and version, for messages)."""

    __slots__ = ("name", "version")

    def __init__(self, name: str, version: str) -> None:
        self.name = name
        self.version = version


class CachedEntryPoint:
    """What superspec uses of ``importlib.metadata.EntryPoint``: name, value, module, dist and
    ``load()``."""

    __slots__ = ("dist", "group", "name", "value")

    def __init__(self, name: str, value: str, group: str, dist: Dist | None) -> None:
        self.name = name
        self.value = value
        self.group = group
        self.dist = dist

    @property
    def module(self) -> str:
        match = _PATTERN.match(self.value)
        return match.group("module") if match else self.value

    def load(self) -> Any:
        import importlib

        match = _PATTERN.match(self.value)
        if match is None:
            raise ValueError(f"malformed entry point {self.value!r}")
        found: Any = importlib.import_module(match.group("module"))
        for attr in filter(None, (match.group("attr") or "").split(".")):
            found = getattr(found, attr)
        return found


def cached(group: str, project_dir: Path) -> list[CachedEntryPoint] | None:
    """The group's entry points as last scanned, when nothing installed changed; else None."""
    from superspec.spec import compiled

    if compiled.disabled():
        return None
    try:
        opened = cachefiles.open_cache(project_dir)
        if opened is None:
            return None
        directory, secret = opened
        payload = cachefiles.read_signed_bytes(directory, secret, FORMAT, _name(group))
        if payload is None:
            return None
        record = json.loads(payload)
        if record["paths"] != path_dirs() or not cachefiles.stats_unchanged(record["files"]):
            return None
        return [CachedEntryPoint(name, value, group, Dist(*dist) if dist else None)
                for name, value, dist in record["eps"]]
    except Exception:  # noqa: BLE001 - a record that cannot be read is a miss
        return None


def remember(group: str, project_dir: Path, eps: list[Any]) -> None:
    """Keep the scanned entry points (``importlib.metadata.EntryPoint`` objects). Not kept when
    a ``sys.path`` directory changed just now (an install may be under way)."""
    from superspec.spec import compiled

    if compiled.disabled():
        return
    try:
        paths = path_dirs()
        recent = compiled.now_ns() - compiled.RACY_NS
        if any(mtime is not None and mtime >= recent for _entry, mtime in paths):
            return
        items, files = [], []
        for ep in eps:
            dist = getattr(ep, "dist", None)
            items.append([ep.name, ep.value,
                          [dist.name, dist.version] if dist is not None else None])
            where = getattr(dist, "_path", None)  # the .dist-info directory
            if where is not None:
                for candidate in (Path(where), Path(where) / "entry_points.txt"):
                    st = os.stat(candidate)
                    files.append([str(candidate), st.st_size, st.st_mtime_ns])
        opened = cachefiles.open_cache(project_dir, create=True)
        if opened is None:
            return
        directory, secret = opened
        record = {"paths": paths, "files": files, "eps": items}
        cachefiles.write_signed_bytes(directory, secret, FORMAT, _name(group),
                                      json.dumps(record).encode())
    except Exception:  # noqa: BLE001 - a cache that cannot remember is no error
        return


def _name(group: str) -> str:
    material = json.dumps([FORMAT, group, sys.executable, sys.path])
    return "entry-points-" + hashlib.sha256(material.encode()).hexdigest()[:40]


def path_dirs() -> list[list[Any]]:
    """Each ``sys.path`` entry and its mtime (None when it does not exist)."""
    found: list[list[Any]] = []
    for entry in sys.path:
        try:
            found.append([entry, os.stat(entry or ".").st_mtime_ns])
        except OSError:
            found.append([entry, None])
    return found
