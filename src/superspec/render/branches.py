"""Branch conditions: which branches run a stage, from the branching strategy and ``when``.

Patterns mean what ``superspec.spec.branches`` says (``*`` within one path segment, ``**``
across segments, ``?`` one character other than ``/``, everything else literal). GitLab gets
the same pattern as an anchored regular expression in which every other character is literal.
"""

from __future__ import annotations

from dataclasses import dataclass

from superspec.spec.branches import bad_pattern, branch_matches, is_glob, tokens

__all__ = ["Condition", "bad_pattern", "deployable_branches", "env_branches", "gitlab_regex",
           "union"]

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

    def union(self, other: Condition) -> Condition:
        """A condition true wherever either is (protected only when both are)."""
        if self.branches is None or other.branches is None:
            branches = None
        else:
            branches = tuple(dict.fromkeys(self.branches + other.branches))
        return Condition(branches, protected=self.protected and other.protected)

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


def gitlab_regex(pattern: str) -> str:
    """The glob as a GitLab ``=~`` regex literal.

    ``release/*`` -> ``/^release\\/[^\\/]*$/``
    """
    out = []
    for token in tokens(pattern):
        if token == "**":
            out.append(".*")
        elif token == "*":
            out.append("[^\\/]*")
        elif token == "?":
            out.append("[^\\/]")
        elif token.isalnum() or token in "_-@%=,#":
            out.append(token)
        else:
            out.append("\\" + token)
    return "/^" + "".join(out) + "$/"


def _may_match_same(a: str, b: str) -> bool:
    a_glob, b_glob = is_glob(a), is_glob(b)
    if not a_glob and not b_glob:
        return a == b
    if not a_glob:
        return branch_matches(b, a)
    if not b_glob:
        return branch_matches(a, b)
    return True  # two globs: assume they can
