"""Effective values with their origin: what `superspec explain` shows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from superspec.errors import SpecError
from superspec.spec.effective import EffectiveSpec
from superspec.spec.layers import Layer
from superspec.spec.merge import Origin
from superspec.spec.validate import known_keys
from superspec.spec.yamlsource import KeyPath
from superspec.suggest import closest


@dataclass(frozen=True)
class Entry:
    """One effective leaf value (a scalar, a list or an empty mapping) and who set it."""

    path: KeyPath
    value: Any
    origin: Origin | None
    default: bool = False  # not set by any layer: the format's default

    @property
    def dotted(self) -> str:
        return ".".join(self.path)

    def as_dict(self) -> dict[str, Any]:
        origin = self.origin.as_dict() if self.origin else None
        return {"path": self.dotted, "value": self.value, "origin": origin, "default": self.default}

    def as_text(self) -> str:
        origin = "default" if self.default else str(self.origin) if self.origin else "merged"
        return f"{self.dotted} = {json.dumps(self.value, default=str)}    ({origin})"


def explain(effective: EffectiveSpec, dotted: str | None) -> list[Entry]:
    """Every leaf at or under ``dotted`` (the whole spec when None), in document order."""
    path: KeyPath = tuple(dotted.split(".")) if dotted else ()
    value: Any = effective.data
    full: Any = effective.model.model_dump(by_alias=True, exclude_none=True, mode="json")
    for depth, key in enumerate(path):
        if not isinstance(full, dict) or key not in full:
            deleted = _deleted(effective, path[: depth + 1], path)
            raise deleted or SpecError(_not_set(effective, path[: depth + 1], path))
        full = full[key]
        value = value.get(key) if isinstance(value, dict) else None
    return list(_leaves(effective, path, value, full))


def _leaves(effective: EffectiveSpec, path: KeyPath, value: Any, full: Any):  # type: ignore[no-untyped-def]
    """Leaves in document order; values only the format's defaults supply come last."""
    if path == ("locked",):  # each lock with the layer that declared it
        for index, lock in enumerate(sorted(effective.locks, key=lambda lk: lk.dotted)):
            yield Entry(("locked", str(index)), lock.dotted, lock.origin)
        return
    if isinstance(full, dict) and full:
        written = value if isinstance(value, dict) else {}
        keys = [k for k in written if k in full] + [k for k in full if k not in written]
        for key in keys:
            yield from _leaves(effective, path + (key,), written.get(key), full[key])
    elif value is None and full is not None:
        yield Entry(path, full, None, default=True)
    else:
        yield Entry(path, value, effective.origin(path))


def _not_set(effective: EffectiveSpec, missing: KeyPath, wanted: KeyPath) -> str:
    parent = missing[:-1]
    message = f"'{'.'.join(wanted)}' has no effective value"
    siblings = _keys_at(effective.data, parent) or known_keys(parent)
    close = closest(missing[-1], siblings)
    if close:
        message += f"; did you mean '{'.'.join(parent + (close,))}'?"
    chain = " -> ".join(layer.file for layer in reversed(effective.layers))
    return message + f" (no layer sets '{'.'.join(missing)}'; chain: {chain})"


def _deleted(effective: EffectiveSpec, missing: KeyPath, wanted: KeyPath) -> SpecError | None:
    """The error naming the layer whose ``key: null`` removed ``missing`` (or an ancestor), with
    the nearest layer above it that set the value; None when no layer deleted it."""
    layers = effective.layers  # top (company) first
    for index in range(len(layers) - 1, -1, -1):
        layer = layers[index]
        for depth in range(1, len(missing) + 1):
            found, value = _lookup(layer.data, missing[:depth])
            if not found:
                break
            if value is None:
                return _deleted_by(layers[:index], layer, missing[:depth], wanted)
        else:
            return None  # the lowest layer naming it sets it: not a deletion
    return None


def _deleted_by(above: list[Layer], layer: Layer, deleted: KeyPath, wanted: KeyPath) -> SpecError:
    what = "it" if deleted == wanted else f"'{'.'.join(deleted)}'"
    message = f"'{'.'.join(wanted)}' has no effective value: this layer deletes {what} (null)"
    setter = next((upper for upper in reversed(above)
                   if _lookup(upper.data, deleted)[1] is not None), None)
    if setter is not None:
        message += f", over {setter.label} at {setter.file}:{setter.doc.line_of(deleted)}"
    return SpecError(message, location=layer.location(deleted))


def _lookup(data: Any, path: KeyPath) -> tuple[bool, Any]:
    """(whether ``path`` is written in ``data``, its value)."""
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return False, None
        data = data[key]
    return True, data


def _keys_at(data: Any, path: KeyPath) -> list[str]:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return list(data) if isinstance(data, dict) else []
