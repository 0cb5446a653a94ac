"""Release events: appended to the environment's audit log (JSON lines under the data
directory; `superspec audit --env ENV` shows it) and posted to the spec's webhooks with a short
timeout and retries. A webhook never blocks for long nor fails a release."""

from __future__ import annotations

import json
import os
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from superspec.env.paths import data_dir
from superspec.spec.models import Webhook

ATTEMPTS = 3
TIMEOUT = 2.0


def audit_path(env: str) -> Path:
    return data_dir() / "audit" / f"{env}.jsonl"


class Audit:
    def __init__(self, env: str, project: str, webhooks: list[Webhook],
                 say: Callable[[str], None] = lambda _: None) -> None:
        self.env, self.project, self.webhooks, self.say = env, project, webhooks, say

    def event(self, name: str, **details: Any) -> None:
        entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                 "environment": self.env, "project": self.project, "event": name, **details}
        append_line(audit_path(self.env), json.dumps(entry, sort_keys=True))
        for hook in self.webhooks:
            if not hook.events or name in hook.events:
                self._post(hook.url, entry)

    def _post(self, url: str, entry: dict[str, Any]) -> None:
        body = json.dumps(entry).encode()
        for attempt in range(ATTEMPTS):
            request = urllib.request.Request(url, data=body, method="POST",
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:  # noqa: S310
                    if answer.status < 300:
                        return
            except (OSError, ValueError):
                pass
            time.sleep(0.2 * (attempt + 1))
        self.say(f"webhook {url.split('?')[0]}: not delivered after {ATTEMPTS} attempts "
                 f"({entry['event']}); the release goes on")


def append_line(path: Path, line: str) -> None:
    """Append ``line`` in one write. A line cut short earlier (a runner killed while writing,
    a full disk) is ended first, so it cannot swallow this one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        size = os.fstat(fd).st_size
        start = "\n" if size and os.pread(fd, 1, size - 1) != b"\n" else ""
        os.write(fd, (start + line + "\n").encode())
    finally:
        os.close(fd)


def read(env: str) -> list[dict[str, Any]]:
    """The events of ``env``'s log, oldest first; a line that is not a whole event (cut short
    when its writer was killed) is left out."""
    try:
        lines = audit_path(env).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    events = []
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and {"time", "project", "event"} <= event.keys():
            events.append(event)
    return events
