"""The signals detection works on, on a uniform time grid: up-vector, angular speed, activity.

Recordings have gaps and jittered time stamps; every detector here wants a uniform grid.
:func:`make_grid` averages the inputs over one grid step (anti-aliasing) and interpolates them
onto a grid at ``settings.grid_hz``, marking grid points inside long data gaps as invalid.
Sample-rate work (tremor, breathing, jerks) goes back to the original samples per segment.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import maximum_filter1d, minimum_filter1d, uniform_filter1d

from ..processing.filters import median, row_dot, row_norm, smooth
from ..settings import DetectionSettings


@dataclass
class Grid:
    """Detection signals on a uniform grid.

    Attributes
    ----------
    t : ndarray, shape (m,)
        Grid times, s (same origin as the input).
    fs : float
        Grid rate, Hz.
    pitch_deg, roll_deg : ndarray, shape (m,)
    up : ndarray, shape (m, 3)
        Unit up-vector in body axes (x cranial, y left, z posterior).
    gyro : ndarray, shape (m, 3)
        Body-frame angular rate, deg/s, averaged over one grid step.
    acc : ndarray, shape (m, 3)
        Body-frame specific force, m/s², averaged over one grid step.
    speed : ndarray, shape (m,)
        Angular speed averaged over ``move_smooth_s``, deg/s.
    speed_fine : ndarray, shape (m,)
        Angular speed lightly smoothed (0.15 s), deg/s, for the timing of movements.
    lin_acc : ndarray, shape (m,)
        Magnitude of the linear acceleration (specific force minus gravity along the up-vector)
        averaged over ``move_smooth_s``: sustained movements, not the sway's quick back-and-forth.
    jolt : ndarray, shape (m,)
        Linear acceleration magnitude averaged over ``move_smooth_s``, m/s²: low only where the
        sensor is truly at rest.
    activity : ndarray, shape (m,)
        Sway activity: RMS angular speed about its local mean, deg/s, opened over
        ``activity_window_s`` so that single jerks do not raise it.
    valid : ndarray of bool, shape (m,)
        False inside data gaps longer than ``max_gap_s``.
    """

    t: np.ndarray
    fs: float
    pitch_deg: np.ndarray
    roll_deg: np.ndarray
    up: np.ndarray
    gyro: np.ndarray
    acc: np.ndarray
    speed: np.ndarray
    speed_fine: np.ndarray
    lin_acc: np.ndarray
    jolt: np.ndarray
    activity: np.ndarray
    valid: np.ndarray

    @property
    def n(self) -> int:
        return int(self.t.size)

    @functools.cached_property
    def f_up(self) -> np.ndarray:
        """Specific force along the up-vector at every grid point, m/s² (shared: not to be
        modified)."""
        return row_dot(self.acc, self.up)

    @functools.cached_property
    def acc_norm(self) -> np.ndarray:
        """Magnitude of the specific force at every grid point, m/s² (shared: not to be
        modified)."""
        return row_norm(self.acc)

    @functools.cached_property
    def invalid(self) -> np.ndarray:
        """Indices of the grid points inside data gaps (not ``valid``), in order."""
        return np.flatnonzero(~self.valid)

    def index(self, time_s: float | np.ndarray) -> np.ndarray:
        """Grid index nearest to the given time(s)."""
        if isinstance(time_s, (float, np.floating)):
            # one time, in scalar arithmetic (round() also rounds halves to even, as np.rint)
            k = round((float(time_s) - float(self.t[0])) * self.fs)
            return np.intp(min(max(k, 0), max(self.n - 1, 0)))  # type: ignore[return-value]
        if isinstance(time_s, (list, tuple)):
            # a few times (the ends of a segment): the same arithmetic on Python floats
            t0, top = float(self.t[0]), max(self.n - 1, 0)
            ks = [(float(x) - t0) * self.fs for x in time_s]
            if all(abs(k) < 2.0**62 for k in ks):  # finite and convertible
                return np.array([min(max(round(k), 0), top) for k in ks], dtype=int)
        i = np.rint((np.asarray(time_s, dtype=float) - self.t[0]) * self.fs).astype(int)
        return np.clip(i, 0, max(self.n - 1, 0))


def minjerk(s: np.ndarray, scale: float | np.ndarray | None = None) -> np.ndarray:
    """Progress of a minimum-jerk movement, s³·(10 − 15·s + 6·s²) of ``s`` clipped to [0, 1]
    (times ``scale`` if given, applied after s³), computed with products in place (not s**3,
    which goes through pow)."""
    s = np.clip(s, 0.0, 1.0)
    out = s * s
    out *= s
    if scale is not None:
        out *= scale
    poly = 15.0 * s
    np.subtract(10.0, poly, out=poly)
    s6 = 6.0 * s
    s6 *= s
    poly += s6
    out *= poly
    return out


def up_vector(pitch_deg: np.ndarray, roll_deg: np.ndarray, posterior_sign: np.ndarray) -> np.ndarray:
    """Unit up-vector in body axes from pitch, roll and the sign of its posterior component.

    Pitch and roll give the cranial and left components (their sines); the posterior one has the
    remaining length and the sign of the (smoothed) posterior specific force: positive face down.
    """
    ux = np.sin(np.radians(pitch_deg))
    uy = np.sin(np.radians(roll_deg))
    uz = np.sqrt(np.clip(1.0 - ux * ux - uy * uy, 0.0, 1.0)) * np.where(posterior_sign < 0, -1.0, 1.0)
    return np.column_stack((ux, uy, uz))


def _resample(t: np.ndarray, x: np.ndarray, grid: np.ndarray, width: int, degrees: bool = False) -> np.ndarray:
    """Box-average ``x`` over ``width`` samples, then interpolate each column at ``grid``;
    ``degrees``: convert ``x`` (n, k) from radians first (the values of ``np.degrees(x)``,
    one column at a time)."""
    if x.ndim == 1:
        x = np.degrees(x) if degrees else x
        xs = uniform_filter1d(x, size=width, mode="nearest") if width > 1 else x
        return np.interp(grid, t, xs)
    # filtered as component rows (the (n, k) inputs are usually transposed views of contiguous
    # rows: no strided copies), one at a time into one buffer (no fresh multi-MB arrays)
    rows = np.asarray(x, dtype=float).T
    out = np.empty((grid.size, rows.shape[0]))
    buf = np.empty(rows.shape[1])
    deg = np.empty(rows.shape[1]) if degrees else None
    for i, row in enumerate(rows):
        if deg is not None:
            row = np.degrees(row, out=deg)
        if width > 1:
            uniform_filter1d(row, size=width, output=buf, mode="nearest")
            row = buf
        out[:, i] = np.interp(grid, t, row)
    return out


def robust_activity(gyro_deg_s: np.ndarray, fs: float, window_s: float) -> np.ndarray:
    """Sway activity, deg/s: RMS angular rate about its 1-s mean, over 0.5 s, opened over
    ``window_s`` (a minimum then a maximum filter) so that bursts shorter than the window
    (jerks, fidgets) do not count."""
    w_short = max(2, int(round(0.5 * fs)))
    w_mean = max(2, int(round(1.0 * fs)))
    dev = gyro_deg_s - uniform_filter1d(gyro_deg_s, w_mean, axis=0, mode="nearest")
    rms = np.sqrt(np.maximum(uniform_filter1d(row_dot(dev, dev), w_short, mode="nearest"), 0.0))
    w = max(1, int(round(window_s * fs)))
    return maximum_filter1d(minimum_filter1d(rms, w, mode="nearest"), w, mode="nearest")


def _outside_gaps(t: np.ndarray, grid: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Whether each grid time lies in a step between two samples of at most ``max_gap_s``: in
    ``(t[j - 1], t[j]]``, the first step also before it and the last also after it.

    Only the few long steps are looked up in the grid; the result is that of looking every
    grid time up in ``t`` (which this does for times that are not increasing)."""
    if t.size <= 1:
        return np.zeros(grid.size) <= max_gap_s
    steps = t[1:] - t[:-1]
    if not np.all(steps > 0):
        j = np.clip(np.searchsorted(t, grid), 1, t.size - 1)
        return (t[j] - t[j - 1]) <= max_gap_s
    long = np.flatnonzero(~(steps <= max_gap_s)) + 1  # the steps t[j - 1] → t[j] that are long
    if not long.size:
        return np.ones(grid.size, dtype=bool)
    lo = np.searchsorted(grid, t[long - 1], side="right")
    hi = np.searchsorted(grid, t[long], side="right")
    lo[long == 1] = 0
    hi[long == t.size - 1] = grid.size
    d = np.zeros(grid.size + 1, dtype=np.intp)
    np.add.at(d, lo, 1)
    np.add.at(d, hi, -1)
    return np.cumsum(d[:-1]) == 0


def make_grid(
    time_s: np.ndarray,
    pitch_deg: np.ndarray,
    roll_deg: np.ndarray,
    gyro_body: np.ndarray,
    acc_body: np.ndarray,
    fs: float,
    settings: DetectionSettings = DetectionSettings(),
) -> Grid:
    """Resample the inputs onto a uniform grid and derive the detection signals.

    Parameters
    ----------
    time_s : ndarray, shape (n,)
        Increasing sample times, s.
    pitch_deg, roll_deg : ndarray, shape (n,)
    gyro_body : ndarray, shape (n, 3)
        Bias-corrected angular rate in body axes, rad/s.
    acc_body : ndarray, shape (n, 3)
        Specific force in body axes, m/s².
    fs : float
        Nominal sample rate, Hz.
    """
    t = np.asarray(time_s, dtype=float)
    fs_g = float(min(settings.grid_hz, fs))
    m = int(np.floor((t[-1] - t[0]) * fs_g)) + 1
    grid = t[0] + np.arange(m) / fs_g
    width = max(1, int(round(fs / fs_g)))
    # angles are averaged as they are: no wrap-around within [-90, 90]
    pitch = _resample(t, np.asarray(pitch_deg, float), grid, width)
    roll = _resample(t, np.asarray(roll_deg, float), grid, width)
    gyro = _resample(t, np.asarray(gyro_body, float), grid, width, degrees=True)
    acc = _resample(t, np.asarray(acc_body, float), grid, width)
    sign = smooth(acc[:, 2], max(1, int(round(0.5 * fs_g))))
    up = up_vector(pitch, roll, sign)
    w_move = max(1, int(round(settings.move_smooth_s * fs_g)))
    rate = row_norm(gyro)
    speed = smooth(rate, w_move, passes=1)
    speed_fine = smooth(rate, max(1, int(round(0.15 * fs_g))), passes=2)
    acc_norm = row_norm(acc)
    g_local = median(acc_norm)
    lin = acc - g_local * up
    lin_acc = row_norm(smooth(lin, w_move, passes=2))
    jolt = smooth(row_norm(lin), w_move, passes=1)
    activity = robust_activity(gyro, fs_g, settings.activity_window_s)
    valid = _outside_gaps(t, grid, settings.max_gap_s)
    out = Grid(grid, fs_g, pitch, roll, up, gyro, acc, speed, speed_fine, lin_acc, jolt, activity, valid)
    out.__dict__["acc_norm"] = acc_norm  # computed already: the cached property's value
    return out
