"""Directory artifacts (an unpacked build output): check every path, copy the tree, write files."""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from superspec.errors import InputError, Location
from superspec.package.links import check_links
from superspec.package.names import check_name


@dataclass(frozen=True)
class DirEntry:
    name: str  # relative, '/'-separated
    kind: str  # "file", "dir" or "link"
    mode: int
    target: str = ""  # link target


@dataclass
class DirArchive:
    path: Path
    display: str
    entries: list[DirEntry]

    def by_name(self) -> dict[str, DirEntry]:
        return {e.name: e for e in self.entries}


def open_dir(path: Path, display: str | None = None) -> DirArchive:
    """Walk ``path``; refuse unsafe names, links that leave it, and special files."""
    display = display or str(path)
    entries: list[DirEntry] = []
    for root, dirs, files in os.walk(path):
        dirs.sort()
        rel_root = Path(root).relative_to(path).as_posix()
        for name in sorted(dirs) + sorted(files):
            rel = name if rel_root == "." else f"{rel_root}/{name}"
            check_name(rel, display)
            full = Path(root, name)
            info = full.lstat()
            if stat.S_ISLNK(info.st_mode):
                target = os.readlink(full)
                entries.append(DirEntry(rel, "link", 0, target))
            elif stat.S_ISDIR(info.st_mode):
                entries.append(DirEntry(rel, "dir", stat.S_IMODE(info.st_mode)))
            elif stat.S_ISREG(info.st_mode):
                entries.append(DirEntry(rel, "file", stat.S_IMODE(info.st_mode)))
            else:
                raise InputError(f"special file {rel!r} (not a file, directory or link); "
                                 "refusing the artifact", location=Location(display))
    check_links({e.name: e.target if e.kind == "link" else None for e in entries}, display)
    return DirArchive(path, display, entries)


def write_dir(archive: DirArchive, out: Path, replaced: dict[str, bytes],
              added: list[tuple[str, bytes]]) -> None:
    """Copy the tree to ``out`` (a new directory), then write the replaced and added files."""
    shutil.copytree(archive.path, out, symlinks=True)
    for name, data in list(replaced.items()) + added:
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = target.stat().st_mode if target.exists() else 0o644
        with open(target, "wb") as handle:
            handle.write(data)
        os.chmod(target, stat.S_IMODE(mode))
