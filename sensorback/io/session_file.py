"""Session files: one SQLite database (WAL mode) per recording session, written as data arrives.

A session holds one or more sensors (``sacrum``, ``t12`` ...) on one host clock.  Every
notification is stored raw, with the host time it arrived, *before* it is decoded; decoded samples,
device information, calibration and events go in the same file.  Transactions are committed a few
times a second with ``synchronous=FULL``, so a killed process or a pulled plug loses at most the
last commit interval, and the file always opens (SQLite replays its write-ahead log).

Any SQLite tool opens it.  Tables (schema ``sensorback.session/1``)::

    meta(key, value)                      schema, sensorback version, clock origin (UTC and monotonic)
    devices(id, role, name, address, profile, fs_hz, info)      info: JSON (firmware, model, ...)
    streams(device, stream, uuid, role)   which characteristic each stream number is
    raw(id, device, stream, t_host_s, payload, rejected)         every notification, as it arrived
    batches(id, device, raw, t_host_s, seq, n)                   what the decoder made of them
    samples(batch, t_device_s, ax, ay, az, gx, gy, gz, mx, my, mz)   m/s², rad/s, µT; NULL = absent
    events(id, device, t_host_s, kind, detail)                   connected, link_lost, battery, ...
    calibration(id, device, t_host_s, kind, value)               JSON values

``t_host_s`` is seconds on the host's monotonic clock since ``meta.origin_monotonic_s``, shared
by every sensor of the session: that is their common time base.

Reading places every sample on a continuous time base (device timestamps, sequence counters or
de-jittered arrival times, see :func:`sensorback.devices.build_time_base`), annotates lost samples
as ``bad/gap`` spans, and returns a :class:`~sensorback.recording.Recording` per sensor.
``redecode=True`` replays the raw notifications through today's decoder instead of using the
stored samples: the live code path, run again.
"""

from __future__ import annotations

import json
import math
import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .._version import __version__
from ..devices.base import Decoder, SampleBatch
from ..devices.profiles import PROFILES, DeviceProfile
from ..errors import DecodeError, FileFormatError, InputError

if TYPE_CHECKING:  # pragma: no cover
    from ..recording import Recording

SCHEMA = "sensorback.session/1"
SQLITE_MAGIC = b"SQLite format 3\x00"

DATA, CONTROL = 0, 1
"""Stream numbers: the profile's notify characteristic and its indicate characteristic."""

COMMIT_INTERVAL_S = 0.25
"""How often a live session commits (and fsyncs) what it has received."""

_DDL = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS devices(
    id INTEGER PRIMARY KEY, role TEXT NOT NULL UNIQUE, name TEXT, address TEXT,
    profile TEXT NOT NULL, fs_hz REAL NOT NULL, info TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS streams(
    device INTEGER NOT NULL, stream INTEGER NOT NULL, uuid TEXT NOT NULL, role TEXT NOT NULL,
    PRIMARY KEY(device, stream));
CREATE TABLE IF NOT EXISTS raw(
    id INTEGER PRIMARY KEY, device INTEGER NOT NULL, stream INTEGER NOT NULL,
    t_host_s REAL NOT NULL, payload BLOB NOT NULL, rejected TEXT);
CREATE TABLE IF NOT EXISTS batches(
    id INTEGER PRIMARY KEY, device INTEGER NOT NULL, raw INTEGER NOT NULL,
    t_host_s REAL NOT NULL, seq INTEGER, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS samples(
    batch INTEGER NOT NULL, t_device_s REAL,
    ax REAL NOT NULL, ay REAL NOT NULL, az REAL NOT NULL,
    gx REAL, gy REAL, gz REAL, mx REAL, my REAL, mz REAL);
CREATE TABLE IF NOT EXISTS events(
    id INTEGER PRIMARY KEY, device INTEGER, t_host_s REAL NOT NULL, kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}');
CREATE TABLE IF NOT EXISTS calibration(
    id INTEGER PRIMARY KEY, device INTEGER, t_host_s REAL NOT NULL, kind TEXT NOT NULL,
    value TEXT NOT NULL);
"""
_SAMPLE_COLUMNS = ("ax", "ay", "az", "gx", "gy", "gz", "mx", "my", "mz")


# --------------------------------------------------------------------------------------------
# Decoding, shared by the live receive path and by replay


class SessionDecoder:
    """One sensor's decoder, fed notifications by stream number.

    The live receive path and :func:`read` with ``redecode=True`` both go through :meth:`feed`,
    so a replay decodes exactly as the live session did.

    Parameters
    ----------
    profile : DeviceProfile
    fs_hz : float
        The rate the sensor was configured to.
    """

    def __init__(self, profile: DeviceProfile, fs_hz: float) -> None:
        self.profile = profile
        self.decoder: Decoder = profile.make_decoder(fs_hz)

    def feed(self, stream: int, payload: bytes, t_host_s: float) -> tuple[list[SampleBatch], str | None]:
        """Decode one notification.

        Returns
        -------
        batches : list of SampleBatch
        rejected : str or None
            Why (some of) the payload was rejected, or ``None``.
        """
        decoder = self.decoder
        before = decoder.n_rejected
        try:
            if stream == CONTROL:
                feed_control = getattr(decoder, "feed_control", None)
                if feed_control is not None:
                    feed_control(payload)
                return [], None
            batches = decoder.feed(payload, t_host_s)
        except DecodeError as err:
            return [], err.reason
        if decoder.n_rejected > before:  # a stream decoder skipped bytes instead of raising
            return batches, "resync"
        return batches, None

    def reset(self) -> None:
        """Forget partial packets after a reconnect."""
        self.decoder.reset()


# --------------------------------------------------------------------------------------------
# Writing


class SessionWriter:
    """Create a session file and append to it.

    Nothing is buffered in Python: rows go to SQLite as they are added, and :meth:`commit` makes
    them durable (``synchronous=FULL``: the write-ahead log is fsynced at each commit).

    Parameters
    ----------
    path : str or Path
        The file to create; it must not exist.
    origin_monotonic_s : float, optional
        Host monotonic time that ``t_host_s = 0`` stands for (default: now).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "s.sqlite"
    >>> w = SessionWriter(path)
    >>> dev = w.add_device("sacrum", profile="diy", fs_hz=100.0, name="sensorback-1")
    >>> raw_id = w.add_notification(dev, DATA, 0.01, b"\\x01")
    >>> w.close()
    >>> detect(path)
    True
    """

    def __init__(self, path: str | Path, *, origin_monotonic_s: float | None = None) -> None:
        self.path = Path(path)
        if self.path.exists():
            raise InputError(f"{self.path}: already exists; a session file is never overwritten")
        self.origin_monotonic_s = time.monotonic() if origin_monotonic_s is None else origin_monotonic_s
        origin_unix = time.time() - (time.monotonic() - self.origin_monotonic_s)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db = self._db
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA wal_autocheckpoint=256")  # keep the log short: ~1 MB
        db.executescript(_DDL)
        db.execute("BEGIN")
        meta = {
            "schema": SCHEMA,
            "sensorback_version": __version__,
            "origin_utc": datetime.fromtimestamp(origin_unix, tz=timezone.utc).isoformat(),
            "origin_unix_s": repr(origin_unix),
            "origin_monotonic_s": repr(self.origin_monotonic_s),
            "host_clock": "monotonic",
        }
        db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
        self.commit()

    def host_time(self, monotonic_s: float) -> float:
        """Session time (``t_host_s``) of a host monotonic time."""
        return monotonic_s - self.origin_monotonic_s

    def add_device(
        self,
        role: str,
        *,
        profile: str,
        fs_hz: float,
        name: str | None = None,
        address: str | None = None,
        info: dict[str, Any] | None = None,
    ) -> int:
        """Register a sensor; returns its id."""
        if profile not in PROFILES:
            raise InputError(f"profile must be one of {list(PROFILES)}, got {profile!r}")
        cur = self._db.execute(
            "INSERT INTO devices(role, name, address, profile, fs_hz, info) VALUES (?, ?, ?, ?, ?, ?)",
            (role, name, address, profile, float(fs_hz), json.dumps(info or {})),
        )
        return int(cur.lastrowid or 0)

    def update_device_info(self, device: int, **info: Any) -> None:
        """Merge keys into a device's info (firmware, model, battery ...)."""
        (current,) = self._db.execute("SELECT info FROM devices WHERE id = ?", (device,)).fetchone()
        merged = {**json.loads(current), **info}
        self._db.execute("UPDATE devices SET info = ? WHERE id = ?", (json.dumps(merged), device))

    def add_stream(self, device: int, stream: int, uuid: str, role: str) -> None:
        """Say which characteristic a stream number is."""
        self._db.execute(
            "INSERT OR REPLACE INTO streams VALUES (?, ?, ?, ?)", (device, stream, uuid, role)
        )

    def add_notification(self, device: int, stream: int, t_host_s: float, payload: bytes) -> int:
        """Store one notification as it arrived; returns its row id."""
        cur = self._db.execute(
            "INSERT INTO raw(device, stream, t_host_s, payload) VALUES (?, ?, ?, ?)",
            (device, stream, t_host_s, payload),
        )
        return int(cur.lastrowid or 0)

    def mark_rejected(self, raw_id: int, reason: str) -> None:
        """Note that the decoder rejected (part of) a stored notification."""
        self._db.execute("UPDATE raw SET rejected = ? WHERE id = ?", (reason, raw_id))

    def add_batches(self, device: int, raw_id: int, batches: Sequence[SampleBatch]) -> None:
        """Store what the decoder made of a notification."""
        for b in batches:
            cur = self._db.execute(
                "INSERT INTO batches(device, raw, t_host_s, seq, n) VALUES (?, ?, ?, ?, ?)",
                (device, raw_id, b.host_time_s, b.seq, b.n),
            )
            self._db.executemany(
                "INSERT INTO samples VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _sample_rows(int(cur.lastrowid or 0), b),
            )

    def add_event(self, device: int | None, t_host_s: float, kind: str, **detail: Any) -> None:
        """Store an event (``connected``, ``link_lost``, ``battery`` ...)."""
        self._db.execute(
            "INSERT INTO events(device, t_host_s, kind, detail) VALUES (?, ?, ?, ?)",
            (device, t_host_s, kind, json.dumps(detail)),
        )

    def add_calibration(self, device: int | None, t_host_s: float, kind: str, value: dict) -> None:
        """Store a calibration (wire scales, mount ...) as JSON."""
        self._db.execute(
            "INSERT INTO calibration(device, t_host_s, kind, value) VALUES (?, ?, ?, ?)",
            (device, t_host_s, kind, json.dumps(value)),
        )

    def commit(self) -> None:
        """Make everything added so far durable and start the next transaction."""
        self._db.execute("COMMIT")
        self._db.execute("BEGIN")

    def close(self) -> None:
        """Commit, fold the write-ahead log into the file, and close."""
        self._db.execute("COMMIT")
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self._db.close()


def _sample_rows(batch_id: int, b: SampleBatch) -> list[tuple]:
    n = b.n
    none = np.full((n, 3), np.nan)
    t = b.time_s if b.time_s is not None else np.full(n, np.nan)
    values = np.column_stack(
        [t, b.acc, none if b.gyro is None else b.gyro, none if b.mag is None else b.mag]
    ).tolist()
    # NaN stands for "absent": store SQL NULL so that other tools see it as such
    return [(batch_id, *(None if math.isnan(v) else v for v in row)) for row in values]


# --------------------------------------------------------------------------------------------
# Reading


@dataclass(frozen=True)
class SessionDevice:
    """One sensor of a session, as registered when it was connected."""

    id: int
    role: str
    name: str | None
    address: str | None
    profile: str
    fs_hz: float
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def device_profile(self) -> DeviceProfile:
        return PROFILES[self.profile]


def detect(path: Path) -> bool:
    """Whether `path` is a sensorback session file."""
    if path.is_dir():
        return False
    try:
        with open(path, "rb") as fh:
            if fh.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
                return False
        with _open(path) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    except (OSError, sqlite3.Error):
        return False
    return bool(row) and str(row[0]).startswith("sensorback.session/")


class _open:
    """A connection for reading that replays an unfinished write-ahead log (after a crash)."""

    def __init__(self, path: Path) -> None:
        try:
            self.db = sqlite3.connect(path)
            self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.OperationalError:  # a read-only folder: read without recovering
            self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)

    def __enter__(self) -> sqlite3.Connection:
        return self.db

    def __exit__(self, *exc: object) -> None:
        self.db.close()


def read_meta(path: str | Path) -> dict[str, str]:
    """The ``meta`` table."""
    with _open(Path(path)) as db:
        return dict(db.execute("SELECT key, value FROM meta").fetchall())


def read_devices(path: str | Path) -> list[SessionDevice]:
    """Every sensor of the session, in the order they were connected."""
    with _open(Path(path)) as db:
        rows = db.execute(
            "SELECT id, role, name, address, profile, fs_hz, info FROM devices ORDER BY id"
        ).fetchall()
    return [SessionDevice(i, role, name, address, profile, fs, json.loads(info))
            for i, role, name, address, profile, fs, info in rows]


def read_events(path: str | Path) -> list[dict[str, Any]]:
    """Every event: ``device`` (id or None), ``role``, ``t_host_s``, ``kind`` and its details."""
    with _open(Path(path)) as db:
        rows = db.execute(
            "SELECT e.device, d.role, e.t_host_s, e.kind, e.detail FROM events e "
            "LEFT JOIN devices d ON d.id = e.device ORDER BY e.id"
        ).fetchall()
    return [
        {"device": dev, "role": role, "t_host_s": t, "kind": kind, **json.loads(detail)}
        for dev, role, t, kind, detail in rows
    ]


def read_calibration(path: str | Path) -> list[dict[str, Any]]:
    """Every calibration record: ``device``, ``t_host_s``, ``kind`` and ``value``."""
    with _open(Path(path)) as db:
        rows = db.execute(
            "SELECT device, t_host_s, kind, value FROM calibration ORDER BY id"
        ).fetchall()
    return [
        {"device": dev, "t_host_s": t, "kind": kind, "value": json.loads(value)}
        for dev, t, kind, value in rows
    ]


def read_raw(path: str | Path, sensor: str | int | None = None) -> list[tuple[float, int, bytes, str | None]]:
    """One sensor's notifications as ``(t_host_s, stream, payload, rejected)``, in arrival order."""
    dev = read_device(path, sensor)
    with _open(Path(path)) as db:
        rows = db.execute(
            "SELECT t_host_s, stream, payload, rejected FROM raw WHERE device = ? ORDER BY id",
            (dev.id,),
        ).fetchall()
    return [(t, s, bytes(p), r) for t, s, p, r in rows]


def read_device(path: str | Path, sensor: str | int | None = None) -> SessionDevice:
    """One sensor of the session: ``sensor`` is its id, role, name or address; ``None``: the
    ``sacrum`` one, else the first.

    Raises
    ------
    FileFormatError
        The session has no sensor.
    InputError
        No sensor of the session is ``sensor``.
    """
    devices = read_devices(path)
    if not devices:
        raise FileFormatError(str(path), "the session has no sensor yet (it stopped before one connected)")
    if sensor is None:
        return next((d for d in devices if d.role == "sacrum"), devices[0])
    for d in devices:
        if sensor in (d.id, d.role, d.name, d.address):
            return d
    roles = ", ".join(f"{d.role} ({d.name})" for d in devices)
    raise InputError(f"sensor must be one of the session's sensors: {roles}; got {sensor!r}")


def _stored_batches(db: sqlite3.Connection, device: int, path: Path) -> list[SampleBatch]:
    heads = db.execute(
        "SELECT id, t_host_s, seq, n FROM batches WHERE device = ? ORDER BY id", (device,)
    ).fetchall()
    if not heads:
        return []
    rows = db.execute(
        "SELECT s.t_device_s, s.ax, s.ay, s.az, s.gx, s.gy, s.gz, s.mx, s.my, s.mz "
        "FROM samples s JOIN batches b ON b.id = s.batch WHERE b.device = ? ORDER BY s.rowid",
        (device,),
    ).fetchall()
    values = np.array(rows, dtype=float).reshape(-1, 10)
    counts = np.array([h[3] for h in heads])
    if counts.sum() != len(values):  # cannot happen with this writer: batches commit with their samples
        raise FileFormatError(str(path), "samples do not match their batches")
    out = []
    for (_, t_host, seq, _n), part in zip(heads, np.split(values, np.cumsum(counts)[:-1])):
        gyro, mag, t_device = part[:, 4:7], part[:, 7:10], part[:, 0]
        out.append(
            SampleBatch(
                acc=part[:, 1:4],
                gyro=None if np.isnan(gyro).all() else gyro,
                mag=None if np.isnan(mag).all() else mag,
                time_s=None if np.isnan(t_device).all() else t_device,
                seq=seq,
                host_time_s=t_host,
            )
        )
    return out


def _replayed_batches(db: sqlite3.Connection, dev: SessionDevice) -> tuple[list[SampleBatch], int]:
    """Decode the raw notifications again, resetting the decoder where the link was re-made."""
    decoder = SessionDecoder(dev.device_profile, dev.fs_hz)
    resets = [t for (t,) in db.execute(
        "SELECT t_host_s FROM events WHERE device = ? AND kind = 'connected' ORDER BY t_host_s",
        (dev.id,),
    )]
    batches: list[SampleBatch] = []
    n_rejected = 0
    r = 0
    for t, stream, payload in db.execute(
        "SELECT t_host_s, stream, payload FROM raw WHERE device = ? ORDER BY id", (dev.id,)
    ):
        while r < len(resets) and resets[r] <= t:
            decoder.reset()
            r += 1
        got, rejected = decoder.feed(stream, bytes(payload), t)
        batches += got
        n_rejected += rejected is not None
    return batches, n_rejected


def read(
    path: Path,
    *,
    sensor: str | int | None = None,
    fs_hz: float | None = None,
    redecode: bool = False,
) -> Recording:
    """Read one sensor of a session file as a Recording.

    Parameters
    ----------
    path : Path
    sensor : str or int, optional
        Role (``"sacrum"``, ``"t12"``), name, address or id; the sacrum sensor (else the first)
        by default.
    fs_hz : float, optional
        Nominal rate to place samples with, instead of the rate the sensor was configured to.
    redecode : bool
        Decode the raw notifications again instead of reading the stored samples.

    Returns
    -------
    Recording
        ``time_s`` from the sensor's first sample; ``info.extra["t0_session_s"]`` is that sample's
        time on the session clock, which aligns the sensors of one session.  Lost samples are
        ``bad/gap`` spans (``missing_samples``, ``cause``).

    Raises
    ------
    FileFormatError
        The file has no sensor, or the sensor has no samples yet.
    """
    import pandas as pd

    from ..recording import Annotations, Info, Recording

    path = Path(path)
    dev = read_device(path, sensor)
    meta = read_meta(path)
    profile = dev.device_profile
    fs = float(fs_hz or dev.fs_hz)
    with _open(path) as db:
        if redecode:
            batches, n_rejected = _replayed_batches(db, dev)
        else:
            batches = _stored_batches(db, dev.id, path)
            (n_rejected,) = db.execute(
                "SELECT count(*) FROM raw WHERE device = ? AND rejected IS NOT NULL", (dev.id,)
            ).fetchone()
        (n_packets,) = db.execute(
            "SELECT count(*) FROM raw WHERE device = ? AND stream = ?", (dev.id, DATA)
        ).fetchone()
    if not any(b.n for b in batches):
        raise FileFormatError(str(path), f"sensor {dev.role!r} has no samples yet")
    events = [e for e in read_events(path) if e["device"] == dev.id]
    reconnections = [e["t_host_s"] for e in events if e["kind"] == "connected"][1:]
    tb = profile.time_base(batches, fs, breaks_s=reconnections)
    time_s = _strictly_increasing(tb.time_s)
    full = [b for b in batches if b.n]
    n = sum(b.n for b in full)
    absent = np.full((n, 3), np.nan)
    acc = np.concatenate([b.acc for b in full])
    gyros = [b.gyro for b in full if b.gyro is not None]
    gyro = np.concatenate(gyros) if len(gyros) == len(full) else absent
    mags = [b.mag for b in full if b.mag is not None]
    notes = []
    if gyro is absent:
        notes.append(f"{profile.label} streams no gyroscope: gx, gy, gz are missing (NaN)")
    blocks = [acc, gyro] + ([np.concatenate(mags)] if len(mags) == len(full) else [])
    names = ["ax", "ay", "az", "gx", "gy", "gz", "mx", "my", "mz"][: 3 * len(blocks)]
    samples = pd.DataFrame(np.hstack(blocks), columns=names, index=pd.Index(time_s, name="time_s"))

    t0 = tb.t0_host_s
    outages = _outages(events)
    spans = []
    for gap in tb.gaps:
        lo, hi = t0 + gap.onset_s, t0 + gap.onset_s + gap.duration_s
        link = any(a < hi and b > lo for a, b in outages)
        spans.append({
            "onset_s": gap.onset_s, "duration_s": gap.duration_s, "description": "bad/gap",
            "missing_samples": gap.n_lost, "cause": "link lost" if link else "packet loss",
        })
    origin_unix = float(meta.get("origin_unix_s", "nan"))
    start = datetime.fromtimestamp(origin_unix + t0, tz=timezone.utc) if math.isfinite(origin_unix) else None
    extra = {
        "session_format": meta.get("schema"),
        "role": dev.role,
        "name": dev.name,
        "address": dev.address,
        "profile": dev.profile,
        "t0_session_s": t0,
        "time_base": {
            "source": tb.source,
            "fs_hz": tb.fs_hz,
            "drift_ppm": tb.drift_ppm,
            "n_lost": tb.n_lost,
            "n_gaps": len(tb.gaps),
        },
        "packets": {"received": int(n_packets), "rejected": int(n_rejected)},
        "device_info": dev.info,
        "events": [
            {k: v for k, v in {**e, "t_s": e["t_host_s"] - t0}.items() if k not in ("device", "role")}
            for e in events
        ],
        "redecoded": redecode,
    }
    info = Info(
        device=profile.label if not dev.name else f"{profile.label}: {dev.name}",
        placement=dev.role,
        fs_hz=fs,
        start_time=start,
        firmware=dev.info.get("firmware"),
        source=str(path),
        format="session",
        notes=tuple(notes),
        extra=extra,
    )
    return Recording(samples, info, Annotations.from_records(spans))


def read_sensors(path: str | Path, **options: Any) -> dict[str, Recording]:
    """Every sensor of a session with samples, by role (see :func:`read` for the options)."""
    out = {}
    for dev in read_devices(path):
        try:
            out[dev.role] = read(Path(path), sensor=dev.id, **options)
        except FileFormatError:
            continue
    return out


def _outages(events: Iterable[dict[str, Any]]) -> list[tuple[float, float]]:
    """(lost, re-connected) host-time spans of one device's link; open spans end at infinity."""
    spans, lost = [], None
    for e in events:
        if e["kind"] == "link_lost" and lost is None:
            lost = e["t_host_s"]
        elif e["kind"] == "connected" and lost is not None:
            spans.append((lost, e["t_host_s"]))
            lost = None
    if lost is not None:
        spans.append((lost, float("inf")))
    return spans


def _strictly_increasing(time_s: np.ndarray) -> np.ndarray:
    """Times with ties (a batch clipped to its arrival time) spread by a microsecond."""
    t = np.array(time_s, dtype=float)
    if np.any(np.diff(t) <= 0):
        for i in range(1, t.size):
            if t[i] <= t[i - 1]:
                t[i] = t[i - 1] + 1e-6
    return t
