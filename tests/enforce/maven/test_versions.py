"""Maven's version ordering and range semantics (cases from Maven's own ComparableVersionTest)."""

from __future__ import annotations

import random
import re
import subprocess
from pathlib import Path

import pytest

from superspec.enforce.maven.versions import (
    ComparableVersion,
    InvalidVersionRange,
    VersionRange,
    compare_versions,
)

MAVEN_ARTIFACT = Path("/usr/share/maven/lib/maven-artifact-3.x.jar")  # Debian's maven package
TRICKY = ["1-alpha2snapshot", "1-alpha2", "1-alpha-123", "1-beta-2", "1-beta123", "1-m2",
          "1-m11", "1-rc", "1-cr2", "1-rc123", "1-SNAPSHOT", "1", "1-sp", "1-sp2", "1-sp123",
          "1-abc", "1-def", "1-pom-1", "1-1-snapshot", "1-1", "1-2", "1-123", "2.0", "2.0.a",
          "2-1", "2.0.2", "2.1-a", "2.1b", "2.1-c", "2.1-1", "2.1.0.1", "11.a2", "11.m11", "11",
          "11.a", "11b", "1.0.0.X1", "1.0.0-X2", "1.a.2", "1-1.foo-bar1baz-.1", "1a1", "1.0RC1",
          "1.0.RC1", "1.ga", "1-ga-1", "1.0.final", "17-ea", "17.0.15", "1.8.0_392", "0.x",
          "2.x", "debian", "1.2.x", "0.1-SNAPSHOT", "1-0.1", "1.0-0", "1X", "1x",
          "99999999999999999999", "1.0-20231201.120000-1", ""]


def _oracle(versions: list[str]) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """Canonical forms and consecutive comparisons, from Maven's own ComparableVersion main()."""
    assert MAVEN_ARTIFACT.is_file(), "Debian maven missing: run .ci/install-system-deps.sh"
    out = subprocess.run(["java", "-cp", str(MAVEN_ARTIFACT),
                          "org.apache.maven.artifact.versioning.ComparableVersion", *versions],
                         capture_output=True, text=True, check=True, timeout=60).stdout
    canonical = dict(re.findall(r"^\d+\. (.*) -> (.*); tokens", out, re.M))
    comparisons = re.findall(r"^   (\S+) ([<>=]+) (\S+)$", out, re.M)
    return canonical, comparisons


def _repository_versions() -> list[str]:
    found = {d.name for d in Path("/usr/share/maven-repo").glob("*/**/*/") if any(
        d.glob(f"{d.parent.name}-{d.name}.pom"))}
    shuffled = sorted(found)
    random.Random(7).shuffle(shuffled)
    return shuffled


@pytest.mark.slow
def test_ordering_and_canonical_form_equal_mavens_own_comparable_version() -> None:
    versions = [v for v in TRICKY if v] + _repository_versions()
    canonical, comparisons = _oracle(versions)
    assert len(canonical) >= len(set(versions)) - 1 and len(comparisons) > 100
    assert {v: ComparableVersion(v).canonical for v in canonical} == canonical
    symbol = {-1: "<", 0: "==", 1: ">"}
    mine = [(a, symbol[ComparableVersion(a).compare(b)], b) for a, _, b in comparisons]
    assert mine == comparisons


def test_known_orderings() -> None:
    assert ComparableVersion("2.0.a") < ComparableVersion("2-1")  # ".a" reads as "-a"
    assert ComparableVersion("1.0.0.X1") < ComparableVersion("1.0.0-X2")
    assert ComparableVersion("1-SNAPSHOT") < ComparableVersion("1") < ComparableVersion("1-sp")
    assert ComparableVersion("1.0RC1") == ComparableVersion("1-rc-1")
    assert ComparableVersion("1a1") == ComparableVersion("1-alpha-1")
    assert hash(ComparableVersion("1.0.0")) == hash(ComparableVersion("1-ga"))
    assert compare_versions("17-ea", "17") == 1  # "ea" is an unknown qualifier: after release


def test_debian_placeholder_versions_sort_below_numbers() -> None:
    # Debian's repository uses "debian" and "2.x"; Maven orders them as qualifiers.
    assert ComparableVersion("debian") < ComparableVersion("1.0")
    assert ComparableVersion("2.x") < ComparableVersion("2.0.1")
    assert ComparableVersion("2.x") > ComparableVersion("2")
    assert str(ComparableVersion("1.0-Alpha")) == "1.0-Alpha"
    assert ComparableVersion("1.0.0").canonical == "1"


@pytest.mark.parametrize("spec, inside, outside", [
    ("[1.0,2.0)", ["1.0", "1.5", "1.9.9", "2.0-SNAPSHOT"], ["0.9", "2.0", "2.1"]),
    ("(,2.17.1)", ["2.17.0", "1.2.17", "2.17.1-rc1"], ["2.17.1", "2.18"]),
    ("[17,)", ["17", "17.0.15", "21", "17-ea"], ["11", "1.8", "17-SNAPSHOT"]),
    ("(1.0,1.2]", ["1.1", "1.2"], ["1.0", "1.2.1"]),
    ("[1.5]", ["1.5", "1.5.0"], ["1.5.1", "1.4"]),
    ("(,1.8],[17,)", ["1.8", "1.7", "17", "21"], ["11", "9"]),
    ("[1.0,1.0]", ["1.0"], ["1.0.1"]),
])
def test_range_containment(spec: str, inside: list[str], outside: list[str]) -> None:
    r = VersionRange.parse(spec)
    assert r.has_restrictions
    assert [v for v in inside if not r.contains(v)] == []
    assert [v for v in outside if r.contains(v)] == []


def test_bare_version_is_a_soft_requirement_meaning_at_least() -> None:
    r = VersionRange.parse("17")
    assert not r.has_restrictions
    assert r.contains("17") and r.contains("17.0.2") and r.contains("21")
    assert not r.contains("11")
    assert r.contains_strict("17.0") and not r.contains_strict("21")


@pytest.mark.parametrize("spec, message", [
    ("[1.0,2.0", "Unbounded range: [1.0,2.0"),
    ("(1.0)", "Single version must be surrounded by []: (1.0)"),
    ("[2.0,1.0]", "Range defies version ordering: [2.0,1.0]"),
    ("(1.0,1.0]", "Range cannot have identical boundaries: (1.0,1.0]"),
    ("[1.0,2.0),[1.5,3.0)", "Ranges overlap: [1.0,2.0),[1.5,3.0)"),
    ("[1.0,2.0)x", "Only fully-qualified sets allowed in multiple set scenario: [1.0,2.0)x"),
    ("1.0,2.0", "Only fully-qualified sets allowed in multiple set scenario: 1.0,2.0"),
    ("", "empty version range"),
])
def test_invalid_ranges_are_rejected_with_mavens_message(spec: str, message: str) -> None:
    with pytest.raises(InvalidVersionRange) as err:
        VersionRange.parse(spec)
    assert str(err.value) == message
