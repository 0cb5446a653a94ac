"""Bounded waiting: every wait names what it waited for and how long."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from superspec.errors import InputError

T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], timeout: float,
             interval: float = 0.1) -> T:
    """The first value of ``probe()`` that is not None, polled every ``interval`` seconds for at
    most ``timeout`` seconds; InputError naming ``what`` (and the last failure seen) otherwise.
    A probe may raise InputError to mean "not yet"."""
    deadline = time.monotonic() + timeout
    last = ""
    while True:
        try:
            value = probe()
        except InputError as exc:
            value, last = None, str(exc)
        if value is not None:
            return value
        if time.monotonic() >= deadline:
            raise InputError(f"timed out after {timeout:g}s waiting for {what}"
                             + (f" (last: {last})" if last else ""))
        time.sleep(interval)
