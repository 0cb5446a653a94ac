"""Python: pip-compile requirements, poetry.lock, uv.lock and a real pip-installed environment."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from superspec.enforce.python import read_python_project
from superspec.errors import InputError
from tests.enforce.helpers import FIXTURES, report_of, texts, wheel

PIP = "pip-compile:0"


def test_pip_compile_via_comments_give_paths() -> None:
    graph = read_python_project(FIXTURES / "python" / "pip-compile")
    trails = [d.trail() for d in graph.dependencies]
    assert f"{PIP} -> requests:2.31.0 -> urllib3:2.2.1" in trails
    assert f"{PIP} -> botocore:1.34.51 -> urllib3:2.2.1" in trails
    assert f"{PIP} -> botocore:1.34.51 -> python-dateutil:2.9.0.post0 -> six:1.16.0" in trails
    assert graph.inputs == [FIXTURES / "python" / "pip-compile" / "requirements-dev.txt",
                            FIXTURES / "python" / "pip-compile" / "requirements.txt"]


def test_requirements_rules(project: Callable[..., Path]) -> None:
    d = project({"requireReleaseDeps": {}, "dependencyConvergence": {},
                 "bannedDependencies": {"excludes": ["urllib3<2", "six"]}},
                fixture="python/pip-compile")
    report = report_of(d)
    root = "project:0"
    assert texts(report, "requireReleaseDeps") == [
        f"unpinned requirement pytest>=8 (pin it with ==)\n  via {root} -> pytest:>=8",
        f"pre-release dependency black:24.1.0b1\n  via {root} -> black:24.1.0b1",
        f"git dependency devtool from git+https://github.com/example/devtool.git@v1.2"
        f"#egg=devtool\n  via {root} -> devtool:",
        f"url dependency internal-lib from https://files.example.com/internal_lib-1.0-py3-none-"
        f"any.whl\n  via {root} -> internal-lib:"]
    assert texts(report, "dependencyConvergence") == [
        "dependency convergence error for urllib3: 2 versions (1.26.18, 2.2.1)\n"
        f"  via {root} -> urllib3:1.26.18\n"
        f"  via {root} -> requests:2.31.0 -> urllib3:2.2.1\n"
        f"  via {root} -> botocore:1.34.51 -> urllib3:2.2.1"]
    assert texts(report, "bannedDependencies") == [
        f"banned dependency urllib3:1.26.18 (excluded by 'urllib3<2')\n"
        f"  via {root} -> urllib3:1.26.18",
        f"banned dependency six:1.16.0 (excluded by 'six')\n"
        f"  via {root} -> botocore:1.34.51 -> python-dateutil:2.9.0.post0 -> six:1.16.0"]


def test_poetry_lock(project: Callable[..., Path]) -> None:
    d = project({"requireReleaseDeps": {}, "requireUpperBoundDeps": {},
                 "dependencyConvergence": {}}, fixture="python/poetry")
    report = report_of(d)
    assert texts(report, "requireReleaseDeps") == [
        "git dependency ledger-common from https://github.com/example/ledger-common.git\n"
        "  via ledger:1.4.0 -> ledger-common:0.3.0",
        "pre-release dependency pytest:8.1.0rc1\n  via ledger:1.4.0 -> pytest:8.1.0rc1"]
    assert texts(report, "requireUpperBoundDeps") == []
    assert texts(report, "dependencyConvergence") == []


def test_uv_lock(project: Callable[..., Path]) -> None:
    d = project({"requireUpperBoundDeps": {}, "requireReleaseDeps": {},
                 "bannedDependencies": {"excludes": ["h1*"]}}, fixture="python/uv")
    report = report_of(d)
    assert texts(report, "requireUpperBoundDeps") == [
        "anyio 4.3.0 does not satisfy '>=4.4' requested by ledger:1.4.0\n"
        "  via ledger:1.4.0 -> anyio:4.3.0"]
    assert texts(report, "requireReleaseDeps") == []
    assert texts(report, "bannedDependencies") == [
        "banned dependency h11:0.14.0 (excluded by 'h1*')\n"
        "  via ledger:1.4.0 -> httpx:0.27.0 -> httpcore:1.0.5 -> h11:0.14.0"]


@pytest.mark.parametrize(("name", "content", "message"), [
    ("requirements.txt", "requests==2.31.0\nfoo bar==1\n",
     "requirements.txt:2: invalid requirement 'foo bar==1': Expected semicolon (after name with "
     "no version specifier) or end"),
    ("poetry.lock", '[[package]]\nname = "x\nversion = "1"\n',
     "poetry.lock:2:10: invalid TOML: Illegal character '\\n'"),
    ("poetry.lock", '[[package]]\nname = "x"\nversion = "1"\ndependencies = ["y"]\n',
     "poetry.lock:2: package 'x': 'dependencies' must be a table"),
    ("poetry.lock", '[[package]]\nname = "x"\n',
     "poetry.lock:2: package #1 needs string 'name' and 'version'"),
    ("uv.lock", 'version = 2\n', "uv.lock:1: unsupported uv.lock version 2 (expected 1)"),
    ("uv.lock", 'version = 1\n[[package]]\nname = "a"\nversion = "1"\ndependencies = [1]\n',
     "uv.lock:3: package 'a': each dependency needs a string 'name'"),
])
def test_malformed_inputs_are_located(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      name: str, content: str, message: str) -> None:
    (tmp_path / name).write_text(content)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as info:
        read_python_project(tmp_path)
    assert str(info.value) == message


@pytest.fixture(scope="module")
def venv_prefix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An environment populated by pip itself from local wheels: alpha needs beta>=2 but beta 1.5
    is installed; gamma (a local version) ships shared.py, as alpha does, and the same data file
    as beta."""
    work = tmp_path_factory.mktemp("wheels")
    wheel(work, "alpha", "1.0", {"alpha/__init__.py": "A = 1\n", "shared.py": "X = 1\n"},
           ("beta>=2",))
    wheel(work, "beta", "1.5", {"beta.py": "B = 1\n", "data/config.json": "{}\n"})
    wheel(work, "gamma", "0.1+acme.3", {"gamma.py": "", "shared.py": "X = 2\n",
                                         "data/config.json": "{}\n"})
    prefix = work / "venv"
    # by name from a local "index" (--find-links), as from PyPI: no direct_url.json is written
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--disable-pip-version-check", "--find-links", str(work), "--prefix",
                    str(prefix), "alpha", "beta", "gamma"],
                   check=True, capture_output=True, text=True)
    return prefix


def test_environment_rules(project: Callable[..., Path], venv_prefix: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIRTUAL_ENV", str(venv_prefix))
    d = project({"requireUpperBoundDeps": {}, "requireReleaseDeps": {},
                 "banDuplicateClasses": {}})
    (d / "pyproject.toml").write_text('[project]\nname = "svc"\nversion = "2.0"\n'
                                      'dependencies = ["alpha", "gamma"]\n')
    report = report_of(d)
    assert texts(report, "requireUpperBoundDeps") == [
        "beta 1.5 does not satisfy '>=2' requested by alpha:1.0\n"
        "  via svc:2.0 -> alpha:1.0 -> beta:1.5"]
    assert texts(report, "requireReleaseDeps") == [
        "pre-release dependency gamma:0.1+acme.3\n  via svc:2.0 -> gamma:0.1+acme.3"]
    assert texts(report, "banDuplicateClasses") == [
        "file data/config.json is provided by 2 distributions (identical content): beta 1.5, "
        "gamma 0.1+acme.3\n"
        "  via svc:2.0 -> alpha:1.0 -> beta:1.5\n"
        "  via svc:2.0 -> gamma:0.1+acme.3",
        "module shared is provided by 2 distributions (different content): alpha 1.0, "
        "gamma 0.1+acme.3\n"
        "  via svc:2.0 -> alpha:1.0\n"
        "  via svc:2.0 -> gamma:0.1+acme.3"]


def test_environment_duplicates_options(project: Callable[..., Path], venv_prefix: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIRTUAL_ENV", str(venv_prefix))
    d = project({"banDuplicateClasses": {"ignoreWhenIdentical": True}})
    assert [t.split(" is ")[0] for t in texts(report_of(d), "banDuplicateClasses")] == [
        "module shared"]
    d = project({"banDuplicateClasses": {"ignoreClasses": ["shared", "data/*"]}})
    assert texts(report_of(d), "banDuplicateClasses") == []


def test_requirement_file_includes_and_options(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "base.txt").write_text("attrs==23.2.0  # pinned\n-c constraints.txt\n")
    (tmp_path / "requirements.txt").write_text(
        "--index-url https://pypi.example/simple\n-r base.txt\n"
        "requests[socks]==2.31.0 \\\n    --hash=sha256:58cd2187c01e70e6e26505bca751777aa9f2ee0b\n"
        "pyyaml>=6 ; python_version >= '3.8'\n")
    monkeypatch.chdir(tmp_path)
    graph = read_python_project(tmp_path)
    assert [(d.coordinate.name, d.coordinate.version, d.pinned, d.source)
            for d in graph.dependencies] == [
        ("attrs", "23.2.0", True, "base.txt:1"),
        ("requests", "2.31.0", True, "requirements.txt:3"),
        ("pyyaml", ">=6", False, "requirements.txt:5")]
    assert graph.inputs == [tmp_path / "requirements.txt", tmp_path / "base.txt"]
    (tmp_path / "base.txt").write_text("-r requirements.txt\n")
    with pytest.raises(InputError) as info:
        read_python_project(tmp_path)
    assert str(info.value) == "requirements.txt: requirement files include each other"


def test_upper_bounds_agree_with_pip_check(venv_prefix: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           project: Callable[..., Path]) -> None:
    """pip's own ``pip check`` is the oracle for requireUpperBoundDeps over an environment."""
    site = next(venv_prefix.glob("lib/python3*/site-packages"))
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    check = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True,
                           text=True, env=env)
    theirs = {line for line in check.stdout.splitlines()
              if line.split(" ")[0] in ("alpha", "beta", "gamma")}
    monkeypatch.setenv("VIRTUAL_ENV", str(venv_prefix))
    d = project({"requireUpperBoundDeps": {}})
    ours = set()
    for text in texts(report_of(d), "requireUpperBoundDeps"):
        m = re.match(r"(\S+) (\S+) does not satisfy '(.+)' requested by (\S+):(\S+)\n", text)
        assert m, text
        name, have, spec, owner, owner_version = m.groups()
        ours.add(f"{owner} {owner_version} has requirement {name}{spec}, but you have {name} "
                 f"{have}.")
    assert theirs == ours == {"alpha 1.0 has requirement beta>=2, but you have beta 1.5."}
