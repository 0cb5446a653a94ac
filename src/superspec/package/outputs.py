"""Write a run's zip and plain tar outputs from one opened base.

Each output is laid out first (``zipwrite``, ``tararchive``: ranges of the base and new bytes),
then written by a worker thread, one output per core at a time: the thread holds the GIL only to
start a ``writev`` that copies the whole body in the kernel (see copyrange). A zip's local
headers are checked on this thread meanwhile, once every worker is inside its write; the
outputs are finished (added entries, central directory, end records) only once the check
passed, and laid out again entry by entry should the entries turn out not to be back to back.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable

from superspec.package.copyrange import Layout, PopulatedMap, Source, reserve, write_layout
from superspec.package.zipwrite import (
    NewEntry,
    contiguous_body,
    copy_ahead,
    dos_stamp,
    ending,
    entrywise_body,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.package.artifact import Job
    from superspec.package.tararchive import TarArchive
    from superspec.package.zipread import ZipArchive

_FLAGS = os.O_WRONLY | getattr(os, "O_CLOEXEC", 0)


def write_zips(archive: ZipArchive, jobs: list[Job], epoch: int) -> None:
    """Every job's zip: bodies first (beside the local-header check when the entries look back
    to back), then each output's added entries, central directory and end records."""
    stamp = dos_stamp(epoch)
    with contextlib.ExitStack() as stack:
        fds = [_open(stack, job) for job in jobs]
        bodies = None
        if copy_ahead(archive):
            bodies = [contiguous_body(archive, job.replaced) for job in jobs]
            _write(archive.mm, fds, [body.layout for body in bodies], meanwhile=archive.check)
            if not archive.contiguous:
                for fd in fds:
                    os.ftruncate(fd, 0)
                    os.lseek(fd, 0, os.SEEK_SET)
                bodies = None
        if bodies is None:
            archive.check()
            bodies = [entrywise_body(archive, job.replaced) for job in jobs]
            _write(archive.mm, fds, [body.layout for body in bodies])
        for fd, body, job in zip(fds, bodies, jobs, strict=True):
            added = [NewEntry(name, data) for name, data in job.added]
            write_layout(archive.mm, fd, ending(archive, body, added, stamp).pieces)


def write_tars(archive: TarArchive, jobs: list[Job], epoch: int) -> None:
    """Every job's plain tar: bodies from a map of the base, then the added members."""
    from superspec.package.tararchive import tar_body, tar_ending

    with open(archive.path, "rb") as handle:
        source = PopulatedMap(handle.fileno())
    try:
        with contextlib.ExitStack() as stack:
            fds = [_open(stack, job) for job in jobs]
            bodies = [tar_body(archive, job.replaced) for job in jobs]
            _write(source.get(), fds, bodies)
            for fd, body, job in zip(fds, bodies, jobs, strict=True):
                write_layout(b"", fd, tar_ending(body.pos, job.added, epoch).pieces)
    finally:
        source.close()


def _open(stack: contextlib.ExitStack, job: Job) -> int:
    """The job's temp file (created empty by the runner), for writing. Not opened with O_TRUNC:
    ext4 flushes a file truncated on open when it is closed (auto_da_alloc), 2-40 ms each."""
    fd = os.open(job.tmp, _FLAGS)
    stack.callback(os.close, fd)
    if os.fstat(fd).st_size:
        os.ftruncate(fd, 0)
    return fd


def _write(source: Source, fds: list[int], layouts: list[Layout],
           meanwhile: Callable[[], None] | None = None) -> None:
    """Write each layout at the start of its (empty) output on worker threads; run
    ``meanwhile()`` here once every worker is inside its first write. What it raises comes
    first, once every write has ended."""
    for fd, layout in zip(fds, layouts, strict=True):
        reserve(fd, layout.pos)
    failed: BaseException | None = None
    with _Pool(lambda i: write_layout(source, fds[i], layouts[i].pieces), len(fds)) as pool:
        if meanwhile is not None:
            pool.wait_started()
            try:
                meanwhile()
            except BaseException as exc:  # noqa: BLE001 - raised once the writers are done
                failed = exc
    if failed is not None:
        raise failed
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
    """``work(i)`` for every i < count on worker threads, one per core at a time (the copies
    run in the kernel, without the GIL); leaving the block waits for every job. What
    ThreadPoolExecutor gives, without importing concurrent.futures (and logging) on start-up."""

    def __init__(self, work: Callable[[int], None], count: int) -> None:
        self._work = work
        self.outcomes = [_Outcome() for _ in range(count)]
        self._queue = list(range(count))  # every job before a thread
        self._lock = threading.Lock()
        self._started = threading.Semaphore(0)
        workers = max(1, min(count, os.cpu_count() or 1))
        self._threads = [threading.Thread(target=self._run) for _ in range(workers)]
        for thread in self._threads:
            thread.start()

    def wait_started(self) -> None:
        """Wait until every worker has started its first job (or found none)."""
        for _ in self._threads:
            self._started.acquire()

    def _run(self) -> None:
        while True:
            with self._lock:
                index = self._queue.pop(0) if self._queue else None
            self._started.release()
            if index is None:
                return
            try:
                self._work(index)
            except BaseException as exc:  # noqa: BLE001 - raised by result() in the caller
                self.outcomes[index].error = exc
            finally:
                self.outcomes[index].done.set()

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, *_exc: object) -> None:
        for thread in self._threads:
            thread.join()
