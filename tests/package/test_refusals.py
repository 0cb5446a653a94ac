"""Every refusal: unsafe names, links leaving the artifact, duplicates, corrupt archives, signed
jars, re-packaging, and a failing write. Each leaves nothing behind."""

from __future__ import annotations

import io
import os
import resource
import subprocess
import tarfile
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.package.conftest import PROPS, SUPERSPEC, make_jar, make_tar, run_cli, spec_args


def zip_with(*entries: tuple[zipfile.ZipInfo | str, bytes]) -> Callable[[Path], Path]:
    def build(dest: Path) -> Path:
        path = dest / "app.jar"
        with warnings.catch_warnings(), zipfile.ZipFile(path, "w") as archive:
            warnings.simplefilter("ignore")
            archive.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
            for info, data in entries:
                archive.writestr(info, data)
        return path
    return build


def zip_symlink(name: str, target: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = 0o120777 << 16
    return info


def tar_with(*members: tarfile.TarInfo, gz: bool = False) -> Callable[[Path], Path]:
    def build(dest: Path) -> Path:
        path = dest / ("app.tar.gz" if gz else "app.tar")
        with tarfile.open(path, "w:gz" if gz else "w") as archive:
            for info in members:
                data = b"x" * info.size
                archive.addfile(info, io.BytesIO(data) if info.isreg() else None)
        return path
    return build


def member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    info.size = 3 if kind == tarfile.REGTYPE else 0
    return info


def truncated(build: Callable[[Path], Path], cut: int) -> Callable[[Path], Path]:
    def make(dest: Path) -> Path:
        path = build(dest)
        path.write_bytes(path.read_bytes()[:cut])
        return path
    return make


def local_name_changed(dest: Path) -> Path:
    path = zip_with((PROPS, b"a" * 100))(dest)
    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x03\x04", 1)  # the second entry's local header
    data[at + 30:at + 31] = b"X"
    path.write_bytes(bytes(data))
    return path


def big_tar(dest: Path) -> Path:
    return make_tar(dest / "app.tar", gz=False)


def big_tgz(dest: Path) -> Path:
    return make_tar(dest / "app.tar.gz", gz=True)


def tar_without_end_marker(dest: Path) -> Path:
    path = big_tar(dest)
    with tarfile.open(path) as archive:
        archive.getmembers()
        end = archive.offset
    path.write_bytes(path.read_bytes()[:end])
    return path


CASES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "zip absolute": (zip_with(("/etc/cron.d/x", b"x")),
                     "unsafe entry name '/etc/cron.d/x' (absolute path); refusing the archive"),
    "zip dotdot": (zip_with(("a/../../x", b"x")),
                   "unsafe entry name 'a/../../x' ('..' component); refusing the archive"),
    "zip backslash": (zip_with(("..\\x.dll", b"x")),
                      "unsafe entry name '..\\\\x.dll' (backslash in name); refusing the archive"),
    "zip drive": (zip_with(("C:/x", b"x")),
                  "unsafe entry name 'C:/x' (drive letter in name); refusing the archive"),
    "zip duplicate": (zip_with((PROPS, b"a"), (PROPS, b"b")),
                      f"duplicate entry '{PROPS}'; refusing the archive"),
    "zip symlink out": (zip_with((zip_symlink("lib/x", "../../etc/passwd"), b"../../etc/passwd")),
                        "symlink 'lib/x' -> '../../etc/passwd' points outside the artifact "
                        "(target outside the artifact); refusing the archive"),
    "zip symlink abs": (zip_with((zip_symlink("lib/x", "/etc/passwd"), b"/etc/passwd")),
                        "symlink 'lib/x' -> '/etc/passwd' points outside the artifact "
                        "(absolute target); refusing the archive"),
    "zip truncated": (truncated(zip_with((PROPS, b"a" * 100)), 120),
                      "corrupt zip archive: no end-of-central-directory record (not a zip file, "
                      "or truncated)"),
    "zip local header": (local_name_changed,
                         f"corrupt zip archive: entry '{PROPS}': local header names a different "
                         "entry"),
    "zip signed": (zip_with(("META-INF/APP.SF", b"sig"), ("META-INF/APP.RSA", b"key")),
                   "the base is a signed jar (META-INF/APP.RSA); changing any entry would "
                   "invalidate its signature: package before signing"),
    "zip packaged": (zip_with(("superspec-package.json", b"{}"),),
                     "the base already holds superspec-package.json: it is a packaged artifact; "
                     "package from the build output"),
    "tar absolute": (tar_with(member("/etc/x")),
                     "unsafe entry name '/etc/x' (absolute path); refusing the archive"),
    "tar dotdot": (tar_with(member("../x"), gz=True),
                   "unsafe entry name '../x' ('..' component); refusing the archive"),
    "tar symlink": (tar_with(member("a/link", tarfile.SYMTYPE, "../../etc")),
                    "symlink 'a/link' -> '../../etc' points outside the artifact (target outside "
                    "the artifact); refusing the archive"),
    "tar hardlink": (tar_with(member("link", tarfile.LNKTYPE, "/etc/shadow")),
                     "hard link 'link' -> '/etc/shadow' points outside the artifact (absolute "
                     "path); refusing the archive"),
    "tar duplicate": (tar_with(member("a.txt"), member("./a.txt")),
                      "duplicate entry 'a.txt'; refusing the archive"),
    "tar truncated": (truncated(big_tar, 150_000),
                      "corrupt tar archive: unexpected end of data"),
    "tar.gz truncated": (truncated(big_tgz, 100_000),
                         "corrupt tar archive: Compressed file ended before the end-of-stream "
                         "marker was reached"),
    "tar no end marker": (tar_without_end_marker,
                          "corrupt tar archive: truncated (no end-of-archive marker)"),
    "tar garbage": (lambda d: (d / "app.tar").write_bytes(b"not a tar" * 300) and d / "app.tar",
                    "corrupt tar archive: invalid header"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_refused_with_a_clear_error_and_nothing_written(case: str, tmp_path: Path,
                                                        project: Path, capsys) -> None:
    build, message = CASES[case]
    dest = tmp_path / "in"
    dest.mkdir()
    base = build(dest)
    run = run_cli(capsys, "package", "--all-envs", "--artifact", str(base), *spec_args(project))
    assert run.code == 1
    assert run.err == f"error: {base}: {message}\n"
    assert [p.name for p in dest.iterdir()] == [base.name]


def test_directory_symlink_leaving_the_tree(tmp_path: Path, project: Path, capsys) -> None:
    base = tmp_path / "dist"
    base.mkdir()
    (base / "conf").symlink_to("../../secrets")
    run = run_cli(capsys, "package", "--env", "prod", "--artifact", str(base), *spec_args(project))
    assert run.code == 1
    assert run.err == (f"error: {base}: symlink 'conf' -> '../../secrets' points outside the "
                       "artifact (target outside the artifact); refusing the archive\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "payments-api"]


def test_config_path_that_is_a_directory_in_the_base(tmp_path: Path, project: Path,
                                                     capsys) -> None:
    base = zip_with((zipfile.ZipInfo(PROPS + "/"), b""))(tmp_path)
    run = run_cli(capsys, "package", "--env", "prod", "--artifact", str(base), *spec_args(project))
    assert run.code == 1
    assert run.err == (f"error: {base}: cannot replace '{PROPS}': it is a dir in the base, not a "
                       "file\n")


def test_missing_and_unknown_artifacts(tmp_path: Path, project: Path, capsys) -> None:
    run = run_cli(capsys, "package", "--env", "prod", "--artifact", str(tmp_path / "no.jar"),
                  *spec_args(project))
    assert (run.code, run.err) == (1, f"error: {tmp_path / 'no.jar'}: artifact not found\n")
    odd = tmp_path / "app.rpm"
    odd.write_bytes(b"x")
    run = run_cli(capsys, "package", "--env", "prod", "--artifact", str(odd), *spec_args(project))
    assert run.code == 1
    assert run.err == (f"error: {odd}: unknown artifact kind '.rpm'; expected a directory or one "
                       "of .jar, .war, .ear, .zip, .whl, .tar, .tar.gz, .tgz\n")


def test_a_failing_write_leaves_nothing_behind(tmp_path: Path, project: Path) -> None:
    """The output file system refuses the write part-way (a file-size limit): no output, no temp
    file, exit 1 with a message."""
    base = make_jar(tmp_path / "in" / "app.jar", classes=3000)
    assert base.stat().st_size > 1_000_000
    out = tmp_path / "out"
    out.mkdir()

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (500_000, 500_000))

    run = subprocess.run([*SUPERSPEC, "package", "--all-envs", "--artifact", str(base), "--out",
                          str(out), *spec_args(project)], capture_output=True, text=True,
                         preexec_fn=limit, cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    assert run.stderr == "error: out/app-test.jar: cannot write the packaged artifact: " \
        "File too large\n"
    assert list(out.iterdir()) == []
    assert os.listdir(tmp_path / "in") == ["app.jar"]


def test_replacing_the_target_of_a_hard_link(tmp_path: Path, project: Path, capsys) -> None:
    base = tar_with(member(PROPS), member("BOOT-INF/app.conf", tarfile.LNKTYPE, PROPS))(tmp_path)
    run = run_cli(capsys, "package", "--env", "prod", "--artifact", str(base), *spec_args(project))
    assert run.code == 1
    assert run.err == (f"error: {base}: cannot replace '{PROPS}': the hard link "
                       "'BOOT-INF/app.conf' points at it\n")


def test_output_inside_a_directory_base(tmp_path: Path, project: Path, capsys) -> None:
    base = tmp_path / "dist"
    base.mkdir()
    run = run_cli(capsys, "package", "--env", "prod", "--artifact", str(base), "--out",
                  str(base / "prod"), *spec_args(project))
    assert (run.code, run.err) == (2, f"error: the output {base / 'prod'} lies inside the base "
                                      f"directory {base}\n")
