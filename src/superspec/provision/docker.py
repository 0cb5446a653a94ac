"""The Docker engine adapter (the only module that imports docker).

Packaging an image adds exactly one layer on top of the built image: a generated build context
holds the rendered files and the manifest, its Dockerfile is ``FROM <base image id>`` plus one
``COPY``, and the digests travel as labels passed through the API (never through Dockerfile
text). The result is tagged ``name:tag-<env>`` (``name:<env>`` when REF has no tag).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
import docker.errors

from superspec import __version__
from superspec.errors import InputError, UsageError
from superspec.package.manifest import MANIFEST_ENTRY, ChangedEntry, Manifest
from superspec.package.render import Rendered, env_values, values_digest
from superspec.package.runner import PackageResult, source_epoch

LABEL = "org.superspec.package."
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def env_tag(ref: str, env: str) -> str:
    """``name:tag`` -> ``name:tag-<env>``; ``name`` -> ``name:<env>``."""
    if "@" in ref:
        raise UsageError(f"--image {ref}: give a name[:tag], not a digest reference")
    name, sep, tag = ref.rpartition(":")
    if not sep or "/" in tag:
        name, tag = ref, ""
    new = f"{tag}-{env}" if tag else env
    if not _TAG.match(new):
        raise UsageError(f"'{new}' is not a valid image tag (from --image {ref} and env {env})")
    return f"{name}:{new}"


def client() -> Any:
    try:
        engine = docker.from_env()
        engine.ping()
    except docker.errors.DockerException as exc:
        where = os.environ.get("DOCKER_HOST", "the default socket")
        raise InputError(f"cannot reach the Docker engine at {where}: {exc}") from None
    return engine


def package_image(effective: Any, ref: str, rendered: dict[str, list[Rendered]],
                  version: str | None, say: Callable[[str], None]) -> list[PackageResult]:
    engine = client()
    try:
        base = engine.images.get(ref)
    except docker.errors.ImageNotFound:
        raise InputError(f"image {ref!r} is not in the Docker engine; build it first") from None
    root = (base.attrs.get("Config") or {}).get("WorkingDir") or "/"
    tags = {env: env_tag(ref, env) for env in rendered}
    results = []
    for env, files in rendered.items():
        manifest = _manifest(effective, env, version, ref, base.id, files)
        data = manifest.encode()
        labels = {
            LABEL + "environment": env,
            LABEL + "base-image": base.id,
            LABEL + "values-digest": manifest.values_digest,
            LABEL + "manifest-digest": "sha256:" + hashlib.sha256(data).hexdigest(),
            LABEL + "spec-digest": manifest.spec_digest,
            LABEL + "superspec-version": __version__,
        }
        image = _build(engine, base.id, root, files, data, labels, tags[env])
        say(f"packaged {env}: image {tags[env]} ({image.id[:19]}, {len(files)} file(s) "
            f"in one layer at {root})")
        results.append(PackageResult(
            env, "image", ref, base.id.removeprefix("sha256:"), tags[env], None, manifest.entries,
            image={"id": image.id, "tag": tags[env], "root": root, "labels": labels,
                   "layers": len(image.attrs["RootFS"]["Layers"])}))
    return results


def _manifest(effective: Any, env: str, version: str | None, ref: str, base_id: str,
              files: list[Rendered]) -> Manifest:
    model = effective.model
    return Manifest(
        environment=env, environment_class=model.environments[env].class_, app=model.name,
        version=version or model.app.version, base_kind="image", base_name=ref,
        base_sha256=base_id.removeprefix("sha256:"), spec_digest=effective.digest,
        values_digest=values_digest(env_values(effective, env)),
        secrets=list(model.package.secrets), secret_style=model.package.secret_style,
        entries=[ChangedEntry(f.path, "layered", f.template, f.sha256, len(f.data))
                 for f in files])


def _build(engine: Any, base_id: str, root: str, files: list[Rendered], manifest: bytes,
           labels: dict[str, str], tag: str) -> Any:
    epoch = source_epoch()
    with tempfile.TemporaryDirectory(prefix="superspec-image-") as context:
        tree = Path(context, "files")
        for path, data in [(f.path, f.data) for f in files] + [(MANIFEST_ENTRY, manifest)]:
            target = tree / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            os.chmod(target, 0o644)
        for item in sorted(tree.rglob("*"), reverse=True) + [tree]:
            os.utime(item, (epoch, epoch), follow_symlinks=False)
        dest = root.rstrip("/") + "/"
        dockerfile = f"FROM {base_id}\nCOPY {json.dumps(['files/', dest])}\n"
        Path(context, "Dockerfile").write_text(dockerfile)
        try:
            image, _ = engine.images.build(path=context, tag=tag, labels=labels, rm=True,
                                           forcerm=True, pull=False, network_mode="none")
        except docker.errors.BuildError as exc:
            log = "".join(str(item.get("stream", item.get("error", ""))) for item in exc.build_log)
            raise InputError(f"building {tag} failed: {exc.msg}\n{log.strip()}") from None
        except docker.errors.APIError as exc:
            raise InputError(f"building {tag} failed: {exc.explanation or exc}") from None
    return image
