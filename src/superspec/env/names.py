"""The labels and names of an environment's Docker objects (pure)."""

from __future__ import annotations

from superspec.errors import UsageError
from superspec.spec.layers import NAME_PATTERN

LABEL = "io.superspec."
PROJECT = LABEL + "project"
ENV = LABEL + "env"
ROLE = LABEL + "role"  # app | db | proxy | network
VERSION = LABEL + "version"
SPEC_DIGEST = LABEL + "spec-digest"
PARENT = LABEL + "parent"
SHARED = "*"  # the project label of what the environment's applications share
SERVER_SPEC_PATH = "/etc/superspec/server-spec.json"
DB_MOUNT = "/var/lib/superspec/db"  # where an SQLite database is mounted in the app containers
APP_PORT = 8080  # the router's frontend port inside its container


def check_env_name(name: str) -> str:
    if not NAME_PATTERN.fullmatch(name) or len(name) > 40:
        raise UsageError(f"'{name}' is not an environment name: letters, digits, '.', '_' and "
                         "'-', starting with a letter or digit, at most 40 characters")
    return name


def network_name(env: str) -> str:
    return f"ss-{env}"


def router_name(env: str) -> str:
    return f"ss-{env}-router"


def replica_name(env: str, project: str, index: int, alternate: bool = False) -> str:
    """Replica ``index`` of ``project``. Every replica slot has an alternate name: a release
    starts the new version under the names the live one does not use, so the router already
    lists both sets and traffic moves by weights alone (no reload)."""
    return f"ss-{env}-{project}-{index}" + ("-next" if alternate else "")


def slot_names(env: str, project: str, replicas: int, alternate: bool) -> list[str]:
    return [replica_name(env, project, i, alternate) for i in range(1, replicas + 1)]


def env_labels(env: str, role: str, project: str = SHARED,
               parent: str | None = None) -> dict[str, str]:
    labels = {ENV: env, ROLE: role, PROJECT: project}
    if parent is not None:
        labels[PARENT] = parent
    return labels
