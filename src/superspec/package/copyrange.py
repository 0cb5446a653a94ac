"""Outputs laid out as ranges of a base file and new bytes, written by copying the base block by
block on every core.

Each 1 MiB block of the base that some output holds is read once (``preadv``) into a buffer
that stays in the CPU's cache, and its parts are written into every output holding them
(``pwritev``, one call per output and block); one worker thread per core takes blocks in turn,
and both calls run without the GIL. On the benchmark machine one 100 MB jar goes out in ~14 ms
on two cores (cp: 26 to 35 ms), three outputs of it in ~27 ms. The alternatives measured slower: a
kernel copy_file_range moves the data page by page and costs ~1.4x more when source and
destination offsets differ within a page, as they do after a replaced entry (37 ms); a write
from a map of the base pays for mapping and unmapping 25,000 pages (34 ms). Allocating an
output's blocks first (``reserve``) saves ext4 its block reservation write by write.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable

Piece = bytes | tuple[int, int]  # new bytes, or the range [start, end) of the base
BLOCK = 1 << 20
WORKERS = 4  # a copy is bound by memory bandwidth well before this many cores
IOV_MAX = 1024
# file systems whose fallocate(2) allocates without writing (elsewhere the C library would
# emulate it by writing a byte into every block)
NATIVE_FALLOCATE = frozenset({"ext4", "xfs", "btrfs", "f2fs", "tmpfs", "overlay"})

# one output's part of one block: (output fd, base start, base end, where it lands)
_Segment = tuple[int, int, int, int]


class Layout:
    """An output's bytes in order from ``start``; adjacent ranges of the base are merged."""

    def __init__(self, pos: int = 0) -> None:
        self.pieces: list[Piece] = []
        self.start = pos  # where the first piece lands in the output
        self.pos = pos  # where the next piece lands

    def copy(self, start: int, end: int) -> int:
        """Append ``[start, end)`` of the base; return where it lands in the output."""
        at = self.pos
        last = self.pieces[-1] if self.pieces else b""
        if isinstance(last, tuple) and last[1] == start:
            self.pieces[-1] = (last[0], end)
        elif end > start:
            self.pieces.append((start, end))
        self.pos += end - start
        return at

    def add(self, data: bytes) -> int:
        """Append new bytes; return where they land in the output."""
        at = self.pos
        if data:
            self.pieces.append(data)
        self.pos += len(data)
        return at


def write_layouts(source: int | None, outputs: list[tuple[int, Layout]],
                  meanwhile: Callable[[], None] | None = None) -> None:
    """Write each layout into its output (an fd) at the layout's offsets, ranges read from the
    file open at ``source`` (None: the layouts hold no ranges). ``meanwhile()`` runs on this
    thread once every worker has started copying; when it raises, the workers stop after their
    current block, and what it raised is raised once they all have."""
    blocks: dict[int, list[_Segment]] = {}
    for fd, layout in outputs:
        at = layout.start
        for piece in layout.pieces:
            if isinstance(piece, tuple):
                _split(blocks, fd, piece[0], piece[1], at)
                at += piece[1] - piece[0]
            else:  # new bytes: few and small
                _pwrite_all(fd, [memoryview(piece)], at)
                at += len(piece)
    if blocks and source is None:
        raise ValueError("a layout copies ranges but no base was given")
    copier = _Copier(source or 0, [blocks[k] for k in sorted(blocks)])
    failed: BaseException | None = None
    try:
        if meanwhile is not None:
            copier.wait_started()
            meanwhile()
    except BaseException as exc:  # noqa: BLE001 - raised once the workers are done
        failed = copier.error = exc
    copier.join()
    if failed is not None:
        raise failed
    if copier.error is not None:
        raise copier.error


def _split(blocks: dict[int, list[_Segment]], fd: int, start: int, end: int, at: int) -> None:
    """File ``[start, end)`` of the base, to land at ``at``, under the blocks it spans."""
    while start < end:
        stop = min(end, (start // BLOCK + 1) * BLOCK)
        blocks.setdefault(start // BLOCK, []).append((fd, start, stop, at))
        at += stop - start
        start = stop


class _Copier:
    """Worker threads, one per core (at most WORKERS; none for a single block), each copying
    the next block not yet taken until none is left; the first error stops them all. The
    workers are always waited for, even when this thread is interrupted: the caller closes the
    files they write."""

    def __init__(self, source: int, work: list[list[_Segment]]) -> None:
        self._source, self._work = source, work
        self._next = iter(range(len(work)))
        self._lock = threading.Lock()
        self.error: BaseException | None = None
        self._started = threading.Semaphore(0)
        count = min(len(work), WORKERS, _cores())
        self._threads: list[threading.Thread] = []
        if count < 2:
            self._run()
            return
        try:
            for _ in range(count):
                thread = threading.Thread(target=self._run)
                thread.start()
                self._threads.append(thread)
        except BaseException as exc:
            self.error = exc  # no new block is taken
            self.join()
            raise

    def wait_started(self) -> None:
        for _ in self._threads:
            self._started.acquire()

    def join(self) -> None:
        try:
            for thread in self._threads:
                thread.join()
        except BaseException as exc:  # interrupted: stop the workers, wait for them, go on
            self.error = self.error or exc
            for thread in self._threads:
                thread.join()
            raise

    def _run(self) -> None:
        buffer = memoryview(bytearray(BLOCK))
        self._started.release()
        try:
            while self.error is None:
                with self._lock:
                    index = next(self._next, None)
                if index is None:
                    return
                _copy_block(self._source, buffer, self._work[index])
        except BaseException as exc:  # noqa: BLE001 - raised by write_layouts in the caller
            self.error = self.error or exc


def _copy_block(source: int, buffer: memoryview, segments: list[_Segment]) -> None:
    low, high = min(s[1] for s in segments), max(s[2] for s in segments)
    span = buffer[:high - low]
    got = 0
    while got < len(span):  # short reads: go on, unless the base ended early
        more = os.preadv(source, [span[got:]], low + got)
        if not more:
            raise OSError(f"unexpected end of file at offset {low + got}")
        got += more
    # per output, in the order laid out: parts landing back to back go in one call
    runs: list[tuple[int, int, list[memoryview]]] = []  # (fd, where, parts)
    parts: list[memoryview] = []
    fd_now, next_at = -1, -1
    for fd, start, end, at in segments:
        if fd != fd_now or at != next_at:
            fd_now, parts = fd, []
            runs.append((fd, at, parts))
        parts.append(span[start - low:end - low])
        next_at = at + end - start
    for fd, at, parts in runs:
        _pwrite_all(fd, parts, at)


def _pwrite_all(fd: int, views: list[memoryview], at: int) -> None:
    """Write ``views`` back to back at ``at``, resuming short writes."""
    first = 0
    while first < len(views):
        done = os.pwritev(fd, views[first:first + IOV_MAX], at)
        at += done
        while first < len(views) and done >= len(views[first]):
            done -= len(views[first])
            first += 1
        if done:  # a short write ended inside this piece: go on from there
            views[first] = views[first][done:]


def _cores() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def reserve(fd: int, size: int) -> None:
    """Allocate the first ``size`` bytes of the (empty) output at ``fd`` before they are
    written, on a file system that does it natively; ``size`` must not exceed what is then
    written (the file's length becomes at least ``size``)."""
    if size > 0 and _native_fallocate(fd):
        os.posix_fallocate(fd, 0, size)


def _native_fallocate(fd: int) -> bool:
    return _native_device(os.fstat(fd).st_dev)


@functools.lru_cache(maxsize=8)
def _native_device(device: int) -> bool:
    """Per process: only a matter of speed, never of what is written."""
    from superspec.package.filesystems import mount_types

    types = mount_types(device)
    return len(types) == 1 and types <= NATIVE_FALLOCATE
