"""The zip format's constants and record layouts, shared by the reader, the checker and the
writer."""

from __future__ import annotations

import contextlib
import gc
import mmap
import struct
from collections.abc import Callable, Iterator
from typing import Any

from superspec.errors import InputError

EOCD = struct.Struct("<4s4H2LH")  # sig, disk, cd disk, n here, n total, cd size, cd offset, clen
ZIP64_LOCATOR = struct.Struct("<4sLQL")
ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
CENTRAL = struct.Struct("<4s6H3L5H2L")
LOCAL = struct.Struct("<4s5H3L2H")
SIG_EOCD, SIG_LOC64, SIG_EOCD64 = b"PK\x05\x06", b"PK\x06\x07", b"PK\x06\x06"
SIG_CENTRAL, SIG_LOCAL, SIG_DESCRIPTOR = b"PK\x01\x02", b"PK\x03\x04", b"PK\x07\x08"
MAX32, MAX16 = 0xFFFFFFFF, 0xFFFF

Buffer = mmap.mmap | bytes
Corrupt = Callable[[str], InputError]
Row = tuple[Any, ...]
OFFSET, CD_POS, WIDE = 14, 15, 17


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection while a large archive's rows are built: every tuple made
    survives, so collections would only walk them again and again (a third of the parse)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
