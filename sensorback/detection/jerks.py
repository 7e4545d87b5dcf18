"""Jerks: sudden movements during a hold, with their time and size.

The trunk angles minus their own 1-s running mean leave the quick part of the motion; a jerk
is where it jumps beyond ``jerk_min_deg`` (and beyond four times the hold's own quick sway)
while the body turns faster than ``jerk_min_speed_deg_s``.  Its size is the largest angular
excursion, its time that of the excursion.
"""

from __future__ import annotations

import numpy as np

from ..processing.filters import median, runs, smooth
from ..settings import DetectionSettings


def find_jerks(
    t: np.ndarray,
    pitch_deg: np.ndarray,
    roll_deg: np.ndarray,
    speed_deg_s: np.ndarray,
    fs: float,
    settings: DetectionSettings = DetectionSettings(),
) -> list[dict]:
    """Jerks of one hold.

    Parameters
    ----------
    t, pitch_deg, roll_deg, speed_deg_s : ndarray, shape (n,)
        Grid times (s), angles and angular speed during the hold.

    Returns
    -------
    list of dict
        ``time_s`` and ``size_deg`` of each jerk.
    """
    w = max(1, int(round(0.5 * fs)))
    # both angles smoothed in one call (as rows: each the same as on its own)
    angles = np.stack((pitch_deg, roll_deg)).astype(float, copy=False)
    dp, dr = angles - smooth(angles, w, axis=1)
    dev = np.sqrt(dp * dp + dr * dr)
    if dev.size < 3:
        return []
    mid = median(dev)
    robust = 1.4826 * median(np.abs(dev - mid))
    level = max(settings.jerk_min_deg, mid + 4.0 * robust)
    # the excursion and the fast turn that makes it may be a few samples apart
    turning = (speed_deg_s > settings.jerk_min_speed_deg_s).astype(float)
    fast = smooth(turning, max(1, int(round(0.3 * fs))), passes=1) > 0
    out = []
    for a, b in runs((dev > level) & fast):
        k = a + int(np.argmax(dev[a:b]))
        out.append({"time_s": float(t[k]), "size_deg": float(dev[k])})
    return out
