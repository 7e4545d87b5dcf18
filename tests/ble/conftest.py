"""BLE end-to-end fixtures (helpers in ``bletools``): virtual sensors on a private D-Bus."""

from __future__ import annotations

import pytest
from bletools import VirtualBluez


@pytest.fixture
def virtual_bluez():
    """``virtual_bluez(sensors, **options)`` starts a :class:`VirtualBluez`; all stop at the end."""
    started: list[VirtualBluez] = []

    def start(sensors: list[str], **options) -> VirtualBluez:
        sim = VirtualBluez(sensors, **options)
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.stop()
