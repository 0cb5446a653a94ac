"""Write a run's zip and plain tar outputs from one opened base.

Each output is laid out first (``zipwrite``, ``tararchive``: ranges of the base and new bytes),
then written by copyrange's workers, every output of the run in one pass over the base. A zip's
local headers are checked on this thread meanwhile; the outputs are finished (added entries,
central directory, end records) only once the check passed, and laid out again entry by entry
should the entries turn out not to be back to back.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable

from superspec.package.copyrange import Layout, reserve, write_layouts
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
            _write(archive.fd, fds, [body.layout for body in bodies], meanwhile=archive.check)
            if not archive.contiguous:
                for fd in fds:
                    os.ftruncate(fd, 0)
                bodies = None
        if bodies is None:
            archive.check()
            bodies = [entrywise_body(archive, job.replaced) for job in jobs]
            _write(archive.fd, fds, [body.layout for body in bodies])
        write_layouts(None, [(fd, ending(archive, body, [NewEntry(n, d) for n, d in job.added],
                                         stamp))
                             for fd, body, job in zip(fds, bodies, jobs, strict=True)])


def write_tars(archive: TarArchive, jobs: list[Job], epoch: int) -> None:
    """Every job's plain tar: bodies copied from the base, then the added members."""
    from superspec.package.tararchive import tar_body, tar_ending

    with contextlib.ExitStack() as stack:
        base = os.open(archive.path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        stack.callback(os.close, base)
        fds = [_open(stack, job) for job in jobs]
        bodies = [tar_body(archive, job.replaced) for job in jobs]
        _write(base, fds, bodies)
        write_layouts(None, [(fd, tar_ending(body.pos, job.added, epoch))
                             for fd, body, job in zip(fds, bodies, jobs, strict=True)])


def _open(stack: contextlib.ExitStack, job: Job) -> int:
    """The job's temp file (created empty by the runner), for writing. Not opened with O_TRUNC:
    ext4 flushes a file truncated on open when it is closed (auto_da_alloc), 2-40 ms each."""
    fd = os.open(job.tmp, _FLAGS)
    stack.callback(os.close, fd)
    if os.fstat(fd).st_size:
        os.ftruncate(fd, 0)
    return fd


def _write(source: int, fds: list[int], layouts: list[Layout],
           meanwhile: Callable[[], None] | None = None) -> None:
    """Write each layout at the start of its (empty) output, its blocks allocated first."""
    for fd, layout in zip(fds, layouts, strict=True):
        reserve(fd, layout.pos)
    write_layouts(source, list(zip(fds, layouts, strict=True)), meanwhile)
