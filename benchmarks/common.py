"""Shared helpers for benchmarks: timing, result rows, the markdown table and the JSON record."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Row:
    case: str  # what was measured, e.g. "1,000 projects"
    tool: str  # "superspec" or the peer's name
    seconds: float  # median wall time
    runs: int
    note: str = ""


def time_call(func: Callable[[], object], runs: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``func()`` over ``runs`` calls, after ``warmup`` calls."""
    for _ in range(warmup):
        func()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def time_command(argv: Sequence[str], runs: int = 5, warmup: int = 1, **kwargs: object) -> float:
    """Median wall time of a command (it must exit 0 unless check=False is passed)."""
    check = bool(kwargs.pop("check", True))

    def call() -> None:
        subprocess.run(argv, check=check, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       **kwargs)  # type: ignore[call-overload]

    return time_call(call, runs=runs, warmup=warmup)


def table(rows: Sequence[Row], baseline_tool: str = "superspec") -> str:
    """A markdown table; each peer row shows how many times slower it is than superspec."""
    ours = {r.case: r.seconds for r in rows if r.tool == baseline_tool}
    lines = ["| case | tool | median | vs superspec | note |", "|---|---|---:|---:|---|"]
    for r in rows:
        base = ours.get(r.case)
        ratio = f"{r.seconds / base:.1f}x" if base and r.tool != baseline_tool else "1.0x"
        lines.append(f"| {r.case} | {r.tool} | {_fmt(r.seconds)} | {ratio} | {r.note} |")
    return "\n".join(lines)


def record(topic: str, rows: Sequence[Row]) -> Path:
    """Write benchmarks/results/<topic>.json and print the table."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{topic}.json"
    payload = {
        "topic": topic,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "rows": [asdict(r) for r in rows],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"## {topic}\n\n{table(rows)}\n")
    return path


def _fmt(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


@contextmanager
def environ(values: dict[str, str]) -> Iterator[None]:
    """``values`` in os.environ for the in-process parts of a benchmark (restored after)."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
