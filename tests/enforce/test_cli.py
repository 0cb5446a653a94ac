"""superspec enforce end to end (the installed console script): text, JSON, JUnit, exit codes,
levels, onlyWhen, and located errors for bad rules, bad options and malformed inputs."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest

from tests.enforce.helpers import FIXTURES, run_cli

RULES = {
    "requireFilesExist": {"files": ["package.json", "README.md"]},
    "requireOS": {"family": "unix"},
    "requireReleaseDeps": {"onlyWhen": {"branch": ["main", "release/*"]}},
    "dependencyConvergence": {"level": "warn"},
}

TEXT = """\
superspec enforce: demo (branch main)
┏━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━┳━━━━━━━━┳━━━━━━━━━━━━┓
┃ rule                  ┃ level ┃ status ┃ violations ┃
┡━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━╇━━━━━━━━╇━━━━━━━━━━━━┩
│ requireFilesExist     │ error │ FAIL   │          1 │
│ requireOS             │ error │ pass   │            │
│ requireReleaseDeps    │ error │ FAIL   │          4 │
│ dependencyConvergence │ warn  │ WARN   │          1 │
└───────────────────────┴───────┴────────┴────────────┘
requireFilesExist [error] fail:
  - required file is missing: README.md
requireReleaseDeps [error] fail:
  - range '^1.3.0' for left-pad (pin an exact version; locked 1.3.0)
    via storefront-fixture:1.0.0 -> left-pad:1.3.0
  - file dependency local-lib from local-lib
    via storefront-fixture:1.0.0 -> local-lib:1.0.0
  - pre-release dependency react:19.0.0-rc.1
    via storefront-fixture:1.0.0 -> react:19.0.0-rc.1
  - range '~7.0.0' for is-number (pin an exact version; locked 7.0.0)
    via storefront-fixture:1.0.0 -> is-number:7.0.0
dependencyConvergence [warn] fail:
  - dependency convergence error for ms: 2 versions (2.0.0, 2.1.3)
    via storefront-fixture:1.0.0 -> ms:2.1.3
    via storefront-fixture:1.0.0 -> debug:2.6.9 -> ms:2.0.0
enforce FAILED (1 pass, 3 fail)
"""


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines()]


def test_text_report_and_exit_code(project: Callable[..., Path]) -> None:
    d = project(RULES, tool="npm", fixture="npm/v3")
    proc = run_cli("enforce", "--branch", "main", "--no-cache", cwd=d)
    assert proc.returncode == 1
    assert _lines(proc.stdout) == _lines(TEXT)
    assert proc.stderr == "error: enforce failed: requireFilesExist, requireReleaseDeps\n"


def test_warn_level_failures_do_not_fail(project: Callable[..., Path]) -> None:
    d = project({"dependencyConvergence": {}, "requireFilesExist": {"files": ["package.json"]}},
                tool="npm", fixture="npm/v3", level="warn")
    proc = run_cli("enforce", "--format", "json", "--no-cache", cwd=d)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["passed"] is True
    assert [(r["id"], r["level"], r["status"]) for r in report["rules"]] == [
        ("dependencyConvergence", "warn", "fail"), ("requireFilesExist", "warn", "pass")]


def test_json_and_junit_reports(project: Callable[..., Path], tmp_path: Path) -> None:
    d = project(RULES, tool="npm", fixture="npm/v3")
    junit = tmp_path / "reports" / "enforce.xml"
    proc = run_cli("enforce", "--branch", "feature/login", "--format", "json", "--report-junit",
                   junit, "--no-cache", cwd=d)
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    assert report["branch"] == "feature/login" and report["passed"] is False
    assert report["counts"] == {"pass": 1, "fail": 2, "skip": 1, "error": 0}
    skip = report["rules"][2]
    assert skip == {"id": "requireReleaseDeps", "level": "error", "status": "skip",
                    "detail": "onlyWhen branch [main, release/*] does not match 'feature/login'",
                    "violations": []}
    assert report["rules"][0]["violations"] == [
        {"rule": "requireFilesExist", "level": "error",
         "message": "required file is missing: README.md", "trail": None}]

    suites = ElementTree.parse(junit).getroot()
    assert suites.tag == "testsuites"
    suite = suites.find("testsuite")
    assert suite is not None
    assert {k: suite.get(k) for k in ("name", "tests", "failures", "errors", "skipped")} == {
        "name": "superspec.enforce", "tests": "4", "failures": "2", "errors": "0",
        "skipped": "1"}
    cases = suite.findall("testcase")
    assert [(c.get("classname"), c.get("name")) for c in cases] == [
        ("superspec.enforce.demo", rule) for rule in RULES]
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("type") == "error"
    assert failure.get("message") == "1 violation (error)"
    assert failure.text == "- required file is missing: README.md"
    assert list(cases[1]) == []
    skipped = cases[2].find("skipped")
    assert skipped is not None and skipped.get("message") == skip["detail"]
    warn = cases[3].find("failure")
    assert warn is not None and warn.get("type") == "warn"
    assert warn.text == ("- dependency convergence error for ms: 2 versions (2.0.0, 2.1.3)\n"
                         "    via storefront-fixture:1.0.0 -> ms:2.1.3\n"
                         "    via storefront-fixture:1.0.0 -> debug:2.6.9 -> ms:2.0.0")
    assert not list(junit.parent.glob(".*.tmp"))  # written atomically, nothing left over


@pytest.mark.parametrize(("env", "status"), [
    ({"BRANCH_NAME": "release/1.2"}, "fail"),                       # Jenkins
    ({"CI_COMMIT_REF_NAME": "develop"}, "skip"),                   # GitLab
    ({"BRANCH_NAME": "main", "CI_COMMIT_REF_NAME": "other"}, "fail"),
])
def test_branch_from_ci_variables(project: Callable[..., Path], env: dict[str, str],
                                  status: str) -> None:
    d = project({"requireReleaseDeps": {"onlyWhen": {"branch": ["main", "release/*"]}}},
                tool="npm", fixture="npm/v3")
    proc = run_cli("enforce", "--format", "json", "--no-cache", cwd=d, env=env)
    assert json.loads(proc.stdout)["rules"][0]["status"] == status


def test_branch_from_git(project: Callable[..., Path]) -> None:
    d = project({"requireReleaseDeps": {"onlyWhen": {"branch": "release/*"}}}, tool="npm",
                fixture="npm/v3")
    subprocess.run(["git", "init", "-q", "-b", "release/2.0", str(d)], check=True)
    proc = run_cli("enforce", "--format", "json", "--no-cache", cwd=d)
    report = json.loads(proc.stdout)
    assert report["branch"] == "release/2.0" and report["rules"][0]["status"] == "fail"


def test_unknown_rules_and_bad_options_are_located(project: Callable[..., Path]) -> None:
    d = project({"requireOs": {"family": "unix"},
                 "requireToolVersion": {"jav": "[17,)"},
                 "requireFilesExist": {"files": "README.md"},
                 "requireOS": {"family": "beos"},
                 "bannedDependencies": {"excludes": ["org.x:y:[1.0", "lodash@^^1"]},
                 "requireUpperBoundDeps": {"includes": "x"}})
    proc = run_cli("enforce", cwd=d)
    assert proc.returncode == 1 and proc.stdout == ""
    at = "superspec.yaml:{} [project demo] enforce.rules."
    assert proc.stderr.splitlines() == [
        f"error: {at.format(11)}requireOs: unknown rule 'requireOs'; did you mean 'requireOS'?",
        f"error: {at.format(14)}requireToolVersion.jav: unknown option 'jav' for rule "
        "requireToolVersion; did you mean 'java'?",
        f"error: {at.format(16)}requireFilesExist.files: rule requireFilesExist: Input should be "
        "a valid list (got 'README.md')",
        f"error: {at.format(18)}requireOS.family: rule requireOS: invalid family 'beos' (valid: "
        "dos, mac, netware, os/2, tandem, unix, windows, win9x, z/os, os/400, openvms) "
        "(got 'beos')",
        f"error: {at.format(20)}bannedDependencies.excludes: rule bannedDependencies: pattern "
        "'org.x:y:[1.0': Unbounded range: [1.0",
        f"error: {at.format(24)}requireUpperBoundDeps.includes: rule requireUpperBoundDeps: "
        "Input should be a valid list (got 'x')"]


def test_malformed_lock_is_a_rule_error_without_traceback(project: Callable[..., Path]) -> None:
    d = project({"requireReleaseDeps": {}, "requireOS": {"family": "unix"}}, tool="npm")
    (d / "package-lock.json").write_text('{"lockfileVersion": 3, "packages": {"": {}, }}')
    proc = run_cli("enforce", "--format", "json", cwd=d)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr + proc.stdout
    rules = json.loads(proc.stdout)["rules"]
    assert rules[0] == {"id": "requireReleaseDeps", "level": "error", "status": "error",
                        "detail": "package-lock.json:1:45: invalid JSON: Expecting property name "
                                  "enclosed in double quotes", "violations": []}
    assert rules[1]["status"] == "pass"
    assert not (d / ".cache-test").exists() or not list((d / ".cache-test").glob("[0-9a-f]*"))


def test_help_teaches() -> None:
    proc = run_cli("enforce", "--help")
    assert proc.returncode == 0
    for words in ("requireToolVersion", "onlyWhen", "--report-junit", "superspec.rules",
                  "Exits 0 when no error-level rule fails"):
        assert words in proc.stdout


def test_example_storefront_project(tmp_path: Path) -> None:
    """The examples/ npm project with this fixture's lock: the company layer's rules run."""
    import shutil

    examples = Path(__file__).resolve().parents[2] / "examples"
    d = tmp_path / "storefront"
    shutil.copytree(examples / "projects" / "storefront", d)
    shutil.copy(FIXTURES / "npm" / "v3" / "package-lock.json", d)
    proc = run_cli("enforce", "--layers", examples / "layers", "--branch", "main",
                   "--format", "json", "--no-cache", cwd=d)
    report = json.loads(proc.stdout)
    assert [(r["id"], r["status"]) for r in report["rules"]] == [
        ("requireReleaseDeps", "fail"), ("bannedDependencies", "pass"),
        ("dependencyConvergence", "fail"), ("requireToolVersion", "pass")]


@pytest.mark.parametrize("example", ["storefront", "ledger"])
def test_examples_pass(tmp_path: Path, example: str) -> None:
    import shutil

    examples = tmp_path / "examples"  # a copy: relative 'extends' paths still resolve
    shutil.copytree(Path(__file__).resolve().parents[2] / "examples", examples)
    d = examples / "projects" / example
    proc = run_cli("enforce", "--layers", examples / "layers", "--branch", "main",
                   "--format", "json", "--no-cache", cwd=d)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {r["status"] for r in json.loads(proc.stdout)["rules"]} == {"pass"}


def test_no_dependency_data_is_said(project: Callable[..., Path]) -> None:
    d = project({"dependencyConvergence": {}}, tool="go")
    proc = run_cli("enforce", "--format", "json", "--no-cache", cwd=d)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["rules"][0] == {
        "id": "dependencyConvergence", "level": "error", "status": "pass", "violations": [],
        "detail": "no dependency data found (no pom.xml, Python lock file or environment, or "
                  "package-lock.json)"}


POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.acme</groupId>
  <artifactId>app</artifactId>
  <version>1.0.0</version>
  <dependencies>
    <dependency>
      <groupId>org.example</groupId>
      <artifactId>gone</artifactId>
      <version>1.0-SNAPSHOT</version>
    </dependency>
  </dependencies>
</project>
"""


def test_maven_reader_warnings_reach_every_report(project: Callable[..., Path],
                                                  tmp_path: Path) -> None:
    d = project({"requireReleaseDeps": {}}, tool="maven")
    (d / "pom.xml").write_text(POM)
    repo = tmp_path / "empty-repo"
    repo.mkdir()
    warning = ("pom.xml:7: the POM for org.example:gone:1.0-SNAPSHOT is missing, no dependency "
               "information available (no "
               f"{repo}/org/example/gone/1.0-SNAPSHOT/gone-1.0-SNAPSHOT.pom)")
    junit = tmp_path / "junit.xml"
    proc = run_cli("enforce", "--maven-repo", repo, "--format", "json", "--report-junit", junit,
                   "--no-cache", cwd=d)
    report = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert report["warnings"] == [warning]
    assert report["rules"][0]["violations"] == [
        {"rule": "requireReleaseDeps", "level": "error",
         "message": "SNAPSHOT dependency org.example:gone:1.0-SNAPSHOT",
         "trail": "com.acme:app:1.0.0 -> org.example:gone:1.0-SNAPSHOT"}]
    suite = ElementTree.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.findtext("system-err") == f"warning: {warning}"
    text = run_cli("enforce", "--maven-repo", repo, "--no-cache", cwd=d).stdout
    assert f"warning: {warning}\n" in text


def test_markup_in_names_is_printed_verbatim(project: Callable[..., Path]) -> None:
    d = project({"requireFilesExist": {"files": ["[red]x[/]"]}})
    proc = run_cli("enforce", "--branch", "fix/[/]-[bold]", "--no-cache", cwd=d)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert _lines(proc.stdout)[0] == "superspec enforce: demo (branch fix/[/]-[bold])"
    assert "  - required file is missing: [red]x[/]" in _lines(proc.stdout)


def test_junit_stays_parseable_with_control_characters(project: Callable[..., Path],
                                                       tmp_path: Path) -> None:
    d = project({"requireFilesExist": {"files": ["bad\x01name"]}})
    junit = tmp_path / "j.xml"
    run_cli("enforce", "--branch", "main\x02", "--report-junit", junit, "--no-cache", cwd=d)
    suite = ElementTree.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert suite.findtext("testcase/failure") == "- required file is missing: bad\ufffdname"


DUP_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.acme</groupId>
  <artifactId>logging-app</artifactId>
  <version>1.0.0</version>
  <dependencies>
    <dependency>
      <groupId>commons-logging</groupId>
      <artifactId>commons-logging</artifactId>
      <version>1.2</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>jcl-over-slf4j</artifactId>
      <version>1.7.32</version>
    </dependency>
  </dependencies>
</project>
"""


def test_duplicate_classes_through_the_maven_reader(project: Callable[..., Path]) -> None:
    """pom.xml resolved from Debian's /usr/share/maven-repo, jars reached through its symlinks."""
    repo = Path("/usr/share/maven-repo")
    assert (repo / "org/slf4j/jcl-over-slf4j/1.7.32").is_dir(), \
        "Debian maven-repo missing: run .ci/install-system-deps.sh"
    d = project({"banDuplicateClasses": {"ignoreWhenIdentical": True}}, tool="maven")
    (d / "pom.xml").write_text(DUP_POM)
    proc = run_cli("enforce", "--maven-repo", repo, "--format", "json", "--no-cache", cwd=d)
    assert proc.returncode == 1, proc.stderr
    (violation,) = json.loads(proc.stdout)["rules"][0]["violations"]
    assert violation["message"].startswith(
        "6 duplicate class(es) (different bytes) in commons-logging:commons-logging:1.2 and "
        "org.slf4j:jcl-over-slf4j:1.7.32: org.apache.commons.logging.Log, ")
    assert violation["trail"] == (
        "com.acme:logging-app:1.0.0 -> commons-logging:commons-logging:1.2\n"
        "com.acme:logging-app:1.0.0 -> org.slf4j:jcl-over-slf4j:1.7.32")
