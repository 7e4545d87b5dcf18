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
    for _ in range(passes):
        out = uniform_filter1d(out, size=width, axis=axis, mode="nearest")
    return out


def gaussian_width(sigma_samples: float) -> int:
    """Box width for :func:`smooth` so that three passes give a Gaussian of ``sigma_samples``."""
    return int(max(1, round(2.0 * sigma_samples)))


def rolling_std(x: np.ndarray, width: int, axis: int = 0) -> np.ndarray:
    """Centred moving standard deviation over ``width`` samples (O(n))."""
    width = int(max(1, width))
    m = uniform_filter1d(x, size=width, axis=axis, mode="nearest")
    m2 = uniform_filter1d(x * x, size=width, axis=axis, mode="nearest")
    return np.sqrt(np.maximum(m2 - m * m, 0.0))


def runs(mask: np.ndarray) -> np.ndarray:
    """Start and stop indices (stop exclusive) of the runs of True in a boolean array, shape (k, 2)."""
    m = np.asarray(mask, dtype=bool)
    if m.size == 0:
        return np.empty((0, 2), dtype=int)
    d = np.diff(np.concatenate(([0], m.view(np.int8), [0])))
    return np.column_stack((np.flatnonzero(d == 1), np.flatnonzero(d == -1)))
