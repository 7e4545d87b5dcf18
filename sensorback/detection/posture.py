"""Posture at every grid point, from the trunk's up-vector and angular speed.

Public postures: ``upright``, ``flexed``, ``prone``, ``supine``, ``side_left``, ``side_right``
and ``moving``.  Internally the lying postures are split further (raised or flat face down,
hips up or flat face up, folded head-down), since holds and rests differ there.
"""

from __future__ import annotations

import numpy as np

from ..processing.filters import runs, smooth
from ..settings import DetectionSettings
from .signals import Grid

MOVING, UPRIGHT, FLEXED, SIDE_LEFT, SIDE_RIGHT = 0, 1, 2, 3, 4
PRONE_FLAT, PRONE_RAISED, PRONE_FOLDED, SUPINE_FLAT, SUPINE_HIPS_UP = 5, 6, 7, 8, 9

STANCE_NAMES = ("moving", "upright", "flexed", "side_left", "side_right", "prone_flat", "prone_raised",
                "prone_folded", "supine_flat", "supine_hips_up")
POSTURES = ("upright", "flexed", "prone", "supine", "side_left", "side_right", "moving")
_PUBLIC = np.array([POSTURES.index(p) for p in
                    ("moving", "upright", "flexed", "side_left", "side_right", "prone", "prone",
                     "flexed", "supine", "supine")])


def hysteresis(x: np.ndarray, low: float, high: float) -> np.ndarray:
    """True from where ``x`` rises to ``high`` until it falls to ``low`` (a Schmitt trigger);
    before the first crossing, whether ``x`` is above the middle."""
    n = x.size
    state = np.full(n, -1, dtype=np.int8)
    state[x >= high] = 1
    state[x <= low] = 0
    known = np.where(state >= 0, np.arange(n), -1)
    last = np.maximum.accumulate(known) if n else known
    out = np.where(last >= 0, state[np.maximum(last, 0)], (x >= 0.5 * (low + high)).astype(np.int8))
    return out.astype(bool)


def classify_stance(
    pitch_deg: np.ndarray,
    roll_deg: np.ndarray,
    up_z: np.ndarray,
    settings: DetectionSettings = DetectionSettings(),
) -> np.ndarray:
    """Stance code (int8, see ``STANCE_NAMES``) of each sample from its angles, ignoring motion.

    Parameters
    ----------
    pitch_deg, roll_deg : ndarray
        Smoothed trunk angles.
    up_z : ndarray
        Posterior component of the up-vector: > 0 face down, < 0 face up.
    """
    s = settings
    h = s.stance_hysteresis_deg
    raised = hysteresis(pitch_deg, s.plank_min_pitch_deg - h, s.plank_min_pitch_deg + h)
    hips_up = hysteresis(-pitch_deg, -s.bridge_max_pitch_deg - h, -s.bridge_max_pitch_deg + h)
    code = np.where(up_z > 0, PRONE_FLAT, SUPINE_FLAT).astype(np.int8)
    code[(up_z > 0) & raised] = PRONE_RAISED
    code[(up_z > 0) & (pitch_deg <= s.head_down_max_pitch_deg)] = PRONE_FOLDED
    code[(up_z <= 0) & hips_up] = SUPINE_HIPS_UP
    code[pitch_deg >= s.flexed_min_pitch_deg] = FLEXED
    side = np.abs(roll_deg) >= s.side_min_roll_deg
    code[side & (roll_deg < 0)] = SIDE_LEFT
    code[side & (roll_deg > 0)] = SIDE_RIGHT
    code[pitch_deg >= s.upright_min_pitch_deg] = UPRIGHT
    return code


def compute_stance(grid: Grid, settings: DetectionSettings = DetectionSettings()) -> np.ndarray:
    """Stance code at every grid point from 1-s smoothed angles; ``MOVING`` where the body turns
    faster than ``move_speed_deg_s`` (and than ``move_activity_factor`` times the local sway
    activity, so that a shaky hold stays one hold) for at least ``min_move_s`` (shorter turns
    are jerks within a posture), or accelerates more than ``move_acc_m_s2``."""
    w = max(1, int(round(0.5 * grid.fs)))
    pitch, roll, up_z = smooth(grid.pitch_deg, w), smooth(grid.roll_deg, w), smooth(grid.up[:, 2], w)
    code = classify_stance(pitch, roll, up_z, settings)
    # a shaky hold stays one hold; walking (upright) is movement however regular
    shaky = np.where(code == UPRIGHT, 0.0, settings.move_activity_factor * grid.activity)
    turning = grid.speed > np.maximum(settings.move_speed_deg_s, shaky)
    for a, b in runs(turning):
        if b - a < settings.min_move_s * grid.fs:
            turning[a:b] = False
    code[turning | (grid.lin_acc > settings.move_acc_m_s2)] = MOVING
    return code


def public_posture(stance: np.ndarray) -> np.ndarray:
    """Index into ``POSTURES`` of each stance code."""
    return _PUBLIC[stance]
