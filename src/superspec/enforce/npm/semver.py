"""npm's semver versions and ranges (node-semver semantics, without ``includePrerelease``).

Ranges: comparators ``>=1.2.3 <2``, X-ranges ``1.x`` ``1.2.*`` ``*`` ``""``, tilde ``~1.2.3``,
caret ``^0.2.3``, hyphen ``1.2 - 2.3.4``, unions ``a || b``, partial versions ``>1.2`` and an
optional ``v``/``=`` prefix. A pre-release version satisfies a range only when a comparator of the
same comparator set names a pre-release of the same major.minor.patch (node-semver's rule).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_NUM = r"0|[1-9]\d*"
_PART = r"[0-9A-Za-z-]+"
_VERSION = re.compile(
    rf"^\s*[v=]?\s*({_NUM})\.({_NUM})\.({_NUM})(?:-({_PART}(?:\.{_PART})*))?(?:\+({_PART}(?:\.{_PART})*))?\s*$"
)
_XR = r"[xX*]|0|[1-9]\d*"
_PARTIAL = re.compile(
    rf"^[v=]?\s*({_XR})(?:\.({_XR})(?:\.({_XR})(?:-({_PART}(?:\.{_PART})*))?(?:\+{_PART}(?:\.{_PART})*)?)?)?$"
)
_COMPARATOR = re.compile(r"^(<=|>=|<|>|=|~>|~|\^)?\s*(.*)$")


class InvalidSemver(ValueError):
    pass


@functools.total_ordering
@dataclass(frozen=True)
class SemVer:
    major: int
    minor: int
    patch: int
    prerelease: tuple[str | int, ...] = ()

    @classmethod
    def parse(cls, text: str) -> SemVer:
        m = _VERSION.match(text)
        if not m:
            raise InvalidSemver(f"invalid version: {text!r}")
        pre = tuple(int(p) if p.isdigit() else p for p in m.group(4).split(".")) \
            if m.group(4) else ()
        return cls(int(m.group(1)), int(m.group(2)), int(m.group(3)), pre)

    @classmethod
    def coerce(cls, text: str) -> SemVer:
        """The first ``N[.N[.N]]`` in ``text`` (like ``semver.coerce``): ``go1.21`` -> 1.21.0."""
        m = re.search(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", text)
        if not m:
            raise InvalidSemver(f"no version in {text!r}")
        return cls(int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0))

    @property
    def release(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    def __lt__(self, other: SemVer) -> bool:
        if self.release != other.release:
            return self.release < other.release
        if not self.prerelease or not other.prerelease:
            return bool(self.prerelease) and not other.prerelease
        return _pre_key(self.prerelease) < _pre_key(other.prerelease)

    def __str__(self) -> str:
        base = f"{self.major}.{self.minor}.{self.patch}"
        return base + ("-" + ".".join(str(p) for p in self.prerelease) if self.prerelease else "")


def _pre_key(pre: tuple[str | int, ...]) -> tuple[tuple[int, int, str], ...]:
    # numeric identifiers sort before alphanumeric ones; a shorter list sorts first
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in pre)


@dataclass(frozen=True)
class Comparator:
    op: str  # "<", "<=", ">", ">=", "="
    version: SemVer

    def test(self, v: SemVer) -> bool:
        if self.op == "=":
            return v == self.version
        if self.op == "<":
            return v < self.version
        if self.op == "<=":
            return v <= self.version
        if self.op == ">":
            return v > self.version
        return v >= self.version


_ZERO = SemVer(0, 0, 0, (0,))  # "0.0.0-0": the lowest version there is


@dataclass(frozen=True)
class Range:
    text: str
    sets: tuple[tuple[Comparator, ...], ...]

    @classmethod
    def parse(cls, text: str) -> Range:
        sets = []
        for part in text.split("||"):
            sets.append(tuple(_parse_set(part.strip(), text)))
        return cls(text, tuple(sets))

    def satisfied_by(self, version: SemVer | str) -> bool:
        v = SemVer.parse(version) if isinstance(version, str) else version
        return any(_test_set(s, v) for s in self.sets)

    def __str__(self) -> str:
        return self.text


def satisfies(version: str, range_text: str) -> bool:
    return Range.parse(range_text).satisfied_by(version)


def is_exact(spec: str) -> bool:
    """Whether an npm dependency spec pins one version (``1.2.3`` or ``=1.2.3``)."""
    return _VERSION.match(spec) is not None


def _test_set(comparators: tuple[Comparator, ...], v: SemVer) -> bool:
    if not all(c.test(v) for c in comparators):
        return False
    if v.prerelease:
        return any(c.version.prerelease and c.version.release == v.release
                   for c in comparators if c.version is not _ZERO)
    return True


def _parse_set(text: str, whole: str) -> list[Comparator]:
    text = re.sub(r"(<=|>=|<|>|=|~>|~|\^)\s+", r"\1", text)  # ">= 1.2" -> ">=1.2"
    hyphen = re.match(r"^(\S+)\s+-\s+(\S+)$", text)
    if hyphen:
        return _hyphen(hyphen.group(1), hyphen.group(2), whole)
    out: list[Comparator] = []
    for token in text.split():
        out += _comparator(token, whole)
    return out or [Comparator(">=", _ZERO)]


def _partial(text: str, whole: str) -> tuple[int | None, int | None, int | None, tuple]:
    m = _PARTIAL.match(text)
    if not m:
        raise InvalidSemver(f"invalid range: {whole!r}")

    def num(s: str | None) -> int | None:
        return None if s is None or s in ("x", "X", "*") else int(s)

    major, minor, patch = num(m.group(1)), num(m.group(2)), num(m.group(3))
    if (major is None and (minor is not None or patch is not None)) or \
            (minor is None and m.group(2) is not None and patch is not None):
        raise InvalidSemver(f"invalid range: {whole!r}")  # "x.2", "1.x.3": npm rejects them too
    if major is None:
        minor = patch = None
    elif minor is None:
        patch = None
    pre = tuple(int(p) if p.isdigit() else p for p in m.group(4).split(".")) if m.group(4) else ()
    return major, minor, patch, pre


def _hyphen(low: str, high: str, whole: str) -> list[Comparator]:
    out: list[Comparator] = []
    a, b, c, pre = _partial(low, whole)
    if a is not None:
        out.append(Comparator(">=", SemVer(a, b or 0, c or 0, pre)))
    a, b, c, pre = _partial(high, whole)
    if a is None:
        pass
    elif b is None:
        out.append(Comparator("<", SemVer(a + 1, 0, 0, (0,))))
    elif c is None:
        out.append(Comparator("<", SemVer(a, b + 1, 0, (0,))))
    else:
        out.append(Comparator("<=", SemVer(a, b, c, pre)))
    return out or [Comparator(">=", _ZERO)]


def _comparator(token: str, whole: str) -> list[Comparator]:
    m = _COMPARATOR.match(token)
    assert m is not None
    op, rest = m.group(1) or "", m.group(2)
    major, minor, patch, pre = _partial(rest, whole)
    if op in ("~", "~>"):
        return _tilde(major, minor, patch, pre)
    if op == "^":
        return _caret(major, minor, patch, pre)
    if major is None:
        return [Comparator("<", _ZERO)] if op in ("<", ">") else [Comparator(">=", _ZERO)]
    if minor is None or patch is None:  # a partial version: an X-range
        lo = SemVer(major, minor or 0, 0)
        hi = SemVer(major + 1, 0, 0, (0,)) if minor is None else SemVer(major, minor + 1, 0, (0,))
        if op in ("", "="):
            return [Comparator(">=", lo), Comparator("<", hi)]
        if op == ">":
            return [Comparator(">=", hi if not hi.prerelease else SemVer(*hi.release))]
        if op == ">=":
            return [Comparator(">=", lo)]
        if op == "<":
            return [Comparator("<", SemVer(*lo.release, (0,)))]
        return [Comparator("<", hi)]  # "<="
    return [Comparator(op or "=", SemVer(major, minor, patch, pre))]


def _tilde(a: int | None, b: int | None, c: int | None, pre: tuple) -> list[Comparator]:
    if a is None:
        return [Comparator(">=", _ZERO)]
    if b is None:
        return [Comparator(">=", SemVer(a, 0, 0)), Comparator("<", SemVer(a + 1, 0, 0, (0,)))]
    return [Comparator(">=", SemVer(a, b, c or 0, pre)),
            Comparator("<", SemVer(a, b + 1, 0, (0,)))]


def _caret(a: int | None, b: int | None, c: int | None, pre: tuple) -> list[Comparator]:
    if a is None:
        return [Comparator(">=", _ZERO)]
    if b is None:
        return [Comparator(">=", SemVer(a, 0, 0)), Comparator("<", SemVer(a + 1, 0, 0, (0,)))]
    if c is None:
        hi = SemVer(a + 1, 0, 0, (0,)) if a > 0 else SemVer(0, b + 1, 0, (0,))
        return [Comparator(">=", SemVer(a, b, 0)), Comparator("<", hi)]
    lo = SemVer(a, b, c, pre)
    if a > 0:
        hi = SemVer(a + 1, 0, 0, (0,))
    elif b > 0:
        hi = SemVer(0, b + 1, 0, (0,))
    else:
        hi = SemVer(0, 0, c + 1, (0,))
    return [Comparator(">=", lo), Comparator("<", hi)]
