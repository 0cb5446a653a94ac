"""Maven version ordering (``ComparableVersion``) and version ranges (``VersionRange``).

Faithful to Maven 3.8's ``org.apache.maven.artifact.versioning``: ``1.0 == 1.0.0 == 1-ga``,
``1.0-alpha-1 < 1.0-beta < 1.0-milestone < 1.0-rc < 1.0-SNAPSHOT < 1.0 < 1.0-sp < 1.0-foo < 1.0.1``.
A range spec is one or more restrictions ``[1.0,2.0)``, ``(,2.17.1)``, ``[17,)``, ``[1.0]``,
``(,1.0],[1.2,)``; a bare version (``17``) is a *soft requirement* which, as in Maven Enforcer's
``containsVersion``, accepts that version and every later one.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

_QUALIFIERS = ("alpha", "beta", "milestone", "rc", "snapshot", "", "sp")
_ALIASES = {"ga": "", "final": "", "release": "", "cr": "rc"}
_RELEASE_INDEX = str(_QUALIFIERS.index(""))


def _qualifier_key(value: str) -> str:
    try:
        return str(_QUALIFIERS.index(value))
    except ValueError:
        return f"{len(_QUALIFIERS)}-{value}"


class _Int:
    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value

    def is_null(self) -> bool:
        return self.value == 0

    def compare(self, other: _Item | None) -> int:
        if other is None:
            return 0 if self.value == 0 else 1
        if isinstance(other, _Int):
            return (self.value > other.value) - (self.value < other.value)
        return 1  # an int is newer than a qualifier and than a sub-list


class _Str:
    __slots__ = ("value",)

    def __init__(self, value: str, followed_by_digit: bool) -> None:
        if followed_by_digit and len(value) == 1:
            value = {"a": "alpha", "b": "beta", "m": "milestone"}.get(value, value)
        self.value = _ALIASES.get(value, value)

    def is_null(self) -> bool:
        return _qualifier_key(self.value) == _RELEASE_INDEX

    def compare(self, other: _Item | None) -> int:
        mine = _qualifier_key(self.value)
        if other is None:
            return (mine > _RELEASE_INDEX) - (mine < _RELEASE_INDEX)
        if isinstance(other, _Str):
            theirs = _qualifier_key(other.value)
            return (mine > theirs) - (mine < theirs)
        return -1


class _List(list):
    def is_null(self) -> bool:
        return len(self) == 0

    def normalize(self) -> None:
        for i in range(len(self) - 1, -1, -1):
            item = self[i]
            if item.is_null():
                del self[i]
            elif not isinstance(item, _List):
                break

    def compare(self, other: _Item | None) -> int:
        if other is None:  # the whole list against nothing (MNG-6964), not only its head
            for item in self:
                result = item.compare(None)
                if result:
                    return result
            return 0
        if isinstance(other, _Int):
            return -1
        if isinstance(other, _Str):
            return 1
        n = max(len(self), len(other))
        for i in range(n):
            left = self[i] if i < len(self) else None
            right = other[i] if i < len(other) else None
            if left is None:
                result = 0 if right is None else -right.compare(None)
            else:
                result = left.compare(right)
            if result:
                return result
        return 0


_Item = _Int | _Str | _List


def _parse_item(is_digit: bool, text: str) -> _Int | _Str:
    return _Int(int(text)) if is_digit else _Str(text, False)


def _parse(version: str) -> _List:
    text = version.lower()
    items = current = _List()
    stack = [current]
    is_digit = False
    start = 0
    for i, c in enumerate(text):
        if c == ".":
            current.append(_Int(0) if i == start else _parse_item(is_digit, text[start:i]))
            start = i + 1
        elif c == "-":
            current.append(_Int(0) if i == start else _parse_item(is_digit, text[start:i]))
            start = i + 1
            sub = _List()
            current.append(sub)
            current = sub
            stack.append(current)
        elif c.isdigit() and c.isascii():
            if not is_digit and i > start:
                if current:  # ".X1" is read as "-X1" (Maven 3.8: 1.0.0.X1 < 1.0.0-X2)
                    sub = _List()
                    current.append(sub)
                    current = sub
                    stack.append(current)
                current.append(_Str(text[start:i], True))
                start = i
                sub = _List()
                current.append(sub)
                current = sub
                stack.append(current)
            is_digit = True
        else:
            if is_digit and i > start:
                current.append(_parse_item(True, text[start:i]))
                start = i
                sub = _List()
                current.append(sub)
                current = sub
                stack.append(current)
            is_digit = False
    if len(text) > start:
        if not is_digit and current:  # a trailing ".X" is read as "-X"
            sub = _List()
            current.append(sub)
            current = sub
            stack.append(current)
        current.append(_parse_item(is_digit, text[start:]))
    while stack:
        stack.pop().normalize()
    return items


@functools.total_ordering
class ComparableVersion:
    """A Maven version with Maven's ordering; ``str()`` gives back the original text."""

    __slots__ = ("value", "_items")

    def __init__(self, value: str) -> None:
        self.value = value
        self._items = _parse(value)

    def compare(self, other: ComparableVersion | str) -> int:
        if isinstance(other, str):
            other = ComparableVersion(other)
        return self._items.compare(other._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (ComparableVersion, str)):
            return self.compare(other) == 0
        return NotImplemented

    def __lt__(self, other: ComparableVersion | str) -> bool:
        return self.compare(other) < 0

    def __hash__(self) -> int:
        return hash(self.canonical)

    @property
    def canonical(self) -> str:
        """Maven's canonical form, equal for equal versions (``1.0.0`` and ``1`` -> ``1``)."""
        return _canonical(self._items)

    def __str__(self) -> str:
        return self.value

    def __repr__(self) -> str:
        return f"ComparableVersion({self.value!r})"


def _canonical(items: _List) -> str:
    out = []
    for i, item in enumerate(items):
        if isinstance(item, _List):
            out.append(("-" if i else "") + _canonical(item))
        else:
            text = str(item.value) if isinstance(item, _Int) else item.value
            out.append(("." if i else "") + text)
    return "".join(out)


def compare_versions(a: str, b: str) -> int:
    """-1, 0 or 1 as Maven orders version ``a`` against version ``b``."""
    return ComparableVersion(a).compare(b)


class InvalidVersionRange(ValueError):
    """A range spec Maven would reject; the message is Maven's own wording."""


@dataclass(frozen=True)
class Restriction:
    lower: ComparableVersion | None
    lower_inclusive: bool
    upper: ComparableVersion | None
    upper_inclusive: bool

    def contains(self, version: ComparableVersion) -> bool:
        if self.lower is not None:
            c = self.lower.compare(version)
            if c > 0 or (c == 0 and not self.lower_inclusive):
                return False
        if self.upper is not None:
            c = self.upper.compare(version)
            if c < 0 or (c == 0 and not self.upper_inclusive):
                return False
        return True

    def __str__(self) -> str:
        if self.lower is not None and self.lower == self.upper and self.lower_inclusive:
            return f"[{self.lower}]"
        return "{}{},{}{}".format("[" if self.lower_inclusive else "(",
                                  self.lower if self.lower is not None else "",
                                  self.upper if self.upper is not None else "",
                                  "]" if self.upper_inclusive else ")")


@dataclass(frozen=True)
class VersionRange:
    """A parsed range spec. ``recommended`` is set for a bare version (a soft requirement)."""

    spec: str
    restrictions: tuple[Restriction, ...]
    recommended: ComparableVersion | None = None

    @classmethod
    def parse(cls, text: str) -> VersionRange:
        """Parse like Maven's ``VersionRange.createFromVersionSpec``; raises InvalidVersionRange."""
        spec = text.strip()
        if not spec:
            raise InvalidVersionRange("empty version range")
        if spec[0] not in "[(":
            if any(c in spec for c in "[](),"):
                raise InvalidVersionRange(
                    f"Only fully-qualified sets allowed in multiple set scenario: {text}")
            return cls(text, (Restriction(None, False, None, False),), ComparableVersion(spec))
        restrictions: list[Restriction] = []
        rest = spec
        upper_bound: ComparableVersion | None = None
        lower_bound: ComparableVersion | None = None
        while rest.startswith(("[", "(")):
            i1, i2 = rest.find("]"), rest.find(")")
            idx = i2 if i1 < 0 else i1 if i2 < 0 or i1 < i2 else i2
            if idx < 0:
                raise InvalidVersionRange(f"Unbounded range: {text}")
            restriction = _parse_restriction(rest[: idx + 1])
            if lower_bound is None:
                lower_bound = restriction.lower
            if upper_bound is not None and (restriction.lower is None
                                            or restriction.lower < upper_bound):
                raise InvalidVersionRange(f"Ranges overlap: {text}")
            restrictions.append(restriction)
            upper_bound = restriction.upper
            rest = rest[idx + 1:].strip()
            if rest.startswith(","):
                rest = rest[1:].strip()
        if rest:
            if restrictions:
                raise InvalidVersionRange(
                    f"Only fully-qualified sets allowed in multiple set scenario: {text}")
            raise InvalidVersionRange(f"Unbounded range: {text}")
        return cls(text, tuple(restrictions))

    @property
    def has_restrictions(self) -> bool:
        return self.recommended is None

    def contains(self, version: str | ComparableVersion) -> bool:
        """Maven Enforcer's ``containsVersion``: in a restriction, or >= a soft requirement."""
        v = version if isinstance(version, ComparableVersion) else ComparableVersion(version)
        if self.recommended is not None:
            return self.recommended.compare(v) <= 0
        return any(r.contains(v) for r in self.restrictions)

    def contains_strict(self, version: str | ComparableVersion) -> bool:
        """Like ``contains`` but a bare version matches only itself (dependency-version style)."""
        v = version if isinstance(version, ComparableVersion) else ComparableVersion(version)
        if self.recommended is not None:
            return self.recommended.compare(v) == 0
        return any(r.contains(v) for r in self.restrictions)

    def __str__(self) -> str:
        return self.spec


def _parse_restriction(spec: str) -> Restriction:
    lower_inclusive = spec.startswith("[")
    upper_inclusive = spec.endswith("]")
    inner = spec[1:-1].strip()
    if "," not in inner:
        if not (lower_inclusive and upper_inclusive):
            raise InvalidVersionRange(
                f"Single version must be surrounded by []: {spec}")
        v = ComparableVersion(inner)
        return Restriction(v, True, v, True)
    low_text, high_text = (s.strip() for s in inner.split(",", 1))
    if "," in high_text:
        raise InvalidVersionRange(f"Invalid version range {spec}, too many commas")
    low = ComparableVersion(low_text) if low_text else None
    high = ComparableVersion(high_text) if high_text else None
    if low is not None and high is not None:
        if low == high and not (lower_inclusive and upper_inclusive):
            raise InvalidVersionRange(f"Range cannot have identical boundaries: {spec}")
        if high < low:
            raise InvalidVersionRange(f"Range defies version ordering: {spec}")
    return Restriction(low, lower_inclusive, high, upper_inclusive)
