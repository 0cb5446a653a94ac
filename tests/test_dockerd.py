"""tests.dockerd.private_dockerd: what it leaves on the host when it stops."""

from __future__ import annotations

import subprocess

import pytest

from tests.dockerd import DockerdError, docker, private_dockerd


def _links() -> set[str]:
    done = subprocess.run(["ip", "-brief", "link"], capture_output=True, text=True, check=True)
    return {line.split()[0] for line in done.stdout.splitlines() if line.strip()}


@pytest.mark.slow
def test_no_network_bridge_outlives_the_dockerd() -> None:
    """A bridge left in the host's namespace holds one of Docker's default address pools for
    good: after about 30 of them no network can be made on the machine."""
    try:
        with private_dockerd("ss-dockerd-bridges-") as host:
            ids = [docker(host, "network", "create", name) for name in ("ss-one", "ss-two")]
            bridges = {f"br-{network_id[:12]}" for network_id in ids}
            assert bridges <= _links()  # made on the host while dockerd runs
    except DockerdError as exc:
        pytest.fail(str(exc))
    assert not bridges & _links()
