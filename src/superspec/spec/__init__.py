"""The layered spec: load (YAML with lines) -> chain -> merge (locks, provenance) -> validate.

The names below are imported on first use, so that a spec answered by the compiled-spec cache
(``spec.compiled``) imports neither YAML nor pydantic.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from superspec.spec.effective import EffectiveSpec, load_spec
    from superspec.spec.layers import layer_dirs_from
    from superspec.spec.merge import Origin
    from superspec.spec.models import Spec
    from superspec.spec.stages import stage_order

_WHERE = {
    "EffectiveSpec": "superspec.spec.effective",
    "load_spec": "superspec.spec.effective",
    "layer_dirs_from": "superspec.spec.layers",
    "Origin": "superspec.spec.merge",
    "Spec": "superspec.spec.models",
    "stage_order": "superspec.spec.stages",
}

__all__ = ["EffectiveSpec", "Origin", "Spec", "layer_dirs_from", "load_spec", "stage_order"]


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'superspec.spec' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
