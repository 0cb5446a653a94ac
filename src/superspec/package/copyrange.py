"""Copy byte ranges between files in the kernel (copy_file_range), falling back to big reads."""

from __future__ import annotations

import os

CHUNK = 8 * 1024 * 1024


def copy_range(src_fd: int, dst_fd: int, start: int, length: int) -> None:
    """Append ``length`` bytes of ``src_fd`` from ``start`` at the position of ``dst_fd``."""
    offset = start
    remaining = length
    if hasattr(os, "copy_file_range"):
        try:
            while remaining:
                done = os.copy_file_range(src_fd, dst_fd, min(remaining, 1 << 30), offset)
                if done == 0:
                    break
                offset += done
                remaining -= done
        except OSError:  # e.g. EXDEV on old kernels, or a filesystem that refuses it
            pass
    while remaining:
        chunk = os.pread(src_fd, min(remaining, CHUNK), offset)
        if not chunk:
            raise OSError(f"unexpected end of file at offset {offset}")
        _write_all(dst_fd, chunk)
        offset += len(chunk)
        remaining -= len(chunk)


class RangeWriter:
    """An output file fed from a base: contiguous raw ranges go out in one kernel copy."""

    def __init__(self, src_fd: int, dst_fd: int) -> None:
        self.src_fd, self.dst_fd = src_fd, dst_fd
        self.pos = 0  # output position including the pending range
        self.run_start = self.run_end = -1

    def copy(self, start: int, end: int) -> int:
        """Queue ``[start, end)`` of the base; return where it lands in the output."""
        at = self.pos
        if start != self.run_end:
            self.flush()
            self.run_start = start
        self.run_end = end
        self.pos += end - start
        return at

    def flush(self) -> None:
        if self.run_end > self.run_start >= 0:
            copy_range(self.src_fd, self.dst_fd, self.run_start, self.run_end - self.run_start)
        self.run_start = self.run_end = -1

    def write(self, data: bytes) -> None:
        self.flush()
        view = memoryview(data)
        while view:
            view = view[os.write(self.dst_fd, view):]
        self.pos += len(data)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
