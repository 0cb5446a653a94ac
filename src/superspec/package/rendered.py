"""A rendered file of ``package.files``, and the secretStyle check (without jinja2: a spec with
no templates to render never imports it; ``package.render`` holds the renderer)."""

from __future__ import annotations

import hashlib

from superspec.records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.spec import EffectiveSpec


class Rendered(Record):
    path: str  # entry path inside the artifact
    template: str  # as written in the spec
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def check_secret_style(effective: EffectiveSpec, style: str) -> None:
    if "NAME" not in style:
        from superspec.errors import SpecError

        raise SpecError("secretStyle must contain the token NAME (e.g. '${NAME}')",
                        location=effective.locate(("package", "secretStyle")))
