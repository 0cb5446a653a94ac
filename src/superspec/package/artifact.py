"""One interface over the artifact kinds: detect, open (safety checks), entry kinds, write,
and fingerprints for verify."""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePath

from superspec.errors import InputError, Location
from superspec.package.directory import DirArchive, open_dir, write_dir
from superspec.package.lazydata import Data, resolve
from superspec.package.links import canonical
from superspec.package.tararchive import TarArchive, open_tar, write_tar, write_targz
from superspec.package.zipread import ZipArchive, open_zip
from superspec.package.zipwrite import NewEntry, dos_stamp, write_zip

ZIP_SUFFIXES = (".jar", ".war", ".ear", ".zip", ".whl")
TARGZ_SUFFIXES = (".tar.gz", ".tgz")


@dataclass(frozen=True)
class Job:
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


Archive = ZipArchive | TarArchive | DirArchive


def open_artifact(path: Path, display: str, *, check: bool = True) -> tuple[str, Archive]:
    """Open and check the artifact. ``check=False`` defers a zip's local-header check to
    write_outputs, which runs it while the outputs are already being copied."""
    kind = detect(path, display)
    if kind == "zip":
        return kind, open_zip(path, display, check=check)
    if kind in ("tar", "targz"):
        return kind, open_tar(path, display, gz=kind == "targz")
    return kind, open_dir(path, display)


def entry_kinds(archive: Archive) -> dict[str, str]:
    """name -> 'file', 'dir', 'link' or 'other'."""
    if isinstance(archive, ZipArchive):
        return archive.kinds()
    if isinstance(archive, TarArchive):
        return {m.name: "file" if m.info.isreg() else "dir" if m.info.isdir()
                else "link" if m.info.issym() or m.info.islnk() else "other"
                for m in archive.members}
    return {e.name: e.kind for e in archive.entries}


def hard_link_targets(archive: Archive) -> dict[str, str]:
    """tar only: target name -> a hard link pointing at it (replacing the target would change
    what the link extracts to, behind verify's back)."""
    if not isinstance(archive, TarArchive):
        return {}
    return {canonical(m.info.linkname): m.name for m in archive.members if m.info.islnk()}


def write_outputs(kind: str, archive: Archive, jobs: list[Job], epoch: int) -> None:
    """Write every job's output from one opened base."""
    if isinstance(archive, DirArchive):
        for job in jobs:
            write_dir(archive, job.tmp, job.replaced, [(n, resolve(d)) for n, d in job.added])
        return
    if kind == "targz":
        assert isinstance(archive, TarArchive)
        with contextlib.ExitStack() as stack:
            handles = [stack.enter_context(open(job.tmp, "wb")) for job in jobs]
            write_targz(archive, [(h, (job.replaced, job.added))
                                  for h, job in zip(handles, jobs, strict=True)], epoch)
        return
    if isinstance(archive, ZipArchive):
        _write_zips(archive, jobs, epoch)
        return
    assert isinstance(archive, TarArchive)

    def write(src: int, job: Job) -> None:
        with open(job.tmp, "wb") as dst:
            write_tar(archive, src, dst.fileno(), (job.replaced, job.added), epoch)

    with open(archive.path, "rb") as src, _Pool(write, src.fileno(), jobs) as pool:
        for outcome in pool.outcomes:
            outcome.result()


class _Outcome:
    """One job's end: ``result()`` waits for it and raises what it raised."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.error: BaseException | None = None

    def result(self) -> None:
        self.done.wait()
        if self.error is not None:
            raise self.error


class _Pool:
    """``work(src, job)`` for every job on worker threads, one output per core at a time (the
    copies run in the kernel, without the GIL); leaving the block waits for every job. What
    ThreadPoolExecutor gives, without importing concurrent.futures (and logging) on start-up."""

    def __init__(self, work: Callable[[int, Job], None], src: int, jobs: list[Job]) -> None:
        self._work, self._src = work, src
        self.outcomes = [_Outcome() for _ in jobs]
        self._queue = list(zip(jobs, self.outcomes, strict=True))  # every job before a thread
        self._lock = threading.Lock()
        workers = max(1, min(len(jobs), os.cpu_count() or 1))
        self._threads = [threading.Thread(target=self._run) for _ in range(workers)]
        for thread in self._threads:
            thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._queue:
                    return
                job, outcome = self._queue.pop(0)
            try:
                self._work(self._src, job)
            except BaseException as exc:  # noqa: BLE001 - raised by result() in the caller
                outcome.error = exc
            finally:
                outcome.done.set()

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, *_exc: object) -> None:
        for thread in self._threads:
            thread.join()


def _write_zips(archive: ZipArchive, jobs: list[Job], epoch: int) -> None:
    """The outputs are copied on worker threads while this thread checks the base's local
    headers; they are finished only once the check passed."""
    done, passed = threading.Event(), threading.Event()

    def checked() -> bool:
        done.wait()
        return passed.is_set()

    def write(src: int, job: Job) -> None:
        with open(job.tmp, "wb") as dst:
            write_zip(archive, src, dst.fileno(), job.replaced,
                      [NewEntry(n, d) for n, d in job.added], dos_stamp(epoch), checked)

    with open(archive.path, "rb") as src, _Pool(write, src.fileno(), jobs) as pool:
        try:
            archive.check()
            passed.set()
        finally:
            done.set()
            for outcome in pool.outcomes:
                outcome.result()


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
    return dir_sha256(archive) if isinstance(archive, DirArchive) else file_sha256(archive.path)


def close(archive: Archive) -> None:
    if isinstance(archive, ZipArchive):
        archive.close()

