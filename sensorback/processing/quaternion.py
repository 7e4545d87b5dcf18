"""Vectorised unit-quaternion helpers (scalar first, ``w, x, y, z``), shape ``(n, 4)``.

The gyroscope is integrated with a parallel prefix product (a Hillis–Steele scan over blocks),
so a whole recording is integrated with a few dozen numpy operations instead of a Python loop
per sample.
"""

from __future__ import annotations

import numpy as np


def multiply(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Hamilton product ``p ⊗ q`` for arrays of quaternions (broadcasting on leading axes)."""
    pw, px, py, pz = np.moveaxis(p, -1, 0)
    qw, qx, qy, qz = np.moveaxis(q, -1, 0)
    return np.stack(
        (
            pw * qw - px * qx - py * qy - pz * qz,
            pw * qx + px * qw + py * qz - pz * qy,
            pw * qy - px * qz + py * qw + pz * qx,
            pw * qz + px * qy - py * qx + pz * qw,
        ),
        axis=-1,
    )


def from_rotvec(rotvec: np.ndarray) -> np.ndarray:
    """Quaternions from rotation vectors (axis × angle in rad), shape (n, 3) → (n, 4)."""
    angle = np.linalg.norm(rotvec, axis=-1)
    half = 0.5 * angle
    # sin(half)/angle, with its limit 0.5 at angle → 0
    k = np.where(angle > 1e-12, np.sin(half) / np.where(angle > 1e-12, angle, 1.0), 0.5 - angle**2 / 48.0)
    return np.concatenate((np.cos(half)[..., None], rotvec * k[..., None]), axis=-1)


def rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors ``v`` (n, 3) by quaternions ``q`` (n, 4): ``q ⊗ v ⊗ q*``."""
    return _rotate(q, v, 1.0)


def rotate_inverse(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors by the inverse (conjugate) of ``q``."""
    return _rotate(q, v, -1.0)


def _rotate(q: np.ndarray, v: np.ndarray, sign: float) -> np.ndarray:
    # v' = v + w t + u × t with t = 2 u × v, on contiguous component arrays (3× faster than
    # np.cross on (n, 3) rows); ``sign`` −1 conjugates q.
    q = np.atleast_2d(q)
    v = np.atleast_2d(v)
    qw, qx, qy, qz = np.ascontiguousarray(np.broadcast_to(q, (max(len(q), len(v)), 4)).T)
    if sign < 0:
        qx, qy, qz = -qx, -qy, -qz
    vx, vy, vz = np.ascontiguousarray(np.broadcast_to(v, (len(qw), 3)).T)
    tx = qy * vz
    tx -= qz * vy
    tx *= 2.0
    ty = qz * vx
    ty -= qx * vz
    ty *= 2.0
    tz = qx * vy
    tz -= qy * vx
    tz *= 2.0
    out = np.empty((3, len(qw)))
    np.multiply(qw, tx, out=out[0])
    out[0] += vx
    out[0] += qy * tz
    out[0] -= qz * ty
    np.multiply(qw, ty, out=out[1])
    out[1] += vy
    out[1] += qz * tx
    out[1] -= qx * tz
    np.multiply(qw, tz, out=out[2])
    out[2] += vz
    out[2] += qx * ty
    out[2] -= qy * tx
    return out.T


def _scan_rows(q: np.ndarray) -> np.ndarray:
    """Inclusive prefix product along axis 0 of a small (m, 4) array, by doubling."""
    out = q.copy()
    shift = 1
    while shift < out.shape[0]:
        out[shift:] = multiply(out[:-shift], out[shift:])
        shift *= 2
    return out


def cumulative_product(dq: np.ndarray) -> np.ndarray:
    """Prefix products ``Q[i] = dq[0] ⊗ dq[1] ⊗ … ⊗ dq[i]`` of unit quaternions, vectorised.

    The samples are laid out as a ``(block, n_blocks)`` grid; one numpy step per row advances
    every block at once (≈√n steps over arrays of ≈√n), the block totals are scanned by
    doubling, and one last product applies each block's starting orientation.  The work is
    O(n) with O(√n) numpy calls.

    Parameters
    ----------
    dq : ndarray, shape (n, 4)
        Incremental rotations (body-frame increments, applied on the right).

    Returns
    -------
    ndarray, shape (n, 4)
        Renormalised cumulative orientations.
    """
    n = dq.shape[0]
    if n == 0:
        return dq.copy()
    block = int(max(8, np.sqrt(n)))
    nb = -(-n // block)
    pad = nb * block - n
    if pad:
        dq = np.concatenate((dq, np.tile([1.0, 0.0, 0.0, 0.0], (pad, 1))), axis=0)
    # grid[j, b] holds sample b*block + j; component-major for contiguous rows
    w, x, y, z = np.ascontiguousarray(dq.reshape(nb, block, 4).transpose(2, 1, 0))
    for j in range(1, block):
        pw, px, py, pz = w[j - 1], x[j - 1], y[j - 1], z[j - 1]
        qw, qx, qy, qz = w[j].copy(), x[j].copy(), y[j].copy(), z[j].copy()
        w[j] = pw * qw - px * qx - py * qy - pz * qz
        x[j] = pw * qx + px * qw + py * qz - pz * qy
        y[j] = pw * qy - px * qz + py * qw + pz * qx
        z[j] = pw * qz + px * qy - py * qx + pz * qw
    totals = np.stack((w[-1], x[-1], y[-1], z[-1]), axis=-1)
    carry = np.empty_like(totals)
    carry[0] = (1.0, 0.0, 0.0, 0.0)
    if nb > 1:
        carry[1:] = _scan_rows(totals[:-1])
    grid = np.stack((w, x, y, z), axis=-1)  # (block, nb, 4)
    out = multiply(carry[None, :, :], grid).transpose(1, 0, 2).reshape(nb * block, 4)[:n]
    return out / np.linalg.norm(out, axis=1, keepdims=True)
