"""The resolved dependency graph every ecosystem reader produces and every rule reads.

A reader (maven, python, npm) turns a project into a ``DependencyGraph``: the root, and for each
node the dependencies it declared, *before* conflict resolution (so convergence and upper-bound
rules can see every requested version), plus the ``resolved`` choice per package key (what the build
actually uses: Maven's nearest-wins, a lock file's pin).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Coordinate:
    """One package at one version. ``key`` identifies the package across versions."""

    ecosystem: str  # "maven" | "python" | "npm"
    name: str  # maven: "group:artifact"; python: normalized project name; npm: package name
    version: str  # as requested/resolved; may be a range or spec for unpinned requirements
    scope: str = "compile"  # maven scopes; "runtime"/"dev"/"optional" elsewhere
    classifier: str = ""
    type: str = "jar"

    @property
    def key(self) -> str:
        return self.name if not self.classifier else f"{self.name}:{self.classifier}"

    def __str__(self) -> str:
        return f"{self.name}:{self.version}"


@dataclass(frozen=True)
class Dependency:
    """An edge: ``parent`` asked for ``coordinate``; ``path`` is the chain from the root."""

    coordinate: Coordinate
    path: tuple[Coordinate, ...]  # root first, ending with the parent
    optional: bool = False
    source: str | None = None  # where it was declared ("pom.xml:42", "package-lock.json")
    artifact: Path | None = None  # the file (jar, wheel dir) when the reader knows it

    def trail(self) -> str:
        """'root -> a:1 -> b:2' : which dependency path brought this one in."""
        return " -> ".join(str(c) for c in self.path + (self.coordinate,))


@dataclass
class DependencyGraph:
    root: Coordinate
    dependencies: list[Dependency] = field(default_factory=list)  # every edge, unresolved
    resolved: dict[str, Dependency] = field(default_factory=dict)  # package key -> winner
    inputs: list[Path] = field(default_factory=list)  # files read (for the result cache key)
