"""uv.lock (version 1): packages with their sources and dependency edges; the project itself is
the package whose source is ``editable``/``virtual`` ``.``, and its ``requires-dist`` metadata gives
the requested specifiers of the direct dependencies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from superspec.enforce.python.graphbuild import Pkg, Req, norm
from superspec.enforce.python.tomlfile import bad, display, read_toml


def read_uv_lock(lock: Path) -> tuple[list[Req], list[Pkg]]:
    data = read_toml(lock)
    if data.get("version") != 1:
        raise bad(lock, f"unsupported uv.lock version {data.get('version')!r} (expected 1)",
                  "version")
    where = display(lock)
    packages = data.get("package", [])
    if not isinstance(packages, list):
        raise bad(lock, "'package' must be an array of tables ([[package]])", "package")
    pkgs: list[Pkg] = []
    roots: list[Req] = []
    for index, entry in enumerate(packages):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise bad(lock, f"package #{index + 1} needs a string 'name'")
        name = entry["name"]
        source = entry.get("source", {})
        if not isinstance(source, dict):
            raise bad(lock, f"package '{name}': 'source' must be an inline table",
                      f'name = "{name}"')
        is_root = source.get("editable") == "." or source.get("virtual") == "."
        version = entry.get("version", "0" if is_root else None)
        if not isinstance(version, str):
            raise bad(lock, f"package '{name}' has no string 'version'", f'name = "{name}"')
        edges = _edges(lock, name, entry, with_extras=is_root)
        if is_root:
            specs = _requested(entry)
            roots += [Req(e.name, specs.get(norm(e.name), ""), where, e.version) for e in edges]
            continue
        origin, ref = _origin(source)
        pkgs.append(Pkg(name, version, edges, origin, ref, source=where))
    return roots, pkgs


def _edges(lock: Path, name: str, entry: dict[str, Any], with_extras: bool) -> list[Req]:
    """A package's dependency edges; for the project itself its extras and dev groups too.
    Other packages' extras are not followed: a package that only an extra brings in is still
    checked, attached directly to the project root (its path is shorter than the real one)."""
    lists = [entry.get("dependencies", [])]
    groups = ("optional-dependencies", "dev-dependencies") if with_extras else ()
    for group in groups:
        table = entry.get(group, {})
        if isinstance(table, dict):
            lists += list(table.values())
    out = []
    for items in lists:
        if not isinstance(items, list):
            raise bad(lock, f"package '{name}': dependencies must be arrays", f'name = "{name}"')
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                raise bad(lock, f"package '{name}': each dependency needs a string 'name'",
                          f'name = "{name}"')
            out.append(Req(item["name"], "", display(lock), item.get("version")))
    return out


def _requested(entry: dict[str, Any]) -> dict[str, str]:
    meta = entry.get("metadata", {})
    items = list(meta.get("requires-dist", []))
    for group in (meta.get("requires-dev", {}) or {}).values():
        items += group
    return {norm(i["name"]): i.get("specifier", "") for i in items
            if isinstance(i, dict) and "name" in i}


def _origin(source: dict[str, Any]) -> tuple[str, str]:
    for kind in ("git", "url", "path", "directory", "editable"):
        if kind in source:
            mapped = {"path": "file"}.get(kind, kind)
            return mapped, str(source[kind])
    return "registry", ""
