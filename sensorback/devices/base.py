"""What every packet decoder shares: sample batches, counters, encoder helpers and the time base.

Decoders are sans-I/O: :meth:`Decoder.feed` takes the bytes of one notification and the host time
at which it arrived and returns :class:`SampleBatch` objects in canonical units (m/s², rad/s, µT,
seconds).  :func:`build_time_base` turns the batches of a session into one continuous sample time
base, flags lost samples and removes host jitter and clock drift.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np

from sensorback.errors import DecodeError, InputError

G_MPS2 = 9.80665
"""Standard gravity in m/s² per g."""
RAD_PER_DEG = math.pi / 180.0
"""Radians per degree."""

_CLOCK_JUMP_S = 30.0
"""A device-clock step that disagrees with the host clock by more than this is a clock reset.

It must exceed the longest time a BLE link can hold notifications back (supervision timeout,
at most 32 s), so that a late burst is never mistaken for a reset.
"""
_MAX_CHUNKS = 64


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class SampleBatch:
    """Samples decoded from one notification (or completed by it).

    Attributes
    ----------
    acc : ndarray, shape (n, 3)
        Acceleration in m/s² (specific force, gravity included), sensor axes.
    host_time_s : float
        Host time at which the notification that completed the batch arrived, s.
    time_s : ndarray, shape (n,), or None
        Device time of each sample in s, for devices with a clock; ``None`` for host-timed devices.
        Not unwrapped: a device counter that wraps makes it jump back (see :func:`build_time_base`).
    gyro : ndarray, shape (n, 3), or None
        Angular rate in rad/s; ``None`` when the packet carries no gyroscope.
    mag : ndarray, shape (n, 3), or None
        Magnetic field in µT, when the packet carries it.
    angle_deg : ndarray, shape (n, 3), or None
        Orientation computed on the device (roll, pitch, yaw) in degrees, when it sends one.
    seq : int or None
        Packet sequence counter as sent (it wraps), for devices that send one.
    """

    acc: np.ndarray
    host_time_s: float
    time_s: np.ndarray | None = None
    gyro: np.ndarray | None = None
    mag: np.ndarray | None = None
    angle_deg: np.ndarray | None = None
    seq: int | None = None

    def __post_init__(self) -> None:
        n = len(self.acc)
        for name, shape in (
            ("acc", (n, 3)),
            ("gyro", (n, 3)),
            ("mag", (n, 3)),
            ("angle_deg", (n, 3)),
            ("time_s", (n,)),
        ):
            value = getattr(self, name)
            if value is not None:
                if value.shape != shape:
                    raise ValueError(f"{name} must have shape {shape}, got {value.shape}")
                value.flags.writeable = False

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(self.acc.shape[0])


class Notification(NamedTuple):
    """One notification an encoder produced, for a virtual sensor to send.

    Attributes
    ----------
    time_s : float
        When the device would send it: the time of the last sample it carries, s.
    payload : bytes
        The notification value, byte for byte.
    """

    time_s: float
    payload: bytes


class Decoder(ABC):
    """A stateful, sans-I/O decoder of one notify characteristic.

    Attributes
    ----------
    n_packets : int
        Packets (notifications, or frames for a stream decoder) decoded.
    n_rejected : int
        Packets rejected (each raised one :class:`~sensorback.errors.DecodeError`), or resyncs of a
        stream decoder.
    n_bytes_discarded : int
        Bytes thrown away: whole rejected packets, or bytes skipped while resyncing.
    reasons : collections.Counter
        Rejections tallied by reason.
    """

    def __init__(self) -> None:
        self.n_packets = 0
        self.n_rejected = 0
        self.n_bytes_discarded = 0
        self.reasons: Counter[str] = Counter()

    @abstractmethod
    def feed(self, data: bytes | bytearray | memoryview, host_time_s: float) -> list[SampleBatch]:
        """Decode one notification.

        Parameters
        ----------
        data : bytes-like
            The notification value.
        host_time_s : float
            Host time at which it arrived, s.

        Returns
        -------
        list of SampleBatch
            Samples completed by this notification; empty for packets without samples.
        """

    def reset(self) -> None:
        """Forget partial data and history (after a reconnect); the counters are kept."""

    def _reject(self, reason: str, n_bytes: int) -> None:
        self.n_rejected += 1
        self.n_bytes_discarded += n_bytes
        self.reasons[reason] += 1


class PacketDecoder(Decoder):
    """A decoder for protocols where every notification is one self-contained packet.

    :meth:`feed` raises :class:`~sensorback.errors.DecodeError` for a malformed packet, after
    counting it in :attr:`n_rejected`, :attr:`n_bytes_discarded` and :attr:`reasons`.
    """

    def feed(self, data: bytes | bytearray | memoryview, host_time_s: float) -> list[SampleBatch]:
        """Decode one notification.

        Parameters
        ----------
        data : bytes-like
            The notification value.
        host_time_s : float
            Host time at which it arrived, s.

        Returns
        -------
        list of SampleBatch
            Samples completed by this notification; empty for packets without samples.

        Raises
        ------
        DecodeError
            If the packet is malformed.
        """
        payload = bytes(data)
        try:
            batches = self._decode(payload, float(host_time_s))
        except DecodeError as err:
            self._reject(err.reason, len(payload))
            raise
        self.n_packets += 1
        return batches

    @abstractmethod
    def _decode(self, payload: bytes, host_time_s: float) -> list[SampleBatch]:
        """Decode one packet or raise DecodeError."""


def int_triplets(raw: bytes, dtype: str, scale: float) -> np.ndarray:
    """Little-endian integer triplets as an (n, 3) float array times `scale`."""
    return np.frombuffer(raw, dtype=dtype).reshape(-1, 3) * scale


def quantize(values: np.ndarray, lsb: float, bits: int = 16) -> np.ndarray:
    """Round `values` to counts of `lsb`, saturating at the signed `bits`-bit range (int64)."""
    limit = 2 ** (bits - 1)
    counts = np.rint(np.asarray(values, dtype=float) / lsb)
    return np.clip(counts, -limit, limit - 1).astype(np.int64)


def as_samples(values: np.ndarray, n: int, name: str) -> np.ndarray:
    """An (n, 3) float array of samples handed to an encoder, or InputError naming `name`."""
    array = np.asarray(values, dtype=float)
    if array.shape != (n, 3):
        raise InputError(f"{name} must have shape ({n}, 3), got {array.shape}")
    return array


def chunk_starts(n: int, size: int) -> range:
    """Start indices of consecutive chunks of at most `size` samples covering `n`."""
    if size < 1:
        raise InputError(f"samples per notification must be >= 1, got {size}")
    return range(0, n, size)


# --------------------------------------------------------------------------------------------
# Time base


@dataclass(frozen=True)
class Gap:
    """Samples lost between two received batches.

    Attributes
    ----------
    index : int
        Position, among the received samples, of the first sample after the gap.
    n_lost : int
        Number of samples missing.
    onset_s : float
        Time the first missing sample was due, s from the first received sample.
    duration_s : float
        Length of the gap, s.
    """

    index: int
    n_lost: int
    onset_s: float
    duration_s: float


@dataclass(frozen=True)
class TimeBase:
    """A continuous sample time base for a sequence of batches.

    Attributes
    ----------
    time_s : ndarray, shape (N,)
        Time of every received sample on the host clock, s from the first received sample.
    sample_index : ndarray of int64, shape (N,)
        Position of every received sample on the nominal sample grid, lost samples counted.
    t0_host_s : float
        Host time of the first received sample, s.
    fs_hz : float
        Sample rate measured on the host clock, Hz.
    drift_ppm : float
        How much longer a device second (or a nominal sample period, for devices without a
        clock) lasts on the host clock, parts per million.
    gaps : tuple of Gap
        Where samples were lost.
    source : {'device_time', 'sequence', 'host'}
        What placed the samples: device timestamps, sequence counters or host arrival times.
    """

    time_s: np.ndarray
    sample_index: np.ndarray
    t0_host_s: float
    fs_hz: float
    drift_ppm: float
    gaps: tuple[Gap, ...]
    source: Literal["device_time", "sequence", "host"]

    @property
    def n_lost(self) -> int:
        """Total number of lost samples."""
        return sum(g.n_lost for g in self.gaps)


def build_time_base(
    batches: Sequence[SampleBatch],
    fs_hz: float,
    *,
    time_wrap_s: float | None = None,
    seq_modulus: int | None = None,
    window_s: float = 4.0,
    min_gap_s: float | None = None,
    breaks_s: Sequence[float] = (),
) -> TimeBase:
    """Place every sample of a session on one continuous time base.

    Device timestamps are used when every batch has them, else sequence counters, else host
    arrival times.  Counters that wrap are unwrapped with the help of the host clock, and a device
    clock that jumps (a reset) is re-anchored to the host clock.

    - Device time: device seconds map to host seconds through the lower envelope of arrival time
      against device time (a robust line, Theil-Sen slope through local minima), so clock drift is
      removed and no sample lands after its arrival.
    - Sequence counter / host time: arrival time is fitted against the sample index the same way,
      then a sliding-window lower envelope (rolling minimum of the residual, smoothed by a rolling
      mean of the same width) follows slow changes; both cannot place a sample after its arrival.
      Without a counter, lost samples are detected as a lasting step up of that lower envelope;
      shorter delays followed by a burst (normal for BLE) are not losses.

    Parameters
    ----------
    batches : sequence of SampleBatch
        Batches in arrival order.
    fs_hz : float
        Nominal sample rate, Hz.
    time_wrap_s : float, optional
        Period after which the device timestamp wraps, s (e.g. ``2**32 / 1e6`` for a µs counter).
    seq_modulus : int, optional
        Modulus of the packet sequence counter (e.g. 65536).
    window_s : float
        Width of the sliding window for de-jittering and loss detection, s.
    min_gap_s : float, optional
        Host-timed devices only: smallest loss that is reported, s.  Defaults to the larger of
        three sample periods and 50 ms, above the usual BLE connection-interval jitter.
    breaks_s : sequence of float, optional
        Host-timed devices only: host times at which the stream is known to have been cut (a link
        re-made).  The loss before the first batch after each is measured whatever its size and
        wherever it falls, even too near the end of the session to be found otherwise.

    Returns
    -------
    TimeBase

    Examples
    --------
    >>> import numpy as np
    >>> acc = np.zeros((2, 3))
    >>> batches = [SampleBatch(acc, host_time_s=t) for t in (10.02, 10.04, 10.061, 10.08)]
    >>> tb = build_time_base(batches, fs_hz=100.0)
    >>> tb.time_s.round(3).tolist()
    [0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07]
    """
    if fs_hz <= 0:
        raise InputError(f"fs_hz must be positive, got {fs_hz}")
    kept = [b for b in batches if b.n > 0]
    if not kept:
        raise InputError("build_time_base needs at least one non-empty batch")
    counts = np.array([b.n for b in kept], dtype=np.int64)
    arrival = np.array([b.host_time_s for b in kept], dtype=float)
    if all(b.time_s is not None for b in kept):
        return _from_device_time(kept, counts, arrival, time_wrap_s)
    if all(b.seq is not None for b in kept):
        seq = np.array([b.seq for b in kept], dtype=np.int64)
        lost = _losses_from_sequence(seq, counts, arrival, fs_hz, seq_modulus)
        return _from_index(counts, arrival, lost, fs_hz, window_s, "sequence")
    if min_gap_s is None:
        min_gap_s = max(3.0 / fs_hz, 0.05)
    half = _half_window(arrival, window_s)
    known = np.unique(np.searchsorted(arrival, np.asarray(breaks_s, dtype=float)))
    known = known[(known > 0) & (known < arrival.size)]
    lost = _losses_from_arrival(counts, arrival, fs_hz, half, min_gap_s, known)
    return _from_index(counts, arrival, lost, fs_hz, window_s, "host")


def _grid_index(counts: np.ndarray, lost: np.ndarray) -> np.ndarray:
    """Grid position of every received sample when `lost[j]` samples precede batch j."""
    starts = np.cumsum(counts + lost) - counts
    within = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(starts, counts) + within


def _half_window(arrival: np.ndarray, window_s: float) -> int:
    duration = arrival[-1] - arrival[0]
    if duration <= 0:
        return 1
    rate = (arrival.size - 1) / duration
    return max(1, round(window_s / 2.0 * rate))


def _lower_line(
    x: np.ndarray, y: np.ndarray, segment: np.ndarray | None = None
) -> tuple[float, float]:
    """Slope and intercept of a line under every point (x, y), following its lower envelope.

    The slope is the Theil-Sen median over the lowest points of up to 64 chunks (each is a vertex
    of the lower convex hull, whatever the tilt); the intercept puts the line under all points.
    With `segment` (a label per point), only pairs of points within one segment count, so that
    steps between segments do not tilt the slope; a segment of -1 means "steps unknown": then
    only neighbouring chunks pair up, which a step can tilt in one pair only.
    """
    slope = 1.0
    if x.size >= 2 and x[-1] > x[0]:
        chunk = np.repeat(np.arange(_MAX_CHUNKS), -(-x.size // _MAX_CHUNKS))[: x.size]
        residual = y - x
        lowest = np.minimum.reduceat(residual, np.flatnonzero(np.diff(chunk, prepend=-1)))
        pick = np.flatnonzero(residual == lowest[chunk])
        pick = pick[np.flatnonzero(np.diff(chunk[pick], prepend=-1))]
        if pick.size >= 2:
            i, j = np.triu_indices(pick.size, k=1)
            dx = x[pick[j]] - x[pick[i]]
            ok = dx > 0
            if segment is not None:
                same = segment[pick[i]] == segment[pick[j]]
                if segment[0] < 0:
                    same = j - i == 1
                ok &= same if np.any(ok & same) else True
            if ok.any():
                slope = float(np.median((y[pick[j]] - y[pick[i]])[ok] / dx[ok]))
    return slope, float(np.min(y - slope * x))


def _rolling_min(values: np.ndarray, before: int, after: int) -> np.ndarray:
    """Minimum over ``values[j - before : j + after + 1]`` (clipped at the ends) for every j."""
    padded = np.concatenate([np.full(before, np.inf), values, np.full(after, np.inf)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, before + after + 1)
    return windows.min(axis=1)


def _rolling_mean(values: np.ndarray, half: int) -> np.ndarray:
    """Mean over ``values[j - half : j + half + 1]`` (clipped at the ends) for every j."""
    total = np.concatenate([[0.0], np.cumsum(values)])
    j = np.arange(values.size)
    lo = np.maximum(j - half, 0)
    hi = np.minimum(j + half + 1, values.size)
    return (total[hi] - total[lo]) / (hi - lo)


def _losses_from_arrival(
    counts: np.ndarray,
    arrival: np.ndarray,
    fs_hz: float,
    half: int,
    min_gap_s: float,
    known: np.ndarray,
) -> np.ndarray:
    """Samples lost before each batch, seen as lasting steps of the arrival lower envelope.

    The step at batch j compares the lowest residual of the `half` batches from j on with that of
    the `half` batches before it.  A late batch followed by a burst raises the residual only
    briefly, so the floor after it does not move; a loss moves it for good.  Steps whose window
    after is cut short by the end of the session are ignored: there the two cannot be told apart.

    The residual depends on the drift slope, and a slope fitted across a gap whose length is not
    yet known is biased by it (markedly so in a short session).  So once steps are found the slope
    comes from pairs of points between the same steps only, and every pass re-measures the steps
    already found, in both directions.  `known` steps (batch indices) are measured from the start.
    """
    lost = np.zeros(counts.size, dtype=np.int64)
    steps = known.astype(np.int64)
    for _ in range(4):
        last = (np.cumsum(counts + lost) - 1) / fs_hz
        segment = np.searchsorted(steps, np.arange(counts.size), side="right") if steps.size else np.full(counts.size, -1)
        slope, _ = _lower_line(last, arrival, segment)
        residual = arrival - slope * last
        floor_until = _rolling_min(residual, half - 1, 0)
        floor_from = _rolling_min(residual, 0, half - 1)
        jump = np.concatenate([[-np.inf], floor_from[1:] - floor_until[:-1]])
        change = np.zeros(counts.size, dtype=np.int64)
        change[steps] = np.rint(jump[steps] * fs_hz / slope).astype(np.int64)
        candidates = jump.copy()
        candidates[residual.size - half + 1 :] = -np.inf
        candidates[steps] = -np.inf
        new = _first_full_steps(candidates, min_gap_s)
        new = new[np.abs(new[:, None] - steps[None, :]).min(axis=1, initial=half) >= half]
        change[new] = np.maximum(np.rint(jump[new] * fs_hz / slope).astype(np.int64), 0)
        if not np.any(change):
            break
        lost = np.maximum(lost + change, 0)
        steps = np.union1d(steps, new[change[new] > 0])
    return lost


def _first_full_steps(jump: np.ndarray, min_gap_s: float) -> np.ndarray:
    """In each run of steps above `min_gap_s`, the first that reaches (nearly) the run's height.

    A loss shows as a plateau of equal steps starting at the batch after it; late batches just
    before it can start the run early, but only with smaller steps.
    """
    flagged = jump > min_gap_s
    edges = np.diff(np.concatenate([[0], flagged.astype(np.int8), [0]]))
    picks = []
    for start, stop in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
        run = jump[start:stop]
        picks.append(start + int(np.argmax(run >= run.max() - min_gap_s / 2)))
    return np.array(picks, dtype=np.int64)


def _losses_from_sequence(
    seq: np.ndarray,
    counts: np.ndarray,
    arrival: np.ndarray,
    fs_hz: float,
    modulus: int | None,
) -> np.ndarray:
    """Samples lost before each batch from the packet counter, unwrapped with the host clock."""
    step = np.diff(seq)
    if modulus:
        expected = np.diff(arrival) * fs_hz / counts[:-1]
        step = step % modulus
        step = step + modulus * np.rint((expected - step) / modulus).astype(np.int64)
    missing = np.maximum(step - 1, 0) * counts[:-1]
    return np.concatenate([[0], missing]).astype(np.int64)


def _from_index(
    counts: np.ndarray,
    arrival: np.ndarray,
    lost: np.ndarray,
    fs_hz: float,
    window_s: float,
    source: Literal["sequence", "host"],
) -> TimeBase:
    index = _grid_index(counts, lost)
    last = np.cumsum(counts) - 1
    x_last = index[last] / fs_hz
    slope, intercept = _lower_line(x_last, arrival)
    residual = arrival - (intercept + slope * x_last)
    half = _half_window(arrival, window_s)
    offset = _rolling_mean(_rolling_min(residual, half, half), half)
    host = intercept + slope * index / fs_hz + np.interp(index, index[last], offset)
    host = np.minimum(host, np.repeat(arrival, counts))
    return _assemble(host, index, counts, lost, slope / fs_hz, slope, source)


def _from_device_time(
    batches: Sequence[SampleBatch],
    counts: np.ndarray,
    arrival: np.ndarray,
    time_wrap_s: float | None,
) -> TimeBase:
    times = [b.time_s for b in batches if b.time_s is not None]
    first = np.array([t[0] for t in times])
    offsets = _clock_offsets(first, arrival, time_wrap_s)
    device = np.concatenate(times) + np.repeat(offsets, counts)
    starts = np.cumsum(counts) - counts
    last = starts + counts - 1
    period = float(np.median(np.diff(device))) if device.size > 1 else 0.0
    lost = np.zeros(counts.size, dtype=np.int64)
    for _ in range(2):  # refine the period once losses are known
        if period <= 0:
            break
        pause = device[starts[1:]] - device[last[:-1]]
        lost[1:] = np.maximum(np.rint(pause / period) - 1, 0)
        index = _grid_index(counts, lost)
        if index[-1] > 0:
            period = float((device[-1] - device[0]) / index[-1])
    index = _grid_index(counts, lost)
    slope, intercept = _lower_line(device[last], arrival)
    host = intercept + slope * device
    return _assemble(host, index, counts, lost, slope * period, slope, "device_time")


def _clock_offsets(first: np.ndarray, arrival: np.ndarray, wrap_s: float | None) -> np.ndarray:
    """Per-batch offsets that unwrap the device clock and re-anchor it after a reset."""
    step = np.diff(first)
    host_step = np.diff(arrival)
    if wrap_s:
        step = step + wrap_s * np.rint((host_step - step) / wrap_s)
    reset = (step <= 0) | (np.abs(step - host_step) > _CLOCK_JUMP_S)
    step = np.where(reset, host_step, step)
    unwrapped = first[0] + np.concatenate([[0.0], np.cumsum(step)])
    return unwrapped - first


def _assemble(
    host: np.ndarray,
    index: np.ndarray,
    counts: np.ndarray,
    lost: np.ndarray,
    period_s: float,
    slope: float,
    source: Literal["device_time", "sequence", "host"],
) -> TimeBase:
    t0 = float(host[0])
    time_s = host - t0
    starts = np.cumsum(counts) - counts
    gaps = tuple(
        Gap(
            index=int(starts[j]),
            n_lost=int(lost[j]),
            onset_s=float(time_s[starts[j] - 1] + period_s),
            duration_s=float(lost[j] * period_s),
        )
        for j in np.flatnonzero(lost)
    )
    return TimeBase(
        time_s=_frozen(time_s),
        sample_index=_frozen(index.astype(np.int64)),
        t0_host_s=t0,
        fs_hz=1.0 / period_s if period_s > 0 else float("nan"),
        drift_ppm=(slope - 1.0) * 1e6,
        gaps=gaps,
        source=source,
    )
