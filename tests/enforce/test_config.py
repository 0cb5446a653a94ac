"""check_rule_config (what ``superspec validate`` calls) and the rule registry."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from superspec.enforce.registry import GROUP, check_rule_config, configured_rules, entry_points
from superspec.errors import SpecError
from superspec.spec import load_spec
from tests.enforce.helpers import ROOT

BUILT_IN = ["banDuplicateClasses", "bannedDependencies", "dependencyConvergence",
            "requireFilesExist", "requireOS", "requireReleaseDeps", "requireToolVersion",
            "requireUpperBoundDeps"]


def test_built_ins_are_entry_points() -> None:
    found = entry_points()
    assert [name for name in BUILT_IN if name in found] == BUILT_IN
    assert all(found[name].group == GROUP for name in BUILT_IN)
    assert found["requireOS"].value == "superspec.enforce.rules.require_os:RequireOS"


@pytest.mark.parametrize("example", ["payments-api", "ledger", "storefront"])
def test_examples_have_valid_rules(example: str) -> None:
    effective = load_spec(ROOT / "examples" / "projects" / example / "superspec.yaml",
                          [ROOT / "examples" / "layers"])
    assert check_rule_config(effective) == []
    assert [r.id for r in configured_rules(effective)]


def test_problems_are_located(project: Callable[..., Path],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    d = project({"noSuchThing": {}, "requireFilesExist": {"files": []},
                 "requireToolVersion": {"java": "[17"}, "requireOS": {},
                 "dependencyConvergence": {"uniqueVersions": "sometimes"}})
    monkeypatch.chdir(d)
    problems = check_rule_config(load_spec(Path("superspec.yaml")))
    assert [str(p) for p in problems] == [
        "superspec.yaml:11 [project demo] enforce.rules.noSuchThing: unknown rule 'noSuchThing' "
        f"(known rules: {', '.join(sorted(entry_points()))})",
        "superspec.yaml:13 [project demo] enforce.rules.requireFilesExist.files: rule "
        "requireFilesExist: List should have at least 1 item after validation, not 0",
        "superspec.yaml:15 [project demo] enforce.rules.requireToolVersion.java: rule "
        "requireToolVersion: invalid Maven version range '[17': Unbounded range: [17 "
        "(got '[17')",
        "superspec.yaml:16 [project demo] enforce.rules.requireOS: rule requireOS: set at least "
        "one of family, name, arch, version",
        "superspec.yaml:18 [project demo] enforce.rules.dependencyConvergence.uniqueVersions: "
        "rule dependencyConvergence: Input should be a valid boolean, unable to interpret input "
        "(got 'sometimes')"]
    with pytest.raises(SpecError) as info:
        configured_rules(load_spec(Path("superspec.yaml")))
    assert info.value.lines() == [str(p) for p in problems]


def test_levels_and_only_when(project: Callable[..., Path]) -> None:
    d = project({"requireOS": {"family": "unix", "level": "warn"},
                 "requireReleaseDeps": {"onlyWhen": {"branch": "release/*"}},
                 "requireFilesExist": {"files": ["x"], "onlyWhen": {"branch": ["main", "hotfix"]}}},
                level="error")
    rules = configured_rules(load_spec(d / "superspec.yaml"))
    assert [(r.id, r.level, r.only_when) for r in rules] == [
        ("requireOS", "warn", None), ("requireReleaseDeps", "error", ("release/*",)),
        ("requireFilesExist", "error", ("main", "hotfix"))]
