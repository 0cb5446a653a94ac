"""resources/superspec/superspec.sh: the pinned superspec, SUPERSPEC_BIN or a cached virtualenv."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.shared_library.conftest import LIBRARY

WRAPPER = LIBRARY / "resources" / "superspec" / "superspec.sh"
HOSTILE_ARGS = ["step", "a b", "$(touch /tmp/superspec-pwned)", "`id`", "x\ny", "'\"", "${HOME}"]


def run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SUPERSPEC_")}
    environment.update(env)
    return subprocess.run(["sh", str(WRAPPER), *args], env=environment, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture(scope="module")
def fake_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny wheel whose `superspec` prints its arguments as JSON (installable offline)."""
    wheel = tmp_path_factory.mktemp("fake-superspec") / "fakess-9.9-py3-none-any.whl"
    files = {
        "fakess/__init__.py":
            "import json, sys\n\ndef main():\n    print(json.dumps(sys.argv[1:]))\n",
        "fakess-9.9.dist-info/METADATA": "Metadata-Version: 2.1\nName: fakess\nVersion: 9.9\n",
        "fakess-9.9.dist-info/WHEEL":
            "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        "fakess-9.9.dist-info/entry_points.txt": "[console_scripts]\nsuperspec = fakess:main\n",
    }
    record = [f"{name},," for name in files] + ["fakess-9.9.dist-info/RECORD,,"]
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
        archive.writestr("fakess-9.9.dist-info/RECORD", "\n".join(record) + "\n")
    return wheel


def venv_env(cache: Path, package: Path, version: str = "9.9") -> dict[str, str]:
    return {"SUPERSPEC_VERSION": version, "SUPERSPEC_CACHE": str(cache),
            "SUPERSPEC_PYTHON": sys.executable, "SUPERSPEC_PIP_SPEC": str(package),
            "SUPERSPEC_PIP_ARGS": "--no-index", "HOME": str(cache.parent)}


def test_superspec_bin_is_used_as_is_with_the_arguments_verbatim(tmp_path: Path) -> None:
    bin_path = Path(sys.executable).with_name("superspec")
    proc = run(["--version"], SUPERSPEC_BIN=str(bin_path))
    assert (proc.returncode, proc.stdout) == (0, "superspec, version 0.1.0\n")

    printer = tmp_path / "dir with space" / "superspec"
    printer.parent.mkdir()
    printer.write_text(f"#!{sys.executable}\nimport json, sys\nprint(json.dumps(sys.argv[1:]))\n")
    printer.chmod(0o755)
    proc = run(HOSTILE_ARGS, SUPERSPEC_BIN=str(printer), HOME=str(tmp_path / "home"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == HOSTILE_ARGS
    assert not (tmp_path / "home").exists()  # nothing installed, no cache touched
    assert not Path("/tmp/superspec-pwned").exists()


def test_virtualenv_is_created_once_per_version_then_reused(tmp_path: Path,
                                                            fake_package: Path) -> None:
    cache = tmp_path / "cache"
    args = [HOSTILE_ARGS + [str(i)] for i in range(3)]
    with ThreadPoolExecutor(3) as pool:  # three builds start on a fresh agent at once
        first = list(pool.map(lambda a: run(a, **venv_env(cache, fake_package)), args))
    assert [p.returncode for p in first] == [0, 0, 0], [p.stderr for p in first]
    assert [json.loads(p.stdout) for p in first] == args
    venv = cache / "9.9" / "venv"
    installing = f"superspec.sh: installing superspec 9.9 into {venv} (once per agent)"
    assert sum(p.stderr.count(installing) for p in first) == 1
    assert (venv / ".superspec-ready").is_file()
    assert not (cache / "9.9" / ".lock").exists()

    again = run(["step", "enforce"], **venv_env(cache, fake_package))
    assert (again.returncode, again.stderr) == (0, "")
    assert json.loads(again.stdout) == ["step", "enforce"]
    assert not Path("/tmp/superspec-pwned").exists()


def test_a_failed_install_is_not_marked_ready(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    proc = run(["--version"], **venv_env(cache, tmp_path / "no-such-package"))
    assert proc.returncode != 0
    assert not (cache / "9.9" / "venv" / ".superspec-ready").exists()
    assert not (cache / "9.9" / ".lock").exists()


@pytest.mark.parametrize("version", ["", "../../etc", "1.0 ; id", "-rf", "1.0/x"])
def test_versions_that_are_not_versions_are_refused(tmp_path: Path, version: str) -> None:
    proc = run(["--version"], SUPERSPEC_VERSION=version, HOME=str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr == ("superspec.sh: SUPERSPEC_VERSION must be a version such as 0.1.0 "
                           f"(got '{version}')\n")
    assert list(tmp_path.iterdir()) == []
