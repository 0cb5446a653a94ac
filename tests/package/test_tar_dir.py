"""tar, tar.gz and directory artifacts over real archives and real tar."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.package.conftest import PROPS, make_tar, run_cli, spec_args


@pytest.mark.parametrize("gz", [False, True], ids=["tar", "tar.gz"])
def test_tar_members_are_copied_and_config_replaced(gz: bool, tmp_path: Path, project: Path,
                                                     capsys) -> None:
    base = make_tar(tmp_path / ("app.tar.gz" if gz else "app.tar"), gz=gz)
    run = run_cli(capsys, "package", "--all-envs", "--artifact", str(base), *spec_args(project))
    assert run.code == 0, run.err
    for env, pool in (("test", 10), ("staging", 10), ("prod", 50)):
        out = tmp_path / f"app-{env}{'.tar.gz' if gz else '.tar'}"
        listing = subprocess.run(["tar", "-tvf", str(out)], check=True, capture_output=True,
                                 text=True).stdout
        assert "./current -> lib.bin" in listing
        with tarfile.open(out) as packaged, tarfile.open(base) as original:
            assert f"maximum-pool-size={pool}\n" in packaged.extractfile(
                "./" + PROPS).read().decode()  # type: ignore[union-attr]
            assert packaged.extractfile("./lib.bin").read() == \
                original.extractfile("./lib.bin").read()  # type: ignore[union-attr]
            names = packaged.getnames()
            assert names[:-1] == original.getnames() and names[-1] == "superspec-package.json"
            old, new = original.getmember("./" + PROPS), packaged.getmember("./" + PROPS)
            assert (new.mode, new.mtime, new.uid, new.uname) == \
                (old.mode, old.mtime, old.uid, old.uname)
        assert run_cli(capsys, "package", "verify", str(base), str(out)).code == 0


def test_plain_tar_headers_and_blocks_are_byte_identical(tmp_path: Path, project: Path,
                                                         capsys) -> None:
    base = make_tar(tmp_path / "app.tar", gz=False)
    assert run_cli(capsys, "package", "--env", "prod", "--artifact", str(base),
                   *spec_args(project)).code == 0
    original, packaged = base.read_bytes(), (tmp_path / "app-prod.tar").read_bytes()
    with tarfile.open(base) as tar:
        lib = tar.getmember("./lib.bin")
        span = slice(lib.offset, lib.offset_data + 200_000)
    with tarfile.open(tmp_path / "app-prod.tar") as tar:
        moved = tar.getmember("./lib.bin")
    assert packaged[moved.offset:moved.offset + span.stop - span.start] == original[span]
    assert len(packaged) % tarfile.RECORDSIZE == 0


def test_tar_gz_output_is_deterministic(tmp_path: Path, project: Path, capsys) -> None:
    base = make_tar(tmp_path / "app.tgz", gz=True)
    outs = [tmp_path / "one.tgz", tmp_path / "two.tgz"]
    for out in outs:
        assert run_cli(capsys, "package", "--env", "test", "--artifact", str(base), "--out",
                       str(out), *spec_args(project)).code == 0
    assert outs[0].read_bytes() == outs[1].read_bytes()


def test_directory_artifact(tmp_path: Path, project: Path, capsys) -> None:
    base = tmp_path / "dist"
    (base / "BOOT-INF" / "classes").mkdir(parents=True)
    (base / PROPS).write_text("placeholder\n")
    (base / "run.sh").write_text("#!/bin/sh\n")
    (base / "run.sh").chmod(0o755)
    (base / "latest").symlink_to("run.sh")
    run = run_cli(capsys, "package", "--all-envs", "--artifact", str(base), *spec_args(project))
    assert run.code == 0, run.err
    out = tmp_path / "dist-prod"
    assert "maximum-pool-size=50\n" in (out / PROPS).read_text()
    assert (out / "run.sh").stat().st_mode & 0o777 == 0o755
    assert (out / "latest").readlink() == Path("run.sh")
    assert (out / "superspec-package.json").is_file()
    assert (tmp_path / "dist-prod.superspec-package.json").is_file()
    assert (base / PROPS).read_text() == "placeholder\n"
    assert run_cli(capsys, "package", "verify", str(base), str(out)).code == 0
    # packaging again replaces the previous output directory as a whole
    (out / "stray.txt").write_text("left from before")
    assert run_cli(capsys, "package", "--env", "prod", "--artifact", str(base),
                   *spec_args(project)).code == 0
    assert not (out / "stray.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["dist", "payments-api", *[f"dist-{e}" for e in ("test", "staging", "prod")],
         *[f"dist-{e}.superspec-package.json" for e in ("test", "staging", "prod")]])


@pytest.mark.parametrize("fmt", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT], ids=["gnu", "pax"])
def test_long_member_names_are_replaced(fmt: int, tmp_path: Path, capsys) -> None:
    """A name over 100 characters needs a GNU long-name or a pax header: the replaced member
    gets a new one, the others keep theirs."""
    import io

    from tests.package.test_render import make_project

    long = "app/" + "/".join(["deeply-nested-directory"] * 5) + "/application.properties"
    root = make_project(tmp_path / "p", f"""\
        artifact: app.tar
        files: [{{template: app.conf.j2, path: {long}}}]
        values: {{default: {{pool: 7}}}}
        """, {"app.conf.j2": "pool={{ pool }}\n"})
    with tarfile.open(root / "app.tar", "w", format=fmt) as tar:
        for name, data in ((long, b"old\n"), (long.replace("application", "other"), b"keep\n")):
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 1_700_000_000
            tar.addfile(info, io.BytesIO(data))
    run = run_cli(capsys, "package", "--env", "test", "--spec", str(root / "superspec.yaml"),
                  "--layers", str(Path(__file__).resolve().parents[2] / "examples" / "layers"))
    assert run.code == 0, run.err
    with tarfile.open(root / "app-test.tar") as tar:
        assert tar.extractfile(long).read() == b"pool=7\n"  # type: ignore[union-attr]
        assert tar.getmember(long).mtime == 1_700_000_000
        assert tar.extractfile(long.replace("application", "other")).read() == b"keep\n"  # type: ignore[union-attr]
    assert run_cli(capsys, "package", "verify", str(root / "app.tar"),
                   str(root / "app-test.tar")).code == 0
