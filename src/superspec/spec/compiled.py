"""The compiled-spec cache: a validated effective spec, kept so that an unchanged chain loads
without parsing YAML, merging layers or importing pydantic.

An entry holds what a full load produced: every layer's data and key lines, the merged data, who
set each value, the locks, the effective digest and the values the enforce runner needs
(``facts``). It is found by a name over the invocation: superspec's version, the interpreter,
the spec file (after symlinks), the layer directories (absolute, in search order) and the pinned
root. It answers only while

* every chain file has the content (sha256) it had, so the project file still ``extends`` the
  same parent, and so on up to the company layer;
* every ``extends`` by name and the pinned root still resolve as they did: each candidate
  searched before the one found is still not a file, the one found still resolves to the same
  file (a layer directory gaining a layer earlier in the search changes the chain);
* the modules that computed it (superspec's, pydantic's and PyYAML's files) are unchanged.

Nothing else of the project is read by a load: ``check_usable`` takes the project directory only
to name it in an error, and only a spec that loaded without error is stored.

Entries live in the user cache directory of the enforce cache (``superspec.cachefiles``), named
``compiled-<hash>``, signed with the same per-machine key: a file that fails the check, that is
cut short or that does not decode is a miss, never an error. A new entry is written to a temp
file and renamed into place. ``--no-cache`` (every command that reads a spec) and
``SUPERSPEC_NO_SPEC_CACHE=1`` bypass the cache: the spec is loaded in full and not stored.

Stdlib only: the hit path must not import yaml or pydantic.
"""

from __future__ import annotations

import errno
import hashlib
import marshal
import os
import sys
import time
from pathlib import Path

from superspec import cachefiles

TYPE_CHECKING = False  # not typing's: importing typing costs ~5 ms on the cached path
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any

    from superspec.spec.layers import Layer
    from superspec.spec.merge import Merged

FORMAT = "compiled-1"
PREFIX = "compiled-"
NO_CACHE_ENV = "SUPERSPEC_NO_SPEC_CACHE"
# modules whose code decides a result besides superspec's own (their package's __init__ file
# changes whenever the package is upgraded)
THIRD_PARTY = ("pydantic", "pydantic_core", "yaml", "annotated_types", "typing_extensions")
# a file's mtime comes from a coarse clock (a few ms behind the real time): one written this
# close before a load started may have been written during it, so its load is not stored
RACY_NS = 20_000_000

_bypass = False
_verified_code: set[str] = set()  # code stamps found unchanged in this process


def bypass(on: bool = True) -> None:
    """Load every spec in full in this process (``--no-cache``)."""
    global _bypass
    _bypass = on


def disabled() -> bool:
    return _bypass or os.environ.get(NO_CACHE_ENV, "") not in ("", "0")


def search_dirs(cli_dirs: Sequence[str | Path] = ()) -> list[Path]:
    """``spec.layers.layer_dirs_from`` without importing the YAML reader: ``--layers``
    directories first, then those of ``SUPERSPEC_LAYERS``."""
    dirs = [Path(d) for d in cli_dirs]
    dirs += [Path(d) for d in os.environ.get("SUPERSPEC_LAYERS", "").split(os.pathsep) if d]
    return dirs


def pinned_root(requested: str | None = None) -> str | None:
    """``spec.root.root_from`` without importing the spec core when the answer is plain; any
    case it would refuse is handed to it, so its error is raised."""
    import re

    pinned = os.environ.get("SUPERSPEC_ROOT") or None
    if pinned is None and requested is None:
        return None
    plain = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
    if all(v is None or plain.fullmatch(v) for v in (pinned, requested)) \
            and not (pinned and requested and pinned != requested):
        return pinned or requested
    from superspec.spec.root import root_from

    return root_from(requested)


def looks_like_path(ref: str) -> bool:
    """``spec.layers.looks_like_path``, for callers that must not import the YAML reader."""
    return ref.endswith((".yaml", ".yml")) or ref.startswith(("./", "../", "/"))


def entry_name(spec_real: str, layer_dirs: Sequence[Path], root: str | None) -> str:
    from superspec import __version__

    material = repr((FORMAT, __version__, sys.version, marshal.version, spec_real,
                     [os.path.abspath(d) for d in layer_dirs], root))
    return PREFIX + hashlib.sha256(material.encode()).hexdigest()[:40]


def file_digest(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


# chain file -> (its stat identity, its digest): a fleet's projects share their upper layers,
# hashed once per process
_digests: dict[str, tuple[tuple[int, ...], str]] = {}


def chain_digest(path: str) -> str | None:
    """``file_digest`` of a chain file, remembered for this process under the file's identity
    (device, inode, size, mtime, ctime). An identity is trusted only once the file is older
    than the clock's granularity (``RACY_NS``): a rewrite within one tick of the clock could
    keep the same times."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    identity = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    known = _digests.get(path)
    if known is not None and known[0] == identity:
        return known[1]
    digest = file_digest(path)
    if digest is not None and max(st.st_mtime_ns, st.st_ctime_ns) < time.time_ns() - RACY_NS:
        _digests[path] = (identity, digest)
    return digest


def lookup(spec_path: str | Path, layer_dirs: Sequence[Path],
           root: str | None) -> dict[str, Any] | None:
    """The stored entry when it is authentic and every input is unchanged, else None. Never
    raises."""
    if disabled():
        return None
    try:
        return _lookup(spec_path, layer_dirs, root)
    except Exception:  # noqa: BLE001 - whatever is wrong with a stored file, it is a miss
        return None


def _lookup(spec_path: str | Path, layer_dirs: Sequence[Path],
            root: str | None) -> dict[str, Any] | None:
    spec_real = os.path.realpath(spec_path)
    opened = cachefiles.open_cache(Path(os.path.dirname(spec_real)))
    if opened is None:
        return None
    directory, secret = opened
    name = entry_name(spec_real, layer_dirs, root)
    payload = cachefiles.read_signed_bytes(directory, secret, FORMAT, name)
    if payload is None:
        return None
    entry = marshal.loads(payload)
    if not isinstance(entry, dict) or entry.get("name") != name:
        return None
    chain = entry["chain"]
    if not chain or chain[-1][0] != spec_real:
        return None
    for path, digest in chain:
        if chain_digest(path) != digest:
            return None
    for candidate, target in entry["links"]:
        if target is None:
            if not _absent(candidate):
                return None
        elif not os.path.isfile(candidate) or os.path.realpath(candidate) != target:
            return None
    if not code_unchanged(entry["code"], entry.get("code key")):
        return None
    return entry


def _absent(path: str) -> bool:
    """Whether the search for a layer by name passes over ``path`` (``spec.layers``: nothing
    there; anything else there is the layer or an error)."""
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno in (errno.ENOENT, errno.ENOTDIR)
    return False


def code_stamp(extra_modules: Iterable[str] = ()) -> list[tuple[str, int, int]]:
    """(file, size, mtime) of every loaded module of superspec and of the libraries it
    validates and parses with, and of the loaded ``extra_modules`` (by name: a company
    plugin's rules, a runner's params model); OSError when one of those cannot be stamped."""
    files = set()
    for module_name, module in list(sys.modules.items()):
        top = module_name.partition(".")[0]
        if top == "superspec" or module_name in THIRD_PARTY:
            where = getattr(module, "__file__", None)
            if where:
                files.add(where)
    required = {where for name in extra_modules
                if (where := getattr(sys.modules.get(name), "__file__", None))}
    stamp = []
    for where in sorted(files | required):
        seen = None if where in required else _module_files.get(where)
        if seen is None:
            try:
                st = os.stat(where)
            except OSError:
                if where in required:
                    raise
                continue
            seen = _module_files[where] = (st.st_size, st.st_mtime_ns)
        stamp.append((where, *seen))
    return stamp


# module file -> (size, mtime) when this process first stamped it: the code this process runs
# was read then (a fleet stores one entry per project, each stamped). A required module (a
# plugin's, a params model's) is looked at every time: one whose file is gone cannot be stamped.
_module_files: dict[str, tuple[int, int]] = {}


def code_key(stamp: Sequence[tuple[str, int, int]]) -> str:
    return hashlib.sha256(repr(stamp).encode()).hexdigest()


def code_unchanged(stamp: Sequence[tuple[str, int, int]], key: str | None = None) -> bool:
    """Whether every file of ``stamp`` still has its size and mtime; ``key`` is the stamp's
    ``code_key`` when the caller holds it (a signed entry does), else it is computed."""
    key = key or code_key(stamp)
    if key in _verified_code:
        return True
    for where, size, mtime in stamp:
        try:
            st = os.stat(where)
        except OSError:
            return False
        if st.st_size != size or st.st_mtime_ns != mtime:
            return False
    _verified_code.add(key)
    return True


def links(layers: Sequence[Any], layer_dirs: Sequence[Path],
          root: str | None) -> list[tuple[str, str | None]]:
    """How each ``extends`` of the chain (top first) and the pinned root were resolved, as
    (candidate, target): the candidate must still resolve to target; a (candidate, None)
    searched before it must still not be a file."""
    found: list[tuple[str, str | None]] = []

    def by_name(name: str, target: str) -> None:
        for d in layer_dirs:
            candidate = os.path.abspath(Path(d) / name / "superspec.yaml")
            if os.path.isfile(candidate):
                found.append((candidate, target))
                return
            found.append((candidate, None))

    for parent, child in zip(layers[:-1], layers[1:], strict=True):
        ref = child.data.get("extends")
        if not isinstance(ref, str):
            continue
        if looks_like_path(ref):
            found.append((os.path.abspath(Path(child.path).parent / ref), str(parent.path)))
        else:
            by_name(ref, str(parent.path))
    if root is not None and layers:
        by_name(root, str(layers[0].path))
    return found


def store(spec_path: str | Path, layer_dirs: Sequence[Path], root: str | None,
          layers: Sequence[Layer], merged: Merged, digest: str, facts: dict[str, Any],
          started_ns: int) -> None:
    """Keep a full load's result. Not stored when a chain file changed after ``started_ns`` (the
    load may have read the old content) or when the data cannot be kept (a YAML timestamp)."""
    if disabled():
        return
    try:
        _store(spec_path, layer_dirs, root, layers, merged, digest, facts, started_ns)
    except Exception:  # noqa: BLE001 - a cache that cannot remember is no error  # pragma: no cover
        return


def _store(spec_path: str | Path, layer_dirs: Sequence[Path], root: str | None,
           layers: Sequence[Layer], merged: Merged, digest: str, facts: dict[str, Any],
           started_ns: int) -> None:
    spec_real = os.path.realpath(spec_path)
    if not layers or str(layers[-1].path) != spec_real:
        return
    chain = []
    for layer in layers:
        path = str(layer.path)
        try:
            if os.stat(path).st_mtime_ns >= started_ns - RACY_NS:
                return  # changed while (or after) it was read
        except OSError:
            return
        content = file_digest(path)
        if content is None:
            return
        chain.append((path, content))
    index = {id(layer): i for i, layer in enumerate(layers)}
    setters = {}
    for key_path, layer in merged.setters.items():
        if id(layer) not in index:
            return
        setters[key_path] = index[id(layer)]
    files = {layer.file: i for i, layer in enumerate(layers)}
    locks = []
    for lock in merged.locks:
        if lock.origin.file not in files:
            return
        locks.append((lock.path, files[lock.origin.file], lock.origin.line))
    name = entry_name(spec_real, layer_dirs, root)
    stamp = code_stamp()
    entry = {
        "name": name, "chain": chain, "links": links(layers, layer_dirs, root),
        "code": stamp, "code key": code_key(stamp), "digest": digest, "facts": facts,
        "layers": [(layer.kind, layer.name, layer.doc.data, layer.doc.lines) for layer in layers],
        "data": merged.data, "setters": setters, "locks": locks,
        "pinned": dict(merged.pinned_levels), "borrowed": dict(merged.borrowed),
    }
    try:
        payload = marshal.dumps(entry)
    except ValueError:  # a value marshal cannot hold (a YAML timestamp): loaded in full each time
        return
    opened = cachefiles.open_cache(Path(os.path.dirname(spec_real)), create=True)
    if opened is None:
        return
    directory, secret = opened
    cachefiles.write_signed_bytes(directory, secret, FORMAT, name, payload)


def now_ns() -> int:
    return time.time_ns()


def rebuild(entry: dict[str, Any]) -> tuple[list[Layer], Merged]:
    """The layers and the merged result of a stored entry (imports the spec core)."""
    from superspec.paths import display_path
    from superspec.spec.layers import Layer
    from superspec.spec.merge import Lock, Merged, Origin
    from superspec.spec.yamlsource import Document

    layers = []
    for (path, _digest), (kind, name, data, lines) in zip(entry["chain"], entry["layers"],
                                                         strict=True):
        doc = Document(file=display_path(path), data=data, lines=lines)
        layers.append(Layer(path=Path(path), doc=doc, kind=kind, name=name))
    setters = {key_path: layers[i] for key_path, i in entry["setters"].items()}
    locks = []
    for key_path, i, line in entry["locks"]:
        layer = layers[i]
        locks.append(Lock(tuple(key_path), Origin(layer.file, line, layer.kind, layer.name)))
    merged = Merged(data=entry["data"], setters=setters, locks=locks,
                    pinned_levels=dict(entry["pinned"]), borrowed=dict(entry["borrowed"]))
    return layers, merged
