"""The requirements a ``pyproject.toml`` declares: PEP 621 ``[project]`` ``dependencies`` and
``optional-dependencies``, PEP 735 ``[dependency-groups]``, and Poetry's
``[tool.poetry.dependencies]``, ``dev-dependencies`` and groups.

Each becomes a package the way a requirements file line does: ``==`` pins (a bare Poetry version
is one too), other specifiers unpinned (Poetry's ``^``/``~`` kept as written), URL, VCS and path
requirements with their origin (a Poetry path with ``develop = true`` is editable).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from superspec.enforce.python.graphbuild import Pkg, Req, norm
from superspec.enforce.python.tomlfile import bad, display, read_toml

_VERSION = re.compile(r"(?:==\s*)?(\d[A-Za-z0-9.+!_-]*)")


def declared_packages(pyproject: Path) -> list[Pkg]:
    """Every requirement ``pyproject`` declares, each located at its line: ``[project]``
    dependencies (scope ``runtime``), its extras (``optional``), ``[dependency-groups]``
    (``dev``), then Poetry's tables."""
    data = read_toml(pyproject)
    out: list[Pkg] = []
    project = _table(pyproject, data, "project")
    for text in _strings(pyproject, project.get("dependencies"), "[project] dependencies"):
        out.append(_pep508(pyproject, text, "runtime"))
    for extra, items in _table(pyproject, project, "optional-dependencies").items():
        for text in _strings(pyproject, items, f"[project.optional-dependencies] {extra}"):
            out.append(_pep508(pyproject, text, "optional"))
    for group, items in _table(pyproject, data, "dependency-groups").items():
        if not isinstance(items, list):
            raise bad(pyproject, f"[dependency-groups] {group} must be an array")
        for item in items:  # {include-group = "..."} names a group read on its own
            if isinstance(item, str):
                out.append(_pep508(pyproject, item, "dev"))
    poetry = _table(pyproject, _table(pyproject, data, "tool"), "poetry")
    groups = poetry.get("group")
    tables = [("runtime", poetry.get("dependencies")), ("dev", poetry.get("dev-dependencies"))]
    tables += [("dev", g.get("dependencies")) for g in
               (groups.values() if isinstance(groups, dict) else []) if isinstance(g, dict)]
    standard = {norm(p.name) for p in out}
    for scope, table in tables:
        if isinstance(table, dict):
            for name, constraint in table.items():
                if name.lower() == "python":
                    continue
                for pkg in _poetry(pyproject, name, constraint, scope):
                    # Poetry 2 keeps [project] the declaration; a bare entry here only adds
                    # settings (a source, develop) to it
                    if not (norm(name) in standard and pkg.origin == "registry"
                            and pkg.version == ""):
                        out.append(pkg)
    return out


def root_requirement(pkg: Pkg, exact: bool) -> Req:
    """The project's edge to a declared package: what it asks for (``==1.0``, ``>=2``, nothing
    for a URL or path); ``exact`` ties the edge to this very declaration."""
    requested = f"=={pkg.version}" if pkg.pinned else pkg.version if pkg.origin == "registry" \
        else ""
    return Req(pkg.name, requested, pkg.source, pkg.version if exact else None)


def _table(pyproject: Path, data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise bad(pyproject, f"'{key}' must be a table", f"{key}")
    return value


def _strings(pyproject: Path, value: Any, what: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad(pyproject, f"{what} must be an array of strings")
    return value


def _pep508(pyproject: Path, text: str, scope: str) -> Pkg:
    from superspec.enforce.python.requirements import parse_requirement

    return parse_requirement(text.strip(), scope, _where(pyproject, f'"{text}"', f"'{text}'"),
                             pyproject.parent)


def _poetry(pyproject: Path, name: str, constraint: Any, scope: str) -> list[Pkg]:
    where = _where(pyproject, f"{name} =", f"{name}=", f'"{name}"')
    out = []
    for item in constraint if isinstance(constraint, list) else [constraint]:
        item_scope, spec = scope, item
        if isinstance(item, dict):
            item_scope = "optional" if item.get("optional") else scope
            origin = _poetry_origin(pyproject, item)
            if origin is not None:
                out.append(Pkg(name, "", origin=origin[0], origin_ref=origin[1],
                               scope=item_scope, pinned=False, source=where))
                continue
            spec = item.get("version", "")
        text = str(spec).strip()
        exact = _VERSION.fullmatch(text)
        if text in ("", "*"):
            out.append(Pkg(name, "", scope=item_scope, pinned=False, source=where))
        elif exact:
            out.append(Pkg(name, exact.group(1), scope=item_scope, source=where))
        else:
            out.append(Pkg(name, text, scope=item_scope, pinned=False, source=where))
    return out


def _poetry_origin(pyproject: Path, item: dict[str, Any]) -> tuple[str, str] | None:
    for key in ("git", "url"):
        if isinstance(item.get(key), str):
            return key, item[key]
    path = item.get("path")
    if isinstance(path, str):
        if item.get("develop"):
            return "editable", path
        return ("file" if (pyproject.parent / path).is_file() else "directory"), path
    return None


def _where(pyproject: Path, *needles: str) -> str:
    """``pyproject.toml:LINE`` of the first line holding one of ``needles`` (TOML parsers keep
    no positions)."""
    try:
        lines = pyproject.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        lines = []
    for number, line in enumerate(lines, 1):
        if any(n in line for n in needles):
            return f"{display(pyproject)}:{number}"
    return display(pyproject)
