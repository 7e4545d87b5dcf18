"""Sag and pike: drift of a hold from its own early baseline, and the form breaks it makes.

The sagittal drift is the smoothed pitch minus its median over the hold's first
``baseline_s`` seconds; the lateral (in side planks rotational) drift is the same for the
rotation about the spine, ``phi = atan2(up_y, up_z)``.  A form break is a drift beyond
``form_threshold_deg`` for at least ``form_dwell_s``; its start is where a minimum-jerk ramp
fitted to the drift leaves the baseline, its size the drift where the break is largest.

Directions: in planks and side planks the hips dropping lowers the pitch (``sag``) and
lifting them raises it (``pike``); in a bridge the hips dropping raises the pitch towards
lying (``sag``) and lifting them further lowers it (``pike``).  Lateral breaks are
``lateral`` (``rotation`` in side planks).
"""

from __future__ import annotations

import numpy as np

from ..processing.filters import mean, median, runs, smooth
from ..settings import DetectionSettings
from .signals import minjerk

_MINJERK_STEPS = np.linspace(0.0, 1.0, 41)


def rotation_about_spine_deg(up: np.ndarray) -> np.ndarray:
    """Angle of the up-vector about the cranial axis (0 face down, ±90 on a side), deg."""
    return np.degrees(np.arctan2(up[:, 1], up[:, 2]))


def _unwrap(p: np.ndarray) -> np.ndarray:
    """``np.unwrap(p)`` of a 1-D array, the same values; without its work where no step
    reaches π (a hold turns smoothly), where it only adds zero corrections."""
    if p.size > 1 and bool(np.all(np.abs(np.diff(p)) < np.pi)):
        out = p.copy()
        out[1:] += 0.0  # what adding the zero corrections does (-0.0 becomes 0.0)
        return out
    return np.unwrap(p)


def lateral_angle_deg(up: np.ndarray) -> np.ndarray:
    """Rotation about the spine (deg, unwrapped), signed so that it follows the roll face down
    and face up alike."""
    phi = np.degrees(_unwrap(np.radians(rotation_about_spine_deg(up))))
    # face up, turning the left side up lowers phi: flip it so that it follows the roll
    return -phi if median(up[:, 2]) < -0.5 else phi


def baseline_deg(angle_deg: np.ndarray, fs: float, settings: DetectionSettings) -> float:
    """The hold's early posture: the median angle over ``baseline_s`` after its first second."""
    skip = int(round(1.0 * fs))
    n_base = max(1, int(round(settings.baseline_s * fs)))
    # the baseline is the hold's early posture, but never more than its first third
    n_base = min(n_base, max(1, angle_deg.size // 3))
    return median(angle_deg[min(skip, angle_deg.size - 1) : skip + n_base])


def drift_from_baseline(angle_deg: np.ndarray, fs: float, settings: DetectionSettings) -> np.ndarray:
    """Smoothed angle minus its :func:`baseline_deg` (deg)."""
    base = baseline_deg(angle_deg, fs, settings)
    return smooth(angle_deg, max(1, int(round(0.5 * settings.form_smooth_s * fs)))) - base


def fit_onset(t: np.ndarray, drift: np.ndarray, amp: float) -> float:
    """Start time of a minimum-jerk ramp from 0 to ``amp`` fitted to ``drift`` (least squares
    over its start and duration; a coarse grid, then a fine one)."""
    if t.size < 4 or amp == 0:
        return float(t[0])
    step = max(1, t.size // 150)  # the ramp is slow: a few points per second are plenty
    tt, y = t[::step], drift[::step]

    def sse_of(starts: np.ndarray, durations: np.ndarray) -> np.ndarray:
        # y − amp·s³·(10 − 15·s + 6·s²)
        r = minjerk(np.divide(tt - starts[None, :, None], durations[:, None, None]), amp)
        np.subtract(y, r, out=r)
        r *= r
        return np.sum(r, axis=2)

    durations = np.arange(0.5, 10.01, 0.5)
    starts = np.arange(tt[0], max(tt[0] + 0.01, tt[-1] - 0.4), 0.5)
    i, j = np.unravel_index(int(np.argmin(sse_of(starts, durations))), (durations.size, starts.size))
    durations = np.clip(durations[i] + np.arange(-0.5, 0.51, 0.1), 0.2, None)
    starts = starts[j] + np.arange(-0.5, 0.51, 0.1)
    i, j = np.unravel_index(int(np.argmin(sse_of(starts, durations))), (durations.size, starts.size))
    return float(starts[j])


def find_form_breaks(
    t: np.ndarray,
    pitch_deg: np.ndarray,
    up: np.ndarray,
    exercise: str,
    fs: float,
    settings: DetectionSettings = DetectionSettings(),
) -> tuple[list[dict], dict]:
    """Form breaks of one hold and its drift summary.

    Parameters
    ----------
    t, pitch_deg : ndarray, shape (n,)
        Grid times (s) and pitch during the hold.
    up : ndarray, shape (n, 3)
        Up-vector in body axes.
    exercise : str
        The hold's exercise (decides which way is a sag).

    Returns
    -------
    breaks : list of dict
        ``start_s``, ``direction``, ``deviation_deg`` (signed change of ``axis``), ``axis``
        (``pitch`` or ``roll``), ``end_s``, ``duration_s``.
    drift : dict
        Largest sagittal and lateral drift (deg, signed) and the baseline pitch.
    """
    s = settings
    out = []
    # drift_from_baseline of both angles, smoothed in one call (as rows: each the same)
    angles = np.stack((pitch_deg, lateral_angle_deg(up))).astype(float, copy=False)
    bases = np.array([[baseline_deg(a, fs, s)] for a in angles])
    sagittal, lateral = smooth(angles, max(1, int(round(0.5 * s.form_smooth_s * fs))), axis=1) - bases
    drifts = {"pitch": sagittal, "roll": lateral}
    dwell = max(1, int(round(s.form_dwell_s * fs)))
    for axis, d in drifts.items():
        for a, b in runs(np.abs(d) > s.form_threshold_deg):
            if b - a < dwell:
                continue
            peak = a + int(np.argmax(np.abs(d[a:b])))
            sign = float(np.sign(d[peak]))
            # the ramp: up to where the drift first comes near its largest value, from where it
            # last crossed zero before (but at most 20 s back)
            full = a + int(np.flatnonzero(sign * d[a : peak + 1] >= 0.8 * abs(d[peak]))[0])
            amp = mean(d[full : min(b, full + dwell)])
            zero = np.flatnonzero(sign * d[:a] <= 0.0)
            lo = max(int(zero[-1]) if zero.size else 0, full - int(round(20.0 * fs)))
            hi = min(b, full + dwell)
            start = fit_onset(t[lo:hi], d[lo:hi], amp)
            out.append({"start_s": start, "direction": form_direction(exercise, axis, sign), "axis": axis,
                        "deviation_deg": float(d[peak]), "end_s": float(t[b - 1]),
                        "duration_s": float(t[b - 1] - start)})
    out.sort(key=lambda x: x["start_s"])
    summary = {"max_sagittal_drift_deg": _extreme(drifts["pitch"]),
               "max_lateral_drift_deg": _extreme(drifts["roll"])}
    return out, summary


def _extreme(x: np.ndarray) -> float:
    return float(x[int(np.argmax(np.abs(x)))]) if x.size else float("nan")


def form_direction(exercise: str, axis: str, sign: float) -> str:
    """Name of a drift of sign ``sign`` on ``axis`` (``pitch`` or ``roll``) in ``exercise``:
    ``sag`` / ``pike`` (pitch), ``rotation`` (roll, side planks) or ``lateral`` (roll)."""
    if axis == "roll":
        return "rotation" if exercise.startswith("side_plank") else "lateral"
    hips_down = 1.0 if exercise == "bridge" else -1.0
    return "sag" if sign == hips_down else "pike"
