"""The layered spec: load (YAML with lines) -> chain -> merge (locks, provenance) -> validate."""

from superspec.spec.effective import EffectiveSpec, load_spec
from superspec.spec.layers import layer_dirs_from
from superspec.spec.merge import Origin
from superspec.spec.models import Spec
from superspec.spec.stages import stage_order

__all__ = ["EffectiveSpec", "Origin", "Spec", "layer_dirs_from", "load_spec", "stage_order"]
