"""flocked: one holder at a time, across processes; a file system refusing flock fails a strict
caller and leaves a lenient one unlocked."""

from __future__ import annotations

import errno
import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

from superspec import fileio
from superspec.fileio import flocked

HOLD = """
import sys
from pathlib import Path
from superspec.fileio import flocked
with flocked(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.readline()
"""


def test_a_folder_held_by_another_process_waits(tmp_path: Path) -> None:
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        with pytest.raises(BlockingIOError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        holder.communicate("done\n", timeout=30)  # the holder leaves its block
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)


def test_a_file_system_refusing_flock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(fd: int, operation: int) -> None:
        raise OSError(errno.EBADF, "Bad file descriptor")  # a folder opened read-only on NFS

    monkeypatch.setattr(fileio.fcntl, "flock", refuse)
    with pytest.raises(OSError), flocked(tmp_path):
        pytest.fail("entered without the lock")
    entered = []
    with flocked(tmp_path, strict=False):
        entered.append(True)
    assert entered == [True]
    with pytest.raises(OSError), flocked(tmp_path / "guard", create=True):
        pytest.fail("entered without the lock")
    assert (tmp_path / "guard").is_file()
