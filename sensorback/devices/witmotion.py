"""WitMotion BLE 5.0 IMUs (WT901BLECL, BWT901BLECL5.0, WT9011DCL).

The notify characteristic carries a byte stream of 20-byte frames without checksum: ``55 61`` frames
with acceleration, angular rate and on-board Euler angles, and ``55 71`` register read-backs.
Several frames share one notification and a frame may be split across two, so
:class:`WitMotionDecoder` buffers bytes and resyncs on the two-byte header.  There is no device
clock and no sequence counter: samples are host-timed.

See ``firmware_notes/witmotion.md`` for sources and quirks.
"""

from __future__ import annotations

import numpy as np

from sensorback.devices.base import (
    G_MPS2,
    RAD_PER_DEG,
    Decoder,
    Notification,
    SampleBatch,
    as_samples,
    chunk_starts,
    quantize,
)
from sensorback.errors import InputError

SERVICE_UUID = "0000ffe5-0000-1000-8000-00805f9a34fb"
NOTIFY_UUID = "0000ffe4-0000-1000-8000-00805f9a34fb"
WRITE_UUID = "0000ffe9-0000-1000-8000-00805f9a34fb"

FRAME_BYTES = 20
HEADER = 0x55
FLAG_IMU = 0x61
FLAG_REGISTERS = 0x71
ACC_LSB_MPS2 = 16.0 / 32768.0 * G_MPS2
GYRO_LSB_RADPS = 2000.0 / 32768.0 * RAD_PER_DEG
ANGLE_LSB_DEG = 180.0 / 32768.0

_SCALES = np.repeat([ACC_LSB_MPS2, GYRO_LSB_RADPS, ANGLE_LSB_DEG], 3)

RATE_CODES: dict[float, int] = {
    0.2: 0x01,
    0.5: 0x02,
    1.0: 0x03,
    2.0: 0x04,
    5.0: 0x05,
    10.0: 0x06,
    20.0: 0x07,
    50.0: 0x08,
    100.0: 0x09,
    125.0: 0x0A,
    200.0: 0x0B,
}
"""Output-rate register (0x03) codes by rate in Hz; 10 Hz is the factory default."""

UNLOCK = bytes.fromhex("ffaa6988b5")
"""Unlock the configuration registers for about 10 s."""
SAVE = bytes.fromhex("ffaa000000")
"""Save the configuration to flash."""


def write_register_command(register: int, value: int) -> bytes:
    """Command writing the int16 `value` to `register`: ``FF AA reg valL valH``."""
    return bytes([0xFF, 0xAA, register & 0xFF]) + (value & 0xFFFF).to_bytes(2, "little")


def read_register_command(register: int) -> bytes:
    """Command asking for a ``55 71`` read-back of the 8 registers from `register`."""
    return bytes([0xFF, 0xAA, 0x27, register & 0xFF, 0x00])


def rate_commands(fs_hz: float) -> tuple[bytes, ...]:
    """The official sequence that sets the output rate: unlock, rate register, save.

    Parameters
    ----------
    fs_hz : float
        One of :data:`RATE_CODES`.
    """
    code = RATE_CODES.get(float(fs_hz))
    if code is None:
        raise InputError(f"WitMotion rate must be one of {sorted(RATE_CODES)} Hz, got {fs_hz}")
    return (UNLOCK, write_register_command(0x03, code), SAVE)


class WitMotionDecoder(Decoder):
    """Stream decoder of WitMotion ``55 61`` / ``55 71`` frames.

    It never raises: bytes that do not start a frame are skipped and counted in
    :attr:`n_bytes_discarded`; each run of skipped bytes counts once in :attr:`n_rejected`.
    :attr:`n_packets` counts frames.  Register read-backs update :attr:`registers`.

    Attributes
    ----------
    registers : dict of int to tuple of int
        Latest ``55 71`` read-back: start register -> its 8 int16 register values.

    Examples
    --------
    >>> frame = bytes.fromhex("5561fcffefff110800000000000098ff0d00f831")
    >>> dec = WitMotionDecoder()
    >>> [batch] = dec.feed(frame[:7], 0.0) + dec.feed(frame[7:] + frame[:3], 0.01)
    >>> (batch.acc[0] / 9.80665).round(4).tolist()
    [-0.002, -0.0083, 1.0083]
    >>> dec.pending_bytes
    3
    """

    def __init__(self) -> None:
        super().__init__()
        self._buffer = bytearray()
        self.registers: dict[int, tuple[int, ...]] = {}

    @property
    def pending_bytes(self) -> int:
        """Bytes held while waiting for the rest of a frame."""
        return len(self._buffer)

    def reset(self) -> None:
        """Drop a partial frame (after a reconnect); counters and registers are kept."""
        self._buffer.clear()

    def feed(self, data: bytes | bytearray | memoryview, host_time_s: float) -> list[SampleBatch]:
        """Add the bytes of one notification to the stream.

        Parameters
        ----------
        data : bytes-like
            The notification value.
        host_time_s : float
            Host time at which it arrived, s.

        Returns
        -------
        list of SampleBatch
            At most one batch, holding every ``55 61`` frame completed by these bytes.
        """
        self._buffer += data
        imu = self._take_frames()
        if not imu:
            return []
        values = np.frombuffer(b"".join(imu), dtype="<i2").reshape(-1, 10)[:, 1:] * _SCALES
        return [
            SampleBatch(
                acc=values[:, 0:3],
                gyro=values[:, 3:6],
                angle_deg=values[:, 6:9],
                host_time_s=float(host_time_s),
            )
        ]

    def _take_frames(self) -> list[bytes]:
        """Cut every complete frame out of the buffer; keep a trailing partial one."""
        buf = self._buffer
        imu: list[bytes] = []
        pos = 0
        while True:
            start = self._next_header(pos)
            if start > pos:
                self._reject("no frame header", start - pos)
            pos = start
            if pos + FRAME_BYTES > len(buf):
                break
            frame = bytes(buf[pos : pos + FRAME_BYTES])
            pos += FRAME_BYTES
            self.n_packets += 1
            if frame[1] == FLAG_IMU:
                imu.append(frame)
            else:
                values = np.frombuffer(frame, dtype="<i2", offset=4)
                self.registers[int.from_bytes(frame[2:4], "little")] = tuple(values.tolist())
        del buf[:pos]
        return imu

    def _next_header(self, pos: int) -> int:
        """Index of the next possible frame start at or after `pos` (may be a lone final 0x55)."""
        buf = self._buffer
        while True:
            start = buf.find(HEADER, pos)
            if start < 0:
                return len(buf)
            if start + 1 == len(buf) or buf[start + 1] in (FLAG_IMU, FLAG_REGISTERS):
                return start
            pos = start + 1


def encode_frames(
    acc: np.ndarray, gyro: np.ndarray, angle_deg: np.ndarray | None = None
) -> list[bytes]:
    """One ``55 61`` frame per sample.

    Parameters
    ----------
    acc : array_like, shape (n, 3)
        Acceleration, m/s²; saturates at ±16 g.
    gyro : array_like, shape (n, 3)
        Angular rate, rad/s; saturates at ±2000 °/s.
    angle_deg : array_like, shape (n, 3), optional
        Roll, pitch, yaw the device would report, degrees; zeros when not given.
    """
    n = len(acc)
    words = np.zeros((n, 10), dtype="<i2")
    words[:, 0] = HEADER | (FLAG_IMU << 8)
    words[:, 1:4] = quantize(as_samples(acc, n, "acc"), ACC_LSB_MPS2)
    words[:, 4:7] = quantize(as_samples(gyro, n, "gyro"), GYRO_LSB_RADPS)
    if angle_deg is not None:
        words[:, 7:10] = quantize(as_samples(angle_deg, n, "angle_deg"), ANGLE_LSB_DEG)
    return [row.tobytes() for row in words]


def encode_register_reply(register: int, values: tuple[int, ...]) -> bytes:
    """The ``55 71`` read-back of 8 int16 registers starting at `register`."""
    if len(values) != 8:
        raise InputError(f"a WitMotion read-back carries 8 registers, got {len(values)}")
    body = np.asarray(values, dtype=np.int64).astype("<i2").tobytes()
    return bytes([HEADER, FLAG_REGISTERS]) + register.to_bytes(2, "little") + body


def encode_notifications(
    time_s: np.ndarray,
    acc: np.ndarray,
    gyro: np.ndarray,
    *,
    angle_deg: np.ndarray | None = None,
    frames_per_notification: int = 1,
) -> list[Notification]:
    """The notifications a WitMotion sensor would send for these samples.

    Parameters
    ----------
    time_s : array_like, shape (n,)
        Sample times, s; a notification goes out at the time of its last frame.
    acc : array_like, shape (n, 3)
        Acceleration, m/s².
    gyro : array_like, shape (n, 3)
        Angular rate, rad/s.
    angle_deg : array_like, shape (n, 3), optional
        On-board Euler angles, degrees (zeros when not given).
    frames_per_notification : int
        Frames packed back to back in one notification (real captures show 1 to 4).

    Returns
    -------
    list of Notification
    """
    times = np.asarray(time_s, dtype=float)
    frames = encode_frames(acc, gyro, angle_deg)
    if times.shape != (len(frames),):
        raise InputError(f"time_s must have shape ({len(frames)},), got {times.shape}")
    return [
        Notification(
            float(times[min(i + frames_per_notification, len(frames)) - 1]),
            b"".join(frames[i : i + frames_per_notification]),
        )
        for i in chunk_starts(len(frames), frames_per_notification)
    ]
