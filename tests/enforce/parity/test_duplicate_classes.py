"""banDuplicateClasses end to end: POMs resolved from Debian's repository, the jars they resolve
to (symlinks into /usr/share/java), through ``superspec enforce --format json``. Maven Enforcer
3.1.0 has no such rule (it is in extra-enforcer-rules), so the expectations are the known overlaps
of these Debian jars."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.enforce.parity import harness

SUPERSPEC = Path(sys.executable).with_name("superspec")


def enforce(tmp_path: Path, deps: list[str], options: dict) -> dict:
    """Run the rule on a POM of ``deps`` ("g:a:v", or "g:a:v alone": excluding its own
    dependencies); return the rule's JSON result."""
    body = ""
    for d in deps:
        coord, _, alone = d.partition(" ")
        g, a, v = coord.split(":")
        excl = ("<exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId>"
                "</exclusion></exclusions>") if alone else ""
        body += (f"<dependency><groupId>{g}</groupId><artifactId>{a}</artifactId>"
                 f"<version>{v}</version>{excl}</dependency>")
    (tmp_path / "pom.xml").write_text(
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        "<groupId>dup</groupId><artifactId>app</artifactId><version>1</version>"
        f"<dependencies>{body}</dependencies></project>\n")
    spec = {"superspec": 1, "kind": "project", "name": "dup", "build": {"tool": "maven"},
            "pipeline": {"stages": {"enforce": {}}},
            "enforce": {"rules": {"banDuplicateClasses": options}}}
    (tmp_path / "superspec.yaml").write_text(yaml.safe_dump(spec))
    proc = subprocess.run([str(SUPERSPEC), "enforce", "--spec", str(tmp_path / "superspec.yaml"),
                           "--maven-repo", str(harness.DEBIAN_REPO), "--format", "json",
                           "--no-cache"], capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["rules"][0]


@pytest.mark.slow
def test_commons_logging_and_jcl_over_slf4j_differ_in_six_classes(tmp_path: Path) -> None:
    harness.require_maven()
    rule = enforce(tmp_path, ["commons-logging:commons-logging:1.2",
                              "org.slf4j:jcl-over-slf4j:debian alone"],
                   {"ignoreWhenIdentical": True})
    assert rule["status"] == "fail"
    [violation] = rule["violations"]
    assert violation["message"].startswith(
        "6 duplicate class(es) (different bytes) in commons-logging:commons-logging:1.2 and "
        "org.slf4j:jcl-over-slf4j:debian: org.apache.commons.logging.Log, ")


@pytest.mark.slow
def test_log4j_and_log4j_over_slf4j_overlap(tmp_path: Path) -> None:
    rule = enforce(tmp_path, ["log4j:log4j:1.2.17", "org.slf4j:log4j-over-slf4j:debian alone"],
                   {"ignoreWhenIdentical": True})
    assert rule["status"] == "fail"
    [violation] = rule["violations"]
    assert violation["message"] == (
        "29 duplicate class(es) (different bytes) in log4j:log4j:1.2.17 and "
        "org.slf4j:log4j-over-slf4j:debian: org.apache.log4j.Appender, "
        "org.apache.log4j.AppenderSkeleton, org.apache.log4j.BasicConfigurator, "
        "org.apache.log4j.Category, org.apache.log4j.ConsoleAppender and 24 more")


@pytest.mark.slow
@pytest.mark.parametrize("ignore, status", [(True, "pass"), (False, "fail")])
def test_commons_codec_inside_httpclient_osgi_is_identical(tmp_path: Path, ignore: bool,
                                                           status: str) -> None:
    rule = enforce(tmp_path, ["commons-codec:commons-codec:debian",
                              "org.apache.httpcomponents:httpclient-osgi:4.5.14 alone"],
                   {"ignoreWhenIdentical": ignore})
    assert rule["status"] == status
    if status == "fail":
        [violation] = rule["violations"]
        assert violation["message"].startswith(
            "106 duplicate class(es) (identical bytes) in commons-codec:commons-codec:debian "
            "and org.apache.httpcomponents:httpclient-osgi:4.5.14: ")
