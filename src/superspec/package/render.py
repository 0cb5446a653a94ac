"""Render package.files templates for one environment.

Context (top-level names): the values of ``package.values.default`` overlaid key by key
(recursively) by ``package.values.<env>``; ``env`` (name, class and the rest of the environment);
``app`` (name, image, version, port, health, replicas for the environment); ``secrets.NAME``,
which renders a runtime reference in ``package.secretStyle`` and never a value. Templates run in
jinja2's immutable sandbox with StrictUndefined: they see the context and nothing else (no process
environment), so a secret's value cannot reach a packaged file.

A value the spec leaves unset (``env.url``, ``app.version``) is ``Unset``: false in ``{% if %}``,
not ``defined``, replaced by ``| default(...)``, and an error naming the template line wherever
it would be written out (never the text ``None``). Every failure of a template (syntax, an
undefined name, ``{{ 1/0 }}``, ``{{ "a" + 1 }}``) is an error naming the template file and line.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2

from superspec.errors import InputError, Location, SpecError
from superspec.package.names import normalize, unsafe_reason
from superspec.package.rendered import Rendered, check_secret_style
from superspec.package.sandbox import Sandbox, Secrets, UndeclaredSecret
from superspec.package.specdata import (
    RESERVED,
    env_values,
    package_spec,
    render_inputs,
    values_digest,
)
from superspec.package.templatefiles import TemplateRefused
from superspec.paths import display_path

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.spec import EffectiveSpec

# what a template's own expressions can raise (1/0, "a" + 1, a missing index...): the template's
# fault, reported at its file and line (as for the pipeline templates, superspec.render.engine)
TEMPLATE_FAILURES = (jinja2.TemplateError, ArithmeticError, LookupError, TypeError, ValueError)


class UnsetValue(jinja2.UndefinedError):
    """A template wrote out a value the spec leaves unset."""


class Unset(jinja2.StrictUndefined):
    """A value the spec leaves unset: false in ``{% if %}``, replaced by ``| default(...)``, and
    an error (UnsetValue, naming the value) when written out or used in any other way."""

    __slots__ = ()

    def __init__(self, dotted: str) -> None:
        super().__init__(hint=f"{dotted} is not set in the spec (set it, or write "
                              f"'{dotted} | default(...)' in the template)",
                         name=dotted, exc=UnsetValue)

    def __bool__(self) -> bool:  # type: ignore[override]  # StrictUndefined's always raises
        return False


def unset_as_undefined(value: Any, dotted: str) -> Any:
    """``value`` with every None in its mappings (at any depth) replaced by ``Unset``."""
    if isinstance(value, dict):
        return {key: Unset(f"{dotted}.{key}") if item is None
                else unset_as_undefined(item, f"{dotted}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [unset_as_undefined(item, f"{dotted}[{index}]")
                for index, item in enumerate(value)]
    return value


__all__ = ["RESERVED", "Rendered", "Renderer", "context", "env_values", "values_digest"]


def context(effective: EffectiveSpec, env: str, version: str | None) -> dict[str, Any]:
    inputs = render_inputs(effective, env, version)
    return {
        **inputs["values"],
        "env": unset_as_undefined(inputs["env"], "env"),
        "app": unset_as_undefined(inputs["app"], "app"),
        "secrets": Secrets(*inputs["secrets"]),
    }


class Renderer:
    """One sandboxed jinja2 environment over the project directory, shared by every env."""

    def __init__(self, effective: EffectiveSpec) -> None:
        self.effective = effective
        # the directory the spec lies in, links resolved (not the spec file's own link target)
        self.project = Path(os.path.realpath(Path(effective.path).parent))
        self.spec = package_spec(effective)
        check_secret_style(effective, self.spec.secret_style)
        self.jinja = Sandbox(self.project)
        dumps = self.jinja.policies["json.dumps_kwargs"]
        self.jinja.policies["json.dumps_kwargs"] = {**dumps, "default": _json(dumps.get("default"))}
        self.templates = [self._load(i, *file) for i, file in enumerate(self.spec.files)]

    def _load(self, index: int, template_name: str,
              entry_path: str) -> tuple[str, str, jinja2.Template]:
        key = ("package", "files", str(index))
        reason = unsafe_reason(entry_path) or _dot_component(normalize(entry_path))
        if reason or entry_path.endswith("/"):
            raise SpecError(f"unsafe entry path {entry_path!r} ({reason or 'a directory'})",
                            location=self.effective.locate(key + ("path",)))
        if unsafe_reason(template_name):
            raise SpecError(f"template {template_name!r} must be a path inside the project "
                            f"directory {self.project}",
                            location=self.effective.locate(key + ("template",)))
        file = display_path(self.project / template_name)
        try:
            template = self.jinja.get_template(template_name)
        except jinja2.TemplateNotFound:
            raise InputError(f"template not found: {file}",
                             location=self.effective.locate(key + ("template",))) from None
        except TemplateRefused as exc:
            raise InputError(exc.message,
                             location=self.effective.locate(key + ("template",))) from None
        except jinja2.TemplateSyntaxError as exc:
            raise InputError(f"template syntax error: {exc.message}",
                             location=Location(file, exc.lineno)) from None
        return normalize(entry_path), template_name, template

    def render(self, env: str, version: str | None) -> list[Rendered]:
        ctx = context(self.effective, env, version)
        return [Rendered(path, name, self._render(template, name, ctx, env))
                for path, name, template in self.templates]

    def _render(self, template: jinja2.Template, name: str, ctx: dict[str, Any], env: str) -> bytes:
        try:
            return template.render(ctx).encode("utf-8")
        except TemplateRefused as exc:
            raise InputError(exc.message, location=self._where(exc, name)) from None
        except UndeclaredSecret as exc:
            declared = ", ".join(self.spec.secrets) or "none"
            raise InputError(f"secret '{exc.name}' is not declared in package.secrets "
                             f"(declared: {declared})", location=self._where(exc, name)) from None
        except UnsetValue as exc:
            raise InputError(f"unset value in template for environment '{env}': {exc.message}",
                             location=self._where(exc, name)) from None
        except jinja2.UndefinedError as exc:
            raise InputError(f"undefined name in template for environment '{env}': {exc.message}",
                             location=self._where(exc, name)) from None
        except jinja2.TemplateSyntaxError as exc:  # in a template it includes
            raise InputError(f"template syntax error: {exc.message}",
                             location=self._where(exc, name)) from None
        except TEMPLATE_FAILURES as exc:
            raise InputError(f"template error for environment '{env}': {exc}",
                             location=self._where(exc, name)) from None
        except RecursionError as exc:
            raise InputError(f"template error for environment '{env}': templates include or "
                             "extend each other without end",
                             location=self._where(exc, name)) from None

    def _where(self, exc: BaseException, name: str) -> Location:
        """The template file and line ``exc`` was raised at: the innermost template of the
        traceback (jinja2 maps it to template lines), so an error in an included template names
        that template. Templates that include each other without end are named where the
        first include is: the innermost of an endless chain says nothing."""
        root = str(self.project) + os.sep
        file: str | None = None
        line: int | None = None
        tb: TracebackType | None = exc.__traceback__
        while tb is not None:
            code = tb.tb_frame.f_code
            if code.co_filename.startswith(root) and not code.co_filename.endswith(".py"):
                file, line = code.co_filename, tb.tb_lineno
                if isinstance(exc, RecursionError):
                    break
            tb = tb.tb_next
        if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
            file, line = exc.filename, exc.lineno
        return Location(display_path(file or self.project / name), line)


def _json(fallback: Any) -> Any:
    """``tojson`` writes an unset value as null, and leaves everything else to ``fallback``."""
    def default(obj: Any) -> Any:
        if isinstance(obj, jinja2.Undefined):
            return None
        if fallback is None:
            raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")
        return fallback(obj)

    return default


def _dot_component(path: str) -> str | None:
    """An entry path must name one entry: no empty or '.' component ('a//b', 'a/./b')."""
    return "empty or '.' component" if any(p in ("", ".") for p in path.split("/")) else None
