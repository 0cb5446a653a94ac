"""Metric gates from what the router saw: its access log lines
(``superspec-access <backend> <server> <status> <total ms>``) since a step began, per version,
so each version's error rate and p95 are its own."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from superspec.release.record import Gate
from superspec.spec.envmodels import Gates

PREFIX = "superspec-access "


@dataclass(frozen=True)
class Window:
    requests: int
    errors: int  # 5xx, and requests that got no answer (status -1)
    p95_ms: float | None

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0


def window(log: str, backend: str, servers: Iterable[str]) -> Window:
    """What ``servers`` of ``backend`` answered in ``log``."""
    wanted = set(servers)
    times: list[float] = []
    errors = 0
    for line in log.splitlines():
        at = line.find(PREFIX)
        if at < 0:
            continue
        parts = line[at + len(PREFIX):].split()
        if len(parts) < 4 or parts[0] != backend or parts[1] not in wanted:
            continue
        try:
            status, total = int(parts[2]), float(parts[3])
        except ValueError:
            continue
        times.append(total)
        errors += status >= 500 or status < 0
    return Window(len(times), errors, _p95(times))


def _p95(times: list[float]) -> float | None:
    if not times:
        return None
    ordered = sorted(times)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def judge(seen: Window, gates: Gates) -> list[Gate]:
    """The readings of every gate the spec sets (each passed or not)."""
    readings = []
    if gates.max_error_rate is not None:
        readings.append(Gate("maxErrorRate", round(seen.error_rate, 4), gates.max_error_rate,
                             seen.requests, seen.error_rate <= gates.max_error_rate))
    if gates.max_p95_ms is not None:
        passed = seen.p95_ms is None or seen.p95_ms <= gates.max_p95_ms
        readings.append(Gate("maxP95Ms", seen.p95_ms, gates.max_p95_ms, seen.requests, passed))
    return readings


def enough(seen: Window, gates: Gates) -> bool:
    return seen.requests >= (gates.min_requests or 1)
