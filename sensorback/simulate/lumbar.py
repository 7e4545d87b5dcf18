"""The lumbar spine of a simulated session: how the segment at T12/L1 moves relative to the pelvis.

The lumbar angle is a rotation of the upper segment relative to the pelvis (body axes: x cranial,
y left, z posterior): flexion about y (positive: the upper segment bends forward), lateral
bending about z (positive: to the right) and a small axial twist about x, applied in that order.
Each posture has a key lumbar angle (neutral 0 in standing, the calibration reference); exercises
move the lumbar spine as a fraction of the pelvis's motion — a bench hyperextension flexes it at
the bottom and extends it at the top, a bridge extends it a little, a plank's sag extends it, a
side plank's sag bends it towards the floor — and holds add lumbar sway of their own.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

from .body import BodyMotion, PhaseTiming, _rep_profile, band_noise, min_jerk, world_acceleration
from .programme import Phase

#: From the sacral sensor to the lumbar midpoint (pelvis axes), and on to T12/L1 (upper axes), m.
LOWER_LEVER_M = np.array([0.06, 0.0, 0.0])
UPPER_LEVER_M = np.array([0.16, 0.0, 0.01])


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def _key_flexion_deg(rng: np.random.Generator, phase: Phase) -> float:
    """The lumbar flexion a posture holds (deg; negative: extension)."""
    name = phase.posture.name
    if phase.kind == "reps":
        return {"supine": _u(rng, -2, 4), "hyperextension_bench_bottom": _u(rng, 12, 25)}.get(name, _u(rng, -3, 3))
    if phase.kind == "hold":
        return {"plank": _u(rng, -6, 2), "bridge": _u(rng, -12, -4)}.get(
            name, _u(rng, -12, -3) if name.startswith("hyperextension") else _u(rng, -3, 3))
    return {"prone": _u(rng, -3, 3), "supine": _u(rng, -2, 5), "child": _u(rng, 25, 40)}.get(name, 0.0)


def _phase_lumbar(rng: np.random.Generator, phase: Phase, tr: np.ndarray, fs: float) -> tuple[np.ndarray, np.ndarray]:
    """Lumbar flexion and lateral bending (deg) during one phase, ``tr`` seconds from its start."""
    flex = np.full(tr.size, _key_flexion_deg(rng, phase))
    lat = np.full(tr.size, _u(rng, -4, 4) if phase.exercise in ("side_plank_left", "side_plank_right") else 0.0)
    p = phase.params
    if phase.kind == "reps":
        off, _ = _rep_profile(tr, p)
        # a bridge extends the lumbar spine by a fraction of the pelvis's lift; a hyperextension
        # does much of its range in the lumbar spine, from flexed at the bottom to extended on top
        share = _u(rng, 0.2, 0.4) if phase.exercise == "bridge" else -_u(rng, 0.4, 0.7)
        flex += share * off
    for fb in p.get("form_breaks", []):
        ramp = min_jerk((tr - fb["t_rel_s"]) / fb["ramp_s"]) * fb["deviation_deg"] * _u(rng, 0.4, 0.7)
        sag = 1.0 if fb["direction"] == "sag" else -1.0
        if phase.exercise == "plank":
            flex -= sag * ramp  # hips toward the floor: the lumbar spine extends
        elif phase.exercise == "bridge":
            flex += sag * ramp  # hips dropping out of a bridge: less extension
        else:  # side planks: the lumbar spine bends towards the floor
            lat += sag * ramp * (-1.0 if phase.exercise == "side_plank_left" else 1.0)
    sway = p.get("sway_deg", 0.0) if phase.kind in ("hold", "reps") else 0.0
    if sway:
        flex += 0.4 * sway * band_noise(rng, tr.size, fs, 0.08, 1.2, settle=True)
        lat += 0.4 * sway * band_noise(rng, tr.size, fs, 0.08, 1.2, settle=True)
    if phase.kind == "walk":
        step_hz = p["cadence_hz"]
        lat += 2.0 * np.sin(np.pi * step_hz * tr)
        flex += 1.0 * np.sin(2 * np.pi * step_hz * tr)
    return flex, lat


def build_lumbar(
    rng: np.random.Generator, phases: list[Phase], timing: list[PhaseTiming], t: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lumbar flexion, lateral bending and axial twist (deg) on the internal grid ``t``."""
    fs = 1.0 / (t[1] - t[0])
    flex = np.full(t.size, np.nan)
    lat = np.full(t.size, np.nan)
    for ph, tm in zip(phases, timing):
        sel = (t >= tm.start_s) & (t < tm.end_s)
        flex[sel], lat[sel] = _phase_lumbar(rng, ph, t[sel] - tm.start_s, fs)
    # transitions and the tail: ease from where one phase ends to where the next begins
    known = np.flatnonzero(np.isfinite(flex))
    for x in (flex, lat):
        gap = ~np.isfinite(x)
        before = np.maximum.accumulate(np.where(gap, -1, np.arange(t.size)))
        after = np.minimum.accumulate(np.where(gap, t.size, np.arange(t.size))[::-1])[::-1]
        after = np.where(after < t.size, after, known[-1])
        before = np.where(before >= 0, before, known[0])
        span = np.maximum(t[after] - t[before], 1e-9)
        s = min_jerk((t - t[before]) / span)
        x[gap] = (x[before] + (x[after] - x[before]) * s)[gap]
    twist = _u(rng, 0.2, 0.6) * band_noise(rng, t.size, fs, 0.05, 0.3, settle=True)
    return flex, lat, twist


def lumbar_rotation(flexion_deg: np.ndarray, lateral_deg: np.ndarray, twist_deg: np.ndarray) -> Rotation:
    """Upper segment → pelvis rotation: flexion about y, then lateral bending (right positive) about
    z, then axial twist about x."""
    return Rotation.from_euler("yzx", np.column_stack((flexion_deg, -lateral_deg, twist_deg)), degrees=True)


def upper_motion(body: BodyMotion, rel: Rotation, fs_int: float) -> BodyMotion:
    """The motion of a sensor at T12/L1, the pelvis moving as ``body`` and the lumbar spine as ``rel``."""
    rot = body.rot * rel
    pos = body.pos_world + body.rot.apply(LOWER_LEVER_M) + rot.apply(UPPER_LEVER_M)
    return BodyMotion(body.t, rot, world_acceleration(pos, body.t, fs_int), body.phase_index, body.sway_rms_deg, pos)
