"""The trunk-angle pipeline: stillness → gyro bias → fusion → mount calibration → pitch and roll."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..settings import AnalysisSettings
from .calibration import Mount, calibrate_mount, find_standing
from .filters import smooth
from .integrity import contiguous_runs
from .orientation import compute_angles, compute_up, estimate_gyro_bias
from .stillness import find_still


@dataclass
class TrunkAngles:
    """Result of :func:`compute_trunk_angles`.

    Attributes
    ----------
    pitch_deg, roll_deg : ndarray, shape (n,)
    up_sensor : ndarray, shape (n, 3)
        Unit up-vector in sensor coordinates.
    gyro_bias : ndarray, shape (n, 3)
        Gyro bias used at every sample, rad/s.
    still_runs : ndarray, shape (k, 2)
        Still periods (sample index runs).
    mount : Mount
    standing : (int, int) or None
        Index run of the standing calibration period (None for an explicit mount).
    """

    pitch_deg: np.ndarray
    roll_deg: np.ndarray
    up_sensor: np.ndarray
    gyro_bias: np.ndarray
    still_runs: np.ndarray
    mount: Mount
    standing: tuple[int, int] | None


def compute_trunk_angles(
    time_s: np.ndarray,
    acc: np.ndarray,
    gyro: np.ndarray,
    fs: float,
    settings: AnalysisSettings = AnalysisSettings(),
    mount: Mount | None = None,
) -> TrunkAngles:
    """Pitch and roll of the trunk at every sample, with the mount found automatically.

    Parameters
    ----------
    time_s : ndarray, shape (n,)
        Strictly increasing sample times, s.
    acc, gyro : ndarray, shape (n, 3)
        m/s² and rad/s in sensor coordinates.
    fs : float
        Nominal sample rate, Hz.
    mount : Mount, optional
        Skip the automatic calibration and use this mount.

    Raises
    ------
    CalibrationError
        When no mount is given and the session has no standing still period early on.
    """
    still = find_still(acc, gyro, fs, settings.stillness)
    if settings.orientation.bias_from_still:
        bias = estimate_gyro_bias(time_s, gyro, still)
    else:
        bias = np.zeros_like(gyro)
    w = gyro - bias
    up = np.empty_like(acc)
    for a, b in contiguous_runs(time_s, settings.quality.break_gap_s):
        up[a:b] = compute_up(time_s[a:b], acc[a:b], w[a:b], fs, settings.orientation)

    standing = None
    if mount is None:
        standing = find_standing(time_s, acc, still, settings.calibration)
        # Evidence for the tilt about the spine: still lying postures (rests) are the most
        # trustworthy; calm moments (holds, slow reps) count only when there is no still one.
        rate = smooth(np.linalg.norm(w, axis=1), max(1, int(0.5 * fs)), passes=1)
        calm = (rate < 0.2).astype(float)
        still_mask = np.zeros(len(time_s))
        for a, b in still:
            still_mask[a:b] = 1.0
        mount = calibrate_mount(up, standing, still_mask, fs, settings.calibration)
        if mount.method != "standing+lying":
            mount = calibrate_mount(up, standing, calm, fs, settings.calibration)
        mount.details["standing_start_s"] = round(float(time_s[standing[0]] - time_s[0]), 3)
        mount.details["standing_end_s"] = round(float(time_s[standing[1] - 1] - time_s[0]), 3)
    pitch, roll = compute_angles(up, mount.sensor_to_body)
    return TrunkAngles(pitch, roll, up, bias, still, mount, standing)
