"""Every device profile streamed through bleak and a simulated BlueZ, and recorded whole.

One virtual sensor per profile, all recorded together into one session at ~100 Hz, then again at
~200 Hz for the profiles that support it.  Every sample streamed must be in the file once, with its
value and within one sample period of the time it was taken.
"""

from __future__ import annotations

import asyncio
import os

import pytest
from bletools import VirtualBluez, assert_complete, check_stream, stop_time

from sensorback.ble.recorder import SensorRequest, record

SEED = 3
SENSORS = {  # kind -> name (defaults are typical advertised names; two MetaWear boards need two)
    "witmotion": None,
    "movesense": None,
    "polar_h10": None,
    "polar_verity": None,
    "thingy52": None,
    "metamotion": None,
    "metamotion_bmi160": "MetaWear C",
    "diy": None,
}
RATES = {
    100: {"witmotion": 100, "movesense": 104, "polar_h10": 100, "polar_verity": 52, "thingy52": 100,
          "metamotion": 100, "metamotion_bmi160": 100, "diy": 100},
    200: {"witmotion": 200, "movesense": 208, "polar_h10": 200, "thingy52": 200,
          "metamotion": 200, "metamotion_bmi160": 200, "diy": 200},
}
"""Rates per session; Verity Sense streams 52 Hz only."""
DURATION_S = 3.0
CASES = [(rate, kind) for rate, kinds in RATES.items() for kind in kinds]


@pytest.fixture(scope="module")
def sim():
    s = VirtualBluez([k if n is None else f"{k}={n}" for k, n in SENSORS.items()], seed=SEED)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def sessions(sim, tmp_path_factory):
    """One session per rate: its path and each virtual sensor's log of that session."""
    out = {}
    old = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS")
    os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = sim.address
    try:
        for rate, kinds in RATES.items():
            before = {k: len(sim.log(k)["sent"]) for k in kinds}
            path = tmp_path_factory.mktemp("stream") / f"all-{rate}.sqlite"
            requests = [SensorRequest(sim.name(k), role=k, fs_hz=fs) for k, fs in kinds.items()]
            summary = asyncio.run(record(path, requests, duration_s=DURATION_S))
            logs = {}
            for k in kinds:
                log = sim.log(k)
                log["sent"] = log["sent"][before[k]:]
                logs[k] = log
            out[rate] = (path, logs, summary)
    finally:
        if old is None:
            os.environ.pop("DBUS_SYSTEM_BUS_ADDRESS", None)
        else:
            os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = old
    return out


@pytest.mark.parametrize("rate, kind", CASES, ids=[f"{k}-{r}" for r, k in CASES])
def test_every_streamed_sample_is_recorded_once_on_time(sessions, rate, kind):
    path, logs, _ = sessions[rate]
    c = check_stream(path, kind, logs[kind], SEED, stop_time(path, kind))
    assert c.fs_hz == RATES[rate][kind]
    assert_complete(c)
    assert c.recorded_samples >= 0.8 * DURATION_S * c.fs_hz


def test_summary_matches_the_file(sessions):
    path, _, summary = sessions[100]
    assert [s.role for s in summary.sensors] == list(RATES[100])
    for s in summary.sensors:
        assert s.samples > 0 and s.lost == 0 and s.rejected == 0 and s.battery_pct == 87
    assert str(path) in summary.text()


def test_devices_were_configured_as_asked(sim, sessions):
    """The rate commands reached the devices: each ran its clock at the rate asked for."""
    for rate, kinds in RATES.items():
        _, logs, _ = sessions[rate]
        for kind, fs in kinds.items():
            clock = logs[kind]["sent"][-1][4]
            assert logs[kind]["clocks"][clock][1] == fs, kind
