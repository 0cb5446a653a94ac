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
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docker
import docker.errors

from superspec import __version__
from superspec.errors import InputError, UsageError
from superspec.package.manifest import MANIFEST_ENTRY, ChangedEntry, Manifest
from superspec.package.render import Rendered
from superspec.package.runner import PackageResult, source_epoch
from superspec.package.verify import VerifyReport

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
    return Manifest.for_env(
        effective, env, version, base_kind="image", base_name=ref,
        base_sha256=base_id.removeprefix("sha256:"),
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


def verify_image(base_ref: str, packaged_ref: str) -> VerifyReport:
    """PACKAGED is BASE plus one layer holding only the manifest's files (layer digests prove
    every base layer unchanged)."""
    engine = client()
    base, packaged = _image(engine, base_ref), _image(engine, packaged_ref)
    report = VerifyReport(base_ref, packaged_ref)
    base_layers = base.attrs["RootFS"]["Layers"]
    layers = packaged.attrs["RootFS"]["Layers"]
    if layers[:len(base_layers)] != base_layers:
        report.problems.append("the package's layers do not start with the base's layers")
        return report
    if len(layers) != len(base_layers) + 1:
        report.problems.append(f"the package adds {len(layers) - len(base_layers)} layers to the "
                               "base; superspec package adds exactly one")
        return report
    report.unchanged = len(base_layers)
    files = _last_layer_files(packaged)
    manifests = [name for name in files if name.rpartition("/")[2] == MANIFEST_ENTRY]
    if len(manifests) != 1:
        report.problems.append(f"the added layer holds {len(manifests)} {MANIFEST_ENTRY} files; "
                               "expected one")
        return report
    root = manifests[0].rpartition("/")[0]
    try:
        manifest = Manifest.decode(files[manifests[0]])
    except (ValueError, KeyError, TypeError) as exc:
        report.problems.append(f"{MANIFEST_ENTRY} is not a valid manifest: {exc}")
        return report
    report.environment, report.changed = manifest.environment, manifest.entries
    if manifest.base_sha256 != base.id.removeprefix("sha256:"):
        report.problems.append(f"the package was made from image sha256:{manifest.base_sha256}, "
                               f"not {base.id}")
    listed = {(f"{root}/{e.path}" if root else e.path): e for e in manifest.entries}
    for name, data in sorted(files.items()):
        if name == manifests[0]:
            continue
        entry = listed.get(name)
        if entry is None:
            report.problems.append(f"the added layer changes {name!r}, which the manifest does "
                                   "not list")
        elif hashlib.sha256(data).hexdigest() != entry.sha256:
            report.problems.append(f"entry {entry.path!r} does not have the sha256 the manifest "
                                   "records")
    for name, entry in listed.items():
        if name not in files:
            report.problems.append(f"entry {entry.path!r} listed in the manifest is missing from "
                                   "the added layer")
    return report


def _image(engine: Any, ref: str) -> Any:
    try:
        return engine.images.get(ref)
    except docker.errors.ImageNotFound:
        raise InputError(f"image {ref!r} is not in the Docker engine") from None


def _last_layer_files(image: Any) -> dict[str, bytes]:
    """Regular files of the image's top layer (path without a leading '/' -> content); a
    whiteout (deletion) or a link is reported as a file so verify names it."""
    with tempfile.TemporaryFile() as saved:
        for chunk in image.save(named=False):
            saved.write(chunk)
        saved.seek(0)
        with tarfile.open(fileobj=saved) as outer:
            index = outer.extractfile("manifest.json")
            layers = json.load(index)[0]["Layers"] if index else []
            layer = outer.extractfile(layers[-1]) if layers else None
            if layer is None:
                raise InputError(f"cannot read the layers of image {image.id}")
            with tarfile.open(fileobj=layer) as inner:
                files = {}
                for member in inner.getmembers():
                    if member.isdir():
                        continue
                    content = inner.extractfile(member) if member.isreg() else None
                    name = member.name[2:] if member.name.startswith("./") else member.name
                    files[name.lstrip("/")] = content.read() if content else b""
                return files
