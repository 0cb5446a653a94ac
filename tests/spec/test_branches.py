"""Branch patterns have one meaning: `*` within a segment, `**` across, `?` one character."""

from __future__ import annotations

import pytest

from superspec.enforce.branch import selected
from superspec.render.branches import Condition, gitlab_regex
from superspec.spec.branches import bad_pattern, branch_matches

CASES = [
    ("main", "main", True),
    ("main", "main\n", False),
    ("main", "Main", False),
    ("main", "mainline", False),
    ("release/*", "release/1.0", True),
    ("release/*", "release/", True),
    ("release/*", "release/1/hotfix", False),
    ("release/*", "release", False),
    ("release/**", "release/1/hotfix", True),
    ("**/fix", "a/b/fix", True),
    ("**", "any/thing/at/all", True),
    ("*", "feature/x", False),
    ("*", "develop", True),
    ("v?.x", "v1.x", True),
    ("v?.x", "v10.x", False),
    ("a?b", "a/b", False),
    ("v1.2", "v1x2", False),  # '.' is literal
    ("[ab]", "a", False),  # no character classes
    ("[ab]", "[ab]", True),
    ("feat+x", "feat+x", True),
]


@pytest.mark.parametrize(("pattern", "branch", "expected"), CASES)
def test_branch_matches(pattern: str, branch: str, expected: bool) -> None:
    assert branch_matches(pattern, branch) is expected


@pytest.mark.parametrize(("pattern", "branch", "expected"), CASES)
def test_enforce_only_when_has_the_same_meaning(pattern: str, branch: str,
                                                expected: bool) -> None:
    assert selected(branch, [pattern]) is expected


@pytest.mark.parametrize(("pattern", "branch", "expected"),
                         [c for c in CASES if "\n" not in c[1] and bad_pattern(c[0]) is None])
def test_the_gitlab_regex_has_the_same_meaning(pattern: str, branch: str,
                                               expected: bool) -> None:
    import re

    literal = gitlab_regex(pattern)
    assert literal.startswith("/^") and literal.endswith("$/")
    assert (re.fullmatch(literal[2:-2], branch) is not None) is expected


def test_conditions_overlap_as_the_patterns_match() -> None:
    release = Condition(("release/*",))
    assert release.may_overlap(Condition(("release/1.0",)))
    assert not release.may_overlap(Condition(("release/1/hotfix",)))
    assert Condition(("release/**",)).may_overlap(Condition(("release/1/hotfix",)))
    assert not Condition(("main",)).may_overlap(Condition(("develop",)))


def test_bad_patterns() -> None:
    assert bad_pattern("release/*") is None
    assert bad_pattern("main\n") == (
        "branch pattern 'main\\n' may only use letters, digits and _ . @ + * ? # % = , / -")
    assert bad_pattern("[ab]") == (
        "branch pattern '[ab]' may only use letters, digits and _ . @ + * ? # % = , / -")
