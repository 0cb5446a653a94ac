"""Entry data that may be produced late: the manifest needs the base's digest, which is still
being computed while the first bytes of an output are written."""

from __future__ import annotations

from collections.abc import Callable

Data = bytes | Callable[[], bytes]


def resolve(data: Data) -> bytes:
    return data() if callable(data) else data
