"""One jinja2 Environment renders every target; company template directories come first.

With override directories, every template, built-in or override, renders in jinja2's immutable
sandbox: a template sees the plan and the filters, and cannot reach Python internals, the
process or its environment. Output rendered with overrides is checked against the plan
(``conformance``) before it is used. The built-in templates alone (superspec's own code, spec
values reaching them only as data through the quoting filters) render without the sandbox's
per-attribute checks, and a stage they render is kept for the run: the same stage (a company
stage every project of a fleet shares) is rendered once.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from superspec.errors import Location, SpecError
from superspec.paths import display_path
from superspec.render import gitlab
from superspec.render.filters import FILTERS
from superspec.render.plan import Plan, Stage
from superspec.resources import templates_dir

TARGETS = {"jenkins": "Jenkinsfile", "gitlab": ".gitlab-ci.yml"}
# what a template's own expressions can raise (1/0, a missing index, a range past the sandbox's
# limit...): the template's fault, reported at its file and line
TEMPLATE_FAILURES = (jinja2.TemplateError, ArithmeticError, LookupError, TypeError, ValueError)


class Environments:
    """One Environment per distinct override chain, for the length of one run (a fleet shares
    compiled templates; a later run sees template files added since)."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, ...], jinja2.Environment] = {}

    def __reduce__(self) -> tuple[type[Environments], tuple[()]]:
        """A worker process that is sent the run's Environments compiles its own templates."""
        return (Environments, ())

    def get(self, override_dirs: Sequence[str] = ()) -> jinja2.Environment:
        key = tuple(override_dirs)
        env = self._cache.get(key)
        if env is None:
            env = self._cache[key] = environment(key)
        return env


class Sandbox(ImmutableSandboxedEnvironment):
    """jinja2's immutable sandbox, remembering its verdict on each attribute of each type.

    The verdict (``is_safe_attribute``) depends only on the attribute's name and isinstance
    tests of the object (function, method, type, frame..., mutable list/dict/set/deque), that
    is on the object's class; the value is not consulted. A fleet's rendering reads the same few
    hundred (class, attribute) pairs hundreds of thousands of times; each is judged once per
    Environment.
    Objects that report a ``__class__`` other than their type are judged every time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._verdicts: dict[tuple[type, str], bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        cls = type(obj)
        if obj.__class__ is not cls:
            return super().is_safe_attribute(obj, attr, value)
        key = (cls, attr)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = super().is_safe_attribute(obj, attr, value)
        return verdict


# the built-in partials that render one stage; what they read: the stage, and for Jenkins the
# plan's Jenkins settings (agent, library)
STAGE_PARTIALS = {"jenkins/stage.j2": "jenkins", "gitlab/job.yml.j2": "gitlab"}


def environment(override_dirs: tuple[str, ...] = ()) -> jinja2.Environment:
    """The Environment searching ``override_dirs`` (in order) before the built-in templates."""
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(d) for d in override_dirs]
    loaders.append(jinja2.FileSystemLoader(str(templates_dir())))
    env = (Sandbox if override_dirs else jinja2.Environment)(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # an Environment lives for one run (see Environments)
    )
    env.filters.update(FILTERS)
    # per-stage overrides present in the override directories (listed once, not per stage)
    stage_overrides = frozenset(
        name for loader in loaders[:-1] for name in loader.list_templates()
        if name.startswith(("jenkins/stages/", "gitlab/jobs/"))
    )

    def stage_templates(target: str, stage: Stage) -> str:
        """A company may replace one stage's rendering: ``jenkins/stages/<id>.j2`` or
        ``gitlab/jobs/<id>.yml.j2``; otherwise the generic partial renders it."""
        if target == "jenkins":
            override, default = f"jenkins/stages/{stage.id}.j2", "jenkins/stage.j2"
        else:
            override, default = f"gitlab/jobs/{stage.id}.yml.j2", "gitlab/job.yml.j2"
        return override if override in stage_overrides else default

    # built-in templates only: a stage's text is a function of the stage and the Jenkins
    # settings, kept for the run
    rendered: dict[tuple[Any, ...], str] | None = None if override_dirs else {}

    @jinja2.pass_context
    def stage_text(context: jinja2.runtime.Context, target: str, stage: Stage) -> str:
        """What ``{% include stage_templates(target, stage) %}`` renders."""
        name = stage_templates(target, stage)
        key = None
        if rendered is not None and name in STAGE_PARTIALS:
            key = (name, stage, context["plan"].jenkins if target == "jenkins" else None)
            text = rendered.get(key)
            if text is not None:
                return text
        text = env.get_template(name).render({**context.get_all(), "stage": stage})
        if key is not None and rendered is not None:
            rendered[key] = text
        return text

    env.globals["stage_templates"] = stage_templates
    env.globals["stage_text"] = stage_text
    env.globals["gitlab_job"] = gitlab.job
    return env


def override_files(override_dirs: Sequence[str], target: str) -> list[str]:
    """The override template files of ``target`` (they replace built-ins or render stages)."""
    found: dict[str, str] = {}
    for directory in override_dirs:
        for name in jinja2.FileSystemLoader(directory).list_templates():
            if name.startswith(f"{target}/"):
                found.setdefault(name, os.path.join(directory, name))
    return [display_path(Path(path)) for path in found.values()]


def header_lines(plan: Plan, regenerate: str) -> list[str]:
    return [
        f"Generated by superspec {plan.version} from {plan.spec_file}. Do not edit: "
        "changes are overwritten.",
        f"Effective spec digest: sha256:{plan.digest}",
        f"Regenerate: {regenerate}   Verify: {regenerate} --check",
    ]


def render(target: str, plan: Plan, override_dirs: Sequence[str] = (),
           regenerate: str = "superspec generate",
           environments: Environments | None = None) -> str:
    """The text of one generated file for ``target`` (jenkins | gitlab)."""
    env = (environments or Environments()).get(override_dirs)
    template = env.get_template(f"{target}/{TARGETS[target].lstrip('.')}.j2")
    context = {"plan": plan, "header": header_lines(plan, regenerate)}
    if target == "gitlab":
        context["preamble"] = gitlab.preamble(plan)
    try:
        text = template.render(context)
    except jinja2.TemplateSyntaxError as exc:
        where = Location(display_path(Path(exc.filename)) if exc.filename else exc.name or "?",
                         exc.lineno)
        raise SpecError(f"template syntax error: {exc.message}", location=where) from None
    except TEMPLATE_FAILURES as exc:
        raise SpecError(f"template error while rendering {TARGETS[target]}: {exc}",
                        location=_template_location(exc)) from None
    if override_dirs:
        from superspec.render import conformance  # YAML and Groovy parsing: overrides only

        conformance.check(target, text, plan, override_files(override_dirs, target))
    return text


def _template_location(exc: BaseException) -> Location | None:
    """The template file and line an error was raised at (jinja2 maps tracebacks to them)."""
    tb, where = exc.__traceback__, None
    while tb is not None:
        file = tb.tb_frame.f_code.co_filename
        if file.endswith(".j2"):
            where = Location(display_path(Path(file)), tb.tb_lineno)
        tb = tb.tb_next
    return where
