"""The live path's final pass: the offline trunk-angle pipeline over the whole session, in chunks.

While streaming, the live path can only use what it has seen: the gyro bias between the still
periods so far, stillness thresholds of the session so far.  At the end every sample is known, so
:func:`final_grid` computes exactly the offline inputs of the detection
(:func:`~sensorback.processing.angles.compute_trunk_angles` and the box average onto the
detection grid of :func:`~sensorback.detection.signals.make_grid`), reading the samples back from
disk in chunks: the whole session's motion level and thresholds, the still and calm periods, the
bias interpolated between all still periods, the fusion per contiguous run with margins wider than
its smoothing reaches, the mount from the standing start and the held postures' sums, then pitch,
roll and the signals on the detection grid.  Memory: 26 bytes per sample (times, motion level,
masks) plus one chunk; the up-vectors go to a temporary file.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.ndimage import uniform_filter1d

from ..processing.angles import calibrate, mask_of_runs
from ..processing.calibration import Mount, PostureRuns, posture_runs
from ..processing.integrity import contiguous_runs
from ..processing.orientation import bias_points, compute_angles, compute_up, interpolate_bias
from ..processing.stillness import calm_runs, motion_level, still_runs
from ..settings import AnalysisSettings, DetectionSettings


class RowFile:
    """Rows of floats appended to an anonymous temporary file (deleted when closed), read back
    by index."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.n = 0
        self._file: Any = None

    def append(self, rows: np.ndarray) -> None:
        if not len(rows):
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="sensorback-live-")
        self._file.seek(0, 2)
        self._file.write(np.ascontiguousarray(rows, dtype=float).tobytes())
        self.n += len(rows)

    def read(self, a: int, b: int) -> np.ndarray:
        """Rows ``a`` .. ``b`` (exclusive)."""
        b = min(b, self.n)
        if b <= a:
            return np.empty((0, self.width))
        self._file.seek(a * self.width * 8)
        return np.fromfile(self._file, dtype=float, count=(b - a) * self.width).reshape(-1, self.width)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


Reader = Callable[[int, int], np.ndarray]
"""Samples ``a`` .. ``b`` (exclusive) of the session as rows ``(t, ax, ay, az, gx, gy, gz)``."""


@dataclass
class FinalGrid:
    """The detection's inputs on its grid, as the offline analysis has them.

    ``time_s`` are the grid times outside long gaps; ``acc`` and ``gyro`` (bias-corrected) are
    in sensor axes, box-averaged over one grid step like pitch and roll.
    """

    time_s: np.ndarray
    pitch_deg: np.ndarray
    roll_deg: np.ndarray
    acc: np.ndarray
    gyro: np.ndarray
    mount: Mount
    bias_first: np.ndarray
    bias_last: np.ndarray
    n_still: int


def final_grid(
    read: Reader,
    n: int,
    fs: float,
    settings: AnalysisSettings,
    detection: DetectionSettings,
    mount: Mount | None,
    *,
    chunk_s: float = 120.0,
    margin_s: float = 12.5,
    head_max_s: float = 600.0,
) -> FinalGrid:
    """The offline trunk angles of ``n`` samples read in chunks, on the detection grid.

    Parameters
    ----------
    read : callable
        ``read(a, b)``: samples ``a`` .. ``b`` (see :data:`Reader`).
    fs : float
        Nominal rate, Hz (the offline analysis' ``fs``).
    mount : Mount, optional
        Given; ``None``: calibrated as offline.
    margin_s : float
        How far the fusion's smoothing reaches: each chunk is fused with this much on both sides.
    head_max_s : float
        The standing start is looked for in the session's start, which ends after the search's
        span where no posture is held, at the latest this much later.

    Raises
    ------
    CalibrationError
        No standing start and no mount given.
    """
    st = settings.stillness
    chunk = max(1, int(chunk_s * fs))
    # 1. times and the motion level of the whole session (a centred window: exact with a margin)
    w_level = max(3, int(round(st.window_s * fs)))
    t, g_sd, a_sd = np.empty(n), np.empty(n), np.empty(n)
    for c0 in range(0, n, chunk):
        c1 = min(n, c0 + chunk)
        lo, hi = max(0, c0 - w_level), min(n, c1 + w_level)
        x = read(lo, hi)
        lg, la = motion_level(x[:, 1:4], x[:, 4:7], fs, st)
        t[c0:c1], g_sd[c0:c1], a_sd[c0:c1] = x[c0 - lo : c1 - lo, 0], lg[c0 - lo : c1 - lo], la[c0 - lo : c1 - lo]
    # 2. still and calm periods with the whole session's thresholds; the bias in every still one
    still = still_runs((g_sd, a_sd), fs, st)
    still_m = mask_of_runs(n, still)
    calm_m = mask_of_runs(n, calm_runs((g_sd, a_sd), fs, st)) | still_m
    centres, values = np.empty(0), np.empty((0, 3))
    if settings.orientation.bias_from_still and len(still):
        pts = [bias_points(x[:, 0], x[:, 4:7], np.array([[0, len(x)]])) for x in (read(a, b) for a, b in still)]
        centres, values = np.concatenate([p[0] for p in pts]), np.vstack([p[1] for p in pts])
    # 3. fusion per contiguous run, in chunks (blocks aligned as offline), and the held postures
    k = max(1, int(fs // 20))  # compute_up's block
    margin = int(np.ceil(margin_s * fs))
    ups = RowFile(3)
    postures = PostureRuns.empty()
    for ra, rb in contiguous_runs(t, settings.quality.break_gap_s):
        for c0 in range(ra, rb, chunk):
            c1 = min(rb, c0 + chunk)
            lo = ra + (max(ra, c0 - margin) - ra) // k * k
            hi = min(rb, c1 + margin)
            x = read(lo, hi)
            w = x[:, 4:7] - interpolate_bias(x[:, 0], centres, values)
            up = compute_up(x[:, 0], x[:, 1:4], w, fs, settings.orientation)[c0 - lo : c1 - lo]
            ups.append(up)
            if mount is None:
                postures = postures.join(posture_runs(up, still_m[c0:c1], calm_m[c0:c1], c0))
    try:
        if mount is None:
            cal = settings.calibration
            rel = t - t[0]
            end = np.flatnonzero(((rel > cal.standing_search_s) & ~calm_m) | (rel > cal.standing_search_s + head_max_s))
            he = int(end[0]) if end.size else n
            mount, _ = calibrate(t[:he], ups.read(0, he), (g_sd[:he], a_sd[:he]), still_m[:he], calm_m[:he], fs,
                                 settings, postures)
        del g_sd, a_sd, still_m, calm_m
        # 4. pitch and roll, box-averaged over one grid step and read at the grid times (make_grid)
        fs_g = float(min(detection.grid_hz, fs))
        grid = t[0] + np.arange(int(np.floor((t[-1] - t[0]) * fs_g)) + 1) / fs_g
        width = max(1, int(round(fs / fs_g)))
        out = np.empty((len(grid), 8))
        R = mount.sensor_to_body
        for c0 in range(0, n, chunk):
            c1 = min(n, c0 + chunk)
            lo, hi = max(0, c0 - width), min(n, c1 + width)
            x = read(lo, hi)
            pitch, roll = compute_angles(ups.read(lo, hi), R)
            fields = np.column_stack((pitch, roll, x[:, 1:4], x[:, 4:7] - interpolate_bias(x[:, 0], centres, values)))
            if width > 1:
                fields = uniform_filter1d(fields, size=width, axis=0, mode="nearest")
            ga = 0 if c0 == 0 else int(np.searchsorted(grid, t[c0]))
            gb = len(grid) if c1 == n else int(np.searchsorted(grid, t[c1]))
            for c in range(8):
                out[ga:gb, c] = np.interp(grid[ga:gb], x[:, 0], fields[:, c])
    finally:
        ups.close()
    # grid points inside a long gap are left out: detection marks them invalid there
    j = np.clip(np.searchsorted(t, grid), 1, max(n - 1, 1))
    keep = (t[j] - t[j - 1] <= detection.max_gap_s) | (grid <= t[0])
    out = out[keep]
    b = interpolate_bias(t[[0, -1]], centres, values)
    return FinalGrid(grid[keep], out[:, 0], out[:, 1], out[:, 2:5], out[:, 5:8], mount, b[0], b[1], len(still))
