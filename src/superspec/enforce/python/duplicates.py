"""banDuplicateClasses for Python: the same importable module, or the same file, installed by two
distributions (one silently overwrote the other). Read from each distribution's RECORD."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path

from superspec.enforce.python.environment import distributions

_EXT = re.compile(r"(\.py|\.cpython-[^.]+\.so|\.abi3\.so|\.so|\.pyd|\.cp\d+-[^.]+\.pyd)$")


@dataclass(frozen=True)
class DuplicateModule:
    """``name`` (a module like ``yaml.loader``, or a file path) shipped by all of ``dists``."""

    name: str
    kind: str  # "module" or "file"
    dists: tuple[str, ...]  # "name version", sorted
    identical: bool  # every copy has the same RECORD hash


def module_name(path: str) -> str | None:
    """``pkg/sub/mod.py`` -> ``pkg.sub.mod``; ``pkg/__init__.py`` -> ``pkg``; None for data."""
    m = _EXT.search(path)
    if not m:
        return None
    stem = path[: m.start()]
    parts = stem.split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts or not all(p.isidentifier() for p in parts):
        return None
    return ".".join(parts)


def _owned_files(dist: object) -> list[tuple[str, str]]:
    files = getattr(dist, "files", None) or []
    out = []
    for f in files:
        path = str(f).replace("\\", "/")
        if path.startswith("..") or "/__pycache__/" in path or path.endswith(".pyc") \
                or ".dist-info/" in path or ".egg-info/" in path or path.endswith(".pth"):
            continue
        digest = f.hash.value if getattr(f, "hash", None) is not None else ""
        out.append((path, digest))
    return out


def find_duplicate_modules(paths: list[Path], ignore_when_identical: bool = False,
                           ignore: tuple[str, ...] = ()) -> tuple[list[DuplicateModule],
                                                                  list[Path]]:
    """Duplicates across the distributions installed in ``paths``; also the RECORD files read."""
    owners: dict[tuple[str, str], dict[str, set[str]]] = {}
    read: list[Path] = []
    for dist in distributions(paths):
        label = f"{dist.metadata['Name']} {dist.version}"
        base = getattr(dist, "_path", None)
        if base is not None:
            read.append(Path(base) / "RECORD")
        for path, digest in _owned_files(dist):
            module = module_name(path)
            key = (module, "module") if module else (path, "file")
            owners.setdefault(key, {}).setdefault(label, set()).add(digest)
    found = []
    for key, by_dist in sorted(owners.items()):
        if len(by_dist) < 2 or any(fnmatch.fnmatchcase(key[0], p) for p in ignore):
            continue
        digests = {d for ds in by_dist.values() for d in ds}
        identical = len(digests) == 1 and "" not in digests
        if identical and ignore_when_identical:
            continue
        found.append(DuplicateModule(key[0], key[1], tuple(sorted(by_dist)), identical))
    return found, read
