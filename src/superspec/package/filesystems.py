"""Which file system holds a device, read from ``/proc/self/mountinfo`` (stdlib only)."""

from __future__ import annotations

import os


def mount_types(device: int) -> set[str]:
    """The type of every mount of ``device`` ('ext4', 'tmpfs'...); empty when unknown (no
    ``/proc``, or the device is not mounted)."""
    wanted = f"{os.major(device)}:{os.minor(device)}"
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return set()
    types = set()
    for line in lines:
        fields = line.split()
        if len(fields) > 2 and fields[2] == wanted and " - " in line:
            types.add(line.split(" - ", 1)[1].split()[0])
    return types
