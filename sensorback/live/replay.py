"""Feeding the live path: decoded notifications placed on a time base as they come, and replays.

:class:`StreamClock` gives each sample of a decoded notification its data time at once (the
offline reader places them with the whole session at hand, :func:`~sensorback.devices.base.
build_time_base`): from the device clock where there is one, else from the packet counter, else by
counting samples at the nominal rate; lost samples open a gap.  :func:`replay` feeds a recording or
a session file through a :class:`~sensorback.live.LivePipeline`: from a session file the raw
notifications go through the decoders again, as they did live.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..devices.base import SampleBatch
from ..devices.profiles import DeviceProfile
from ..errors import FileFormatError, InputError
from .pipeline import LiveEvent, LivePipeline

_CLOCK_JUMP_S = 30.0


class StreamClock:
    """Data times (s from the first sample) of decoded samples, one notification at a time.

    Parameters
    ----------
    profile : DeviceProfile
        Gives the wrap period of the device clock and the modulus of the packet counter.
    fs_hz : float
        Configured rate.
    """

    def __init__(self, profile: DeviceProfile, fs_hz: float) -> None:
        self.fs = float(fs_hz)
        self.wrap_s = profile.time_wrap_s
        self.modulus = profile.seq_modulus
        self.min_gap_s = max(3.0 / self.fs, 0.05)
        self.n_lost = 0
        self._dev_prev: float | None = None
        self._dev_offset = 0.0
        self._host0: float | None = None
        self._index = 0  # next sample's position on the nominal grid
        self._seq_prev: int | None = None
        self._floor: list[tuple[float, float]] = []

    def place(self, batch: SampleBatch) -> np.ndarray:
        """Times of the batch's samples."""
        n = batch.n
        if self._host0 is None:
            self._host0 = batch.host_time_s
        host = batch.host_time_s - self._host0
        if batch.time_s is not None:
            return self._device_time(np.asarray(batch.time_s, float), host)
        if batch.seq is not None:
            if self._seq_prev is not None:
                step = batch.seq - self._seq_prev
                if self.modulus:
                    step %= self.modulus
                if step > 1:
                    self._lose((step - 1) * n)
            self._seq_prev = batch.seq
        else:
            self._arrival(host, n)
        t = (self._index + np.arange(n)) / self.fs
        self._index += n
        return t

    def _lose(self, n: int) -> None:
        self.n_lost += n
        self._index += n

    def _arrival(self, host: float, n: int) -> None:
        """A lasting step up of the arrival time over the sample count is a loss; a late
        notification followed by a burst is not (the floor is the lowest residual of 4 s)."""
        residual = host - (self._index + n - 1) / self.fs
        self._floor = [(h, r) for h, r in self._floor if h >= host - 4.0]
        floor = min((r for _, r in self._floor), default=residual)
        if residual - floor > self.min_gap_s and len(self._floor) > 2:
            k = int(round((residual - floor) * self.fs))
            self._lose(k)
            residual -= k / self.fs
            self._floor = []
        self._floor.append((host, residual))

    def _device_time(self, dev: np.ndarray, host: float) -> np.ndarray:
        first = float(dev[0])
        if self._dev_prev is None:
            self._dev_offset = -first
        else:
            step = first - self._dev_prev
            if self.wrap_s and step < 0:
                self._dev_offset += self.wrap_s * np.ceil(-step / self.wrap_s)
                step = first + self._dev_offset - (self._dev_prev + self._dev_offset)
            if step <= 0 or abs(first + self._dev_offset - host) > _CLOCK_JUMP_S:
                self._dev_offset = host - first  # a clock reset: re-anchor on the host clock
        self._dev_prev = float(dev[-1])
        return dev + self._dev_offset


@dataclass
class Feed:
    """One block of samples for the live path: data times (s) and values."""

    time_s: np.ndarray
    acc: np.ndarray
    gyro: np.ndarray


def recording_feed(recording, block_s: float = 0.04) -> Iterator[Feed]:
    """A :class:`~sensorback.Recording` in blocks of ``block_s`` (a notification's worth)."""
    t, acc, gyro = recording.time_s, recording.acc, recording.gyro
    fs = float(recording.info.fs_hz or recording.fs)
    n = max(1, int(round(block_s * fs)))
    for i in range(0, len(t), n):
        yield Feed(t[i : i + n], acc[i : i + n], gyro[i : i + n])


def session_feed(path: str | Path, sensor: str | int | None = None) -> tuple[Iterator[Feed], DeviceProfile, float]:
    """A session file's raw notifications, decoded again and placed by a :class:`StreamClock`.

    Returns the feed, the sensor's profile and its rate.  Decoders are reset where the link was
    re-made, as the receive path did.
    """
    from ..io import session_file

    path = Path(path)
    dev = session_file.read_device(path, sensor)
    rows = session_file.read_raw(path, dev.id)
    if not any(stream == session_file.DATA for _, stream, _, _ in rows):
        raise FileFormatError(str(path), f"sensor {dev.role!r} has no notifications")
    resets = sorted(e["t_host_s"] for e in session_file.read_events(path)
                    if e["device"] == dev.id and e["kind"] == "connected")
    profile = dev.device_profile

    def feed() -> Iterator[Feed]:
        decoder = session_file.SessionDecoder(profile, dev.fs_hz)
        clock = StreamClock(profile, dev.fs_hz)
        r = 0
        for t_host, stream, payload, _ in rows:
            while r < len(resets) and resets[r] <= t_host:
                decoder.reset()
                r += 1
            batches, _ = decoder.feed(stream, payload, t_host)
            for b in batches:
                if b.n and b.gyro is not None:
                    yield Feed(clock.place(b), b.acc, b.gyro)

    return feed(), profile, dev.fs_hz


def _joined(feed: Iterator[Feed], block_s: float) -> Iterator[Feed]:
    parts: list[Feed] = []
    for block in feed:
        parts.append(block)
        if block.time_s.size and block.time_s[-1] - parts[0].time_s[0] >= block_s:
            yield _join(parts)
            parts = []
    if parts:
        yield _join(parts)


def _join(parts: list[Feed]) -> Feed:
    return Feed(np.concatenate([p.time_s for p in parts]), np.concatenate([p.acc for p in parts]),
                np.concatenate([p.gyro for p in parts]))


def replay(
    feed: Iterator[Feed],
    pipeline: LivePipeline,
    *,
    speed: float | None = None,
    on_events: Callable[[list[LiveEvent]], None] | None = None,
    stop: Callable[[], bool] | None = None,
    fast_block_s: float = 5.0,
) -> None:
    """Feed a recorded session through the live path.

    Parameters
    ----------
    speed : float, optional
        Pace the feed at ``speed`` × real time (1: as recorded); ``None``: as fast as possible,
        the blocks then joined into ``fast_block_s`` of data (the pipeline's result does not
        depend on how samples are cut into blocks; Python's cost per call does).
    on_events : callable, optional
        Called with the events of every update that has some.
    stop : callable, optional
        Checked between blocks; True stops the replay early.
    """
    if speed is not None and speed <= 0:
        raise InputError(f"speed must be positive, got {speed}")
    t0_wall = time.monotonic()
    t0_data: float | None = None
    if speed is None:
        feed = _joined(feed, fast_block_s)
    for block in feed:
        if stop is not None and stop():
            break
        if speed is not None and len(block.time_s):
            if t0_data is None:
                t0_data = float(block.time_s[0])
            wait = (float(block.time_s[-1]) - t0_data) / speed - (time.monotonic() - t0_wall)
            if wait > 0:
                time.sleep(wait)
        events = pipeline.feed(block.time_s, block.acc, block.gyro)
        if events and on_events is not None:
            on_events(events)
