"""Wobble of a hold: sway (deg RMS) and tremor, their time course, and a fatigue index.

Sway is what the trunk angles do around their own slow course: pitch and roll minus a
Gaussian smoothing of themselves (``sway_highpass_hz``), so that the hold's posture, its slow
drift and any sag or pike do not count.  Tremor is the RMS angular rate in
``tremor_band_hz`` (capped below the Nyquist rate), from the raw gyroscope, per window of
``course_window_s``; it includes the gyroscope's own noise in that band.  The fatigue index is
how much the sway of the last third of the hold exceeds that of the first third (1: none).
"""

from __future__ import annotations

import math

import numpy as np

from ..processing.filters import gaussian_width, mean, smooth
from ..settings import DetectionSettings


def sway_deviation(pitch_deg: np.ndarray, roll_deg: np.ndarray, fs: float, highpass_hz: float) -> np.ndarray:
    """Angular distance (deg) of the trunk from its own slow course, per sample.

    Parameters
    ----------
    pitch_deg, roll_deg : ndarray, shape (n,)
        Angles during one hold, uniformly sampled at ``fs``.
    highpass_hz : float
        The slow course is a Gaussian smoothing whose cut-off (−3 dB) is at this frequency.
    """
    sigma_s = np.sqrt(np.log(2.0)) / (2.0 * np.pi * highpass_hz)
    w = gaussian_width(sigma_s * fs)
    # both angles smoothed in one call (as rows: each the same as on its own)
    angles = np.stack((pitch_deg, roll_deg)).astype(float, copy=False)
    dp, dr = angles - smooth(angles, w, axis=1)
    return np.sqrt(dp * dp + dr * dr)


def tremor_power(
    gyro_deg_s: np.ndarray, fs: float, band_hz: tuple[float, float], window_s: float
) -> np.ndarray | None:
    """Mean square angular rate ((deg/s)², summed over the axes) in the tremor band, in
    consecutive windows of ``window_s`` (Parseval over each window's spectrum); None when
    the sample rate cannot resolve the band or the hold is shorter than a window."""
    lo, hi = band_hz
    hi = min(hi, 0.45 * fs)
    w = int(round(window_s * fs))
    n = gyro_deg_s.shape[0] // w if w > 0 else 0
    if hi <= lo * 1.2 or n == 0:
        return None
    frames = gyro_deg_s[: n * w].reshape(n, w, 3)
    # frames.mean(axis=1): the same sums and division, without its overhead
    spec = np.fft.rfft(frames - np.add.reduce(frames, axis=1, keepdims=True) / w, axis=1)
    f = np.fft.rfftfreq(w, 1.0 / fs)
    band = (f >= lo) & (f <= hi)
    # the power of the band's bins only (selected as before squaring: the same sums)
    return 2.0 * (np.abs(spec[:, band, :]) ** 2).sum(axis=(1, 2)) / (w * w)


def _rms(x: np.ndarray) -> float:
    return math.sqrt(mean(x * x)) if x.size else float("nan")


def _course(x: np.ndarray, fs: float, window_s: float) -> list[float]:
    """RMS of ``x`` in consecutive windows (the last one may be shorter, if at least half)."""
    w = max(1, int(round(window_s * fs)))
    n = x.size // w
    full = x[: n * w].reshape(n, w)
    out = np.sqrt(np.add.reduce(full * full, axis=1) / w).tolist()  # np.mean's sums and division
    rest = x[n * w :]
    if rest.size >= w // 2 and rest.size:
        out.append(_rms(rest))
    return out


def _thirds_ratio(x: np.ndarray) -> float:
    third = x.size // 3
    if third < 2:
        return float("nan")
    first, last = _rms(x[:third]), _rms(x[-third:])
    return last / first if first > 0 else float("nan")


def compute_wobble(
    pitch_deg: np.ndarray,
    roll_deg: np.ndarray,
    fs_grid: float,
    gyro_deg_s: np.ndarray,
    fs: float,
    settings: DetectionSettings = DetectionSettings(),
) -> dict:
    """Wobble metrics of one hold.

    Parameters
    ----------
    pitch_deg, roll_deg : ndarray
        Angles during the hold on the detection grid (rate ``fs_grid``).
    gyro_deg_s : ndarray, shape (n, 3)
        Raw-rate body-frame angular rate during the hold (rate ``fs``).

    Returns
    -------
    dict
        ``score`` (sway, deg RMS), ``tremor`` (deg/s RMS in the tremor band, None when the rate
        is too low), ``fatigue`` (sway ratio last/first third), ``tremor_fatigue``,
        ``window_s`` and the time courses ``sway_course_deg``, ``tremor_course_deg_s``.
    """
    dev = sway_deviation(pitch_deg, roll_deg, fs_grid, settings.sway_highpass_hz)
    trem = tremor_power(gyro_deg_s, fs, settings.tremor_band_hz, settings.course_window_s)
    tremor_fatigue = None
    if trem is not None and trem.size >= 3:
        third = trem.size // 3
        first = mean(trem[:third])
        tremor_fatigue = math.sqrt(mean(trem[-third:]) / first) if first > 0 else None
    return {
        "score": _rms(dev),
        "tremor": None if trem is None else math.sqrt(mean(trem)),
        "fatigue": _thirds_ratio(dev),
        "tremor_fatigue": tremor_fatigue,
        "window_s": settings.course_window_s,
        "sway_course_deg": _course(dev, fs_grid, settings.course_window_s),
        "tremor_course_deg_s": None if trem is None else np.sqrt(trem).tolist(),
    }
