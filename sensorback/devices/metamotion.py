"""MbientLab MetaWear / MetaMotion boards (R and C with a BMI160, S and RL with a BMI270).

Every notification is ``[module][register][data]``.  Accelerometer (module 0x03) and gyroscope
(module 0x13) samples stream separately as int16 (x, y, z) triplets, one per notification or three
in "packed" notifications; the scale depends on the configured range.  There is no device clock:
samples are host-timed.  :class:`MetaMotionDecoder` pairs the two streams in arrival order (both
run at the same rate) and learns the chip from a module-info reply (``[module, 0x80]`` read).

See ``firmware_notes/metamotion.md`` for sources and quirks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensorback.devices.base import (
    G_MPS2,
    RAD_PER_DEG,
    Notification,
    PacketDecoder,
    SampleBatch,
    as_samples,
    chunk_starts,
    int_triplets,
    quantize,
)
from sensorback.errors import DecodeError, InputError

SERVICE_UUID = "326a9000-85cb-9195-d9dd-464cfbbae75a"
COMMAND_UUID = "326a9001-85cb-9195-d9dd-464cfbbae75a"
NOTIFY_UUID = "326a9006-85cb-9195-d9dd-464cfbbae75a"

ACCELEROMETER, GYRO = 0x03, 0x13
"""Module ids."""
POWER, INTERRUPT_ENABLE, CONFIG = 0x01, 0x02, 0x03
"""Registers shared by both modules."""
MODULE_INFO = 0x80
"""Read bit on register 0: ``[module, 0x80]`` is answered by ``[module, 0x80, impl, revision]``."""

ODR_CODES: dict[float, int] = {12.5: 5, 25: 6, 50: 7, 100: 8, 200: 9, 400: 10, 800: 11, 1600: 12}
"""Bosch output-data-rate codes by rate in Hz (accelerometer and gyroscope)."""
GYRO_RANGE_CODES: dict[int, int] = {2000: 0, 1000: 1, 500: 2, 250: 3, 125: 4}
GYRO_LSB_PER_DPS = (16.4, 32.8, 65.6, 131.2, 262.4)
"""Gyroscope counts per °/s, indexed by range code (``FSR_SCALE`` of the SDK)."""
RATES_HZ = (25, 50, 100, 200)
"""Rates where both sensors stream (the gyroscope starts at 25 Hz)."""
PACKED_ABOVE_HZ = 100.0
"""Above this rate the packed registers (3 samples per notification) are used."""
SAMPLES_PER_PACKED = 3
_BANDWIDTH_NORMAL = 2 << 4


@dataclass(frozen=True)
class Chip:
    """Register map and codes of one Bosch IMU as the MetaWear firmware exposes it."""

    name: str
    acc_range_codes: dict[int, int]
    """Accelerometer range code by range in g."""
    acc_config_flags: int
    """Bits added to the accelerometer ODR code: bandwidth normal, and filter_perf on a BMI270."""
    acc_data: int
    acc_packed: int
    gyro_data: int
    gyro_packed: int


BMI160 = Chip(
    "BMI160", {2: 0x03, 4: 0x05, 8: 0x08, 16: 0x0C}, _BANDWIDTH_NORMAL, 0x04, 0x1C, 0x05, 0x07
)
BMI270 = Chip("BMI270", {2: 0, 4: 1, 8: 2, 16: 3}, 0x80 | _BANDWIDTH_NORMAL, 0x04, 0x05, 0x04, 0x05)
CHIPS = {"bmi160": BMI160, "bmi270": BMI270}
_IMPLEMENTATIONS = {
    (ACCELEROMETER, 1): BMI160,
    (ACCELEROMETER, 4): BMI270,
    (GYRO, 0): BMI160,
    (GYRO, 1): BMI270,
}


def _chip(chip: str | Chip) -> Chip:
    if isinstance(chip, Chip):
        return chip
    if chip.lower() not in CHIPS:
        raise InputError(f"MetaMotion chip must be one of {list(CHIPS)}, got {chip!r}")
    return CHIPS[chip.lower()]


def _code(table: dict, key: float, what: str) -> int:
    if key not in table:
        raise InputError(f"MetaMotion {what} must be one of {sorted(table)}, got {key}")
    return table[key]


def module_info_command(module: int) -> bytes:
    """Ask a module for its implementation (answered by ``[module, 0x80, impl, revision]``)."""
    return bytes([module, MODULE_INFO])


def acc_config_command(chip: str | Chip, fs_hz: float, range_g: int) -> bytes:
    """``03 03 <odr byte> <range code>``: accelerometer rate and range."""
    c = _chip(chip)
    odr = _code(ODR_CODES, fs_hz, "rate (Hz)")
    return bytes(
        [
            ACCELEROMETER,
            CONFIG,
            odr | c.acc_config_flags,
            _code(c.acc_range_codes, range_g, "range (g)"),
        ]
    )


def gyro_config_command(fs_hz: float, range_dps: int) -> bytes:
    """``13 03 <odr | bandwidth> <range code>``: gyroscope rate and range (same on both chips)."""
    odr = _code(ODR_CODES, fs_hz, "rate (Hz)")
    if odr < ODR_CODES[25]:
        raise InputError(f"MetaMotion gyroscope rate must be at least 25 Hz, got {fs_hz}")
    return bytes(
        [
            GYRO,
            CONFIG,
            odr | _BANDWIDTH_NORMAL,
            _code(GYRO_RANGE_CODES, range_dps, "gyro range (°/s)"),
        ]
    )


def _data_registers(chip: Chip, fs_hz: float) -> tuple[int, int]:
    if fs_hz > PACKED_ABOVE_HZ:
        return chip.acc_packed, chip.gyro_packed
    return chip.acc_data, chip.gyro_data


def start_commands(
    chip: str | Chip, fs_hz: float, *, acc_range_g: int = 8, gyro_range_dps: int = 2000
) -> tuple[bytes, ...]:
    """Configure, subscribe, enable and start both sensors (packed above 100 Hz)."""
    c = _chip(chip)
    acc_reg, gyro_reg = _data_registers(c, fs_hz)
    return (
        acc_config_command(c, fs_hz, acc_range_g),
        gyro_config_command(fs_hz, gyro_range_dps),
        bytes([ACCELEROMETER, acc_reg, 1]),
        bytes([GYRO, gyro_reg, 1]),
        bytes([ACCELEROMETER, INTERRUPT_ENABLE, 1, 0]),
        bytes([GYRO, INTERRUPT_ENABLE, 1, 0]),
        bytes([GYRO, POWER, 1]),
        bytes([ACCELEROMETER, POWER, 1]),
    )


def stop_commands(chip: str | Chip, fs_hz: float) -> tuple[bytes, ...]:
    """Stop, disable and unsubscribe both sensors."""
    acc_reg, gyro_reg = _data_registers(_chip(chip), fs_hz)
    return (
        bytes([ACCELEROMETER, POWER, 0]),
        bytes([GYRO, POWER, 0]),
        bytes([ACCELEROMETER, INTERRUPT_ENABLE, 0, 1]),
        bytes([GYRO, INTERRUPT_ENABLE, 0, 1]),
        bytes([ACCELEROMETER, acc_reg, 0]),
        bytes([GYRO, gyro_reg, 0]),
    )


def acc_lsb_mps2(range_g: int) -> float:
    """Accelerometer scale, m/s² per count, for a range in g (32768 counts span the range)."""
    return range_g / 32768.0 * G_MPS2


def gyro_lsb_radps(range_dps: int) -> float:
    """Gyroscope scale, rad/s per count, for a range in °/s."""
    return RAD_PER_DEG / GYRO_LSB_PER_DPS[_code(GYRO_RANGE_CODES, range_dps, "gyro range (°/s)")]


class MetaMotionDecoder(PacketDecoder):
    """Decoder of accelerometer and gyroscope notifications, paired in arrival order.

    Parameters
    ----------
    chip : {'bmi270', 'bmi160'} or Chip
        IMU of the board; a module-info reply seen on the stream replaces it.
    acc_range_g, gyro_range_dps : int
        Configured ranges (they set the scale).
    gyro : bool
        Whether the gyroscope streams too; without it batches hold acceleration only.
    max_pending : int
        Samples of one stream kept while waiting for the other; older ones are dropped.

    Attributes
    ----------
    n_unpaired : int
        Samples dropped because the other stream fell that far behind.

    Examples
    --------
    >>> dec = MetaMotionDecoder("bmi160", acc_range_g=4, gyro=False)
    >>> [batch] = dec.feed(bytes.fromhex("030416c494a22ad0"), 0.0)
    >>> (batch.acc / 9.80665).round(3).tolist()
    [[-1.872, -2.919, -1.495]]
    """

    def __init__(
        self,
        chip: str | Chip = "bmi270",
        *,
        acc_range_g: int = 8,
        gyro_range_dps: int = 2000,
        gyro: bool = True,
        max_pending: int = 1024,
    ) -> None:
        super().__init__()
        self.chip = _chip(chip)
        self.acc_scale = acc_lsb_mps2(acc_range_g)
        self.gyro_scale = gyro_lsb_radps(gyro_range_dps)
        self.with_gyro = gyro
        self.max_pending = max_pending
        self.n_unpaired = 0
        self._pending: dict[int, np.ndarray] = {}
        self.reset()

    def reset(self) -> None:
        """Forget unpaired samples; counters and configuration are kept."""
        self._pending = {ACCELEROMETER: np.empty((0, 3)), GYRO: np.empty((0, 3))}

    def _layout(self) -> dict[tuple[int, int], int]:
        """Samples per notification for each (module, register) carrying data."""
        c = self.chip
        layout = {(ACCELEROMETER, c.acc_data): 1, (ACCELEROMETER, c.acc_packed): SAMPLES_PER_PACKED}
        if self.with_gyro:
            layout.update({(GYRO, c.gyro_data): 1, (GYRO, c.gyro_packed): SAMPLES_PER_PACKED})
        return layout

    def _decode(self, payload: bytes, host_time_s: float) -> list[SampleBatch]:
        if len(payload) < 2:
            raise DecodeError(payload, 0, "truncated header")
        module, register = payload[0], payload[1]
        if register == MODULE_INFO and module in (ACCELEROMETER, GYRO):
            return self._module_info(payload)
        n = self._layout().get((module, register))
        if n is None:
            raise DecodeError(payload, 0, "unsupported module/register")
        if len(payload) != 2 + 6 * n:
            raise DecodeError(payload, 2, "wrong length")
        scale = self.acc_scale if module == ACCELEROMETER else self.gyro_scale
        values = int_triplets(payload[2:], "<i2", scale)
        if not self.with_gyro:
            return [SampleBatch(acc=values, host_time_s=host_time_s)]
        return self._pair(module, values, host_time_s)

    def _module_info(self, payload: bytes) -> list[SampleBatch]:
        if len(payload) < 4 or (payload[0], payload[2]) not in _IMPLEMENTATIONS:
            raise DecodeError(payload, 2, "unsupported implementation")
        self.chip = _IMPLEMENTATIONS[payload[0], payload[2]]
        return []

    def _pair(self, module: int, values: np.ndarray, host_time_s: float) -> list[SampleBatch]:
        queue = np.concatenate([self._pending[module], values])
        if len(queue) > self.max_pending:
            self.n_unpaired += len(queue) - self.max_pending
            queue = queue[-self.max_pending :]
        self._pending[module] = queue
        acc, gyro = self._pending[ACCELEROMETER], self._pending[GYRO]
        k = min(len(acc), len(gyro))
        if k == 0:
            return []
        self._pending = {ACCELEROMETER: acc[k:], GYRO: gyro[k:]}
        return [SampleBatch(acc=acc[:k], gyro=gyro[:k], host_time_s=host_time_s)]


def encode_notifications(
    time_s: np.ndarray,
    acc: np.ndarray,
    gyro: np.ndarray | None = None,
    *,
    chip: str | Chip = "bmi270",
    acc_range_g: int = 8,
    gyro_range_dps: int = 2000,
    packed: bool = False,
) -> list[Notification]:
    """The notifications a MetaMotion board would send: per sample (or packed triple), the
    accelerometer notification, then the gyroscope one.

    Parameters
    ----------
    time_s : array_like, shape (n,)
        Sample times, s.
    acc : array_like, shape (n, 3)
        Acceleration, m/s² (saturates at the range).
    gyro : array_like, shape (n, 3), optional
        Angular rate, rad/s.
    chip : {'bmi270', 'bmi160'} or Chip
        Sets the data registers.
    acc_range_g, gyro_range_dps : int
        Configured ranges.
    packed : bool
        Three samples per notification (the mode used above 100 Hz); a trailing group of fewer
        than three samples is not sent, as the board only sends full packed notifications.

    Returns
    -------
    list of Notification
    """
    c = _chip(chip)
    times = np.asarray(time_s, dtype=float)
    n = times.size
    size = SAMPLES_PER_PACKED if packed else 1
    acc_counts = quantize(as_samples(acc, n, "acc"), acc_lsb_mps2(acc_range_g))
    streams = [(ACCELEROMETER, c.acc_packed if packed else c.acc_data, acc_counts)]
    if gyro is not None:
        gyro_counts = quantize(as_samples(gyro, n, "gyro"), gyro_lsb_radps(gyro_range_dps))
        streams.append((GYRO, c.gyro_packed if packed else c.gyro_data, gyro_counts))
    out = []
    for start in chunk_starts(n - n % size, size):
        stop = start + size
        for module, register, counts in streams:
            payload = bytes([module, register]) + counts[start:stop].astype("<i2").tobytes()
            out.append(Notification(float(times[stop - 1]), payload))
    return out
