"""The effective spec: merged layers, validated model, provenance and locks, in one value."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from superspec.digest import digest as data_digest
from superspec.errors import Location, SpecError
from superspec.spec.checks import check_company_only, check_lock_paths, check_semantics
from superspec.spec.classlocks import apply_class_locks
from superspec.spec.layers import Layer, load_chain
from superspec.spec.merge import Lock, Merged, Origin, merge_chain
from superspec.spec.models import Spec
from superspec.spec.root import check_root
from superspec.spec.usable import check_usable
from superspec.spec.validate import check_layer, locate, validate_merged
from superspec.spec.yamlsource import KeyPath


@dataclass(frozen=True)
class EffectiveSpec:
    path: Path  # the project's spec file
    layers: list[Layer]  # top (company) first
    merged: Merged
    model: Spec

    @property
    def data(self) -> dict[str, Any]:
        """The merged data, keyed as written in YAML."""
        return self.merged.data

    @property
    def locks(self) -> list[Lock]:
        return self.merged.locks

    def origin(self, path: str | KeyPath) -> Origin | None:
        return self.merged.origin(_keypath(path))

    def locate(self, path: str | KeyPath) -> Location:
        """Where ``path`` was set (file, line, layer, key), for located runner errors."""
        return locate(_keypath(path), self.merged, self.layers)

    @cached_property
    def digest(self) -> str:
        """sha256 of the canonical JSON of the effective data: the same spec, the same digest."""
        return data_digest(self.data)


def load_spec(spec_path: str | Path, layer_dirs: Sequence[Path] = (),
              root: str | None = None) -> EffectiveSpec:
    """Read, merge and validate a spec and its layers. Raises SpecError with every problem found.
    With ``root`` (see ``spec.root``), the chain must end in that company layer."""
    chain = load_chain(Path(spec_path), layer_dirs)
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


@lru_cache(maxsize=4096)
def _layer_problems(layer: Layer) -> tuple[list[SpecError], list[SpecError]]:
    """Checks of one layer on its own; layers are cached objects, so each file is checked once.
    Returns (unknown keys, lock paths and company-only keys; values of the wrong type)."""
    keys, values = check_layer(layer)
    return keys + check_lock_paths(layer) + check_company_only(layer), values


def _keypath(path: str | KeyPath) -> KeyPath:
    return tuple(path.split(".")) if isinstance(path, str) else path
