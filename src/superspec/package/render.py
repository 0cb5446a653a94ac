"""Render package.files templates for one environment.

Context (top-level names): the values of ``package.values.default`` overlaid key by key
(recursively) by ``package.values.<env>``; ``env`` (name, class and the rest of the environment);
``app`` (name, image, version, port, health, replicas for the environment); ``secrets.NAME``,
which renders a runtime reference in ``package.secretStyle`` and never a value. Templates run in
jinja2's immutable sandbox with StrictUndefined: they see the context and nothing else (no process
environment), so a secret's value cannot reach a packaged file.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2

from superspec.errors import InputError, Location, SpecError
from superspec.package.names import normalize, unsafe_reason
from superspec.package.sandbox import Sandbox, Secrets, UndeclaredSecret
from superspec.package.templates import TemplateRefused
from superspec.spec.layers import display_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.spec import EffectiveSpec

RESERVED = ("env", "app", "secrets")


@dataclass(frozen=True)
class Rendered:
    path: str  # entry path inside the artifact
    template: str  # as written in the spec
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def overlay(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = overlay(merged[key], value)
        else:
            merged[key] = value
    return merged


def env_values(effective: EffectiveSpec, env: str) -> dict[str, Any]:
    package = effective.model.package
    values = overlay(package.values.get("default", {}), package.values.get(env, {}))
    for key in RESERVED:
        if key in values:
            where = env if key in package.values.get(env, {}) else "default"
            raise SpecError(f"value name '{key}' is reserved (templates see env, app and secrets)",
                            location=effective.locate(("package", "values", where, key)))
    return values


def values_digest(values: dict[str, Any]) -> str:
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def context(effective: EffectiveSpec, env: str, version: str | None) -> dict[str, Any]:
    model = effective.model
    environment = model.environments[env].model_dump(by_alias=True, mode="json")
    app = model.app
    replicas = app.replicas.get(env, app.replicas.get("default"))
    return {
        **env_values(effective, env),
        "env": {"name": env, **environment},
        "app": {"name": model.name, "image": app.image, "version": version or app.version,
                "port": app.port, "health": app.health, "replicas": replicas},
        "secrets": Secrets(model.package.secrets, model.package.secret_style),
    }


class Renderer:
    """One sandboxed jinja2 environment over the project directory, shared by every env."""

    def __init__(self, effective: EffectiveSpec) -> None:
        self.effective = effective
        # the directory the spec lies in, links resolved (not the spec file's own link target)
        self.project = Path(os.path.realpath(Path(effective.path).parent))
        style = effective.model.package.secret_style
        if "NAME" not in style:
            raise SpecError("secretStyle must contain the token NAME (e.g. '${NAME}')",
                            location=effective.locate(("package", "secretStyle")))
        self.jinja = Sandbox(self.project)
        self.templates = [self._load(i) for i in range(len(effective.model.package.files))]

    def _load(self, index: int) -> tuple[str, str, jinja2.Template]:
        spec = self.effective.model.package.files[index]
        key = ("package", "files", str(index))
        reason = unsafe_reason(spec.path) or _dot_component(normalize(spec.path))
        if reason or spec.path.endswith("/"):
            raise SpecError(f"unsafe entry path {spec.path!r} ({reason or 'a directory'})",
                            location=self.effective.locate(key + ("path",)))
        if unsafe_reason(spec.template):
            raise SpecError(f"template {spec.template!r} must be a path inside the project "
                            f"directory {self.project}",
                            location=self.effective.locate(key + ("template",)))
        file = display_path(self.project / spec.template)
        try:
            template = self.jinja.get_template(spec.template)
        except jinja2.TemplateNotFound:
            raise InputError(f"template not found: {file}",
                             location=self.effective.locate(key + ("template",))) from None
        except TemplateRefused as exc:
            raise InputError(exc.message,
                             location=self.effective.locate(key + ("template",))) from None
        except jinja2.TemplateSyntaxError as exc:
            raise InputError(f"template syntax error: {exc.message}",
                             location=Location(file, exc.lineno)) from None
        return normalize(spec.path), spec.template, template

    def render(self, env: str, version: str | None) -> list[Rendered]:
        ctx = context(self.effective, env, version)
        return [Rendered(path, name, self._render(template, name, ctx, env))
                for path, name, template in self.templates]

    def _render(self, template: jinja2.Template, name: str, ctx: dict[str, Any], env: str) -> bytes:
        file, source = display_path(self.project / name), template.filename
        try:
            return template.render(ctx).encode("utf-8")
        except TemplateRefused as exc:
            raise InputError(exc.message,
                             location=Location(file, _line(exc.__traceback__, source))) from None
        except UndeclaredSecret as exc:
            declared = ", ".join(self.effective.model.package.secrets) or "none"
            raise InputError(f"secret '{exc.name}' is not declared in package.secrets "
                             f"(declared: {declared})",
                             location=Location(file, _line(exc.__traceback__, source))) from None
        except jinja2.UndefinedError as exc:
            raise InputError(f"undefined name in template for environment '{env}': {exc.message}",
                             location=Location(file, _line(exc.__traceback__, source))) from None
        except jinja2.TemplateError as exc:
            raise InputError(f"template error for environment '{env}': {exc}",
                             location=Location(file, _line(exc.__traceback__, source))) from None
        except RecursionError as exc:
            raise InputError(f"template error for environment '{env}': templates include or "
                             "extend each other without end",
                             location=Location(file, _line(exc.__traceback__, source))) from None


def _line(tb: TracebackType | None, file: str | None) -> int | None:
    """The template line the error happened on (jinja2 rewrites tracebacks to template lines)."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == file:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _dot_component(path: str) -> str | None:
    """An entry path must name one entry: no empty or '.' component ('a//b', 'a/./b')."""
    return "empty or '.' component" if any(p in ("", ".") for p in path.split("/")) else None
