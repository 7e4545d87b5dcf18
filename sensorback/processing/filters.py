"""Small O(n) smoothing helpers shared by processing steps."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import uniform_filter1d


def smooth(x: np.ndarray, width: int, passes: int = 3, axis: int = 0) -> np.ndarray:
    """Near-Gaussian zero-phase smoothing by ``passes`` moving averages of ``width`` samples.

    Three passes of a box of width ``w`` approximate a Gaussian of standard deviation
    ``w / 2`` samples; the kernel stays positive, so weighted averages stay convex.
    Edges are handled by reflection.
    """
    width = int(max(1, width))
    out = np.asarray(x, dtype=float)
    if width == 1:
        return out.copy()
    if passes < 1:
        return out
    # the later passes run in place (each line is buffered before it is written), and a given
    # output spares scipy's allocation of a zeroed one by dtype name: ~half the overhead
    res = np.empty(out.shape)
    uniform_filter1d(out, size=width, axis=axis, output=res, mode="nearest")
    for _ in range(passes - 1):
        uniform_filter1d(res, size=width, axis=axis, output=res, mode="nearest")
    return res


def gaussian_width(sigma_samples: float) -> int:
    """Box width for :func:`smooth` so that three passes give a Gaussian of ``sigma_samples``."""
    return int(max(1, round(2.0 * sigma_samples)))


def rolling_std(x: np.ndarray, width: int, axis: int = 0) -> np.ndarray:
    """Centred moving standard deviation over ``width`` samples (O(n))."""
    return np.sqrt(np.maximum(rolling_var(x, width, axis), 0.0))


def rolling_var(x: np.ndarray, width: int, axis: int = 0) -> np.ndarray:
    """Centred moving variance over ``width`` samples (O(n)); may dip just below 0 by rounding."""
    width = int(max(1, width))
    x = np.asarray(x, dtype=float)
    m = np.empty(x.shape)
    uniform_filter1d(x, size=width, axis=axis, output=m, mode="nearest")
    m *= m
    m2 = x * x
    uniform_filter1d(m2, size=width, axis=axis, output=m2, mode="nearest")  # in place
    m2 -= m
    return m2


def runs(mask: np.ndarray) -> np.ndarray:
    """Start and stop indices (stop exclusive) of the runs of True in a boolean array, shape (k, 2)."""
    m = np.asarray(mask, dtype=bool).ravel()
    if m.size == 0:
        return np.empty((0, 2), dtype=int)
    # the changes of the mask padded with False at both ends alternate start, stop, start ...
    padded = np.zeros(m.size + 2, dtype=bool)
    padded[1:-1] = m
    return np.flatnonzero(padded[1:] != padded[:-1]).reshape(-1, 2)


def median_below(x: np.ndarray, run_list: np.ndarray, threshold: float) -> np.ndarray:
    """Whether ``np.median(x[a:b]) < threshold`` for each index run ``(a, b)``, by counting the
    samples below the threshold (one cumulative sum for all runs); only runs where exactly
    half are below, whose median is the mean of the two middle values, are computed."""
    r = np.asarray(run_list, dtype=int).reshape(-1, 2)
    length = r[:, 1] - r[:, 0]
    below = np.concatenate(([0], np.cumsum(x < threshold)))
    count = below[r[:, 1]] - below[r[:, 0]]
    out = count > length // 2
    nan = np.isnan(x)
    if nan.any():
        n_nan = np.concatenate(([0], np.cumsum(nan)))
        out &= n_nan[r[:, 1]] == n_nan[r[:, 0]]
    for k in np.flatnonzero((length % 2 == 0) & (count == length // 2) & (length > 0)):
        out[k] = np.median(x[r[k, 0] : r[k, 1]]) < threshold
    return out


def row_dot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``np.sum(x * y, axis=1)`` of two (n, k) arrays with a few columns (k ≤ 4), the same
    values: numpy adds a short row left to right, ``(x0·y0 + x1·y1) + x2·y2``, and so does this,
    column by column, which is several times faster than its reduction over short rows."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.ndim != 2 or x.shape != y.shape or not 1 <= x.shape[1] <= 4:
        return np.sum(x * y, axis=1)
    out = x[:, 0] * y[:, 0]
    if x.shape[1] > 1:
        term = np.empty_like(out)
        for i in range(1, x.shape[1]):
            out += np.multiply(x[:, i], y[:, i], out=term)
    return out


def row_norm(x: np.ndarray) -> np.ndarray:
    """``np.linalg.norm(x, axis=1)`` of an (n, k) array with a few columns (k ≤ 4), the same
    values (the square root of :func:`row_dot` of ``x`` with itself), several times faster."""
    x = np.asarray(x, dtype=float)
    if x.ndim != 2 or not 1 <= x.shape[1] <= 4:
        return np.linalg.norm(x, axis=1)
    out = row_dot(x, x)
    return np.sqrt(out, out=out)


def mean(x: np.ndarray) -> float:
    """``np.mean`` of a 1-D array (the same sum and division), without its overhead."""
    x = np.asarray(x, dtype=float)
    return float(np.add.reduce(x) / x.size) if x.size else float(np.mean(x))


def median(x: np.ndarray) -> float:
    """``np.median`` of a 1-D array (the same value, NaN if any is NaN), without its overhead,
    which dominates on the short spans detection takes medians of."""
    x = np.asarray(x, dtype=float)
    n = x.size
    if n == 0:
        return float("nan")
    k = n // 2
    if n >= _LARGE and x.ndim == 1:
        m = _large_median(x)
        if m is not None:
            return m
    if n >= 256 and x.ndim == 1:
        # one partition point is half the work of three: below it lies the lower middle value
        # (the largest there), above it any NaN (sorted last, so the largest there is NaN)
        p = np.partition(x, k)
        if np.isnan(p[k:].max()):
            return float("nan")
        return float(p[k]) if n % 2 else float((p[:k].max() + p[k]) / 2.0)
    # the last position holds the largest value, NaN if there is one
    p = np.partition(x, (k - 1, k, n - 1) if n % 2 == 0 else (k, n - 1))
    if np.isnan(p[-1]):
        return float("nan")
    return float(p[k]) if n % 2 else float((p[k - 1] + p[k]) / 2.0)


_LARGE = 1 << 15  # from this size on, medians are first tried by counting (:func:`_large_median`)


def _large_median(x: np.ndarray) -> float | None:
    """:func:`median` of a long 1-D array by counting rather than partitioning all of it.

    The two middle ranks lie, almost surely, between two values a little below and above the
    median of a strided sample: the values outside are only counted, and those inside (a small
    share, or one value repeated, as in the time steps of a regular recording) partitioned.
    Returns None, for the caller to partition everything, when the counts show the middle ranks
    outside.
    """
    n = x.size
    k = n // 2
    first = k - 1 if n % 2 == 0 else k
    sample = np.sort(x[:: max(1, n // 4096)])  # NaN last
    j = min(k * sample.size // n, sample.size - 1)
    # 128 ranks: four standard deviations of the middle rank in a sample of 4096
    lo, hi = sample[max(j - 128, 0)], sample[min(j + 128, sample.size - 1)]
    if not lo <= hi:
        return None  # NaN
    below = int(np.count_nonzero(x < lo))
    above = int(np.count_nonzero(x > hi))
    if lo == hi:
        n_inside = int(np.count_nonzero(x == lo))
        inside = None
    else:
        mask = x >= lo
        mask &= x <= hi
        inside = x[mask]
        n_inside = inside.size
    if below + above + n_inside < n:
        return float("nan")  # NaN in x
    if not below <= first or not k < below + n_inside:
        return None
    if inside is None:  # all the middle values are lo
        return float(lo) if n % 2 else float((lo + lo) / 2.0)
    p = np.partition(inside, (first - below, k - below))
    return float(p[k - below]) if n % 2 else float((p[first - below] + p[k - below]) / 2.0)
