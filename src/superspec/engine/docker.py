"""The Docker engine adapter: the only module that imports the docker SDK.

Runners talk to the engine through ``DockerEngine``, which they are handed (tests and callers can
inject their own), never through the SDK. Every engine failure becomes one clear InputError.
``connect()`` honours DOCKER_HOST (and the rest of the SDK's environment).
"""

from __future__ import annotations

import json
import os
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors

from superspec.errors import InputError


@dataclass(frozen=True)
class ImageInfo:
    id: str  # sha256:...
    working_dir: str  # "/" when the image sets none
    layers: tuple[str, ...]  # RootFS layer digests, bottom first
    labels: dict[str, str]


class DockerEngine:
    """One connection to a Docker engine."""

    def __init__(self, client: Any) -> None:
        self._client = client

    @classmethod
    def connect(cls) -> DockerEngine:
        """The engine DOCKER_HOST names (default: the local socket); InputError when it does
        not answer."""
        try:
            client = docker.from_env()
            client.ping()
        except docker.errors.DockerException as exc:
            where = os.environ.get("DOCKER_HOST") or "the default socket"
            raise InputError(f"cannot reach the Docker engine at {where}: {exc}") from None
        return cls(client)

    def image(self, ref: str) -> ImageInfo | None:
        """The image ``ref`` names, or None when the engine does not have it."""
        try:
            image = self._client.images.get(ref)
        except docker.errors.ImageNotFound:
            return None
        except docker.errors.APIError as exc:
            raise InputError(f"cannot inspect image {ref!r}: {exc.explanation or exc}") from None
        return _info(image)

    def build_layer(self, base_id: str, files: dict[str, bytes], root: str,
                    labels: dict[str, str], tag: str, epoch: int) -> ImageInfo:
        """Tag ``tag``: ``base_id`` plus exactly one layer holding ``files`` (paths relative to
        ``root``), mode 0644 and mtime ``epoch``, with ``labels`` passed through the API (never
        through Dockerfile text)."""
        with tempfile.TemporaryDirectory(prefix="superspec-image-") as context:
            tree = Path(context, "files")
            for path, data in files.items():
                target = tree / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                os.chmod(target, 0o644)
            for item in sorted(tree.rglob("*"), reverse=True) + [tree]:
                os.utime(item, (epoch, epoch), follow_symlinks=False)
            dest = root.rstrip("/") + "/"
            Path(context, "Dockerfile").write_text(
                f"FROM {base_id}\nCOPY {json.dumps(['files/', dest])}\n")
            try:
                image, _ = self._client.images.build(
                    path=context, tag=tag, labels=labels, rm=True, forcerm=True, pull=False,
                    network_mode="none")
            except docker.errors.BuildError as exc:
                log = "".join(str(item.get("stream", item.get("error", "")))
                              for item in exc.build_log)
                raise InputError(f"building {tag} failed: {exc.msg}\n{log.strip()}") from None
            except docker.errors.APIError as exc:
                raise InputError(f"building {tag} failed: {exc.explanation or exc}") from None
        return _info(image)

    def top_layer_files(self, ref: str) -> dict[str, bytes]:
        """Regular files of the image's top layer (path without a leading '/' -> content); a
        whiteout (deletion) or a link is reported as an empty file so a verifier names it."""
        try:
            image = self._client.images.get(ref)
        except docker.errors.ImageNotFound:
            raise InputError(f"image {ref!r} is not in the Docker engine") from None
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


def _info(image: Any) -> ImageInfo:
    attrs = image.attrs
    config = attrs.get("Config") or {}
    return ImageInfo(id=image.id, working_dir=config.get("WorkingDir") or "/",
                     layers=tuple(attrs["RootFS"]["Layers"]),
                     labels=dict(config.get("Labels") or {}))
