"""JSON Schema of one layer file, for editors: every key optional (layers are partial) and nullable
(``null`` deletes), except the header every file must carry."""

from __future__ import annotations

from typing import Any

from superspec import __version__
from superspec.spec.models import Spec

SCHEMA_ID = "https://superspec.dev/schema/v1/superspec.schema.json"
LAYER_REQUIRED = ["superspec", "kind", "name"]


def layer_schema() -> dict[str, Any]:
    schema = _relax(Spec.model_json_schema(by_alias=True, mode="validation"))
    schema["required"] = LAYER_REQUIRED
    for key in LAYER_REQUIRED:  # the header may not be deleted
        schema["properties"][key] = _strip_null(schema["properties"][key])
    schema["properties"]["extends"] = {
        "type": "string", "description": "Parent layer: a path relative to this file, or a name "
        "looked up as <dir>/<name>/superspec.yaml in --layers / SUPERSPEC_LAYERS."}
    schema["properties"]["locked"] = {
        "type": "array", "items": {"type": "string"},
        "description": "Dotted paths that no layer below this one may set, change or delete."}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"superspec layer (format 1, superspec {__version__})",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def _relax(node: Any) -> Any:
    """Everywhere: drop 'required' and let every mapping value be null (deletion)."""
    if isinstance(node, list):
        return [_relax(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {
        key: {name: _relax(sub) for name, sub in value.items()}
        if key in ("properties", "$defs") else _relax(value)
        for key, value in node.items()
    }
    node.pop("required", None)
    if isinstance(node.get("properties"), dict):
        node["properties"] = {k: _nullable(v) for k, v in node["properties"].items()}
    if isinstance(node.get("additionalProperties"), dict):
        node["additionalProperties"] = _nullable(node["additionalProperties"])
    return node


def _nullable(prop: dict[str, Any]) -> dict[str, Any]:
    options = prop.get("anyOf")
    if options is not None and any(o.get("type") == "null" for o in options):
        return prop
    meta: dict[str, Any] = {k: prop[k] for k in ("title", "description", "default") if k in prop}
    body = {k: v for k, v in prop.items() if k not in meta}
    return {**meta, "anyOf": [body, {"type": "null"}]}


def _strip_null(prop: dict[str, Any]) -> dict[str, Any]:
    options = [o for o in prop.get("anyOf", []) if o.get("type") != "null"]
    if len(options) == 1:
        meta = {k: v for k, v in prop.items() if k != "anyOf"}
        return {**meta, **options[0]}
    return prop
