"""Maven: offline POM model building and dependency resolution from a local repository.

``read_maven_project(project_dir, repo)`` resolves ``project_dir/pom.xml`` with Maven's semantics
(parents, properties, dependencyManagement and BOM imports, scopes, exclusions, optional,
nearest-wins) into the ``DependencyGraph`` every enforce rule reads. ``versions`` holds Maven's
version ordering and range parsing.
"""

from __future__ import annotations

from pathlib import Path

from superspec.enforce.graph import DependencyGraph
from superspec.enforce.maven.resolve import MavenDependency
from superspec.enforce.maven.versions import ComparableVersion, InvalidVersionRange, VersionRange

__all__ = ["ComparableVersion", "InvalidVersionRange", "MavenDependency", "VersionRange",
           "read_maven_project"]


def read_maven_project(project_dir: Path, repo: Path | None = None) -> DependencyGraph:
    """Resolve ``project_dir/pom.xml`` offline against the local repository ``repo``.

    ``repo`` None means: the ``localRepository`` of Maven's settings, else ``~/.m2/repository``.
    Raises ``superspec.errors.InputError`` (located: ``pom.xml:12: ...``) on a malformed POM or a
    missing parent/artifact.
    """
    from superspec.enforce.maven.resolve import resolve_project

    return resolve_project(Path(project_dir), repo)
