"""Entry point: the command group (sub-commands load lazily) and the one error boundary."""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import traceback

import click

from superspec import __version__
from superspec.runners import registry

# command name -> "module:attribute"; modules import only when their command runs. The runners'
# commands (enforce, package, deploy, ...) come from the runner registry, between generate and
# step; a runner without a command of its own gets the generic one (cli/unavailable.py).
COMMANDS = {
    "validate": "superspec.cli.validate:validate",
    "explain": "superspec.cli.explain:explain",
    "schema": "superspec.cli.schema:schema",
    "init": "superspec.cli.init:init",
    "generate": "superspec.cli.generate:generate",
    "env": "superspec.cli.env:env",
    "db": "superspec.cli.db:db",
    "audit": "superspec.cli.audit:audit",
    "library": "superspec.cli.library:library",
    "jenkins": "superspec.cli.jenkins:jenkins",
    "gitlab": "superspec.cli.gitlab:gitlab",
}
LAST = {"step": "superspec.cli.step:step"}

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPT = 0, 1, 2, 3, 130


def commands() -> dict[str, str | None]:
    """Every command: name -> "module:attribute" (None: a runner's generic command)."""
    runners = {runner.name: runner.command for runner in registry.step_runners()}
    return {**COMMANDS, **runners, **LAST}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, target in commands().items()
                if target is None or _importable(target)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        table = commands()
        if cmd_name not in table:
            return None
        target = table[cmd_name]
        if target is None:
            from superspec.cli.unavailable import runner_command

            runner = registry.get(cmd_name)
            return None if runner is None else runner_command(runner)
        if not _importable(target):
            return None
        command: click.Command = registry.load(target)
        return command


def _importable(target: str) -> bool:
    return importlib.util.find_spec(target.split(":")[0]) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="superspec")
def cli() -> None:
    """superspec: one layered company spec -> Jenkinsfile, .gitlab-ci.yml and step runners.

    \b
    A spec is a chain of YAML layers (company -> department -> project).
    Start with:
      superspec init                 write a starter superspec.yaml here
      superspec validate             check the spec and all the layers it extends
      superspec explain PATH         show an effective value and which layer set it
      superspec generate             write Jenkinsfile and .gitlab-ci.yml

    Exit codes: 0 ok, 1 spec or rule failure, 2 usage error, 3 internal error, 130 interrupted.
    """


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; every error leaves through here with a one-line message and an exit code."""
    from superspec.errors import SuperspecError

    try:
        cli.main(args=argv, prog_name="superspec", standalone_mode=False)
    except SuperspecError as exc:
        for line in exc.lines():
            click.echo(f"error: {printable(line)}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPT)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_USAGE if isinstance(exc, click.UsageError) else exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPT)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_FAILURE)
    except Exception as exc:  # noqa: BLE001 - the boundary for bugs
        log = _write_crash_log(exc)
        click.echo(f"internal error: {type(exc).__name__}: {exc} (details: {log})", err=True)
        sys.exit(EXIT_BUG)
    sys.exit(EXIT_OK)


def printable(text: str) -> str:
    """Escape control characters from user input so a message stays one line and cannot drive
    the terminal."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _write_crash_log(exc: BaseException) -> str:
    fd, path = tempfile.mkstemp(prefix="superspec-crash-", suffix=".log")
    with os.fdopen(fd, "w") as handle:
        handle.write(f"superspec {__version__}\nargv: {sys.argv}\n\n")
        handle.write("".join(traceback.format_exception(exc)))
    return path


