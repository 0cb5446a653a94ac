"""Start-up: `superspec --help` and `superspec validate` on the examples, beside the floor
(a bare Python interpreter start) and `jenkins-jobs --help` (the peer CLI for job generation)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from benchmarks.common import Row, record, time_command

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> None:
    superspec = str(BIN / "superspec")
    spec = str(ROOT / "examples/projects/payments-api/superspec.yaml")
    layers = str(ROOT / "examples/layers")
    rows = [
        Row("--help", "superspec", time_command([superspec, "--help"], runs=15), 15),
        Row("--help", "python -c pass (floor)",
            time_command([sys.executable, "-c", "pass"], runs=15), 15),
    ]
    jjb = shutil.which("jenkins-jobs", path=str(BIN))
    if jjb:
        rows.append(Row("--help", "jenkins-jobs", time_command([jjb, "--help"], runs=15), 15))
    rows.append(Row("validate payments-api (3 layers)", "superspec",
                    time_command([superspec, "validate", "--spec", spec, "--layers", layers],
                                 runs=15), 15))
    rows.append(Row("explain payments-api", "superspec",
                    time_command([superspec, "explain", "--spec", spec, "--layers", layers],
                                 runs=15), 15))
    record("startup", rows)


if __name__ == "__main__":
    main()
