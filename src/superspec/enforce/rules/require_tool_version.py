"""requireToolVersion: installed java, maven, gradle, python, node, npm and go versions.

Ranges: Maven range syntax for the JVM tools (``[17,)``; a bare ``17`` means 17 or later, as in
Maven Enforcer), PEP 440 specifiers for python (``>=3.10``), npm semver ranges for node, npm and go
(``>=18``, ``^20.1``). A tool that is not installed is a violation, not a crash."""

from __future__ import annotations

from superspec.enforce.model import Violation
from superspec.enforce.rule import RuleContext
from superspec.enforce.rules.optionsref import OptionsModel
from superspec.enforce.rules.toolranges import matcher, wanted


class RequireToolVersion:
    id = "requireToolVersion"
    Options = OptionsModel("RequireToolVersionOptions")

    def check(self, context: RuleContext) -> list[Violation]:
        tools = wanted(context.options)
        found = context.tool_versions(list(tools))
        out = []
        for tool, spec in tools.items():
            probe = found[tool]
            if probe.version is None:
                out.append(context.violation(f"{tool} is required ({spec}) but not available: "
                                             f"{probe.detail}"))
            elif not matcher(tool, spec)(probe.version):
                out.append(context.violation(context.options.message or
                                             f"{tool} {probe.version} ({probe.path}) is not in "
                                             f"the allowed range {spec}"))
        return out
