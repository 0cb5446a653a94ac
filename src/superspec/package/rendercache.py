"""Rendered package files, remembered between runs while everything they came from is provably
the same; a hit renders nothing and imports no jinja2 (~30 ms of a packaging run's start-up).

An entry holds one environment's rendered files, the digest of what they were rendered from
(``inputs_digest``: the render context as plain data — values, env, app, the secrets' names and
style, the version —, the ``package.files`` list, the project directory, superspec, the Python
and the jinja2 and markupsafe installed) and the sha256 of every template the rendering read,
plus every template name it looked for and did not find. A lookup recomputes the inputs digest
and re-reads every one of those templates the way the loader does (``templatefiles``: inside the
project, no links followed, regular files only) and compares their contents: nothing is trusted
by timestamp. Any difference, refusal or error is a miss, and the files are rendered afresh (and
remembered again).

Entries live in the user's cache directory under its trust rules and are signed with its key
(``superspec.cachefiles``), like the compiled spec they are rendered from. A rendering that drew
a random value (the ``random`` filter, ``lipsum``) is not remembered, nor one that failed.
``superspec package --no-cache`` neither reads nor writes an entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
from pathlib import Path

from superspec import __version__
from superspec.digest import canonical_json
from superspec.package.rendered import Rendered
from superspec.package.specdata import package_spec, render_inputs
from superspec.package.templatefiles import TemplateRefused, read_template

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.spec import EffectiveSpec

SIGNED_FORMAT = "package-render-1"  # part of every entry's MAC
LIBRARIES = ("jinja2", "markupsafe")

Reads = dict[str, str | None]  # template name -> sha256 of its content, None: no such file
Stamps = list[tuple[str, int, int]]


def project_root(effective: EffectiveSpec) -> str:
    """The directory templates are read from: the spec's, links resolved."""
    return os.path.realpath(Path(effective.path).parent)


def inputs_digest(effective: EffectiveSpec, env: str, version: str | None,
                  libraries: Stamps | None = None) -> str | None:
    """sha256 of everything but the templates that ``env``'s rendering depends on; None when
    the libraries that render cannot be identified (``libraries``: their stamps, when known)."""
    libraries = libraries or _library_stamps()
    if libraries is None:
        return None
    material = (SIGNED_FORMAT, __version__, sys.version, libraries, project_root(effective),
                package_spec(effective).files, render_inputs(effective, env, version))
    return hashlib.sha256(repr(material).encode("utf-8", "surrogateescape")).hexdigest()


def lookup(effective: EffectiveSpec, envs: list[str],
           version: str | None) -> dict[str, list[Rendered]] | None:
    """Every environment's remembered files, or None unless all of them are remembered and
    still true. Never raises."""
    try:
        return _lookup(effective, envs, version)
    except Exception:  # noqa: BLE001 - whatever is wrong with a stored file, it is a miss
        return None


def _lookup(effective: EffectiveSpec, envs: list[str],
            version: str | None) -> dict[str, list[Rendered]] | None:
    from superspec.cachefiles import open_cache, read_signed_bytes

    opened = open_cache(Path(effective.path).parent)
    if opened is None:
        return None
    root, libraries = project_root(effective), _library_stamps()
    checked: Reads = {}
    found = {}
    for env in envs:
        key = inputs_digest(effective, env, version, libraries)
        payload = None if key is None else read_signed_bytes(*opened, SIGNED_FORMAT,
                                                              _entry_name(key))
        entry = None if payload is None else json.loads(payload)
        if not isinstance(entry, dict) or entry.get("superspec") != __version__ \
                or entry.get("inputs") != key:
            return None
        for name, digest in entry["templates"].items():
            if name not in checked:
                checked[name] = _digest_of(root, name)
            if checked[name] != digest:
                return None
        found[env] = [Rendered(path, template, data.encode("utf-8"))
                      for path, template, data in entry["files"]]
    return found


def store(effective: EffectiveSpec, version: str | None, rendered: dict[str, list[Rendered]],
          reads: Reads) -> None:
    """Remember each environment's files, rendered after reading ``reads``. Never raises: an
    unusable cache only means rendering next time."""
    with contextlib.suppress(Exception):
        _store(effective, version, rendered, reads)


def _store(effective: EffectiveSpec, version: str | None, rendered: dict[str, list[Rendered]],
           reads: Reads) -> None:
    from superspec.cachefiles import open_cache, write_signed_bytes

    opened = open_cache(Path(effective.path).parent, create=True)
    if opened is None:
        return
    libraries = _library_stamps()
    for env, files in rendered.items():
        key = inputs_digest(effective, env, version, libraries)
        if key is None:
            return
        entry = {"superspec": __version__, "inputs": key, "templates": reads,
                 "files": [[f.path, f.template, f.data.decode("utf-8")] for f in files]}
        write_signed_bytes(*opened, SIGNED_FORMAT, _entry_name(key), canonical_json(entry))


def _entry_name(key: str) -> str:
    return "package-render-" + key[:32]


def _digest_of(root: str, name: str) -> str | None:
    """What the loader would record for ``name`` now ('refused' never equals a digest)."""
    try:
        data = read_template(root, name)
    except TemplateRefused:
        return "refused"
    return None if data is None else hashlib.sha256(data).hexdigest()


def _library_stamps() -> Stamps | None:
    """(file, size, mtime) of each rendering library's package: an upgrade changes them."""
    from importlib.util import find_spec

    stamps = []
    for name in LIBRARIES:
        spec = find_spec(name)
        if spec is None or spec.origin is None:
            return None
        st = os.stat(spec.origin)
        stamps.append((spec.origin, st.st_size, st.st_mtime_ns))
    return stamps
