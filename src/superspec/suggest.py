""""Did you mean" hints and the one "not defined" message of each kind (stdlib only)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice closest to ``word``, if any is close enough."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return found[0] if found else None


def hinted(message: str, word: str, choices: Iterable[str], listing: str) -> str:
    """``message`` plus "; did you mean 'x'?" when a choice is close, else the choices:
    " (<listing>: a, b)"."""
    options = list(choices)
    hint = closest(word, options)
    if hint is not None:
        return f"{message}; did you mean '{hint}'?"
    return f"{message} ({listing}: {', '.join(options) or 'none'})"


def unknown_environment(name: str, defined: Iterable[str]) -> str:
    """The one message for an environment the spec does not define, wherever it is named."""
    return hinted(f"environment '{name}' is not defined in environments", name, defined,
                  "defined")
