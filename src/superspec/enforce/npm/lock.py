"""package-lock.json (lockfileVersion 2 and 3) as a DependencyGraph.

Every ``packages`` entry is an installed copy at a ``node_modules`` location; a dependency of the
copy at ``L`` resolves as Node does: ``L/node_modules/NAME``, then each enclosing ``node_modules``
up to the project root. Each edge keeps the range the parent asked for (``requested``) and its
origin, classified from the spec like npm-package-arg (git, url, file, registry).
"""

from __future__ import annotations

import json
import re
from collections import deque
from pathlib import Path
from typing import Any

from superspec.enforce.graph import Coordinate, DependencyGraph
from superspec.enforce.locked import LockedDependency
from superspec.errors import InputError
from superspec.paths import display_path

LOCK = "package-lock.json"
_GIT_PREFIXES = ("git+", "git:", "github:", "gitlab:", "bitbucket:", "gist:")
_SHORTHAND = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+(#.*)?$")
_GROUPS = (("dependencies", "runtime"), ("optionalDependencies", "optional"),
           ("peerDependencies", "peer"), ("devDependencies", "dev"))


def load_lock(lock: Path) -> dict[str, Any]:
    try:
        text = lock.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{display_path(lock)}: not found (npm projects need a lock file: run "
                         "'npm install --package-lock-only')") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{display_path(lock)}: cannot read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{display_path(lock)}:{exc.lineno}:{exc.colno}: invalid JSON: "
                         f"{exc.msg}") from None
    where = display_path(lock)
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected a JSON object")
    version = data.get("lockfileVersion")
    if version not in (2, 3):
        line = _line_of(text, '"lockfileVersion"')
        raise InputError(f"{where}{line}: lockfileVersion {version!r} is not supported (2 or 3 "
                         "needed: regenerate the lock with npm 7 or later)")
    packages = data.get("packages")
    if not isinstance(packages, dict) or not isinstance(packages.get(""), dict):
        line = _line_of(text, '"packages"')
        raise InputError(f"{where}{line}: 'packages' must be an object with the root entry "
                         '""')
    for key, entry in packages.items():
        at = f"{where}{_line_of(text, json.dumps(key) + ':')}"
        label = f"packages[{json.dumps(key)}]"
        if not isinstance(entry, dict):
            raise InputError(f"{at}: {label} must be an object")
        if key and not entry.get("link") and not isinstance(entry.get("version"), str):
            raise InputError(f"{at}: {label} has no string 'version'")
        for group, _scope in _GROUPS:
            if group in entry and not isinstance(entry[group], dict):
                raise InputError(f"{at}: {label}.{group} must be an object")
    return data


def _line_of(text: str, needle: str) -> str:
    at = text.find(needle)
    return f":{text.count(chr(10), 0, at) + 1}" if at >= 0 else ""


def package_name(location: str, entry: dict[str, Any]) -> str:
    tail = location.rsplit("node_modules/", 1)[-1]
    return str(entry.get("name") or tail)


def classify(spec: str, entry: dict[str, Any]) -> tuple[str, str]:
    """(origin, reference) of a dependency spec: registry, git, url or file."""
    resolved = str(entry.get("resolved", ""))
    if entry.get("link") or spec.startswith(("file:", "link:", ".", "/", "~/")):
        return "file", resolved or spec
    if spec.startswith(_GIT_PREFIXES) or resolved.startswith("git+") or _SHORTHAND.match(spec):
        return "git", resolved or spec
    if spec.startswith(("http://", "https://")):
        return "url", spec
    return "registry", ""


def read_npm_project(project_dir: Path) -> DependencyGraph:
    lock = project_dir / LOCK
    data = load_lock(lock)
    packages: dict[str, dict[str, Any]] = data["packages"]
    top = packages[""]
    root = Coordinate("npm", str(top.get("name") or data.get("name") or project_dir.name),
                      str(top.get("version") or data.get("version") or "0.0.0"), type="project")
    graph = DependencyGraph(root=root, inputs=[lock] + ([project_dir / "package.json"]
                                                        if (project_dir / "package.json").is_file()
                                                        else []))
    seen = {""}
    queue: deque[tuple[str, tuple[Coordinate, ...]]] = deque([("", (root,))])
    while queue:
        location, path = queue.popleft()
        entry = packages[location]
        for group, edge_scope in _GROUPS:
            if group == "devDependencies" and location:
                continue  # only the project's own dev dependencies are installed
            for name, spec in sorted((entry.get(group) or {}).items()):
                found = _resolve(packages, location, name)
                if found is None:
                    continue  # an optional or peer dependency that is not installed
                target = _follow_link(packages, found)
                child = packages[target]
                requested = str(spec)
                if requested.startswith("npm:"):  # alias: npm:real-name@range
                    requested = requested[4:].rsplit("@", 1)[-1] if "@" in requested[5:] else ""
                origin, ref = classify(str(spec), packages[found])
                scope = "dev" if child.get("dev") or edge_scope == "dev" else \
                    "optional" if child.get("optional") else edge_scope
                coordinate = Coordinate("npm", package_name(target, child),
                                        str(child.get("version", "")), scope=scope, type="npm")
                dep = LockedDependency(coordinate=coordinate, path=path,
                                       optional=edge_scope in ("optional", "peer"),
                                       source=f"{LOCK} packages[{target!r}]",
                                       requested=requested, origin=origin, origin_ref=ref)
                graph.dependencies.append(dep)
                graph.resolved.setdefault(f"{coordinate.key}@{target}", dep)
                if target not in seen:
                    seen.add(target)
                    queue.append((target, path + (coordinate,)))
    return graph


def _resolve(packages: dict[str, Any], location: str, name: str) -> str | None:
    base = location
    while True:
        candidate = f"{base}/node_modules/{name}" if base else f"node_modules/{name}"
        if candidate in packages:
            return candidate
        if not base:
            return None
        cut = base.rfind("node_modules/")
        base = base[:cut].rstrip("/") if cut > 0 else ""


def _follow_link(packages: dict[str, Any], location: str) -> str:
    entry = packages[location]
    if entry.get("link") and isinstance(entry.get("resolved"), str) \
            and entry["resolved"] in packages:
        return str(entry["resolved"])
    return location
