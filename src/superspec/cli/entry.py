"""The console script. `superspec enforce` runs without the CLI framework (an unchanged
project answered from the result cache, a changed one checked), and `superspec validate` of an
unchanged spec is answered from the compiled-spec cache, before the CLI framework is imported
(see superspec.enforce.fastpath and superspec.spec.fastpath); so is `superspec package --env ...`
of an unchanged spec (superspec.package.fastpath), and `superspec step NAME --params-file F`
runs its runner without the CLI framework (superspec.step.fastpath). Everything else, and any
other cache miss, runs the full CLI.

What those paths share with the full CLI is in ``superspec.cli.plain``.
"""

from __future__ import annotations

import gc
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


def main() -> None:
    command = sys.argv[1:2]
    if command == ["enforce"]:
        from superspec.enforce.fastpath import main as answer_from_cache

        code = answer_from_cache(sys.argv[1:])
        if code is not None:
            leave(code)
    elif command == ["validate"]:
        from superspec.spec.fastpath import main as answer_validate

        code = answer_validate(sys.argv[1:])
        if code is not None:
            leave(code)
    elif command == ["package"]:
        from superspec.package.fastpath import main as package_from_cache

        code = package_from_cache(sys.argv[1:])
        if code is not None:
            leave(code)
    elif command == ["step"]:
        from superspec.step.fastpath import main as run_step

        code = run_step(sys.argv[1:])
        if code is not None:
            leave(code)
    from superspec.cli.main import main as full_cli

    full_cli()


def leave(code: int) -> NoReturn:
    """Exit with ``code`` once a fast path is done. What is left is frozen first: the
    interpreter's last garbage collection would otherwise walk every object still alive (~6 ms
    after packaging a 21,000-entry jar, whose layout is 200,000 objects)."""
    gc.freeze()
    sys.exit(code)
