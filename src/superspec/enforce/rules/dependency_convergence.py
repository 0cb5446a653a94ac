"""dependencyConvergence: every path to a package asks for the same version.

Maven (Enforcer 3.1.0): over the unresolved tree, compile and runtime scope, optional
dependencies left out; keyed by groupId:artifactId; ``uniqueVersions: false`` (default) compares
timestamped SNAPSHOTs by their base version. npm: the same package installed at different versions
(nested copies in package-lock.json). Python: one package locked or pinned at two versions (uv
forks, several requirement files)."""

from __future__ import annotations

from collections import defaultdict

from superspec.enforce.graph import Dependency, DependencyGraph
from superspec.enforce.model import Violation
from superspec.enforce.patterns import Selector
from superspec.enforce.rule import RuleContext
from superspec.enforce.rules.common import base_version, maven_classpath_edges, trails
from superspec.enforce.rules.optionsref import OptionsModel


class DependencyConvergence:
    id = "dependencyConvergence"
    Options = OptionsModel("DependencyConvergenceOptions")

    def check(self, context: RuleContext) -> list[Violation]:
        o = context.options
        selector = Selector(tuple(o.excludes), tuple(o.includes))
        out = []
        for graph in context.graphs():
            for key, deps in conflicts(graph, o.unique_versions).items():
                if not selector.selected(deps[0].coordinate):
                    continue
                versions = sorted({d.coordinate.version for d in deps})
                text = o.message or (f"dependency convergence error for {key}: "
                                     f"{len(versions)} versions ({', '.join(versions)})")
                out.append(context.violation(text, trail=trails(deps)))
        return out


def conflicts(graph: DependencyGraph, unique_versions: bool) -> dict[str, list[Dependency]]:
    edges = maven_classpath_edges(graph) if graph.root.ecosystem == "maven" \
        else graph.dependencies
    by_key: dict[str, list[Dependency]] = defaultdict(list)
    for dep in edges:
        by_key[dep.coordinate.name].append(dep)

    def version(dep: Dependency) -> str:
        v = dep.coordinate.version
        return v if unique_versions else base_version(v)

    return {k: v for k, v in sorted(by_key.items()) if len({version(d) for d in v}) > 1}
