"""Nordic Thingy:52 motion service, raw-data characteristic.

Each notification is one sample of 18 bytes: accelerometer, gyroscope and compass (x, y, z) as
int16 fixed point — 6Q10 g, 11Q5 °/s and 12Q4 µT.  There is no device clock and no sequence
counter: samples are host-timed.  The rate is ``motion_freq_hz`` in the 9-byte motion
configuration characteristic.

See ``firmware_notes/thingy.md`` for sources and quirks.
"""

from __future__ import annotations

import struct

import numpy as np

from sensorback.devices.base import (
    G_MPS2,
    RAD_PER_DEG,
    Notification,
    PacketDecoder,
    SampleBatch,
    as_samples,
    quantize,
)
from sensorback.errors import DecodeError, InputError

SERVICE_UUID = "ef680400-9b35-4933-9b10-52ffa9740042"
CONFIG_UUID = "ef680401-9b35-4933-9b10-52ffa9740042"
RAW_UUID = "ef680406-9b35-4933-9b10-52ffa9740042"

PACKET_BYTES = 18
ACC_LSB_MPS2 = G_MPS2 / 1024.0
GYRO_LSB_RADPS = RAD_PER_DEG / 32.0
MAG_LSB_UT = 1.0 / 16.0
_SCALES = np.array([[ACC_LSB_MPS2], [GYRO_LSB_RADPS], [MAG_LSB_UT]])
RATE_RANGE_HZ = (5, 200)
"""Motion rate range of the documentation (the firmware clamps to 1..200)."""


def config_command(
    motion_freq_hz: int,
    *,
    pedometer_interval_ms: int = 1000,
    temperature_interval_ms: int = 500,
    compass_interval_ms: int = 500,
    wake_on_motion: bool = True,
) -> bytes:
    """The 9-byte motion configuration; the other fields default to the firmware defaults.

    Parameters
    ----------
    motion_freq_hz : int
        Rate of the raw, quaternion and Euler notifications, Hz (5..200).
    """
    if not RATE_RANGE_HZ[0] <= motion_freq_hz <= RATE_RANGE_HZ[1]:
        raise InputError(
            f"Thingy:52 motion rate must be {RATE_RANGE_HZ[0]}..{RATE_RANGE_HZ[1]} Hz, "
            f"got {motion_freq_hz}"
        )
    return struct.pack(
        "<HHHHB",
        pedometer_interval_ms,
        temperature_interval_ms,
        compass_interval_ms,
        motion_freq_hz,
        int(wake_on_motion),
    )


class ThingyDecoder(PacketDecoder):
    """Decoder of raw motion notifications (one sample each).

    Examples
    --------
    >>> raw = bytes.fromhex("0000000000044001000060ff4001b0ff8002")
    >>> [batch] = ThingyDecoder().feed(raw, 0.0)
    >>> (batch.acc / 9.80665).tolist(), batch.mag.tolist()
    ([[0.0, 0.0, 1.0]], [[20.0, -5.0, 40.0]])
    """

    def _decode(self, payload: bytes, host_time_s: float) -> list[SampleBatch]:
        if len(payload) != PACKET_BYTES:
            raise DecodeError(payload, 0, "wrong length")
        values = np.frombuffer(payload, dtype="<i2").reshape(3, 3) * _SCALES
        return [
            SampleBatch(acc=values[0:1], gyro=values[1:2], mag=values[2:3], host_time_s=host_time_s)
        ]


def encode_notifications(
    time_s: np.ndarray,
    acc: np.ndarray,
    gyro: np.ndarray,
    *,
    mag: np.ndarray | None = None,
) -> list[Notification]:
    """The raw motion notifications a Thingy:52 would send, one per sample.

    Parameters
    ----------
    time_s : array_like, shape (n,)
        Sample times, s.
    acc : array_like, shape (n, 3)
        Acceleration, m/s² (saturates at ±32 g).
    gyro : array_like, shape (n, 3)
        Angular rate, rad/s (saturates at ±1024 °/s).
    mag : array_like, shape (n, 3), optional
        Magnetic field, µT (zeros when not given).

    Returns
    -------
    list of Notification
    """
    times = np.asarray(time_s, dtype=float)
    n = times.size
    words = np.zeros((n, 9), dtype="<i2")
    words[:, 0:3] = quantize(as_samples(acc, n, "acc"), ACC_LSB_MPS2)
    words[:, 3:6] = quantize(as_samples(gyro, n, "gyro"), GYRO_LSB_RADPS)
    if mag is not None:
        words[:, 6:9] = quantize(as_samples(mag, n, "mag"), MAG_LSB_UT)
    return [Notification(float(t), row.tobytes()) for t, row in zip(times, words)]
