"""Streaming BLE IMUs: scan, connect, record sessions; virtual sensors to try it all without hardware.

Catalogue
---------
scan(timeout_s)               devices advertising nearby, with the profile each matches (async)
find_sensors(identifiers)     one device per name / address (async)
SensorLink                    connect, identify, configure, subscribe, reconnect one sensor
record(path, sensors)         record a session file from one or more sensors (async)
SensorRequest                 which sensor, its role (sacrum, t12), profile and rate
Receiver                      the receive path: raw first, then decoded, in a thread of its own
VirtualSensor                 the firmware of every supported sensor, sans-I/O
make_virtual_sensor(kind)     one of them, fed by the session simulator
SimulatedBluez, serve         virtual sensors served as BlueZ on a D-Bus, for bleak to talk to
PrivateBus                    a throw-away dbus-daemon to serve them on

Only :mod:`sensorback.ble.transport` imports bleak, and only when one of its names is used:
``import sensorback.ble`` is free.

Examples
--------
>>> import asyncio
>>> from sensorback.ble import SensorRequest, record          # doctest: +SKIP
>>> summary = asyncio.run(record("session.sqlite", [SensorRequest("WT901", fs_hz=100)],
...                              duration_s=60))                # doctest: +SKIP
>>> print(summary.text())                                       # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "scan": "transport",
    "find_sensors": "transport",
    "SensorLink": "transport",
    "FoundSensor": "transport",
    "record": "recorder",
    "SensorRequest": "recorder",
    "SessionSummary": "recorder",
    "Receiver": "receiver",
    "LiveStats": "receiver",
    "VirtualSensor": "virtual",
    "make_virtual_sensor": "virtual",
    "SampleSource": "virtual",
    "SimulatedBluez": "simbluez",
    "serve": "simbluez",
    "PrivateBus": "bus",
}
__all__ = [
    "FoundSensor", "LiveStats", "PrivateBus", "Receiver", "SampleSource", "SensorLink",
    "SensorRequest", "SessionSummary", "SimulatedBluez", "VirtualSensor", "find_sensors",
    "make_virtual_sensor", "record", "scan", "serve",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
