"""Branch patterns: one meaning for every place a spec names branches.

Used by the generated pipelines' stage conditions (``pipeline.stages.*.when.branch``,
``branching.*``) and by enforce's ``onlyWhen.branch``. A pattern is a glob over the whole branch
name:

- ``*`` matches any run of characters within one path segment (never ``/``);
- ``**`` matches any run of characters, ``/`` included (``release/**`` matches ``release/1/2``);
- ``?`` matches one character other than ``/``;
- every other character is literal: there are no character classes (``[`` is just ``[``).

Matching is case-sensitive and anchored at both ends; ``main`` does not match ``main\\n``.
Stdlib only (enforce's cached path imports it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

# Characters a branch pattern may use in a generated pipeline: git's ref-name characters minus
# the ones shells, Groovy or GitLab expressions would read specially (quotes, spaces, '$', '\',
# '~', '^', ':', '[').
PATTERN_CHARACTERS = re.compile(r"[A-Za-z0-9_.@+*?#%=,/-]+")


def tokens(pattern: str) -> Iterator[str]:
    """The pattern as ``**``, ``*``, ``?`` and single literal characters, in order."""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            yield "**"
            i += 2
        else:
            yield pattern[i]
            i += 1


@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    wildcards = {"**": ".*", "*": "[^/]*", "?": "[^/]"}
    return re.compile("".join(wildcards.get(t) or re.escape(t) for t in tokens(pattern)),
                      re.DOTALL)


def branch_matches(pattern: str, branch: str) -> bool:
    """True when ``branch`` is one of the branches ``pattern`` names (see the module doc)."""
    return _compiled(pattern).fullmatch(branch) is not None


def is_glob(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def bad_pattern(pattern: str) -> str | None:
    """Why ``pattern`` cannot be used as a branch pattern in a pipeline, or None when it can."""
    if PATTERN_CHARACTERS.fullmatch(pattern) is None:
        return (f"branch pattern {pattern!r} may only use letters, digits and "
                f"_ . @ + * ? # % = , / -")
    return None
