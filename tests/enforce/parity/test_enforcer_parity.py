"""Parity with Maven Enforcer 3.1.0: for every case and every rule, ``superspec enforce`` reaches
the verdict (pass/fail) that ``mvn -o enforcer:enforce`` reaches with the same rules."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tests.enforce.parity import harness

SUPERSPEC = Path(sys.executable).with_name("superspec")


@pytest.mark.slow
@pytest.mark.parametrize("case", harness.case_names())
def test_superspec_verdict_per_rule_equals_maven_enforcer(case: str, maven_oracles: dict) -> None:
    assert SUPERSPEC.exists() or shutil.which("superspec"), "superspec is not installed"
    work = maven_oracles["enforce_work"]
    expected = maven_oracles["verdicts"][case]
    ours, report = harness.superspec_verdicts(work, case, SUPERSPEC)
    assert ours == expected, (
        f"superspec {ours} != Maven Enforcer {expected}\n"
        f"superspec report: {report}\n"
        f"Enforcer log:\n{harness.sections(maven_oracles['enforcer_log'], 'maven-enforcer')[case]}")


@pytest.mark.slow
@pytest.mark.parametrize("case, rule", [
    (case, rule) for case in harness.case_names() for rule in harness.case_rules(case)
    if rule in ("bannedDependencies", "requireReleaseDeps")])
def test_superspec_names_the_offenders_enforcer_names(case: str, rule: str,
                                                       maven_oracles: dict) -> None:
    work = maven_oracles["enforce_work"]
    expected = harness.enforcer_offenders(work, maven_oracles["enforcer_log"], case, rule)
    _, report = harness.superspec_verdicts(work, case, SUPERSPEC)
    assert harness.superspec_offenders(report, rule) == expected


@pytest.mark.slow
@pytest.mark.parametrize("case, rule", [
    (case, rule) for case in harness.case_names() for rule in harness.case_rules(case)
    if rule in ("dependencyConvergence", "requireUpperBoundDeps")])
def test_superspec_reports_the_packages_enforcer_reports(case: str, rule: str,
                                                          maven_oracles: dict) -> None:
    work = maven_oracles["enforce_work"]
    expected = harness.enforcer_conflict_keys(maven_oracles["enforcer_log"], case, rule)
    _, report = harness.superspec_verdicts(work, case, SUPERSPEC)
    assert harness.superspec_conflict_keys(report, rule) == expected


@pytest.mark.slow
def test_cases_cover_both_verdicts_of_every_rule(maven_oracles: dict) -> None:
    """The suite is not one-sided: each rule passes in some case and fails in another."""
    seen: dict[str, set[bool]] = {}
    for verdicts in maven_oracles["verdicts"].values():
        for rule, passed in verdicts.items():
            seen.setdefault(rule, set()).add(passed)
    assert seen == {rule: {True, False} for rule in (
        "bannedDependencies", "dependencyConvergence", "requireOS", "requireReleaseDeps",
        "requireToolVersion", "requireUpperBoundDeps")}


@pytest.mark.slow
def test_a_missing_dependency_pom_is_a_warning_on_both_sides(maven_oracles: dict) -> None:
    """parityfixture:has-missing names parityfixture:not-installed, whose POM is not in the
    repository: Maven warns and goes on; so does superspec, saying which POM line asked for it.
    Both still check the dependency itself (the case bans it)."""
    work = maven_oracles["enforce_work"]
    assert "[WARNING] The POM for parityfixture:not-installed:jar:1.0 is missing, no dependency " \
           "information available" in maven_oracles["enforcer_log"]
    _, report = harness.superspec_verdicts(work, "missing-pom", SUPERSPEC)
    declaring = work.repo / "parityfixture/has-missing/1.0/has-missing-1.0.pom"
    assert report["warnings"] == [
        f"{declaring}:9: the POM for parityfixture:not-installed:1.0 is missing, no dependency "
        f"information available (no {work.repo}/parityfixture/not-installed/1.0/"
        "not-installed-1.0.pom)"]
    assert maven_oracles["verdicts"]["missing-pom"]["bannedDependencies"] is False
