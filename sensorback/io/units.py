"""Unit checks that catch the common mistakes: acceleration in g, gyro in deg/s, time in ms.

Each ``resolve_*`` function takes the declared unit (or ``"auto"``) and the data, and returns
the factor to canonical units and a note describing what was done.  Clear cases are converted
with a note (shown as a warning); unclear ones raise :class:`~sensorback.errors.UnitError`
saying what was found and how to declare the unit.
"""

from __future__ import annotations

import numpy as np

from ..errors import UnitError

G = 9.80665

ACC_UNITS = {"m/s2": 1.0, "m/s^2": 1.0, "g": G, "mg": G / 1000.0}
GYRO_UNITS = {"rad/s": 1.0, "deg/s": np.pi / 180.0, "dps": np.pi / 180.0, "mdps": np.pi / 180000.0}
TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}


def _declared(unit: str, table: dict[str, float], what: str, option: str) -> float:
    if unit not in table:
        raise UnitError(what, f"unknown unit {unit!r}", f"Use {option} with one of: {', '.join(table)}")
    return table[unit]


def resolve_time_unit(t: np.ndarray, unit: str = "auto") -> tuple[float, str | None, bool]:
    """Factor from the file's time column to seconds.

    Returns ``(factor, note, is_epoch)``; ``is_epoch`` is True when the values are absolute
    (Unix-epoch) times.
    """
    finite = t[np.isfinite(t)]
    if finite.size < 2:
        raise UnitError("time", f"only {finite.size} valid timestamps", "A recording needs at least two samples.")
    epoch_s = {"s": 1e9, "ms": 1e12, "us": 1e15, "ns": 1e18}
    if unit != "auto":
        f = _declared(unit, TIME_UNITS, "time", "--time-unit")
        return f, None, bool(abs(finite[0]) * f > 1e8)
    dt = float(np.median(np.diff(finite)))
    start = float(abs(finite[0]))
    for u in ("ns", "us", "ms", "s"):
        if start >= epoch_s[u] * 0.9 and start < epoch_s[u] * 100:
            f = TIME_UNITS[u]
            note = None if u == "s" else f"time looks like Unix epoch in {u}; converted to seconds"
            return f, note, True
    if dt <= 0:
        raise UnitError("time", "the time column does not increase", "Check the time column; it must be in increasing order.")
    # sample periods between 1 ms and 1 s are plausible in seconds (1 Hz ... 1 kHz)
    for u in ("s", "ms", "us", "ns"):
        period = dt * TIME_UNITS[u]
        if 1e-3 * 0.99 <= period <= 1.0:
            if u == "s":
                return 1.0, None, False
            return TIME_UNITS[u], (
                f"median time step is {dt:g}, which in seconds would be {1 / dt:.3g} Hz; "
                f"read the time column as {u} ({1 / period:.1f} Hz)"
            ), False
    raise UnitError(
        "time",
        f"median time step is {dt:g}, implausible for an IMU in s, ms, µs or ns",
        "Declare it with --time-unit s|ms|us|ns.",
    )


def resolve_acc_unit(acc: np.ndarray, unit: str = "auto") -> tuple[float, str | None]:
    """Factor from the file's accelerometer values to m/s²."""
    if unit != "auto":
        return _declared(unit, ACC_UNITS, "acceleration", "--acc-unit"), None
    norm = np.linalg.norm(acc, axis=1)
    med = float(np.nanmedian(norm))
    if 7.5 <= med <= 12.5:
        return 1.0, None
    if 0.75 <= med <= 1.25:
        return G, f"median |acceleration| is {med:.3f}: values are in g; converted to m/s²"
    if 750 <= med <= 1250:
        return G / 1000.0, f"median |acceleration| is {med:.0f}: values are in milli-g; converted to m/s²"
    if med < 0.5 or (1.5 < med < 5):
        raise UnitError(
            "acceleration",
            f"median |acceleration| is {med:.3g}, not gravity in m/s² (≈9.81) or g (≈1): gravity seems to "
            "have been removed (linear acceleration), which makes posture impossible to compute",
            "Export the raw accelerometer ('with g' / total acceleration), or declare --acc-unit if the "
            "values are right.",
        )
    raise UnitError(
        "acceleration",
        f"median |acceleration| is {med:.3g}, which matches neither m/s² (≈9.81), g (≈1) nor mg (≈1000)",
        "Declare the unit with --acc-unit m/s2|g|mg.",
    )


def resolve_gyro_unit(gyro: np.ndarray, acc_m_s2: np.ndarray, fs: float, unit: str = "auto") -> tuple[float, str | None]:
    """Factor from the file's gyroscope values to rad/s.

    The gravity direction seen by the accelerometer turns as ``du/dt = u × ω``.  Both
    hypotheses (rad/s and deg/s) predict that turning from the gyro; the one that matches the
    accelerometer clearly better wins.  Without enough movement, the magnitude decides.
    """
    if unit != "auto":
        return _declared(unit, GYRO_UNITS, "angular rate", "--gyro-unit"), None
    from scipy.ndimage import uniform_filter1d

    ok = np.all(np.isfinite(gyro), axis=1) & np.all(np.isfinite(acc_m_s2), axis=1)
    g = gyro[ok]
    a = acc_m_s2[ok]
    if g.shape[0] < 3:
        # too short to see any turning (the reader refuses so few samples anyway)
        return 1.0, None
    width = max(3, int(round(0.3 * fs)))
    a_s = uniform_filter1d(a, width, axis=0)
    g_s = uniform_filter1d(g, width, axis=0)
    u = a_s / np.linalg.norm(a_s, axis=1, keepdims=True)
    du = np.gradient(u, axis=0) * fs
    calm = np.abs(np.linalg.norm(a_s, axis=1) - G) < 1.0
    moving = calm & (np.linalg.norm(du, axis=1) > 0.1)
    if moving.sum() > max(20, 0.5 * fs):
        err = {}
        for name, f in (("rad/s", 1.0), ("deg/s", np.pi / 180.0)):
            pred = np.cross(u[moving], f * g_s[moving])
            err[name] = float(np.median(np.linalg.norm(du[moving] - pred, axis=1)))
        if err["rad/s"] < 0.6 * err["deg/s"]:
            return 1.0, None
        if err["deg/s"] < 0.6 * err["rad/s"]:
            return np.pi / 180.0, "the gyro matches the accelerometer's turning only when read as deg/s; converted to rad/s"
    p99 = float(np.percentile(np.linalg.norm(g, axis=1), 99)) if g.size else 0.0
    if p99 > 20.0:
        return np.pi / 180.0, f"99th percentile of |gyro| is {p99:.0f}, implausible in rad/s: read as deg/s"
    return 1.0, None
