"""Record a session: find the sensors, connect, stream into a session file, stop cleanly.

:func:`record` is what ``sensorback record`` runs.  The session file is created once every sensor
is connected and configured; from then on every notification is stored as it arrives (see
:mod:`sensorback.ble.receiver`), links that drop are re-made, and a stop (Ctrl-C, SIGTERM, the
duration running out, or the caller's event) stops the sensors, disconnects, and closes the file.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..devices.profiles import PROFILES, DeviceProfile
from ..errors import FileFormatError, InputError
from ..io.session_file import SessionWriter
from .receiver import LiveStats, Receiver
from .transport import SensorLink, find_sensors

DEFAULT_ROLES = ("sacrum", "t12")
"""Roles given to the first and second sensor when none is named."""


@dataclass(frozen=True)
class SensorRequest:
    """Which sensor to record and how.

    Attributes
    ----------
    identifier : str or None
        Name, part of a name, or address; ``None``: the only supported sensor nearby.
    role : str
        Where it is worn (``sacrum``, ``t12`` ...); unique within a session.
    profile : str or None
        Force a profile key (default: recognised from the device).
    fs_hz : float or None
        Rate to configure (default: the profile's).
    """

    identifier: str | None = None
    role: str = "sacrum"
    profile: str | None = None
    fs_hz: float | None = None


@dataclass(frozen=True)
class SensorSummary:
    """How one sensor's recording went (read back from the file)."""

    role: str
    name: str | None
    address: str | None
    profile: str
    fs_hz: float
    samples: int
    duration_s: float
    lost: int
    gaps: int
    link_losses: int
    packets: int
    rejected: int
    battery_pct: int | None


@dataclass(frozen=True)
class SessionSummary:
    """The outcome of :func:`record`."""

    path: Path
    elapsed_s: float
    sensors: list[SensorSummary] = field(default_factory=list)

    def text(self) -> str:
        lines = [f"{self.path}: {len(self.sensors)} sensor(s), {_clock(self.elapsed_s)}"]
        for s in self.sensors:
            pct = 100.0 * s.lost / max(s.samples + s.lost, 1)
            drops = f", {s.link_losses} link drop(s)" if s.link_losses else ""
            battery = f", battery {s.battery_pct} %" if s.battery_pct is not None else ""
            lines.append(
                f"  {s.role}: {s.name} ({s.address}, {s.profile}) at {s.fs_hz:g} Hz: "
                f"{s.samples} samples over {s.duration_s:.1f} s, {s.lost} lost ({pct:.2f} %) in "
                f"{s.gaps} gap(s){drops}, {s.rejected} of {s.packets} packets rejected{battery}"
            )
        return "\n".join(lines)


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def status_line(stats: Sequence[LiveStats], elapsed_s: float, now_s: float) -> str:
    """One line: per sensor its rate, losses, rejections, battery; then the elapsed time."""
    parts = []
    for s in stats:
        if not s.connected and s.lost_at_s is not None:
            parts.append(f"{s.role}: link lost {now_s - s.lost_at_s:.0f} s ago, reconnecting")
            continue
        battery = f" · battery {s.battery_pct}%" if s.battery_pct is not None else ""
        parts.append(
            f"{s.role}: {s.rate_hz(now_s):5.1f} Hz · {s.samples} samples · lost {s.lost}"
            f" · rejected {s.rejected}{battery}"
        )
    return f"{_clock(elapsed_s)}  " + "  |  ".join(parts)


async def record(
    path: str | Path,
    sensors: Sequence[SensorRequest],
    *,
    duration_s: float | None = None,
    scan_timeout_s: float = 10.0,
    connect_timeout_s: float = 10.0,
    reconnect: bool = True,
    stop: asyncio.Event | None = None,
    on_status: Callable[[str], None] | None = None,
    on_event: Callable[[str], None] | None = None,
    status_every_s: float = 0.5,
    on_batches: Callable[[str, DeviceProfile, float, list], None] | None = None,
) -> SessionSummary:
    """Record one session from one or more sensors into a new session file.

    Parameters
    ----------
    path : str or Path
        Session file to create (it must not exist).
    sensors : sequence of SensorRequest
        Sensors to record, each with its own role.
    duration_s : float, optional
        Stop after this long (default: when `stop` is set).
    scan_timeout_s, connect_timeout_s : float
        How long to look for the sensors and to wait for each connection.
    reconnect : bool
        Re-make links that drop (the default) instead of giving up on that sensor.
    stop : asyncio.Event, optional
        Set it to stop the recording cleanly.
    on_status : callable, optional
        Called with a status line every `status_every_s`.
    on_event : callable, optional
        Called with a line for every connection, link loss and reconnection.
    on_batches : callable, optional
        Called from the receiver's thread with ``(role, profile, fs_hz, batches)`` for every
        notification's decoded samples, once they are stored (the live view's feed).

    Returns
    -------
    SessionSummary

    Raises
    ------
    DeviceNotFound, UnsupportedDevice, AdapterNotFound, BluetoothOff, BluetoothPermissionDenied
        Before the session file is created.
    """
    path = Path(path)
    roles = [s.role for s in sensors]
    if not sensors or len(set(roles)) != len(roles):
        raise InputError(f"record needs one or more sensors with distinct roles, got roles {roles}")
    for s in sensors:
        if s.profile is not None and s.profile not in PROFILES:
            raise InputError(f"profile must be one of {list(PROFILES)}, got {s.profile!r}")
    if path.exists():
        raise InputError(f"{path}: already exists; choose a new file for each session")
    stop = stop or asyncio.Event()
    say = on_event or (lambda line: None)

    found = await find_sensors([s.identifier for s in sensors], scan_timeout_s)
    links: list[SensorLink] = []
    connect_lock = asyncio.Lock()
    try:
        for request, f in zip(sensors, found):
            profile = PROFILES[request.profile] if request.profile else None
            link = SensorLink(f, profile=profile, fs_hz=request.fs_hz, connect_timeout_s=connect_timeout_s,
                              connect_lock=connect_lock)
            links.append(link)
            await link.open()
            assert link.profile is not None
            say(f"{request.role}: connected to {f.label}, {link.profile.label}, {link.fs_hz:g} Hz")
    except BaseException:
        await asyncio.gather(*(link.close() for link in links), return_exceptions=True)
        raise

    roles: dict[int, tuple[str, DeviceProfile, float]] = {}

    def batches_of(device: int, batches: list) -> None:
        if on_batches is not None and device in roles:
            on_batches(*roles[device], batches)

    receiver = Receiver(SessionWriter(path), on_batches=batches_of)
    say(f"recording to {path}" + ("" if duration_s is None else f" for {duration_s:g} s") + "; Ctrl-C stops")
    t_start = time.monotonic()
    runs: list[asyncio.Future] = []
    try:
        devices = []
        for request, link in zip(sensors, links):
            assert link.profile is not None
            devices.append(receiver.add_device(
                request.role, link.profile, link.fs_hz, name=link.found.name,
                address=link.address, info=link.info))
            roles[devices[-1]] = (request.role, link.profile, link.fs_hz)
        receiver.start()
        for request, dev, link in zip(sensors, devices, links):
            await link.start(_sink(receiver, dev), _events(receiver, dev, request.role, say))
        runs = [asyncio.ensure_future(link.run(stop, reconnect=reconnect)) for link in links]
        stats = [receiver.stats[d] for d in devices]
        deadline = None if duration_s is None else time.monotonic() + duration_s
        while not stop.is_set():
            if receiver.error is not None:
                raise InputError(f"{path}: cannot write the session: {receiver.error}")
            if all(r.done() for r in runs):
                break
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                break
            if on_status:
                on_status(status_line(stats, now - t_start, receiver.writer.host_time(now)))
            wait = status_every_s if deadline is None else min(status_every_s, max(deadline - now, 0))
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), wait)
        stop.set()
    finally:
        stop.set()
        for run in runs:
            with contextlib.suppress(BaseException):
                await asyncio.wait_for(run, 15.0)
        await asyncio.gather(*(link.close() for link in links), return_exceptions=True)
        receiver.close()
    return summarize(path, time.monotonic() - t_start)


def _sink(receiver: Receiver, device: int) -> Callable[[int, float, bytes], None]:
    put = receiver.put

    def sink(stream: int, t: float, payload: bytes) -> None:
        put(device, stream, t, payload)

    return sink


def _events(receiver: Receiver, device: int, role: str, say: Callable[[str], None]) -> Callable[[str, float, dict], None]:
    def event(kind: str, t: float, detail: dict) -> None:
        receiver.event(device, kind, t, **detail)
        if kind == "link_lost":
            say(f"{role}: link lost, reconnecting")
        elif kind == "connected" and detail.get("attempt", 1) > 1:
            say(f"{role}: reconnected")

    return event


def summarize(path: str | Path, elapsed_s: float) -> SessionSummary:
    """Read a session file back and say what it holds, sensor by sensor."""
    from ..io.session_file import read, read_devices, read_events

    out = []
    events = read_events(path)
    for dev in read_devices(path):
        mine = [e for e in events if e["device"] == dev.id]
        battery = next((e["pct"] for e in reversed(mine) if e["kind"] == "battery"), None)
        losses = sum(e["kind"] == "link_lost" for e in mine)
        try:
            rec = read(Path(path), sensor=dev.id)
        except FileFormatError:
            out.append(SensorSummary(dev.role, dev.name, dev.address, dev.profile, dev.fs_hz,
                                     0, 0.0, 0, 0, losses, 0, 0, battery))
            continue
        extra = rec.info.extra
        out.append(SensorSummary(
            dev.role, dev.name, dev.address, dev.profile, dev.fs_hz, rec.n_samples, rec.duration_s,
            int(extra["time_base"]["n_lost"]), int(extra["time_base"]["n_gaps"]), losses,
            int(extra["packets"]["received"]), int(extra["packets"]["rejected"]), battery))
    return SessionSummary(Path(path), elapsed_s, out)

