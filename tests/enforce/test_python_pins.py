"""Python: every pin of every requirement and lock file is judged, even when two files pin one
package at different versions (a convergence conflict never hides a ban or a pre-release)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from superspec.enforce.python import read_python_project
from tests.enforce.helpers import FIXTURES, report_of, spec_text, texts

ROOT = "project:0"
BAN = {"bannedDependencies": {"excludes": ["urllib3<2"]}, "dependencyConvergence": {}}


def make(base: Path, files: dict[str, str], rules: dict[str, Any],
         fixture: str | None = None) -> Path:
    """A project directory named ``project`` under ``base`` holding ``files``."""
    d = base / "project"
    if fixture:
        shutil.copytree(FIXTURES / fixture, d)
    for name, text in files.items():
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        (d / name).write_text(text)
    (d / "superspec.yaml").write_text(spec_text(rules))
    return d


def test_ban_is_seen_whichever_file_pins_it(tmp_path: Path) -> None:
    # requirements-test.txt sorts before requirements.txt: the banned pin is read first in one
    # layout and second in the other
    for n, (banned, other) in enumerate([("requirements.txt", "requirements-test.txt"),
                                         ("requirements-test.txt", "requirements.txt")]):
        d = make(tmp_path / str(n), {banned: "urllib3==1.26.18\n", other: "urllib3==2.0.7\n"},
                 BAN)
        report = report_of(d)
        assert texts(report, "bannedDependencies") == [
            f"banned dependency urllib3:1.26.18 (excluded by 'urllib3<2')\n"
            f"  via {ROOT} -> urllib3:1.26.18"], banned
        first, second = ("2.0.7", "1.26.18") if banned == "requirements.txt" \
            else ("1.26.18", "2.0.7")
        assert texts(report, "dependencyConvergence") == [
            "dependency convergence error for urllib3: 2 versions (1.26.18, 2.0.7)\n"
            f"  via {ROOT} -> urllib3:{first}\n"
            f"  via {ROOT} -> urllib3:{second}"], banned


def test_three_files_each_pin_judged(tmp_path: Path) -> None:
    d = make(tmp_path, {"requirements-dev.txt": "urllib3==2.0.7\n",
                        "requirements-prod.txt": "certifi==2024.2.2\nurllib3==1.26.17\n",
                        "requirements.txt": "urllib3==1.26.18\n"}, BAN)
    report = report_of(d)
    assert texts(report, "bannedDependencies") == [
        f"banned dependency urllib3:1.26.17 (excluded by 'urllib3<2')\n"
        f"  via {ROOT} -> urllib3:1.26.17",
        f"banned dependency urllib3:1.26.18 (excluded by 'urllib3<2')\n"
        f"  via {ROOT} -> urllib3:1.26.18"]
    assert texts(report, "dependencyConvergence") == [
        "dependency convergence error for urllib3: 3 versions (1.26.17, 1.26.18, 2.0.7)\n"
        f"  via {ROOT} -> urllib3:2.0.7\n"
        f"  via {ROOT} -> urllib3:1.26.17\n"
        f"  via {ROOT} -> urllib3:1.26.18"]


def test_pip_compile_files_keep_their_own_paths(tmp_path: Path) -> None:
    """Each file's ``# via`` comments give its own pins their paths: the banned urllib3 of the
    second file is reached through that file's requests, not attached to the root."""
    d = make(tmp_path, {
        "requirements-dev.txt": "requests==2.31.0\n    # via -r requirements-dev.in\n"
                                "urllib3==2.0.7\n    # via requests\n",
        "requirements.txt": "requests==2.31.0\n    # via -r requirements.in\n"
                            "urllib3==1.26.18\n    # via requests\n"}, BAN)
    report = report_of(d)
    assert texts(report, "bannedDependencies") == [
        f"banned dependency urllib3:1.26.18 (excluded by 'urllib3<2')\n"
        f"  via {ROOT} -> requests:2.31.0 -> urllib3:1.26.18"]
    assert texts(report, "dependencyConvergence") == [
        "dependency convergence error for urllib3: 2 versions (1.26.18, 2.0.7)\n"
        f"  via {ROOT} -> requests:2.31.0 -> urllib3:2.0.7\n"
        f"  via {ROOT} -> requests:2.31.0 -> urllib3:1.26.18"]


def test_release_deps_judge_every_file(tmp_path: Path) -> None:
    url = "internal-lib @ https://files.example.com/internal_lib-{}-py3-none-any.whl\n"
    d = make(tmp_path, {"requirements-test.txt": "black==24.1.0\npytest>=8\n" + url.format("1.0"),
                        "requirements.txt": "black==24.2.0b1\npytest>=7\n" + url.format("2.0")},
             {"requireReleaseDeps": {}})
    assert texts(report_of(d), "requireReleaseDeps") == [
        f"unpinned requirement pytest>=8 (pin it with ==)\n  via {ROOT} -> pytest:>=8",
        "url dependency internal-lib from https://files.example.com/internal_lib-1.0-py3-none-"
        f"any.whl\n  via {ROOT} -> internal-lib:",
        f"pre-release dependency black:24.2.0b1\n  via {ROOT} -> black:24.2.0b1",
        f"unpinned requirement pytest>=7 (pin it with ==)\n  via {ROOT} -> pytest:>=7",
        "url dependency internal-lib from https://files.example.com/internal_lib-2.0-py3-none-"
        f"any.whl\n  via {ROOT} -> internal-lib:"]


def test_included_files_are_judged_once_per_pin(tmp_path: Path) -> None:
    """``-r`` includes: the pin in locks/prod.txt is read twice (requirements-dev.txt includes
    requirements.txt, which includes it) and reported once."""
    d = make(tmp_path, {"requirements-ci.txt": "urllib3==2.0.7\n",
                        "requirements-dev.txt": "-r requirements.txt\npytest==8.0.0\n",
                        "requirements.txt": "-r locks/prod.txt\n",
                        "locks/prod.txt": "urllib3==1.26.18\n"}, BAN)
    report = report_of(d)
    assert texts(report, "bannedDependencies") == [
        f"banned dependency urllib3:1.26.18 (excluded by 'urllib3<2')\n"
        f"  via {ROOT} -> urllib3:1.26.18"]
    assert texts(report, "dependencyConvergence") == [
        "dependency convergence error for urllib3: 2 versions (1.26.18, 2.0.7)\n"
        f"  via {ROOT} -> urllib3:2.0.7\n"
        f"  via {ROOT} -> urllib3:1.26.18"]


def test_requirements_next_to_a_poetry_lock_are_read(tmp_path: Path) -> None:
    """An exported requirements.txt next to poetry.lock is installed from too: both are read."""
    d = make(tmp_path, {"requirements.txt": 'requests==2.31.0 ; python_version >= "3.10"\n'
                                            'urllib3==1.26.18 ; python_version >= "3.10"\n'},
             BAN, fixture="python/poetry")
    report = report_of(d)
    assert texts(report, "bannedDependencies") == [
        "banned dependency urllib3:1.26.18 (excluded by 'urllib3<2')\n"
        "  via ledger:1.4.0 -> urllib3:1.26.18"]
    assert texts(report, "dependencyConvergence") == [
        "dependency convergence error for urllib3: 2 versions (1.26.18, 2.2.1)\n"
        "  via ledger:1.4.0 -> requests:2.31.0 -> urllib3:2.2.1\n"
        "  via ledger:1.4.0 -> urllib3:1.26.18"]
    assert read_python_project(d).inputs == [d / "poetry.lock", d / "pyproject.toml",
                                             d / "requirements.txt"]
