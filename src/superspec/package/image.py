"""Packaging a container image: exactly one layer on top of the built image.

The layer holds the rendered files and the manifest at the image's working directory; the digests
travel as labels. The result is tagged ``name:tag-<env>`` (``name:<env>`` when REF has no tag).
Pure apart from the engine it is handed (``engine.docker.DockerEngine``), so the checks and the
manifest are the same as for archives and the engine can be replaced in tests.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from superspec import __version__
from superspec.errors import InputError, UsageError
from superspec.package.manifest import MANIFEST_ENTRY, ChangedEntry, Manifest
from superspec.package.rendered import Rendered
from superspec.package.result import PackageResult, source_epoch
from superspec.package.verify import VerifyReport, check_listed, read_manifest

if TYPE_CHECKING:
    from superspec.engine.docker import DockerEngine, ImageInfo
    from superspec.spec import EffectiveSpec

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


def _connect(engine: DockerEngine | None) -> DockerEngine:
    if engine is not None:
        return engine
    from superspec.engine.docker import DockerEngine

    return DockerEngine.connect()


def package_image(effective: EffectiveSpec, ref: str, rendered: dict[str, list[Rendered]],
                  version: str | None, say: Callable[[str], None],
                  engine: DockerEngine | None = None) -> list[PackageResult]:
    docker = _connect(engine)
    base = docker.image(ref)
    if base is None:
        raise InputError(f"image {ref!r} is not in the Docker engine; build it first")
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
        content = {f.path: f.data for f in files} | {MANIFEST_ENTRY: data}
        image = docker.build_layer(base.id, content, base.working_dir, labels, tags[env],
                                   source_epoch())
        say(f"packaged {env}: image {tags[env]} ({image.id[:19]}, {len(files)} file(s) "
            f"in one layer at {base.working_dir})")
        results.append(PackageResult(
            env, "image", ref, base.id.removeprefix("sha256:"), tags[env], None, manifest.entries,
            image={"id": image.id, "tag": tags[env], "root": base.working_dir, "labels": labels,
                   "layers": len(image.layers)}))
    return results


def _manifest(effective: EffectiveSpec, env: str, version: str | None, ref: str, base_id: str,
              files: list[Rendered]) -> Manifest:
    return Manifest.for_env(
        effective, env, version, base_kind="image", base_name=ref,
        base_sha256=base_id.removeprefix("sha256:"),
        entries=[ChangedEntry(f.path, "layered", f.template, f.sha256, len(f.data))
                 for f in files])


def verify_image(base_ref: str, packaged_ref: str,
                 engine: DockerEngine | None = None) -> VerifyReport:
    """PACKAGED is BASE plus one layer holding only the manifest's files (layer digests prove
    every base layer unchanged)."""
    docker = _connect(engine)
    base, packaged = _image(docker, base_ref), _image(docker, packaged_ref)
    report = VerifyReport(base_ref, packaged_ref)
    if packaged.layers[:len(base.layers)] != base.layers:
        report.problems.append("the package's layers do not start with the base's layers")
        return report
    if len(packaged.layers) != len(base.layers) + 1:
        report.problems.append(f"the package adds {len(packaged.layers) - len(base.layers)} "
                               "layers to the base; superspec package adds exactly one")
        return report
    report.unchanged = len(base.layers)
    check_layer(report, base.id, docker.top_layer_files(packaged_ref))
    return report


def check_layer(report: VerifyReport, base_id: str, files: dict[str, bytes]) -> None:
    """The added layer's files against the manifest it holds."""
    manifests = [name for name in files if name.rpartition("/")[2] == MANIFEST_ENTRY]
    if len(manifests) != 1:
        report.problems.append(f"the added layer holds {len(manifests)} {MANIFEST_ENTRY} files; "
                               "expected one")
        return
    root = manifests[0].rpartition("/")[0]
    manifest = read_manifest(report, files[manifests[0]])
    if manifest is None:
        return
    if manifest.base_sha256 != base_id.removeprefix("sha256:"):
        report.problems.append(f"the package was made from image sha256:{manifest.base_sha256}, "
                               f"not {base_id}")
    listed = {(f"{root}/{e.path}" if root else e.path): e for e in manifest.entries}
    for name in sorted(files):
        if name != manifests[0] and name not in listed:
            report.problems.append(f"the added layer changes {name!r}, which the manifest does "
                                   "not list")
    check_listed(report, listed, files, "the added layer")


def _image(engine: DockerEngine, ref: str) -> ImageInfo:
    found = engine.image(ref)
    if found is None:
        raise InputError(f"image {ref!r} is not in the Docker engine")
    return found
