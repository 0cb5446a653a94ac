"""The project as the rules see it: detected ecosystems, their dependency graphs (read lazily, once
per run, shared by all rules), tool versions, and every input file read (for the result cache)."""

from __future__ import annotations

from pathlib import Path

from superspec.enforce.graph import DependencyGraph
from superspec.enforce.markers import PYTHON_MARKERS
from superspec.enforce.tools import ToolProbe, ToolVersion
from superspec.errors import SuperspecError


def detect_ecosystems(project_dir: Path, build_tool: str) -> list[str]:
    """pom.xml -> maven; requirements*.txt / poetry.lock / uv.lock / pyproject -> python;
    package-lock.json -> npm. ``build.tool`` adds its own ecosystem even without those files."""
    found: list[str] = []
    if build_tool == "maven" or (project_dir / "pom.xml").is_file():
        found.append("maven")
    if build_tool == "python" or any((project_dir / m).is_file() for m in PYTHON_MARKERS) \
            or any(project_dir.glob("requirements*.txt")):
        found.append("python")
    if build_tool == "npm" or (project_dir / "package-lock.json").is_file():
        found.append("npm")
    return found


def read_graph(ecosystem: str, project_dir: Path, maven_repo: Path | None) -> DependencyGraph:
    if ecosystem == "maven":
        from superspec.enforce.maven import read_maven_project

        return read_maven_project(project_dir, maven_repo)
    if ecosystem == "python":
        from superspec.enforce.python import read_python_project

        return read_python_project(project_dir)
    from superspec.enforce.npm.lock import read_npm_project

    return read_npm_project(project_dir)


class Workspace:
    def __init__(self, project_dir: Path, build_tool: str, branch: str | None,
                 maven_repo: Path | None = None, tool_cache: Path | None = None) -> None:
        self.project_dir = project_dir
        self.build_tool = build_tool
        self.branch = branch
        self.maven_repo = maven_repo
        self.inputs: set[Path] = set()
        self.warnings: list[str] = []  # from the readers, e.g. a dependency's POM is missing
        self.tools = ToolProbe(tool_cache)
        self.tools_used: set[str] = set()
        self._ecosystems: list[str] | None = None
        self._graphs: dict[str, DependencyGraph | SuperspecError] = {}

    def ecosystems(self) -> list[str]:
        if self._ecosystems is None:
            self._ecosystems = detect_ecosystems(self.project_dir, self.build_tool)
        return self._ecosystems

    def preload(self, graph: DependencyGraph) -> None:
        """Use an already-built graph for its ecosystem (embedding callers; tests)."""
        if self._ecosystems is None:
            self._ecosystems = []
        if graph.root.ecosystem not in self._ecosystems:
            self._ecosystems.append(graph.root.ecosystem)
        self._graphs[graph.root.ecosystem] = graph

    def graph(self, ecosystem: str) -> DependencyGraph:
        """Read once; a reader's located error is raised again to every rule that asks."""
        if ecosystem not in self._graphs:
            try:
                graph = read_graph(ecosystem, self.project_dir, self.maven_repo)
            except SuperspecError as exc:
                self._graphs[ecosystem] = exc
            else:
                self._graphs[ecosystem] = graph
                self.warnings.extend(str(w) for w in getattr(graph, "warnings", ()))
                self.inputs.update(Path(p) for p in graph.inputs)
                self.inputs.update(d.artifact for d in graph.resolved.values()
                                   if d.artifact is not None)
        found = self._graphs[ecosystem]
        if isinstance(found, SuperspecError):
            raise found
        return found

    def tool_versions(self, names: list[str]) -> dict[str, ToolVersion]:
        self.tools_used.update(names)
        return self.tools.versions(names)
