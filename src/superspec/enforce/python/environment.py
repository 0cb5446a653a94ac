"""The active Python environment: installed distributions (importlib.metadata), their
Requires-Dist edges and PEP 610 ``direct_url.json`` origins.

Which environment: ``$VIRTUAL_ENV`` when set, else the project's ``.venv``. Never the environment
superspec itself runs in (its own dependencies are not the project's), even when it is the active
one: with neither, there is no environment to read.
"""

from __future__ import annotations

import json
import os
import sys
from importlib import metadata
from pathlib import Path

from packaging.markers import UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement

from superspec.enforce.python.graphbuild import Pkg, Req, norm


def environment_paths(project_dir: Path) -> list[Path]:
    """The site-packages directories of the environment to inspect; empty when the user points
    at none (superspec's own environment does not count)."""
    venv = os.environ.get("VIRTUAL_ENV")
    candidates = [Path(venv)] if venv else []
    candidates.append(project_dir / ".venv")
    own = _real(Path(sys.prefix))
    for root in candidates:
        if _real(root) == own:
            continue
        found = sorted(root.glob("lib/python3*/site-packages")) + \
            sorted(root.glob("Lib/site-packages"))
        if found:
            return found
    return []


def _real(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def distributions(paths: list[Path]) -> list[metadata.Distribution]:
    """Installed distributions, first on the path wins for a name (as the import system does)."""
    seen: dict[str, metadata.Distribution] = {}
    for dist in metadata.distributions(path=[str(p) for p in paths]):
        name = dist.metadata["Name"]
        if name and norm(name) not in seen:
            seen[norm(name)] = dist
    return [seen[k] for k in sorted(seen)]


def read_environment(paths: list[Path]) -> tuple[list[Pkg], list[Path]]:
    pkgs: list[Pkg] = []
    inputs: list[Path] = list(paths)
    for dist in distributions(paths):
        location = _dist_dir(dist)
        where = str(location) if location else dist.metadata["Name"]
        pkg = Pkg(dist.metadata["Name"], dist.version, source=where)
        for text in dist.requires or []:
            req = _active(text)
            if req is not None:
                pkg.requires.append(Req(req.name, str(req.specifier), where))
        pkg.origin, pkg.origin_ref = _direct_url(dist)
        if location is not None:
            inputs.append(location)
        pkgs.append(pkg)
    return pkgs, inputs


def _active(text: str) -> Requirement | None:
    """A Requires-Dist entry that applies here (markers true, not behind an extra)."""
    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None
    if req.marker is not None:
        try:
            if not req.marker.evaluate({"extra": ""}):
                return None
        except UndefinedEnvironmentName:
            return None
    return req


def _dist_dir(dist: metadata.Distribution) -> Path | None:
    path = getattr(dist, "_path", None)
    return Path(path) if path is not None else None


def _direct_url(dist: metadata.Distribution) -> tuple[str, str]:
    text = dist.read_text("direct_url.json")
    if not text:
        return "registry", ""
    try:
        data = json.loads(text)
    except ValueError:
        return "registry", ""
    url = str(data.get("url", ""))
    if "vcs_info" in data:
        return "git", url
    if data.get("dir_info", {}).get("editable"):
        return "editable", url
    if "dir_info" in data:
        return "directory", url
    return ("file" if url.startswith("file:") else "url"), url


def top_level(pkgs: list[Pkg]) -> list[Req]:
    """Distributions nothing else requires: what was installed on purpose."""
    required = {norm(r.name) for p in pkgs for r in p.requires}
    return [Req(p.name, "", p.source, p.version) for p in pkgs if norm(p.name) not in required]
