"""Movesense sensors running the GATT SensorData Protocol (GSP) firmware sample.

Notifications are ``[response type][client reference][payload]``.  A DATA payload of an IMU
subscription is a uint32 millisecond timestamp of the first sample followed by per-sensor blocks
of float32 (x, y, z) triplets: N accelerations (m/s²), then N angular rates (°/s), then N magnetic
fields (µT), as the subscription path asks.

See ``firmware_notes/movesense.md`` for sources and what could not be confirmed.
"""

from __future__ import annotations

import struct

import numpy as np

from sensorback.devices.base import (
    RAD_PER_DEG,
    Notification,
    PacketDecoder,
    SampleBatch,
    as_samples,
    chunk_starts,
)
from sensorback.errors import DecodeError, InputError

SERVICE_UUID = "34802252-7185-4d5d-b431-630e7050e8f0"
WRITE_UUID = "34800001-7185-4d5d-b431-630e7050e8f0"
NOTIFY_UUID = "34800002-7185-4d5d-b431-630e7050e8f0"

HELLO, SUBSCRIBE, UNSUBSCRIBE = 0, 1, 2
"""Command codes written to :data:`WRITE_UUID`."""
COMMAND_RESULT, DATA, DATA_PART2, DATA_PART3 = 1, 2, 3, 4
"""Response types, the first byte of a notification."""

RATES_HZ = (13, 26, 52, 104, 208, 416, 833, 1666)
"""IMU sample rates reported by community code; the sensor lists its own in /Meas/IMU/Info."""
TIME_WRAP_S = 2**32 / 1000.0
"""The uint32 millisecond timestamp wraps after this many seconds (about 49.7 days)."""
DEFAULT_REF = 99

MEASUREMENTS: dict[str, tuple[str, ...]] = {
    "Acc": ("acc",),
    "IMU6": ("acc", "gyro"),
    "IMU6m": ("acc", "mag"),
    "IMU9": ("acc", "gyro", "mag"),
}
"""Subscribable measurements that include acceleration, and the blocks of their payload."""


def hello_command(ref: int = DEFAULT_REF) -> bytes:
    """Command answered by ``01 ref 'Hello'``."""
    return bytes([HELLO, _check_ref(ref)])


def subscribe_command(path: str, ref: int = DEFAULT_REF) -> bytes:
    """Subscribe `ref` (1..255) to a resource path such as ``/Meas/IMU6/104``."""
    return bytes([SUBSCRIBE, _check_ref(ref)]) + path.encode("ascii")


def unsubscribe_command(ref: int = DEFAULT_REF) -> bytes:
    """Stop the subscription `ref`."""
    return bytes([UNSUBSCRIBE, _check_ref(ref)])


def measurement_path(measurement: str, fs_hz: float) -> str:
    """Resource path of an IMU measurement at a rate, e.g. ``/Meas/IMU6/104``."""
    if measurement not in MEASUREMENTS:
        raise InputError(
            f"Movesense measurement must be one of {list(MEASUREMENTS)}, got {measurement!r}"
        )
    return f"/Meas/{measurement}/{int(fs_hz)}"


def _check_ref(ref: int) -> int:
    if not 1 <= ref <= 255:
        raise InputError(f"Movesense client reference must be 1..255, got {ref}")
    return ref


class MovesenseDecoder(PacketDecoder):
    """Decoder of GSP notifications for one IMU subscription.

    Parameters
    ----------
    fs_hz : float
        Subscribed sample rate, Hz; spaces the samples after the first one's timestamp.
    measurement : {'Acc', 'IMU6', 'IMU6m', 'IMU9'}
        What the subscription path asked for.
    ref : int, optional
        Client reference of the subscription; other references are rejected.  Any when ``None``.

    Attributes
    ----------
    last_command_result : tuple of (int, bytes) or None
        Reference and payload of the latest COMMAND_RESULT notification.

    Examples
    --------
    >>> payload = bytes.fromhex("026340e20100" + "0000803f" * 3 + "00000000" * 3)
    >>> [batch] = MovesenseDecoder(fs_hz=104, measurement="IMU6").feed(payload, 0.0)
    >>> batch.time_s.tolist(), batch.acc.tolist()
    ([123.456], [[1.0, 1.0, 1.0]])
    """

    def __init__(
        self, fs_hz: float = 104.0, measurement: str = "IMU6", ref: int | None = None
    ) -> None:
        super().__init__()
        if measurement not in MEASUREMENTS:
            raise InputError(
                f"measurement must be one of {list(MEASUREMENTS)}, got {measurement!r}"
            )
        self.fs_hz = float(fs_hz)
        self.blocks = MEASUREMENTS[measurement]
        self.ref = ref
        self.last_command_result: tuple[int, bytes] | None = None

    def _decode(self, payload: bytes, host_time_s: float) -> list[SampleBatch]:
        if len(payload) < 2:
            raise DecodeError(payload, 0, "truncated header")
        kind, ref = payload[0], payload[1]
        if kind == COMMAND_RESULT:
            self.last_command_result = (ref, payload[2:])
            return []
        if kind in (DATA_PART2, DATA_PART3):
            raise DecodeError(payload, 0, "multi-part data is not supported")
        if kind != DATA:
            raise DecodeError(payload, 0, "unknown response type")
        if self.ref is not None and ref != self.ref:
            raise DecodeError(payload, 1, "other subscription")
        return [self._samples(payload, host_time_s)]

    def _samples(self, payload: bytes, host_time_s: float) -> SampleBatch:
        n, extra = divmod(len(payload) - 6, 12 * len(self.blocks))
        if n < 1 or extra:
            raise DecodeError(payload, 6, "length does not match measurement")
        raw = np.frombuffer(payload, dtype="<f4", offset=6)
        if not np.isfinite(raw).all():
            raise DecodeError(payload, 6, "non-finite value")
        blocks = dict(zip(self.blocks, raw.reshape(len(self.blocks), -1, 3).astype(float)))
        (stamp_ms,) = struct.unpack_from("<I", payload, 2)
        gyro = blocks.get("gyro")
        return SampleBatch(
            acc=blocks["acc"],
            gyro=None if gyro is None else gyro * RAD_PER_DEG,
            mag=blocks.get("mag"),
            time_s=stamp_ms / 1000.0 + np.arange(n) / self.fs_hz,
            host_time_s=host_time_s,
        )


def encode_notifications(
    time_s: np.ndarray,
    acc: np.ndarray,
    gyro: np.ndarray | None = None,
    *,
    mag: np.ndarray | None = None,
    ref: int = DEFAULT_REF,
    samples_per_notification: int = 4,
) -> list[Notification]:
    """The DATA notifications a Movesense sensor would send for these samples.

    The measurement follows from what is given: acc only -> Acc, acc + gyro -> IMU6,
    acc + mag -> IMU6m, all three -> IMU9.

    Parameters
    ----------
    time_s : array_like, shape (n,)
        Sample times on the sensor clock, s (>= 0); each packet is stamped with its first sample's
        time in whole milliseconds, modulo 2**32.
    acc : array_like, shape (n, 3)
        Acceleration, m/s².
    gyro : array_like, shape (n, 3), optional
        Angular rate, rad/s.
    mag : array_like, shape (n, 3), optional
        Magnetic field, µT.
    ref : int
        Client reference of the subscription.
    samples_per_notification : int
        Samples per packet (unconfirmed for real firmware; a community loader reports 4).

    Returns
    -------
    list of Notification
    """
    times = np.asarray(time_s, dtype=float)
    n = times.size
    blocks = [as_samples(acc, n, "acc")]
    if gyro is not None:
        blocks.append(as_samples(gyro, n, "gyro") / RAD_PER_DEG)
    if mag is not None:
        blocks.append(as_samples(mag, n, "mag"))
    head = bytes([DATA, _check_ref(ref)])
    out = []
    for start in chunk_starts(n, samples_per_notification):
        stop = min(start + samples_per_notification, n)
        stamp = round(times[start] * 1000.0) % 2**32
        body = b"".join(b[start:stop].astype("<f4").tobytes() for b in blocks)
        out.append(Notification(float(times[stop - 1]), head + struct.pack("<I", stamp) + body))
    return out
