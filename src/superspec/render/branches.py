"""Branch conditions: which branches run a stage, from the branching strategy and ``when``.

Patterns are globs as Jenkins' ``when { branch }`` reads them: ``*`` matches within one path
segment, ``**`` across segments, ``?`` one character. GitLab gets the same pattern as an
anchored regular expression in which every other character is literal.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

# Characters a branch pattern may use: git's ref-name characters minus the ones shells, Groovy
# or GitLab expressions would read specially (quotes, spaces, '$', '\', '~', '^', ':', '[').
BRANCH_PATTERN = re.compile(r"^[A-Za-z0-9_.@+*?#%=,/-]+$")

# Where each environment class deploys from, per strategy (None: every branch).
_ENV_BRANCHES: dict[str, dict[str, str]] = {
    "trunk": {},  # everything deploys from main
    "github-flow": {},  # the same: main is always deployable
    "gitflow": {
        "development": "develop",
        "functional-test": "develop",
        "acceptance": "release",
        "pre-release": "release",
        "production": "main",
    },
    "gitlab-flow": {
        "development": "main",
        "functional-test": "main",
        "acceptance": "main",
        "pre-release": "release",
        "production": "release",
    },
}

# Branches a package may be built on when it names no environments.
_DEPLOYABLE: dict[str, tuple[str, ...]] = {
    "trunk": ("main",),
    "github-flow": ("main",),
    "gitflow": ("develop", "release", "main"),
    "gitlab-flow": ("main", "release"),
}


@dataclass(frozen=True)
class Condition:
    """When a stage runs: on these branch patterns (None: every branch), protected ones only?"""

    branches: tuple[str, ...] | None = None
    protected: bool = False

    @property
    def always(self) -> bool:
        return self.branches is None and not self.protected

    def covers(self, other: Condition) -> bool:
        """True when this stage surely runs whenever ``other`` runs."""
        if self.protected and not other.protected:
            return False
        if self.branches is None:
            return True
        return other.branches is not None and set(other.branches) <= set(self.branches)

    def may_overlap(self, other: Condition) -> bool:
        """False only when no branch can run both stages."""
        if self.branches is None or other.branches is None:
            return True
        return any(_may_match_same(a, b) for a in self.branches for b in other.branches)


def env_branches(strategy: str, names: dict[str, str], env_class: str) -> tuple[str, ...]:
    """The branches an environment of ``env_class`` deploys from under ``strategy``."""
    role = _ENV_BRANCHES[strategy].get(env_class, "main")
    return (names[role],)


def deployable_branches(strategy: str, names: dict[str, str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names[role] for role in _DEPLOYABLE[strategy]))


def union(*groups: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p for group in groups for p in group))


def bad_pattern(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used as a branch pattern, or None when it can."""
    if not BRANCH_PATTERN.match(pattern):
        return (f"branch pattern {pattern!r} may only use letters, digits and "
                f"_ . @ + * ? # % = , / -")
    return None


def gitlab_regex(pattern: str) -> str:
    """The glob as a GitLab ``=~`` regex literal.

    ``release/*`` -> ``/^release\\/[^\\/]*$/``
    """
    out = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^\\/]*")
        elif char == "?":
            out.append("[^\\/]")
        elif char.isalnum() or char in "_-@%=,#":
            out.append(char)
        else:
            out.append("\\" + char)
        i += 1
    return "/^" + "".join(out) + "$/"


def _may_match_same(a: str, b: str) -> bool:
    a_glob, b_glob = _is_glob(a), _is_glob(b)
    if not a_glob and not b_glob:
        return a == b
    if not a_glob:
        return fnmatch.fnmatchcase(a, b)
    if not b_glob:
        return fnmatch.fnmatchcase(b, a)
    return True  # two globs: assume they can


def _is_glob(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern
