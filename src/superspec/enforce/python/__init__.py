"""Python: dependency data from a lock file or the active environment, as a DependencyGraph.

Sources, first found wins: ``poetry.lock``, ``uv.lock``, ``requirements*.txt`` (all of them), else
the active environment (``$VIRTUAL_ENV``, the project's ``.venv``, or superspec's interpreter),
rooted at ``pyproject.toml``'s ``[project.dependencies]`` when present.
"""

from __future__ import annotations

from pathlib import Path

from superspec.enforce.graph import Coordinate, DependencyGraph
from superspec.enforce.python.graphbuild import Req, build_graph


def read_python_project(project_dir: Path) -> DependencyGraph:
    from superspec.enforce.python.tomlfile import display, read_toml

    pyproject = project_dir / "pyproject.toml"
    name, version = _project_name(project_dir)
    root = Coordinate("python", name, version, type="project")
    if (project_dir / "poetry.lock").is_file():
        from superspec.enforce.python.poetry import poetry_roots, read_poetry_lock

        lock = project_dir / "poetry.lock"
        pkgs = read_poetry_lock(lock)
        roots = poetry_roots(pyproject)
        return build_graph(root, roots, pkgs, [lock] + ([pyproject] if pyproject.is_file()
                                                        else []))
    if (project_dir / "uv.lock").is_file():
        from superspec.enforce.python.uvlock import read_uv_lock

        lock = project_dir / "uv.lock"
        roots, pkgs = read_uv_lock(lock)
        return build_graph(root, roots, pkgs, [lock])
    files = sorted(project_dir.glob("requirements*.txt"))
    if files:
        from superspec.enforce.python.requirements import read_requirement_files

        roots, pkgs, read = read_requirement_files(files)
        return build_graph(root, roots, pkgs, read)
    from superspec.enforce.python.environment import (
        environment_paths,
        read_environment,
        top_level,
    )
    from superspec.enforce.python.poetry import pep621_roots

    pkgs, inputs = read_environment(environment_paths(project_dir))
    declared: list[Req] = []
    if pyproject.is_file():
        declared = pep621_roots(read_toml(pyproject), display(pyproject))
        inputs.append(pyproject)
    return build_graph(root, declared or top_level(pkgs), pkgs, inputs)


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
