"""The Docker engine in swarm mode: services, their tasks, configs and overlay networks.

``SwarmEngine`` is a ``DockerEngine`` (containers, images, files: the router still runs as a
container) that also drives swarm objects. It shares the SDK client of the engine it is made
from (``SwarmEngine.of``); like the rest of the adapter, every engine failure becomes one
clear InputError.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import docker.errors
import docker.types

from superspec.engine.docker import (
    DROPPED_CAPABILITIES,
    GATEWAY_BRIDGE,
    DockerEngine,
    Mount,
    _label_filter,
)
from superspec.errors import InputError

VXLAN_OPTION = "com.docker.network.driver.overlay.vxlanid_list"
VXLAN_FIRST, VXLAN_LAST = 4096, 1 << 24  # the overlay driver's VXLAN ids (VNI)
SERVICE_ID = "com.docker.swarm.service.id"  # the label swarm puts on a task's container
NANO = 1_000_000_000


@dataclass(frozen=True)
class Health:
    """A container health check (exec form); swarm counts a task as running once it passes,
    and stops a task whose check fails ``retries`` times in a row."""

    test: tuple[str, ...]
    interval: float  # seconds
    timeout: float
    retries: int


@dataclass(frozen=True)
class Rollout:
    """How swarm replaces tasks (``update_config``; the rollback uses the same pace)."""

    parallelism: int = 1
    order: str = "start-first"  # start-first | stop-first
    failure_action: str = "rollback"  # rollback | pause | continue
    monitor: float = 5.0  # seconds a new task is watched for failure
    max_failure_ratio: float = 0.0


@dataclass(frozen=True)
class ServiceSpec:
    """A replicated service on one overlay network, reached by DNS (``endpoint_mode``
    dnsrr: ``tasks.<name>`` and the network ``aliases`` resolve to the tasks' addresses)."""

    name: str
    image: str
    replicas: int
    network: str
    labels: dict[str, str]
    container_labels: dict[str, str]
    environment: dict[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    mounts: tuple[Mount, ...] = ()
    configs: dict[str, str] = field(default_factory=dict)  # path in the task -> config name
    health: Health | None = None  # None: the image's own HEALTHCHECK, if any
    rollout: Rollout = field(default_factory=Rollout)
    stop_grace: float = 10.0  # seconds between the stop signal and SIGKILL


@dataclass(frozen=True)
class ServiceState:
    id: str
    name: str
    labels: dict[str, str]
    image: str
    replicas: int
    configs: dict[str, str]  # path in the task -> config name
    update_state: str | None  # UpdateStatus.State: updating, completed, rollback_completed...
    update_message: str
    update_started: str  # when the last update (or rollback) began; "" before any
    version: int  # the object version (changes with every update)


@dataclass(frozen=True)
class TaskState:
    id: str
    slot: int
    state: str  # new ... starting, running, shutdown, failed, rejected ...
    desired: str  # running | shutdown
    image: str
    configs: dict[str, str]  # path in the task -> config name
    error: str
    container: str | None  # the container's id once it has one
    addresses: tuple[str, ...] = ()  # its addresses on the service's networks (no prefix)


@dataclass(frozen=True)
class ConfigInfo:
    id: str
    name: str
    labels: dict[str, str]


class SwarmEngine(DockerEngine):
    """A Docker engine that is a swarm manager."""

    @classmethod
    def of(cls, engine: DockerEngine) -> SwarmEngine:
        """The same engine (the same connection), with the swarm operations."""
        if isinstance(engine, SwarmEngine):
            return engine
        return cls(engine._client)

    def is_manager(self) -> bool:
        """True when this engine is an active swarm manager."""
        try:
            swarm = self._client.info().get("Swarm") or {}
        except docker.errors.APIError as exc:
            raise InputError(f"cannot read the engine's swarm state: {exc.explanation or exc}") \
                from None
        return swarm.get("LocalNodeState") == "active" and bool(swarm.get("ControlAvailable"))

    def require_manager(self, what: str) -> None:
        if not self.is_manager():
            raise InputError(f"{what}: the Docker engine is not a swarm manager (engine: swarm "
                             "needs one: `docker swarm init`, or DOCKER_HOST naming a manager)")

    def image_has_healthcheck(self, ref: str) -> bool:
        try:
            config = self._client.images.get(ref).attrs.get("Config") or {}
        except docker.errors.DockerException:
            return False
        test = (config.get("Healthcheck") or {}).get("Test") or []
        return bool(test) and test != ["NONE"]

    # --- networks ------------------------------------------------------------------------

    def ensure_overlay(self, name: str, labels: Mapping[str, str]) -> bool:
        """Overlay network ``name``, attachable (the router container joins it); created with
        ``labels`` when missing. True when this call created it. The node's docker_gwbridge
        (through which a container on an overlay network publishes its ports) is made too when
        the engine has not made it yet, with the options Docker gives it, so that the host's
        address on it is known before the router starts.

        The network's VXLAN id is chosen at random among those no network uses, not left to
        the manager, which hands out the lowest free one: the id of a network removed a moment
        ago, whose VXLAN device the node may still hold (a sandbox the engine has not cleaned
        up yet). A new network on that id cannot join the node ("error creating vxlan
        interface: file exists"), and every container start on it times out."""
        self._ensure_gateway_bridge()
        try:
            found = [n for n in self._client.networks.list(names=[name]) if n.name == name]
            if found:
                driver = found[0].attrs.get("Driver")
                if driver != "overlay":
                    raise InputError(f"network {name} exists as a {driver} network; engine: "
                                     "swarm needs an overlay network (destroy the environment "
                                     "first)")
                return False
            self._client.networks.create(name, driver="overlay", attachable=True,
                                         labels=dict(labels), check_duplicate=True,
                                         options={VXLAN_OPTION: str(self._free_vxlan_id())})
        except docker.errors.APIError as exc:
            raise InputError(f"creating overlay network {name} failed: "
                             f"{exc.explanation or exc}") from None
        return True

    def _free_vxlan_id(self) -> int:
        used: set[int] = set()
        for network in self._client.networks.list(filters={"driver": "overlay"}):
            listed = str((network.attrs.get("Options") or {}).get(VXLAN_OPTION, ""))
            used.update(int(item) for item in listed.split(",") if item.strip().isdigit())
        while True:
            candidate = secrets.randbelow(VXLAN_LAST - VXLAN_FIRST) + VXLAN_FIRST
            if candidate not in used:
                return candidate

    def _ensure_gateway_bridge(self) -> None:
        try:
            if any(n.name == GATEWAY_BRIDGE
                   for n in self._client.networks.list(names=[GATEWAY_BRIDGE])):
                return
            self._client.networks.create(GATEWAY_BRIDGE, driver="bridge", options={
                "com.docker.network.bridge.name": GATEWAY_BRIDGE,
                "com.docker.network.bridge.enable_icc": "false",
                "com.docker.network.bridge.enable_ip_masquerade": "true"})
        except docker.errors.APIError as exc:
            if exc.status_code == 409:  # made by the engine (or another run) meanwhile
                return
            raise InputError(f"creating network {GATEWAY_BRIDGE} failed: "
                             f"{exc.explanation or exc}") from None

    # --- configs -------------------------------------------------------------------------

    def ensure_config(self, name: str, data: bytes, labels: Mapping[str, str]) -> str:
        """Config ``name`` holding ``data`` (configs cannot change: a new content needs a new
        name); returns its id."""
        try:
            found = self._client.configs.list(filters={"name": name})
            for config in found:
                if config.name == name:
                    return str(config.id)
            return str(self._client.configs.create(name=name, data=data,
                                                   labels=dict(labels)).id)
        except docker.errors.APIError as exc:
            raise InputError(f"creating config {name} failed: {exc.explanation or exc}") \
                from None

    def config_data(self, name: str) -> bytes | None:
        try:
            config = self._client.configs.get(name)
        except docker.errors.NotFound:
            return None
        except docker.errors.APIError as exc:
            raise InputError(f"reading config {name} failed: {exc.explanation or exc}") \
                from None
        return base64.b64decode(config.attrs["Spec"].get("Data") or "")

    def configs(self, labels: Mapping[str, str]) -> list[ConfigInfo]:
        try:
            found = self._client.configs.list(filters={"label": _label_filter(labels)})
        except docker.errors.APIError as exc:
            raise InputError(f"cannot list configs: {exc.explanation or exc}") from None
        return sorted((ConfigInfo(str(c.id), str(c.name),
                                  dict(c.attrs["Spec"].get("Labels") or {})) for c in found),
                      key=lambda c: c.name)

    def remove_config(self, name: str) -> bool:
        """Remove config ``name``; False when a service still uses it (or it is gone)."""
        try:
            self._client.configs.get(name).remove()
        except docker.errors.NotFound:
            return False
        except docker.errors.APIError as exc:
            if exc.status_code == 400 and "in use" in str(exc.explanation or ""):
                return False
            raise InputError(f"removing config {name} failed: {exc.explanation or exc}") \
                from None
        return True

    # --- services ------------------------------------------------------------------------

    def create_service(self, spec: ServiceSpec) -> str:
        try:
            created = self._client.api.create_service(**self._service_args(spec))
        except docker.errors.APIError as exc:
            raise InputError(f"creating service {spec.name} failed: {exc.explanation or exc}") \
                from None
        return str(created["ID"])

    def update_service(self, spec: ServiceSpec) -> None:
        """Replace service ``spec.name``'s definition; swarm rolls its tasks over as its
        update config says (``service_state().update_state`` follows it)."""
        current = self._inspect(spec.name)
        if current is None:
            raise InputError(f"service {spec.name} does not exist")
        try:
            self._client.api.update_service(current["ID"], current["Version"]["Index"],
                                            **self._service_args(spec))
        except docker.errors.APIError as exc:
            raise InputError(f"updating service {spec.name} failed: {exc.explanation or exc}") \
                from None

    def service_state(self, name: str) -> ServiceState | None:
        found = self._inspect(name)
        return None if found is None else _service_state(found)

    def services(self, labels: Mapping[str, str]) -> list[ServiceState]:
        try:
            found = self._client.api.services(filters={"label": _label_filter(labels)})
        except docker.errors.APIError as exc:
            raise InputError(f"cannot list services: {exc.explanation or exc}") from None
        return sorted((_service_state(s) for s in found), key=lambda s: s.name)

    def tasks(self, service: str) -> list[TaskState]:
        """The service's tasks (of every state swarm still keeps), by slot, oldest first."""
        try:
            found = self._client.api.tasks(filters={"service": service})
        except docker.errors.APIError as exc:
            raise InputError(f"cannot list the tasks of {service}: {exc.explanation or exc}") \
                from None
        found.sort(key=lambda t: (t.get("Slot", 0), t.get("CreatedAt", "")))
        return [_task_state(t) for t in found]

    def remove_service(self, name: str, timeout: float = 60.0) -> None:
        """Remove the service and wait until its tasks' containers are gone (the network they
        were on can be removed then)."""
        found = self._inspect(name)
        if found is None:
            return
        try:
            self._client.api.remove_service(found["ID"])
        except docker.errors.NotFound:
            return
        except docker.errors.APIError as exc:
            raise InputError(f"removing service {name} failed: {exc.explanation or exc}") \
                from None
        deadline = time.monotonic() + timeout
        while self._client.api.containers(all=True,
                                          filters={"label": f"{SERVICE_ID}={found['ID']}"}):
            if time.monotonic() > deadline:
                raise InputError(f"the tasks of service {name} were not gone {timeout:g}s "
                                 "after it was removed")
            time.sleep(0.2)

    def _inspect(self, name: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = self._client.api.inspect_service(name)
        except docker.errors.NotFound:
            return None
        except docker.errors.APIError as exc:
            raise InputError(f"cannot inspect service {name}: {exc.explanation or exc}") \
                from None
        return found

    def _service_args(self, spec: ServiceSpec) -> dict[str, Any]:
        references = []
        for path, config in sorted(spec.configs.items()):
            try:
                found = self._client.configs.get(config)
            except docker.errors.DockerException as exc:
                raise InputError(f"service {spec.name}: config {config} is missing: {exc}") \
                    from None
            references.append(docker.types.ConfigReference(
                str(found.id), config, filename=path, uid="0", gid="0", mode=0o444))
        health = None if spec.health is None else docker.types.Healthcheck(
            test=["CMD", *spec.health.test], interval=int(spec.health.interval * NANO),
            timeout=int(spec.health.timeout * NANO), retries=spec.health.retries,
            start_period=0)
        container = docker.types.ContainerSpec(
            spec.image, env=[f"{k}={v}" for k, v in sorted(spec.environment.items())],
            labels=dict(spec.container_labels), healthcheck=health, configs=references,
            stop_grace_period=int(spec.stop_grace * NANO), cap_drop=list(DROPPED_CAPABILITIES),
            mounts=[docker.types.Mount(m.container, m.host, type="bind",
                                       read_only=m.read_only) for m in spec.mounts])
        template = docker.types.TaskTemplate(
            container, restart_policy=docker.types.RestartPolicy(condition="any",
                                                                  delay=NANO // 2),
            networks=[docker.types.NetworkAttachmentConfig(spec.network,
                                                           aliases=list(spec.aliases))])
        pace = spec.rollout
        update = {"parallelism": pace.parallelism, "delay": 0,
                  "failure_action": pace.failure_action, "monitor": int(pace.monitor * NANO),
                  "max_failure_ratio": pace.max_failure_ratio, "order": pace.order}
        return {
            "task_template": template, "name": spec.name, "labels": dict(spec.labels),
            "mode": docker.types.ServiceMode("replicated", replicas=spec.replicas),
            "update_config": docker.types.UpdateConfig(**update),
            "rollback_config": docker.types.RollbackConfig(**(update | {
                "failure_action": "pause"})),
            "endpoint_spec": docker.types.EndpointSpec(mode="dnsrr")}


def _configs(container_spec: Mapping[str, Any]) -> dict[str, str]:
    return {str((c.get("File") or {}).get("Name", "")): str(c.get("ConfigName", ""))
            for c in container_spec.get("Configs") or ()}


def _service_state(found: Mapping[str, Any]) -> ServiceState:
    spec = found.get("Spec") or {}
    container = (spec.get("TaskTemplate") or {}).get("ContainerSpec") or {}
    status = found.get("UpdateStatus") or {}
    return ServiceState(
        id=str(found["ID"]), name=str(spec.get("Name", "")),
        labels=dict(spec.get("Labels") or {}), image=str(container.get("Image", "")),
        replicas=int(((spec.get("Mode") or {}).get("Replicated") or {}).get("Replicas", 0)),
        configs=_configs(container), update_state=status.get("State"),
        update_message=str(status.get("Message", "")),
        update_started=str(status.get("StartedAt", "")),
        version=int((found.get("Version") or {}).get("Index", 0)))


def _task_state(found: Mapping[str, Any]) -> TaskState:
    status = found.get("Status") or {}
    container = ((found.get("Spec") or {}).get("ContainerSpec")) or {}
    return TaskState(
        id=str(found["ID"]), slot=int(found.get("Slot", 0)),
        state=str(status.get("State", "")), desired=str(found.get("DesiredState", "")),
        image=str(container.get("Image", "")), configs=_configs(container),
        error=str(status.get("Err", "")),
        container=((status.get("ContainerStatus") or {}).get("ContainerID")) or None,
        addresses=tuple(sorted(str(a).partition("/")[0]
                               for n in found.get("NetworksAttachments") or ()
                               for a in n.get("Addresses") or ())))


def running(tasks: Sequence[TaskState]) -> list[TaskState]:
    """The tasks that run and are meant to (one per slot once an update has settled)."""
    return [t for t in tasks if t.state == "running" and t.desired == "running"]
