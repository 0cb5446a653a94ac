"""The one registry of runners: what a stage's ``run:`` may name.

A **step runner** is run by superspec itself: ``superspec <name>`` and ``superspec step <name>``
(the JSON contract the Jenkins shared library calls), with a params model and an adapter. A
**commands runner** (build, test, script) is the stage's own shell commands, rendered into the
pipeline as they are. Everything that lists runners derives from here: the values ``run:``
accepts and the spec's JSON Schema, the step contract (names, params union, published schemas),
the CLI commands, the planner (which stages call superspec, which deploy), and a test holds the
shared library's Groovy step whitelist to it.

Adding a runner = one folder for its code (its params model, in ``stepparams``, apart from its
adapter so that a run from the params memo imports no pydantic) + one ``Runner(...)`` in
``BUILTIN``. References are ``"module:attribute"`` strings, imported only when used, so
listing the runners costs nothing at start-up. Stdlib only.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Runner:
    name: str
    summary: str  # one line, for --help and the docs
    step: bool = True  # run by superspec (True), or the stage's shell commands (False)
    params: str | None = None  # "module:Class": the step's params model (a contract ParamsBase)
    # "module:function" (or the function): (StepContext, params) -> Verdict; None: not available
    # in this version (the step checks its params, then fails with "runner ... is not available")
    adapter: str | Callable[..., Any] | None = None
    command: str | None = None  # "module:attr": its click command; None: a generic command
    needs_env: bool = False  # targets one environment (the package stage packages for it)
    can_pause: bool = False  # may answer paused-for-approval (exit 5)
    can_roll_back: bool = False  # may answer rolled-back (exit 4)


BUILTIN: tuple[Runner, ...] = (
    Runner("enforce", "Run the spec's enforce rules on the project.",
           params="superspec.enforce.stepparams:EnforceParams",
           adapter="superspec.enforce.step:run",
           command="superspec.cli.enforce:enforce"),
    Runner("build", "The build tool's build command (build.commands.build).", step=False),
    Runner("test", "The build tool's test command (build.commands.test).", step=False),
    Runner("package", "Configure the built artifact per environment.",
           params="superspec.package.stepparams:PackageParams",
           adapter="superspec.package.step:run",
           command="superspec.cli.package:package"),
    Runner("deploy", "Deploy the packaged application to one environment.",
           params="superspec.env.stepparams:DeployParams", adapter="superspec.env.step:run",
           command="superspec.cli.deploy:deploy", needs_env=True),
    Runner("release", "Release to one environment with the spec's strategy (blue-green, "
                      "rolling, canary), gates, approval and rollback.",
           params="superspec.release.stepparams:ReleaseParams",
           adapter="superspec.release.step:run",
           command="superspec.cli.release:release", needs_env=True, can_pause=True,
           can_roll_back=True),
    Runner("script", "The stage's own `script:` commands.", step=False),
)

_RUNNERS: dict[str, Runner] = {runner.name: runner for runner in BUILTIN}
# what the functions below derive from _RUNNERS (the planner asks dozens of times per project);
# emptied whenever the registry changes
_derived: dict[str, tuple[Any, ...]] = {}


def names() -> tuple[str, ...]:
    """Every runner ``run:`` may name, in registration order."""
    return tuple(_RUNNERS)


def get(name: str) -> Runner | None:
    return _RUNNERS.get(name)


def step_runners() -> tuple[Runner, ...]:
    """The runners superspec runs (``superspec <name>``, ``superspec step <name>``)."""
    return _derive("step", lambda: tuple(r for r in _RUNNERS.values() if r.step))


def step_names() -> tuple[str, ...]:
    return _derive("step names", lambda: tuple(runner.name for runner in step_runners()))


def deploying() -> tuple[str, ...]:
    """The runners that target one environment (deploy, release)."""
    return _derive("deploying", lambda: tuple(r.name for r in _RUNNERS.values() if r.needs_env))


def _derive(key: str, make: Callable[[], tuple[Any, ...]]) -> tuple[Any, ...]:
    found = _derived.get(key)
    if found is None:
        found = _derived[key] = make()
    return found


def load(reference: str | Callable[..., Any]) -> Any:
    """The object a ``"module:attribute"`` reference names (imported now)."""
    if callable(reference):
        return reference
    module, _, attribute = reference.partition(":")
    return getattr(importlib.import_module(module), attribute)


@contextmanager
def registered(runner: Runner, *, replace: bool = False) -> Iterator[Runner]:
    """``runner`` is part of the registry inside the block (plugins, tests); with ``replace``
    it stands in for the runner of the same name, which is restored afterwards."""
    before = _RUNNERS.get(runner.name)
    if before is not None and not replace:
        raise ValueError(f"runner '{runner.name}' is already registered")
    _RUNNERS[runner.name] = runner
    _derived.clear()
    try:
        yield runner
    finally:
        if before is None:
            del _RUNNERS[runner.name]
        else:
            _RUNNERS[runner.name] = before
        _derived.clear()
