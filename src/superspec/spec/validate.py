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


def check_layer(layer: Layer) -> tuple[list[SpecError], list[SpecError]]:
    """Checks of one layer on its own, as the JSON Schema of a layer makes them: unknown keys,
    and values of the wrong type (or out of range), each at every layer, even where a lower
    layer replaces or deletes the value. Required values and checks across keys wait for the
    merged spec. Returns (unknown keys, wrong values), each in line order."""
    data = _strip_nulls(layer.data)
    try:
        Spec.model_validate(data)
    except ValidationError as exc:
        found = [(path, error) for path, error in _errors(exc, data)
                 if error["type"] != "missing" and not _across_keys(path, error)]
        found.sort(key=lambda item: layer.doc.line_of(item[0]) or 0)
        keys = [_unknown_key(layer.location(path), path)
                for path, error in found if error["type"] == "extra_forbidden"]
        values = [_problem(error, path, layer.location(path))
                  for path, error in found if error["type"] != "extra_forbidden"]
        return keys, values
    return [], []


def validate_data(data: dict[str, Any]) -> Spec | None:
    """The model of merged ``data``, or None when it does not validate (``validate_merged``
    then says where)."""
    try:
        return Spec.model_validate(data)
    except ValidationError:
        return None


def validate_merged(merged: Merged, chain: list[Layer]) -> Spec:
    """Validate the merged data once; every problem is located through provenance."""
    try:
        return Spec.model_validate(merged.data)
    except ValidationError as exc:
        problems = [_merged_problem(path, error, merged, chain)
                    for path, error in _errors(exc, merged.data)]
        raise SpecError(problems) from None


def _merged_problem(path: KeyPath, error: Any, merged: Merged, chain: list[Layer]) -> SpecError:
    dotted = ".".join(path)
    if error["type"] == "missing":
        searched = ", ".join(f"{layer.label} ({layer.file})" for layer in reversed(chain))
        parent = locate(path[:-1], merged, chain) if path[:-1] else None
        where = parent or Location(chain[-1].file, None, layer=chain[-1].label)
        return SpecError(
            f"required value '{dotted}' is missing after merging the layers "
            f"(searched: {searched})",
            location=Location(where.file, where.line, layer=where.layer, key=dotted),
        )
    return _problem(error, path, locate(path, merged, chain))


def _problem(error: Any, path: KeyPath, location: Location) -> SpecError:
    if error["type"] == "extra_forbidden":
        return _unknown_key(location, path)
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    # superspec's own checks (value_error) name what they refuse; pydantic's do not
    if "input" in error and error["type"] not in ("model_type", "dict_type", "value_error") \
            and repr(error["input"]) not in message:
        message += f" (got {error['input']!r})"
    return SpecError(message, location=location)


def _across_keys(path: KeyPath, error: Any) -> bool:
    """A model's own validator (``agent``: label or docker) judges the merged mapping: one
    layer may set what a lower layer deletes."""
    return error["type"] in ("value_error", "assertion_error") and model_at(path) is not None


def _errors(exc: ValidationError, data: Any) -> list[tuple[KeyPath, Any]]:
    """pydantic's errors, each with the key path it is about in ``data``.

    A value that matches no member of a union (``branch: str | list[str]``) gets one error per
    member, under a path holding the member's name (``when.branch.str``). Those names are taken
    out, and the members' errors become one: the ones inside the value when a member's shape
    fits it (``branch: [1]`` is a list whose item is wrong), else one message naming every
    type the value could have had (``branch: 1``).
    """
    Found = list[tuple[KeyPath, Any]]
    slots: list[tuple[KeyPath | None, Found]] = []  # in pydantic's order: (union or None, errors)
    unions: dict[KeyPath, Found] = {}
    for error in exc.errors():
        path, union = _data_path(error["loc"], data, keep_last=error["type"] == "missing")
        if union is None:
            slots.append((None, [(path, error)]))
        elif union in unions:
            unions[union].append((path, error))
        else:
            unions[union] = [(path, error)]
            slots.append((union, unions[union]))
    out: Found = []
    for union, found in slots:
        out += found if union is None else _one_union(union, found)
    return out


def _one_union(union: KeyPath, members: list[tuple[KeyPath, Any]]) -> list[tuple[KeyPath, Any]]:
    inside = [(path, error) for path, error in members if len(path) > len(union)]
    if inside:
        return inside
    messages = [error["msg"] for _, error in members]
    merged = messages[0] + "".join(
        " or " + m.removeprefix("Input should be ") for m in dict.fromkeys(messages[1:]))
    return [(union, {**members[0][1], "msg": merged})]


def _data_path(loc: tuple[Any, ...], data: Any,
               keep_last: bool) -> tuple[KeyPath, KeyPath | None]:
    """``loc`` as a key path in ``data`` without union member names, and the path of the union
    whose member the error is about (None when it is about no union)."""
    path: list[str] = []
    union: KeyPath | None = None
    current = data
    for index, part in enumerate(loc):
        if isinstance(current, dict) and str(part) in current:
            current = current[str(part)]
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
        elif keep_last and index == len(loc) - 1:
            current = None  # the missing key itself
        else:
            if union is None:
                union = tuple(path)
            continue
        path.append(str(part))
    return tuple(path), union


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


def _strip_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_nulls(v) for k, v in value.items() if v is not None}
    return value
