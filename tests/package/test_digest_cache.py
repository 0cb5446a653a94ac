"""The base artifact's remembered sha256: used only while (device, inode, size, mtime, ctime) is
unchanged, written only for settled files on trusted file systems, and any entry that is not
authentic is a miss."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from superspec import __version__, cachefiles
from superspec.digest import canonical_json
from superspec.package import digestcache
from tests.package.conftest import SETTLE, make_jar, run_cli, spec_args


@pytest.fixture
def base(project: Path) -> Path:
    jar = project / "target" / "payments-api.jar"
    time.sleep(SETTLE * 2)  # settled: last changed well before any hashing below
    return jar


class Counting:
    """digestcache.fd_sha256, counted: a hit hashes nothing."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        self.real = digestcache.fd_sha256
        monkeypatch.setattr(digestcache, "fd_sha256", self)

    def __call__(self, fd: int, size: int) -> str:
        self.calls += 1
        return self.real(fd, size)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def digest(path: Path, project: Path) -> str:
    """What a run uses: the remembered digest, else a computed (and remembered) one."""
    return digestcache.lookup(path, project) or digestcache.compute(path, project)


def entry_file(cache_dir: Path, path: Path) -> Path:
    return cache_dir / digestcache.entry_name(os.path.realpath(path))


def read_entry(path: Path) -> dict[str, Any]:
    """An entry's JSON (after its MAC), unchecked."""
    entry = json.loads(path.read_bytes()[cachefiles.MAC_BYTES:])
    assert isinstance(entry, dict)
    return entry


def sign(cache_dir: Path, path: Path, entry: dict[str, Any], key: bytes | None = None) -> None:
    """Write ``entry`` as the entry file ``path``, signed with the cache's key (or ``key``)."""
    secret = key or cachefiles.machine_key(cache_dir)
    assert secret is not None
    payload = canonical_json(entry)
    path.write_bytes(cachefiles.mac(secret, digestcache.SIGNED_FORMAT, path.name, payload)
                     + payload)


def settle() -> None:
    time.sleep(SETTLE * 2)


def test_an_unchanged_file_is_hashed_once(cache_dir: Path, base: Path, project: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    counted = Counting(monkeypatch)
    assert digest(base, project) == sha(base)
    assert entry_file(cache_dir, base).is_file()
    assert digest(base, project) == sha(base)
    assert digest(base, project) == sha(base)
    assert counted.calls == 1


def test_same_size_and_restored_mtime_is_caught_by_ctime(cache_dir: Path, base: Path,
                                                         project: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    counted = Counting(monkeypatch)
    old = sha(base)
    assert digest(base, project) == old
    before = base.stat()
    data = bytearray(base.read_bytes())
    data[100] ^= 0xFF  # same size, other bytes, written in place (same inode)
    with open(base, "r+b") as handle:
        handle.write(bytes(data))
    os.utime(base, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = base.stat()
    assert (after.st_dev, after.st_ino, after.st_size, after.st_mtime_ns) == \
        (before.st_dev, before.st_ino, before.st_size, before.st_mtime_ns)
    assert after.st_ctime_ns != before.st_ctime_ns  # the only field left to tell
    assert digestcache.lookup(base, project) is None
    assert digest(base, project) == sha(base) != old
    assert counted.calls == 2


def test_a_replaced_file_is_caught_by_its_inode(cache_dir: Path, base: Path, project: Path,
                                                tmp_path: Path) -> None:
    old = sha(base)
    assert digest(base, project) == old
    before = base.stat()
    other = make_jar(tmp_path / "other.jar", classes=40)
    data = bytearray(base.read_bytes())
    data[100] ^= 0xFF
    other.write_bytes(bytes(data))
    os.utime(other, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(other, base)
    after = base.stat()
    assert after.st_ino != before.st_ino and after.st_size == before.st_size
    assert after.st_mtime_ns == before.st_mtime_ns
    assert digestcache.lookup(base, project) is None
    assert digest(base, project) == sha(base) != old


@pytest.mark.parametrize("change", ["touch", "grow", "chmod", "same bytes rewritten"])
def test_every_key_change_is_a_miss(cache_dir: Path, base: Path, project: Path,
                                    change: str) -> None:
    assert digest(base, project) == sha(base)
    assert digestcache.lookup(base, project) == sha(base)
    if change == "touch":
        os.utime(base, ns=(0, base.stat().st_mtime_ns + 1))
    elif change == "grow":
        with open(base, "ab") as handle:
            handle.write(b"\0")
    elif change == "chmod":
        base.chmod(0o600)
    else:
        base.write_bytes(base.read_bytes())
    assert digestcache.lookup(base, project) is None
    assert digest(base, project) == sha(base)


def test_another_path_to_the_same_file_has_its_own_entry(cache_dir: Path, base: Path,
                                                         project: Path) -> None:
    assert digest(base, project) == sha(base)
    copy = base.with_name("copy.jar")
    copy.write_bytes(base.read_bytes())
    # the first file's entry under the second file's name: the MAC covers the name
    entry_file(cache_dir, copy).write_bytes(entry_file(cache_dir, base).read_bytes())
    assert digestcache.lookup(copy, project) is None


def test_a_recently_changed_file_is_not_remembered(cache_dir: Path, project: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real settle time (and file-system rule)
    monkeypatch.setenv("SUPERSPEC_CACHE_DIR", str(cache_dir))
    for name in ("WORKSPACE", "CI_PROJECT_DIR"):
        monkeypatch.delenv(name, raising=False)
    settle_ns = digestcache.settle_ns()
    if settle_ns is not None:
        assert settle_ns >= digestcache.MIN_SETTLE_NS
    jar = make_jar(project / "target" / "fresh.jar")
    assert digest(jar, project) == sha(jar)
    assert not entry_file(cache_dir, jar).exists()


def test_writeback_settings_set_the_settle_time(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    expire, interval = tmp_path / "expire", tmp_path / "interval"
    monkeypatch.setattr(digestcache, "_WRITEBACK", (str(expire), str(interval)))
    expire.write_text("3000\n")
    interval.write_text("500\n")
    assert digestcache.settle_ns() == 70 * 10**9
    expire.write_text("10\n")
    interval.write_text("10\n")
    assert digestcache.settle_ns() == digestcache.MIN_SETTLE_NS
    interval.write_text("0\n")  # periodic writeback off: a mapped page may stay dirty forever
    assert digestcache.settle_ns() is None
    interval.unlink()
    assert digestcache.settle_ns() is None


def test_a_change_while_hashing_is_not_remembered(cache_dir: Path, base: Path, project: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    real = digestcache.fd_sha256

    def hash_then_change(fd: int, size: int) -> str:
        result = real(fd, size)
        with open(base, "ab") as handle:
            handle.write(b"\0")
        return result

    monkeypatch.setattr(digestcache, "fd_sha256", hash_then_change)
    digestcache.compute(base, project)
    assert not entry_file(cache_dir, base).exists()


def test_untrusted_file_systems_are_never_remembered(cache_dir: Path, project: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    shm = Path("/dev/shm")
    mounts = Path("/proc/self/mountinfo").read_text() if Path("/proc/self/mountinfo").exists() \
        else ""
    if not any(line.split()[4] == "/dev/shm" and " - tmpfs " in line
               for line in mounts.splitlines()):
        pytest.skip("no tmpfs at /dev/shm")
    monkeypatch.undo()
    monkeypatch.setenv("SUPERSPEC_CACHE_DIR", str(cache_dir))
    monkeypatch.setattr(digestcache, "settle_ns", lambda: 0)
    jar = make_jar(shm / f"superspec-test-{os.getpid()}.jar")
    try:
        assert not digestcache.trusted_filesystem(jar.stat().st_dev)  # tmpfs
        time.sleep(0.01)
        assert digest(jar, project) == sha(jar)
        assert not entry_file(cache_dir, jar).exists()
    finally:
        jar.unlink()
    assert digestcache.trusted_filesystem(os.stat("/proc").st_dev) is False  # proc


@pytest.mark.parametrize("damage", ["garbage", "truncated", "not an object", "wrong digest",
                                    "other key", "other format", "mac only", "old superspec"])
def test_forged_or_corrupt_entries_are_misses(cache_dir: Path, base: Path, project: Path,
                                              damage: str) -> None:
    assert digest(base, project) == sha(base)
    path = entry_file(cache_dir, base)
    blob, entry = path.read_bytes(), read_entry(path)
    if damage == "garbage":
        path.write_bytes(os.urandom(200))
    elif damage == "truncated":
        path.write_bytes(blob[: len(blob) // 2])
    elif damage == "not an object":
        sign(cache_dir, path, [1, 2])  # type: ignore[arg-type]
    elif damage == "wrong digest":  # an attacker's digest, the old MAC kept
        path.write_bytes(blob[:cachefiles.MAC_BYTES] + canonical_json(
            {**entry, "sha256": "0" * 64}))
    elif damage == "other key":  # a well-formed entry signed with another key
        sign(cache_dir, path, {**entry, "sha256": "0" * 64}, key=os.urandom(32))
    elif damage == "other format":  # signed by this key, but as another kind of cache file
        payload = canonical_json({**entry, "sha256": "0" * 64})
        key = cachefiles.machine_key(cache_dir)
        assert key is not None
        path.write_bytes(cachefiles.mac(key, "3", path.name, payload) + payload)
    elif damage == "mac only":
        path.write_bytes(blob[:cachefiles.MAC_BYTES])
    else:
        sign(cache_dir, path, {**entry, "superspec": "0.0.0"})
    assert digestcache.lookup(base, project) is None
    assert digest(base, project) == sha(base)  # hashed afresh, and remembered again
    assert digestcache.lookup(base, project) == sha(base)


def test_an_authentic_entry_is_used_only_with_the_files_key(cache_dir: Path, base: Path,
                                                            project: Path) -> None:
    """The key decides: a correctly signed entry whose key is not the file's is a miss, so the
    digest it carries is never used; with the file's key it is believed."""
    assert cachefiles.open_cache(project, create=True) is not None
    real = os.path.realpath(base)
    st = base.stat()
    key = [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
    path = cache_dir / digestcache.entry_name(real)
    stale = {"superspec": __version__, "path": real, "key": key, "sha256": "0" * 64}
    for field in range(5):
        sign(cache_dir, path, {**stale, "key": [*key[:field], key[field] - 1, *key[field + 1:]]})
        assert digestcache.lookup(base, project) is None, field
    sign(cache_dir, path, {**stale, "path": real + ".other"})
    assert digestcache.lookup(base, project) is None
    sign(cache_dir, path, stale)
    assert digestcache.lookup(base, project) == "0" * 64


def test_the_cli_records_the_true_digest_after_an_in_place_change(
        cache_dir: Path, base: Path, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = project / "target" / "payments-api-prod.jar"
    side = out.with_name(out.name + ".superspec-package.json")

    def package(*extra: str) -> str:
        run = run_cli(capsys, "package", "--env", "prod", *extra, *spec_args(project))
        assert run.code == 0, run.err
        return json.loads(side.read_text())["base"]["sha256"]

    assert package() == sha(base)
    assert entry_file(cache_dir, base).is_file()
    assert package() == sha(base)
    before = base.stat()
    data = bytearray(base.read_bytes())
    data[data.find(bytes(range(256)) * 2) + 7] ^= 0xFF  # inside the stored entry's data
    with open(base, "r+b") as handle:
        handle.write(bytes(data))
    os.utime(base, ns=(before.st_atime_ns, before.st_mtime_ns))
    settle()
    assert package() == sha(base)
    assert run_cli(capsys, "package", "verify", str(base), str(out)).code == 0


def test_no_cache_neither_reads_nor_writes(cache_dir: Path, base: Path, project: Path,
                                           capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from superspec.spec import compiled

    monkeypatch.setattr(compiled, "_bypass", False)  # --no-cache sets it for the process
    run = run_cli(capsys, "package", "--env", "prod", "--no-cache", *spec_args(project))
    assert run.code == 0, run.err
    assert not entry_file(cache_dir, base).exists()
    assert run_cli(capsys, "package", "--env", "prod", *spec_args(project)).code == 0
    path = entry_file(cache_dir, base)
    sign(cache_dir, path, {**read_entry(path), "sha256": "0" * 64})
    out = project / "target" / "payments-api-prod.jar.superspec-package.json"
    assert run_cli(capsys, "package", "--env", "prod", *spec_args(project)).code == 0
    assert json.loads(out.read_text())["base"]["sha256"] == "0" * 64  # the entry is used ...
    assert run_cli(capsys, "package", "--env", "prod", "--no-cache", *spec_args(project)).code == 0
    assert json.loads(out.read_text())["base"]["sha256"] == sha(base)  # ... unless --no-cache
