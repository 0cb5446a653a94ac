"""poetry.lock (lock-version 1.x and 2.0) plus the roots declared in pyproject.toml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from superspec.enforce.python.graphbuild import Pkg, Req
from superspec.enforce.python.tomlfile import bad, display, read_toml

_SOURCE_KINDS = {"git": "git", "url": "url", "file": "file", "directory": "directory"}


def read_poetry_lock(lock: Path) -> list[Pkg]:
    data = read_toml(lock)
    packages = data.get("package", [])
    if not isinstance(packages, list):
        raise bad(lock, "'package' must be an array of tables ([[package]])", "package")
    out: list[Pkg] = []
    for index, entry in enumerate(packages):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) \
                or not isinstance(entry.get("version"), str):
            raise bad(lock, f"package #{index + 1} needs string 'name' and 'version'",
                      _needle(entry))
        where = f"{display(lock)}"
        pkg = Pkg(entry["name"], entry["version"], source=where)
        source = entry.get("source")
        if isinstance(source, dict) and source.get("type") in _SOURCE_KINDS:
            pkg.origin = _SOURCE_KINDS[source["type"]]
            pkg.origin_ref = str(source.get("url", ""))
            if source.get("type") == "directory" and entry.get("develop"):
                pkg.origin = "editable"
        if entry.get("category") == "dev":  # lock-version 1.x
            pkg.scope = "dev"
        deps = entry.get("dependencies", {})
        if not isinstance(deps, dict):
            raise bad(lock, f"package '{entry['name']}': 'dependencies' must be a table",
                      f'name = "{entry["name"]}"')
        for name, constraint in deps.items():
            for spec in _constraints(constraint):
                pkg.requires.append(Req(name, spec, where))
        out.append(pkg)
    return out


def _needle(entry: Any) -> str | None:
    if isinstance(entry, dict) and isinstance(entry.get("name"), str):
        return f'name = "{entry["name"]}"'
    return None


def _constraints(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    out = []
    for item in items:
        if isinstance(item, dict):
            if item.get("optional"):
                continue
            item = item.get("version", "")
        spec = str(item).strip()
        out.append("" if spec in ("*", "") else spec)
    return out


def poetry_roots(pyproject: Path) -> list[Req]:
    """Declared dependencies: [tool.poetry.dependencies] (minus python), every group's and the
    old dev-dependencies, and PEP 621 [project.dependencies]."""
    if not pyproject.is_file():
        return []
    data = read_toml(pyproject)
    where = display(pyproject)
    roots: list[Req] = []
    poetry = data.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
    tables += [g.get("dependencies", {}) for g in poetry.get("group", {}).values()
               if isinstance(g, dict)]
    for table in tables:
        if isinstance(table, dict):
            for name, constraint in table.items():
                if name.lower() != "python":
                    roots += [Req(name, spec, where) for spec in _constraints(constraint)]
    roots += pep621_roots(data, where)
    return roots


def pep621_roots(data: dict[str, Any], where: str) -> list[Req]:
    from packaging.requirements import InvalidRequirement, Requirement

    out = []
    for text in data.get("project", {}).get("dependencies", []) or []:
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        out.append(Req(req.name, str(req.specifier), where))
    return out
