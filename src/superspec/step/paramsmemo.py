"""Remember a step's validated params, so that ``superspec step NAME`` on an unchanged params
file runs without importing pydantic (the contract's models).

A memo is a signed file of the user cache (``superspec.cachefiles``) named after a sha256 over
superspec's version, the step's name, its params model (the registry's ``"module:Class"``) and
the params file's bytes. It holds the values the model produced (``model_dump()``, handed to the
runner as ``PlainValues``) and the code stamp of the run that validated them
(``spec.compiled.code_stamp``: superspec's and pydantic's modules, plus the model's own module),
and holds while that code is unchanged. Only a ``plain`` model's values that survive a JSON round
trip are remembered; params that ask for everything to be checked again (``"cache": false``) are
not, and ``SUPERSPEC_NO_SPEC_CACHE=1`` (or ``--no-cache``) bypasses the memo as it bypasses the
compiled-spec cache. The cache directory is used when it is trusted for the project of the spec
the params name, as for that spec's compiled entry. A forged, corrupt or stale memo is a miss,
never an error. Stdlib only.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from superspec import cachefiles

TYPE_CHECKING = False  # not typing's: importing typing costs ~5 ms
if TYPE_CHECKING:
    from typing import Any

    from superspec.plainvalues import PlainValues
    from superspec.step.contract import ParamsBase

FORMAT = "params-1"
DEFAULT_SPEC = "superspec.yaml"  # the params' spec when they name none (working-directory relative)


def lookup(name: str, raw: bytes, data: dict[str, Any]) -> PlainValues | None:
    """The remembered values of params ``raw`` (read as ``data``) of step ``name``, when a memo
    holds for them and the code installed now; else None. Never raises."""
    from superspec.spec import compiled

    model = _model_ref(name)
    if model is None or compiled.disabled():
        return None
    try:
        opened = _open(data)
        if opened is None:
            return None
        directory, secret = opened
        payload = cachefiles.read_signed_bytes(directory, secret, FORMAT, _name(name, model, raw))
        if payload is None:
            return None
        memo = json.loads(payload)
        if not compiled.code_unchanged([(f, size, mtime) for f, size, mtime in memo["code"]]):
            return None
        from superspec.plainvalues import PlainValues

        values = memo["values"]
        return PlainValues(memo["model"], values) if isinstance(values, dict) else None
    except Exception:  # noqa: BLE001 - a memo that cannot be read is a miss
        return None


def remember(name: str, raw: bytes, data: dict[str, Any], params: ParamsBase) -> None:
    """Remember what the model made of params ``raw`` (when it can stand in for the model).
    Never raises: a memo that cannot be written is no error."""
    from superspec.spec import compiled

    model = _model_ref(name)
    if model is None or compiled.disabled() or getattr(params, "cache", True) is False:
        return
    try:
        _remember(name, model, raw, data, params)
    except Exception:  # noqa: BLE001 - a cache that cannot remember is no error
        return


def _remember(name: str, model: str, raw: bytes, data: dict[str, Any],
              params: ParamsBase) -> None:
    from superspec.plainvalues import as_dict, model_name, values_of
    from superspec.spec import compiled

    values = values_of(params)
    if values is None:
        return
    # the model's own module too: a runner's params model may live outside superspec
    code = [list(stamp) for stamp in compiled.code_stamp([type(params).__module__])]
    opened = _open(data, create=True)
    if opened is None:
        return
    directory, secret = opened
    memo = {"model": model_name(values), "values": as_dict(values), "code": code}
    cachefiles.write_signed_bytes(directory, secret, FORMAT, _name(name, model, raw),
                                  json.dumps(memo).encode())


def _model_ref(name: str) -> str | None:
    from superspec.runners import registry

    runner = registry.get(name)
    return runner.params if runner is not None and isinstance(runner.params, str) else None


def _open(data: dict[str, Any], create: bool = False) -> tuple[Path, bytes] | None:
    """The cache, when trusted for the project of the spec the params name (the directory the
    compiled-spec cache checks for it)."""
    spec = data.get("spec", DEFAULT_SPEC)
    if not isinstance(spec, str):
        return None
    project = Path(os.path.dirname(os.path.realpath(spec)))
    return cachefiles.open_cache(project, create=create)


def _name(name: str, model: str, raw: bytes) -> str:
    from superspec import __version__

    digest = hashlib.sha256(json.dumps([FORMAT, __version__, name, model]).encode())
    digest.update(b"\n" + raw)
    return "params-" + digest.hexdigest()[:40]
