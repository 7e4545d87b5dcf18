"""The receive path: every notification stored raw, then decoded and stored, off the event loop.

Transport callbacks only put ``(device, stream, host time, bytes)`` on a queue.  One thread takes
them in arrival order, writes the raw notification, decodes it (:class:`SessionDecoder`, the same
code a replay uses), writes the samples, keeps live statistics, and commits a few times a second.
Events (connected, link lost, battery) travel on the same queue, so they stay in order with the
data: a ``connected`` event resets the decoder before the new link's first notification.

No bleak and no asyncio here, so the path can be benchmarked and replayed on its own.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..devices.base import SampleBatch
from ..devices.profiles import DeviceProfile
from ..io.session_file import COMMIT_INTERVAL_S, CONTROL, DATA, SessionDecoder, SessionWriter

_STOP = object()
_RATE_WINDOW_S = 2.0


@dataclass
class LiveStats:
    """What a sensor has delivered so far (read by the status line while the thread writes).

    Attributes
    ----------
    samples, packets, rejected : int
        Decoded samples, data notifications, and notifications rejected (whole or in part).
    lost : int
        Samples known lost: from device timestamps where the device has them, else estimated
        from arrival times against the nominal rate.
    battery_pct : int or None
    link_losses : int
    connected : bool
    """

    role: str
    fs_hz: float
    samples: int = 0
    packets: int = 0
    rejected: int = 0
    lost: int = 0
    battery_pct: int | None = None
    link_losses: int = 0
    connected: bool = False
    lost_at_s: float | None = None
    _recent: deque = field(default_factory=deque, repr=False)
    _first_arrival: float | None = field(default=None, repr=False)
    _first_n: int = field(default=0, repr=False)
    _last_arrival: float = field(default=0.0, repr=False)
    _last_device_s: float | None = field(default=None, repr=False)
    _lost_device: int = field(default=0, repr=False)

    def rate_hz(self, now_s: float) -> float:
        """Samples per second over the last two seconds (session time `now_s`)."""
        while self._recent and self._recent[0][0] < now_s - _RATE_WINDOW_S:
            self._recent.popleft()
        if self._first_arrival is None:
            return 0.0
        span = min(_RATE_WINDOW_S, max(now_s - self._first_arrival, 0.5))
        return sum(n for _, n in self._recent) / span

    def add(self, batches: Sequence[SampleBatch], t_s: float) -> None:
        n = sum(b.n for b in batches)
        if not n:
            return
        self.samples += n
        self._recent.append((t_s, n))
        if self._first_arrival is None:
            self._first_arrival, self._first_n = t_s, n
        self._last_arrival = t_s
        period = 1.0 / self.fs_hz
        for b in batches:
            if b.time_s is None or not b.n:
                continue
            step = float(b.time_s[0]) - self._last_device_s if self._last_device_s is not None else period
            if 1.5 * period < step < 3600.0:  # a jump back is a clock wrap or reset, not a loss
                self._lost_device += round(step / period) - 1
            self._last_device_s = float(b.time_s[-1])
        if self._last_device_s is not None:
            self.lost = self._lost_device
        else:  # host-timed: what the nominal rate says should have arrived by now
            expected = round((self._last_arrival - self._first_arrival) * self.fs_hz) + self._first_n
            self.lost = max(self.lost, expected - self.samples - 2)


class Receiver:
    """Store and decode notifications in a thread of their own.

    Parameters
    ----------
    writer : SessionWriter
        The session file (used only from the receiver's thread once started).
    commit_interval_s : float
        Longest time between commits: at most this much is lost if the process is killed.
    on_batches : callable, optional
        Called from the receiver's thread with ``(device, batches)`` after each notification's
        samples are stored (the live path takes them from there); it must be quick.

    Examples
    --------
    >>> rx = Receiver(writer)                                   # doctest: +SKIP
    >>> dev = rx.add_device("sacrum", profile, 100.0, name="WT901")
    >>> rx.start()
    >>> rx.put(dev, DATA, time.monotonic(), payload)          # from a notify callback
    >>> rx.close()
    """

    def __init__(self, writer: SessionWriter, *, commit_interval_s: float = COMMIT_INTERVAL_S,
                 on_batches: Callable[[int, list[SampleBatch]], None] | None = None) -> None:
        self.writer = writer
        self.on_batches = on_batches
        self.commit_interval_s = commit_interval_s
        self.stats: dict[int, LiveStats] = {}
        self.error: BaseException | None = None
        self._decoders: dict[int, SessionDecoder] = {}
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="sensorback-receiver", daemon=True)

    # ---- set-up (any thread, before the device streams) ----------------------------------
    def add_device(self, role: str, profile: DeviceProfile, fs_hz: float, *, name: str | None = None,
                   address: str | None = None, info: dict[str, Any] | None = None) -> int:
        """Register a sensor in the session; returns its device id."""
        with self._lock:
            dev = self.writer.add_device(role, profile=profile.key, fs_hz=fs_hz, name=name,
                                         address=address, info=info)
            self.writer.add_stream(dev, DATA, profile.notify_uuid, "data")
            if profile.indicate_uuid:
                self.writer.add_stream(dev, CONTROL, profile.indicate_uuid, "control")
            scales = {"acc_lsb_mps2": profile.acc_lsb_mps2, "gyro_lsb_radps": profile.gyro_lsb_radps,
                      "fs_hz": fs_hz}
            self.writer.add_calibration(dev, self.writer.host_time(time.monotonic()), "wire_scales", scales)
            self.writer.commit()
        self._decoders[dev] = SessionDecoder(profile, fs_hz)
        self.stats[dev] = LiveStats(role, fs_hz)
        return dev

    def start(self) -> None:
        self._thread.start()

    # ---- from any thread --------------------------------------------------------------
    def put(self, device: int, stream: int, t_monotonic_s: float, payload: bytes) -> None:
        """Queue one notification (cheap: safe to call from a notify callback)."""
        self._queue.put((device, stream, t_monotonic_s, payload))

    def event(self, device: int | None, kind: str, t_monotonic_s: float, **detail: Any) -> None:
        """Queue an event, in order with the notifications."""
        self._queue.put((device, kind, t_monotonic_s, detail))

    def close(self) -> None:
        """Process what is queued, commit, and close the file."""
        self._queue.put(_STOP)
        if self._thread.is_alive():
            self._thread.join()
        else:
            self._drain_now()
        self.writer.close()

    # ---- the thread -------------------------------------------------------------------
    def _run(self) -> None:
        next_commit = time.monotonic() + self.commit_interval_s
        while True:
            try:
                item = self._queue.get(timeout=max(0.0, next_commit - time.monotonic()))
            except queue.Empty:
                item = None
            with self._lock:
                if item is _STOP:
                    return
                try:
                    if item is not None:
                        self.handle(item)
                    if time.monotonic() >= next_commit:
                        self.writer.commit()
                        next_commit = time.monotonic() + self.commit_interval_s
                except Exception as err:  # noqa: BLE001 - the file is broken (disk full ...): stop
                    self.error = err
                    return

    def _drain_now(self) -> None:
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not _STOP:
                self.handle(item)

    def handle(self, item: tuple) -> None:
        """Process one queued item: a notification or an event."""
        device, what, t_mono, body = item
        t = self.writer.host_time(t_mono)
        if isinstance(what, int):
            self._notification(device, what, t, body)
        else:
            self._event(device, what, t, body)

    def _notification(self, device: int, stream: int, t: float, payload: bytes) -> None:
        raw_id = self.writer.add_notification(device, stream, t, payload)  # raw first
        stats = self.stats[device]
        if stream == DATA:
            stats.packets += 1
        try:
            batches, rejected = self._decoders[device].feed(stream, payload, t)
        except Exception as err:  # noqa: BLE001 - a decoder bug must not lose the session
            self.writer.mark_rejected(raw_id, f"decoder failed: {err!r}")
            stats.rejected += 1
            return
        if rejected is not None:
            self.writer.mark_rejected(raw_id, rejected)
            stats.rejected += 1
        if batches:
            self.writer.add_batches(device, raw_id, batches)
            stats.add(batches, t)
            if self.on_batches is not None:
                self.on_batches(device, batches)

    def _event(self, device: int | None, kind: str, t: float, detail: dict[str, Any]) -> None:
        self.writer.add_event(device, t, kind, **detail)
        if device is None:
            return
        stats = self.stats[device]
        if kind == "connected":
            self._decoders[device].reset()
            stats.connected = True
            stats.lost_at_s = None
        elif kind == "link_lost":
            stats.link_losses += 1
            stats.connected = False
            stats.lost_at_s = t
        elif kind == "disconnected":
            stats.connected = False
        elif kind == "battery":
            stats.battery_pct = detail.get("pct")

