"""bannedDependencies: no resolved dependency may match an ``excludes`` pattern unless it also
matches an ``includes`` pattern (includes punch holes in excludes, as in Maven Enforcer)."""

from __future__ import annotations

from superspec.enforce.model import Violation
from superspec.enforce.patterns import Selector
from superspec.enforce.rule import RuleContext
from superspec.enforce.rules.common import checked
from superspec.enforce.rules.optionsref import OptionsModel


class BannedDependencies:
    id = "bannedDependencies"
    Options = OptionsModel("BannedDependenciesOptions")

    def check(self, context: RuleContext) -> list[Violation]:
        o = context.options
        selector = Selector(tuple(o.excludes), tuple(o.includes))
        out = []
        for graph in context.graphs():
            for dep in checked(graph, o.search_transitive):
                pattern = selector.first_exclude(dep.coordinate)
                if pattern is not None:
                    text = o.message or f"banned dependency {dep.coordinate} (excluded by " \
                        f"'{pattern}')"
                    out.append(context.violation(text, dep))
        return out
