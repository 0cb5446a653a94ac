"""Find and read the chain of layers a spec file extends: project -> department(s) -> company."""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from superspec.errors import Location, SpecError
from superspec.fileio import file_kind
from superspec.paths import display_path
from superspec.spec.yamlsource import Document, KeyPath, load_yaml

KIND_RANK = {"company": 0, "department": 1, "project": 2}
HEADER_KEYS = ("superspec", "kind", "name")
LAYERS_ENV = "SUPERSPEC_LAYERS"
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # a name that is safe as a path, job, lock


@dataclass(eq=False)  # compared and hashed by identity: the reader caches one object per file
class Layer:
    """One spec file of the chain."""

    path: Path
    doc: Document
    kind: str
    name: str

    @property
    def file(self) -> str:
        return self.doc.file

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}"

    @property
    def data(self) -> dict[str, Any]:
        return self.doc.data

    def location(self, path: KeyPath) -> Location:
        return Location(self.file, self.doc.line_of(path), layer=self.label, key=".".join(path))


def layer_dirs_from(cli_dirs: Sequence[str | Path] = ()) -> list[Path]:
    """``--layers`` directories first, then those of ``SUPERSPEC_LAYERS``."""
    dirs = [Path(d) for d in cli_dirs]
    dirs += [Path(d) for d in os.environ.get(LAYERS_ENV, "").split(os.pathsep) if d]
    return dirs


def load_chain(spec_path: Path, layer_dirs: Sequence[Path] = ()) -> list[Layer]:
    """Read ``spec_path`` and every layer it extends. Returns the chain top (company) first."""
    chain: list[Layer] = []
    path = Path(os.path.realpath(spec_path))  # Path.resolve() raises on a symlink loop
    display = display_path(path)
    while True:
        problem = _not_a_layer_file(path)
        if problem is not None:
            if chain:
                child = chain[-1]
                raise SpecError(
                    f"extends '{child.data['extends']}', but {display} {problem}",
                    location=child.location(("extends",)),
                )
            if problem == "does not exist":
                problem = "not found (use --spec PATH)"
            raise SpecError(f"spec file {problem}", location=Location(display))
        layer = _read_layer(path, display)
        if chain:
            _check_kind_order(chain[-1], layer)
        chain.append(layer)
        parent = layer.data.get("extends")
        if parent is None:
            break
        try:
            path, display = _resolve_extends(layer, parent, layer_dirs)
        except RuntimeError:  # Path.resolve() before Python 3.13: a symlink loop
            raise SpecError(
                f"extends '{parent}', but "
                f"{display_path(Path(os.path.realpath(layer.path.parent / parent)))} is a "
                "symlink loop", location=layer.location(("extends",))) from None
        seen = [c.path for c in chain]
        if path in seen:
            cycle = " -> ".join(c.file for c in chain[seen.index(path):]) + f" -> {display}"
            raise SpecError(
                f"extends cycle: {cycle}", location=layer.location(("extends",))
            )
    chain.reverse()
    return chain


def _not_a_layer_file(path: Path) -> str | None:
    """Why ``path`` cannot be a layer ('does not exist', 'is a symlink loop', 'is not a regular
    file (a FIFO)'), or None to read it (a file that cannot be read says why when it is)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return "does not exist"
        return "is a symlink loop" if exc.errno == errno.ELOOP else None
    return None if stat.S_ISREG(mode) else f"is not a regular file ({file_kind(mode)})"


# path -> (fingerprint, layer): a fleet's shared layers are read once per process
_READ: dict[Path, tuple[tuple[object, ...], Layer]] = {}


def _read_layer(path: Path, display: str) -> Layer:
    """The layer in ``path``; the same object again while the file is unchanged."""
    try:
        st = path.stat()
        fingerprint: tuple[object, ...] = (display, st.st_mtime_ns, st.st_size, st.st_ino)
    except OSError:
        fingerprint = ()
    hit = _READ.get(path)
    if hit is not None and fingerprint and hit[0] == fingerprint:
        return hit[1]
    layer = _parse_layer(path, display)
    if fingerprint:
        if len(_READ) >= 4096:
            _READ.clear()
        _READ[path] = (fingerprint, layer)
    return layer


def _parse_layer(path: Path, display: str) -> Layer:
    doc = load_yaml(path, display)
    if not isinstance(doc.data, dict):
        found = "an empty file" if doc.data is None else f"a {type(doc.data).__name__}"
        raise SpecError(
            f"a spec layer must be a YAML mapping, found {found}",
            location=Location(display, doc.lines.get(())),
        )
    data = doc.data
    layer_label = f"{_label_part(data.get('kind'))} {_label_part(data.get('name'))}"
    problems: list[SpecError] = []

    def problem(key: str, message: str) -> None:
        line = doc.line_of((key,)) if key in data else doc.lines.get(())
        location = Location(display, line, layer=layer_label, key=key)
        problems.append(SpecError(message, location=location))

    for key in HEADER_KEYS:
        if key not in data:
            problem(key, f"required in every layer file: add '{key}:'")
    if "superspec" in data and (type(data["superspec"]) is not int or data["superspec"] != 1):
        problem("superspec", f"unsupported format version {data['superspec']!r}; "
                             "this superspec reads version 1")
    if "kind" in data and (not isinstance(data["kind"], str) or data["kind"] not in KIND_RANK):
        problem("kind", f"must be one of company, department, project; got {data['kind']!r}")
    if "name" in data and (not isinstance(data["name"], str) or not data["name"].strip()):
        problem("name", "must be a non-empty string")
    if "extends" in data and not isinstance(data["extends"], str):
        problem("extends", "must be a path or a layer name (a string)")
    locked = data.get("locked", [])
    if not isinstance(locked, list) or not all(isinstance(p, str) and p for p in locked):
        problem("locked", "must be a list of dotted paths (strings)")
    if problems:
        raise SpecError(problems)
    return Layer(path=path, doc=doc, kind=data["kind"], name=data["name"])


def _label_part(value: object) -> str:
    return value if isinstance(value, str) and value else "?"


def _check_kind_order(child: Layer, parent: Layer) -> None:
    child_rank, parent_rank = KIND_RANK[child.kind], KIND_RANK[parent.kind]
    if parent_rank < child_rank or (parent_rank == child_rank == KIND_RANK["department"]):
        return
    raise SpecError(
        f"a {child.kind} cannot extend a {parent.kind} ({parent.file}); "
        "chains run project -> department(s) -> company",
        location=child.location(("extends",)),
    )


def _resolve_extends(layer: Layer, ref: str, layer_dirs: Sequence[Path]) -> tuple[Path, str]:
    """A path relative to the layer's file, or a name looked up as <dir>/<name>/superspec.yaml."""
    if looks_like_path(ref):
        target = (layer.path.parent / ref).resolve()
        return target, display_path(target)
    candidates = [Path(d) / ref / "superspec.yaml" for d in layer_dirs]
    for candidate in candidates:
        why = _not_a_layer_file(candidate)
        if why is None:
            target = candidate.resolve()
            return target, display_path(target)
        if why != "does not exist":  # a loop or a FIFO where the layer should be: not skipped
            raise SpecError(f"extends '{ref}', but {display_path(candidate)} {why}",
                            location=layer.location(("extends",)))
    searched = ", ".join(display_path(c) for c in candidates) or "no layer directories given"
    raise SpecError(
        f"extends '{ref}': no such layer (searched: {searched}); "
        f"pass --layers DIR or set {LAYERS_ENV}",
        location=layer.location(("extends",)),
    )


def looks_like_path(ref: str) -> bool:
    return ref.endswith((".yaml", ".yml")) or ref.startswith(("./", "../", "/"))
