"""superspec audit: an environment's release events."""

from __future__ import annotations

import json

import click

from superspec.cli.options import format_option


@click.command()
@click.option("--env", "env", required=True, metavar="ENV", help="The environment.")
@format_option
def audit(env: str, output_format: str) -> None:
    """Every release event of environment ENV (started, step, gate, paused, resumed,
    promoted, released, rolled-back), oldest first, from its audit log."""
    from superspec.release.audit import read

    events = read(env)
    if output_format == "json":
        click.echo(json.dumps(events, indent=2, sort_keys=True))
        return
    for event in events:
        extra = {k: v for k, v in event.items() if k not in ("time", "environment", "event",
                                                            "project")}
        details = " ".join(f"{k}={json.dumps(v)}" for k, v in sorted(extra.items()))
        click.echo(f"{event['time']} {event['project']} {event['event']} {details}".rstrip())
