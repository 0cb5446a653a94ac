"""Merge a chain of layers into one effective document, enforcing locks and recording provenance.

Rules (SPEC-FORMAT.md): mappings merge key by key; scalars and lists are replaced; ``key: null``
deletes. A path locked by a layer may not change in any layer below it (nor anything under it);
re-stating the identical value is allowed. Every effective path remembers who set it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from superspec.errors import SpecError
from superspec.spec.layers import Layer
from superspec.spec.yamlsource import KeyPath

CHAIN_KEYS = ("extends", "locked")  # describe the chain itself; not merged as data
ABSENT = object()


@dataclass(frozen=True)
class Origin:
    """The file, line and layer that set an effective value."""

    file: str
    line: int | None
    layer: str  # company | department | project
    name: str

    def __str__(self) -> str:
        return f"{self.layer} {self.name}: {self.file}:{self.line}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "layer": self.layer, "name": self.name}


@dataclass(frozen=True)
class Lock:
    """A dotted path locked by a layer, for every layer below it."""

    path: KeyPath
    origin: Origin

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@dataclass
class Merged:
    data: dict[str, Any]
    setters: dict[KeyPath, Layer]  # path -> the layer that last wrote it
    locks: list[Lock]
    # rule id -> the level in force where a lock covering that rule was declared: a lower
    # layer's `enforce.level` does not reach a locked rule
    pinned_levels: dict[str, str] = field(default_factory=dict)
    # path -> the path whose line the setter's file holds, for values one environment inherits
    # from another of its class (spec.classlocks)
    borrowed: dict[KeyPath, KeyPath] = field(default_factory=dict)

    def origin(self, path: KeyPath) -> Origin | None:
        layer = self.setters.get(path)
        return None if layer is None else origin_of(layer, self.borrowed.get(path, path))

    def copy(self) -> Merged:
        return Merged(copy_tree(self.data), dict(self.setters), list(self.locks),
                      dict(self.pinned_levels), dict(self.borrowed))


def origin_of(layer: Layer, path: KeyPath) -> Origin:
    return Origin(layer.file, layer.doc.line_of(path), layer.kind, layer.name)


# A fleet shares its company and department layers: their merge is done once per process.
# Keyed by the layer objects (the reader hands out the same object for an unchanged file).
_PARENTS: dict[tuple[int, ...], tuple[list[Layer], Merged]] = {}


def merge_chain(chain: list[Layer]) -> Merged:
    """Merge ``chain`` (top first). Raises SpecError listing every lock violation."""
    merged = _merge_parents(chain[:-1]).copy()
    _apply(merged, chain[-1])
    if merged.locks:
        merged.data["locked"] = sorted({lock.dotted for lock in merged.locks})
    return merged


def _merge_parents(parents: list[Layer]) -> Merged:
    key = tuple(id(layer) for layer in parents)
    hit = _PARENTS.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], parents, strict=True)):
        return hit[1]
    merged = Merged(data={}, setters={}, locks=[])
    for layer in parents:
        _apply(merged, layer)
    if len(_PARENTS) >= 256:
        _PARENTS.clear()
    _PARENTS[key] = (list(parents), merged)
    return merged


def _apply(merged: Merged, layer: Layer) -> None:
    problems: list[SpecError] = []
    _LayerMerge(merged, layer, problems).run()
    if problems:
        raise SpecError(problems)
    for index, dotted in enumerate(layer.data.get("locked") or []):
        origin = origin_of(layer, ("locked", str(index)))
        lock = Lock(tuple(dotted.split(".")), origin)
        merged.locks.append(lock)
        _pin_levels(merged, lock)


def _pin_levels(merged: Merged, lock: Lock) -> None:
    """A lock that covers a rule's level fixes it at the level in force where it was declared."""
    enforce = merged.data.get("enforce")
    if not isinstance(enforce, dict) or not isinstance(enforce.get("rules"), dict):
        return
    rules, default = enforce["rules"], enforce.get("level") or "error"
    for rule_id, config in rules.items():
        if lock.path != ("enforce", "rules", rule_id, "level")[: len(lock.path)]:
            continue
        level = config.get("level") if isinstance(config, dict) else None
        merged.pinned_levels.setdefault(rule_id, level or default)


class _LayerMerge:
    """Applies one layer onto the merged result so far."""

    def __init__(self, merged: Merged, layer: Layer, problems: list[SpecError]) -> None:
        self.merged = merged
        self.layer = layer
        self.problems = problems

    def run(self) -> None:
        body = {k: v for k, v in self.layer.data.items() if k not in CHAIN_KEYS}
        self._merge_mapping(self.merged.data, body, ())

    def _merge_mapping(self, target: dict[str, Any], source: dict[str, Any], path: KeyPath) -> None:
        for key, value in source.items():
            child = path + (key,)
            old = target.get(key, ABSENT)
            if value is None:
                self._check_locks(child, old, ABSENT)
                if old is not ABSENT:
                    del target[key]
                    self._forget(child)
            elif isinstance(value, dict) and isinstance(old, dict):
                self.merged.setters.setdefault(child, self.layer)
                self._merge_mapping(old, value, child)
            else:
                new = _without_nulls(value)
                self._check_locks(child, old, new)
                target[key] = new
                if old is not ABSENT:
                    self._forget(child)
                self._remember(new, child)

    def _check_locks(self, path: KeyPath, old: Any, new: Any) -> None:
        """A lock on ``path``, on an ancestor of it, or on anything under it must keep its value."""
        for lock in self.merged.locks:
            if lock.path[: len(path)] == path:  # the lock is at or under what this layer replaces
                rest = lock.path[len(path):]
                before, after = get_path(old, rest), get_path(new, rest)
            elif path[: len(lock.path)] == lock.path:  # this layer writes under the locked path
                before, after = old, new
            else:
                continue
            if not same(before, after):
                deeper = len(lock.path) > len(path)
                where = _deepest_written(self.layer, lock.path) if deeper else path
                self.problems.append(self._violation(lock, where, before, after))
                return

    def _violation(self, lock: Lock, path: KeyPath, before: Any, after: Any) -> SpecError:
        change = (
            "deletes it" if after is ABSENT
            else f"sets it to {show(after)}" if before is ABSENT
            else f"changes it from {show(before)} to {show(after)}"
        )
        return SpecError(
            f"locked by {lock.origin.layer} {lock.origin.name} at {lock.origin.file}:"
            f"{lock.origin.line} (locked: {lock.dotted}); this layer {change}",
            location=self.layer.location(path),
        )

    def _forget(self, path: KeyPath) -> None:
        size = len(path)
        setters = self.merged.setters
        for key in [k for k in setters if len(k) >= size and k[:size] == path]:
            del setters[key]

    def _remember(self, value: Any, path: KeyPath) -> None:
        self.merged.setters[path] = self.layer
        if isinstance(value, dict):
            for key, item in value.items():
                self._remember(item, path + (key,))


def _deepest_written(layer: Layer, path: KeyPath) -> KeyPath:
    """The longest prefix of ``path`` that ``layer`` itself wrote: the key to point the user at."""
    while path[:-1] and path not in layer.doc.lines:
        path = path[:-1]
    return path


def _without_nulls(value: Any) -> Any:
    """A newly created mapping has nothing to delete: its null entries are simply absent."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    return value


def copy_tree(value: Any) -> Any:
    """A copy of a tree of dicts and lists (the leaves are immutable scalars)."""
    if isinstance(value, dict):
        return {key: copy_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_tree(item) for item in value]
    return value


def get_path(value: Any, path: KeyPath) -> Any:
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return ABSENT
        value = value[key]
    return value


def same(a: Any, b: Any) -> bool:
    if a is ABSENT or b is ABSENT:
        return a is b
    return _canonical(a) == _canonical(b)  # so that 1 and true, or 1 and 1.0, differ


def _canonical(value: Any) -> str:
    return json.dumps(value, default=repr, sort_keys=True)


def show(value: Any) -> str:
    text = json.dumps(value, default=str, sort_keys=True)
    return text if len(text) <= 60 else text[:57] + "..."
