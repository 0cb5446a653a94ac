"""Rendering: spec -> one pipeline plan -> Jenkinsfile and .gitlab-ci.yml (jinja2 templates)."""

from superspec.render.generate import Options, ProjectResult, generate
from superspec.render.plan import Plan
from superspec.render.planner import build_plan

__all__ = ["Options", "Plan", "ProjectResult", "build_plan", "generate"]
