"""The sandbox package templates run in: jinja2's immutable sandbox, whose ``secrets`` answers
declared names with their runtime reference and nothing else.

Every lookup on ``secrets`` (``secrets.X``, ``secrets['X']``, ``secrets|attr('X')``, a filter's
``attribute=`` argument) goes to Secrets.reference, never to Python's attributes, so
``secrets._names`` or ``secrets.__class__`` is an undeclared secret like any other name.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jinja2
from jinja2.filters import do_attr
from jinja2.sandbox import ImmutableSandboxedEnvironment

from superspec.package.templates import ProjectLoader


class UndeclaredSecret(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class Secrets:
    """``secrets.NAME`` -> the runtime reference for NAME. Every name a template asks for, in
    any form (``secrets._names``, ``secrets['__class__']``, ``secrets|attr('x')``), is looked
    up among the declared names and nowhere else; anything undeclared is an error."""

    __slots__ = ("_names", "_style")
    unsafe_callable = True  # the sandbox refuses ``secrets()``

    def __init__(self, names: list[str], style: str) -> None:
        self._names, self._style = frozenset(names), style

    def reference(self, name: object) -> str:
        if not isinstance(name, str) or name not in self._names:
            raise UndeclaredSecret(str(name))
        return self._style.replace("NAME", name)

    def __getattr__(self, name: str) -> str:  # filters that look up attributes directly
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # Python's own protocol lookups
        return self.reference(name)

    __getitem__ = reference

    def __iter__(self) -> Iterator[str]:
        raise jinja2.TemplateRuntimeError("secrets cannot be listed: name each one "
                                          "(secrets.NAME)")

    def __len__(self) -> int:
        raise jinja2.TemplateRuntimeError("secrets cannot be counted: name each one "
                                          "(secrets.NAME)")

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return "secrets"


class Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with ``secrets`` answered by Secrets.reference alone."""

    def __init__(self, project: Path) -> None:
        self.project_loader = ProjectLoader(str(project))
        super().__init__(loader=self.project_loader, undefined=jinja2.StrictUndefined,
                         keep_trailing_newline=True, autoescape=False)
        self.filters["attr"] = _attr
        self.policies["json.dumps_kwargs"] = {"sort_keys": True, "default": _json}
        self.random_used = False  # a rendering that drew a random value is not remembered
        self.filters["random"] = self._noting_random(self.filters["random"])
        self.globals["lipsum"] = self._noting_random(jinja2.utils.generate_lorem_ipsum)

    def _noting_random(self, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)  # keeps jinja2's pass_context mark
        def noted(*args: Any, **kwargs: Any) -> Any:
            self.random_used = True
            return function(*args, **kwargs)

        return noted

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Secrets):
            return obj.reference(attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, Secrets):
            return obj.reference(argument)
        return super().getitem(obj, argument)


@jinja2.pass_environment
def _attr(environment: jinja2.Environment, obj: Any, name: str) -> Any:
    if isinstance(obj, Secrets):
        return obj.reference(name)
    return do_attr(environment, obj, name)


def _json(obj: Any) -> Any:
    if isinstance(obj, Secrets):
        raise jinja2.TemplateRuntimeError("secrets cannot be serialised: name each one "
                                          "(secrets.NAME)")
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")
