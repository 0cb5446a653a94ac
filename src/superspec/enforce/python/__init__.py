"""Python: dependency data from lock and requirement files, the project's environment, or the
requirements pyproject.toml declares, as a DependencyGraph.

Sources: every one of ``poetry.lock``, ``uv.lock`` and ``requirements*.txt`` present, read side by
side (each pin of each file is judged). Without any of them, the environment the user points at
(``$VIRTUAL_ENV``, else the project's ``.venv``; never superspec's own), rooted at the
requirements ``pyproject.toml`` declares; without an environment, those declared requirements
themselves.
"""

from __future__ import annotations

from pathlib import Path

from superspec.enforce.graph import Coordinate, DependencyGraph
from superspec.enforce.python.graphbuild import build_graph, combine


def read_python_project(project_dir: Path) -> DependencyGraph:
    pyproject = project_dir / "pyproject.toml"
    name, version = _project_name(project_dir)
    root = Coordinate("python", name, version, type="project")
    graphs: list[DependencyGraph] = []
    if (project_dir / "poetry.lock").is_file():
        from superspec.enforce.python.poetry import poetry_roots, read_poetry_lock

        lock = project_dir / "poetry.lock"
        pkgs = read_poetry_lock(lock)
        roots = poetry_roots(pyproject)
        graphs.append(build_graph(root, roots, pkgs, [lock] + ([pyproject] if pyproject.is_file()
                                                              else [])))
    if (project_dir / "uv.lock").is_file():
        from superspec.enforce.python.uvlock import read_uv_lock

        lock = project_dir / "uv.lock"
        roots, pkgs = read_uv_lock(lock)
        graphs.append(build_graph(root, roots, pkgs, [lock]))
    files = sorted(project_dir.glob("requirements*.txt"))
    if files:
        from superspec.enforce.python.requirements import read_requirement_files

        roots, pkgs, read = read_requirement_files(files)
        graphs.append(build_graph(root, roots, pkgs, read))
    if graphs:
        return combine(root, graphs)
    return _declared_or_installed(project_dir, root)


def _declared_or_installed(project_dir: Path, root: Coordinate) -> DependencyGraph:
    from superspec.enforce.python.declared import declared_packages, root_requirement
    from superspec.enforce.python.environment import (
        environment_paths,
        read_environment,
        top_level,
    )

    pyproject = project_dir / "pyproject.toml"
    declared = declared_packages(pyproject) if pyproject.is_file() else []
    inputs = [pyproject] if pyproject.is_file() else []
    paths = environment_paths(project_dir)
    if paths:
        pkgs, read = read_environment(paths)
        roots = [root_requirement(p, exact=False) for p in declared]
        return build_graph(root, roots or top_level(pkgs), pkgs, read + inputs)
    # no environment yet: one created at .venv later changes the verdict
    return build_graph(root, [root_requirement(p, exact=True) for p in declared], declared,
                       inputs + [project_dir / ".venv"])


def _project_name(project_dir: Path) -> tuple[str, str]:
    pyproject = project_dir / "pyproject.toml"
    if pyproject.is_file():
        from superspec.enforce.python.tomlfile import read_toml

        data = read_toml(pyproject)
        project = data.get("project") or data.get("tool", {}).get("poetry") or {}
        name, version = project.get("name"), project.get("version")
        if isinstance(name, str):
            return name, version if isinstance(version, str) else "0"
    return project_dir.resolve().name, "0"
