"""Checks of a recording's time base: NaN rows, duplicates, backwards steps, gaps, clock drift.

Nothing here interpolates: bad rows are dropped, and every problem becomes a ``bad/*``
annotation so that downstream steps can skip it and users can see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..recording import Annotations
from ..settings import QualitySettings
from .filters import median, runs

STANDARD_RATES_HZ = np.array([10, 12.5, 20, 25, 26, 50, 52, 60, 100, 104, 120, 128, 200, 208, 250, 400, 500, 1000.0])


@dataclass
class TimeBaseReport:
    """What :func:`check_time_base` found."""

    n_input: int = 0
    n_nan_rows: int = 0
    n_duplicates: int = 0
    n_backwards: int = 0
    n_gaps: int = 0
    missing_samples: int = 0
    fs_hz: float = float("nan")
    nominal_fs_hz: float = float("nan")
    drift_ppm: float = 0.0
    messages: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in self.__dict__.items()}


def nominal_rate(fs: float) -> float:
    """The standard device rate closest to ``fs`` (within 5 %), else ``fs`` itself."""
    i = int(np.argmin(np.abs(STANDARD_RATES_HZ - fs)))
    return float(STANDARD_RATES_HZ[i]) if abs(STANDARD_RATES_HZ[i] - fs) < 0.05 * fs else fs


def _span_records(t: np.ndarray, idx_runs: np.ndarray, description: str, **extra: Any) -> list[dict]:
    out = []
    for a, b in idx_runs:
        lo = t[a - 1] if a > 0 else t[a]
        hi = t[b] if b < t.size else t[b - 1]
        out.append({"onset_s": float(lo), "duration_s": float(hi - lo), "description": description,
                    "n_rows": int(b - a), **extra})
    return out


def _drop_bad_rows(t: np.ndarray, finite: np.ndarray, rep: TimeBaseReport, records: list[dict]) -> np.ndarray:
    """Rows to keep (finite, strictly increasing time); the others are counted in ``rep`` and
    annotated in ``records`` (``bad/nan``, ``bad/duplicate``, ``bad/backwards``)."""
    # Strictly increasing: a row is kept if its time exceeds every earlier kept time.
    tf = np.where(finite, t, -np.inf)
    prev_max = np.concatenate(([-np.inf], np.maximum.accumulate(tf)[:-1]))
    dup = finite & (tf == prev_max)
    back = finite & (tf < prev_max)
    keep = finite & ~dup & ~back
    rep.n_duplicates = int(dup.sum())
    rep.n_backwards = int(back.sum())
    if not keep.any():
        return keep
    t0 = t[keep][0]
    # positions of dropped rows relative to kept times
    tk_all = np.where(keep, t, np.nan)
    filled = np.maximum.accumulate(np.where(keep, t, -np.inf)) - t0
    filled[~np.isfinite(filled)] = 0.0
    for mask, desc in ((~finite, "bad/nan"), (dup, "bad/duplicate"), (back, "bad/backwards")):
        for a, b in runs(mask):
            onset = float(filled[a])
            nxt = np.flatnonzero(keep[b:])
            end = float(tk_all[b + nxt[0]] - t0) if nxt.size else onset
            records.append({"onset_s": onset, "duration_s": max(0.0, end - onset), "description": desc,
                            "n_rows": int(b - a)})
    for mask, what in ((~finite, "rows with missing values (NaN) dropped"),
                       (dup, "rows with a repeated timestamp dropped"),
                       (back, "rows whose timestamp goes backwards dropped")):
        if mask.any():
            rep.messages.append(f"{int(mask.sum())} {what}")
    return keep


def _slope(x: np.ndarray, y: np.ndarray, overwrite_x: bool = False) -> float:
    """Least-squares slope of ``y`` against ``x`` (centred sums); ``overwrite_x``: centre ``x``
    in place."""
    xc = np.subtract(x, x.mean(), out=x if overwrite_x else None)
    return float(xc @ (y - y.mean()) / (xc @ xc))


def check_time_base(
    time_s: np.ndarray,
    values: np.ndarray,
    nominal_fs_hz: float | None = None,
    settings: QualitySettings = QualitySettings(),
) -> tuple[np.ndarray, Annotations, TimeBaseReport]:
    """Find and annotate time-base problems.

    Parameters
    ----------
    time_s : ndarray, shape (n,)
        Sample times in seconds (any origin).
    values : ndarray, shape (n, k)
        The sample values; rows with a NaN are dropped.
    nominal_fs_hz : float, optional
        The rate the device claims; otherwise the standard rate nearest the measured one.

    Returns
    -------
    keep : ndarray of bool, shape (n,)
        Rows to keep (finite, strictly increasing time).
    annotations : Annotations
        ``bad/nan``, ``bad/duplicate``, ``bad/backwards``, ``bad/gap`` and ``bad/clock`` spans,
        with times relative to the first kept sample.
    report : TimeBaseReport
    """
    t = np.asarray(time_s, dtype=float)
    v = np.asarray(values, dtype=float)
    n = t.size
    rep = TimeBaseReport(n_input=n)
    records: list[dict] = []
    finite = np.isfinite(t) & np.all(np.isfinite(v), axis=1)
    rep.n_nan_rows = int(n - finite.sum())

    if rep.n_nan_rows == 0 and np.all(t[1:] > t[:-1]):
        # the usual case: every row kept, nothing to annotate
        keep = finite
        tk = t - t[0]
    else:
        keep = _drop_bad_rows(t, finite, rep, records)
        if not keep.any():
            return keep, Annotations(), rep
        tk = t[keep] - t[keep][0]
    if tk.size < 2:
        return keep, Annotations.from_records(records), rep
    dt = np.diff(tk)
    med = median(dt)
    rep.fs_hz = 1.0 / med
    nom = float(nominal_fs_hz) if nominal_fs_hz else nominal_rate(rep.fs_hz)
    rep.nominal_fs_hz = nom
    period = 1.0 / nom
    gap_idx = np.flatnonzero(dt > settings.gap_factor * max(period, med))
    missing = np.maximum(np.rint(dt[gap_idx] / med).astype(int) - 1, 1)
    rep.missing_samples = int(missing.sum())
    records.extend(
        {"onset_s": o, "duration_s": d, "description": "bad/gap", "missing_samples": m}
        for o, d, m in zip(tk[gap_idx].tolist(), dt[gap_idx].tolist(), missing.tolist())
    )
    rep.n_gaps = int(gap_idx.size)
    if rep.n_gaps:
        rep.messages.append(f"{rep.n_gaps} gaps ({rep.missing_samples} samples missing); not interpolated")

    # Clock drift: the rate from a fit of time against sample number, gaps bridged by their size.
    # (the values of np.concatenate(([0], np.cumsum(np.maximum(1, np.round(dt / med))))),
    # without the session-long temporaries)
    steps = np.divide(dt, med)
    np.rint(steps, out=steps)
    np.maximum(steps, 1, out=steps)
    idx = np.empty(dt.size + 1)
    idx[0] = 0.0
    np.cumsum(steps, out=idx[1:])
    del steps
    slope = _slope(idx, tk, overwrite_x=True) if tk.size > 10 else med
    fs_fit = 1.0 / slope
    rep.drift_ppm = (fs_fit / nom - 1.0) * 1e6
    if abs(rep.drift_ppm) > 1000 and nominal_fs_hz:
        rep.messages.append(
            f"clock drift: effective rate {fs_fit:.3f} Hz vs nominal {nom:g} Hz ({rep.drift_ppm:+.0f} ppm)"
        )
    # Local rate changes (a clock that speeds up or slows down): windows whose median step is off.
    win = max(10, int(settings.drift_window_s / med))
    if dt.size >= 2 * win:
        nwin = dt.size // win
        local = np.median(dt[: nwin * win].reshape(nwin, win), axis=1)
        off = np.abs(local / med - 1.0) > settings.drift_tolerance
        for a, b in runs(off):
            records.append({"onset_s": float(tk[a * win]), "duration_s": float(tk[min(b * win, tk.size - 1)] - tk[a * win]),
                            "description": "bad/clock", "local_fs_hz": float(1.0 / np.median(local[a:b]))})
        if off.any():
            rep.messages.append(f"sample rate changes during the recording ({int(off.sum())} windows of "
                                f"{settings.drift_window_s:g} s off by more than {settings.drift_tolerance:.0%})")
    return keep, Annotations.from_records(records), rep


def contiguous_runs(time_s: np.ndarray, max_gap_s: float) -> np.ndarray:
    """Index runs ``(start, stop)`` separated by steps longer than ``max_gap_s``."""
    n = time_s.size
    if n == 0:
        return np.empty((0, 2), dtype=int)
    cuts = np.flatnonzero(np.diff(time_s) > max_gap_s) + 1
    starts = np.concatenate(([0], cuts))
    stops = np.concatenate((cuts, [n]))
    return np.column_stack((starts, stops))


MIN_FS_HZ = 10.0
"""Below this rate a trunk movement (a rep lasts 1–3 s) is sampled too coarsely to follow."""
MIN_DURATION_S = 3.0
"""The calibration needs a ≥ 2 s standing still period and a few seconds around it."""


def usability_problems(time_s: np.ndarray, calibrate: bool = True) -> list[str]:
    """Why samples at these times cannot give posture (too slow, too short), as exact reasons.

    ``calibrate=False`` (the mount is given) drops the length the calibration needs."""
    t = np.asarray(time_s, dtype=float)
    if t.size < 2:
        return [f"only {t.size} samples"]
    problems = []
    fs = 1.0 / median(np.diff(t))
    if fs < MIN_FS_HZ:
        problems.append(f"sampled at {fs:.3g} Hz, below the {MIN_FS_HZ:g} Hz that trunk movements need")
    span = float(t[-1] - t[0])
    if calibrate and span < MIN_DURATION_S:
        problems.append(f"{span:.3g} s long, shorter than the {MIN_DURATION_S:g} s the calibration needs "
                        "(stand still for ≥ 2 s at the start)")
    return problems
