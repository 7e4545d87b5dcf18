"""Two sensors on the spine: the relative (lumbar) angle between the segments they sit on.

Each sensor is calibrated to the body frame on its own (the usual mount calibration, or a given
mount); each segment's inclination follows from its up-vector in body axes:

* sagittal angle ``atan2(up_x, up_z)``: 90° upright, falling as the segment bends forward
  (0° with the back horizontal, as in prone), so one formula covers every posture;
* lateral angle ``asin(up_y)``: the elevation of the left axis, positive when bending right.
  (The frontal-plane ``atan2(up_y, up_x)`` would keep a side plank's sign but blows up with the
  trunk flexed forward, where ``up_x`` is small: on TrunkyXL it read 27° at flexion peaks.)

The lumbar angle is the difference of the two segments' inclinations — the dual-inclinometer
method of clinical spine measurement: ``flexion_deg = sagittal(lower) − sagittal(upper)``
(positive when the upper segment is bent further forward, i.e. lumbar flexion; negative in
extension) and ``lateral_deg = lateral(upper) − lateral(lower)`` (positive bending right).
Without a magnetometer the segments' headings are unknown, so axial rotation between them is
not measured — nor is any rotation about the vertical: an inclinometer cannot see lumbar flexion
while lying on the side (the flexion axis, the body's left axis, is vertical) or lateral bending
while prone or supine (the posterior axis is vertical).  Each angle is therefore NaN while its
axis is within ``LumbarSettings.min_axis_tilt_deg`` of the vertical.

The two recordings need one time base: :func:`find_clock_offset` finds the upper clock's offset
(and rate) on the lower one from the angular speed both sensors share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.ndimage import uniform_filter1d
from scipy.signal import correlate, find_peaks

from ..settings import LumbarSettings
from .angles import TrunkAngles


def segment_inclination(up_sensor: np.ndarray, sensor_to_body: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sagittal and lateral inclination (deg) of a body segment from its sensor's up-vector."""
    u = np.asarray(up_sensor) @ np.asarray(sensor_to_body).T
    sagittal = np.degrees(np.arctan2(u[:, 0], u[:, 2]))
    lateral = np.degrees(np.arcsin(np.clip(u[:, 1], -1.0, 1.0)))
    return sagittal, lateral


def relative_angles(
    time_s: np.ndarray,
    upper: TrunkAngles,
    upper_time_s: np.ndarray,
    lower: TrunkAngles,
    min_axis_tilt_deg: float = LumbarSettings.min_axis_tilt_deg,
) -> pd.DataFrame:
    """The lumbar angle at the lower sensor's times (the upper one interpolated onto them).

    Parameters
    ----------
    time_s : ndarray
        The lower sensor's sample times, s.
    upper_time_s : ndarray
        The upper sensor's sample times on the lower one's clock, s.
    min_axis_tilt_deg : float
        Flexion (lateral bending) is NaN while the lower segment's left (posterior) axis is
        within this angle of the vertical, where it cannot be seen by inclination.

    Returns
    -------
    DataFrame
        ``flexion_deg``, ``lateral_deg`` and each segment's ``upper_sagittal_deg``,
        ``upper_lateral_deg``, ``lower_sagittal_deg``, ``lower_lateral_deg``, and the lower
        segment's ``lower_pitch_deg`` (its cranial axis' elevation), indexed by ``time_s``.
    """
    us, ul = segment_inclination(upper.up_sensor, upper.mount.sensor_to_body)
    ls, ll = segment_inclination(lower.up_sensor, lower.mount.sensor_to_body)
    # unwrap before interpolating: the sagittal angle may cross ±180° (a bridge, a roll-over)
    us = np.degrees(np.interp(time_s, upper_time_s, np.unwrap(np.radians(us))))
    ul = np.interp(time_s, upper_time_s, ul)
    flexion = (ls - us + 180.0) % 360.0 - 180.0
    # an axis's tilt from the vertical: asin of gravity's component across it
    u = lower.up_sensor @ lower.mount.sensor_to_body.T
    lever = np.sin(np.radians(min_axis_tilt_deg))
    flexion[np.hypot(u[:, 0], u[:, 2]) < lever] = np.nan
    lateral = np.where(np.hypot(u[:, 0], u[:, 1]) < lever, np.nan, ul - ll)
    return pd.DataFrame(
        {"flexion_deg": flexion, "lateral_deg": lateral, "upper_sagittal_deg": (us + 180.0) % 360.0 - 180.0,
         "upper_lateral_deg": ul, "lower_sagittal_deg": ls, "lower_lateral_deg": ll,
         "lower_pitch_deg": np.degrees(np.arcsin(np.clip(u[:, 0], -1.0, 1.0)))},
        index=pd.Index(time_s, name="time_s"),
    )


def _lag_s(t_a: np.ndarray, x_a: np.ndarray, t_b: np.ndarray, x_b: np.ndarray, fs: float,
           lo_s: float, hi_s: float) -> tuple[float, float]:
    """The shift ``d`` in [lo_s, hi_s] that best maps signal b onto signal a (``x_b(τ) ≈ x_a(τ + d)``),
    and the normalised correlation there."""
    ga = np.arange(t_a[0], t_a[-1], 1.0 / fs)
    gb = np.arange(t_b[0], t_b[-1], 1.0 / fs)
    a = np.interp(ga, t_a, x_a)
    b = np.interp(gb, t_b, x_b)
    a, b = a - a.mean(), b - b.mean()
    c = correlate(a, b, mode="full", method="fft") / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12)
    shift = ga[0] - gb[0] + (np.arange(c.size) - (b.size - 1)) / fs
    ok = np.flatnonzero((shift >= lo_s) & (shift <= hi_s))
    if not ok.size:
        return float("nan"), 0.0
    k = int(ok[np.argmax(c[ok])])
    frac = 0.0
    if 0 < k < c.size - 1:  # parabolic refinement between grid steps
        den = c[k - 1] - 2 * c[k] + c[k + 1]
        frac = float(np.clip(0.5 * (c[k - 1] - c[k + 1]) / den, -0.5, 0.5)) if den < 0 else 0.0
    return float(shift[k] + frac / fs), float(c[k])


def find_clock_offset(
    t_lower: np.ndarray, gyro_lower: np.ndarray, t_upper: np.ndarray, gyro_upper: np.ndarray,
    settings: LumbarSettings = LumbarSettings(),
) -> dict[str, float]:
    """The upper recording's clock on the lower one's, from the angular speed both sensors share.

    The angular speed does not depend on how a sensor is mounted, and the two segments turn
    together whenever the body changes posture.  Its cross-correlation within
    ``± settings.max_clock_offset_s`` gives the offset; over a long enough recording the offsets of
    its first and last thirds give the clocks' relative rate too.

    Parameters
    ----------
    t_lower, t_upper : ndarray, shape (n,), (m,)
        Each recording's own sample times, s.
    gyro_lower, gyro_upper : ndarray, shape (n, 3), (m, 3)
        Bias-corrected angular rates, rad/s.

    Returns
    -------
    dict
        ``time_offset_s`` and ``clock_ratio`` (upper time ``τ`` is lower time
        ``time_offset_s + clock_ratio * τ``) and ``correlation`` (0–1: how alike the two angular
        speeds are once aligned; low values mean the alignment is not to be trusted).
    """
    fs = settings.clock_fs_hz
    wl, wu = np.linalg.norm(gyro_lower, axis=1), np.linalg.norm(gyro_upper, axis=1)
    m = settings.max_clock_offset_s
    offset, corr = _lag_s(t_lower, wl, t_upper, wu, fs, -m, m)
    ratio = 1.0
    third = (t_upper[-1] - t_upper[0]) / 3.0
    if np.isfinite(offset) and third >= settings.clock_drift_min_s:
        centres, lags = [], []
        for a, b in ((t_upper[0], t_upper[0] + third), (t_upper[-1] - third, t_upper[-1])):
            sel = (t_upper >= a) & (t_upper <= b)
            lag, c = _lag_s(t_lower, wl, t_upper[sel], wu[sel], fs, offset - 0.5, offset + 0.5)
            centres.append(0.5 * (a + b))
            lags.append(lag)
        if np.all(np.isfinite(lags)):
            ratio = 1.0 + (lags[1] - lags[0]) / (centres[1] - centres[0])
            offset = lags[0] - (ratio - 1.0) * centres[0]
    return {"time_offset_s": offset, "clock_ratio": ratio, "correlation": corr}


def _span(x: np.ndarray, peak: int, level: float) -> tuple[int, int]:
    """The run around ``peak`` where ``x`` stays above ``level``."""
    below = x < level
    left = np.flatnonzero(below[:peak])
    right = np.flatnonzero(below[peak:])
    return (int(left[-1]) + 1 if left.size else 0), (peak + int(right[0]) if right.size else x.size)


def find_trunk_movements(lumbar: pd.DataFrame, fs: float, settings: LumbarSettings = LumbarSettings()) -> list[dict[str, Any]]:
    """Forward flexions and side bends of the trunk, with the lumbar angle's range in each.

    Parameters
    ----------
    lumbar : DataFrame
        From :func:`relative_angles`.
    fs : float
        Sample rate, Hz.

    Returns
    -------
    list of dict
        ``onset_s``, ``duration_s``, ``description`` (``move/trunk_flexion``,
        ``move/side_bend_left``, ``move/side_bend_right``), ``peak_s``, the upper segment's
        excursion ``trunk_deg``, and the lumbar angle's ``lumbar_flexion_range_deg``,
        ``lumbar_lateral_range_deg``, ``lumbar_flexion_max_deg``, ``lumbar_lateral_peak_deg``.
    """
    t = lumbar.index.to_numpy()
    w = max(1, int(round(settings.smooth_s * fs)))
    sag = uniform_filter1d(lumbar["upper_sagittal_deg"].to_numpy(), w, mode="nearest")
    lat = uniform_filter1d(lumbar["upper_lateral_deg"].to_numpy(), w, mode="nearest")
    flex_rel = lumbar["flexion_deg"].to_numpy()
    lat_rel = lumbar["lateral_deg"].to_numpy()
    found: list[tuple[str, int, np.ndarray, float]] = []
    # one sign convention for the span search: every movement is a peak of x
    dips, props = find_peaks(-sag, prominence=settings.flexion_prominence_deg)
    keep = np.abs(lat[dips]) < settings.flexion_max_lateral_deg
    found += [("move/trunk_flexion", int(p), -sag, float(pr)) for p, pr in zip(dips[keep], props["prominences"][keep])]
    for name, sign in (("move/side_bend_right", 1.0), ("move/side_bend_left", -1.0)):
        x = sign * lat
        peaks, props = find_peaks(x, height=settings.side_bend_min_deg, prominence=settings.side_bend_prominence_deg)
        found += [(name, int(p), x, float(pr)) for p, pr in zip(peaks, props["prominences"])]
    spans = [(name, p, prom, *_span(x, p, x[p] - settings.movement_edge_fraction * prom))
             for name, p, x, prom in sorted(found, key=lambda f: f[1])]
    # A side bend with the trunk leaning forward a little also dips the sagittal angle (its
    # up-vector nears the lateral axis, where the sagittal angle is ill-defined): not a flexion.
    bends = [(a, b) for name, _, _, a, b in spans if "side_bend" in name]
    lower_pitch = lumbar["lower_pitch_deg"].to_numpy()
    out = []
    for name, p, prom, a, b in spans:
        if name == "move/trunk_flexion" and any(a2 <= p < b2 for a2, b2 in bends):
            continue
        # from upright, and the pelvis still well above horizontal at the peak (NaN: not seen)
        if not (lower_pitch[a] >= settings.min_lower_upright_deg and lower_pitch[p] >= settings.min_lower_upright_deg - 15.0):
            continue
        seg_f, seg_l = flex_rel[a:b], lat_rel[a:b]
        out.append({
            "onset_s": float(t[a]), "duration_s": float(t[b - 1] - t[a]), "description": name,
            "peak_s": float(t[p]), "trunk_deg": prom,
            "lumbar_flexion_range_deg": float(np.ptp(seg_f)), "lumbar_flexion_max_deg": float(seg_f.max()),
            "lumbar_lateral_range_deg": float(np.ptp(seg_l)),
            "lumbar_lateral_peak_deg": float(seg_l[np.argmax(np.abs(seg_l))]),
        })
    return out


def segment_ranges(lumbar: pd.DataFrame, start_s: float, end_s: float) -> dict[str, float]:
    """Minimum, maximum and range of the lumbar angle between two times (a hold, a rep set)."""
    part = lumbar.loc[(lumbar.index >= start_s) & (lumbar.index <= end_s), ["flexion_deg", "lateral_deg"]]
    if part.empty:
        return {}
    lo, hi = part.min(), part.max()
    return {
        "lumbar_flexion_min_deg": float(lo["flexion_deg"]), "lumbar_flexion_max_deg": float(hi["flexion_deg"]),
        "lumbar_flexion_range_deg": float(hi["flexion_deg"] - lo["flexion_deg"]),
        "lumbar_lateral_min_deg": float(lo["lateral_deg"]), "lumbar_lateral_max_deg": float(hi["lateral_deg"]),
        "lumbar_lateral_range_deg": float(hi["lateral_deg"] - lo["lateral_deg"]),
    }


@dataclass
class LumbarResult:
    """The lumbar angle over time and the trunk movements found in it."""

    angles: pd.DataFrame
    movements: list[dict[str, Any]] = field(default_factory=list)
    upper: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Number of movements of each kind (``trunk_flexion``, ``side_bend_left`` ...)."""
        out: dict[str, int] = {}
        for m in self.movements:
            k = m["description"].split("/", 1)[1]
            out[k] = out.get(k, 0) + 1
        return out
