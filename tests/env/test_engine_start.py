"""Starting a container on a swarm overlay network: a busy manager that times out allocating
the attachment is retried; every other start error is reported at once. The Docker client is
replaced by a stand-in whose container fails its first starts the way dockerd does."""
from __future__ import annotations

from unittest import mock

import docker.errors
import pytest

from superspec.engine.docker import DockerEngine
from superspec.errors import InputError

TIMEOUT = ("attaching to network failed, make sure your network options are correct and "
           "check manager logs: context deadline exceeded")


class _Container:
    def __init__(self, failures: list[str]) -> None:
        self.failures = failures
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        if self.failures:
            raise docker.errors.APIError("500 Server Error", explanation=self.failures.pop(0))


def _engine(container: _Container) -> DockerEngine:
    client = mock.Mock()
    client.containers.get.return_value = container
    return DockerEngine(client)


@pytest.fixture(autouse=True)
def _no_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("superspec.engine.docker.time.sleep", lambda _seconds: None)


def test_an_attachment_timeout_is_retried_until_the_start_succeeds() -> None:
    container = _Container([TIMEOUT, TIMEOUT])
    _engine(container).start_container("ss-test-router")
    assert container.starts == 3


def test_an_attachment_timeout_on_every_attempt_is_reported() -> None:
    container = _Container([TIMEOUT] * 3)
    with pytest.raises(InputError, match="starting container ss-test-router failed: attaching"):
        _engine(container).start_container("ss-test-router")
    assert container.starts == 3


def test_any_other_start_error_is_reported_without_a_retry() -> None:
    container = _Container(["driver failed programming external connectivity"])
    with pytest.raises(InputError, match="driver failed programming"):
        _engine(container).start_container("ss-test-router")
    assert container.starts == 1


def test_a_network_the_node_does_not_know_yet_is_retried() -> None:
    container = _Container(["network ss-test not found"])
    _engine(container).start_container("ss-test-router")
    assert container.starts == 2
