"""Turn pydantic's findings into located errors: file:line, layer and dotted key for each."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ValidationError

from superspec.errors import Location, SpecError
from superspec.spec.layers import Layer
from superspec.spec.merge import Merged
from superspec.spec.models import Spec
from superspec.spec.yamlsource import KeyPath
from superspec.suggest import hinted


def check_layer_keys(layer: Layer) -> list[SpecError]:
    """Unknown keys are errors at every layer, even ones a lower layer deletes."""
    try:
        Spec.model_validate(_strip_nulls(layer.data))
    except ValidationError as exc:
        paths = [_keypath(e["loc"]) for e in exc.errors() if e["type"] == "extra_forbidden"]
        paths.sort(key=lambda path: layer.doc.line_of(path) or 0)
        return [_unknown_key(layer.location(path), path) for path in paths]
    return []


def validate_merged(merged: Merged, chain: list[Layer]) -> Spec:
    """Validate the merged data once; every problem is located through provenance."""
    try:
        return Spec.model_validate(merged.data)
    except ValidationError as exc:
        problems = [_merged_problem(error, merged, chain) for error in exc.errors()]
        raise SpecError([p for p in problems if p is not None]) from None


def _merged_problem(error: Any, merged: Merged, chain: list[Layer]) -> SpecError | None:
    path = _keypath(error["loc"])
    dotted = ".".join(path)
    if error["type"] == "extra_forbidden":
        return _unknown_key(locate(path, merged, chain), path)
    if error["type"] == "missing":
        searched = ", ".join(f"{layer.label} ({layer.file})" for layer in reversed(chain))
        parent = locate(path[:-1], merged, chain) if path[:-1] else None
        where = parent or Location(chain[-1].file, None, layer=chain[-1].label)
        return SpecError(
            f"required value '{dotted}' is missing after merging the layers "
            f"(searched: {searched})",
            location=Location(where.file, where.line, layer=where.layer, key=dotted),
        )
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    if "input" in error and error["type"] not in ("model_type", "dict_type") \
            and repr(error["input"]) not in message:  # a message that names it already
        message += f" (got {error['input']!r})"
    return SpecError(message, location=locate(path, merged, chain))


def locate(path: KeyPath, merged: Merged, chain: list[Layer]) -> Location:
    """The location of the layer that set ``path`` (or its closest ancestor)."""
    probe = path
    while probe and probe not in merged.setters:
        probe = probe[:-1]
    layer = merged.setters.get(probe)
    if layer is None:
        return Location(chain[-1].file, None, layer=chain[-1].label, key=".".join(path))
    line = layer.doc.line_of(merged.borrowed.get(path, path))
    return Location(layer.file, line, layer=layer.label, key=".".join(path))


def _unknown_key(location: Location, path: KeyPath) -> SpecError:
    key = path[-1]
    known = known_keys(path[:-1])
    message = f"unknown key '{key}'"
    if known:
        message = hinted(message, key, sorted(known), "known keys")
    return SpecError(message, location=location)


_OPEN = object()  # below here any key is allowed (free-form options or values)


def known_keys(path: KeyPath) -> list[str]:
    """The keys the schema allows under ``path`` ([] where any key goes, or path is unknown)."""
    model = model_at(path)
    if model is None or model.model_config.get("extra") != "forbid":
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def model_at(path: KeyPath) -> type[BaseModel] | None:
    """The pydantic model that describes the mapping at ``path``, if any."""
    annotation = annotation_at(path)
    return None if annotation is None or annotation is _OPEN else _as_model(annotation)


def path_exists_in_schema(path: KeyPath) -> bool:
    """Whether ``path`` can exist in a spec (used to check ``locked`` entries)."""
    return annotation_at(path) is not None


def annotation_at(path: KeyPath) -> Any:
    """The type annotation of ``path`` in the schema; None when no spec can contain it."""
    annotation: Any = Spec
    for key in path:
        if annotation is _OPEN:
            return _OPEN
        model = _as_model(annotation)
        if model is not None:
            field = _field_by_alias(model, key)
            if field is None and model.model_config.get("extra") == "allow":
                field = _OPEN
            annotation = field
        else:
            annotation = _dict_value_type(annotation)
            if annotation is Any:
                annotation = _OPEN
        if annotation is None:
            return None
    return annotation


def _field_by_alias(model: type[BaseModel], key: str) -> Any:
    for name, field in model.model_fields.items():
        if key in (field.alias, name):
            return field.annotation
    return None


def _unwrap(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return [a for a in typing.get_args(annotation) if a is not type(None)]
    return [annotation]


def _first(annotation: Any, pick: Callable[[Any], Any]) -> Any:
    for candidate in _unwrap(annotation):
        found = pick(candidate)
        if found is not None:
            return found
    return None


def _as_model(annotation: Any) -> type[BaseModel] | None:
    return _first(
        annotation, lambda a: a if isinstance(a, type) and issubclass(a, BaseModel) else None
    )


def _dict_value_type(annotation: Any) -> Any:
    return _first(
        annotation,
        lambda a: typing.get_args(a)[1] if typing.get_origin(a) is dict else None,
    )


def _keypath(loc: tuple[Any, ...]) -> KeyPath:
    return tuple(str(part) for part in loc)


def _strip_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_nulls(v) for k, v in value.items() if v is not None}
    return value
