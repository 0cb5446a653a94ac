"""python -m benchmarks [topic ...]: run every benchmark module (bench_*.py) or the named ones."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    here = Path(__file__).resolve().parent
    topics = argv or sorted(
        m.name[len("bench_"):] for m in pkgutil.iter_modules([str(here)])
        if m.name.startswith("bench_")
    )
    for topic in topics:
        module = importlib.import_module(f"benchmarks.bench_{topic}")
        module.main()


if __name__ == "__main__":
    main(sys.argv[1:])
