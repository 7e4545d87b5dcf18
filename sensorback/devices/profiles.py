"""Device profiles: what the transport needs to find, configure and decode each sensor.

A :class:`DeviceProfile` is pure data plus small functions that build command bytes and decoders;
it performs no I/O.  :func:`match_profile` picks the profile for an advertisement.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sensorback.devices import diy, metamotion, movesense, polar, thingy, witmotion
from sensorback.devices.base import (
    G_MPS2,
    Decoder,
    SampleBatch,
    TimeBase,
    build_time_base,
)
from sensorback.errors import InputError


def _no_commands(*_: float) -> tuple[bytes, ...]:
    return ()


@dataclass(frozen=True)
class DeviceProfile:
    """Everything sensorback knows about talking to one kind of sensor.

    Attributes
    ----------
    key : str
        Short identifier, e.g. ``"witmotion"``.
    label : str
        Human-readable model name(s).
    name_patterns : tuple of str
        Regular expressions matched (``re.search``) against the advertised name.
    service_uuid, notify_uuid : str
        Full 128-bit UUIDs (lower case) of the service and of the data characteristic.
    write_uuid : str or None
        Characteristic that takes the commands below.
    indicate_uuid : str or None
        A second characteristic to subscribe to before writing commands (Polar control point).
    write_with_response : bool
        Whether commands are written as requests (with response).
    configure_before_subscribe : bool
        The device streams as soon as notifications are enabled, at whatever rate it has: write
        the start commands (its rate) first, so that no sample goes out at the old rate.
    rates_hz : tuple of float
        Sample rates the profile can set; ``default_rate_hz`` is used when none is asked for.
    start_commands, rate_commands : callable (fs_hz) -> tuple of bytes
        Commands to write, in order, to start streaming at / switch to a rate (after subscribing).
    stop_commands : callable (fs_hz) -> tuple of bytes
        Commands that stop streaming.
    acc_lsb_mps2, gyro_lsb_radps : float or None
        Wire scale at the profile's configuration; ``None`` when the wire carries floats or the
        scale travels in the packets.
    has_gyro, has_mag : bool
        Whether batches carry gyroscope / magnetometer data in this configuration.
    has_device_time, has_sequence : bool
        Whether batches carry device timestamps / packet sequence counters.
    time_wrap_s : float or None
        Period after which the device timestamp wraps, s.
    seq_modulus : int or None
        Modulus of the packet sequence counter.
    decoder_factory : callable (fs_hz) -> Decoder
        Builds a fresh decoder for a session at that rate.
    notes : str
        One line on what is unconfirmed or special.
    """

    key: str
    label: str
    name_patterns: tuple[str, ...]
    service_uuid: str
    notify_uuid: str
    write_uuid: str | None
    rates_hz: tuple[float, ...]
    default_rate_hz: float
    decoder_factory: Callable[[float], Decoder]
    start_commands: Callable[[float], tuple[bytes, ...]] = _no_commands
    stop_commands: Callable[[float], tuple[bytes, ...]] = _no_commands
    rate_commands: Callable[[float], tuple[bytes, ...]] = _no_commands
    indicate_uuid: str | None = None
    write_with_response: bool = False
    configure_before_subscribe: bool = False
    acc_lsb_mps2: float | None = None
    gyro_lsb_radps: float | None = None
    has_gyro: bool = True
    has_mag: bool = False
    has_device_time: bool = False
    has_sequence: bool = False
    time_wrap_s: float | None = None
    seq_modulus: int | None = None
    notes: str = ""
    _compiled: tuple[re.Pattern[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", tuple(re.compile(p) for p in self.name_patterns))

    def check_rate(self, fs_hz: float | None) -> float:
        """The rate to use: `fs_hz` if the profile supports it, the default when ``None``."""
        if fs_hz is None:
            return self.default_rate_hz
        if fs_hz not in self.rates_hz:
            raise InputError(
                f"{self.label}: rate must be one of {list(self.rates_hz)} Hz, got {fs_hz}"
            )
        return float(fs_hz)

    def make_decoder(self, fs_hz: float | None = None) -> Decoder:
        """A fresh decoder for a session at `fs_hz` (the default rate when ``None``)."""
        return self.decoder_factory(self.check_rate(fs_hz))

    def time_base(self, batches: Sequence[SampleBatch], fs_hz: float, **options: Any) -> TimeBase:
        """:func:`~sensorback.devices.base.build_time_base` with this device's wrap periods."""
        return build_time_base(
            batches, fs_hz, time_wrap_s=self.time_wrap_s, seq_modulus=self.seq_modulus, **options
        )

    def matches_name(self, name: str) -> bool:
        """Whether an advertised name fits one of :attr:`name_patterns`."""
        return any(p.search(name) for p in self._compiled)


def _movesense_start(fs_hz: float) -> tuple[bytes, ...]:
    return (movesense.subscribe_command(movesense.measurement_path("IMU6", fs_hz)),)


def _movesense_stop(_: float) -> tuple[bytes, ...]:
    return (movesense.unsubscribe_command(),)


def _h10_start(fs_hz: float) -> tuple[bytes, ...]:
    return (polar.start_command(polar.ACC, int(fs_hz), range_value=8),)


def _polar_stop_acc(_: float) -> tuple[bytes, ...]:
    return (polar.stop_command(polar.ACC),)


def _verity_start(fs_hz: float) -> tuple[bytes, ...]:
    return (
        polar.start_command(polar.ACC, int(fs_hz), range_value=8),
        polar.start_command(polar.GYRO, int(fs_hz), range_value=2000),
    )


def _verity_stop(_: float) -> tuple[bytes, ...]:
    return (polar.stop_command(polar.ACC), polar.stop_command(polar.GYRO))


def _thingy_config(fs_hz: float) -> tuple[bytes, ...]:
    return (thingy.config_command(int(fs_hz)),)


def _metamotion(chip: str) -> dict[str, Any]:
    """The fields two MetaMotion profiles share but for the chip."""
    return {
        "name_patterns": (r"^MetaWear", r"^MetaMotion"),
        "service_uuid": metamotion.SERVICE_UUID,
        "notify_uuid": metamotion.NOTIFY_UUID,
        "write_uuid": metamotion.COMMAND_UUID,
        "rates_hz": metamotion.RATES_HZ,
        "default_rate_hz": 100.0,
        "decoder_factory": lambda fs: metamotion.MetaMotionDecoder(chip),
        "start_commands": lambda fs: metamotion.start_commands(chip, fs),
        "stop_commands": lambda fs: metamotion.stop_commands(chip, fs),
        "rate_commands": lambda fs: (
            metamotion.stop_commands(chip, fs) + metamotion.start_commands(chip, fs)
        ),
        "acc_lsb_mps2": metamotion.acc_lsb_mps2(8),
        "gyro_lsb_radps": metamotion.gyro_lsb_radps(2000),
    }


def _diy_rate(fs_hz: float) -> tuple[bytes, ...]:
    return (diy.rate_command(fs_hz),)


WITMOTION = DeviceProfile(
    key="witmotion",
    label="WitMotion WT901BLECL / BWT901BLECL5.0 / WT9011DCL",
    name_patterns=(r"^WT",),
    service_uuid=witmotion.SERVICE_UUID,
    notify_uuid=witmotion.NOTIFY_UUID,
    write_uuid=witmotion.WRITE_UUID,
    rates_hz=(10.0, 20.0, 50.0, 100.0, 200.0),
    default_rate_hz=100.0,
    decoder_factory=lambda fs: witmotion.WitMotionDecoder(),
    start_commands=witmotion.rate_commands,
    rate_commands=witmotion.rate_commands,
    configure_before_subscribe=True,
    acc_lsb_mps2=witmotion.ACC_LSB_MPS2,
    gyro_lsb_radps=witmotion.GYRO_LSB_RADPS,
    notes="streams 10 Hz on subscribe; the 200 Hz BLE rate is not confirmed sustainable",
)

MOVESENSE = DeviceProfile(
    key="movesense",
    label="Movesense (GATT SensorData Protocol firmware)",
    name_patterns=(r"^Movesense\b",),
    service_uuid=movesense.SERVICE_UUID,
    notify_uuid=movesense.NOTIFY_UUID,
    write_uuid=movesense.WRITE_UUID,
    write_with_response=True,
    rates_hz=(26.0, 52.0, 104.0, 208.0),
    default_rate_hz=104.0,
    decoder_factory=lambda fs: movesense.MovesenseDecoder(fs, "IMU6", ref=movesense.DEFAULT_REF),
    start_commands=_movesense_start,
    stop_commands=_movesense_stop,
    rate_commands=lambda fs: _movesense_stop(fs) + _movesense_start(fs),
    has_device_time=True,
    time_wrap_s=movesense.TIME_WRAP_S,
    notes="needs the gatt_sensordata_app firmware; factory firmware may not speak GSP",
)

POLAR_H10 = DeviceProfile(
    key="polar_h10",
    label="Polar H10 (accelerometer)",
    name_patterns=(r"^Polar H10\b",),
    service_uuid=polar.SERVICE_UUID,
    notify_uuid=polar.DATA_UUID,
    write_uuid=polar.CONTROL_UUID,
    indicate_uuid=polar.CONTROL_UUID,
    write_with_response=True,
    rates_hz=tuple(float(r) for r in polar.H10_ACC_RATES_HZ),
    default_rate_hz=200.0,
    decoder_factory=lambda fs: polar.PolarDecoder(fs),
    start_commands=_h10_start,
    stop_commands=_polar_stop_acc,
    rate_commands=lambda fs: _polar_stop_acc(fs) + _h10_start(fs),
    acc_lsb_mps2=G_MPS2 / 1000.0,
    has_gyro=False,
    has_device_time=True,
    notes="accelerometer only (±8 g, milli-g); device clock epoch is not the host's",
)

POLAR_VERITY = DeviceProfile(
    key="polar_verity",
    label="Polar Verity Sense (accelerometer + gyroscope)",
    name_patterns=(r"Polar Sense\b",),
    service_uuid=polar.SERVICE_UUID,
    notify_uuid=polar.DATA_UUID,
    write_uuid=polar.CONTROL_UUID,
    indicate_uuid=polar.CONTROL_UUID,
    write_with_response=True,
    rates_hz=tuple(float(r) for r in polar.VERITY_RATES_HZ),
    default_rate_hz=52.0,
    decoder_factory=lambda fs: polar.PolarDecoder(fs, gyro=True),
    start_commands=_verity_start,
    stop_commands=_verity_stop,
    rate_commands=lambda fs: _verity_stop(fs) + _verity_start(fs),
    has_device_time=True,
    notes="feed control-point responses to PolarDecoder.feed_control for the FACTOR; "
    "ACC frame type on the wire is unconfirmed",
)

THINGY52 = DeviceProfile(
    key="thingy52",
    label="Nordic Thingy:52 (raw motion)",
    name_patterns=(r"^Thingy",),
    service_uuid=thingy.SERVICE_UUID,
    notify_uuid=thingy.RAW_UUID,
    write_uuid=thingy.CONFIG_UUID,
    write_with_response=True,
    rates_hz=(10.0, 25.0, 50.0, 100.0, 200.0),
    default_rate_hz=100.0,
    decoder_factory=lambda fs: thingy.ThingyDecoder(),
    start_commands=_thingy_config,
    rate_commands=_thingy_config,
    configure_before_subscribe=True,
    acc_lsb_mps2=thingy.ACC_LSB_MPS2,
    gyro_lsb_radps=thingy.GYRO_LSB_RADPS,
    has_mag=True,
    notes="the advertised name is user-changeable (default 'Thingy'); one sample per notification",
)

METAMOTION = DeviceProfile(
    key="metamotion",
    label="MbientLab MetaMotion S / RL (BMI270)",
    notes="same name and UUIDs as the BMI160 boards: read module info (03 80) to tell them apart",
    **_metamotion("bmi270"),
)

METAMOTION_BMI160 = DeviceProfile(
    key="metamotion_bmi160",
    label="MbientLab MetaMotion R / C (BMI160)",
    notes="same name and UUIDs as the BMI270 boards: read module info (03 80) to tell them apart",
    **_metamotion("bmi160"),
)

DIY = DeviceProfile(
    key="diy",
    label="sensorback DIY board (open profile v1)",
    name_patterns=(r"^sensorback-",),
    service_uuid=diy.SERVICE_UUID,
    notify_uuid=diy.DATA_UUID,
    write_uuid=diy.CONTROL_UUID,
    write_with_response=True,
    rates_hz=tuple(float(r) for r in diy.RATES_HZ),
    default_rate_hz=100.0,
    decoder_factory=lambda fs: diy.DiyDecoder(),
    start_commands=lambda fs: _diy_rate(fs) + (diy.start_command(),),
    stop_commands=lambda fs: (diy.stop_command(),),
    rate_commands=_diy_rate,
    has_device_time=True,
    has_sequence=True,
    time_wrap_s=diy.TIME_WRAP_S,
    seq_modulus=diy.SEQ_MODULUS,
    notes="scales travel in every packet",
)

PROFILES: dict[str, DeviceProfile] = {
    p.key: p
    for p in (
        WITMOTION,
        MOVESENSE,
        POLAR_H10,
        POLAR_VERITY,
        THINGY52,
        METAMOTION,
        METAMOTION_BMI160,
        DIY,
    )
}
"""Every profile by key, in the order :func:`match_profile` prefers them on a tie."""


def match_profile(name: str | None, service_uuids: Sequence[str] = ()) -> DeviceProfile | None:
    """The profile that fits an advertisement best, or ``None``.

    A profile fits when its name pattern matches the advertised name or its service UUID is
    advertised.  A name match outweighs a service match (Polar H10 and Verity Sense share one
    service), both together win, and ties go to the first in :data:`PROFILES` (so MetaWear boards
    get the BMI270 profile until a module-info read says otherwise).

    Parameters
    ----------
    name : str or None
        Advertised local name.
    service_uuids : sequence of str
        Advertised service UUIDs (128-bit strings, any case).

    Examples
    --------
    >>> match_profile("WT901BLE67").key
    'witmotion'
    >>> match_profile("Polar Sense B5A1C42F").key
    'polar_verity'
    >>> match_profile(None, ["5B1E0001-7C3A-4D6E-9F21-8A4C53B0D7E2"]).key
    'diy'
    """
    uuids = {u.lower() for u in service_uuids}
    best, best_score = None, 0
    for profile in PROFILES.values():
        score = 2 * bool(name and profile.matches_name(name)) + (profile.service_uuid in uuids)
        if score > best_score:
            best, best_score = profile, score
    return best
