"""The enforce result cache: an unchanged project re-checks without reading anything heavy.

An entry is found by a key over the invocation (superspec version, spec file, layer directories,
project dir, Maven repository, branch, JAVA_HOME, PATH, VIRTUAL_ENV, interpreter, OS) and is
valid while every input it recorded is unchanged: the spec layer files, the POMs and lock files
the readers read, the jars of the resolved classpath, installed distributions' directories,
required files, the modules of the rules that ran, which ecosystem marker files exist, and the
tool binaries probed. A file's fingerprint is its size, mtime (ns) and inode, not its content
hash: an edit that restores size and mtime exactly (or a tool that rewrites files keeping both)
goes unnoticed; --no-cache runs everything. Stdlib only, so the cached path of ``superspec
enforce`` imports nothing heavy.

Location: ``$SUPERSPEC_CACHE_DIR``, else ``$XDG_CACHE_HOME/superspec/enforce``, else
``<project>/.superspec/cache``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from superspec import __version__

TYPE_CHECKING = False  # not typing's: importing typing costs ~5 ms on the cached path
if TYPE_CHECKING:
    from typing import Any

FORMAT = 2
MARKERS = ("pom.xml", "package-lock.json", "package.json", "poetry.lock", "uv.lock",
           "pyproject.toml", "setup.py", "setup.cfg")
KEY_ENV = ("JAVA_HOME", "PATH", "VIRTUAL_ENV")


def cache_dir(project_dir: Path) -> Path:
    if os.environ.get("SUPERSPEC_CACHE_DIR"):
        return Path(os.environ["SUPERSPEC_CACHE_DIR"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "superspec" / "enforce"
    return project_dir / ".superspec" / "cache"


def tools_file(project_dir: Path) -> Path:
    return cache_dir(project_dir) / "tools.json"


def entry_key(spec_path: Path, project_dir: Path, maven_repo: Path | None,
              branch: str | None, layer_dirs: Iterable[Path] = ()) -> str:
    material = [FORMAT, __version__, os.path.realpath(spec_path), os.path.realpath(project_dir),
                [os.path.realpath(d) for d in layer_dirs], os.environ.get("SUPERSPEC_LAYERS"),
                os.path.realpath(maven_repo) if maven_repo else None, branch,
                [os.environ.get(k) for k in KEY_ENV], os.path.realpath(sys.executable),
                list(os.uname())]
    return hashlib.sha256(json.dumps(material).encode()).hexdigest()[:32]


def stat_of(path: str | Path) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino]


def markers(project_dir: Path) -> list[str]:
    """Which ecosystem marker files the project has (adding a lock file changes the verdict)."""
    try:
        names = os.listdir(project_dir)
    except OSError:
        return []
    return sorted(n for n in names if n in MARKERS
                  or (n.startswith("requirements") and n.endswith(".txt")))


def changed_since(paths: Iterable[Path], started_ns: int) -> bool:
    """Whether an input was modified after the run started: its verdict may describe the old
    content while its fingerprint describes the new one, so such a run is not stored (the same
    "racy" rule git applies to its index)."""
    for path in paths:
        fingerprint = stat_of(path)
        if fingerprint is not None and fingerprint[1] >= started_ns:
            return True
    return False


def _entry_path(project_dir: Path, key: str) -> Path:
    return cache_dir(project_dir) / f"{key}.json"


def lookup(project_dir: Path, key: str, spec_digest: str | None = None) -> dict[str, Any] | None:
    """The stored entry when every recorded input is unchanged, else None."""
    try:
        entry = json.loads(_entry_path(project_dir, key).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or entry.get("format") != FORMAT \
            or entry.get("superspec") != __version__:
        return None
    if spec_digest is not None and entry.get("spec_digest") != spec_digest:
        return None
    if entry.get("markers") != markers(project_dir):
        return None
    for path, fingerprint in entry.get("inputs", {}).items():
        if stat_of(path) != fingerprint:
            return None
    if entry.get("tools"):
        from superspec.enforce.tools import binary
        from superspec.enforce.tools import fingerprint as tool_fingerprint

        for tool, expected in entry["tools"].items():
            where = binary(tool)
            if (tool_fingerprint(where) if where else None) != expected:
                return None
    return entry


def store(project_dir: Path, key: str, *, spec_digest: str, inputs: Iterable[Path],
          tools: dict[str, Any], report: dict[str, Any], failing: list[str]) -> None:
    entry = {
        "format": FORMAT, "superspec": __version__, "spec_digest": spec_digest,
        "markers": markers(project_dir),
        "inputs": {str(p): stat_of(p) for p in sorted({os.path.abspath(p) for p in inputs})},
        "tools": tools, "report": report, "failing": failing, "rendered": {},
    }
    _write(project_dir, key, entry)


def remember_rendering(project_dir: Path, key: str, variant: str, text: str) -> None:
    """Keep a rendered text report beside the entry so a cached run need not import rich."""
    try:
        entry = json.loads(_entry_path(project_dir, key).read_text())
    except (OSError, ValueError):
        return
    entry.setdefault("rendered", {})[variant] = text
    _write(project_dir, key, entry)


def _write(project_dir: Path, key: str, entry: dict[str, Any]) -> None:
    from superspec.fileio import write_atomic

    # a read-only checkout still enforces; it just cannot remember
    with contextlib.suppress(OSError):
        write_atomic(_entry_path(project_dir, key), json.dumps(entry, sort_keys=True).encode())
