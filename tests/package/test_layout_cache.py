"""A zip base's checked layout, remembered between runs: used only while the file's key is
unchanged (same rules as the digest cache), never by verify or with --no-cache, and the outputs
it gives are byte for byte those of a fresh parse and check."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from superspec.package import digestcache, layoutcache, zipread
from tests.package.conftest import SETTLE, run_cli, spec_args


@pytest.fixture
def base(project: Path) -> Path:
    time.sleep(SETTLE * 2)  # settled: last changed well before the runs below
    return project / "target" / "payments-api.jar"


class Checks:
    """zipread.check_archive, counted: a remembered layout checks nothing."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        self.real = zipread.check_archive
        monkeypatch.setattr(zipread, "check_archive", self)

    def __call__(self, archive: zipread.ZipArchive) -> None:
        self.calls += 1
        self.real(archive)


def package(capsys: pytest.CaptureFixture[str], project: Path, out: Path,
            *extra: str) -> bytes:
    run = run_cli(capsys, "package", "--env", "prod", "--out", str(out), *extra,
                  *spec_args(project))
    assert run.code == 0, run.err
    return out.read_bytes()


def entry_file(cache_dir: Path, path: Path) -> Path:
    return cache_dir / layoutcache.entry_name(os.path.realpath(path))


def test_a_remembered_layout_gives_the_same_bytes(cache_dir: Path, base: Path, project: Path,
                                                  tmp_path: Path, capsys,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    checks = Checks(monkeypatch)
    fresh = package(capsys, project, tmp_path / "a.jar")
    assert checks.calls == 1 and entry_file(cache_dir, base).is_file()
    assert package(capsys, project, tmp_path / "b.jar") == fresh
    assert package(capsys, project, tmp_path / "c.jar") == fresh
    assert checks.calls == 1


def rewrite_in_place(path: Path, old: bytes, new: bytes) -> None:
    """Replace ``old`` by ``new`` (same length) in the file, in place, and put its mtime back:
    same size, inode and mtime; only the ctime tells."""
    before = path.stat()
    data = path.read_bytes()
    assert len(old) == len(new) and data.count(old) == 1
    with open(path, "r+b") as handle:
        handle.write(data.replace(old, new))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == \
        (before.st_ino, before.st_size, before.st_mtime_ns)


def test_a_changed_base_is_parsed_and_checked_again(cache_dir: Path, base: Path,
                                                    project: Path, tmp_path: Path, capsys,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    checks = Checks(monkeypatch)
    first = package(capsys, project, tmp_path / "a.jar")
    stored = bytes(range(256)) * 40  # BOOT-INF/lib/dep-1.0.jar, a stored entry
    rewrite_in_place(base, stored, stored[:100] + b"X" + stored[101:])
    assert layoutcache.lookup(base, str(base), project) is None
    second = package(capsys, project, tmp_path / "b.jar")
    assert checks.calls == 2
    assert second != first and b"X" in second


def test_a_base_made_unsafe_in_place_is_refused(cache_dir: Path, base: Path, project: Path,
                                                tmp_path: Path, capsys) -> None:
    """A local header that no longer names its entry, behind a remembered layout."""
    package(capsys, project, tmp_path / "a.jar")
    name = b"BOOT-INF/classes/org/example/C7.class"
    data = base.read_bytes()
    local = data.index(name)  # the first occurrence is the local header's copy of the name
    assert data[local - 30:local - 26] == b"PK\x03\x04"
    rewrite_in_place(base, data[local - 30:local + len(name)],
                     data[local - 30:local] + name.replace(b"C7", b"C8"))
    run = run_cli(capsys, "package", "--env", "prod", "--out", str(tmp_path / "b.jar"),
                  *spec_args(project))
    assert run.code == 1
    assert run.err == (f"error: {base}: corrupt zip archive: entry "
                       "'BOOT-INF/classes/org/example/C7.class': local header names a "
                       "different entry\n")
    assert not (tmp_path / "b.jar").exists()


def test_no_cache_neither_reads_nor_writes_a_layout(cache_dir: Path, base: Path,
                                                    project: Path, tmp_path: Path, capsys,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    checks = Checks(monkeypatch)
    package(capsys, project, tmp_path / "a.jar", "--no-cache")
    assert not entry_file(cache_dir, base).exists()
    package(capsys, project, tmp_path / "b.jar")
    package(capsys, project, tmp_path / "c.jar", "--no-cache")
    assert checks.calls == 3


def test_verify_always_checks_afresh(cache_dir: Path, base: Path, project: Path,
                                     tmp_path: Path, capsys,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "a.jar"
    package(capsys, project, out)
    checks = Checks(monkeypatch)
    assert run_cli(capsys, "package", "verify", str(base), str(out)).code == 0
    assert checks.calls == 2  # the base and the output


def test_a_forged_or_moved_entry_is_a_miss(cache_dir: Path, base: Path, project: Path,
                                           tmp_path: Path, capsys) -> None:
    package(capsys, project, tmp_path / "a.jar")
    stored = entry_file(cache_dir, base)
    assert layoutcache.lookup(base, str(base), project) is not None
    blob = bytearray(stored.read_bytes())
    blob[-1] ^= 1
    stored.write_bytes(bytes(blob))
    assert layoutcache.lookup(base, str(base), project) is None
    package(capsys, project, tmp_path / "b.jar")  # written again
    copy = base.with_name("copy.jar")
    copy.write_bytes(base.read_bytes())
    entry_file(cache_dir, copy).write_bytes(stored.read_bytes())  # the MAC covers the name
    assert layoutcache.lookup(copy, str(copy), project) is None


def test_a_recently_changed_base_is_not_remembered(cache_dir: Path, project: Path,
                                                   tmp_path: Path, capsys,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(digestcache, "settle_ns", lambda: 3600 * 10**9)
    package(capsys, project, tmp_path / "a.jar")
    assert not entry_file(cache_dir, project / "target" / "payments-api.jar").exists()


def test_a_remembered_empty_archive_gives_the_same_bytes(cache_dir: Path, project: Path,
                                                         tmp_path: Path, capsys,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """No entries: the stored names and raw names are empty, not one empty name."""
    import zipfile

    base = project / "target" / "payments-api.jar"
    with zipfile.ZipFile(base, "w"):
        pass
    time.sleep(SETTLE * 2)
    checks = Checks(monkeypatch)
    fresh = package(capsys, project, tmp_path / "a.jar")
    assert checks.calls == 1 and entry_file(cache_dir, base).is_file()
    assert package(capsys, project, tmp_path / "b.jar") == fresh
    assert checks.calls == 1
    with zipfile.ZipFile(tmp_path / "b.jar") as packaged:
        assert [i.filename for i in packaged.infolist()] == [
            "BOOT-INF/classes/application.properties", "superspec-package.json"]
