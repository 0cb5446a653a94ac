"""What packaging reads of the effective spec, as plain data: the project's name, each
environment (as the model dumps it), the app's name/image/version/port/health/replicas and the
``package`` section.

``package_facts(model)`` computes it from the validated model; a full load stores it with the
spec's other facts in the compiled-spec cache (``spec.effective.facts_of``), so a cached spec is
packaged without building the pydantic model. Both paths read the same dict through
``PackageSpec``: what a run writes cannot depend on where the spec came from.

Stdlib only: this module is imported on the cached path.
"""

from __future__ import annotations

import hashlib
import json

TYPE_CHECKING = False  # not typing's: importing typing costs ~5 ms on the cached path
if TYPE_CHECKING:
    from typing import Any

    from superspec.spec import EffectiveSpec
    from superspec.spec.models import Spec

FACTS_KEY = "package"
RESERVED = ("env", "app", "secrets")


def package_facts(model: Spec) -> dict[str, Any]:
    """The plain data packaging reads, computed from the validated model."""
    app, package = model.app, model.package
    return {
        "name": model.name,
        "environments": {name: env.model_dump(by_alias=True, mode="json")
                         for name, env in model.environments.items()},
        "app": {"image": app.image, "version": app.version, "port": app.port,
                "health": app.health, "replicas": dict(app.replicas)},
        "artifact": package.artifact,
        "files": [(f.template, f.path) for f in package.files],
        "values": {env: dict(values) for env, values in package.values.items()},
        "secrets": list(package.secrets),
        "secretStyle": package.secret_style,
    }


class PackageSpec:
    """Read-only accessors over ``package_facts``."""

    __slots__ = ("_facts",)

    def __init__(self, facts: dict[str, Any]) -> None:
        self._facts = facts

    @property
    def name(self) -> str:
        name: str = self._facts["name"]
        return name

    @property
    def environments(self) -> dict[str, dict[str, Any]]:
        """Environment name -> the environment as the model dumps it (keys by alias)."""
        envs: dict[str, dict[str, Any]] = self._facts["environments"]
        return envs

    def env_class(self, env: str) -> str:
        cls: str = self.environments[env]["class"]
        return cls

    @property
    def app(self) -> dict[str, Any]:
        app: dict[str, Any] = self._facts["app"]
        return app

    @property
    def artifact(self) -> str | None:
        artifact: str | None = self._facts["artifact"]
        return artifact

    @property
    def files(self) -> list[tuple[str, str]]:
        """(template, entry path) of each ``package.files`` item, in spec order."""
        return [(template, path) for template, path in self._facts["files"]]

    @property
    def values(self) -> dict[str, dict[str, Any]]:
        values: dict[str, dict[str, Any]] = self._facts["values"]
        return values

    @property
    def secrets(self) -> list[str]:
        return list(self._facts["secrets"])

    @property
    def secret_style(self) -> str:
        style: str = self._facts["secretStyle"]
        return style


def package_spec(effective: EffectiveSpec) -> PackageSpec:
    """The packaging data of ``effective``: from the compiled-spec cache entry when it holds
    them, else from the model."""
    facts = effective.facts.get(FACTS_KEY)
    if facts is None:  # an entry stored without them
        facts = package_facts(effective.model)
    return PackageSpec(facts)


def env_values(effective: EffectiveSpec, env: str) -> dict[str, Any]:
    """``package.values.default`` overlaid by ``package.values.<env>``; a reserved name is a
    spec error."""
    from superspec.mappings import overlay

    values_of = package_spec(effective).values
    values = overlay(values_of.get("default", {}), values_of.get(env, {}))
    for key in RESERVED:
        if key in values:
            from superspec.errors import SpecError

            where = env if key in values_of.get(env, {}) else "default"
            raise SpecError(f"value name '{key}' is reserved (templates see env, app and secrets)",
                            location=effective.locate(("package", "values", where, key)))
    return values


def render_inputs(effective: EffectiveSpec, env: str, version: str | None) -> dict[str, Any]:
    """Everything a template of ``env`` sees, as plain data: the values, ``env``, ``app`` and
    the secrets' names and style (``package.render.context`` wraps it for jinja2)."""
    spec = package_spec(effective)
    app = spec.app
    return {
        "values": env_values(effective, env),
        "env": {"name": env, **spec.environments[env]},
        "app": {"name": spec.name, "image": app["image"], "version": version or app["version"],
                "port": app["port"], "health": app["health"],
                "replicas": app["replicas"].get(env, app["replicas"].get("default"))},
        "secrets": (spec.secrets, spec.secret_style),
    }


def values_digest(values: dict[str, Any]) -> str:
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
