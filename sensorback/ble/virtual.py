"""Virtual sensors: the firmware side of every supported protocol, sans-I/O.

A :class:`VirtualSensor` has a GATT table, reacts to writes and subscriptions as the real device
does (rate commands, start/stop, control-point responses, module-info replies), and says which
notifications are due at a given host time.  Its samples come from the session simulator
(:func:`sensorback.simulate.simulate_session`) and are packed by each device module's
``encode_notifications``, so a virtual sensor speaks byte for byte what the decoders read.

The device samples on its own clock from the moment it is started: sample ``k`` is taken at
``t0 + k / fs``, and a notification leaves when its last sample is taken.  While the link is down
the clock runs on and those samples are lost, as with a real sensor.

:mod:`sensorback.ble.simbluez` serves virtual sensors over D-Bus as a simulated BlueZ.
"""

from __future__ import annotations

import math
import random
import struct
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..devices import diy, metamotion, movesense, polar, thingy, witmotion
from ..devices.base import Notification
from ..devices.profiles import PROFILES, DeviceProfile
from ..errors import DecodeError, InputError

BATTERY_SERVICE = "0000180f-0000-1000-8000-00805f9b34fb"
BATTERY_LEVEL = "00002a19-0000-1000-8000-00805f9b34fb"
DEVICE_INFO_SERVICE = "0000180a-0000-1000-8000-00805f9b34fb"
MANUFACTURER_NAME = "00002a29-0000-1000-8000-00805f9b34fb"
MODEL_NUMBER = "00002a24-0000-1000-8000-00805f9b34fb"
FIRMWARE_REVISION = "00002a26-0000-1000-8000-00805f9b34fb"
CCCD = "00002902-0000-1000-8000-00805f9b34fb"

UNSUPPORTED = "unsupported"
"""Key of a virtual device that advertises and connects but speaks no supported protocol."""
_UNSUPPORTED_SERVICE = "0000110b-0000-1000-8000-00805f9b34fb"  # audio sink: plainly not an IMU
_UNSUPPORTED_CHAR = "00002bf0-0000-1000-8000-00805f9b34fb"

DEFAULT_NAMES = {
    "witmotion": "WT901BLE68",
    "movesense": "Movesense 234830000123",
    "polar_h10": "Polar H10 9A1B2C3D",
    "polar_verity": "Polar Sense B5A1C42F",
    "thingy52": "Thingy",
    "metamotion": "MetaWear",
    "metamotion_bmi160": "MetaWear",
    "diy": "sensorback-0001",
    UNSUPPORTED: "Soundcore Life Q30",
}


@dataclass
class Characteristic:
    """One characteristic of the virtual GATT table."""

    uuid: str
    flags: tuple[str, ...]
    value: bytes = b""


@dataclass
class Service:
    """One primary service and its characteristics."""

    uuid: str
    characteristics: list[Characteristic] = field(default_factory=list)


@dataclass(frozen=True)
class Outgoing:
    """A notification (or indication) the sensor sends.

    Attributes
    ----------
    due_s : float
        Host monotonic time it is due, s.
    uuid : str
        Characteristic it goes out on.
    payload : bytes
    stream : str
        What it carries: a data stream tag (``imu``, ``acc``, ``gyro``), ``reply`` or ``garbage``.
    k0, k1 : int
        Sample indices ``[k0, k1)`` it carries on the sensor's clock (-1 when none).
    clock : int
        Which start of the sensor's clock the indices count from (see :attr:`VirtualSensor.clocks`).
    """

    due_s: float
    uuid: str
    payload: bytes
    stream: str
    k0: int = -1
    k1: int = -1
    clock: int = -1


@dataclass(frozen=True)
class Clock:
    """One start of a sensor's sample clock: sample k is taken at ``t0_s + k / rate_hz``.

    The device believes it samples at `fs_hz` (its timestamps say so); its crystal makes it
    `rate_hz` on the host's clock.
    """

    t0_s: float
    fs_hz: float
    epoch_s: float
    """Device time of sample 0, s (what device timestamps count from)."""
    rate_hz: float


class SampleSource:
    """Simulated sacral IMU samples at any rate, generated once per rate and looped.

    Parameters
    ----------
    seed : int
        Seed of :func:`~sensorback.simulate.simulate_session`.
    programme : str
        ``"random"`` (one exercise block) or ``"plank-sag"`` (a plank whose hips sag 20 s in).
    """

    def __init__(self, seed: int = 0, programme: str = "random") -> None:
        self.seed = seed
        self.programme = programme
        self._cache: dict[float, tuple[np.ndarray, np.ndarray]] = {}

    def samples(self, fs_hz: float, k0: int, k1: int) -> tuple[np.ndarray, np.ndarray]:
        """Acceleration (m/s²) and angular rate (rad/s) of samples ``k0 .. k1-1``."""
        if fs_hz not in self._cache:
            from ..simulate import simulate_session

            rec = simulate_session(self.seed, fs_hz=fs_hz, n_blocks=1, walk=False, programme=self.programme).recording
            self._cache[fs_hz] = (rec.acc, rec.gyro)
        acc, gyro = self._cache[fs_hz]
        idx = np.arange(k0, k1) % len(acc)
        return acc[idx], gyro[idx]


class VirtualSensor:
    """The firmware of one virtual sensor.

    Parameters
    ----------
    profile : str
        A key of :data:`~sensorback.devices.PROFILES`, or ``"unsupported"``.
    name, address : str
        Advertised name and Bluetooth address.
    source : SampleSource
        Where samples come from.
    battery_pct : int
        Battery level served by the standard battery service.
    garbage_every : int
        After every this many data notifications, send one that no decoder can read (0: never).
    seed : int
        Seeds the device clock epoch, its drift (within ±40 ppm, as crystals go) and the garbage.
    """

    samples_per_notification: Callable[[float], int] = staticmethod(lambda fs: 1)
    default_rate_hz = 100.0

    def __init__(
        self,
        profile: str,
        *,
        name: str,
        address: str,
        source: SampleSource,
        battery_pct: int = 87,
        garbage_every: int = 0,
        seed: int = 0,
    ) -> None:
        self.key = profile
        self.profile: DeviceProfile | None = PROFILES.get(profile)
        self.name = name
        self.address = address.upper()
        self.source = source
        self.battery_pct = battery_pct
        self.garbage_every = garbage_every
        self._rng = random.Random(seed)
        self.epoch_s = float(self._rng.randint(100, 5000))
        self.drift_ppm = self._rng.uniform(-40.0, 40.0)
        self.fs_hz = self.default_rate_hz
        self.clocks: list[Clock] = []
        self.connected = False
        self.subscribed: set[str] = set()
        self.started = False
        self._next_k = 0
        self._n_data = 0
        self._replies: list[Outgoing] = []

    # ---- GATT table ---------------------------------------------------------------------
    def services(self) -> list[Service]:
        """The GATT table served after connecting."""
        out = [
            Service(BATTERY_SERVICE, [Characteristic(BATTERY_LEVEL, ("read", "notify"), bytes([self.battery_pct]))]),
            Service(DEVICE_INFO_SERVICE, [
                Characteristic(MANUFACTURER_NAME, ("read",), b"sensorback virtual sensors"),
                Characteristic(MODEL_NUMBER, ("read",), self.model().encode()),
                Characteristic(FIRMWARE_REVISION, ("read",), b"virtual-1"),
            ]),
        ]
        p = self.profile
        if p is None:
            return [*out, Service(_UNSUPPORTED_SERVICE, [Characteristic(_UNSUPPORTED_CHAR, ("read",))])]
        chars = [Characteristic(p.notify_uuid, ("notify",))]
        if p.write_uuid:
            flags = ("write", "write-without-response") + (("indicate",) if p.indicate_uuid == p.write_uuid else ())
            chars.append(Characteristic(p.write_uuid, flags))
        return [*out, Service(p.service_uuid, chars)]

    def advertised_uuids(self) -> list[str]:
        """Service UUIDs in the advertisement."""
        return [self.profile.service_uuid if self.profile else _UNSUPPORTED_SERVICE]

    def model(self) -> str:
        return self.profile.label if self.profile else "headphones"

    # ---- link events --------------------------------------------------------------------
    def connect(self, now: float) -> None:
        self.connected = True

    def disconnect(self, now: float) -> None:
        """The link is gone: subscriptions end; the device keeps sampling (and streaming state)."""
        self.connected = False
        self.subscribed.clear()
        self._replies.clear()

    def subscribe(self, uuid: str, now: float) -> None:
        self.subscribed.add(uuid)
        self._resume(now)

    def unsubscribe(self, uuid: str, now: float) -> None:
        self.subscribed.discard(uuid)

    def write(self, uuid: str, value: bytes, now: float) -> None:
        """A write from the central; replies become due at once."""
        if self.profile is None or uuid != self.profile.write_uuid:
            return
        self.command(bytes(value), now)
        self._resume(now)

    def command(self, value: bytes, now: float) -> None:
        """Act on one command (overridden per device)."""

    def reply(self, uuid: str, payload: bytes, now: float) -> None:
        self._replies.append(Outgoing(now, uuid, payload, "reply"))

    # ---- streaming ----------------------------------------------------------------------
    def streaming(self) -> bool:
        """Whether the device is sampling (started and configured)."""
        return self.started

    def active(self) -> bool:
        """Whether samples go out: streaming, linked, and the data characteristic subscribed."""
        p = self.profile
        return p is not None and self.connected and self.streaming() and p.notify_uuid in self.subscribed

    def set_rate(self, fs_hz: float, now: float) -> None:
        """Take a new rate; the clock restarts with it (see :meth:`_resume`)."""
        self.fs_hz = float(fs_hz)

    def _restart(self, now: float) -> None:
        """(Re)start the sample clock at `now`; device time runs on from the first start."""
        boot = self.clocks[0].t0_s if self.clocks else now
        rate = self.fs_hz * (1.0 + self.drift_ppm * 1e-6)
        self.clocks.append(Clock(now, self.fs_hz, self.epoch_s + now - boot, rate))
        self._next_k = 0

    def _resume(self, now: float) -> None:
        """Start the clock if needed; after an outage, go on from the next packet due."""
        if not self.streaming():
            return
        if not self.clocks or self.clocks[-1].fs_hz != self.fs_hz:
            self._restart(now)
            return
        if self.active():
            c, spn = self.clocks[-1], self.samples_per_notification(self.fs_hz)
            behind = math.ceil(((now - c.t0_s) * c.rate_hz + 1e-9) / spn) * spn
            self._next_k = max(self._next_k, behind)

    def next_due(self) -> float | None:
        """When the next notification is due (host monotonic s), or None."""
        if self._replies:
            return self._replies[0].due_s
        if not self.active() or not self.clocks:
            return None
        c, spn = self.clocks[-1], self.samples_per_notification(self.fs_hz)
        return c.t0_s + (self._next_k + spn - 1) / c.rate_hz

    def poll(self, now: float) -> list[Outgoing]:
        """Every notification due by `now`, in sending order."""
        out, self._replies = self._replies, []
        if not self.active() or not self.clocks or self.profile is None:
            return out
        c, spn = self.clocks[-1], self.samples_per_notification(self.fs_hz)
        uuid = self.profile.notify_uuid  # active() says there is a profile
        n_taken = math.floor((now - c.t0_s) * c.rate_hz + 1e-9) + 1
        while self._next_k + spn <= n_taken:
            k0, k1 = self._next_k, self._next_k + spn
            self._next_k = k1
            due = c.t0_s + (k1 - 1) / c.rate_hz
            acc, gyro = self.source.samples(c.fs_hz, k0, k1)
            times = c.epoch_s + np.arange(k0, k1) / c.fs_hz
            for note, tag in self.encode(times, acc, gyro, k0 // spn):
                out.append(Outgoing(due, uuid, note.payload, tag, k0, k1, len(self.clocks) - 1))
            self._n_data += 1
            if self.garbage_every and self._n_data % self.garbage_every == 0:
                out.append(Outgoing(due, uuid, self.garbage(), "garbage"))
        return out

    def encode(self, times: np.ndarray, acc: np.ndarray, gyro: np.ndarray, packet: int) -> list[tuple[Notification, str]]:
        """The notifications of one packet's worth of samples, with their stream tags."""
        raise NotImplementedError

    def garbage(self) -> bytes:
        """A payload the device's decoder rejects whole (it cannot pass for a real packet)."""
        assert self.profile is not None
        while True:
            payload = bytes(self._rng.randrange(256) for _ in range(self._rng.randint(1, 40)))
            if self.rejects(payload):
                return payload

    def rejects(self, payload: bytes) -> bool:
        assert self.profile is not None
        try:
            self.profile.make_decoder(self.fs_hz).feed(payload, 0.0)
        except DecodeError:
            return True
        return False


class _WitMotion(VirtualSensor):
    default_rate_hz = 10.0  # factory default: 10 Hz from power-on
    samples_per_notification = staticmethod(lambda fs: 2 if fs > 100 else 1)

    def streaming(self) -> bool:
        return True  # streams as soon as notifications are enabled

    def command(self, value: bytes, now: float) -> None:
        if len(value) == 5 and value[:3] == bytes([0xFF, 0xAA, 0x03]):
            rates = {code: fs for fs, code in witmotion.RATE_CODES.items()}
            if value[3] in rates:
                self.set_rate(rates[value[3]], now)

    def encode(self, times, acc, gyro, packet):
        notes = witmotion.encode_notifications(times, acc, gyro, frames_per_notification=len(times))
        return [(n, "imu") for n in notes]

    def rejects(self, payload: bytes) -> bool:
        # a stream without checksums: bytes without a frame header are all it can skip for sure
        return witmotion.HEADER not in payload


class _Movesense(VirtualSensor):
    default_rate_hz = 104.0
    samples_per_notification = staticmethod(lambda fs: 4 if fs <= 104 else 8)

    def command(self, value: bytes, now: float) -> None:
        if len(value) >= 2 and value[0] == movesense.SUBSCRIBE:
            self.ref = value[1]
            parts = value[2:].decode("ascii", "replace").strip("/").split("/")
            if len(parts) == 3 and parts[0] == "Meas" and parts[1] == "IMU6" and parts[2].isdigit():
                self.set_rate(float(parts[2]), now)
                self.started = True
                self._result(200, now)
            else:
                self._result(404, now)
        elif len(value) >= 2 and value[0] == movesense.UNSUBSCRIBE:
            self.started = False
            self._result(200, now)

    def _result(self, status: int, now: float) -> None:
        if self.profile and self.profile.notify_uuid in self.subscribed:
            self.reply(self.profile.notify_uuid, bytes([movesense.COMMAND_RESULT, getattr(self, "ref", 0)]) + struct.pack("<H", status), now)

    def encode(self, times, acc, gyro, packet):
        notes = movesense.encode_notifications(times, acc, gyro, ref=getattr(self, "ref", movesense.DEFAULT_REF), samples_per_notification=len(times))
        return [(n, "imu") for n in notes]


class _Polar(VirtualSensor):
    default_rate_hz = 52.0
    samples_per_notification = staticmethod(lambda fs: max(1, round(fs * 0.12)))

    def __init__(self, *args, gyro: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.with_gyro = gyro
        self.running: set[int] = set()

    def streaming(self) -> bool:
        return polar.ACC in self.running and (not self.with_gyro or polar.GYRO in self.running)

    def command(self, value: bytes, now: float) -> None:
        if len(value) < 2:
            return
        op, meas = value[0], value[1]
        factor = None
        if op == polar.START and meas in ((polar.ACC, polar.GYRO) if self.with_gyro else (polar.ACC,)):
            pos, rate = 2, None
            while pos + 4 <= len(value):
                kind, _count, setting = struct.unpack_from("<BBH", value, pos)
                rate = setting if kind == polar.SAMPLE_RATE else rate
                pos += 4
            if rate:
                self.set_rate(float(rate), now)
            self.running.add(meas)
            factor = polar.VIRTUAL_GYRO_FACTOR if meas == polar.GYRO else 1.0
        elif op == polar.STOP:
            self.running.discard(meas)
        assert self.profile is not None and self.profile.indicate_uuid
        if self.profile.indicate_uuid in self.subscribed:
            self.reply(self.profile.indicate_uuid, polar.encode_control_response(op, meas, 0, factor), now)

    def encode(self, times, acc, gyro, packet):
        notes = polar.encode_notifications(times, acc, gyro if self.with_gyro else None, samples_per_frame=len(times))
        return [(n, "gyro" if n.payload[0] & 0x3F == polar.GYRO else "acc") for n in notes]


class _Thingy(VirtualSensor):
    default_rate_hz = 100.0

    def streaming(self) -> bool:
        return True

    def command(self, value: bytes, now: float) -> None:
        if len(value) == 9:
            rate = struct.unpack("<HHHHB", value)[3]
            if thingy.RATE_RANGE_HZ[0] <= rate <= thingy.RATE_RANGE_HZ[1]:
                self.set_rate(float(rate), now)

    def encode(self, times, acc, gyro, packet):
        return [(n, "imu") for n in thingy.encode_notifications(times, acc, gyro)]


_IMPLEMENTATION = {
    (metamotion.ACCELEROMETER, "BMI160"): 1,
    (metamotion.ACCELEROMETER, "BMI270"): 4,
    (metamotion.GYRO, "BMI160"): 0,
    (metamotion.GYRO, "BMI270"): 1,
}
"""Module-info implementation ids the MetaWear firmware reports for each chip."""


class _MetaMotion(VirtualSensor):
    samples_per_notification = staticmethod(lambda fs: metamotion.SAMPLES_PER_PACKED if fs > metamotion.PACKED_ABOVE_HZ else 1)

    def __init__(self, *args, chip: str = "bmi270", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.chip = metamotion.CHIPS[chip]
        self.powered: set[int] = set()

    def streaming(self) -> bool:
        return {metamotion.ACCELEROMETER, metamotion.GYRO} <= self.powered

    def command(self, value: bytes, now: float) -> None:
        if len(value) < 2:
            return
        module, register = value[0], value[1]
        if register == metamotion.MODULE_INFO and module in (metamotion.ACCELEROMETER, metamotion.GYRO):
            impl = _IMPLEMENTATION[module, self.chip.name]
            assert self.profile is not None
            self.reply(self.profile.notify_uuid, bytes([module, metamotion.MODULE_INFO, impl, 0]), now)
        elif register == metamotion.CONFIG and module == metamotion.ACCELEROMETER and len(value) >= 3:
            rates = {code: fs for fs, code in metamotion.ODR_CODES.items()}
            fs = rates.get(value[2] & 0x0F)
            if fs:
                self.set_rate(float(fs), now)
        elif register == metamotion.POWER and len(value) >= 3:
            (self.powered.add if value[2] else self.powered.discard)(module)

    def encode(self, times, acc, gyro, packet):
        notes = metamotion.encode_notifications(times, acc, gyro, chip=self.chip, packed=len(times) > 1)
        return [(n, "acc" if n.payload[0] == metamotion.ACCELEROMETER else "gyro") for n in notes]


class _Diy(VirtualSensor):
    samples_per_notification = staticmethod(lambda fs: max(1, round(fs / 25)))

    def command(self, value: bytes, now: float) -> None:
        if value[:1] == bytes([diy.SET_RATE]) and len(value) == 3:
            self.set_rate(float(struct.unpack_from("<H", value, 1)[0]), now)
        elif value == diy.start_command():
            self.started = True
        elif value == diy.stop_command():
            self.started = False

    def encode(self, times, acc, gyro, packet):
        return [(n, "imu") for n in diy.encode_notifications(times, acc, gyro, samples_per_packet=len(times), first_seq=packet)]


_FIRMWARE: dict[str, Callable[..., VirtualSensor]] = {
    "witmotion": _WitMotion,
    "movesense": _Movesense,
    "polar_h10": lambda *a, **k: _Polar(*a, gyro=False, **k),
    "polar_verity": lambda *a, **k: _Polar(*a, gyro=True, **k),
    "thingy52": _Thingy,
    "metamotion": lambda *a, **k: _MetaMotion(*a, chip="bmi270", **k),
    "metamotion_bmi160": lambda *a, **k: _MetaMotion(*a, chip="bmi160", **k),
    "diy": _Diy,
    UNSUPPORTED: VirtualSensor,
}
KINDS = tuple(_FIRMWARE)
"""Every kind of virtual sensor: each profile key, and ``unsupported``."""


def make_virtual_sensor(
    kind: str,
    *,
    index: int = 0,
    name: str | None = None,
    address: str | None = None,
    source: SampleSource | None = None,
    **options: object,
) -> VirtualSensor:
    """A virtual sensor of one kind (see :data:`KINDS`).

    Parameters
    ----------
    kind : str
        A profile key or ``"unsupported"``.
    index : int
        Makes the default address unique: ``C0:FF:EE:00:00:<index+1>``.
    name, address : str, optional
        Advertised name (default: a typical one for the device) and address.
    source : SampleSource, optional
        Shared sample source (default: seed 0).
    **options
        ``battery_pct``, ``garbage_every``, ``seed``.
    """
    if kind not in _FIRMWARE:
        raise InputError(f"virtual sensor must be one of {list(KINDS)}, got {kind!r}")
    return _FIRMWARE[kind](
        kind,
        name=name or DEFAULT_NAMES[kind],
        address=address or f"C0:FF:EE:00:00:{index + 1:02X}",
        source=source or SampleSource(),
        **options,
    )
