"""The console script. An unchanged project's `superspec enforce` is answered from the result
cache before the CLI framework is imported (see superspec.enforce.fastpath); everything else, and
any cache miss, runs the full CLI."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:2] == ["enforce"]:
        from superspec.enforce.fastpath import main as answer_from_cache

        code = answer_from_cache(sys.argv[1:])
        if code is not None:
            sys.exit(code)
    from superspec.cli.main import main as full_cli

    full_cli()
