"""requireToolVersion: installed java, maven, gradle, python, node, npm and go versions.

Ranges: Maven range syntax for the JVM tools (``[17,)``; a bare ``17`` means 17 or later, as in
Maven Enforcer), PEP 440 specifiers for python (``>=3.10``), npm semver ranges for node, npm and go
(``>=18``, ``^20.1``). A tool that is not installed is a violation, not a crash."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import field_validator, model_validator

from superspec.enforce.model import Violation
from superspec.enforce.rule import RuleContext, RuleOptions

JVM_TOOLS = ("java", "maven", "gradle")
SEMVER_TOOLS = ("node", "npm", "go")


def matcher(tool: str, spec: str) -> Callable[[str], bool]:
    """A predicate for ``spec``; raises ValueError when ``spec`` is malformed for ``tool``."""
    if tool in JVM_TOOLS:
        from superspec.enforce.maven.versions import InvalidVersionRange, VersionRange

        try:
            rng = VersionRange.parse(spec)
        except InvalidVersionRange as exc:
            raise ValueError(f"invalid Maven version range '{spec}': {exc}") from None
        return rng.contains
    if tool == "python":
        from packaging.specifiers import InvalidSpecifier, SpecifierSet
        from packaging.version import InvalidVersion, Version

        try:
            specifier = SpecifierSet(spec)
        except InvalidSpecifier:
            raise ValueError(f"invalid PEP 440 specifier '{spec}'") from None

        def python_ok(version: str) -> bool:
            try:
                return specifier.contains(Version(version), prereleases=True)
            except InvalidVersion:
                return False

        return python_ok
    from superspec.enforce.npm.semver import InvalidSemver, Range, SemVer

    try:
        semver_range = Range.parse(spec)
    except InvalidSemver:
        raise ValueError(f"invalid semver range '{spec}'") from None

    def semver_ok(version: str) -> bool:
        try:
            v = SemVer.parse(version)
        except InvalidSemver:
            v = SemVer.coerce(version)
        return semver_range.satisfied_by(v)

    return semver_ok


class RequireToolVersion:
    id = "requireToolVersion"

    class Options(RuleOptions):
        java: str | None = None
        maven: str | None = None
        gradle: str | None = None
        python: str | None = None
        node: str | None = None
        npm: str | None = None
        go: str | None = None
        message: str | None = None

        @field_validator("java", "maven", "gradle", "python", "node", "npm", "go")
        @classmethod
        def _valid(cls, value: str | None, info: object) -> str | None:
            if value is not None:
                matcher(getattr(info, "field_name", ""), value)
            return value

        @model_validator(mode="after")
        def _some(self) -> RequireToolVersion.Options:
            if not self.wanted():
                raise ValueError("name at least one tool: java, maven, gradle, python, node, "
                                 "npm, go")
            return self

        def wanted(self) -> dict[str, str]:
            return {t: getattr(self, t) for t in (*JVM_TOOLS, "python", *SEMVER_TOOLS)
                    if getattr(self, t) is not None}

    def check(self, context: RuleContext) -> list[Violation]:
        wanted = context.options.wanted()
        found = context.tool_versions(list(wanted))
        out = []
        for tool, spec in wanted.items():
            probe = found[tool]
            if probe.version is None:
                out.append(context.violation(f"{tool} is required ({spec}) but not available: "
                                             f"{probe.detail}"))
            elif not matcher(tool, spec)(probe.version):
                out.append(context.violation(context.options.message or
                                             f"{tool} {probe.version} ({probe.path}) is not in "
                                             f"the allowed range {spec}"))
        return out
