"""Sacrum height of still postures, from the vertical displacement across each movement.

A plank and a floor hyperextension (superman), or a bench hyperextension and lying prone, can
have the same trunk angles; they differ in how high the sacrum is.  Between two still
postures the vertical specific force is integrated twice with zero velocity at both ends
(a zero-velocity update), which gives the vertical displacement to a few centimetres over a
movement of a few seconds.  Chaining these displacements, anchored by postures whose height
is roughly known (standing, lying still), gives every still posture a height.
"""

from __future__ import annotations

import numpy as np


def _gravity_terms(up: np.ndarray) -> np.ndarray:
    ux, uy, uz = up[:, 0], up[:, 1], up[:, 2]
    return np.column_stack((np.ones(len(up)), ux, uy, uz, ux * ux, uy * uy, ux * uy, ux * uz, uy * uz))


def fit_gravity(up: np.ndarray, magnitude: np.ndarray, weight: np.ndarray, ridge: float = 1e-3) -> np.ndarray:
    """Coefficients of the specific-force magnitude an accelerometer reads at rest, as a quadratic
    function of the up-direction (its scale, cross-axis and bias errors make it vary by a few
    tenths of a percent between postures).

    Parameters
    ----------
    up : ndarray, shape (k, 3)
        Up-vector of ``k`` still postures, body axes.
    magnitude : ndarray, shape (k,)
        Mean specific-force magnitude in each, m/s².
    weight : ndarray, shape (k,)
        Weight of each posture (e.g. its duration).
    ridge : float
        Pull of the direction-dependent terms towards zero, so that few postures give a constant.
    """
    X = _gravity_terms(up) * np.sqrt(weight)[:, None]
    y = magnitude * np.sqrt(weight)
    reg = np.sqrt(ridge * max(float(np.sum(weight)), 1e-9)) * np.eye(X.shape[1])[1:]
    coef, *_ = np.linalg.lstsq(np.vstack((X, reg)), np.concatenate((y, np.zeros(X.shape[1] - 1))), rcond=None)
    return coef


def gravity_at(coef: np.ndarray, up: np.ndarray) -> np.ndarray:
    """Specific-force magnitude (m/s²) the accelerometer reads at rest with this up-vector."""
    return _gravity_terms(up) @ coef


def vertical_displacement(t: np.ndarray, acc_up: np.ndarray, i0: int, i1: int, settle: int) -> float:
    """Vertical displacement (m, up positive) of the sensor from grid index ``i0`` to ``i1``.

    ``acc_up`` is the vertical linear acceleration: specific force along the up-vector minus
    the gravity the sensor reads at rest there (:func:`gravity_at`).  The sensor is taken as
    still at both ends: what remains of it there (mean over ``settle`` samples) is removed,
    blended linearly between the ends, and so is any constant residual, by forcing zero
    velocity at ``i1``.
    """
    a = acc_up[i0 : i1 + 1]
    r0 = float(np.mean(a[:settle]))
    r1 = float(np.mean(a[-settle:]))
    tt = t[i0 : i1 + 1]
    a = a - (r0 + (r1 - r0) * (tt - tt[0]) / max(tt[-1] - tt[0], 1e-9))
    dt = np.diff(tt, prepend=tt[0])
    v = np.cumsum(a * dt)
    v -= v[-1] * np.cumsum(dt) / max(float(np.sum(dt)), 1e-9)
    return float(np.sum(v * dt))


def solve_heights(
    n: int,
    edges: list[tuple[int, int, float, float]],
    priors: list[tuple[int, float, float]],
    iterations: int = 6,
) -> tuple[np.ndarray, np.ndarray]:
    """Robust least-squares heights of ``n`` postures from displacements and priors.

    Each measurement's weight is cut (Cauchy, beyond 3 standard deviations) when it disagrees
    with the rest, so that one bad integration or one posture that only looks like lying does
    not shift a whole chain.

    Parameters
    ----------
    edges : list of (i, j, dh_m, sd_m)
        Measured ``h[j] - h[i]``.
    priors : list of (i, h_m, sd_m)

    Returns
    -------
    height_m, sd_m : ndarray, shape (n,)
        NaN for postures not connected to any prior.
    """
    if n == 0:
        return np.empty(0), np.empty(0)
    rows = [(i, j, dh, sd) for i, j, dh, sd in edges] + [(-1, i, h, sd) for i, h, sd in priors]
    if not rows:
        return np.full(n, np.nan), np.full(n, np.nan)
    src = np.array([r[0] for r in rows])
    dst = np.array([r[1] for r in rows])
    val = np.array([r[2] for r in rows], dtype=float)
    sd = np.array([r[3] for r in rows], dtype=float)
    # design: h[dst] - h[src] (edges) or h[dst] (priors)
    X = np.zeros((len(rows), n))
    X[np.arange(len(rows)), dst] = 1.0
    is_edge = src >= 0
    X[np.flatnonzero(is_edge), src[is_edge]] = -1.0
    robust = np.ones(len(rows))
    for _ in range(iterations):
        w = robust / sd**2
        A = X.T @ (w[:, None] * X) + 1e-9 * np.eye(n)
        cov = np.linalg.inv(A)
        h = cov @ (X.T @ (w * val))
        z = np.abs(X @ h - val) / sd
        robust = 1.0 / (1.0 + (z / 3.0) ** 2)
    out_sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    reach = np.zeros(n, dtype=bool)
    reach[dst[~is_edge]] = True
    adj: list[list[int]] = [[] for _ in range(n)]
    for i, j in zip(src[is_edge], dst[is_edge]):
        adj[i].append(j)
        adj[j].append(i)
    stack = list(np.flatnonzero(reach))
    while stack:
        k = stack.pop()
        for m in adj[k]:
            if not reach[m]:
                reach[m] = True
                stack.append(m)
    h[~reach] = np.nan
    out_sd[~reach] = np.nan
    return h, out_sd


def edge_sd(duration_s: float) -> float:
    """Standard deviation (m) of a zero-velocity displacement over a movement of this length."""
    return 0.02 + 0.004 * duration_s**2
