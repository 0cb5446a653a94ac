"""Maven: offline POM model building and dependency resolution from a local repository.

``read_maven_project(project_dir, repo)`` resolves ``project_dir/pom.xml`` with Maven's semantics
(parents, properties, dependencyManagement and BOM imports, scopes, exclusions, optional,
nearest-wins) into the ``DependencyGraph`` every enforce rule reads. ``versions`` holds Maven's
version ordering and range parsing.
"""

from __future__ import annotations

from pathlib import Path

from superspec.enforce.maven.resolve import MavenDependency, MavenGraph
from superspec.enforce.maven.versions import ComparableVersion, InvalidVersionRange, VersionRange

__all__ = ["ComparableVersion", "InvalidVersionRange", "MavenDependency", "MavenGraph",
           "VersionRange", "read_maven_project"]


def read_maven_project(project_dir: Path, repo: Path | None = None) -> MavenGraph:
    """Resolve ``project_dir/pom.xml`` offline against the local repository ``repo``.

    ``repo`` None means: the ``localRepository`` of Maven's settings, else ``~/.m2/repository``.
    The result is a ``DependencyGraph`` (a ``MavenGraph``, whose ``warnings`` list what Maven
    would warn about). Raises ``superspec.errors.InputError`` (located: ``pom.xml:12: ...``) when
    the project's own POM, a parent or an imported BOM is missing or malformed, or a version
    range matches nothing. A *dependency's* missing or invalid POM is, as in Maven, a warning:
    the dependency stays in the graph (``descriptor_missing``), its own dependencies unknown.
    """
    from superspec.enforce.maven.resolve import resolve_project

    return resolve_project(Path(project_dir), repo)
