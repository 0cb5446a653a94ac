"""Release events: appended to the environment's audit log (JSON lines under the data
directory; `superspec audit --env ENV` shows it) and posted to the spec's webhooks with a short
timeout and retries. A webhook never blocks for long nor fails a release."""

from __future__ import annotations

import json
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
        path = audit_path(self.env)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(json.dumps(entry, sort_keys=True) + "\n")
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


def read(env: str) -> list[dict[str, Any]]:
    try:
        lines = audit_path(env).read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [json.loads(line) for line in lines if line.strip()]
