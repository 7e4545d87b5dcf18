"""Independent simulator of a sacral IMU during a core-exercise session (cross-check oracle).

``generate(seed, duration_scale=1.0) -> OracleSession``

Conventions (from DEVELOPERS.md)
--------------------------------
World frame: z up (gravity along -z), x/y horizontal.  Body frame: x cranial, y left, z posterior.
``pitch_deg`` = elevation of body x above the horizontal, ``roll_deg`` = elevation of body y.
Orientations are ``scipy.spatial.transform.Rotation`` objects mapping body vectors to world
vectors (``v_world = R.apply(v_body)``).  ``OracleSession.mount`` maps *sensor* vectors to *body*
vectors (``v_body = mount.apply(v_sensor)``), so the sensor's world orientation is ``R * mount``.

How the motion is built (continuous time, evaluated wherever needed)
--------------------------------------------------------------------
* Postures are key orientations ``Rz(heading) * Ry(-theta) * Rx(rho)``: ``theta`` is a sagittal
  angle whose sine is the pitch (theta > 90 is past vertical, leaning back, so supine after lying
  back from sitting is theta = 180 and a bridge top is theta = 180 + ROM), ``rho`` rolls about the
  cranial axis (side planks, rolling over).
* Transitions are chains of body-frame rotation legs ``R_a Exp(s1 v1) Exp(s2 v2) ...`` with
  minimum-jerk progress ``s_i(t)`` that *overlap in time* (so a stand -> kneel -> all fours ->
  plank descent is one fluid movement, C2 everywhere).  The sensor position follows its own
  minimum-jerk legs, slightly out of phase with the rotation.
* Reps rotate a key posture about its pitch axis (the horizontal axis perpendicular to the cranial
  axis, so the rotation angle equals the pitch change) around an anatomical pivot: the shoulders
  for bridges (sacrum 0.38-0.50 m caudal of them), the bench pad under the hips for bench
  hyperextensions, the pelvis' floor contact for floor supermen.  The sensor position is the pivot
  plus the rotated lever arm, so the linear acceleration is the exact rigid-body one.
* Small motion (sway, breathing, tremor, jerks, slow drift, form breaks, gait) is a body-frame
  rotation vector ``delta(t)`` applied as ``R = R_base Exp(delta)`` about a pivot ``r`` (hip joint
  centre on the floor, ankle when standing: the inverted-pendulum sway of quiet stance).  It is
  tapered in/out with a C2 window over 0.5 s *outside* each labelled segment, so inside a
  segment it is never attenuated.
* Angular velocity is the central difference ``log(R(t-h)^T R(t+h)) / 2h`` and linear
  acceleration the second difference of the sensor position (h = 1 ms), both of smooth (C2)
  functions.  Local gravity is randomised in 9.780-9.832 m/s² (``params['g_mps2']``).

Exercises and the chosen signs
------------------------------
* plank: prone, pitch +5..15.  side_plank_left: left side down, roll = asin(sin(rho) cos(theta))
  about -74..-87 (roll cannot reach -90 while the cranial axis is elevated 3-10 deg);
  side_plank_right the mirror.
* Programme: 4-8 blocks (holds 20-60 s, rep sets 8-20 reps) with rests of 10-60 s, standing up,
  turning (60-170 deg) and sometimes walking between exercise families.  ``duration_scale``
  multiplies hold, rest and walk durations (minimum 4-6 s) and rep counts (minimum 3); the
  calibration stance and the transitions are not scaled.
* bridge: supine, hips lift, pitch 0 -> -(20..35); 8-20 reps, movement 1.5-4 s, optional top
  holds 2-8 s; bridge holds at the top.
* hyperextension, variant ``bench``: a horizontal roman chair (pad under the hips, bench height
  0.85-0.95 m); reps start hanging at the bottom (pitch -40..-65) and rise to the top
  (pitch 0..+10): the rep peak is the top.  Variant ``floor``: superman, prone, pitch 0 -> +8..15.
  Holds: superman top (floor) or horizontal on the bench (bench).
* FORM BREAKS (sacral sensor = pelvis orientation):
  - plank / side plank **sag** (hips drop): anterior pelvic tilt, the pelvis follows the
    legs, whose line from the feet to the hips flattens -> **pitch DECREASES** (deviation < 0).
  - plank / side plank **pike** (hips up): posterior tilt -> **pitch INCREASES** (deviation > 0).
  - bridge **sag** (hips drop back towards the floor): pitch rises towards 0 (deviation > 0).
  - **lateral** (plank, bridge): one hip drops / pelvis rotates about the cranial axis -> roll
    changes by +-4..10 deg (``axis='roll'``).
  ``deviation_deg`` is the signed change of ``axis`` ('pitch' or 'roll') at full development;
  ``start_s`` is the onset of the (minimum-jerk, 2-8 s) drift, ``full_s`` when it is fully
  developed, ``end_s`` when corrected (or the hold's end).
* Rests: standing, lying prone, lying supine, child's pose (kneeling, sitting back on the heels,
  trunk folded forward: pitch -30..-50 with the posterior axis up and forward), and walking
  (``kind='rest', posture='walking'``: filter on ``posture`` if walking should not count).
  The session starts with 4-8 s of quiet standing (``calibration=True``).

Segment truth
-------------
Times are on the sensor's clock relative to the first sample (``(1 + ppm 1e-6) * true time``).
Holds/rests start when the posture is reached and end when the next transition starts; a reps
segment runs from the first rep's onset to the end of the last rep's return.  ``rep_times_s`` is
the middle of each rep's top dwell.  ``rom_deg`` is the mean nominal rep amplitude (pitch change
bottom -> top), ``top_hold_s`` the mean top dwell.  ``sway_deg_rms`` is
``sqrt(mean(dpitch^2 + droll^2))`` over the segment, where d* is the truth angle minus the angle
of the slow orientation (posture + form break + drift below ~0.04 Hz); it therefore includes
sway (0.12-2.5 Hz), breathing, tremor and jerks.  Per-axis values are given too; walking has
none.  ``top_hold_s`` below 0.3 s means no deliberate top hold (just the natural turn-around).
``OracleSession.model.state(t, perturb=...)`` evaluates the continuous truth at any true time,
optionally with only some perturbation parts ({"fast", "drift", "form"}).

Sensor model
------------
Mount: z out of the back, rotated k*90 + U(-12, 12) deg about z, tilted up to 8 deg about a
random in-plane axis.  Rate from {25, 50, 52, 100, 104, 200} Hz on the sensor clock, which runs
``ppm`` (+-300) fast relative to true time.  The signals are simulated at an internal rate
>= 250 Hz, passed through the sensor's own 2nd-order low-pass (cut-off 0.2-0.45 x ODR, separate
for acc and gyro) and decimated; then scale (+-1.5 % acc, +-2 % gyro), 0.5 % cross-axis, bias
(acc +-0.05 m/s², gyro +-0.04 rad/s constant + warm-up exponential + random walk), white noise
(0.01-0.05 m/s², 0.002-0.01 rad/s) and 16-bit quantisation over +-16 g / +-2000 deg/s.  0-2 % of
the rows are dropped in bursts of 1-10 (lost BLE packets).
"""

from __future__ import annotations

import json
import math
import time as _time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import signal
from scipy.interpolate import CubicSpline
from scipy.spatial.transform import Rotation

__all__ = ["OracleSession", "generate"]

COLUMNS = ["time", "ax", "ay", "az", "gx", "gy", "gz"]
EXERCISES = ("plank", "side_plank_left", "side_plank_right", "bridge", "hyperextension")
RATES_HZ = (25, 50, 52, 100, 104, 200)
G_DEVICE = 9.80665  # what the device's "1 g" means for its range and LSB
UP = np.array([0.0, 0.0, 1.0])
TAU_S = 0.5  # perturbation taper outside each labelled segment
H_S = 1e-3  # finite-difference step (true time)
SPLINE_FS = 100.0


# ----------------------------------------------------------------------------- small maths
def _mj(u):
    """Minimum-jerk progress 0 -> 1 on u in [0, 1] (clamped outside); C2."""
    u = np.clip(u, 0.0, 1.0)
    return u * u * u * (10.0 + u * (-15.0 + 6.0 * u))


def _mj_int(u):
    """Integral of _mj from 0 to u."""
    u = np.asarray(u, dtype=float)
    v = np.clip(u, 0.0, 1.0)
    return v**4 * (2.5 + v * (-3.0 + v)) + np.where(u > 1.0, u - 1.0, 0.0)


def _window(t, a, b, tau=TAU_S):
    """1 on [a, b], C2 minimum-jerk ramps over tau outside it, 0 beyond."""
    return _mj((t - a + tau) / tau) * (1.0 - _mj((t - b) / tau))


def _qmul(p, q):
    """Hamilton product of (..., 4) scalar-last quaternions."""
    px, py, pz, pw = np.moveaxis(p, -1, 0)
    qx, qy, qz, qw = np.moveaxis(q, -1, 0)
    return np.stack(
        [
            pw * qx + px * qw + py * qz - pz * qy,
            pw * qy - px * qz + py * qw + pz * qx,
            pw * qz + px * qy - py * qx + pz * qw,
            pw * qw - px * qx - py * qy - pz * qz,
        ],
        axis=-1,
    )


def _qconj(q):
    return q * np.array([-1.0, -1.0, -1.0, 1.0])


def _qexp(rv):
    """Quaternion of a rotation vector (n, 3)."""
    ang = np.linalg.norm(rv, axis=-1, keepdims=True)
    half = 0.5 * ang
    small = ang < 1e-8
    k = np.where(small, 0.5 - ang * ang / 48.0, np.sin(half) / np.where(small, 1.0, ang))
    return np.concatenate([rv * k, np.cos(half)], axis=-1)


def _qlog(q):
    """Rotation vector of quaternions (n, 4)."""
    q = np.where(q[..., 3:4] < 0, -q, q)
    v = q[..., :3]
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    ang = 2.0 * np.arctan2(n, q[..., 3:4])
    small = n < 1e-12
    k = np.where(small, 2.0 / np.maximum(q[..., 3:4], 1e-300), ang / np.where(small, 1.0, n))
    return v * k


def _cross(a, b):
    ax, ay, az = a[..., 0], a[..., 1], a[..., 2]
    bx, by, bz = b[..., 0], b[..., 1], b[..., 2]
    return np.stack([ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx], axis=-1)


def _qapply(q, v):
    """Rotate vectors v (n, 3) by quaternions q (n, 4)."""
    u, w = q[..., :3], q[..., 3:4]
    t = 2.0 * _cross(u, v)
    return v + w * t + _cross(u, t)


def _key(psi, theta, rho):
    return Rotation.from_euler("ZYX", [psi, -theta, rho], degrees=True)


def _pitch_roll(R: Rotation):
    m = R.as_matrix().reshape(-1, 3, 3)
    pitch = np.degrees(np.arcsin(np.clip(m[:, 2, 0], -1.0, 1.0)))
    roll = np.degrees(np.arcsin(np.clip(m[:, 2, 1], -1.0, 1.0)))
    return pitch, roll


def _axes_world(R: Rotation):
    """Pitch-, roll- and yaw-perturbation axes (world) for a posture.

    Positive rotation about the pitch axis raises the cranial axis (increases pitch) and about the
    roll axis raises the left axis.  Where that is undefined (upright, side-lying) the axis falls
    back to the horizontal part of the other body axis.
    """
    m = R.as_matrix()
    x, y = m[:, 0], m[:, 1]
    ap = np.cross(x, UP)
    if np.linalg.norm(ap) < 0.3:
        ap = y - y[2] * UP
    ar = np.cross(y, UP)
    if np.linalg.norm(ar) < 0.3:
        ar = x - x[2] * UP
    return ap / np.linalg.norm(ap), ar / np.linalg.norm(ar), UP.copy()


def _axes_body(R: Rotation):
    """Rows: pitch, roll, yaw perturbation axes expressed in the body frame."""
    return R.inv().apply(np.stack(_axes_world(R)))


def _rms(x):
    return float(np.sqrt(np.mean(np.square(x)))) if len(x) else float("nan")


_SOS_CACHE: dict[tuple, np.ndarray] = {}


def _sos(order, wn, btype, fs):
    k = (order, tuple(np.atleast_1d(wn)), btype, fs)
    if k not in _SOS_CACHE:
        _SOS_CACHE[k] = signal.butter(order, wn, btype=btype, fs=fs, output="sos")
    return _SOS_CACHE[k]


def _sway_noise(rng, n, f_hi, w_hi):
    """Unit-RMS band-limited sway: a 0.12-0.6 Hz band plus a weaker 0.6-f_hi Hz band."""
    pad = 600
    lo = signal.sosfiltfilt(
        _sos(2, [0.12, 0.6], "bandpass", SPLINE_FS), rng.standard_normal(n + 2 * pad)
    )
    hi = signal.sosfiltfilt(
        _sos(2, [0.6, f_hi], "bandpass", SPLINE_FS), rng.standard_normal(n + 2 * pad)
    )
    s = lo / lo.std() + w_hi * hi / hi.std()
    s = s[pad:-pad]
    return s / s.std()


def _slow_noise(rng, n):
    """Unit-RMS drift below ~0.04 Hz."""
    pad = 3000
    x = signal.sosfiltfilt(_sos(2, 0.04, "lowpass", SPLINE_FS), rng.standard_normal(n + 2 * pad))[
        pad:-pad
    ]
    return (x - x.mean()) / (x.std() + 1e-12)


def _jerk_shape(t, t0, rise, dwell, ret):
    return _mj((t - t0) / rise) - _mj((t - t0 - rise - dwell) / ret)


# ----------------------------------------------------------------------------- postures
@dataclass
class _Posture:
    name: str
    R: Rotation
    P: np.ndarray  # base sensor position, world (m)
    r: np.ndarray  # pivot -> sensor, body frame (m), for perturbation rotations
    family: str  # stand | prone | supine | bench
    extra: dict = field(default_factory=dict)


# ----------------------------------------------------------------------------- base phases
class _Static:
    def __init__(self, t0, t1, post: _Posture):
        self.t0, self.t1, self.post = t0, t1, post

    def eval(self, t):
        n = len(t)
        p = self.post
        return np.tile(p.R.as_quat(), (n, 1)), np.tile(p.P, (n, 1)), np.tile(p.r, (n, 1))


class _Transition:
    def __init__(self, t0, t1, start: _Posture, end: _Posture, rot_legs, pos_legs, bob=None):
        self.t0, self.t1 = t0, t1
        self.start, self.end = start, end
        self.rot_legs = rot_legs  # (t_start, duration, body rotvec)
        self.pos_legs = pos_legs  # (t_start, duration, world displacement)
        self.bob = bob  # (amplitude m, step Hz) vertical stepping during turns

    def eval(self, t):
        n = len(t)
        q = np.tile(self.start.R.as_quat(), (n, 1))
        for ts, d, v in self.rot_legs:
            q = _qmul(q, _qexp(_mj((t - ts) / d)[:, None] * v))
        P = np.tile(self.start.P, (n, 1))
        for ts, d, dp in self.pos_legs:
            P += _mj((t - ts) / d)[:, None] * dp
        if self.bob is not None:
            amp, f = self.bob
            u = np.clip((t - self.t0) / (self.t1 - self.t0), 0.0, 1.0)
            P[:, 2] += amp * np.sin(2 * np.pi * f * (t - self.t0)) * np.sin(np.pi * u) ** 4
        s = _mj((t - self.t0) / (self.t1 - self.t0))[:, None]
        r = self.start.r + s * (self.end.r - self.start.r)
        return q, P, r


class _Reps:
    def __init__(self, t0, t1, bottom: _Posture, r_rep, reps):
        self.t0, self.t1 = t0, t1
        self.bottom = bottom
        self.axis_b = _axes_body(bottom.R)[0]
        self.r_rep = np.asarray(r_rep, float)
        self.pivot = bottom.P - bottom.R.apply(self.r_rep)
        self.reps = reps  # list of dicts: start, up, top, down, amp_deg

    def angle_deg(self, t):
        th = np.zeros(len(t))
        for rp in self.reps:
            th += rp["amp_deg"] * _jerk_shape(t, rp["start"], rp["up"], rp["top"], rp["down"])
        return th

    def eval(self, t):
        n = len(t)
        q = _qmul(
            np.tile(self.bottom.R.as_quat(), (n, 1)),
            _qexp(np.radians(self.angle_deg(t))[:, None] * self.axis_b),
        )
        P = self.pivot + _qapply(q, np.tile(self.r_rep, (n, 1)))
        return q, P, np.tile(self.bottom.r, (n, 1))


class _Walk:
    def __init__(self, t0, t1, post: _Posture, heading_deg, v0, ramp, r_hip):
        self.t0, self.t1, self.post = t0, t1, post
        h = math.radians(heading_deg)
        self.u = np.array([math.cos(h), math.sin(h), 0.0])
        self.left = np.array([-math.sin(h), math.cos(h), 0.0])
        self.v0, self.ramp, self.r_hip = v0, ramp, np.asarray(r_hip, float)

    def speed_frac(self, t):
        return _mj((t - self.t0) / self.ramp) - _mj((t - (self.t1 - self.ramp)) / self.ramp)

    def distance(self, t):
        return (
            self.v0
            * self.ramp
            * (
                _mj_int((t - self.t0) / self.ramp)
                - _mj_int((t - (self.t1 - self.ramp)) / self.ramp)
            )
        )

    def eval(self, t):
        n = len(t)
        P = self.post.P + self.distance(t)[:, None] * self.u
        return np.tile(self.post.R.as_quat(), (n, 1)), P, np.tile(self.r_hip, (n, 1))


# ----------------------------------------------------------------------------- perturbations
PARTS = frozenset({"fast", "drift", "form"})


class _Source:
    """One segment's small motion as body rotation vectors plus extra world translation.

    Parts: ``fast`` (sway, jerks, breathing, tremor, gait, rep asymmetry; with their
    translations), ``drift`` (slow postural wander) and ``form`` (form breaks); drift + form make
    the slow baseline.
    """

    def __init__(self, lo, hi, fast=None, drift=None, terms=(), form=None):
        self.lo, self.hi = lo, hi
        self.fast, self.drift, self.form, self.terms = fast, drift, form, list(terms)

    def add(self, t, fast, slow, trans, parts=PARTS):
        i0, i1 = np.searchsorted(t, [self.lo, self.hi])
        if i1 <= i0:
            return
        tt = t[i0:i1]
        if "fast" in parts:
            if self.fast is not None:
                fast[i0:i1] += self.fast(tt)
            for term in self.terms:
                rv, tr = term(tt)
                fast[i0:i1] += rv
                trans[i0:i1] += tr
        if "drift" in parts and self.drift is not None:
            slow[i0:i1] += self.drift(tt)
        if "form" in parts and self.form is not None:
            slow[i0:i1] += self.form(tt)


def _spline(tg, vals):
    return CubicSpline(tg, vals, axis=0, bc_type="clamped")


# ----------------------------------------------------------------------------- continuous model
class _Model:
    """Continuous-time ground truth: orientation, position and ideal sensor signals."""

    def __init__(self, phases, sources, mount: Rotation, g_mps2: float):
        self.phases, self.sources, self.mount, self.g = phases, sources, mount, g_mps2

    def _state_q(self, t, perturb=True):
        """Quaternions of the body and slow orientations and the sensor position at sorted times."""
        t = np.asarray(t, dtype=float)
        n = len(t)
        q = np.empty((n, 4))
        P = np.empty((n, 3))
        r = np.empty((n, 3))
        for ph in self.phases:
            i0, i1 = np.searchsorted(t, [ph.t0, ph.t1])
            if i1 > i0:
                q[i0:i1], P[i0:i1], r[i0:i1] = ph.eval(t[i0:i1])
        q /= np.linalg.norm(q, axis=1, keepdims=True)
        fast = np.zeros((n, 3))
        slow = np.zeros((n, 3))
        trans = np.zeros((n, 3))
        parts = PARTS if perturb is True else frozenset(perturb or ())
        if parts:
            for s in self.sources:
                s.add(t, fast, slow, trans, parts)
        qp = _qexp(fast + slow)
        qR = _qmul(q, qp)
        p = P + _qapply(q, _qapply(qp, r) - r) + trans
        return qR, p, _qmul(q, _qexp(slow))

    def state(self, t, perturb=True):
        """Body orientation (Rotation), sensor position (world, m), slow orientation (Rotation).

        ``t`` is sorted true time.  ``perturb``: True (everything), False (postures, transitions,
        reps and walking progression only) or a subset of {"fast", "drift", "form"}.
        """
        qR, p, qs = self._state_q(t, perturb)
        return Rotation.from_quat(qR), p, Rotation.from_quat(qs)

    def orientation(self, t, perturb=True) -> Rotation:
        return self.state(t, perturb)[0]

    def sensor_signals(self, t, perturb=True):
        """Ideal (unfiltered, error-free) specific force (m/s²) and rate (rad/s), sensor frame.

        Returns (f_s, w_s, R_body, R_slow, p): the last three at t.
        """
        t = np.asarray(t, dtype=float)
        qm, pm, _ = self._state_q(t - H_S, perturb)
        q0, p0, qs = self._state_q(t, perturb)
        qp, pp, _ = self._state_q(t + H_S, perturb)
        w_b = _qlog(_qmul(_qconj(qm), qp)) / (2 * H_S)
        a_w = (pp - 2 * p0 + pm) / H_S**2
        f_w = a_w + self.g * UP
        q_ws = _qmul(q0, np.broadcast_to(self.mount.as_quat(), q0.shape))
        f_s = _qapply(_qconj(q_ws), f_w)
        w_s = self.mount.inv().apply(w_b)
        return f_s, w_s, Rotation.from_quat(q0), Rotation.from_quat(qs), p0


# ----------------------------------------------------------------------------- planner
class _Planner:
    def __init__(self, rng: np.random.Generator, scale: float):
        self.rng, self.scale = rng, float(scale)
        self.t = 0.0
        self.phases: list = []
        self.sources: list[_Source] = []
        self.segments: list[dict] = []
        self.psi = float(rng.uniform(-180, 180))
        self.xy = np.zeros(2)
        self.h_stand = rng.uniform(0.92, 1.08)
        self.theta_stand = rng.uniform(84, 96)
        self.r_ankle = np.array([0.85 * self.h_stand, 0.0, 0.10])
        self.cur = self._stand()

    # -- helpers
    def U(self, a, b):
        return float(self.rng.uniform(a, b))

    def N(self, s):
        return float(self.rng.normal(0.0, s))

    def _dur(self, a, b, minimum):
        return max(minimum, self.U(a, b) * self.scale)

    def _pos(self, fwd, z, lat=0.0):
        h = math.radians(self.psi)
        u = np.array([math.cos(h), math.sin(h)])
        left = np.array([-math.sin(h), math.cos(h)])
        xy = self.xy + fwd * u + lat * left
        return np.array([xy[0], xy[1], z])

    def _hip(self):
        return np.array([self.U(-0.03, 0.05), 0.0, self.U(0.10, 0.16)])

    # -- postures
    def _stand(self, psi=None):
        psi = self.psi if psi is None else psi
        return _Posture(
            "standing",
            _key(psi, self.theta_stand + self.N(1.0), self.N(1.5)),
            self._pos(0.0, self.h_stand),
            self.r_ankle,
            "stand",
        )

    def _kneel(self):
        return _Posture(
            "kneeling",
            _key(self.psi, self.U(82, 95), self.N(1.5)),
            self._pos(0.05, self.U(0.50, 0.60)),
            self._hip(),
            "prone",
        )

    def _all_fours(self):
        return _Posture(
            "all_fours",
            _key(self.psi, self.U(-4, 6), self.N(2)),
            self._pos(0.15, self.U(0.55, 0.65)),
            self._hip(),
            "prone",
        )

    def _prone(self):
        return _Posture(
            "prone",
            _key(self.psi, self.U(-3, 3), self.N(2)),
            self._pos(self.U(0.35, 0.55), self.U(0.18, 0.25)),
            self._hip(),
            "prone",
        )

    def _plank(self):
        return _Posture(
            "plank",
            _key(self.psi, self.U(5, 15), self.N(1.5)),
            self._pos(0.45, self.U(0.33, 0.45)),
            self._hip(),
            "prone",
        )

    def _side_plank(self, side):
        sgn = -1.0 if side == "left" else 1.0
        return _Posture(
            f"side_plank_{side}",
            _key(self.psi + self.N(8), self.U(3, 10), sgn * self.U(78, 98)),
            self._pos(0.4, self.U(0.30, 0.42), lat=-sgn * 0.1),
            self._hip(),
            "prone",
        )

    def _child(self):
        return _Posture(
            "child_pose",
            _key(self.psi, self.U(-50, -30), self.N(2)),
            self._pos(self.U(-0.15, 0.05), self.U(0.33, 0.45)),
            self._hip(),
            "prone",
        )

    def _side_lying(self):
        sgn = 1.0 if self.rng.random() < 0.5 else -1.0
        return _Posture(
            "side_lying",
            _key(self.psi, self.N(3), sgn * (90 + self.N(3))),
            self._pos(0.45, self.U(0.15, 0.2)),
            self._hip(),
            "prone",
        )

    def _sit(self):
        return _Posture(
            "sitting",
            _key(self.psi, self.U(95, 110), self.N(2)),
            self._pos(-0.15, self.U(0.10, 0.14)),
            self._hip(),
            "supine",
        )

    def _squat(self):
        return _Posture(
            "squat",
            _key(self.psi, self.U(35, 60), self.N(2)),
            self._pos(-0.05, self.U(0.40, 0.55)),
            self._hip(),
            "supine",
        )

    def _supine(self, head_back):
        if head_back:  # lay back from sitting: head away from the heading
            R = _key(self.psi, 180 + self.N(1.5), self.N(2))
            P = self._pos(-self.U(0.15, 0.35), self.U(0.015, 0.03))
        else:  # rolled over from prone: head along the heading
            R = _key(self.psi, self.N(1.5), 180 + self.N(2))
            P = self._pos(self.U(0.35, 0.55), self.U(0.015, 0.03))
        return _Posture("supine", R, P, self._hip(), "supine")

    def _head_back(self):
        """Whether a supine posture reached from here has the head away from the heading."""
        if self.cur.family == "prone":
            return False  # rolled over
        if self.cur.family == "supine":
            h = math.radians(self.psi)
            return float(self.cur.R.apply([1.0, 0.0, 0.0]) @ [math.cos(h), math.sin(h), 0.0]) < 0
        return True  # sat down and lay back

    def _rotated(self, post: _Posture, angle_deg, r_rep, name):
        """`post` rotated about its pitch axis by angle_deg around the pivot at P - R r_rep."""
        ap = _axes_world(post.R)[0]
        R = Rotation.from_rotvec(math.radians(angle_deg) * ap) * post.R
        P = post.P + R.apply(r_rep) - post.R.apply(r_rep)
        return _Posture(name, R, P, post.r, post.family, dict(post.extra))

    def _bench(self, theta_top, theta_bottom):
        q = self._pos(0.3, 0.0)
        q[2] = self.U(0.85, 0.95)
        r_rep = np.array([self.U(0.04, 0.10), 0.0, self.U(0.14, 0.22)])
        rho = self.N(1.5)
        Rt, Rb = _key(self.psi, theta_top, rho), _key(self.psi, theta_bottom, rho)
        hip = self._hip()
        top = _Posture("bench_top", Rt, q + Rt.apply(r_rep), hip, "bench", {"r_rep": r_rep})
        bottom = _Posture(
            "bench_bottom", Rb, q + Rb.apply(r_rep), hip, "bench", {"r_rep": r_rep, "top": top}
        )
        return top, bottom

    # -- timeline primitives
    def _static(self, D):
        self.phases.append(_Static(self.t, self.t + D, self.cur))
        self.t += D

    def _transition(self, waypoints, bob=None):
        n = len(waypoints)
        if n == 1:
            durs = [self.U(1.5, 4.0)]
        else:
            durs = [self.U(1.2, 2.0) for _ in range(n)]
        t0 = self.t
        rot_legs, pos_legs = [], []
        ts = t0
        prev = self.cur
        ends = []
        for i, (wp, d) in enumerate(zip(waypoints, durs, strict=True)):
            if i > 0:
                ts += durs[i - 1] * (1.0 - self.U(0.1, 0.4))
            v = (prev.R.inv() * wp.R).as_rotvec()
            d = max(d, 0.8 * float(np.linalg.norm(v)))  # peak rate 1.875 angle / d <= ~2.3 rad/s
            durs[i] = d
            rot_legs.append((ts, d, v))
            ends.append(ts + d)
            prev = wp
        t1 = max(max(ends), t0 + 1.5)
        prev = self.cur
        for (ts, d, _), wp in zip(rot_legs, waypoints, strict=True):
            dp_d = min(d * self.U(0.8, 1.1), t1 - t0)
            tsp = float(np.clip(ts + self.N(0.12) * d, t0, t1 - dp_d))
            pos_legs.append((tsp, dp_d, wp.P - prev.P))
            prev = wp
        self.phases.append(_Transition(t0, t1, self.cur, waypoints[-1], rot_legs, pos_legs, bob))
        self.t = t1
        self.cur = waypoints[-1]

    def _turn(self):
        dpsi = float(self.rng.choice([-1.0, 1.0])) * self.U(60, 170)
        self.psi = (self.psi + dpsi + 180.0) % 360.0 - 180.0
        self._transition([self._stand()], bob=(self.U(0.005, 0.015), self.U(1.5, 2.2)))

    def _gap(self, a=1.2, b=2.5):
        self._static(self.U(a, b))

    # -- sources
    def _segment_source(self, a, b, post: _Posture, prof: dict):
        """Sway, drift, jerks, form break, breathing and tremor of one hold/rest."""
        rng = self.rng
        A = _axes_body(post.R)
        lo, hi = a - TAU_S - 0.3, b + TAU_S + 0.3
        tg = np.arange(lo, hi + 0.5 / SPLINE_FS, 1.0 / SPLINE_FS)
        n = len(tg)
        W = _window(tg, a, b)
        inside = (tg >= a) & (tg <= b)
        fat = 1.0 + prof["fatigue"] * _mj((tg - a) / (b - a))
        fast = np.zeros((n, 3))
        for k, sig in enumerate(prof["sway"]):
            x = _sway_noise(rng, n, prof["f_hi"], prof["w_hi"]) * fat
            fast[:, k] = sig * x / _rms(x[inside])
        # occasional corrective jerks / fidgets (deg)
        n_j = rng.poisson((b - a) * prof["jerk_rate"])
        for _ in range(n_j):
            tj = self.U(a + 0.5, max(a + 0.6, b - 1.5))
            amp = self.U(*prof["jerk_amp"])
            d = rng.normal(size=3) * np.array([1.0, 1.0, 0.4])
            d /= np.linalg.norm(d)
            rise = self.U(*prof["jerk_rise"])
            fast += (
                amp * d * _jerk_shape(tg, tj, rise, self.U(0.0, 0.3), self.U(3, 6) * rise)[:, None]
            )
        slow = np.zeros((n, 3))
        for k in range(2):
            slow[:, k] = prof["drift"] * _slow_noise(rng, n)
        form = np.zeros((n, 3))
        breaks = []
        fb = prof.get("form_break")
        if fb is not None and b - a >= 12.0:
            direction, axis, sign = fb
            onset = a + self.U(0.35, 0.75) * (b - a)
            ramp = min(self.U(2.0, 8.0), 0.5 * (b - onset))
            mag = self.U(4.0, 10.0)
            corrected = rng.random() < 0.35 and b - (onset + ramp) > 6.0
            k = 0 if axis == "pitch" else 1
            shape = _mj((tg - onset) / ramp)
            end = b
            if corrected:
                tc = self.U(onset + ramp + 2.0, b - 3.0)
                dc = self.U(1.0, 2.0)
                shape = shape - _mj((tg - tc) / dc)
                end = tc + dc
            form[:, k] += sign * mag * shape
            full = Rotation.from_rotvec(math.radians(sign * mag) * _axes_world(post.R)[k]) * post.R
            p0, r0 = _pitch_roll(post.R)
            p1, r1 = _pitch_roll(full)
            dev = (p1 - p0)[0] if axis == "pitch" else (r1 - r0)[0]
            breaks.append(
                {
                    "start_s": onset,
                    "full_s": onset + ramp,
                    "end_s": end,
                    "direction": direction,
                    "axis": axis,
                    "deviation_deg": float(dev),
                    "corrected": bool(corrected),
                }
            )
        fast_rv = np.radians(fast * W[:, None]) @ A
        slow_rv = np.radians(slow * W[:, None]) @ A
        sf, ss = _spline(tg, fast_rv), _spline(tg, slow_rv)
        sfb = _spline(tg, np.radians(form * W[:, None]) @ A) if breaks else None
        terms: list[Callable] = []
        # breathing: pitch oscillation with inhale/exhale asymmetry, rate drifting over the segment
        f0 = prof["bpm"] / 60.0
        kappa = self.U(-0.1, 0.15)
        ph0, c2 = self.U(0, 2 * np.pi), self.U(0, 2 * np.pi)
        b_amp = math.radians(prof["breath_amp"])
        b_tr = prof["breath_trans"]
        ez_w = post.R.apply([0.0, 0.0, 1.0])
        ax_p = A[0] + 0.2 * A[1]
        span = b - a

        def breathing(tt):
            x = tt - a
            ph = 2 * np.pi * f0 * (x + 0.5 * kappa * x * x / span) + ph0
            wave = (np.sin(ph) + 0.25 * np.sin(2 * ph + c2)) / 1.1 * _window(tt, a, b)
            return (b_amp * wave)[:, None] * ax_p, (b_tr * wave)[:, None] * ez_w

        terms.append(breathing)
        mean_bpm = prof["bpm"] * (1.0 + 0.5 * kappa)
        if prof["tremor_amp"] > 0:
            ftr = self.U(6.0, 12.0)
            K = 5
            fr = ftr + rng.uniform(-0.8, 0.8, K)
            phs = rng.uniform(0, 2 * np.pi, K)
            dirs = rng.normal(size=(K, 3)) * np.array([1.0, 1.0, 0.3])
            dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
            dirs = dirs @ A
            amp = math.radians(prof["tremor_amp"]) / math.sqrt(K)
            growth = prof["tremor_growth"]

            def tremor(tt):
                env = amp * _window(tt, a, b) * (1.0 + growth * _mj((tt - a) / (b - a)))
                s = np.sin(2 * np.pi * fr[None, :] * tt[:, None] + phs[None, :])
                return (s * env[:, None]) @ dirs, 0.0

            terms.append(tremor)
        self.sources.append(_Source(lo, hi, sf, ss, terms, form=sfb))
        return {"breathing_bpm": float(mean_bpm), "form_breaks": breaks}

    # -- labelled segments
    def _hold_like(self, kind, exercise, label, D, prof, **extra):
        a = self.t
        self._static(D)
        info = self._segment_source(a, self.t, self.cur, prof)
        p, r = _pitch_roll(self.cur.R)
        seg = {
            "kind": kind,
            "exercise": exercise,
            "posture": label,
            "start_s": a,
            "end_s": self.t,
            "reps": None,
            "rep_times_s": [],
            "rep_rom_deg": [],
            "rom_deg": None,
            "top_hold_s": None,
            "nominal_pitch_deg": float(p[0]),
            "nominal_roll_deg": float(r[0]),
            **info,
            **extra,
        }
        self.segments.append(seg)
        return seg

    def _hold_profile(self, exercise, variant):
        U = self.U
        sway = {
            "plank": ((0.3, 2.0), (0.3, 1.5)),
            "side_plank_left": ((0.4, 2.5), (0.4, 2.5)),
            "side_plank_right": ((0.4, 2.5), (0.4, 2.5)),
            "bridge": ((0.3, 1.5), (0.3, 1.2)),
            "hyperextension": ((0.4, 2.0), (0.3, 1.5))
            if variant == "bench"
            else ((0.2, 1.2), (0.2, 1.0)),
        }
        sp, sr = sway[exercise]
        prof = {
            "sway": (U(*sp), U(*sr), U(0.2, 0.8)),
            "f_hi": U(1.2, 2.5),
            "w_hi": U(0.1, 0.35),
            "fatigue": U(0.3, 2.0),
            "jerk_rate": 1.0 / U(12, 40),
            "jerk_amp": (0.5, 2.0),
            "jerk_rise": (0.15, 0.35),
            "drift": U(0.1, 0.8),
            "bpm": U(6, 20),
            "breath_amp": U(0.1, 0.5),
            "breath_trans": U(0.0003, 0.0015),
            "tremor_amp": U(0.002, 0.01),
            "tremor_growth": U(0.5, 2.0),
        }
        x = self.rng.random()
        if exercise == "plank" and x < 0.45:
            y = self.rng.random()
            if y < 0.6:
                prof["form_break"] = ("sag", "pitch", -1.0)
            elif y < 0.85:
                prof["form_break"] = ("pike", "pitch", 1.0)
            else:
                prof["form_break"] = ("lateral", "roll", float(self.rng.choice([-1.0, 1.0])))
        elif exercise.startswith("side_plank") and x < 0.35:
            prof["form_break"] = (
                ("sag", "pitch", -1.0) if self.rng.random() < 0.75 else ("pike", "pitch", 1.0)
            )
        elif exercise == "bridge" and x < 0.35:
            prof["form_break"] = (
                ("sag", "pitch", 1.0)
                if self.rng.random() < 0.7
                else ("lateral", "roll", float(self.rng.choice([-1.0, 1.0])))
            )
        return prof

    def _rest_profile(self, posture):
        U = self.U
        base = {
            "fatigue": 0.0,
            "f_hi": 1.0,
            "w_hi": U(0.05, 0.2),
            "tremor_amp": 0.0,
            "tremor_growth": 0.0,
            "jerk_rate": 1.0 / U(12, 40),
            "jerk_amp": (0.5, 2.5),
            "jerk_rise": (0.25, 0.5),
        }
        if posture in ("standing", "walking"):
            base.update(
                sway=(U(0.1, 0.5), U(0.1, 0.4), U(0.2, 1.0)),
                drift=U(0.2, 1.0),
                bpm=U(8, 20),
                jerk_amp=(0.3, 1.0),
                jerk_rise=(0.35, 0.7),
                breath_amp=U(0.05, 0.2),
                breath_trans=U(0.0002, 0.001),
            )
        elif posture == "child_pose":
            base.update(
                sway=(U(0.1, 0.3), U(0.1, 0.3), U(0.1, 0.3)),
                drift=U(0.1, 0.4),
                bpm=U(6, 16),
                breath_amp=U(0.2, 0.6),
                breath_trans=U(0.0005, 0.002),
            )
        else:
            base.update(
                sway=(U(0.05, 0.2), U(0.05, 0.2), U(0.05, 0.2)),
                drift=U(0.1, 0.4),
                bpm=U(8, 20),
                breath_amp=U(0.1, 0.5),
                breath_trans=U(0.0005, 0.002),
            )
        return base

    def _rest(self, posture, D, **extra):
        return self._hold_like("rest", None, posture, D, self._rest_profile(posture), **extra)

    def _walk(self, D):
        rng = self.rng
        start = self.cur
        ramp = self.U(0.8, 1.5)
        D = max(D, 2 * ramp + 1.0)
        v0 = self.U(0.9, 1.4)
        r_hip = np.array([0.05, 0.0, 0.12])
        a = self.t
        w = _Walk(a, a + D, start, self.psi, v0, ramp, r_hip)
        self.phases.append(w)
        f_st = self.U(1.6, 2.1)
        A = _axes_body(start.R)
        amps = np.radians([self.U(1.0, 3.0), self.U(2.0, 5.0), self.U(3.0, 7.0)])
        cs = rng.uniform(0, 2 * np.pi, 6)
        av, aap, aml = self.U(0.015, 0.03), self.U(0.008, 0.02), self.U(0.015, 0.03)
        steps = a + (np.arange(int(D * f_st) + 2) + self.U(0, 1)) / f_st
        steps = steps[w.speed_frac(steps) > 0.15]
        hs_amp = rng.uniform(0.0002, 0.0006) * w.speed_frac(steps) if len(steps) else np.zeros(0)
        hs_f, hs_w = self.U(10, 15), self.U(0.02, 0.035)

        def gait(tt):
            env = w.speed_frac(tt)
            ph = 2 * np.pi * f_st * (tt - a)
            ang = (
                np.stack(
                    [
                        amps[0] * np.sin(ph + cs[0]),
                        amps[1] * np.sin(0.5 * ph + cs[1]),
                        amps[2] * np.sin(0.5 * ph + cs[2]),
                    ],
                    axis=1,
                )
                * env[:, None]
            )
            tr = (
                (-av * np.cos(ph) * env)[:, None] * UP
                + (aap * np.sin(ph + cs[3]) * env)[:, None] * w.u
                + (aml * np.sin(0.5 * ph + cs[4]) * env)[:, None] * w.left
            )
            for tk, ak in zip(steps, hs_amp, strict=True):
                i0, i1 = np.searchsorted(tt, [tk - 4 * hs_w, tk + 4 * hs_w])
                if i1 > i0:
                    x = tt[i0:i1] - tk
                    tr[i0:i1] += (ak * np.exp(-((x / hs_w) ** 2)) * np.sin(2 * np.pi * hs_f * x))[
                        :, None
                    ] * (UP + 0.5 * w.u)
            return ang @ A, tr

        self.sources.append(_Source(a, a + D, terms=[gait]))
        self.t = a + D
        dist = v0 * (D - ramp)
        self.xy = self.xy + dist * w.u[:2]
        end = _Posture("standing", start.R, start.P + dist * w.u, start.r, "stand")
        self.cur = end
        self.segments.append(
            {
                "kind": "rest",
                "exercise": None,
                "posture": "walking",
                "start_s": a,
                "end_s": a + D,
                "reps": None,
                "rep_times_s": [],
                "rep_rom_deg": [],
                "rom_deg": None,
                "top_hold_s": None,
                "sway_deg_rms": None,
                "breathing_bpm": None,
                "form_breaks": [],
                "cadence_spm": 60.0 * f_st,
                "speed_mps": v0,
            }
        )

    def _reps(self, exercise, variant, bottom: _Posture, r_rep, sign, rom_range, top_p, top_range):
        rng = self.rng
        n = max(3, int(round(self.U(8, 20) * self.scale)))
        T_mean = self.U(1.5, 4.0)
        up_frac = self.U(0.4, 0.6)
        has_top = rng.random() < top_p
        th_mean = self.U(*top_range) if has_top else 0.0
        rom0 = self.U(*rom_range)
        fatigue = self.U(0.0, 0.12)
        t_pre = self.U(0.6, 1.5)
        a_phase = self.t
        s = a_phase + t_pre
        reps = []
        for k in range(n):
            T = float(np.clip(T_mean * (1 + self.N(0.1)), 1.5, 4.0))
            up = T * float(np.clip(up_frac + self.N(0.04), 0.3, 0.7))
            top = max(0.5, th_mean * (1 + self.N(0.15))) if has_top else self.U(0.0, 0.25)
            amp = rom0 * (1 - fatigue * k / max(n - 1, 1)) * (1 + self.N(0.04))
            reps.append({"start": s, "up": up, "top": top, "down": T - up, "amp_deg": sign * amp})
            s += T + top
            if k < n - 1:
                s += self.U(0.2, 1.0)
        a, b = reps[0]["start"], s
        t_end = b + self.U(0.6, 1.5)
        ph = _Reps(a_phase, t_end, bottom, r_rep, reps)
        self.phases.append(ph)
        # small sway plus rep-locked asymmetry (roll / yaw) over the set
        A = _axes_body(bottom.R)
        lo, hi = a - TAU_S - 0.3, b + TAU_S + 0.3
        tg = np.arange(lo, hi + 0.5 / SPLINE_FS, 1.0 / SPLINE_FS)
        vals = np.zeros((len(tg), 3))
        inside = (tg >= a) & (tg <= b)
        for k, sig in enumerate((self.U(0.1, 0.4), self.U(0.1, 0.4), self.U(0.1, 0.4))):
            x = _sway_noise(rng, len(tg), 2.5, 0.5)
            vals[:, k] = sig * x / _rms(x[inside])
        for rp in reps:
            sh = _jerk_shape(tg, rp["start"], rp["up"], rp["top"], rp["down"])
            vals[:, 1] += self.N(1.2) * sh
            vals[:, 2] += self.N(0.8) * sh
        rv = np.radians(vals * _window(tg, a, b)[:, None]) @ A
        self.sources.append(_Source(lo, hi, fast=_spline(tg, rv)))
        self.t = t_end
        self.cur = bottom
        p0, _ = _pitch_roll(bottom.R)
        amps = [abs(rp["amp_deg"]) for rp in reps]
        self.segments.append(
            {
                "kind": "reps",
                "exercise": exercise,
                "posture": variant,
                "start_s": a,
                "end_s": b,
                "reps": n,
                "rep_times_s": [rp["start"] + rp["up"] + 0.5 * rp["top"] for rp in reps],
                "rep_rom_deg": amps,
                "rom_deg": float(np.mean(amps)),
                "top_hold_s": float(np.mean([rp["top"] for rp in reps])),
                "rep_top_hold_s": [rp["top"] for rp in reps],
                "bottom_pitch_deg": float(p0[0]),
                "top_pitch_deg": float(p0[0] + sign * np.mean(amps)),
                "sway_deg_rms": None,
                "breathing_bpm": None,
                "form_breaks": [],
            }
        )

    # -- routing
    def _route(self, targets):
        """Waypoints from the current posture through to targets[-1]."""
        first = targets[0]
        cf, tf, cn, tn = self.cur.family, first.family, self.cur.name, first.name
        if cf == "stand":
            if tf == "prone":
                via = [self._kneel()] + ([] if tn == "child_pose" else [self._all_fours()])
            elif tf == "supine":
                via = [self._sit()]
            elif tf == "bench":
                via = [first.extra["top"]] if "top" in first.extra else []
            else:
                via = []
        elif tf == "stand":
            if cf == "prone":
                via = ([] if cn == "child_pose" else [self._all_fours()]) + [self._kneel()]
            elif cf == "supine":
                via = [self._sit(), self._squat()]
            else:  # bench
                via = [self.cur.extra["top"]] if "top" in self.cur.extra else []
        elif cf == tf == "prone":
            via = [self._all_fours()] if (cn == "child_pose") != (tn == "child_pose") else []
        elif cf == "prone" and tf == "supine":
            via = [self._side_lying()]
        elif cf == tf:
            via = []
        else:
            raise AssertionError(f"no route {cf} -> {tf}")
        return via + list(targets)

    def _go(self, *targets):
        self._transition(self._route(list(targets)))

    def _to_standing(self):
        if self.cur.family == "stand":
            return
        if self.cur.family == "supine" and not self._head_back():
            self.psi = (self.psi + 360.0) % 360.0 - 180.0  # sits up facing the feet
        self.xy = self.xy + self.rng.normal(0, 0.1, 2)
        self._go(self._stand())

    # -- exercise blocks
    def _block(self, exercise, kind, variant):
        U = self.U
        if kind == "hold":
            D = self._dur(20, 60, 6.0)
            if exercise == "plank":
                self._go(self._plank())
            elif exercise.startswith("side_plank"):
                self._go(self._side_plank(exercise.rsplit("_", 1)[1]))
            elif exercise == "bridge":
                sup = self._supine(head_back=self._head_back())
                r_rep = np.array([-U(0.38, 0.50), 0.0, U(0.0, 0.05)])
                self._go(sup, self._rotated(sup, -U(20, 35), r_rep, "bridge_top"))
            elif variant == "floor":
                pr = self._prone()
                r_rep = np.array([U(0.0, 0.05), 0.0, U(0.15, 0.22)])
                self._go(pr, self._rotated(pr, U(8, 15), r_rep, "superman_top"))
            else:
                top, _ = self._bench(U(-3, 6), 0.0)
                self._go(top)
            self._hold_like("hold", exercise, variant, D, self._hold_profile(exercise, variant))
            return
        if exercise == "bridge":
            sup = self._supine(head_back=self._head_back())
            r_rep = np.array([-U(0.38, 0.50), 0.0, U(0.0, 0.05)])
            self._go(sup)
            self._reps("bridge", variant, sup, r_rep, -1.0, (20, 35), 0.4, (2, 8))
        elif variant == "floor":
            pr = self._prone()
            r_rep = np.array([U(0.0, 0.05), 0.0, U(0.15, 0.22)])
            self._go(pr)
            self._reps("hyperextension", "floor", pr, r_rep, 1.0, (8, 15), 0.5, (2, 5))
        else:
            th_top, th_bot = U(0, 10), U(-65, -40)
            top, bottom = self._bench(th_top, th_bot)
            self._go(bottom)
            self._reps(
                "hyperextension",
                "bench",
                bottom,
                bottom.extra["r_rep"],
                1.0,
                (th_top - th_bot, th_top - th_bot),
                0.3,
                (2, 4),
            )

    def build(self):
        rng, U = self.rng, self.U
        self._rest("standing", U(4, 8), calibration=True)
        if rng.random() < 0.6:
            self._gap()
            self._walk(self._dur(8, 30, 5.0))
            self._gap()
        catalogue = [
            ("plank", "hold", "floor"),
            ("side_plank_left", "hold", "floor"),
            ("side_plank_right", "hold", "floor"),
            ("bridge", "reps", "floor"),
            ("bridge", "hold", "floor"),
            ("hyperextension", "reps", "bench"),
            ("hyperextension", "reps", "floor"),
            ("hyperextension", "hold", "floor"),
            ("hyperextension", "hold", "bench"),
        ]
        w = np.array([3, 1.5, 1.5, 2.5, 1.5, 1.5, 1.5, 1.0, 0.5])
        n_blocks = int(rng.integers(4, 9))
        blocks: list[tuple] = []
        while len(blocks) < n_blocks:
            blk = catalogue[rng.choice(len(catalogue), p=w / w.sum())]
            blocks.append(blk)
            if blk[0].startswith("side_plank") and rng.random() < 0.6:
                other = "side_plank_right" if blk[0].endswith("left") else "side_plank_left"
                blocks.append((other, "hold", "floor"))
        fam_of = {"bench": "bench"}
        for i, blk in enumerate(blocks):
            fam = fam_of.get(blk[2], "supine" if blk[0] == "bridge" else "prone")
            cf = self.cur.family
            roll_over = cf == "prone" and fam == "supine" and rng.random() < 0.5
            if (
                i == 0
                or cf == "bench"
                or fam == "bench"
                or (fam != cf and not roll_over)
                or rng.random() < 0.15
            ):
                if cf != "stand":
                    self._to_standing()
                    self._rest("standing", self._dur(5, 30, 4.0))
                if rng.random() < 0.7:
                    self._turn()
                if rng.random() < 0.25:
                    self._gap()
                    self._walk(self._dur(4, 12, 4.0))
                self._gap(0.8, 2.0)
            else:
                D = self._dur(10, 60, 4.0)
                if fam == "supine" and cf == "supine":
                    self._go(self._supine(head_back=self._head_back()))
                    self._rest("supine", D)
                elif cf == "prone":
                    x = rng.random()
                    post = self._child() if x < 0.35 else self._prone()
                    self._go(post)
                    self._rest(post.name, D)
            self._block(*blk)
        self._to_standing()
        self._rest("standing", self._dur(5, 20, 4.0))
        if rng.random() < 0.3:
            self._gap()
            self._walk(self._dur(4, 15, 4.0))
        self._gap(1.0, 2.0)
        self.phases[0].t0 = -np.inf
        self.phases[-1].t1 = np.inf
        return self


# ----------------------------------------------------------------------------- session
def _jsonable(x):
    if isinstance(x, dict):
        return {k: _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, (np.floating,)):
        return float(x)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


@dataclass
class OracleSession:
    """A simulated session and its ground truth.

    Attributes
    ----------
    samples : DataFrame ``time,ax,ay,az,gx,gy,gz`` (sensor clock s, m/s² specific force, rad/s).
    truth : DataFrame ``time,pitch_deg,roll_deg`` of the *body* frame at each row's true time.
    segments : list of dict (see module docstring); times relative to the first sample.
    mount : Rotation, sensor -> body (``v_body = mount.apply(v_sensor)``).
    fs_hz : nominal output data rate on the sensor clock.
    true_time_s : true time of each row (first sample at 0).
    body_quat : body -> world quaternions (x, y, z, w) at ``true_time_s``.
    clean : the sensor signals after its low-pass, before any error (same rows).
    params : every randomised setting.
    model : continuous-time model (``state``, ``orientation``, ``sensor_signals``) in true time.
    """

    samples: pd.DataFrame
    truth: pd.DataFrame
    segments: list[dict]
    mount: Rotation
    fs_hz: float
    seed: int
    true_time_s: np.ndarray
    body_quat: np.ndarray
    clean: pd.DataFrame
    params: dict
    model: Any = field(repr=False)

    def write_csv(self, path) -> Path:
        path = Path(path)
        self.samples.to_csv(path, index=False, float_format="%.6f", columns=COLUMNS)
        return path

    def write_truth(self, path) -> tuple[Path, Path]:
        """Write ``<stem>.json`` (segments, mount, parameters) and ``<stem>.csv`` (angles)."""
        path = Path(path)
        stem = path.with_suffix("") if path.suffix in (".json", ".csv") else path
        jpath, cpath = stem.with_name(stem.name + ".json"), stem.with_name(stem.name + ".csv")
        doc = {
            "seed": self.seed,
            "fs_hz": self.fs_hz,
            "segments": self.segments,
            "mount_quat_xyzw": self.mount.as_quat(),
            "mount_matrix": self.mount.as_matrix(),
            "mount_convention": "v_body = mount @ v_sensor",
            "params": self.params,
            "conventions": "pitch/roll: elevation of body x (cranial) / y (left) above horizontal; "
            "times on the sensor clock relative to the first sample",
        }
        jpath.write_text(json.dumps(_jsonable(doc), indent=1))
        self.truth.to_csv(cpath, index=False, float_format="%.6f")
        return jpath, cpath


def _mount(rng):
    k = int(rng.integers(0, 4))
    yaw = 90.0 * k + rng.uniform(-12, 12)
    tilt = rng.uniform(-8, 8)
    az = rng.uniform(0, 2 * np.pi)
    axis = np.array([math.cos(az), math.sin(az), 0.0])
    R = Rotation.from_rotvec(math.radians(tilt) * axis) * Rotation.from_euler(
        "z", yaw, degrees=True
    )
    return R, {"k": k, "yaw_deg": yaw, "tilt_deg": tilt, "tilt_axis_body": axis}


def _quantise(x, lsb):
    return np.clip(np.round(x / lsb), -32768, 32767) * lsb


def generate(seed: int, duration_scale: float = 1.0) -> OracleSession:
    """Simulate one session. Deterministic for a given (seed, duration_scale)."""
    t_start = _time.perf_counter()
    rng = np.random.default_rng(seed)
    plan = _Planner(rng, duration_scale).build()
    mount, mount_info = _mount(rng)
    g = float(rng.uniform(9.780, 9.832))
    model = _Model(plan.phases, plan.sources, mount, g)

    fs = float(rng.choice(RATES_HZ))
    ppm = float(rng.uniform(-300, 300))
    eps = ppm * 1e-6
    M = max(2, math.ceil(250.0 / fs))
    t_end = plan.t
    K = int(math.floor(t_end * fs * (1 + eps)))
    fs_int = M * fs * (1 + eps)  # internal rate in true-time Hz
    J = (K - 1) * M + 1
    t_int = np.arange(J) / fs_int

    f_s, w_s, R0, Rs, _ = model.sensor_signals(t_int)
    pitch_i, roll_i = _pitch_roll(R0)
    pitch_slow, roll_slow = _pitch_roll(Rs)

    # sensor low-pass (digital, at the internal rate) then decimation
    fc_a, fc_g = rng.uniform(0.2, 0.45) * fs, rng.uniform(0.2, 0.45) * fs
    ba, aa = signal.butter(2, fc_a, fs=M * fs)
    bg, ag = signal.butter(2, fc_g, fs=M * fs)
    zia, zig = signal.lfilter_zi(ba, aa), signal.lfilter_zi(bg, ag)
    acc_f = signal.lfilter(ba, aa, f_s, axis=0, zi=zia[:, None] * f_s[0][None, :])[0][::M]
    gyr_f = signal.lfilter(bg, ag, w_s, axis=0, zi=zig[:, None] * w_s[0][None, :])[0][::M]
    t_true = t_int[::M]
    R_rows = R0[::M]

    # sensor errors
    n = K
    Ta = (
        np.eye(3)
        + np.diag(rng.uniform(-0.015, 0.015, 3))
        + (1 - np.eye(3)) * rng.uniform(-0.005, 0.005, (3, 3))
    )
    Tg = (
        np.eye(3)
        + np.diag(rng.uniform(-0.02, 0.02, 3))
        + (1 - np.eye(3)) * rng.uniform(-0.005, 0.005, (3, 3))
    )
    ba_bias = rng.uniform(-0.05, 0.05, 3)
    sa, sg = rng.uniform(0.01, 0.05), rng.uniform(0.002, 0.01)
    bg0 = rng.uniform(-0.04, 0.04, 3)
    warm, tau_w = rng.uniform(-0.01, 0.01, 3), rng.uniform(60, 300)
    rw = rng.uniform(2e-5, 1.5e-4)
    dt = 1.0 / fs
    bias_g = (
        bg0
        + warm * (1 - np.exp(-t_true / tau_w))[:, None]
        + np.cumsum(rng.normal(0, rw * math.sqrt(dt), (n, 3)), axis=0)
    )
    acc = acc_f @ Ta.T + ba_bias + rng.normal(0, sa, (n, 3))
    gyr = gyr_f @ Tg.T + bias_g + rng.normal(0, sg, (n, 3))
    lsb_a = 32.0 * G_DEVICE / 65536.0
    lsb_g = math.radians(4000.0 / 65536.0)
    acc, gyr = _quantise(acc, lsb_a), _quantise(gyr, lsb_g)

    # dropped rows (bursts of lost packets); the first and last rows are kept
    keep = np.ones(n, bool)
    drop_target = rng.uniform(0.0, 0.02)
    n_drop = 0
    while n_drop < drop_target * n and n > 30:
        s0, L = int(rng.integers(1, n - 11)), int(rng.integers(1, 11))
        if keep[s0 - 1 : s0 + L + 1].all():  # bursts stay separate
            keep[s0 : s0 + L] = False
            n_drop += L

    t0_clock = 0.0 if rng.random() < 0.4 else float(np.round(rng.uniform(1.0, 3000.0), 3))
    clock = t0_clock + np.arange(n) / fs
    idx = np.flatnonzero(keep)
    samples = pd.DataFrame(
        {
            "time": clock[idx],
            "ax": acc[idx, 0],
            "ay": acc[idx, 1],
            "az": acc[idx, 2],
            "gx": gyr[idx, 0],
            "gy": gyr[idx, 1],
            "gz": gyr[idx, 2],
        }
    )
    p_rows, r_rows = _pitch_roll(R_rows)
    truth = pd.DataFrame({"time": clock[idx], "pitch_deg": p_rows[idx], "roll_deg": r_rows[idx]})
    clean = pd.DataFrame(
        {
            "time": clock[idx],
            "ax": acc_f[idx, 0],
            "ay": acc_f[idx, 1],
            "az": acc_f[idx, 2],
            "gx": gyr_f[idx, 0],
            "gy": gyr_f[idx, 1],
            "gz": gyr_f[idx, 2],
        }
    )

    # segment truth: sway about the slow orientation, then true -> sensor-clock times
    k_clock = 1.0 + eps
    segments = []
    for seg in plan.segments:
        seg = dict(seg)
        if seg["kind"] in ("hold", "rest") and seg["posture"] != "walking":
            i0, i1 = np.searchsorted(t_int, [seg["start_s"], seg["end_s"]])
            dp = pitch_i[i0:i1] - pitch_slow[i0:i1]
            dr = roll_i[i0:i1] - roll_slow[i0:i1]
            seg["sway_pitch_deg_rms"] = _rms(dp)
            seg["sway_roll_deg_rms"] = _rms(dr)
            seg["sway_deg_rms"] = float(np.sqrt(np.mean(dp**2 + dr**2)))
        for key in ("start_s", "end_s"):
            seg[key] = float(seg[key] * k_clock)
        seg["rep_times_s"] = [float(x * k_clock) for x in seg["rep_times_s"]]
        seg["form_breaks"] = [
            {k: (float(v * k_clock) if k.endswith("_s") else v) for k, v in fb.items()}
            for fb in seg["form_breaks"]
        ]
        seg.setdefault("calibration", False)
        segments.append(seg)

    params = {
        "seed": seed,
        "duration_scale": duration_scale,
        "fs_hz": fs,
        "clock_ppm": ppm,
        "clock_offset_s": t0_clock,
        "internal_oversampling": M,
        "g_mps2": g,
        "duration_true_s": t_end,
        "n_rows_generated": n,
        "n_rows_kept": int(keep.sum()),
        "drop_fraction": float(1 - keep.mean()),
        "mount": mount_info,
        "acc": {
            "lpf_hz": fc_a,
            "matrix": Ta,
            "bias_mps2": ba_bias,
            "noise_mps2": sa,
            "lsb_mps2": lsb_a,
        },
        "gyro": {
            "lpf_hz": fc_g,
            "matrix": Tg,
            "bias0_radps": bg0,
            "warmup_radps": warm,
            "warmup_tau_s": tau_w,
            "random_walk_radps_per_sqrt_s": rw,
            "noise_radps": sg,
            "lsb_radps": lsb_g,
        },
        "person": {"standing_height_m": plan.h_stand, "standing_theta_deg": plan.theta_stand},
        "generation_s": None,
    }
    params["generation_s"] = _time.perf_counter() - t_start
    return OracleSession(
        samples=samples,
        truth=truth,
        segments=segments,
        mount=mount,
        fs_hz=fs,
        seed=seed,
        true_time_s=t_true[idx],
        body_quat=R_rows.as_quat()[idx],
        clean=clean,
        params=params,
        model=model,
    )
