"""One interface over the artifact kinds: detect, open (safety checks), entry kinds, write,
and fingerprints for verify."""

from __future__ import annotations

import contextlib
import hashlib
import mmap
from pathlib import Path, PurePath

from superspec.errors import InputError, Location
from superspec.package.lazydata import Data, resolve
from superspec.package.zipread import ZipArchive, open_zip
from superspec.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:  # the other kinds' modules are imported when an artifact of theirs is opened
    from superspec.package.directory import DirArchive
    from superspec.package.tararchive import TarArchive

    Archive = ZipArchive | TarArchive | DirArchive

ZIP_SUFFIXES = (".jar", ".war", ".ear", ".zip", ".whl")
TARGZ_SUFFIXES = (".tar.gz", ".tgz")


class Job(Record):
    """One output: where to write it, and what changes."""

    tmp: Path
    replaced: dict[str, bytes]
    added: list[tuple[str, Data]]


def split_name(path: PurePath, is_dir: bool | None = None) -> tuple[str, str]:
    """(stem, suffix): 'app.tar.gz' -> ('app', '.tar.gz'); a directory has no suffix
    (``is_dir`` None: ask the file system)."""
    name = path.name
    for suffix in TARGZ_SUFFIXES + (".tar",) + ZIP_SUFFIXES:
        if name.lower().endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)], name[-len(suffix):]
    if is_dir is None:
        is_dir = isinstance(path, Path) and path.is_dir()
    return (name, "") if is_dir else (path.stem, path.suffix)


def detect(path: Path, display: str) -> str:
    if path.is_dir():
        return "dir"
    if not path.exists():
        raise InputError("artifact not found", location=Location(display))
    suffix = split_name(path)[1].lower()
    if suffix in ZIP_SUFFIXES:
        return "zip"
    if suffix in TARGZ_SUFFIXES:
        return "targz"
    if suffix == ".tar":
        return "tar"
    raise InputError(f"unknown artifact kind {suffix or '(no suffix)'!r}; expected a directory "
                     f"or one of {', '.join(ZIP_SUFFIXES + ('.tar',) + TARGZ_SUFFIXES)}",
                     location=Location(display))


def open_artifact(path: Path, display: str, *, check: bool = True,
                  project_dir: Path | None = None) -> tuple[str, Archive]:
    """Open and check the artifact. ``check=False`` defers a zip's local-header check to
    write_outputs, which runs it while the outputs are already being copied. With
    ``project_dir``, a zip's layout is taken from its cache when remembered (layoutcache)."""
    kind = detect(path, display)
    if kind == "zip":
        if project_dir is not None:
            from superspec.package import layoutcache

            remembered = layoutcache.lookup(path, display, project_dir)
            if remembered is not None:
                return kind, remembered
        return kind, open_zip(path, display, check=check)
    if kind in ("tar", "targz"):
        from superspec.package.tararchive import open_tar

        return kind, open_tar(path, display, gz=kind == "targz")
    from superspec.package.directory import open_dir

    return kind, open_dir(path, display)


def entry_kinds(archive: Archive) -> dict[str, str]:
    """name -> 'file', 'dir', 'link' or 'other'."""
    if isinstance(archive, ZipArchive):
        return archive.kinds()
    from superspec.package.tararchive import TarArchive

    if isinstance(archive, TarArchive):
        return {m.name: "file" if m.info.isreg() else "dir" if m.info.isdir()
                else "link" if m.info.issym() or m.info.islnk() else "other"
                for m in archive.members}
    return {e.name: e.kind for e in archive.entries}


def hard_link_targets(archive: Archive) -> dict[str, str]:
    """tar only: target name -> a hard link pointing at it (replacing the target would change
    what the link extracts to, behind verify's back)."""
    if isinstance(archive, ZipArchive):
        return {}
    from superspec.package.links import canonical
    from superspec.package.tararchive import TarArchive

    if not isinstance(archive, TarArchive):
        return {}
    return {canonical(m.info.linkname): m.name for m in archive.members if m.info.islnk()}


def write_outputs(kind: str, archive: Archive, jobs: list[Job], epoch: int) -> None:
    """Write every job's output from one opened base."""
    if isinstance(archive, ZipArchive):
        from superspec.package.outputs import write_zips

        write_zips(archive, jobs, epoch)
        return
    from superspec.package.directory import DirArchive, write_dir
    from superspec.package.tararchive import TarArchive, write_targz

    if isinstance(archive, DirArchive):
        for job in jobs:
            write_dir(archive, job.tmp, job.replaced, [(n, resolve(d)) for n, d in job.added])
        return
    assert isinstance(archive, TarArchive)
    if kind == "targz":
        with contextlib.ExitStack() as stack:
            handles = [stack.enter_context(open(job.tmp, "wb")) for job in jobs]
            write_targz(archive, [(h, (job.replaced, job.added))
                                  for h, job in zip(handles, jobs, strict=True)], epoch)
        return
    from superspec.package.outputs import write_tars

    write_tars(archive, jobs, epoch)


def file_sha256(path: Path) -> str:
    """sha256 of a file, hashed straight from the page cache through a memory map."""
    with open(path, "rb") as handle:
        if handle.seek(0, 2) == 0:
            return hashlib.sha256(b"").hexdigest()
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            return hashlib.sha256(mapped).hexdigest()


def dir_sha256(archive: DirArchive) -> str:
    """A digest of a directory tree: every entry's name, kind, mode and content (or target)."""
    digest = hashlib.sha256()
    for entry in archive.entries:
        content = entry.target if entry.kind == "link" else \
            file_sha256(archive.path / entry.name) if entry.kind == "file" else ""
        digest.update(f"{entry.kind} {entry.name!r} {entry.mode:o} {content}\n".encode())
    return digest.hexdigest()


def base_sha256(archive: Archive) -> str:
    if isinstance(archive, ZipArchive):
        return file_sha256(archive.path)
    from superspec.package.directory import DirArchive

    return dir_sha256(archive) if isinstance(archive, DirArchive) else file_sha256(archive.path)


def remember(archive: Archive, project_dir: Path) -> None:
    """Remember a zip's checked layout for later runs (when layoutcache's rules allow)."""
    if isinstance(archive, ZipArchive) and not archive.remembered:
        from superspec.package import layoutcache

        layoutcache.store(archive, project_dir)


def close(archive: Archive) -> None:
    if isinstance(archive, ZipArchive):
        archive.close()

