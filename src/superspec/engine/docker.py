"""The Docker engine adapter: the only module that imports the docker SDK.

Runners talk to the engine through ``DockerEngine``, which they are handed (tests and callers can
inject their own), never through the SDK. Every engine failure becomes one clear InputError.
``connect()`` honours DOCKER_HOST (and the rest of the SDK's environment).
"""

from __future__ import annotations

import io
import json
import os
import re
import tarfile
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import docker.errors

from superspec.errors import InputError

# No container superspec starts may forge packets: without NET_RAW (which Docker grants by
# default) an application cannot ARP-spoof its network's gateway, the one address the router's
# runtime API answers (superspec.router).
DROPPED_CAPABILITIES = ("NET_RAW",)


@dataclass(frozen=True)
class ImageInfo:
    id: str  # sha256:...
    working_dir: str  # "/" when the image sets none
    layers: tuple[str, ...]  # RootFS layer digests, bottom first
    labels: dict[str, str]


@dataclass(frozen=True)
class Mount:
    host: str  # a directory on the engine's host
    container: str
    read_only: bool = False


@dataclass(frozen=True)
class ContainerState:
    id: str
    name: str
    status: str  # created, running, restarting, exited, ...
    labels: dict[str, str]
    ports: dict[int, int]  # container port -> host port published on 127.0.0.1


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

    # --- containers: what the router needs (create, files, exec, signals, restart) ---------

    def import_image(self, archive: Path, tag: str, changes: list[str]) -> ImageInfo:
        """Tag ``tag``: a one-layer image of the rootfs tar ``archive`` (``docker import``),
        with Dockerfile ``changes`` (ENTRYPOINT, ENV, LABEL...)."""
        try:
            self._client.api.import_image_from_file(str(archive), repository=tag,
                                                    changes=changes)
        except docker.errors.APIError as exc:
            raise InputError(f"importing {tag} failed: {exc.explanation or exc}") from None
        info = self.image(tag)
        if info is None:
            raise InputError(f"importing {tag} left no image of that name")
        return info

    def create_container(self, image: str, name: str, *, networks: Sequence[str],
                         labels: dict[str, str], ports: dict[int, int | None],
                         stop_signal: str | None = None, aliases: Sequence[str] = (),
                         environment: Mapping[str, str] | None = None,
                         mounts: Sequence[Mount] = ()) -> str:
        """Create (not start) container ``name`` on ``networks`` (reachable there by its name,
        and on the first network by ``aliases`` too), publishing each container port of
        ``ports`` on 127.0.0.1 (host port None: any free one), with ``environment`` variables
        and host directories bind-mounted; ``stop_signal`` overrides the image's. Returns its
        id."""
        if not networks:
            raise InputError(f"container {name}: at least one network is needed")
        try:
            networking = self._client.api.create_networking_config({
                networks[0]: self._client.api.create_endpoint_config(aliases=list(aliases))})
            container = self._client.containers.create(
                image, name=name, network=networks[0], labels=labels, detach=True,
                cap_drop=list(DROPPED_CAPABILITIES),
                stop_signal=stop_signal, environment=dict(environment or {}),
                networking_config=networking.get("EndpointsConfig"),
                volumes={m.host: {"bind": m.container, "mode": "ro" if m.read_only else "rw"}
                         for m in mounts},
                ports={f"{port}/tcp": ("127.0.0.1", host) if host else ("127.0.0.1",)
                       for port, host in ports.items()})
        except docker.errors.APIError as exc:
            raise InputError(f"creating container {name} failed: {exc.explanation or exc}") \
                from None
        try:
            for network in networks[1:]:
                self._client.networks.get(network).connect(container)
        except docker.errors.APIError as exc:
            container.remove(force=True)
            raise InputError(f"connecting container {name} to its networks failed: "
                             f"{exc.explanation or exc}") from None
        return str(container.id)

    def container_state(self, name: str) -> ContainerState | None:
        """The container ``name`` as the engine sees it now, or None when there is none."""
        container = self._container(name, missing_ok=True)
        if container is None:
            return None
        ports: dict[int, int] = {}
        for key, bindings in ((container.attrs.get("NetworkSettings") or {}).get("Ports")
                              or {}).items():
            for binding in bindings or ():
                if binding.get("HostIp") in ("127.0.0.1", "") and binding.get("HostPort"):
                    ports.setdefault(int(key.split("/")[0]), int(binding["HostPort"]))
        state = container.attrs.get("State") or {}
        return ContainerState(id=container.id, name=name, status=str(state.get("Status", "")),
                              labels=dict(container.labels or {}), ports=ports)

    def start_container(self, name: str, attempts: int = 3) -> None:
        """Start container ``name``. A start that joins a swarm overlay network waits for the
        manager to allocate the attachment: a busy manager answers "attaching to network
        failed ... context deadline exceeded", and a network made (or made again under the
        same name) a moment before may not be known to the node yet ("network N not found").
        Both leave the container created but stopped, so they are retried (``attempts`` in
        all) before the error is reported."""
        for attempt in range(1, attempts + 1):
            try:
                self._call(name, "starting", lambda c: c.start())
                return
            except InputError as exc:
                if attempt == attempts or not _attach_race(str(exc)):
                    raise
                time.sleep(attempt)

    def restart_container(self, name: str, timeout: int = 10) -> None:
        self._call(name, "restarting", lambda c: c.restart(timeout=timeout))

    def signal_container(self, name: str, signal: str) -> None:
        """Send ``signal`` (e.g. SIGUSR2) to the container's main process."""
        self._call(name, f"signalling ({signal})", lambda c: c.kill(signal=signal))

    def remove_container(self, name: str) -> None:
        """Stop and remove container ``name``; nothing when it does not exist."""
        container = self._container(name, missing_ok=True)
        if container is not None:
            self._call(name, "removing", lambda c: c.remove(force=True), container)

    def container_logs(self, name: str, tail: int = 40) -> str:
        logs = self._call(name, "reading logs of", lambda c: c.logs(tail=tail))
        return bytes(logs).decode("utf-8", "replace")

    def container_logs_since(self, name: str, since: float) -> str:
        """The container's output since the Unix time ``since`` (whole lines)."""
        logs = self._call(name, "reading logs of",
                          lambda c: c.logs(since=since, stdout=True, stderr=True))
        return bytes(logs).decode("utf-8", "replace")

    def put_file(self, name: str, path: str, data: bytes, mode: int = 0o644) -> None:
        """Write ``data`` to absolute ``path`` in container ``name`` (running or not), owned by
        root; missing parent directories are made (0755)."""
        self.put_files(name, {path: data}, mode)

    def put_files(self, name: str, files: Mapping[str, bytes], mode: int = 0o644) -> None:
        """Write several files (absolute path -> content) into container ``name`` in one
        archive, as ``put_file`` writes one."""
        buffer = io.BytesIO()
        stamp = int(time.time())
        folders: set[str] = set()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for path, data in files.items():
                parts = path.strip("/").split("/")
                for depth in range(1, len(parts)):
                    folder_name = "/".join(parts[:depth])
                    if folder_name in folders:
                        continue
                    folders.add(folder_name)
                    folder = tarfile.TarInfo(folder_name)
                    folder.type, folder.mode, folder.mtime = tarfile.DIRTYPE, 0o755, stamp
                    tar.addfile(folder)
                member = tarfile.TarInfo("/".join(parts))
                member.size, member.mode, member.mtime = len(data), mode, stamp
                tar.addfile(member, io.BytesIO(data))
        what = ", ".join(files)
        done = self._call(name, f"writing {what} into",
                          lambda c: c.put_archive("/", buffer.getvalue()))
        if not done:
            raise InputError(f"writing {what} into container {name} failed")

    def read_file(self, name: str, path: str) -> bytes | None:
        """The content of regular file ``path`` in container ``name``, None when missing."""
        container = self._container(name)
        try:
            stream, _ = container.get_archive(path)
            raw = b"".join(stream)
        except docker.errors.NotFound:
            return None
        except docker.errors.APIError as exc:
            raise InputError(f"reading {path} from container {name} failed: "
                             f"{exc.explanation or exc}") from None
        with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
            member = next((m for m in tar.getmembers() if m.isreg()), None)
            content = tar.extractfile(member) if member else None
            return content.read() if content else None

    def exec_in(self, name: str, argv: list[str], user: str = "0") -> tuple[int, str]:
        """Run ``argv`` (no shell) in running container ``name``: (exit code, stdout+stderr)."""
        result = self._call(name, f"running {argv[0]} in",
                            lambda c: c.exec_run(argv, user=user, stdout=True, stderr=True))
        return int(result.exit_code), bytes(result.output or b"").decode("utf-8", "replace")

    # --- labelled objects: what an environment is made of ----------------------------------

    def containers(self, labels: Mapping[str, str]) -> list[ContainerState]:
        """Every container (running or not) carrying all of ``labels``, sorted by name."""
        try:
            # ignore_removed: a container may go while the list is read (a swarm's tasks)
            found = self._client.containers.list(all=True, ignore_removed=True, filters={
                "label": _label_filter(labels)})
        except docker.errors.APIError as exc:
            raise InputError(f"cannot list containers: {exc.explanation or exc}") from None
        states = [self.container_state(c.name) for c in found]
        return sorted((s for s in states if s is not None), key=lambda s: s.name)

    def ensure_network(self, name: str, labels: Mapping[str, str]) -> bool:
        """Network ``name`` (a bridge); created with ``labels`` when missing. True when this call
        created it."""
        try:
            if self._client.networks.list(names=[name]):
                return False
            self._client.networks.create(name, driver="bridge", labels=dict(labels),
                                         check_duplicate=True)
        except docker.errors.APIError as exc:
            raise InputError(f"creating network {name} failed: {exc.explanation or exc}") \
                from None
        return True

    def host_addresses(self, networks: Sequence[str]) -> tuple[str, ...]:
        """The addresses the host has on ``networks`` (each network's gateway), plus its address
        on docker_gwbridge when one of them is an overlay network (a container on an overlay
        network publishes its ports through that bridge). A connection to a container's
        published port arrives from one of these, whether Docker's port proxy or its NAT
        carries it; a container on those networks has an address of its own."""
        found: list[str] = []
        names = list(networks)
        try:
            inspected = [self._client.api.inspect_network(name) for name in names]
            if any(item.get("Driver") == "overlay" for item in inspected):
                inspected.append(self._client.api.inspect_network(GATEWAY_BRIDGE))
        except docker.errors.APIError as exc:
            raise InputError(f"cannot inspect networks {', '.join(names)}: "
                             f"{exc.explanation or exc}") from None
        for item in inspected:
            for config in (item.get("IPAM") or {}).get("Config") or ():
                gateway = (config or {}).get("Gateway")
                if gateway and ":" not in gateway and gateway not in found:
                    found.append(gateway)
        return tuple(found)

    def networks(self, labels: Mapping[str, str]) -> list[str]:
        """The names of the networks carrying all of ``labels``, sorted."""
        try:
            found = self._client.networks.list(filters={"label": _label_filter(labels)})
        except docker.errors.APIError as exc:
            raise InputError(f"cannot list networks: {exc.explanation or exc}") from None
        return sorted(n.name for n in found)

    def remove_network(self, name: str, timeout: float = 30.0) -> None:
        """Remove network ``name`` and wait until the engine no longer lists it (a swarm's
        overlay network goes a moment after the call)."""
        try:
            for network in self._client.networks.list(names=[name]):
                if network.name == name:
                    network.remove()
            deadline = time.monotonic() + timeout
            while any(n.name == name for n in self._client.networks.list(names=[name])):
                if time.monotonic() > deadline:
                    raise InputError(f"network {name} was still there {timeout:g}s after it "
                                     "was removed")
                time.sleep(0.1)
        except docker.errors.NotFound:
            return
        except docker.errors.APIError as exc:
            raise InputError(f"removing network {name} failed: {exc.explanation or exc}") \
                from None

    def volumes(self, labels: Mapping[str, str]) -> list[str]:
        try:
            found = self._client.volumes.list(filters={"label": _label_filter(labels)})
        except docker.errors.APIError as exc:
            raise InputError(f"cannot list volumes: {exc.explanation or exc}") from None
        return sorted(v.name for v in found)

    def remove_volume(self, name: str) -> None:
        try:
            self._client.volumes.get(name).remove(force=True)
        except docker.errors.NotFound:
            return
        except docker.errors.APIError as exc:
            raise InputError(f"removing volume {name} failed: {exc.explanation or exc}") \
                from None

    def _container(self, name: str, missing_ok: bool = False) -> Any:
        try:
            return self._client.containers.get(name)
        except docker.errors.NotFound:
            if missing_ok:
                return None
            raise InputError(f"container {name} does not exist") from None
        except docker.errors.APIError as exc:
            raise InputError(f"cannot inspect container {name}: {exc.explanation or exc}") \
                from None

    def _call(self, name: str, doing: str, action: Callable[[Any], Any],
              container: Any = None) -> Any:
        target = container if container is not None else self._container(name)
        try:
            return action(target)
        except docker.errors.APIError as exc:
            raise InputError(f"{doing} container {name} failed: {exc.explanation or exc}") \
                from None


ATTACH_TIMEOUT = "attaching to network failed"
_NETWORK_NOT_FOUND = re.compile(r"network \S+ not found$")


def _attach_race(message: str) -> bool:
    """Whether a failed start is one of the swarm attachment races ``start_container``
    retries."""
    return ATTACH_TIMEOUT in message or bool(_NETWORK_NOT_FOUND.search(message.strip()))
GATEWAY_BRIDGE = "docker_gwbridge"  # a swarm node's bridge for overlay containers' ports


def _label_filter(labels: Mapping[str, str]) -> list[str]:
    return [f"{key}={value}" for key, value in sorted(labels.items())]


def _info(image: Any) -> ImageInfo:
    attrs = image.attrs
    config = attrs.get("Config") or {}
    return ImageInfo(id=image.id, working_dir=config.get("WorkingDir") or "/",
                     layers=tuple(attrs["RootFS"]["Layers"]),
                     labels=dict(config.get("Labels") or {}))
