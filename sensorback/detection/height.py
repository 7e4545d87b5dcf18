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
from scipy.linalg import cho_solve_banded, cholesky_banded
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..processing.filters import mean


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


def vertical_displacement(t: np.ndarray, acc_up: np.ndarray, i0: int, i1: int, settle: int,
                          before: int = 0, after: int = 0) -> float:
    """Vertical displacement (m, up positive) of the sensor from grid index ``i0`` to ``i1``,
    with zero velocity at both.

    ``acc_up`` is the vertical linear acceleration: specific force along the up-vector minus
    the gravity the sensor reads at rest there (:func:`gravity_at`).  The sensor is taken as
    still at both ends: what remains of it there is removed, blended linearly between the ends,
    and so is any constant residual, by forcing zero velocity at ``i1``.  That remainder is the
    mean over the ``before`` samples up to ``i0`` and the ``after`` samples from ``i1`` (still
    posture on either side, where sway averages out), or, where these are 0, over ``settle``
    samples inside the ends.  :func:`displacement_between_stretches` is better where the
    postures on either side last a few seconds.
    """
    a = acc_up[i0 : i1 + 1]
    r0 = mean(acc_up[i0 - before + 1 : i0 + 1] if before > 0 else a[:settle])
    r1 = mean(acc_up[i1 : i1 + after] if after > 0 else a[-settle:])
    tt = t[i0 : i1 + 1]
    # the same operations as a - (r0 + (r1 - r0)·(tt - tt[0]) / span), in fewer temporaries
    ramp = tt - tt[0]
    ramp *= r1 - r0
    ramp /= max(tt[-1] - tt[0], 1e-9)
    ramp += r0
    dt = np.empty(tt.size)  # np.diff(tt, prepend=tt[0])
    dt[0] = 0.0
    np.subtract(tt[1:], tt[:-1], out=dt[1:])
    np.subtract(a, ramp, out=ramp)
    ramp *= dt
    v = np.cumsum(ramp)
    c = np.cumsum(dt)
    c *= v[-1]
    c /= max(float(np.add.reduce(dt)), 1e-9)
    v -= c
    v *= dt
    return float(np.add.reduce(v))


def displacement_between_stretches(t: np.ndarray, acc_up: np.ndarray, s0: int, i0: int, i1: int,
                                   e1: int) -> tuple[float, float]:
    """Vertical displacement (m, up positive) from the still stretch ``[s0, i0]`` to the still
    stretch ``[i1, e1]`` (grid indices): the difference of their mean heights, and the larger
    RMS residual (m) of the fit inside either stretch.

    A zero velocity at one instant (:func:`vertical_displacement`) is wrong by the sway's speed,
    centimetres per second in a shaky hold, and that error grows over a movement of several
    seconds into centimetres.  Here the postures are still only on average: ``acc_up`` is
    integrated twice over the whole window, and a least-squares fit, over the samples of the
    two stretches, of a constant height in each plus the integrals of an unknown initial
    velocity and of an unknown remaining acceleration in each stretch (``r0`` before ``i0``,
    ``r1`` after ``i1``, blended linearly across the movement) leaves the two heights.  Long
    stretches average the sway out; a residual of more than the sway's millimetres says that
    a stretch was not still (the movement began inside it).
    """
    tt = t[s0 : e1 + 1]
    k0, k1 = i0 - s0 + 1, i1 - s0
    dt = np.empty(tt.size)
    dt[0] = 0.0
    np.subtract(tt[1:], tt[:-1], out=dt[1:])

    def twice(y: np.ndarray) -> np.ndarray:
        return np.cumsum(np.cumsum(y * dt) * dt)

    w0 = np.interp(tt, (tt[k0 - 1], tt[k1]), (1.0, 0.0))
    still = np.r_[0:k0, k1 : tt.size]
    X = np.zeros((tt.size, 5))
    X[:k0, 0] = 1.0
    X[k1:, 1] = 1.0
    X[:, 2] = tt - tt[0]
    X[:, 3] = twice(w0)
    X[:, 4] = twice(1.0 - w0)
    x = twice(acc_up[s0 : e1 + 1])
    coef, *_ = np.linalg.lstsq(X[still], x[still], rcond=None)
    res = x[still] - X[still] @ coef
    worst = max(float(np.sqrt(np.mean(res[:k0] ** 2))), float(np.sqrt(np.mean(res[k0:] ** 2))))
    return float(coef[1] - coef[0]), worst


def vertical_movement(t: np.ndarray, acc_up: np.ndarray, lo: int, hi: int, ref: int,
                      fraction: float = 0.2, min_speed_m_s: float = 0.03,
                      sway_factor: float = 4.0) -> tuple[int, int] | None:
    """Grid indices ``(start, stop)`` of the main vertical movement in ``[lo, hi]``, a window
    that begins and ends in still posture (``ref`` samples at either end), or None when the
    sacrum's vertical speed nowhere reaches ``min_speed_m_s``.

    A slow lowering from a plank to the floor turns the trunk by a few degrees only, amid a
    hold's own sway, so where the trunk turns need not be where the sacrum moves; its vertical
    velocity shows it.  The velocity is integrated with the still ends' mean acceleration
    removed and zero velocity at both ends; the movement is the run around its largest speed
    where the speed stays above ``fraction`` of it.  Most of the window is still posture, so
    the median speed in it measures the sway; the movement must be ``sway_factor`` times
    faster, and ends where the speed falls to the sway's.
    """
    a = acc_up[lo : hi + 1]
    tt = t[lo : hi + 1]
    if a.size < 2 * ref + 2:
        return None
    r0, r1 = mean(a[:ref]), mean(a[-ref:])
    span = max(float(tt[-1] - tt[0]), 1e-9)
    a = a - (r0 + (r1 - r0) * (tt - tt[0]) / span)
    dt = np.diff(tt, prepend=tt[0])
    v = np.cumsum(a * dt)
    v -= v[-1] * (tt - tt[0]) / span
    speed = np.abs(v)
    k = int(np.argmax(speed))
    # the sway of a shaky hold moves the sacrum too: the movement must stand out of it
    sway = 1.4826 * float(np.median(speed))
    if speed[k] < max(min_speed_m_s, sway_factor * sway):
        return None
    slow = speed < max(fraction * speed[k], sway)
    before, after = np.flatnonzero(slow[:k]), np.flatnonzero(slow[k:])
    start = lo + (int(before[-1]) if before.size else 0)
    stop = lo + k + (int(after[0]) if after.size else a.size - 1 - k)
    return start, stop


def solve_heights(
    n: int,
    edges: list[tuple[int, int, float, float]],
    priors: list[tuple[int, float, float]],
    iterations: int = 6,
    levels: list[tuple[float, float]] = (),
    links: list[tuple[int, int, float]] = (),
    with_levels: bool = False,
) -> tuple[np.ndarray, ...]:
    """Robust least-squares heights of ``n`` postures from displacements and priors.

    Each measurement's weight is cut (Cauchy, beyond 3 standard deviations) when it disagrees
    with the rest, so that one bad integration or one posture that only looks like lying does
    not shift a whole chain.  Edges join near neighbours in time, so the normal equations are
    banded and solved as such.

    A person stands (or lies prone, or supine) at one sacral height for the whole session,
    not at an independently drawn one each time: the postures of one kind share an unknown
    *level* with the population's prior, and each sits within a small spread of it (foot
    position, slouch, a soft mat).  N spans of a kind then do not make the population's mean
    N times surer, while the movements between kinds, taken together, measure how far this
    person's levels lie apart.  The few levels are an extra dense block bordering the banded
    system, eliminated exactly through its Schur complement.

    Parameters
    ----------
    edges : list of (i, j, dh_m, sd_m)
        Measured ``h[j] - h[i]``.
    priors : list of (i, h_m, sd_m)
        An independent prior on one posture.
    levels : list of (h_m, sd_m)
        Shared levels and their priors.
    links : list of (i, level, sd_m)
        Posture ``i`` sits at level ``level`` within ``sd_m``.

    with_levels : bool
        Also return the solved levels, their standard deviations and their covariance with
        each posture (how far a posture sits from a level is surer than either alone: both
        rest on the same movements).

    Returns
    -------
    height_m, sd_m : ndarray, shape (n,)
        NaN for postures not connected to any prior or level.
    level_m, level_sd_m : ndarray, shape (len(levels),)
        Only ``with_levels``.
    cov_m2 : ndarray, shape (n, len(levels))
        Only ``with_levels``: covariance of each posture's height with each level.
    """
    if n == 0:
        return _unsolved(n, levels, with_levels)
    e = np.array(edges, dtype=float).reshape(-1, 4)
    pr = np.array(priors, dtype=float).reshape(-1, 3)
    lv = np.array(levels, dtype=float).reshape(-1, 2)
    lk = np.array(links, dtype=float).reshape(-1, 3)
    m = len(lv)
    if not len(e) and not len(pr) and not len(lk):
        return _unsolved(n, levels, with_levels)
    src = np.concatenate((e[:, 0], np.full(len(pr), -1.0))).astype(int)
    dst = np.concatenate((e[:, 1], pr[:, 0])).astype(int)
    val = np.concatenate((e[:, 2], pr[:, 1]))
    sd = np.concatenate((e[:, 3], pr[:, 2]))
    is_edge = src >= 0
    lo, hi = np.minimum(src, dst)[is_edge], np.maximum(src, dst)[is_edge]
    u = int(np.max(hi - lo, initial=0))
    member, level, link_sd = lk[:, 0].astype(int), lk[:, 1].astype(int), lk[:, 2]
    # rows of the design: +1 at dst, -1 at src (edges only); links: +1 at the posture, -1 at
    # its level; level priors: +1 at the level
    robust = np.ones(val.size)
    robust_link, robust_level = np.ones(member.size), np.ones(m)
    for _ in range(iterations):
        w = robust / sd**2
        wl = robust_link / link_sd**2
        ab = np.zeros((u + 1, n))  # upper banded form of X' W X, the postures' block
        np.add.at(ab[u], dst, w)
        np.add.at(ab[u], src[is_edge], w[is_edge])
        np.add.at(ab, (u - (hi - lo), hi), -w[is_edge])
        np.add.at(ab[u], member, wl)
        ab[u] += 1e-9
        rhs = np.zeros(n)
        np.add.at(rhs, dst, w * val)
        np.add.at(rhs, src[is_edge], -w[is_edge] * val[is_edge])
        chol = cholesky_banded(ab)
        h = cho_solve_banded((chol, False), rhs)
        if m:
            border = np.zeros((n, m))  # the postures-by-levels block
            np.add.at(border, (member, level), -wl)
            wp = robust_level / lv[:, 1] ** 2
            corner = np.diag(wp)
            np.add.at(corner, (level, level), wl)
            solved = cho_solve_banded((chol, False), border)  # A^-1 B
            schur = corner - border.T @ solved
            lev = np.linalg.solve(schur, wp * lv[:, 0] - border.T @ h)
            h = h - solved @ lev
            off = (h[member] - lev[level]) / link_sd
            robust_link = 1.0 / (1.0 + (off / 3.0) ** 2)
            robust_level = 1.0 / (1.0 + ((lev - lv[:, 0]) / lv[:, 1] / 3.0) ** 2)
        pred = h[dst] - np.where(is_edge, h[np.maximum(src, 0)], 0.0)
        robust = 1.0 / (1.0 + (np.abs(pred - val) / sd / 3.0) ** 2)
    var = _inverse_diagonal(chol)
    lev_var, cross = np.empty(0), np.zeros((n, 0))
    if m:
        # the blocks of the inverse: postures A^-1 + (A^-1 B) S^-1 (A^-1 B)', levels S^-1,
        # postures by levels -(A^-1 B) S^-1
        schur_inv = np.linalg.inv(schur)
        cross = -(solved @ schur_inv)
        var -= np.sum(cross * solved, axis=1)
        lev_var = np.diag(schur_inv).copy()
    out_sd = np.sqrt(np.clip(var, 0.0, None))
    graph = coo_matrix((np.ones(lo.size), (lo, hi)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    reach = np.isin(label, label[np.concatenate((dst[~is_edge], member))])
    h[~reach] = np.nan
    out_sd[~reach] = np.nan
    if with_levels:
        lev = lev if m else np.empty(0)
        cross[~reach] = 0.0
        return h, out_sd, lev, np.sqrt(np.clip(lev_var, 0.0, None)), cross
    return h, out_sd


def _unsolved(n: int, levels: list[tuple[float, float]], with_levels: bool) -> tuple[np.ndarray, ...]:
    """What :func:`solve_heights` returns when nothing ties the postures to a height: NaN
    heights, and the levels as their priors say."""
    out = (np.full(n, np.nan), np.full(n, np.nan))
    if not with_levels:
        return out
    lv = np.asarray(levels, dtype=float).reshape(-1, 2)
    return out + (lv[:, 0].copy(), lv[:, 1].copy(), np.zeros((n, len(lv))))


def _inverse_diagonal(chol: np.ndarray, block: int = 256) -> np.ndarray:
    """Diagonal of the inverse of a banded positive-definite matrix from its upper banded
    Cholesky factor, solving for a block of unit vectors at a time (bounded memory)."""
    n = chol.shape[1]
    out = np.empty(n)
    for c0 in range(0, n, block):
        m = min(block, n - c0)
        unit = np.zeros((n, m))
        unit[c0 + np.arange(m), np.arange(m)] = 1.0
        out[c0 : c0 + m] = cho_solve_banded((chol, False), unit)[c0 + np.arange(m), np.arange(m)]
    return out


def edge_sd(duration_s: float, unsettled_m_s2: float = 0.0) -> float:
    """Standard deviation (m) of a displacement measured over a movement of this length.

    5 mm plus 7 mm per second of movement: what is left after the integration grows about
    linearly with the movement's length.  Measured against ground truth over 1181 movements of
    3-12 s between still stretches (:func:`displacement_between_stretches`; independent
    simulator, seeds 0-39 and 100-164), the median absolute error was 1.4, 2.5, 2.4, 3.2 and
    4.8 cm for movements of 3-4, 4-5, 5-6, 6-8 and 8-12 s, which this matches at about 1.5
    times the median (a normal's sd).  The errors have heavy tails: 10 % of them lie beyond
    2 sd and 3.5 % beyond 3 sd (a normal's 5 % and 0.3 %); the robust solve
    (:func:`solve_heights`) discounts those that the other movements contradict.  With zero
    velocity at the movement's ends instead of still stretches, the medians were about the same
    but the tails twice as heavy (14 % against 8 % of errors beyond 10 cm, seeds 0-23).

    ``unsettled_m_s2`` is how much more linear acceleration than a still posture shows at the
    end points (e.g. a short pause while getting up from the floor): there the body may still
    be moving, and a residual velocity of about that much per second of the movement shifts
    the displacement by up to its product with the duration.
    """
    return float(np.hypot(0.005 + 0.007 * duration_s, max(unsettled_m_s2, 0.0) * duration_s))
