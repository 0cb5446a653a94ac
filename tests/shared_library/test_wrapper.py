"""resources/superspec/superspec.sh: the pinned superspec, SUPERSPEC_BIN, a root-owned prefix or a
cached virtualenv that is checked against what was installed before every run."""

from __future__ import annotations

import importlib.util
import json
import marshal
import os
import pwd
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.shared_library.conftest import LIBRARY

pytestmark = pytest.mark.slow  # creates virtualenvs and pip-installs

WRAPPER = LIBRARY / "resources" / "superspec" / "superspec.sh"
HOSTILE_ARGS = ["step", "a b", "$(touch /tmp/superspec-pwned)", "`id`", "x\ny", "'\"", "${HOME}"]
SITE = f"lib/python{sys.version_info[0]}.{sys.version_info[1]}/site-packages"


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
            "SUPERSPEC_PIP_ARGS": "--no-index", "PIP_CONFIG_FILE": os.devnull,
            "HOME": str(cache.parent)}


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
    assert (cache / "9.9" / "venv.manifest").is_file()
    assert not (cache / "9.9" / ".lock").exists()
    # the sha256 of every installed file, for audits
    audit = subprocess.run(["sha256sum", "--quiet", "-c", "../venv.sha256"], cwd=venv,
                           capture_output=True, text=True)
    assert (audit.returncode, audit.stdout) == (0, "")
    assert "./bin/superspec" in (cache / "9.9" / "venv.sha256").read_text()

    again = run(["step", "enforce"], **venv_env(cache, fake_package))
    assert (again.returncode, again.stderr) == (0, "")
    assert json.loads(again.stdout) == ["step", "enforce"]
    assert not Path("/tmp/superspec-pwned").exists()


def test_a_failed_install_is_not_marked_ready(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    proc = run(["--version"], **venv_env(cache, tmp_path / "no-such-package"))
    assert proc.returncode != 0
    assert not (cache / "9.9" / "venv.manifest").exists()
    assert not (cache / "9.9" / ".lock").exists()


@pytest.mark.parametrize("version", ["", "../../etc", "1.0 ; id", "-rf", "1.0/x"])
def test_versions_that_are_not_versions_are_refused(tmp_path: Path, version: str) -> None:
    proc = run(["--version"], SUPERSPEC_VERSION=version, HOME=str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr == ("superspec.sh: SUPERSPEC_VERSION must be a version such as 0.1.0 "
                           f"(got '{version}')\n")
    assert list(tmp_path.iterdir()) == []


# A build of the same agent account changes the cached virtualenv; the next build must not run what
# it left there. Each tampering makes the next run write `marker` if anything it changed is run,
# and returns what the wrapper is expected to name.

def payload(marker: Path) -> str:
    return f"import pathlib; pathlib.Path({str(marker)!r}).touch()\n"


def entry_script_replaced(venv: Path, marker: Path) -> str:
    (venv / "bin" / "superspec").write_text(f"#!{venv}/bin/python\n{payload(marker)}")
    return "bin/superspec (changed)"


def entry_script_edited_keeping_size_inode_and_mtime(venv: Path, marker: Path) -> str:
    script = venv / "bin" / "superspec"
    before, original = script.stat(), script.read_bytes()
    evil = f"#!{venv}/bin/python\n{payload(marker)}".encode()
    assert len(evil) < len(original)
    with script.open("r+b") as handle:  # in place: same inode
        handle.write(evil + b"#" * (len(original) - len(evil)))
    os.utime(script, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = script.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (
        before.st_ino, before.st_size, before.st_mtime_ns)  # only the ctime tells
    return "bin/superspec (changed)"


def pth_file_added(venv: Path, marker: Path) -> str:
    (venv / SITE / "zz-evil.pth").write_text(payload(marker))
    return f"{SITE} (changed), {SITE}/zz-evil.pth (added)"


def module_edited(venv: Path, marker: Path) -> str:
    with (venv / SITE / "fakess" / "__init__.py").open("a") as module:
        module.write(payload(marker))
    return f"{SITE}/fakess/__init__.py (changed)"


def bytecode_planted(venv: Path, marker: Path) -> str:
    """A .pyc with its source's mtime and size in the header: Python runs it, not the source."""
    source = venv / SITE / "fakess" / "__init__.py"
    cached = Path(importlib.util.cache_from_source(str(source)))
    assert cached.is_file()  # pip compiled it at install
    code = compile(payload(marker) + "def main():\n    pass\n", str(source), "exec")
    st = source.stat()
    header = importlib.util.MAGIC_NUMBER + (0).to_bytes(4, "little") + (
        int(st.st_mtime) & 0xFFFFFFFF).to_bytes(4, "little") + (
        st.st_size & 0xFFFFFFFF).to_bytes(4, "little")
    cached.write_bytes(header + marshal.dumps(code))
    return f"{SITE}/fakess/__pycache__/{cached.name} (changed)"


def interpreter_link_repointed(venv: Path, marker: Path) -> str:
    link = venv / "bin" / "python"
    real = os.path.realpath(link)
    impostor = marker.with_name("python")
    impostor.write_text(f'#!/bin/sh\ntouch "{marker}"\nexec "{real}" "$@"\n')
    impostor.chmod(0o755)
    link.unlink()
    link.symlink_to(impostor)
    return "<interpreter> (changed), bin (changed), bin/python (changed)"


TAMPERINGS: list[Callable[[Path, Path], str]] = [
    entry_script_replaced, entry_script_edited_keeping_size_inode_and_mtime, pth_file_added,
    module_edited, bytecode_planted, interpreter_link_repointed]


@pytest.fixture(scope="module")
def agent_cache(tmp_path_factory: pytest.TempPathFactory, fake_package: Path) -> dict[str, str]:
    """One agent's cache for the tampering tests; each leaves it freshly installed for the next."""
    return venv_env(tmp_path_factory.mktemp("agent") / "cache", fake_package)


@pytest.mark.parametrize("tamper", TAMPERINGS, ids=lambda tamper: tamper.__name__)
def test_a_changed_virtualenv_is_never_run_but_named_and_installed_again(
        agent_cache: dict[str, str], tamper: Callable[[Path, Path], str], tmp_path: Path) -> None:
    ready = run(["ready"], **agent_cache)  # installed (by the first test) and as installed
    assert (ready.returncode, json.loads(ready.stdout)) == (0, ["ready"]), ready.stderr
    venv = Path(agent_cache["SUPERSPEC_CACHE"]) / "9.9" / "venv"
    marker = tmp_path / "marker"
    changed = tamper(venv, marker)

    proc = run(HOSTILE_ARGS, **agent_cache)

    assert not marker.exists()
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == HOSTILE_ARGS
    assert proc.stderr == (
        f"superspec.sh: warning: {venv} differs from what was installed: {changed}; "
        "installing it again\n"
        f"superspec.sh: installing superspec 9.9 into {venv} (once per agent)\n")
    again = run(["step"], **agent_cache)
    assert (again.returncode, again.stderr, json.loads(again.stdout)) == (0, "", ["step"])
    assert not marker.exists()
    assert not Path("/tmp/superspec-pwned").exists()


# SUPERSPEC_PREFIX: an install root owns, used as is and refused when anything in it, above it or
# behind its interpreter link could be changed by someone else.

requires_root = pytest.mark.skipif(os.geteuid() != 0, reason="a root-owned install needs root")


@pytest.fixture(scope="module")
def root_install(tmp_path_factory: pytest.TempPathFactory, fake_package: Path) -> Path:
    """What an administrator prepares as root: superspec.sh run once with SUPERSPEC_CACHE=PREFIX."""
    prefix = tmp_path_factory.mktemp("opt") / "superspec"
    proc = run(["--version"], **venv_env(prefix, fake_package))
    assert proc.returncode == 0, proc.stderr
    return prefix


def prefix_env(prefix: Path, home: Path) -> dict[str, str]:
    # Were SUPERSPEC_PREFIX ignored, the install into HOME would fail at once, offline.
    return {"SUPERSPEC_PREFIX": str(prefix), "SUPERSPEC_VERSION": "9.9", "HOME": str(home),
            "SUPERSPEC_PIP_SPEC": str(home / "no-such-package"), "SUPERSPEC_PIP_ARGS": "--no-index",
            "PIP_CONFIG_FILE": os.devnull}


@requires_root
def test_a_root_owned_prefix_is_used_as_is(root_install: Path, tmp_path: Path) -> None:
    prefix = tmp_path / "superspec"
    shutil.copytree(root_install, prefix, symlinks=True)
    proc = run(HOSTILE_ARGS, **prefix_env(prefix, tmp_path / "home"))
    assert (proc.returncode, proc.stderr) == (0, "")
    assert json.loads(proc.stdout) == HOSTILE_ARGS
    assert not (tmp_path / "home").exists()  # nothing installed, no cache touched
    assert not Path("/tmp/superspec-pwned").exists()


def world_writable_file(prefix: Path, venv: Path, tmp_path: Path) -> str:
    (venv / SITE / "zz-evil.pth").chmod(0o666)
    return f"{venv / SITE / 'zz-evil.pth'} is writable by group or others"


def group_writable_directory(prefix: Path, venv: Path, tmp_path: Path) -> str:
    (venv / SITE).chmod(0o775)
    return f"{venv / SITE} is writable by group or others"


def prefix_owned_by_nobody(prefix: Path, venv: Path, tmp_path: Path) -> str:
    os.chown(prefix, pwd.getpwnam("nobody").pw_uid, -1)
    return f"{prefix} is not owned by root"


def interpreter_owned_by_nobody(prefix: Path, venv: Path, tmp_path: Path) -> str:
    impostor = tmp_path / "python"
    impostor.write_text(f'#!/bin/sh\ntouch "{tmp_path / "marker"}"\n'
                        f'exec "{os.path.realpath(venv / "bin" / "python")}" "$@"\n')
    impostor.chmod(0o755)
    os.chown(impostor, pwd.getpwnam("nobody").pw_uid, -1)
    (venv / "bin" / "python").unlink()
    (venv / "bin" / "python").symlink_to(impostor)
    return f"{impostor} is not owned by root"


@requires_root
@pytest.mark.parametrize("weaken", [world_writable_file, group_writable_directory,
                                    prefix_owned_by_nobody, interpreter_owned_by_nobody],
                         ids=lambda weaken: weaken.__name__)
def test_a_prefix_others_could_change_is_refused(
        root_install: Path, tmp_path: Path, weaken: Callable[[Path, Path, Path], str]) -> None:
    tmp_path = tmp_path.resolve()
    prefix = tmp_path / "superspec"
    shutil.copytree(root_install, prefix, symlinks=True)
    venv = prefix / "9.9" / "venv"
    marker = tmp_path / "marker"
    (venv / SITE / "zz-evil.pth").write_text(payload(marker))  # runs if the venv is ever used
    problem = weaken(prefix, venv, tmp_path)

    proc = run(HOSTILE_ARGS, **prefix_env(prefix, tmp_path / "home"))

    assert not marker.exists()
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == f"superspec.sh: refusing SUPERSPEC_PREFIX: {problem}\n"
    assert not (tmp_path / "home").exists()


def test_a_prefix_without_the_version_is_refused(tmp_path: Path) -> None:
    proc = run(["--version"], **prefix_env(tmp_path, tmp_path / "home"))
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == ("superspec.sh: superspec 9.9 is not installed in SUPERSPEC_PREFIX: "
                           f"no {tmp_path}/9.9/venv\n")
    assert not (tmp_path / "home").exists()
