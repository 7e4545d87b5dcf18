"""Angular rate from the accelerometer alone, for recordings without a gyroscope.

Gravity seen by the sensor turns as ``du/dt = u × ω``; the smallest ``ω`` that explains the
turning of the (smoothed) accelerometer direction ``u`` is ``du/dt × u``.  Rotation about gravity
is invisible to it, which posture does not need, but movement accelerations tilt ``u`` as if the
trunk turned: angles from it are accelerometer-only and lag fast moves.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter1d

SMOOTH_S = 0.2


def gyro_from_acc(time_s: np.ndarray, acc: np.ndarray, fs: float) -> np.ndarray:
    """Angular rate (rad/s, shape (n, 3), sensor axes) implied by the turning of the accelerometer.

    Parameters
    ----------
    time_s : ndarray, shape (n,)
        Sample times, s.
    acc : ndarray, shape (n, 3)
        Accelerometer, m/s² (any unit: only its direction counts).
    fs : float
        Sample rate, Hz, for the smoothing window.
    """
    width = max(1, int(round(SMOOTH_S * fs)))
    a = uniform_filter1d(np.asarray(acc, dtype=float), width, axis=0, mode="nearest")
    u = a / np.linalg.norm(a, axis=1, keepdims=True)
    du = np.gradient(u, np.asarray(time_s, dtype=float), axis=0)
    return np.cross(du, u)
