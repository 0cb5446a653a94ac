"""requireToolVersion against the real tools on this machine, requireOS against what a real JVM
reports, requireFilesExist."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from superspec.enforce.rules.require_os import java_os
from superspec.enforce.tools import ToolProbe, parse_version
from tests.enforce.helpers import report_of, run_cli, texts


def _java_version() -> str:
    out = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    return out.split('"')[1]


def test_real_tool_versions(project: Callable[..., Path]) -> None:
    for tool in ("java", "mvn", "node", "npm", "python3"):
        assert shutil.which(tool), f"{tool} missing: run .ci/install-system-deps.sh"
    d = project({"requireToolVersion": {"java": "[17,)", "maven": "[3.8,)", "python": ">=3.10",
                                        "node": ">=18", "npm": ">=9"}})
    report = report_of(d)
    assert texts(report, "requireToolVersion") == []
    d = project({"requireToolVersion": {"java": "[99,)", "python": "<3", "npm": "^1.2",
                                        "maven": "(,3.0]"}})
    found = texts(report_of(d), "requireToolVersion")
    assert re.fullmatch(rf"java {re.escape(_java_version())} \(\S+/java\) is not in the allowed "
                        r"range \[99,\)", found[0])
    assert re.fullmatch(r"maven 3\.\d+\.\d+ \(\S+/mvn\) is not in the allowed range \(,3\.0\]",
                        found[1])
    assert re.fullmatch(r"python 3\.\d+\.\d+ \(\S+/python3\) is not in the allowed range <3",
                        found[2])
    npm = subprocess.run(["npm", "--version"], capture_output=True, text=True).stdout.strip()
    assert found[3] == f"npm {npm} ({shutil.which('npm')}) is not in the allowed range ^1.2"


def test_missing_tools_are_violations(project: Callable[..., Path], tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    d = project({"requireToolVersion": {"go": ">=1.21", "gradle": "[8,)", "node": ">=18"}})
    proc = run_cli("enforce", "--format", "json", "--no-cache", cwd=d,
                   env={"PATH": str(empty), "JAVA_HOME": ""})
    assert proc.returncode == 1
    assert [v["message"] for v in json.loads(proc.stdout)["rules"][0]["violations"]] == [
        "gradle is required ([8,)) but not available: 'gradle' not found on PATH",
        "node is required (>=18) but not available: 'node' not found on PATH",
        "go is required (>=1.21) but not available: 'go' not found on PATH"]


def test_java_home_wins_over_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    java = Path(os.path.realpath(shutil.which("java") or ""))
    expected = _java_version()
    monkeypatch.setenv("JAVA_HOME", str(java.parent.parent))
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on PATH at all
    found = ToolProbe(None).versions(["java"])["java"]
    assert (found.version, found.path) == (expected, str(java))


@pytest.mark.parametrize(("tool", "output", "version"), [
    ("java", 'openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment', "17.0.15"),
    ("java", 'java version "1.8.0_292"\nJava(TM) SE Runtime Environment', "1.8.0-292"),
    ("maven", "\x1b[1mApache Maven 3.8.7\x1b[m\nMaven home: /usr/share/maven", "3.8.7"),
    ("gradle", "\n------------------------------------------------------------\nGradle 8.5\n"
               "------------------------------------------------------------\n", "8.5"),
    ("python", "Python 3.11.7\n", "3.11.7"),
    ("node", "v20.20.2\n", "20.20.2"),
    ("npm", "11.19.1\n", "11.19.1"),
    ("go", "go version go1.21.5 linux/amd64\n", "1.21.5"),
])
def test_version_output_formats(tool: str, output: str, version: str) -> None:
    assert parse_version(tool, output) == version


def test_os_values_match_the_jvm(project: Callable[..., Path]) -> None:
    props = subprocess.run(["java", "-XshowSettings:properties", "-version"],
                           capture_output=True, text=True).stderr
    jvm = {k: v.strip().lower() for k, v in re.findall(r"^\s*os\.(name|arch|version) = (.*)$",
                                                          props, flags=re.M)}
    assert java_os() == (jvm["name"], jvm["arch"], jvm["version"])
    name, arch, version = java_os()
    d = project({"requireOS": {"family": "unix", "name": name, "arch": arch, "version": version}})
    assert texts(report_of(d), "requireOS") == []
    d = project({"requireOS": {"family": "!unix"}})
    assert texts(report_of(d), "requireOS") == [
        f"OS family unix, name {name}, arch {arch}, version {version} is not allowed by "
        "Family=!unix"]
    d = project({"requireOS": {"family": "windows", "arch": "!sparc"}})
    assert texts(report_of(d), "requireOS") == [
        f"OS family unix, name {name}, arch {arch}, version {version} is not allowed by "
        "Family=windows"]


def test_require_files_exist(project: Callable[..., Path]) -> None:
    d = project({"requireFilesExist": {"files": ["superspec.yaml", "docs/README.md", "LICENSE"]}})
    (d / "docs").mkdir()
    assert texts(report_of(d), "requireFilesExist") == [
        "required file is missing: docs/README.md", "required file is missing: LICENSE"]
    (d / "docs" / "README.md").write_text("x")
    (d / "LICENSE").write_text("x")
    assert texts(report_of(d), "requireFilesExist") == []
