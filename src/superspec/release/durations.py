"""Durations as the spec writes them: ``500ms``, ``30s``, ``5m``, ``1h``."""

from __future__ import annotations

import re

from superspec.errors import InputError

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def seconds(text: str) -> float:
    match = re.fullmatch(r"(\d+)(ms|s|m|h)", text)
    if match is None:
        raise InputError(f"'{text}' is not a duration (500ms, 30s, 5m, 1h)")
    return int(match.group(1)) * _UNITS[match.group(2)]
