"""The built-in rules' options models: each option's type, default and checks, in one place.

A rule reads them as ``Options`` (``optionsref.OptionsModel``). Every model is ``plain``: the
rules read only the values, so a run hands them ``PlainValues`` (``superspec.plainvalues``).
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import AfterValidator, Field, field_validator, model_validator

from superspec.enforce import patterns
from superspec.enforce.ruleoptions import RuleOptions
from superspec.enforce.rules.osinfo import FAMILIES
from superspec.enforce.rules.toolranges import matcher, wanted

Patterns = Annotated[list[str], AfterValidator(patterns.validate)]


class Plain(RuleOptions):
    plain: ClassVar[bool] = True


class BanDuplicateClassesOptions(Plain):
    ignore_when_identical: bool = False
    ignore_classes: list[str] = []
    scopes: list[str] = []
    find_all_duplicates: bool = True  # accepted for compatibility: every duplicate is listed
    message: str | None = None


class BannedDependenciesOptions(Plain):
    excludes: Patterns = []
    includes: Patterns = []
    search_transitive: bool = True
    message: str | None = None


class DependencyConvergenceOptions(Plain):
    unique_versions: bool = False
    includes: Patterns = []  # extension (later Enforcer versions have them)
    excludes: Patterns = []
    message: str | None = None


class RequireFilesExistOptions(Plain):
    files: list[str] = Field(min_length=1)
    allow_nulls: bool = False
    message: str | None = None


class RequireOSOptions(Plain):
    family: str | None = None
    name: str | None = None
    arch: str | None = None
    version: str | None = None
    display: bool = False
    message: str | None = None

    @field_validator("family")
    @classmethod
    def _family(cls, value: str | None) -> str | None:
        if value and value.lstrip("!").lower() not in FAMILIES:
            raise ValueError(f"invalid family '{value}' (valid: {', '.join(FAMILIES)})")
        return value

    @model_validator(mode="after")
    def _some(self) -> RequireOSOptions:
        if not any((self.family, self.name, self.arch, self.version)):
            raise ValueError("set at least one of family, name, arch, version")
        return self


class RequireReleaseDepsOptions(Plain):
    only_when_release: bool = False
    fail_when_parent_is_snapshot: bool = True
    search_transitive: bool = True
    excludes: Patterns = []
    includes: Patterns = []
    allow_ranges: bool = False  # extension: accept npm ranges / unpinned Python requirements
    message: str | None = None


class RequireToolVersionOptions(Plain):
    java: str | None = None
    maven: str | None = None
    gradle: str | None = None
    python: str | None = None
    node: str | None = None
    npm: str | None = None
    go: str | None = None
    message: str | None = None

    @field_validator("java", "maven", "gradle", "python", "node", "npm", "go")
    @classmethod
    def _valid(cls, value: str | None, info: object) -> str | None:
        if value is not None:
            matcher(getattr(info, "field_name", ""), value)
        return value

    @model_validator(mode="after")
    def _some(self) -> RequireToolVersionOptions:
        if not wanted(self):
            raise ValueError("name at least one tool: java, maven, gradle, python, node, "
                             "npm, go")
        return self


class RequireUpperBoundDepsOptions(Plain):
    unique_versions: bool = False
    excludes: list[str] = []
    includes: list[str] = []
    message: str | None = None
