"""Dependency patterns of bannedDependencies, requireReleaseDeps and friends.

Maven (Enforcer 3.1.0's ArtifactMatcher):
``groupId[:artifactId[:version[:type[:scope[:classifier]]]]]`` with ``*`` and ``?`` wildcards in
every part; the version part matches as a wildcard string, else as a version range, where a bare
version means "that version or later" (Enforcer's ``containsVersion``). Python:
``name[specifier]`` (``urllib3<2``, ``django>=3,<4``; ``*`` allowed in the name). npm:
``name[@range]`` (``lodash@<4.17.21``, ``@scope/pkg@^1``; ``*`` allowed in the name). A pattern
with ``:`` is Maven only; with ``@`` after its first character, npm only; a pattern with a PEP
440 operator, Python only; a plain name applies to Python and npm (and, as in Enforcer, to a
Maven groupId)."""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from superspec.enforce.graph import Coordinate

if TYPE_CHECKING:  # packaging is imported only when a Python pattern is used
    from packaging.specifiers import SpecifierSet

_PY = re.compile(r"^\s*([A-Za-z0-9*?][A-Za-z0-9._*?-]*)\s*(\[[^\]]*\])?\s*(.*?)\s*$")


class PatternError(ValueError):
    pass


def _wildcard(expression: str, value: str) -> bool:
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in expression)
    return expression == "*" or re.fullmatch(regex, value, flags=re.DOTALL) is not None


@dataclass(frozen=True)
class MavenPattern:
    text: str
    parts: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> MavenPattern:
        parts = tuple(text.split(":"))
        if len(parts) > 6:
            raise PatternError(f"pattern '{text}' has too many ':' (at most "
                               "groupId:artifactId:version:type:scope:classifier)")
        if any(p == "" for p in parts):
            raise PatternError(f"pattern '{text}' has an empty part")
        if len(parts) >= 3 and not _wildcard_only(parts[2]):
            from superspec.enforce.maven.versions import InvalidVersionRange, VersionRange

            try:
                VersionRange.parse(parts[2])
            except InvalidVersionRange as exc:
                raise PatternError(f"pattern '{text}': {exc}") from None
        return cls(text, parts)

    def matches(self, c: Coordinate) -> bool:
        group, _, artifact = c.name.partition(":")
        values = [group, artifact, c.version, c.type or "jar", c.scope or "compile", c.classifier]
        for i, part in enumerate(self.parts):
            if i == 2:
                if not _wildcard(part, c.version) and not _in_range(part, c.version):
                    return False
            elif not _wildcard(part, values[i]):
                return False
        return True


def _wildcard_only(part: str) -> bool:
    return "*" in part or "?" in part


def _in_range(spec: str, version: str) -> bool:
    if _wildcard_only(spec):
        return False
    from superspec.enforce.maven.versions import InvalidVersionRange, VersionRange

    try:
        return VersionRange.parse(spec).contains(version)
    except InvalidVersionRange:
        return False


@dataclass(frozen=True)
class PythonPattern:
    text: str
    name: str
    specifier: SpecifierSet

    @classmethod
    def parse(cls, text: str) -> PythonPattern:
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        m = _PY.match(text)
        if not m:
            raise PatternError(f"pattern '{text}' is not 'name[specifier]'")
        try:
            spec = SpecifierSet(m.group(3))
        except InvalidSpecifier:
            raise PatternError(f"pattern '{text}': invalid version specifier "
                               f"'{m.group(3)}'") from None
        return cls(text, re.sub(r"[-_.]+", "-", m.group(1)).lower(), spec)

    def matches(self, c: Coordinate) -> bool:
        from packaging.utils import canonicalize_name
        from packaging.version import InvalidVersion, Version

        if not fnmatch.fnmatchcase(canonicalize_name(c.name), self.name):
            return False
        if not str(self.specifier):
            return True
        try:
            return self.specifier.contains(Version(c.version), prereleases=True)
        except InvalidVersion:
            return False


@dataclass(frozen=True)
class NpmPattern:
    text: str
    name: str
    range: str

    @classmethod
    def parse(cls, text: str) -> NpmPattern:
        from superspec.enforce.npm.semver import InvalidSemver, Range

        at = text.find("@", 1)
        name, rng = (text, "") if at < 0 else (text[:at], text[at + 1:])
        if not name:
            raise PatternError(f"pattern '{text}' has no package name")
        if rng:
            try:
                Range.parse(rng)
            except InvalidSemver:
                raise PatternError(f"pattern '{text}': invalid semver range '{rng}'") from None
        return cls(text, name, rng)

    def matches(self, c: Coordinate) -> bool:
        from superspec.enforce.npm.semver import InvalidSemver, satisfies

        if not fnmatch.fnmatchcase(c.name, self.name):
            return False
        try:
            return not self.range or satisfies(c.version, self.range)
        except InvalidSemver:
            return False


def ecosystems_of(text: str) -> tuple[str, ...]:
    if ":" in text:
        return ("maven",)
    if "@" in text[1:]:
        return ("npm",)
    if re.search(r"[<>=!~]", text):
        return ("python",)
    return ("maven", "python", "npm")


@functools.lru_cache(maxsize=1024)
def parse(text: str, ecosystem: str) -> MavenPattern | PythonPattern | NpmPattern | None:
    """The pattern for ``ecosystem``, or None when it does not apply there."""
    if ecosystem not in ecosystems_of(text):
        return None
    if ecosystem == "maven":
        return MavenPattern.parse(text)
    if ecosystem == "python":
        return PythonPattern.parse(text)
    return NpmPattern.parse(text)


def validate(patterns: list[str]) -> list[str]:
    """For options models: raise ValueError naming the first malformed pattern."""
    for text in patterns:
        for eco in ecosystems_of(text):
            parse(text, eco)
    return patterns


def pattern_matches(text: str, c: Coordinate) -> bool:
    """Whether the dependency pattern ``text`` (in ``c``'s ecosystem's syntax) matches ``c``."""
    pattern = parse(text, c.ecosystem)
    return pattern is not None and pattern.matches(c)


def name_matches(text: str, c: Coordinate) -> bool:
    """Whether the glob ``text`` matches ``c``'s name (``groupId:artifactId`` for Maven)."""
    return fnmatch.fnmatchcase(c.name, text)


@dataclass(frozen=True)
class Selector:
    """Every rule's excludes/includes. Enforcer's meaning: excluded unless also included
    (includes punch holes); ``selected`` is the filter meaning (only ``includes`` when given,
    minus ``excludes``). Patterns are dependency patterns, or name globs with ``name_matches``."""

    excludes: tuple[str, ...]
    includes: tuple[str, ...]
    match: Callable[[str, Coordinate], bool] = pattern_matches

    def first_exclude(self, c: Coordinate) -> str | None:
        """The exclude pattern that bans ``c`` (None: allowed)."""
        hit = self._first(self.excludes, c)
        if hit is None or self._first(self.includes, c) is not None:
            return None
        return hit

    def selected(self, c: Coordinate) -> bool:
        """Only ``includes`` (when given), minus ``excludes``."""
        if self.includes and self._first(self.includes, c) is None:
            return False
        return self._first(self.excludes, c) is None

    def _first(self, patterns: tuple[str, ...], c: Coordinate) -> str | None:
        return next((text for text in patterns if self.match(text, c)), None)


