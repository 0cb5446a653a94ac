"""The step contract's version and exit codes: what running a step needs of the contract without
its pydantic models (``step.contract`` declares the messages and re-exports these). Stdlib only."""

from __future__ import annotations

CONTRACT_VERSION = 1

# status -> process exit code of `superspec step` (the pipeline may act on either)
STATUS_EXIT_CODES: dict[str, int] = {
    "passed": 0,
    "done": 0,
    "failed": 1,
    "rolled-back": 4,
    "paused-for-approval": 5,
}
# error kind -> exit code (params problems are usage errors of the step)
ERROR_EXIT_CODES: dict[str, int] = {
    "params": 2,
    "spec": 1,
    "input": 1,
    "failure": 1,
    "unavailable": 1,
    "internal": 3,
}
