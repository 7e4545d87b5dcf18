"""BLE end-to-end helpers: bleak's own BlueZ backend against virtual sensors on a private D-Bus.

Each :class:`VirtualBluez` is a real ``dbus-daemon`` plus the real ``sensorback virtual-sensor``
command serving on it; recordings run through real bleak, into real session files.  What the
virtual sensors sent (their ``Log``) is the ground truth a recording is compared against.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("bleak", reason="the BLE tests need the 'ble' extra (bleak)")
pytest.importorskip("dbus_fast", reason="the BLE tests need dbus-fast (installed with bleak on Linux)")

from dbus_fast import Message, MessageType
from dbus_fast.aio import MessageBus

from sensorback.ble.bus import PrivateBus, dbus_daemon
from sensorback.ble.simbluez import CONTROL, CONTROL_PATH
from sensorback.ble.virtual import SampleSource
from sensorback.io.session_file import DATA, read, read_meta, read_raw

CLI = [sys.executable, "-m", "sensorback.cli"]
SAMPLE_TAGS = ("imu", "acc", "gyro")
ACC_TOL_MPS2 = 0.006
"""Half the coarsest accelerometer step on the wire (1 milli-g, Polar and Thingy:52), plus margin."""
GYRO_TOL_RADPS = 0.0006
"""Half the coarsest gyroscope step on the wire (1/16.4 °/s), plus margin."""


def _need_dbus() -> None:
    if dbus_daemon() is None:
        if os.environ.get("CI"):
            pytest.fail("dbus-daemon is missing on CI: .ci/run installs Debian's 'dbus' package")
        pytest.skip("dbus-daemon is not installed (Debian package 'dbus'; .ci/run installs it)")


class VirtualBluez:
    """A private bus with ``sensorback virtual-sensor --bus`` serving virtual sensors on it.

    Parameters
    ----------
    sensors : list of str
        ``KIND`` or ``KIND=NAME`` arguments of ``--sensor``.
    args : list of str
        More options for ``virtual-sensor`` (``--garbage-every`` ...).
    deny_bluez : bool
        A bus whose policy refuses clients access to org.bluez.
    """

    def __init__(self, sensors: list[str], *, seed: int = 0, args: tuple[str, ...] = (),
                 deny_bluez: bool = False) -> None:
        _need_dbus()
        self.seed = seed
        self.bus = PrivateBus(deny_bluez=deny_bluez)
        self.address = self.bus.start()
        argv = [*CLI, "virtual-sensor", "--bus", self.address, "--seed", str(seed), *args]
        for s in sensors:
            argv += ["--sensor", s]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline()
        if not first.startswith("virtual BlueZ ready"):
            self.stop()
            raise RuntimeError(f"virtual-sensor did not start: {first}{self.proc.stderr.read() if self.proc.stderr else ''}")
        self.sensors: list[dict[str, str]] = []
        for _ in sensors:
            name, address, kind = self.proc.stdout.readline().rsplit(maxsplit=2)
            self.sensors.append({"name": name.strip(), "address": address, "kind": kind})
        self.env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": self.address}

    def _sensor(self, key: str) -> dict[str, str]:
        """The sensor with this name, else the first of this kind."""
        return next((s for s in self.sensors if s["name"] == key), None) or next(
            s for s in self.sensors if s["kind"] == key)

    def name(self, key: str) -> str:
        return self._sensor(key)["name"]

    def address_of(self, key: str) -> str:
        return self._sensor(key)["address"]

    def call(self, member: str, *args: str) -> str:
        """Call the simulator's control interface; returns the string it answers (if any)."""

        async def go() -> str:
            bus = await MessageBus(bus_address=self.address).connect()
            try:
                reply = await bus.call(Message(
                    destination="org.bluez", path=CONTROL_PATH, interface=CONTROL, member=member,
                    signature="s" * len(args), body=list(args)))
            finally:
                bus.disconnect()
            assert reply is not None and reply.message_type == MessageType.METHOD_RETURN, reply.body
            return reply.body[0] if reply.body else ""

        return asyncio.run(go())

    def log(self, key: str) -> dict:
        """What the sensor (by name, or the first of a kind) sent, wrote, and when."""
        return json.loads(self.call("Log", self.address_of(key)))

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()
        self.bus.stop()


def run_cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, env=env,
                          timeout=timeout, check=False)


# --------------------------------------------------------------------------------------------
# Comparing a recording with what the virtual sensor sent


@dataclass
class StreamCheck:
    """How one sensor's recording compares with what its virtual sensor sent."""

    kind: str
    fs_hz: float
    sent_notes: int
    sent_before_stop: int
    recorded_notes: int
    raw_prefix_equal: bool
    streamed_samples: int
    recorded_samples: int
    max_time_error_s: float
    median_time_error_s: float
    max_acc_error_mps2: float
    max_gyro_error_radps: float
    lost_in_file: int
    garbage_sent: int
    garbage_rejected: int
    time_error_s: np.ndarray
    true_time_s: np.ndarray


def check_stream(path: Path, role: str, log: dict, seed: int, t_stop_monotonic: float | None = None) -> StreamCheck:
    """Compare one sensor of a session file with the virtual sensor's log.

    Recorded sample-carrying notifications must be exactly a prefix of those sent, including every
    one sent before the recorder began to stop (`t_stop_monotonic`; later ones may be cut off by
    the unsubscribe).  Recorded samples are then compared with the simulated samples those
    notifications carried: count, values (within the wire's quantisation) and time.
    """
    sent = [n for n in log["sent"] if n[1] in SAMPLE_TAGS]
    garbage = [bytes.fromhex(n[5]) for n in log["sent"] if n[1] == "garbage"]
    raw = [(t, p, r) for t, s, p, r in read_raw(path, role) if s == DATA]
    sent_payloads = [bytes.fromhex(n[5]) for n in sent]
    sent_set = set(sent_payloads)
    recorded = [p for _, p, _ in raw if p in sent_set]
    prefix = recorded == sent_payloads[: len(recorded)]
    before_stop = sum(n[0] < t_stop_monotonic for n in sent) if t_stop_monotonic else len(sent)

    covered: dict[str, set] = {}
    for _, tag, k0, k1, clock, _ in sent[: len(recorded)]:
        covered.setdefault(tag, set()).update((clock, k) for k in range(k0, k1))
    samples = sorted(set.intersection(*covered.values())) if covered else []
    clocks = log["clocks"]
    true_t = np.array([clocks[c][0] + k / clocks[c][3] for c, k in samples])  # on the drifting crystal
    source = SampleSource(seed)
    truth = [source.samples(clocks[c][1], k, k + 1) for c, k in samples]
    acc = np.concatenate([a for a, _ in truth]) if truth else np.empty((0, 3))
    gyro = np.concatenate([g for _, g in truth]) if truth else np.empty((0, 3))

    rec = read(path, sensor=role)
    origin = float(read_meta(path)["origin_monotonic_s"])
    rec_t = origin + rec.info.extra["t0_session_s"] + rec.time_s
    n = min(len(rec_t), len(true_t))
    err_t = rec_t[:n] - true_t[:n]
    has_gyro = not np.isnan(rec.gyro).all()
    rejected = [p for _, p, r in raw if r is not None]
    return StreamCheck(
        kind=log["kind"],
        fs_hz=rec.info.fs_hz or 0.0,
        sent_notes=len(sent),
        sent_before_stop=before_stop,
        recorded_notes=len(recorded),
        raw_prefix_equal=prefix,
        streamed_samples=len(samples),
        recorded_samples=rec.n_samples,
        max_time_error_s=float(np.max(np.abs(err_t))) if n else np.inf,
        median_time_error_s=float(np.median(err_t)) if n else np.inf,
        max_acc_error_mps2=float(np.max(np.abs(rec.acc[:n] - acc[:n]))) if n else np.inf,
        max_gyro_error_radps=float(np.max(np.abs(rec.gyro[:n] - gyro[:n]))) if n and has_gyro else 0.0,
        lost_in_file=int(rec.info.extra["time_base"]["n_lost"]),
        garbage_sent=len(garbage),
        garbage_rejected=sum(p in set(garbage) for p in rejected),
        time_error_s=err_t,
        true_time_s=true_t[:n],
    )


def assert_complete(c: StreamCheck, *, lost: int = 0) -> None:
    """Every sample streamed is recorded once, with its value and time."""
    assert c.raw_prefix_equal, "the recorded notifications are not what was sent"
    assert c.recorded_notes >= c.sent_before_stop, (c.recorded_notes, c.sent_before_stop)
    assert c.recorded_samples == c.streamed_samples > 0, (c.recorded_samples, c.streamed_samples)
    bad = np.flatnonzero(np.abs(c.time_error_s) >= 1.0 / c.fs_hz)
    assert not bad.size, (c.kind, c.fs_hz, c.max_time_error_s, bad[:5], bad[-5:], len(c.time_error_s))
    assert c.max_acc_error_mps2 <= ACC_TOL_MPS2, c.max_acc_error_mps2
    assert c.max_gyro_error_radps <= GYRO_TOL_RADPS, c.max_gyro_error_radps
    assert c.lost_in_file == lost, c.lost_in_file


def stop_time(path: Path, role: str) -> float:
    """Host monotonic time at which the recorder began to stop this sensor."""
    from sensorback.io.session_file import read_events

    origin = float(read_meta(path)["origin_monotonic_s"])
    ev = [e for e in read_events(path) if e["role"] == role and e["kind"] == "stopping"]
    return origin + ev[-1]["t_host_s"] if ev else time.monotonic()

