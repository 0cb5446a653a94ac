"""The effective spec: merged layers, validated model, provenance and locks, in one value.

``load_spec`` is the one way to read a spec. An unchanged chain is answered from the compiled-spec
cache (``spec.compiled``): then the layers, the merge result and the pydantic model are rebuilt
only when a caller touches them, and the data, digest, chain files and ``facts`` come straight
from the cache entry, so ``validate`` and the enforce runner never import pydantic for the spec.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from superspec.spec import compiled

TYPE_CHECKING = False  # not typing's: importing typing costs ~5 ms on the cached path
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from superspec.errors import Location, SpecError
    from superspec.spec.layers import Layer
    from superspec.spec.merge import Lock, Merged, Origin
    from superspec.spec.models import Spec
    from superspec.spec.yamlsource import KeyPath


class LayerView:
    """A chain file as the compiled-spec cache holds it: its path and data."""

    __slots__ = ("data", "path")

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data


class EffectiveSpec:
    """One project's effective spec. ``layers`` (top, i.e. company, first), ``merged`` and
    ``model`` are built on first use when the spec came from the compiled-spec cache."""

    def __init__(self, path: Path, layers: list[Layer] | None = None,
                 merged: Merged | None = None, model: Spec | None = None, *,
                 entry: dict[str, Any] | None = None) -> None:
        self.path = path  # the project's spec file
        self._layers = layers
        self._merged = merged
        self._model = model
        self._entry = entry
        self._digest: str | None = None if entry is None else entry["digest"]
        self._facts: dict[str, Any] | None = None if entry is None else entry["facts"]

    @property
    def cached(self) -> bool:
        """Whether this spec was answered by the compiled-spec cache."""
        return self._entry is not None

    @property
    def layers(self) -> list[Layer]:
        if self._layers is None:
            self._rebuild()
        assert self._layers is not None
        return self._layers

    @property
    def merged(self) -> Merged:
        if self._merged is None:
            self._rebuild()
        assert self._merged is not None
        return self._merged

    @property
    def model(self) -> Spec:
        if self._model is None:
            from superspec.spec.validate import validate_data, validate_merged

            # a cached spec validated when it was stored: its data alone builds the model, and
            # the layers are rebuilt only to locate a problem (a model changed since)
            model = validate_data(self.data) if self._merged is None else None
            self._model = model or validate_merged(self.merged, self.layers)
        return self._model

    def _rebuild(self) -> None:
        assert self._entry is not None
        self._layers, self._merged = compiled.rebuild(self._entry)

    @property
    def data(self) -> dict[str, Any]:
        """The merged data, keyed as written in YAML."""
        if self._merged is None and self._entry is not None:
            data: dict[str, Any] = self._entry["data"]
            return data
        return self.merged.data

    @property
    def layer_paths(self) -> list[Path]:
        """The chain's files (after symlinks), top first."""
        if self._layers is None and self._entry is not None:
            return [Path(path) for path, _digest in self._entry["chain"]]
        return [layer.path for layer in self.layers]

    @property
    def layer_files(self) -> list[str]:
        """The chain's files as messages name them, top first."""
        if self._layers is None and self._entry is not None:
            from superspec.paths import display_path

            return [display_path(path) for path, _digest in self._entry["chain"]]
        return [layer.file for layer in self.layers]

    def layer_view(self) -> list[Any]:
        """Each chain file's ``path`` and ``data`` (top first), without rebuilding the layers."""
        if self._layers is None and self._entry is not None:
            return [LayerView(Path(path), layer[2])
                    for (path, _digest), layer in zip(self._entry["chain"],
                                                      self._entry["layers"], strict=True)]
        return list(self.layers)

    @property
    def locks(self) -> list[Lock]:
        return self.merged.locks

    @property
    def facts(self) -> dict[str, Any]:
        """What the runners need of the model, as plain data: the project's name, its build
        tool, the default rule level, each rule's settings and the locked rule levels (the
        enforce runner), each pipeline stage's runner (``superspec step`` checks the stage its
        params name) and what packaging reads (``package.specdata``)."""
        if self._facts is None:
            self._facts = facts_of(self.model, self.merged)
        return self._facts

    def origin(self, path: str | KeyPath) -> Origin | None:
        return self.merged.origin(_keypath(path))

    def locate(self, path: str | KeyPath) -> Location:
        """Where ``path`` was set (file, line, layer, key), for located runner errors."""
        from superspec.spec.validate import locate

        return locate(_keypath(path), self.merged, self.layers)

    @property
    def digest(self) -> str:
        """sha256 of the canonical JSON of the effective data: the same spec, the same digest."""
        if self._digest is None:
            from superspec.digest import digest as data_digest

            self._digest = data_digest(self.data)
        return self._digest


def facts_of(model: Spec, merged: Merged) -> dict[str, Any]:
    rules = []
    for rule_id, config in model.enforce.rules.items():
        branch = config.only_when.branch if config.only_when is not None else None
        rules.append((rule_id, config.level, branch, config.options))
    facts = {"name": model.name, "tool": model.build.tool, "level": model.enforce.level,
             "rules": rules, "pinned": dict(merged.pinned_levels),
             "stages": {stage_id: model.stage_runner(stage_id)
                        for stage_id in model.pipeline.stages}}
    # what the package runner reads (superspec.package.specdata), so that a cached spec is
    # packaged without the model; left out when it cannot be computed (then the model is built)
    import contextlib

    from superspec.package.specdata import FACTS_KEY, package_facts

    with contextlib.suppress(Exception):  # the package runner then reports it from the model
        facts[FACTS_KEY] = package_facts(model)
    return facts


def load_spec(spec_path: str | Path, layer_dirs: Sequence[Path] = (),
              root: str | None = None, *, use_cache: bool = True) -> EffectiveSpec:
    """Read, merge and validate a spec and its layers. Raises SpecError with every problem found.
    With ``root`` (see ``spec.root``), the chain must end in that company layer. An unchanged
    chain comes from the compiled-spec cache unless ``use_cache`` is false (or the cache is
    bypassed for the process: ``--no-cache``, ``SUPERSPEC_NO_SPEC_CACHE``)."""
    if use_cache:
        entry = compiled.lookup(spec_path, layer_dirs, root)
        if entry is not None:
            return EffectiveSpec(Path(entry["chain"][-1][0]), entry=entry)
    started = compiled.now_ns()
    effective = _load(Path(spec_path), layer_dirs, root)
    if use_cache:
        compiled.store(spec_path, layer_dirs, root, effective.layers, effective.merged,
                       effective.digest, effective.facts, started)
    return effective


def _load(spec_path: Path, layer_dirs: Sequence[Path], root: str | None) -> EffectiveSpec:
    from superspec.errors import SpecError
    from superspec.spec.checks import check_semantics
    from superspec.spec.classlocks import apply_class_locks
    from superspec.spec.merge import merge_chain
    from superspec.spec.root import check_root
    from superspec.spec.usable import check_usable
    from superspec.spec.validate import locate, validate_merged

    chain = load_chain(spec_path, layer_dirs)
    if root is not None:
        check_root(chain, root, layer_dirs)
    problems = [p for layer in chain for p in _layer_problems(layer)[0]]
    if problems:
        raise SpecError(problems)
    merged = merge_chain(chain)
    apply_class_locks(merged, chain)
    problems = [p for layer in chain for p in _layer_problems(layer)[1]]
    if problems:  # after the locks: a locked value replaced by one of another type is a change
        raise SpecError(problems)
    model = validate_merged(merged, chain)

    def where(path: KeyPath) -> Location:
        return locate(path, merged, chain)

    problems = check_semantics(model, where, chain[0].name)
    problems += check_usable(model, where, chain[-1].path.parent)
    if problems:
        raise SpecError(problems)
    return EffectiveSpec(path=chain[-1].path, layers=chain, merged=merged, model=model)


def load_chain(spec_path: Path, layer_dirs: Sequence[Path] = ()) -> list[Layer]:
    """``spec.layers.load_chain``, imported on first use (a cached spec reads no YAML)."""
    from superspec.spec.layers import load_chain as read_chain

    return read_chain(spec_path, layer_dirs)


@lru_cache(maxsize=4096)
def _layer_problems(layer: Layer) -> tuple[list[SpecError], list[SpecError]]:
    """Checks of one layer on its own; layers are cached objects, so each file is checked once.
    Returns (unknown keys, lock paths and company-only keys; values of the wrong type)."""
    from superspec.spec.checks import check_company_only, check_lock_paths
    from superspec.spec.validate import check_layer

    keys, values = check_layer(layer)
    return keys + check_lock_paths(layer) + check_company_only(layer), values


def _keypath(path: str | KeyPath) -> KeyPath:
    return tuple(path.split(".")) if isinstance(path, str) else path
