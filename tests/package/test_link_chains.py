"""Links are resolved the way the kernel resolves them after unpacking, following the other
links of the artifact: chains that only leave the artifact after a hop, loops, entries under a
link and hard links through one are refused for directories, tars and zips alike."""

from __future__ import annotations

import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.package.conftest import PROPS, run_cli, spec_args
from tests.package.test_refusals import member, tar_with, zip_symlink, zip_with
from tests.package.test_render import make_project, package

Links = list[tuple[str, str | None]]  # (name, link target or None for a file), in order

TWO_HOP: Links = [("s", "."), ("t", "s/..")]
THREE_HOP: Links = [("a/s", "."), ("a/t", "s/.."), ("a/u", "t/..")]
LOOP: Links = [("x", "y"), ("y", "x")]
UNDER_A_LINK: Links = [("a/up", ".."), ("a/up/esc", "..")]
FILE_UNDER_A_LINK: Links = [("sub/f", None), ("lib", "sub"), ("lib/evil.sh", None)]
TO_AN_ABSOLUTE_LINK: Links = [("t", "s/shadow"), ("s", "/etc")]
LONG_CHAIN: Links = [(f"l{i}", f"l{i + 1}") for i in range(45)] + [("l45", None)]

TWO_HOP_ERROR = ("symlink 't' -> 's/..' points outside the artifact (target outside the "
                 "artifact, through 's' -> '.'); refusing the archive")
THREE_HOP_ERROR = ("symlink 'a/u' -> 't/..' points outside the artifact (target outside the "
                   "artifact, through 'a/t' -> 's/..', 'a/s' -> '.'); refusing the archive")
LOOP_ERROR = ("symlink 'x' -> 'y' does not resolve: more than 40 links followed, through "
              "'y' -> 'x', 'x' -> 'y' (a loop); refusing the archive")


def zip_links(links: Links) -> Callable[[Path], Path]:
    return zip_with(*[(zip_symlink(n, t), t.encode()) if t is not None else (n, b"x")
                      for n, t in links])


def tar_links(links: Links, hard: dict[str, str] | None = None,
              gz: bool = False) -> Callable[[Path], Path]:
    members = [member(n, tarfile.SYMTYPE, t) if t is not None else member(n)
               for n, t in links]
    members += [member(n, tarfile.LNKTYPE, t) for n, t in (hard or {}).items()]
    return tar_with(*members, gz=gz)


CASES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "zip two-hop": (zip_links(TWO_HOP), TWO_HOP_ERROR),
    "zip three-hop": (zip_links(THREE_HOP), THREE_HOP_ERROR),
    "zip loop": (zip_links(LOOP), LOOP_ERROR),
    "zip link under a link": (zip_links(UNDER_A_LINK),
                              "entry 'a/up/esc' lies under the symlink 'a/up' -> '..'; refusing "
                              "the archive"),
    "zip file under a link": (zip_links(FILE_UNDER_A_LINK),
                              "entry 'lib/evil.sh' lies under the symlink 'lib' -> 'sub'; "
                              "refusing the archive"),
    "zip link to an absolute link": (zip_links(TO_AN_ABSOLUTE_LINK),
                                     "symlink 't' -> 's/shadow' points outside the artifact "
                                     "(absolute target, through 's' -> '/etc'); refusing the "
                                     "archive"),
    "zip same link twice": (zip_links([("a/./b", "."), ("a/b", None)]),
                            "duplicate entry 'a/b'; refusing the archive"),
    "tar two-hop": (tar_links(TWO_HOP), TWO_HOP_ERROR),
    "tar.gz three-hop": (tar_links(THREE_HOP, gz=True), THREE_HOP_ERROR),
    "tar loop": (tar_links(LOOP), LOOP_ERROR),
    "tar self loop": (tar_links([("x", "./x")]),
                      "symlink 'x' -> './x' does not resolve: more than 40 links followed, "
                      "through 'x' -> './x' (a loop); refusing the archive"),
    "tar long chain": (tar_links(LONG_CHAIN),
                       "symlink 'l0' -> 'l1' does not resolve: more than 40 links followed, "
                       "through 'l1' -> 'l2', 'l2' -> 'l3', 'l3' -> 'l4', 'l4' -> 'l5', "
                       "'l5' -> 'l6', 'l6' -> 'l7', ...; refusing the archive"),
    "tar link under a link": (tar_links(UNDER_A_LINK),
                              "entry 'a/up/esc' lies under the symlink 'a/up' -> '..'; refusing "
                              "the archive"),
    "tar file under a link": (tar_links(FILE_UNDER_A_LINK),
                              "entry 'lib/evil.sh' lies under the symlink 'lib' -> 'sub'; "
                              "refusing the archive"),
    "tar hard link through a link": (tar_links([("sub/f", None), ("d", "sub")], {"h": "d/f"}),
                                     "hard link 'h' -> 'd/f' names a path under the symlink "
                                     "'d' -> 'sub'; refusing the archive"),
    "tar hard link through ./": (tar_links([("sub/f", None), ("d", "./sub")], {"h": "./d/./f"}),
                                 "hard link 'h' -> './d/./f' names a path under the symlink "
                                 "'d' -> './sub'; refusing the archive"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_archive_links_resolved_through_other_links(case: str, tmp_path: Path, project: Path,
                                                    capsys) -> None:
    build, message = CASES[case]
    dest = tmp_path / "in"
    dest.mkdir()
    base = build(dest)
    run = run_cli(capsys, "package", "--all-envs", "--artifact", str(base), *spec_args(project))
    assert run.code == 1
    assert run.err == f"error: {base}: {message}\n"
    assert [p.name for p in dest.iterdir()] == [base.name]


DIR_CASES = {
    "two-hop": (TWO_HOP, TWO_HOP_ERROR),
    "three-hop": (THREE_HOP, THREE_HOP_ERROR),
    "loop": (LOOP, LOOP_ERROR),
}


@pytest.mark.parametrize("case", list(DIR_CASES))
def test_directory_links_resolved_through_other_links(case: str, tmp_path: Path,
                                                      project: Path, capsys) -> None:
    links, message = DIR_CASES[case]
    base = tmp_path / "dist"
    base.mkdir()
    for name, target in links:
        (base / name).parent.mkdir(parents=True, exist_ok=True)
        assert target is not None
        (base / name).symlink_to(target)
    run = run_cli(capsys, "package", "--env", "prod", "--artifact", str(base), *spec_args(project))
    assert run.code == 1
    assert run.err == f"error: {base}: {message}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "payments-api"]


# links that stay inside, some through other links; ESCAPE is the one that leaves
INSIDE: Links = [("lib/real.bin", None), ("s", "."), ("cur", "s/lib/real.bin"),
                 ("lib/up", "../s"), ("lib/again", "up/lib/real.bin"), ("lib/dir", "../lib")]
ESCAPE = ("lib/esc", "dir/up/..")
ESCAPE_ERROR = ("symlink 'lib/esc' -> 'dir/up/..' points outside the artifact (target "
                "outside the artifact, through 'lib/dir' -> '../lib', 'lib/up' -> '../s', "
                "'s' -> '.'); refusing the archive")


def make_dir(dest: Path, links: Links) -> Path:
    base = dest / "dist"
    (base / "BOOT-INF" / "classes").mkdir(parents=True)  # verify wants the config's directory
    for name, target in links:
        (base / name).parent.mkdir(parents=True, exist_ok=True)
        if target is None:
            (base / name).write_bytes(b"x")
        else:
            (base / name).symlink_to(target)
    return base


KINDS: dict[str, Callable[[Links], Callable[[Path], Path]]] = {
    "dir": lambda links: lambda dest: make_dir(dest, links),
    "tar": tar_links,
    "tar.gz": lambda links: tar_links(links, gz=True),
    "zip": zip_links,
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_links_that_stay_inside_are_kept(kind: str, tmp_path: Path, project: Path,
                                         capsys) -> None:
    """Refused while one link of the chain leaves the artifact; without it, packaged with every
    other link as it was, and verified."""
    bad, good = tmp_path / "bad", tmp_path / "good"
    bad.mkdir()
    good.mkdir()
    base = KINDS[kind]([*INSIDE, ESCAPE])(bad)
    run = run_cli(capsys, "package", "--env", "prod", "--artifact", str(base),
                  *spec_args(project))
    assert (run.code, run.err) == (1, f"error: {base}: {ESCAPE_ERROR}\n")
    base = KINDS[kind](INSIDE)(good)
    run = run_cli(capsys, "package", "--env", "prod", "--artifact", str(base),
                  *spec_args(project))
    assert run.code == 0, run.err
    out = next(p for p in good.iterdir() if "-prod" in p.name and "superspec" not in p.name)
    assert run_cli(capsys, "package", "verify", str(base), str(out)).code == 0


def test_written_file_through_a_link_spelled_with_dot(tmp_path: Path, project: Path,
                                                      capsys) -> None:
    """A link stored as 'BOOT-INF/./classes' is the directory the config file would go to."""
    base = zip_links([("other/x", None), ("BOOT-INF/./classes", "../other")])(tmp_path)
    run = run_cli(capsys, "package", "--env", "prod", "--artifact", str(base), *spec_args(project))
    assert run.code == 1
    assert run.err == (f"error: {base}: cannot write '{PROPS}': 'BOOT-INF/classes' is a link in "
                       "the base\n")
    assert zipfile.ZipFile(base).namelist()[-1] == "BOOT-INF/./classes"


@pytest.mark.parametrize("path", ["conf/./app.conf", "conf//app.conf", "./conf/./app.conf"])
def test_config_path_with_an_empty_or_dot_component(path: str, tmp_path: Path, capsys) -> None:
    root = make_project(tmp_path / "p", f"""\
        artifact: app.jar
        files: [{{template: app.conf.j2, path: '{path}'}}]
        """, {"app.conf.j2": "x\n"})
    run = package(capsys, root, "--env", "test")
    assert run.code == 1
    assert run.err == (f"error: {root / 'superspec.yaml'}:7 [project billing] "
                       f"package.files.0.path: unsafe entry path '{path}' (empty or '.' "
                       "component)\n")
