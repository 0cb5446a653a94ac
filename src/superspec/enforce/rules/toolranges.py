"""The version ranges of requireToolVersion, per tool: Maven range syntax for the JVM tools, PEP 440
specifiers for python, npm semver ranges for node, npm and go. Shared by the rule and its options
model (which rejects a malformed range)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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


def wanted(options: Any) -> dict[str, str]:
    """Each tool the options name -> its range (options: the model or its values)."""
    return {t: getattr(options, t) for t in (*JVM_TOOLS, "python", *SEMVER_TOOLS)
            if getattr(options, t) is not None}
