"""The enforce result cache: an unchanged project re-checks without reading anything heavy.

An entry is found by a key over the invocation (superspec version, spec file, layer directories,
project dir, Maven repository, branch, JAVA_HOME, PATH, VIRTUAL_ENV, interpreter, OS) and is
valid while every input it recorded is unchanged: the spec layer files, the POMs and lock files
the readers read, the jars of the resolved classpath, installed distributions' directories,
required files, the modules of the rules that ran, the project's ecosystem files, and the tool
binaries probed. A file's fingerprint is its size, mtime (ns) and inode, not its content hash: an
edit that restores size and mtime exactly (or a tool that rewrites files keeping both) goes
unnoticed; --no-cache runs everything. The spec chain's files are the exception: they are
compared by content (sha256). Stdlib only, so the cached path of ``superspec enforce`` imports
nothing heavy.

Trust: the project's team controls every file of its workspace, so nothing there is trusted.
The location and the key are shared with the compiled-spec cache (``superspec.cachefiles``).

* Location: ``$SUPERSPEC_CACHE_DIR``, else ``$XDG_CACHE_HOME/superspec/enforce``, else
  ``~/.cache/superspec/enforce``; never the project. A directory that resolves (after symlinks)
  into the project, ``$WORKSPACE`` or ``$CI_PROJECT_DIR``, that is not owned by the current user
  or that is writable by group or others is not used: the run is uncached, silently. A new
  directory is created 0700.
* Authentication: each file is a JSON object whose ``mac`` is HMAC-SHA256 over the format, the
  file's name and the canonical JSON (sorted keys, no spaces) of the rest, keyed by 32 random
  bytes in ``<cache dir>.key`` (a sibling of the directory, e.g.
  ``~/.cache/superspec/enforce.key``), created 0600 on first store and published atomically
  (a hard link that fails if the name exists). A key file that is a symlink, not owned by the
  current user, or readable or writable by group or others disables the cache. An entry that
  fails the check (hand-written, copied from another cache, truncated) is a miss.
* Binding: an entry must name the spec chain it was computed from (its files' content digests,
  ending in the spec file given now), how each ``extends`` was resolved, and its fingerprints
  must cover at least every chain file and every ecosystem file the project has now; its
  ``spec_digest`` must equal the effective spec's digest: the loaded one on the full path, and on
  the fast path the digest a full load recorded for exactly these chain bytes (a ``spec-*``
  memo, authenticated like entries).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable, Sequence
from hmac import compare_digest
from pathlib import Path

from superspec import __version__
from superspec.cachefiles import (  # noqa: F401 - the shared location and key, re-exported
    cache_dir,
    key_file,
    machine_key,
    open_cache,
    trusted_dir,
)
from superspec.cachefiles import mac as signed_mac
from superspec.digest import canonical_json
from superspec.enforce.markers import ALL_MARKERS, is_requirements

TYPE_CHECKING = False  # not typing's: importing typing costs ~5 ms on the cached path
if TYPE_CHECKING:
    from typing import Any

FORMAT = 3
MARKERS = ALL_MARKERS
KEY_ENV = ("JAVA_HOME", "PATH", "VIRTUAL_ENV", "SUPERSPEC_ROOT")


def tools_file(project_dir: Path) -> Path | None:
    """Where the tool-version cache lives; None when the cache directory cannot be used."""
    directory = trusted_dir(project_dir, create=True)
    return None if directory is None else directory / "tools.json"


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


def content_digest(path: str | Path) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def markers(project_dir: Path) -> list[str]:
    """The project's ecosystem files (pom.xml, lock files, requirements*.txt, ...): adding one
    changes the verdict, and every entry must fingerprint each of them."""
    try:
        names = os.listdir(project_dir)
    except OSError:
        return []
    return sorted(n for n in names if n in MARKERS or is_requirements(n))


def ecosystem_files(project_dir: Path, names: Iterable[str] | None = None) -> list[str]:
    real = os.path.realpath(project_dir)
    return [os.path.join(real, n) for n in (markers(project_dir) if names is None else names)]


def changed_since(paths: Iterable[Path], started_ns: int) -> bool:
    """Whether an input was modified after the run started: its verdict may describe the old
    content while its fingerprint describes the new one, so such a run is not stored (the same
    "racy" rule git applies to its index)."""
    for path in paths:
        fingerprint = stat_of(path)
        if fingerprint is not None and fingerprint[1] >= started_ns:
            return True
    return False


def spec_links(layers: Sequence[Any], layer_dirs: Iterable[Path] = ()) -> list[list[str | None]]:
    """How each ``extends`` of the chain (top first) was resolved, and where the pinned root
    (``SUPERSPEC_ROOT``) was found, as [candidate, target]: the candidate must still resolve to
    target; a [candidate, None] searched before it must still not exist (a layer directory
    earlier in the search gaining that layer changes the chain)."""
    from superspec.spec.compiled import looks_like_path, search_dirs

    search = search_dirs(list(layer_dirs))
    links: list[list[str | None]] = []

    def by_name(name: str, target: str) -> None:
        for d in search:
            candidate = os.path.abspath(Path(d) / name / "superspec.yaml")
            found = os.path.isfile(candidate)
            links.append([candidate, target if found else None])
            if found:
                return

    for parent, child in zip(layers[:-1], layers[1:], strict=True):
        ref = child.data.get("extends")
        if not isinstance(ref, str):
            continue
        if looks_like_path(ref):
            links.append([os.path.abspath(Path(child.path).parent / ref), str(parent.path)])
        else:
            by_name(ref, str(parent.path))
    root = os.environ.get("SUPERSPEC_ROOT")
    if layers and root and "/" not in root and root not in (".", ".."):
        by_name(root, str(layers[0].path))
    return links


def _mac(secret: bytes, name: str, data: dict[str, Any]) -> str:
    """HMAC-SHA256 over the format, the file's name and the canonical JSON of ``data``."""
    return signed_mac(secret, FORMAT, name, canonical_json(data)).hex()


def _read(directory: Path, secret: bytes, name: str) -> dict[str, Any] | None:
    """The JSON object stored as ``name`` when its MAC is right, else None."""
    try:
        data = json.loads((directory / f"{name}.json").read_bytes())
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    mac = data.pop("mac", None)
    if not isinstance(mac, str) \
            or not compare_digest(mac.encode(), _mac(secret, name, data).encode()):
        return None
    return data


def _write(directory: Path, secret: bytes, name: str, data: dict[str, Any]) -> None:
    import contextlib

    from superspec.fileio import write_atomic

    signed = {**data, "mac": _mac(secret, name, data)}
    # a read-only location still enforces; it just cannot remember
    with contextlib.suppress(OSError):
        write_atomic(directory / f"{name}.json", canonical_json(signed), mode=0o600)


def _memo_name(chain: list[list[str]]) -> str:
    material = json.dumps([FORMAT, __version__, chain], separators=(",", ":")).encode()
    return "spec-" + hashlib.sha256(material).hexdigest()[:32]


def lookup(project_dir: Path, key: str, spec_path: Path, spec_digest: str | None = None,
           spec_chain: Sequence[Path] | None = None) -> dict[str, Any] | None:
    """The stored entry when it is authentic, bound to this spec and project, and every recorded
    input is unchanged; else None. ``spec_digest`` and ``spec_chain`` (the loaded spec's digest
    and layer files, top first) are given by callers that loaded the spec. Never raises."""
    try:
        return _lookup(project_dir, key, spec_path, spec_digest, spec_chain)
    except Exception:  # noqa: BLE001 - whatever is wrong with a stored file, it is a miss
        return None


def _lookup(project_dir: Path, key: str, spec_path: Path, spec_digest: str | None,
            spec_chain: Sequence[Path] | None) -> dict[str, Any] | None:
    directory = trusted_dir(project_dir)
    secret = None if directory is None else machine_key(directory)
    if directory is None or secret is None:
        return None
    entry = _read(directory, secret, key)
    if entry is None or entry.get("format") != FORMAT or entry.get("superspec") != __version__:
        return None
    digest = entry.get("spec_digest")
    if not isinstance(digest, str) or (spec_digest is not None and digest != spec_digest):
        return None
    chain = entry["chain"]
    if not chain or chain[-1][0] != os.path.realpath(spec_path):
        return None
    if spec_chain is not None and [c[0] for c in chain] != [str(p) for p in spec_chain]:
        return None
    present = markers(project_dir)
    inputs = entry["inputs"]
    if entry.get("markers") != present or not isinstance(inputs, dict):
        return None
    required = {c[0] for c in chain}.union(ecosystem_files(project_dir, present))
    if not required.issubset(inputs):
        return None  # an entry that does not depend on every spec and ecosystem file
    current = [[path, content_digest(path)] for path, _digest in chain]
    if current != chain:
        return None
    memo = _read(directory, secret, _memo_name(chain))  # the digest a full load gave these bytes
    if memo is None or memo.get("chain") != chain or memo.get("digest") != digest:
        return None
    for candidate, target in entry["links"]:
        if target is None:
            if os.path.isfile(candidate):
                return None
        elif os.path.realpath(candidate) != target:
            return None
    for path, fingerprint in inputs.items():
        if stat_of(path) != fingerprint:
            return None
    if entry.get("tools"):
        from superspec.enforce.tools import binary
        from superspec.enforce.tools import fingerprint as tool_fingerprint

        for tool, expected in entry["tools"].items():
            where = binary(tool)
            if (tool_fingerprint(where) if where else None) != expected:
                return None
    if not isinstance(entry.get("report"), dict) or not isinstance(entry.get("failing"), list):
        return None
    return entry


def store(project_dir: Path, key: str, *, spec_digest: str, spec_chain: Sequence[Path],
          links: list[list[str | None]], inputs: Iterable[Path], tools: dict[str, Any],
          report: dict[str, Any], failing: list[str],
          chain_digests: Sequence[str | None] | None = None) -> None:
    """Sign and keep an entry. ``chain_digests`` are the chain files' content digests taken when
    the run started (default: now)."""
    directory = trusted_dir(project_dir, create=True)
    secret = None if directory is None else machine_key(directory, create=True)
    if directory is None or secret is None:
        return
    digests = list(chain_digests) if chain_digests is not None \
        else [content_digest(p) for p in spec_chain]
    if not spec_chain or len(digests) != len(spec_chain):
        return
    chain: list[list[str]] = []
    for path, digest in zip(spec_chain, digests, strict=True):
        if digest is None:
            return
        chain.append([str(path), digest])
    present = markers(project_dir)
    recorded = {os.path.abspath(p) for p in inputs}
    recorded.update(str(p) for p in spec_chain)
    recorded.update(ecosystem_files(project_dir, present))
    entry = {
        "format": FORMAT, "superspec": __version__, "spec_digest": spec_digest,
        "chain": chain, "links": links, "markers": present,
        "inputs": {p: stat_of(p) for p in sorted(recorded)},
        "tools": tools, "report": report, "failing": failing, "rendered": {},
    }
    _write(directory, secret, _memo_name(chain), {"chain": chain, "digest": spec_digest})
    _write(directory, secret, key, entry)


def remember_rendering(project_dir: Path, key: str, variant: str, text: str,
                       report: dict[str, Any] | None = None) -> None:
    """Keep a rendered text report beside the entry so a cached run need not import rich. With
    ``report``, only when the entry holds that same report."""
    directory = trusted_dir(project_dir)
    secret = None if directory is None else machine_key(directory)
    if directory is None or secret is None:
        return
    entry = _read(directory, secret, key)
    if entry is None or entry.get("format") != FORMAT \
            or not isinstance(entry.get("rendered"), dict) \
            or not isinstance(entry.get("report"), dict):
        return
    if report is not None and {**entry["report"], "cached": None} != {**report, "cached": None}:
        return
    entry["rendered"][variant] = text
    _write(directory, secret, key, entry)
