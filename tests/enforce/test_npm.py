"""npm: package-lock.json v2/v3 (real locks written by npm 11) through the rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from superspec.enforce.npm.lock import read_npm_project
from superspec.errors import InputError
from tests.enforce.helpers import FIXTURES, report_of, texts

ROOT_V = "storefront-fixture:1.0.0"


def test_v2_and_v3_give_the_same_graph() -> None:
    v2 = read_npm_project(FIXTURES / "npm" / "v2")
    v3 = read_npm_project(FIXTURES / "npm" / "v3")
    assert [d.trail() for d in v2.dependencies] == [d.trail() for d in v3.dependencies] == [
        f"{ROOT_V} -> debug:2.6.9", f"{ROOT_V} -> left-pad:1.3.0", f"{ROOT_V} -> local-lib:1.0.0",
        f"{ROOT_V} -> ms:2.1.3", f"{ROOT_V} -> react:19.0.0-rc.1", f"{ROOT_V} -> is-number:7.0.0",
        f"{ROOT_V} -> debug:2.6.9 -> ms:2.0.0"]
    scopes = {d.coordinate.name: d.coordinate.scope for d in v3.dependencies}
    assert scopes["is-number"] == "dev" and scopes["debug"] == "runtime"


@pytest.mark.parametrize("version", ["v2", "v3"])
def test_rules_over_a_real_lock(project: Callable[..., Path], version: str) -> None:
    d = project({"requireReleaseDeps": {}, "dependencyConvergence": {},
                 "bannedDependencies": {"excludes": ["ms@<2.1", "left-*"],
                                        "includes": ["left-pad@>=1.3"]},
                 "requireUpperBoundDeps": {}}, tool="npm", fixture=f"npm/{version}")
    report = report_of(d)
    assert texts(report, "requireReleaseDeps") == [
        f"range '^1.3.0' for left-pad (pin an exact version; locked 1.3.0)\n"
        f"  via {ROOT_V} -> left-pad:1.3.0",
        f"file dependency local-lib from local-lib\n  via {ROOT_V} -> local-lib:1.0.0",
        f"pre-release dependency react:19.0.0-rc.1\n  via {ROOT_V} -> react:19.0.0-rc.1",
        f"range '~7.0.0' for is-number (pin an exact version; locked 7.0.0)\n"
        f"  via {ROOT_V} -> is-number:7.0.0"]
    assert texts(report, "dependencyConvergence") == [
        "dependency convergence error for ms: 2 versions (2.0.0, 2.1.3)\n"
        f"  via {ROOT_V} -> ms:2.1.3\n  via {ROOT_V} -> debug:2.6.9 -> ms:2.0.0"]
    assert texts(report, "bannedDependencies") == [
        f"banned dependency ms:2.0.0 (excluded by 'ms@<2.1')\n"
        f"  via {ROOT_V} -> debug:2.6.9 -> ms:2.0.0"]
    assert texts(report, "requireUpperBoundDeps") == []
    assert not report.passed


def test_allow_ranges_and_excludes(project: Callable[..., Path]) -> None:
    d = project({"requireReleaseDeps": {"allowRanges": True, "excludes": ["react", "local-*"]}},
                tool="npm", fixture="npm/v3")
    assert texts(report_of(d), "requireReleaseDeps") == []


GIT_LOCK = {
    "name": "web", "version": "2.0.0", "lockfileVersion": 3, "requires": True,
    "packages": {
        "": {"name": "web", "version": "2.0.0",
             "dependencies": {"ui-kit": "github:acme/ui-kit#v3",
                              "tarball": "https://cdn.example/t-1.0.0.tgz",
                              "lodash": "4.17.21", "chalk": "^5.0.0"}},
        "node_modules/ui-kit": {"version": "3.0.0", "resolved":
                                "git+ssh://git@github.com/acme/ui-kit.git#0a1b2c3d4e5f"},
        "node_modules/tarball": {"version": "1.0.0", "resolved": "https://cdn.example/t-1.0.0.tgz"},
        "node_modules/lodash": {"version": "4.17.21", "resolved":
                                "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz"},
        "node_modules/chalk": {"version": "4.1.2", "dependencies": {"lodash": "^3.0.0"}},
    },
}


def test_git_url_deps_and_an_invalid_edge(project: Callable[..., Path]) -> None:
    d = project({"requireReleaseDeps": {"allowRanges": True}, "requireUpperBoundDeps": {}},
                tool="npm")
    (d / "package-lock.json").write_text(json.dumps(GIT_LOCK, indent=2))
    report = report_of(d)
    assert texts(report, "requireReleaseDeps") == [
        "url dependency tarball from https://cdn.example/t-1.0.0.tgz\n"
        "  via web:2.0.0 -> tarball:1.0.0",
        "git dependency ui-kit from git+ssh://git@github.com/acme/ui-kit.git#0a1b2c3d4e5f\n"
        "  via web:2.0.0 -> ui-kit:3.0.0"]
    assert texts(report, "requireUpperBoundDeps") == [
        "chalk 4.1.2 does not satisfy '^5.0.0' requested by web:2.0.0\n"
        "  via web:2.0.0 -> chalk:4.1.2",
        "lodash 4.17.21 does not satisfy '^3.0.0' requested by chalk:4.1.2\n"
        "  via web:2.0.0 -> chalk:4.1.2 -> lodash:4.17.21"]


@pytest.mark.parametrize(("content", "message"), [
    ('{\n  "name": "x",\n  "lockfileVersion": 3,\n  "packages": {\n    "": {,}\n  }\n}\n',
     "package-lock.json:5:10: invalid JSON: Expecting property name enclosed in double quotes"),
    ('{\n  "name": "x",\n  "lockfileVersion": 1,\n  "dependencies": {}\n}\n',
     "package-lock.json:3: lockfileVersion 1 is not supported (2 or 3 needed: regenerate the "
     "lock with npm 7 or later)"),
    ('{\n  "lockfileVersion": 3,\n  "packages": {\n    "": {},\n    "node_modules/a": {\n'
     '      "resolved": "x"\n    }\n  }\n}\n',
     'package-lock.json:5: packages["node_modules/a"] has no string \'version\''),
    ('{"lockfileVersion": 2, "packages": {"": {"dependencies": ["a"]}}}',
     'package-lock.json:1: packages[""].dependencies must be an object'),
])
def test_malformed_lock_is_a_located_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           content: str, message: str) -> None:
    (tmp_path / "package-lock.json").write_text(content)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as info:
        read_npm_project(tmp_path)
    assert str(info.value) == message


def test_missing_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as info:
        read_npm_project(tmp_path)
    assert str(info.value) == ("package-lock.json: not found (npm projects need a lock file: run "
                               "'npm install --package-lock-only')")



def test_upper_bounds_agree_with_npm_ls(project: Callable[..., Path]) -> None:
    """``npm ls`` (npm's own reading of the lock) is the oracle for invalid edges."""
    import subprocess

    d = project({"requireUpperBoundDeps": {}}, tool="npm", fixture="npm/v3")
    lock = json.loads((d / "package-lock.json").read_text())
    lock["packages"]["node_modules/debug/node_modules/ms"]["version"] = "2.1.0"
    lock["packages"]["node_modules/left-pad"]["version"] = "1.2.0"
    (d / "package-lock.json").write_text(json.dumps(lock, indent=2))
    ls = subprocess.run(["npm", "ls", "--package-lock-only", "--all", "--json"], cwd=d,
                        capture_output=True, text=True, timeout=120)
    theirs = {p.split(" ")[1] for p in json.loads(ls.stdout)["problems"]
              if p.startswith("invalid: ")}
    ours = {t.split(" does not")[0].replace(" ", "@")
            for t in texts(report_of(d), "requireUpperBoundDeps")}
    assert theirs == ours == {"left-pad@1.2.0", "ms@2.1.0"}
