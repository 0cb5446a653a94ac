"""Canonical JSON and its sha256: the same data, the same bytes and digest (stdlib only)."""

from __future__ import annotations

import hashlib
import json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, non-JSON leaves as their str()."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str).encode()


def digest(value: Any) -> str:
    """sha256 (hex) of ``canonical_json(value)``."""
    return hashlib.sha256(canonical_json(value)).hexdigest()
