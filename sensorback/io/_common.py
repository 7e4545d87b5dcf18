"""What the vendor-export readers share: exports that are folders or zips, merging separate
accelerometer and gyroscope streams onto one time base, and building the checked Recording."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from ..errors import FileFormatError, UnusableRecording
from ..recording import CANONICAL, Info, Recording
from .._warn import warn_user
from ..errors import RecordingWarning

MIN_SAMPLES = 10
GAP_FACTOR = 2.5
"""A source stream whose neighbouring samples lie further apart than this many of its periods has
lost packets there: merged rows in between are dropped, never interpolated across."""


class Bundle:
    """The files of an export given as a folder, a zip, or one file of it (then its folder)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        if path.is_dir():
            self.root = path
            self.names = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
        elif zipfile.is_zipfile(path):
            self._zip = zipfile.ZipFile(path)
            self.names = sorted(n for n in self._zip.namelist() if not n.endswith("/"))
        else:
            self.root = path.parent
            self.names = sorted(p.name for p in path.parent.iterdir() if p.is_file())

    def find(self, *basenames: str) -> str | None:
        """The shortest member path whose file name is one of ``basenames`` (any case)."""
        wanted = {b.lower() for b in basenames}
        hits = [n for n in self.names if PurePosixPath(n).name.lower() in wanted]
        return min(hits, key=len) if hits else None

    def read_bytes(self, name: str) -> bytes:
        if self._zip is not None:
            return self._zip.read(name)
        return (self.root / name).read_bytes()

    def read_text(self, name: str, encoding: str = "utf-8-sig") -> str:
        return self.read_bytes(name).decode(encoding, errors="replace")

    def read_csv(self, name: str, **kwargs: Any) -> pd.DataFrame:
        try:
            return pd.read_csv(io.BytesIO(self.read_bytes(name)), **kwargs)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
            raise FileFormatError(f"{self.path}:{name}", f"cannot parse as CSV ({exc})") from None

    def first_line(self, name: str) -> str:
        data = self.read_bytes(name)[:4096]
        return data.decode("utf-8-sig", errors="replace").splitlines()[0] if data.strip() else ""


def numeric(df: pd.DataFrame, path: str) -> np.ndarray:
    """The frame's values as floats; cells that are not numbers become NaN (rows dropped later)."""
    out = df.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(out).any():
        raise FileFormatError(path, "no numeric data rows")
    return out


def merge_streams(
    t_acc: np.ndarray, acc: np.ndarray, t_gyro: np.ndarray, gyro: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """Resample two streams with their own clocks onto one uniform time base.

    The grid runs over the span both streams cover, at the faster stream's median rate; both
    are interpolated linearly onto it.  Grid points inside a gap of either stream (neighbours
    more than :data:`GAP_FACTOR` periods apart) are left out, so that the time-base check finds
    and annotates the gap (never interpolated across).

    Returns
    -------
    time_s, acc, gyro, note
        The grid (same origin as the inputs), both streams on it, and a note for the user.
    """
    streams = []
    for t, v in ((t_acc, acc), (t_gyro, gyro)):
        ok = np.isfinite(t) & np.all(np.isfinite(v), axis=1)
        t, v = t[ok], v[ok]
        order = np.argsort(t, kind="stable")
        t, v = t[order], v[order]
        first = np.concatenate(([True], np.diff(t) > 0))
        streams.append((t[first], v[first]))
    (ta, a), (tg, g) = streams
    if ta.size < 2 or tg.size < 2:
        raise ValueError("each stream needs at least two samples")
    periods = [float(np.median(np.diff(ta))), float(np.median(np.diff(tg)))]
    lo, hi = max(ta[0], tg[0]), min(ta[-1], tg[-1])
    step = min(periods)
    grid = lo + np.arange(int(np.floor((hi - lo) / step)) + 1) * step if hi > lo else np.array([lo])
    out = []
    in_gap = np.zeros(grid.size, dtype=bool)
    for (t, v), period in zip(streams, periods):
        out.append(np.column_stack([np.interp(grid, t, v[:, k]) for k in range(v.shape[1])]))
        j = np.clip(np.searchsorted(t, grid), 1, t.size - 1)
        in_gap |= (t[j] - t[j - 1]) > GAP_FACTOR * period
    keep = ~in_gap
    grid, out = grid[keep], [v[keep] for v in out]
    note = (f"accelerometer ({1 / periods[0]:.4g} Hz) and gyroscope ({1 / periods[1]:.4g} Hz) have "
            f"their own timestamps: both interpolated onto one {1 / step:.4g} Hz time base over the "
            f"{hi - lo:.1f} s both cover")
    return grid, out[0], out[1], note


def no_gyro_error(path: str, detail: str) -> UnusableRecording:
    return UnusableRecording(
        path,
        f"no gyroscope ({detail}); trunk angles during movement need it",
        "Record the gyroscope too, or read with accel_only=True (CLI: --accel-only) for "
        "accelerometer-only angles of lower quality",
    )


def finish(
    path: Path,
    time_s: np.ndarray,
    acc_m_s2: np.ndarray,
    gyro_rad_s: np.ndarray | None,
    *,
    format: str,
    device: str,
    placement: str = "sacrum",
    fs_hz: float | None = None,
    start_time: datetime | None = None,
    notes: list[str] | None = None,
    extra: Mapping[str, Any] | None = None,
    quiet: bool = False,
    accel_only: bool = False,
    no_gyro_detail: str = "the file has no angular rate",
) -> Recording:
    """Check the time base and build the Recording every reader returns.

    Without a gyroscope (``gyro_rad_s`` None) the file is refused unless ``accel_only``; then the
    angular rate is derived from the accelerometer (:mod:`sensorback.processing.accel_only`).
    Too slow or too short recordings are read with a note saying why analysis will refuse them.
    """
    from ..processing.accel_only import gyro_from_acc
    from ..processing.integrity import check_time_base, usability_problems

    notes = list(notes or [])
    extra = dict(extra or {})
    if gyro_rad_s is None and not accel_only:
        raise no_gyro_error(str(path), no_gyro_detail)
    values = acc_m_s2 if gyro_rad_s is None else np.column_stack((acc_m_s2, gyro_rad_s))
    keep, ann, report = check_time_base(time_s, values, fs_hz)
    if keep.sum() < MIN_SAMPLES:
        raise FileFormatError(str(path), f"only {int(keep.sum())} usable samples; a recording needs "
                              f"at least {MIN_SAMPLES}")
    notes.extend(report.messages)
    t = time_s[keep] - time_s[keep][0]
    acc = acc_m_s2[keep]
    if gyro_rad_s is None:
        gyro = gyro_from_acc(t, acc, report.fs_hz)
        notes.append(f"no gyroscope ({no_gyro_detail}): angular rate derived from the accelerometer, so "
                     "angles are accelerometer-only and blur during fast movements")
        extra["gyro"] = "derived from the accelerometer"
    else:
        gyro = gyro_rad_s[keep]
    notes.extend(f"unusable for posture: {p}" for p in usability_problems(t))
    extra["time_base"] = report.to_dict()
    samples = pd.DataFrame(np.column_stack((acc, gyro)), columns=list(CANONICAL),
                           index=pd.Index(t, name="time_s"))
    info = Info(device=device, placement=placement, fs_hz=fs_hz or report.nominal_fs_hz,
                start_time=start_time, source=str(path), format=format, notes=tuple(notes), extra=extra)
    if not quiet:
        for n in notes:
            warn_user(f"{path.name}: {n}", RecordingWarning)
    return Recording(samples, info, ann)
