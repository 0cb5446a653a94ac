"""npm semver ranges, checked against node-semver's documented semantics."""

from __future__ import annotations

from pathlib import Path

import pytest

from superspec.enforce.npm.semver import InvalidSemver, Range, SemVer, is_exact, satisfies

CASES = [
    ("1.2.3", ">=1.2.3", True), ("1.2.2", ">=1.2.3", False), ("1.2.0", ">=1.2", True),
    ("1.1.9", ">=1.2", False), ("18.0.0", ">=18", True), ("17.9.9", ">=18", False),
    ("1.9.9", "^1.2.3", True), ("2.0.0", "^1.2.3", False), ("1.2.2", "^1.2.3", False),
    ("0.2.9", "^0.2.3", True), ("0.3.0", "^0.2.3", False), ("0.0.3", "^0.0.3", True),
    ("0.0.4", "^0.0.3", False), ("1.9.0", "^1.2.x", True), ("0.0.9", "^0.0.x", True),
    ("0.1.0", "^0.0.x", False), ("0.9.0", "^0.x", True), ("1.0.0", "^0.x", False),
    ("1.2.9", "~1.2", True), ("1.3.0", "~1.2", False), ("1.2.5", "~1.2.3", True),
    ("1.3.0", "~1.2.3", False), ("1.9.0", "~1", True), ("2.0.0", "~1", False),
    ("1.5.0", "1.x", True), ("2.0.0", "1.x", False), ("1.2.7", "1.2.*", True),
    ("1.3.0", "1.2.*", False), ("1.4.0", "1", True), ("2.0.0", "1", False),
    ("9.9.9", "*", True), ("9.9.9", "", True), ("0.0.0", "x", True),
    ("1.0.0", "<1.0.0 || >=2", False), ("3.0.0", "<1.0.0 || >=2", True),
    ("0.9.0", "<1.0.0 || >=2", True),
    ("1.2.0", "1.2 - 2.3.4", True), ("2.3.4", "1.2 - 2.3.4", True),
    ("2.3.5", "1.2 - 2.3.4", False), ("1.1.9", "1.2 - 2.3.4", False),
    ("2.3.9", "1.2.3 - 2.3", True), ("2.4.0", "1.2.3 - 2.3", False),
    ("2.9.9", "1.2.3 - 2", True), ("3.0.0", "1.2.3 - 2", False),
    ("1.3.0", ">1.2", True), ("1.2.9", ">1.2", False), ("2.0.0", ">1", True),
    ("1.9.9", ">1", False), ("1.2.9", "<=1.2", True), ("1.3.0", "<=1.2", False),
    ("1.1.9", "<1.2", True), ("1.2.0", "<1.2", False),
    ("1.2.3", "=1.2.3", True), ("1.2.3", "v1.2.3", True), ("1.2.4", "1.2.3", False),
    ("1.5.0", ">= 1.2.3 < 2", True), ("2.0.0", ">= 1.2.3 < 2", False),
    # pre-releases: only when a comparator of the same tuple names one
    ("1.2.3-beta.1", "^1.2.3-beta.0", True), ("1.2.4-beta.1", "^1.2.3-beta.0", False),
    ("1.2.4-beta", "^1.2.3", False), ("2.0.0-rc.1", ">=1", False),
    ("1.0.0-rc.1", "1.0.0-rc.1", True), ("1.0.0-alpha", "<1.0.0-beta", True),
    ("1.0.0-alpha.beta", ">1.0.0-alpha.1", True), ("1.0.0-alpha.1", ">1.0.0-alpha.beta", False),
    ("1.0.0-alpha.10", ">1.0.0-alpha.9", True), ("1.0.0", ">1.0.0-rc.1", True),
    ("19.0.0-rc.1", "19.0.0-rc.1", True), ("19.0.0", "^19.0.0-rc.1", True),
]


@pytest.mark.parametrize(("version", "spec", "expected"), CASES)
def test_range(version: str, spec: str, expected: bool) -> None:
    assert satisfies(version, spec) is expected


def test_ordering() -> None:
    ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
               "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.10.0"]
    parsed = [SemVer.parse(v) for v in ordered]
    assert sorted(reversed(parsed)) == parsed
    assert [str(v) for v in parsed] == ordered


def test_coerce_and_exact() -> None:
    assert str(SemVer.coerce("go1.21")) == "1.21.0"
    assert str(SemVer.coerce("v20.20.2")) == "20.20.2"
    assert is_exact("1.2.3") and is_exact("=1.2.3")
    assert not is_exact("^1.2.3") and not is_exact("1.x") and not is_exact("latest")


@pytest.mark.parametrize("bad", ["not a range", ">=1.2.3.4", "^a.b", "x.2", ">=1.x.3"])
def test_invalid(bad: str) -> None:
    with pytest.raises(InvalidSemver) as info:
        Range.parse(bad)
    assert str(info.value) == f"invalid range: {bad!r}"


def _node_semver() -> Path:
    import shutil
    import subprocess

    npm = shutil.which("npm")
    assert npm, "npm missing: run .ci/install-system-deps.sh"
    root = subprocess.run([npm, "root", "-g"], capture_output=True, text=True,
                          check=True).stdout.strip()
    found = Path(root) / "npm" / "node_modules" / "semver"
    assert found.is_dir(), f"node-semver not found at {found}"
    return found


def _random_cases(count: int) -> list[tuple[str, str]]:
    import random

    rnd = random.Random(20261126)

    def part() -> str:
        return rnd.choice(["0", "1", "2", "3", "10"])

    def version() -> str:
        v = ".".join(part() for _ in range(3))
        if rnd.random() < 0.25:
            v += "-" + rnd.choice(["alpha", "beta.1", "rc.2", "0", "alpha.beta"])
        return v

    def partial() -> str:  # "1", "1.2", "1.2.3[-pre]", wildcards only in trailing places
        n = rnd.choice([1, 2, 3, 3])
        numbers = n if rnd.random() < 0.8 else rnd.randrange(n)
        parts = [part() for _ in range(numbers)] + [rnd.choice(["x", "X", "*"])
                                                    for _ in range(n - numbers)]
        text = ".".join(parts)
        if numbers == 3 and rnd.random() < 0.2:
            text += "-" + rnd.choice(["alpha", "rc.1", "0"])
        return text

    def comparator_set() -> str:
        if rnd.random() < 0.15:
            return f"{partial()} - {partial()}"
        ops = ["", "^", "~", ">=", ">", "<", "<=", "="]
        return " ".join(rnd.choice(ops) + partial() for _ in range(rnd.choice([1, 1, 2])))

    cases = []
    for _ in range(count):
        rng = " || ".join(comparator_set() for _ in range(rnd.choice([1, 1, 1, 2])))
        cases.append((version(), rng))
    return cases


def test_agrees_with_node_semver() -> None:
    """npm's own semver package (the one bundled with npm) is the oracle for 3,000 random
    version/range pairs, judged in one node process."""
    import json
    import subprocess

    cases = CASES_FOR_ORACLE + _random_cases(3000)
    script = ("const semver = require(process.argv[1]);"
              "const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "console.log(JSON.stringify(cases.map(([v, r]) => {"
              "  try { return semver.satisfies(v, r); } catch (e) { return null; } })));")
    out = subprocess.run(["node", "-e", script, str(_node_semver())],
                         input=json.dumps(cases), capture_output=True, text=True, check=True)
    expected = json.loads(out.stdout)
    mismatches = []
    for (version, spec), want in zip(cases, expected, strict=True):
        try:
            got: bool | None = satisfies(version, spec)
        except InvalidSemver:
            got = None
        if got != want:
            mismatches.append((version, spec, got, want))
    assert mismatches == []


CASES_FOR_ORACLE = [(v, r) for v, r, _ in CASES]
