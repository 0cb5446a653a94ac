"""The jinja2 loader of package templates: from the project directory and nowhere else (see
``templatefiles``), remembering what each name read to (for the render cache)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

import jinja2

from superspec.package.templatefiles import TemplateRefused, read_template


class ProjectLoader(jinja2.BaseLoader):
    """Templates by '/'-separated name relative to the project directory. ``read`` maps every
    name asked for to the sha256 of what it read, or None when there was no such file."""

    def __init__(self, project: str) -> None:
        self.root = os.path.realpath(project)
        self.read: dict[str, str | None] = {}

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        data = read_template(self.root, template)
        self.read[template] = None if data is None else hashlib.sha256(data).hexdigest()
        if data is None:
            raise jinja2.TemplateNotFound(template)
        try:
            source = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TemplateRefused(f"template {template!r} is not UTF-8 text ({exc.reason} at "
                                  f"byte {exc.start})") from None
        return source, os.path.normpath(os.path.join(self.root, template)), lambda: True
