"""Parity harness: the same POMs and rules through Maven Enforcer 3.1.0 and through superspec.

Each case is ``cases/<case>/pom.xml`` plus ``cases/<case>/enforce.yaml`` (the ``enforce.rules``
mapping of a superspec spec). The harness copies the cases to a work directory, writes each case's
``superspec.yaml`` from ``enforce.yaml`` and injects the equivalent ``maven-enforcer-plugin``
configuration into its ``pom.xml``, so both sides see exactly the same rules. All cases are modules
of one aggregator, so Maven runs once (``-fae``) for every case.

The local repository is Debian's ``/usr/share/maven-repo`` overlaid with a few fixture artifacts
(``repo/parityfixture``, groupId ``parityfixture``): one directory of symlinks, so Maven and
superspec read the very same files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import yaml

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
FIXTURES = HERE / "repo"
DEBIAN_REPO = Path("/usr/share/maven-repo")
DEBIAN_SETTINGS = Path("/etc/maven/settings-debian.xml")
ENFORCER = "org.apache.maven.plugins:maven-enforcer-plugin:3.1.0"
TREE = "org.apache.maven.plugins:maven-dependency-plugin:3.5.0:tree"


def require_maven() -> None:
    """Fail (never skip) with a clear message when the oracle is not installed."""
    missing = [str(p) for p in (DEBIAN_REPO / "org/apache/maven/plugins/maven-enforcer-plugin",
                                DEBIAN_SETTINGS) if not p.exists()]
    if shutil.which("mvn") is None:
        missing.append("mvn")
    if missing:
        raise AssertionError("Maven Enforcer oracle missing (" + ", ".join(missing) +
                             "): run .ci/install-system-deps.sh")


def case_names() -> list[str]:
    return sorted(p.name for p in CASES.iterdir() if (p / "enforce.yaml").is_file())


def case_rules(case: str) -> dict[str, dict]:
    return yaml.safe_load((CASES / case / "enforce.yaml").read_text()) or {}


# -- superspec rules -> Maven Enforcer XML ---------------------------------------------------------

def _el(tag: str, body: str = "") -> str:
    return f"<{tag}>{body}</{tag}>" if body else f"<{tag}/>"


def _list(tag: str, item: str, values: list[str]) -> str:
    return _el(tag, "".join(_el(item, escape(v)) for v in values))


def enforcer_rules(rules: dict[str, dict]) -> tuple[list[str], dict[str, list[int]]]:
    """Enforcer rule elements, and which Enforcer rule indexes each superspec rule became."""
    out: list[str] = []
    mapping: dict[str, list[int]] = {}
    for rule_id, options in rules.items():
        options = dict(options or {})
        start = len(out)
        if rule_id == "requireToolVersion":
            tags = {"java": "requireJavaVersion", "maven": "requireMavenVersion"}
            for tool, spec in options.items():
                out.append(_el(tags[tool], _el("version", escape(str(spec)))))
        elif rule_id == "requireOS":
            out.append(_el("requireOS", "".join(_el(k, escape(str(v)))
                                                for k, v in options.items())))
        elif rule_id == "bannedDependencies":
            body = ""
            for key in ("excludes", "includes"):
                if key in options:
                    body += _list(key, key[:-1], options[key])
            out.append(_el("bannedDependencies", body))
        elif rule_id in ("requireReleaseDeps", "dependencyConvergence", "requireUpperBoundDeps"):
            assert not options, f"{rule_id}: options not mapped in the parity harness"
            out.append(_el(rule_id))
        else:
            raise AssertionError(f"no Enforcer equivalent mapped for {rule_id}")
        mapping[rule_id] = list(range(start, len(out)))
    return out, mapping


def _plugin_xml(rule_elements: list[str]) -> str:
    return ("<build><plugins><plugin><groupId>org.apache.maven.plugins</groupId>"
            "<artifactId>maven-enforcer-plugin</artifactId><version>3.1.0</version>"
            "<configuration><rules>" + "".join(rule_elements) +
            "</rules></configuration></plugin></plugins></build>\n")


# -- work tree -----------------------------------------------------------------------------------

@dataclass
class Work:
    root: Path  # aggregator directory; each case is root/<case>
    repo: Path  # the overlaid local repository
    cases: list[str]
    mapping: dict[str, dict[str, list[int]]]  # case -> superspec rule -> Enforcer indexes


def overlay_repo(dest: Path) -> Path:
    """Debian's repository plus the fixture artifacts (given empty jars), as one directory."""
    dest.mkdir(parents=True)
    for entry in DEBIAN_REPO.iterdir():
        os.symlink(entry, dest / entry.name)
    shutil.copytree(FIXTURES / "parityfixture", dest / "parityfixture")
    for pom in (dest / "parityfixture").rglob("*.pom"):
        if "<packaging>pom</packaging>" not in pom.read_text():
            with zipfile.ZipFile(pom.with_suffix(".jar"), "w") as zf:
                zf.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
    return dest


def prepare(tmp: Path, cases: list[str] | None = None) -> Work:
    cases = cases or case_names()
    root = tmp / "cases"
    root.mkdir(parents=True)
    mapping = {}
    for case in cases:
        shutil.copytree(CASES / case, root / case)
        rules = case_rules(case)
        elements, mapping[case] = enforcer_rules(rules)
        pom = root / case / "pom.xml"
        text = pom.read_text()
        pom.write_text(text.replace("</project>", _plugin_xml(elements) + "</project>"))
        spec = {"superspec": 1, "kind": "project", "name": case,
                "build": {"tool": "maven"}, "pipeline": {"stages": {"enforce": {}}},
                "enforce": {"rules": rules}}
        (root / case / "superspec.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    modules = "".join(f"<module>{c}</module>" for c in cases)
    (root / "pom.xml").write_text(
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        "<groupId>parity.cases</groupId><artifactId>aggregator</artifactId><version>1.0</version>"
        f"<packaging>pom</packaging><modules>{modules}</modules>"
        + _plugin_xml(["<alwaysPass/>"]) + "</project>\n")
    return Work(root, overlay_repo(tmp / "repo"), cases, mapping)


def mvn(work: Work, *goals: str) -> str:
    argv = ["mvn", "-o", "-B", "-fae", "-s", str(DEBIAN_SETTINGS),
            f"-Dmaven.repo.local={work.repo}", *goals]
    proc = subprocess.run(argv, cwd=work.root, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "MAVEN_OPTS": "-XX:TieredStopAtLevel=1"})
    return proc.stdout + proc.stderr


_SECTION = re.compile(r"^\[INFO\] --- (\S+) \(default-cli\) @ (\S+) ---$", re.M)
_FAILED = re.compile(r"^\[(?:ERROR|WARNING)\] Rule (\d+): (\S+) failed with message:", re.M)


def sections(output: str, goal_prefix: str) -> dict[str, str]:
    """Module artifactId -> the log lines of that module's ``goal_prefix`` execution."""
    marks = list(_SECTION.finditer(output))
    out = {}
    for i, m in enumerate(marks):
        if m.group(1).startswith(goal_prefix):
            end = marks[i + 1].start() if i + 1 < len(marks) else len(output)
            out[m.group(2)] = output[m.end():end]
    return out


def enforcer_verdicts(work: Work) -> tuple[dict[str, dict[str, bool]], str]:
    """case -> superspec rule id -> passed, per Maven Enforcer; plus the raw log."""
    output = mvn(work, f"{ENFORCER}:enforce")
    by_case = sections(output, "maven-enforcer-plugin")
    verdicts: dict[str, dict[str, bool]] = {}
    for case in work.cases:
        if case not in by_case:
            raise AssertionError(f"Maven Enforcer did not run for case {case}:\n{output[-4000:]}")
        failed = {int(m.group(1)) for m in _FAILED.finditer(by_case[case])}
        verdicts[case] = {rule: not (set(idx) & failed)
                          for rule, idx in work.mapping[case].items()}
    return verdicts, output


_REPORTS: dict[tuple[str, str], tuple[dict[str, bool], dict]] = {}


def superspec_verdicts(work: Work, case: str, superspec: Path) -> tuple[dict[str, bool], dict]:
    """superspec rule id -> passed, from ``superspec enforce --format json`` (run once per case
    and work tree, then remembered)."""
    key = (str(work.root), case)
    if key not in _REPORTS:
        _REPORTS[key] = _run_superspec(work, case, superspec)
    return _REPORTS[key]


def _run_superspec(work: Work, case: str, superspec: Path) -> tuple[dict[str, bool], dict]:
    d = work.root / case
    proc = subprocess.run(
        [str(superspec), "enforce", "--spec", str(d / "superspec.yaml"), "--project-dir", str(d),
         "--maven-repo", str(work.repo), "--format", "json", "--no-cache"],
        capture_output=True, text=True, timeout=120)
    if proc.returncode not in (0, 1):
        raise AssertionError(f"superspec enforce exited {proc.returncode} for {case}:\n"
                             f"{proc.stdout}\n{proc.stderr}")
    report = json.loads(proc.stdout)
    return {r["id"]: r["status"] == "pass" for r in report["rules"]}, report


_RULE_BLOCK = re.compile(r"^\[(?:ERROR|WARNING)\] Rule (\d+): \S+ failed with message:\n"
                         r"((?:(?!\[).*\n)*)", re.M)
_BANNED = re.compile(r"^Found Banned Dependency: (\S+)$", re.M)


def enforcer_offenders(work: Work, log: str, case: str, rule: str) -> set[str]:
    """'group:artifact:version' of each dependency Enforcer reported for ``rule`` (one of the
    rules that report "Found Banned Dependency": bannedDependencies, requireReleaseDeps)."""
    section = sections(log, "maven-enforcer-plugin")[case]
    wanted = set(work.mapping[case][rule])
    found = set()
    for m in _RULE_BLOCK.finditer(section):
        if int(m.group(1)) in wanted:
            for coord in _BANNED.findall(m.group(2)):
                parts = coord.split(":")  # group:artifact:type[:classifier]:version
                found.add(f"{parts[0]}:{parts[1]}:{parts[-1]}")
    return found


def superspec_offenders(report: dict, rule: str) -> set[str]:
    """The offending 'group:artifact:version': the last step of each violation's trail."""
    [result] = [r for r in report["rules"] if r["id"] == rule]
    return {v["trail"].split(" -> ")[-1] for v in result["violations"] if v.get("trail")}


_CONFLICT = {
    "dependencyConvergence": re.compile(r"^Dependency convergence error for ([^:\s]+):([^:\s]+):",
                                        re.M),
    "requireUpperBoundDeps": re.compile(
        r"^Require upper bound dependencies error for ([^:\s]+):([^:\s]+):", re.M),
}


def enforcer_conflict_keys(log: str, case: str, rule: str) -> set[str]:
    """'group:artifact' of each package Enforcer reports a convergence / upper-bound error for."""
    section = sections(log, "maven-enforcer-plugin")[case]
    return {f"{g}:{a}" for g, a in _CONFLICT[rule].findall(section)}


def superspec_conflict_keys(report: dict, rule: str) -> set[str]:
    """'group:artifact' of each violation: from the last step of its trail(s)."""
    [result] = [r for r in report["rules"] if r["id"] == rule]
    return {":".join(line.split(" -> ")[-1].split(":")[:2])
            for v in result["violations"] for line in (v.get("trail") or "").splitlines()
            if line}
