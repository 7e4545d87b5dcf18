"""Polar Measurement Data (PMD) service: Polar H10 (accelerometer) and Polar Verity Sense.

Data frames on :data:`DATA_UUID` are ``[measurement type][uint64 ns timestamp of the last sample]
[frame type][content]``.  Accelerometer frames come raw (int8/16/24 milli-g) or delta-compressed;
gyroscope frames come delta-compressed only.  The control point (:data:`CONTROL_UUID`) takes
commands and indicates responses; the start response carries the scale FACTOR of compressed
frames, which :meth:`PolarDecoder.feed_control` picks up.

Accelerometer and gyroscope frames arrive separately, each with its own timestamp;
:class:`PolarDecoder` pairs their samples by device time so that every batch holds both.

See ``firmware_notes/polar.md`` for sources and what could not be confirmed.
"""

from __future__ import annotations

import struct
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
    quantize,
)
from sensorback.errors import DecodeError

SERVICE_UUID = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
CONTROL_UUID = "fb005c81-02e7-f387-1cad-8acd2d8df0c8"
DATA_UUID = "fb005c82-02e7-f387-1cad-8acd2d8df0c8"

ACC, GYRO = 2, 5
"""Measurement types (the low 6 bits of a data frame's first byte)."""
GET_SETTINGS, START, STOP = 1, 2, 3
"""Control-point opcodes."""
RESPONSE = 0xF0
"""First byte of a control-point response."""
SAMPLE_RATE, RESOLUTION, RANGE, RANGE_MILLIUNIT, CHANNELS, FACTOR = range(6)
"""Setting types of the control-point TLVs."""
_SETTING_FORMAT = {
    SAMPLE_RATE: "<H",
    RESOLUTION: "<H",
    RANGE: "<H",
    RANGE_MILLIUNIT: "<I",
    CHANNELS: "<B",
    FACTOR: "<f",
}

H10_ACC_RATES_HZ = (25, 50, 100, 200)
VERITY_RATES_HZ = (52,)
"""Rates of Verity Sense ACC and GYRO outside SDK mode."""

COMPRESSED = 0x80
"""Frame-type bit for delta-compressed content."""
HEADER_BYTES = 10
VIRTUAL_GYRO_FACTOR = 2000.0 / 32768.0
"""Gyro FACTOR (°/s per count) the encoder assumes; a real sensor announces its own on start."""
_RATE_TOLERANCE = (0.75, 1.33)


def settings_command(measurement: int) -> bytes:
    """Ask which settings a measurement supports."""
    return bytes([GET_SETTINGS, measurement])


def start_command(
    measurement: int, fs_hz: int, range_value: int, resolution_bits: int = 16
) -> bytes:
    """Start a measurement.

    Parameters
    ----------
    measurement : int
        :data:`ACC` or :data:`GYRO`.
    fs_hz : int
        Sample rate, Hz.
    range_value : int
        Range in the measurement's unit: g for ACC (2, 4, 8), °/s for GYRO (e.g. 2000).
    resolution_bits : int
        Bits per sample.
    """
    settings = ((SAMPLE_RATE, fs_hz), (RESOLUTION, resolution_bits), (RANGE, range_value))
    body = b"".join(struct.pack("<BBH", kind, 1, value) for kind, value in settings)
    return bytes([START, measurement]) + body


def stop_command(measurement: int) -> bytes:
    """Stop a measurement."""
    return bytes([STOP, measurement])


@dataclass(frozen=True)
class ControlResponse:
    """A control-point response ``F0 opcode measurement error more [settings]``.

    Attributes
    ----------
    opcode, measurement, error : int
        What was asked, about which measurement, and the status (0 = success).
    more : bool
        Whether more response parts follow.
    settings : dict of int to tuple
        Setting type -> values (floats for FACTOR, ints otherwise).
    """

    opcode: int
    measurement: int
    error: int
    more: bool
    settings: dict[int, tuple[float, ...]]

    @property
    def factor(self) -> float | None:
        """The FACTOR setting, if present."""
        values = self.settings.get(FACTOR)
        return None if not values else float(values[0])


def parse_control_response(data: bytes) -> ControlResponse:
    """Parse a control-point response; raise DecodeError when malformed."""
    payload = bytes(data)
    if len(payload) < 5 or payload[0] != RESPONSE:
        raise DecodeError(payload, 0, "not a control-point response")
    settings: dict[int, tuple[float, ...]] = {}
    pos = 5
    while pos < len(payload):
        if pos + 2 > len(payload) or payload[pos] not in _SETTING_FORMAT:
            raise DecodeError(payload, pos, "malformed setting")
        fmt = _SETTING_FORMAT[payload[pos]]
        count, size = payload[pos + 1], struct.calcsize(fmt)
        if pos + 2 + count * size > len(payload):
            raise DecodeError(payload, pos, "malformed setting")
        settings[payload[pos]] = struct.unpack_from("<" + fmt[1] * count, payload, pos + 2)
        pos += 2 + count * size
    return ControlResponse(payload[1], payload[2], payload[3], bool(payload[4]), settings)


def encode_control_response(
    opcode: int, measurement: int, error: int = 0, factor: float | None = None
) -> bytes:
    """The response a sensor indicates on the control point, with a FACTOR setting if given."""
    body = b"" if factor is None else struct.pack("<BBf", FACTOR, 1, factor)
    return bytes([RESPONSE, opcode, measurement, error, 0]) + body


_BIT_WEIGHTS = {width: np.int64(1) << np.arange(width, dtype=np.int64) for width in range(1, 33)}


def _unpack_signed(data: bytes, width: int, count: int) -> np.ndarray:
    """`count` two's-complement integers of `width` bits, packed LSB first."""
    if width == 0:
        return np.zeros(count, dtype=np.int64)
    bits = np.unpackbits(
        np.frombuffer(data, dtype=np.uint8), count=width * count, bitorder="little"
    )
    values = bits.reshape(count, width) @ _BIT_WEIGHTS[width]
    return values - (values >> (width - 1) << width)


def decode_delta(payload: bytes, offset: int, reference_bytes: int) -> np.ndarray:
    """Integer (x, y, z) samples of delta-compressed content starting at `offset`.

    The content is a reference sample (3 signed little-endian integers of `reference_bytes`)
    followed by blocks ``[delta width][sample count][packed deltas]``, each delta sign-extended
    and added to the previous sample.

    Returns
    -------
    ndarray of int64, shape (n, 3)
    """
    pos = offset + 3 * reference_bytes
    if pos > len(payload):
        raise DecodeError(payload, offset, "truncated reference sample")
    dtype = {2: "<i2", 4: "<i4"}[reference_bytes]
    parts = [np.frombuffer(payload, dtype=dtype, count=3, offset=offset).astype(np.int64)[None, :]]
    while pos < len(payload):
        if pos + 2 > len(payload):
            raise DecodeError(payload, pos, "truncated delta block")
        width, count = payload[pos], payload[pos + 1]
        size = -(-width * count * 3 // 8)
        if width > 32:
            raise DecodeError(payload, pos, "delta width out of range")
        if pos + 2 + size > len(payload):
            raise DecodeError(payload, pos, "truncated delta block")
        parts.append(
            _unpack_signed(payload[pos + 2 : pos + 2 + size], width, 3 * count).reshape(-1, 3)
        )
        pos += 2 + size
    return np.cumsum(np.concatenate(parts), axis=0)


def _signed_width(values: np.ndarray) -> int:
    """Bits needed to hold every value as two's complement."""
    return max(int(values.max()), int(~values.min())).bit_length() + 1


def encode_delta(counts: np.ndarray, reference_bytes: int) -> bytes:
    """Delta-compressed content for integer (x, y, z) samples, one block per 255 deltas."""
    dtype = {2: "<i2", 4: "<i4"}[reference_bytes]
    out = [np.asarray(counts[0]).astype(dtype).tobytes()]
    deltas: np.ndarray = np.diff(np.asarray(counts, dtype=np.int64), axis=0)
    for start in range(0, len(deltas), 255):
        block = deltas[start : start + 255].reshape(-1)
        width = _signed_width(block)
        bits = ((block[:, None] >> np.arange(width)) & 1).astype(np.uint8).reshape(-1)
        out.append(bytes([width, len(block) // 3]) + np.packbits(bits, bitorder="little").tobytes())
    return b"".join(out)


def _raw_acc(payload: bytes, frame_type: int) -> np.ndarray:
    """Integer (x, y, z) samples of a raw accelerometer frame (int8, int16 or int24), milli-g."""
    width = frame_type + 1
    content = payload[HEADER_BYTES:]
    if frame_type > 2 or not content or len(content) % (3 * width):
        raise DecodeError(payload, HEADER_BYTES, "bad raw accelerometer frame")
    if width == 3:
        b = np.frombuffer(content, dtype=np.uint8).reshape(-1, 3).astype(np.int64)
        values = b[:, 0] | b[:, 1] << 8 | b[:, 2] << 16
        return (values - ((values & 0x800000) << 1)).reshape(-1, 3)
    return np.frombuffer(content, dtype=("<i1", "<i2")[frame_type]).reshape(-1, 3)


class PolarDecoder(PacketDecoder):
    """Decoder of PMD data frames (ACC, or ACC + GYRO paired by device time).

    Parameters
    ----------
    fs_hz : float
        Sample rate that was started, Hz; spaces the samples of a frame when the previous frame's
        timestamp cannot (first frame, or a frame after a loss).
    gyro : bool
        Whether a GYRO measurement runs too (Verity Sense); then batches hold paired samples.
    max_pending : int
        Samples of one stream kept while waiting for the other; older ones are dropped.

    Attributes
    ----------
    factors : dict of int to float
        FACTOR of compressed frames per measurement type (1.0 until a start response says
        otherwise).
    n_unpaired : int
        Samples dropped because the other stream had none at that time.

    Examples
    --------
    >>> frame = bytes.fromhex("020094357700000000" + "01" + "f7ffffffe703")
    >>> [batch] = PolarDecoder(fs_hz=200).feed(frame, 0.0)
    >>> (batch.acc * 1000 / 9.80665).round().tolist(), batch.time_s.tolist()
    ([[-9.0, -1.0, 999.0]], [2.0])
    """

    def __init__(self, fs_hz: float, *, gyro: bool = False, max_pending: int = 1024) -> None:
        super().__init__()
        self.fs_hz = float(fs_hz)
        self.with_gyro = gyro
        self.max_pending = max_pending
        self.factors = {ACC: 1.0, GYRO: 1.0}
        self.n_unpaired = 0
        self._last_stamp: dict[int, int] = {}
        self._pending: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.reset()

    def reset(self) -> None:
        """Forget previous timestamps and unpaired samples; counters and factors are kept."""
        self._last_stamp.clear()
        self._pending = {m: (np.empty(0), np.empty((0, 3))) for m in (ACC, GYRO)}

    def feed_control(self, data: bytes) -> ControlResponse:
        """Read a control-point response; a successful start response sets the FACTOR."""
        response = parse_control_response(data)
        if response.opcode == START and response.error == 0 and response.factor is not None:
            self.factors[response.measurement] = response.factor
        return response

    def _decode(self, payload: bytes, host_time_s: float) -> list[SampleBatch]:
        if len(payload) < HEADER_BYTES:
            raise DecodeError(payload, 0, "truncated header")
        measurement = payload[0] & 0x3F
        if measurement not in ((ACC, GYRO) if self.with_gyro else (ACC,)):
            raise DecodeError(payload, 0, "unexpected measurement type")
        counts, scale = self._counts(payload, measurement)
        # canonical units: milli-g -> m/s², °/s -> rad/s
        values = counts * (scale * (G_MPS2 / 1000.0 if measurement == ACC else RAD_PER_DEG))
        stamp = int.from_bytes(payload[1:9], "little")
        times = self._sample_times(measurement, stamp, len(values))
        if not self.with_gyro:
            return [SampleBatch(acc=values, time_s=times, host_time_s=host_time_s)]
        return self._pair(measurement, times, values, host_time_s)

    def _counts(self, payload: bytes, measurement: int) -> tuple[np.ndarray, float]:
        """Samples on the wire, and the scale to milli-g (ACC) or °/s (GYRO)."""
        frame_type = payload[9] & 0x7F
        factor = self.factors[measurement]
        if not payload[9] & COMPRESSED:
            if measurement == GYRO:
                raise DecodeError(payload, 9, "unsupported frame type")
            return _raw_acc(payload, frame_type), 1.0
        if frame_type > 1:
            raise DecodeError(payload, 9, "unsupported frame type")
        if measurement == GYRO and frame_type == 1:
            floats = (
                (decode_delta(payload, HEADER_BYTES, 4) & 0xFFFFFFFF)
                .astype(np.uint32)
                .view(np.float32)
            )
            if not np.isfinite(floats).all():
                raise DecodeError(payload, HEADER_BYTES, "non-finite value")
            return floats, factor
        counts = decode_delta(payload, HEADER_BYTES, 2)
        return counts, (factor * 1000.0 if measurement == ACC and frame_type == 0 else factor)

    def _sample_times(self, measurement: int, stamp: int, n: int) -> np.ndarray:
        """Device time of each sample, s: the last one at `stamp`, spaced like the sensor clock."""
        step = 1e9 / self.fs_hz
        previous = self._last_stamp.get(measurement)
        if previous is not None and stamp > previous:
            measured = (stamp - previous) / n
            if _RATE_TOLERANCE[0] <= measured / step <= _RATE_TOLERANCE[1]:
                step = measured
        self._last_stamp[measurement] = stamp
        return np.arange(1 - n, 1) * (step * 1e-9) + stamp * 1e-9

    def _pair(
        self, measurement: int, times: np.ndarray, values: np.ndarray, host_time_s: float
    ) -> list[SampleBatch]:
        """Emit the accelerometer samples that have a gyroscope sample within half a period."""
        old_t, old_v = self._pending[measurement]
        if old_t.size + times.size > self.max_pending:
            keep = max(self.max_pending - times.size, 0)
            self.n_unpaired += old_t.size - keep
            old_t, old_v = old_t[len(old_t) - keep :], old_v[len(old_v) - keep :]
        self._pending[measurement] = (
            np.concatenate([old_t, times]),
            np.concatenate([old_v, values]),
        )
        (ta, acc), (tg, gyro) = self._pending[ACC], self._pending[GYRO]
        if not (ta.size and tg.size):
            return []
        tolerance = 0.5 / self.fs_hz
        partner = np.minimum(np.searchsorted(tg, ta - tolerance), tg.size - 1)
        matched = np.abs(tg[partner] - ta) <= tolerance
        # acc samples beyond the newest gyro sample may still find a partner; the others never will
        waiting = ta > tg[-1] + tolerance
        n_waiting = int(np.count_nonzero(waiting))
        if n_waiting == ta.size:
            return []
        keep_gyro = tg > ta[~waiting].max()
        n_matched = int(np.count_nonzero(matched))
        n_gyro_done = tg.size - int(np.count_nonzero(keep_gyro))
        self.n_unpaired += (ta.size - n_waiting - n_matched) + max(n_gyro_done - n_matched, 0)
        self._pending = {ACC: (ta[waiting], acc[waiting]), GYRO: (tg[keep_gyro], gyro[keep_gyro])}
        if not n_matched:
            return []
        return [
            SampleBatch(
                acc=acc[matched],
                gyro=gyro[partner[matched]],
                time_s=ta[matched],
                host_time_s=host_time_s,
            )
        ]


def _frame(measurement: int, stamp_ns: int, frame_type: int, content: bytes) -> bytes:
    return bytes([measurement]) + stamp_ns.to_bytes(8, "little") + bytes([frame_type]) + content


def encode_notifications(
    time_s: np.ndarray,
    acc: np.ndarray,
    gyro: np.ndarray | None = None,
    *,
    samples_per_frame: int = 36,
    compressed: bool | None = None,
    acc_factor: float = 1.0,
    gyro_factor: float = VIRTUAL_GYRO_FACTOR,
) -> list[Notification]:
    """The PMD data frames a Polar sensor would send for these samples, in sending order.

    Parameters
    ----------
    time_s : array_like, shape (n,)
        Sample times on the sensor clock, s (>= 0); each frame is stamped with its last sample's
        time in ns.
    acc : array_like, shape (n, 3)
        Acceleration, m/s².
    gyro : array_like, shape (n, 3), optional
        Angular rate, rad/s (Verity Sense); sent as compressed type-0 GYRO frames.
    samples_per_frame : int
        Samples per frame (a real H10 raw frame in the official tests holds 36).
    compressed : bool, optional
        ACC as compressed type 1 (Verity Sense) instead of raw int16 milli-g (H10).  Defaults to
        compressed when `gyro` is given.
    acc_factor, gyro_factor : float
        FACTOR of compressed ACC (milli-g per count) and GYRO (°/s per count) frames; the sensor
        announces them in its start response (see :func:`encode_control_response`).

    Returns
    -------
    list of Notification
    """
    times = np.asarray(time_s, dtype=float)
    n = times.size
    if compressed is None:
        compressed = gyro is not None
    acc_mg = as_samples(acc, n, "acc") * (1000.0 / G_MPS2)
    streams = [
        (ACC, 0x81, quantize(acc_mg, acc_factor), 2)
        if compressed
        else (ACC, 0x01, quantize(acc_mg, 1.0), 0)
    ]
    if gyro is not None:
        dps = as_samples(gyro, n, "gyro") / RAD_PER_DEG
        streams.append((GYRO, 0x80, quantize(dps, gyro_factor), 2))
    out = []
    for measurement, frame_type, counts, reference_bytes in streams:
        for start in chunk_starts(n, samples_per_frame):
            stop = min(start + samples_per_frame, n)
            chunk = counts[start:stop]
            content = (
                encode_delta(chunk, reference_bytes)
                if reference_bytes
                else chunk.astype("<i2").tobytes()
            )
            stamp = round(times[stop - 1] * 1e9)
            out.append(
                Notification(
                    float(times[stop - 1]), _frame(measurement, stamp, frame_type, content)
                )
            )
    return sorted(out, key=lambda note: note.time_s)
