"""How the sensor sits on the body: the rotation from sensor axes to body axes.

Body axes: x cranial, y left, z posterior.  The mount is fitted to the postures the session
contains, each with what is known about it:

* standing (the session starts with it): pitch ≈ 90, roll ≈ 0 — it fixes the sensor's rotation
  in the plane of the back; its sagittal tilt varies between people by a few degrees;
* still prone or supine lying: pitch ≈ 0, roll ≈ 0 — fixes the sensor's tilt off flat;
* other calm postures with the trunk near horizontal (planks, bridges, supermen): roll ≈ 0;
* the sensor lies roughly flat on the back (its outward axis is the body's posterior one).

Each is one observation of the up-vector with a prior spread per angle (settings); the mount
is the weighted least-squares rotation (a small Gauss–Newton problem, robust to outlying
postures), so a session with many lying rests trusts them, and one with none falls back to
standing plus the flat-sensor prior.  Lying on the floor pins the pitch down more tightly
(±1.7°) than standing does (a person's pelvic tilt, ±3.5°), but each rest only so much: the
mount's sagittal tilt stays uncertain by about 2.4° with no lying rest, 1.4° with one and
0.8° with four.  The result reports that uncertainty (``pitch_sd_deg``, ``roll_sd_deg``, from
the fit's covariance) and which postures informed it (``informed_by``); above
``uncertain_pitch_sd_deg`` it adds ``advice`` for the user (:func:`calibration_advice`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from ..errors import CalibrationError, InputError
from ..settings import CalibrationSettings
from .filters import runs

_AXES = {"x": 0, "y": 1, "z": 2}


def parse_axis(spec: str) -> np.ndarray:
    """Unit vector of a signed sensor axis such as ``"+z"``, ``"-x"`` or ``"y"``."""
    m = re.fullmatch(r"\s*([+-]?)([xyzXYZ])\s*", spec)
    if not m:
        raise InputError(f"axis {spec!r} is not a signed sensor axis; use one of +x -x +y -y +z -z")
    v = np.zeros(3)
    v[_AXES[m.group(2).lower()]] = -1.0 if m.group(1) == "-" else 1.0
    return v


@dataclass(frozen=True)
class Mount:
    """Orientation of the sensor on the body.

    Attributes
    ----------
    sensor_to_body : ndarray, shape (3, 3)
        Rows are the body's x (cranial), y (left) and z (posterior) axes in sensor coordinates,
        so ``body_vector = sensor_to_body @ sensor_vector``.
    method : str
        ``"explicit"``, ``"standing"`` or ``"standing+lying"``.
    details : dict
        Numbers that describe how it was found (durations, refinement angle ...).
    """

    sensor_to_body: np.ndarray
    method: str = "explicit"
    details: dict = field(default_factory=dict)

    @classmethod
    def from_axes(cls, cranial: str, posterior: str) -> Mount:
        """A mount given by the sensor axes that point up the spine and out of the back."""
        x = parse_axis(cranial)
        z = parse_axis(posterior)
        if abs(float(x @ z)) > 0.5:
            raise InputError(f"cranial axis {cranial!r} and posterior axis {posterior!r} must differ")
        return cls(_frame(x, z), "explicit", {"cranial_axis": cranial, "posterior_axis": posterior})

    @classmethod
    def parse(cls, spec: str) -> Mount:
        """Parse ``"CRANIAL,POSTERIOR"``, e.g. ``"+x,+z"`` (sensor x up the spine, z out of the back)."""
        parts = [p for p in spec.replace(" ", "").split(",") if p]
        if len(parts) != 2:
            raise InputError(
                f"mount {spec!r} must be two signed sensor axes 'CRANIAL,POSTERIOR', e.g. '+x,+z' "
                "(sensor x points up the spine, sensor z out of the back)"
            )
        return cls.from_axes(parts[0], parts[1])

    @property
    def rotation_in_plane_deg(self) -> float:
        """Angle of the sensor in the plane of the back: where the body's cranial axis points
        in sensor x/y coordinates, in degrees from sensor +x."""
        x = self.sensor_to_body[0]
        return float(np.degrees(np.arctan2(x[1], x[0])))

    @property
    def tilt_deg(self) -> float:
        """Angle between the body's posterior axis and the sensor's z axis."""
        return float(np.degrees(np.arccos(np.clip(abs(self.sensor_to_body[2, 2]), -1, 1))))

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "sensor_to_body": np.round(self.sensor_to_body, 6).tolist(),
            "rotation_in_plane_deg": round(self.rotation_in_plane_deg, 2),
            "tilt_deg": round(self.tilt_deg, 2),
            **self.details,
        }


def _frame(x: np.ndarray, z_hint: np.ndarray) -> np.ndarray:
    x = x / np.linalg.norm(x)
    z = z_hint - (z_hint @ x) * x
    z = z / np.linalg.norm(z)
    y = np.cross(z, x)
    return np.vstack((x, y, z))


def _tilt_from_back_plane(up: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Angle (deg) between up-vectors and the plane of the back (perpendicular to ``out``)."""
    return np.degrees(np.arcsin(np.clip(np.abs(up @ out), 0.0, 1.0)))


def _cumsum_rows(x: np.ndarray) -> np.ndarray:
    """Cumulative sums of the rows of ``x`` (n, k) with a leading row of zeros, (n + 1, k)."""
    out = np.empty((x.shape[0] + 1, x.shape[1]), order="F")
    out[0] = 0.0
    np.cumsum(x, axis=0, out=out[1:])
    return out


def _unit_run_means(csum: np.ndarray, run_list: np.ndarray) -> np.ndarray:
    """Unit mean vector of each run from :func:`_cumsum_rows`, shape (k, 3)."""
    m = csum[run_list[:, 1]] - csum[run_list[:, 0]]
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def _run_means(up_s: np.ndarray, run_list: np.ndarray) -> np.ndarray:
    """Unit mean up-vector of each run, shape (k, 3)."""
    if len(run_list) == 0:
        return np.empty((0, 3))
    # the sums up to the last run's end are all that is needed
    return _unit_run_means(_cumsum_rows(up_s[: int(np.max(run_list[:, 1]))]), run_list)


def find_standing(
    time_s: np.ndarray,
    up_s: np.ndarray,
    calm_runs: np.ndarray,
    settings: CalibrationSettings = CalibrationSettings(),
) -> tuple[int, int]:
    """The standing calibration period: an early calm run in which the back is upright.

    Candidates are the calm runs (swaying allowed) of at least ``standing_min_s`` that start
    within ``standing_search_s`` and whose up-vector lies within ``standing_max_tilt_deg`` of
    the plane of the back; the first one wins.  Swaying counts as calm, so quiet standing
    at the start is found even when the first *still* moment is the bottom of a slow bend
    (a side plank or side lying also has gravity in the plane of the back, so "most upright"
    would not be a safe rule).
    Raises :class:`CalibrationError` with advice when there is none.
    """
    out = parse_axis(settings.outward_axis)
    t0 = time_s[0] if time_s.size else 0.0
    r = np.asarray(calm_runs, dtype=int).reshape(-1, 2)
    if len(r):
        r = r[(time_s[r[:, 0]] - t0 <= settings.standing_search_s)]
        r = r[(time_s[r[:, 1] - 1] - time_s[r[:, 0]]) >= settings.standing_min_s]
    tilt = _tilt_from_back_plane(_run_means(up_s, r), out)
    ok = tilt <= settings.standing_max_tilt_deg
    if ok.any():
        k = int(np.flatnonzero(ok)[0])
        return int(r[k, 0]), int(r[k, 1])
    seen = [f"{time_s[a] - t0:.1f}–{time_s[b - 1] - t0:.1f} s ({t:.0f}° from upright)" for (a, b), t in zip(r, tilt)]
    what = "calm periods found but none upright: " + "; ".join(seen[:5]) if seen else "no calm period found"
    raise CalibrationError(
        f"cannot calibrate the sensor mount: {what} within the first {settings.standing_search_s:.0f} s. "
        f"Start each session by standing still for {settings.standing_min_s + 1:.0f} s, check that the "
        f"sensor's outward axis is {settings.outward_axis} (--sensor-out), or give the mount explicitly "
        "with --mount CRANIAL,POSTERIOR (e.g. --mount +x,+z)"
    )


@dataclass(frozen=True)
class PostureObservations:
    """Postures that inform the mount: mean up-vectors with nominal angles and prior spreads.

    ``sagittal`` is the angle ``atan2(up_x, up_z)`` of the up-vector in the body's sagittal
    plane (0 prone, 90 standing, ±180 supine); ``roll`` is the elevation of the left axis.
    A spread of ``inf`` means the angle is not used.
    """

    up_s: np.ndarray
    sagittal_deg: np.ndarray
    sagittal_sd_deg: np.ndarray
    roll_deg: np.ndarray
    roll_sd_deg: np.ndarray
    kind: tuple[str, ...]
    cutoff: np.ndarray
    """Residual (in prior spreads) beyond which an observation stops counting (Tukey)."""
    n_upright: int = 1
    """How many upright postures the standing observation averages."""


def _rotvec_matrix(v: np.ndarray) -> np.ndarray:
    """Rotation matrix of a rotation vector (rad), Rodrigues' formula."""
    th = float(np.linalg.norm(v))
    if th < 1e-12:
        return np.eye(3)
    k = v / th
    K = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(th) * K + (1 - np.cos(th)) * K @ K


def _observed(R: np.ndarray, up_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    b = up_s @ R.T
    return np.degrees(np.arctan2(b[:, 0], b[:, 2])), np.degrees(np.arcsin(np.clip(b[:, 1], -1, 1)))


def _residuals(R: np.ndarray, obs: PostureObservations) -> np.ndarray:
    sag, roll = _observed(R, obs.up_s)
    d_sag = (sag - obs.sagittal_deg + 180.0) % 360.0 - 180.0
    return np.concatenate((d_sag / obs.sagittal_sd_deg, (roll - obs.roll_deg) / obs.roll_sd_deg))


_TUKEY = 4.685  # the usual Tukey biweight constant (95 % efficiency for Gaussian errors)


def _weighted_system(R: np.ndarray, obs: PostureObservations) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Residuals (in prior spreads), their Jacobian with respect to a body-frame rotation
    vector (rad) and the Tukey biweights at ``R``."""
    eps = 1e-4
    r = _residuals(R, obs)
    J = np.column_stack([(_residuals(_rotvec_matrix(eps * e) @ R, obs) - r) / eps for e in np.eye(3)])
    c = np.concatenate((obs.cutoff, obs.cutoff))
    w = np.clip(1.0 - (r / c) ** 2, 0.0, None) ** 2
    return r, J, w


def fit_mount(R0: np.ndarray, obs: PostureObservations, iterations: int = 8) -> np.ndarray:
    """Rotation (sensor → body) that best explains the observed postures.

    Gauss–Newton on a body-frame rotation correction ``R = Exp(δ) R0`` with Tukey biweights:
    an angle more than ``obs.cutoff`` prior spreads from its nominal value (a plank taken for
    lying, a sensor far off flat) stops counting.  ``R0`` must be close (standing-based).
    """
    R = R0.copy()
    for _ in range(iterations):
        r, J, w = _weighted_system(R, obs)
        sw = np.sqrt(w)
        delta, *_ = np.linalg.lstsq(J * sw[:, None], -r * sw, rcond=None)
        R = _rotvec_matrix(delta) @ R
        if np.linalg.norm(delta) < 1e-7:
            break
    return R


def mount_uncertainty(R: np.ndarray, obs: PostureObservations) -> tuple[np.ndarray, np.ndarray]:
    """How well the postures pin the mount down, and which of them count.

    Returns the standard deviations (deg) of the fitted rotation about the body's x, y and z
    axes — the sensor's tilt about the spine (an offset of the roll when lying), its sagittal
    tilt (an offset of the pitch) and its rotation in the plane of the back — from the
    weighted least-squares covariance with the prior spreads; and each observation's weight
    in the fit (0: rejected as an outlier), shape (k,).
    """
    _, J, w = _weighted_system(R, obs)
    cov = np.linalg.pinv((J * w[:, None]).T @ J)
    k = len(obs.kind)
    counts = w * np.isfinite(np.concatenate((obs.sagittal_sd_deg, obs.roll_sd_deg)))
    return np.degrees(np.sqrt(np.clip(np.diag(cov), 0.0, None))), np.maximum(counts[:k], counts[k:])


@dataclass(frozen=True)
class PostureRuns:
    """Held postures: the runs of still or calm samples, with the sums the mount fit needs.

    Runs are index spans ``start`` .. ``stop`` (exclusive) of the session's samples.  Sums add
    up, so the live path keeps these for a session of any length and extends them as samples
    settle (:meth:`join`) instead of keeping every up-vector.
    """

    start: np.ndarray
    stop: np.ndarray
    up_sum: np.ndarray
    """Sum of the up-vectors over each run, shape (k, 3)."""
    n_still: np.ndarray
    still_up_sum: np.ndarray
    """Sum of the up-vectors over each run's still samples, shape (k, 3)."""
    longest_still: np.ndarray | None = None
    """Longest uninterrupted stretch of still samples in each run (a lying rest has one; an
    exercise hold is still only in moments) ..."""
    still_head: np.ndarray | None = None
    still_tail: np.ndarray | None = None
    """... and the still samples each run starts and ends with (to join stretches across a seam)."""

    def __post_init__(self) -> None:
        for name in ("longest_still", "still_head", "still_tail"):
            if getattr(self, name) is None:  # sums made without them: no stretch is known
                object.__setattr__(self, name, np.zeros(len(self.start), int))

    @classmethod
    def empty(cls) -> PostureRuns:
        return cls(np.empty(0, int), np.empty(0, int), np.empty((0, 3)), np.empty(0, int), np.empty((0, 3)))

    def join(self, later: PostureRuns) -> PostureRuns:
        """These runs followed by ``later``'s; a run across the seam becomes one."""
        head, tail = self._fields(), later._fields()
        if len(self.start) and len(later.start) and later.start[0] == self.stop[-1]:
            n_a = self.stop[-1:] - self.start[-1:]
            n_b = later.stop[:1] - later.start[:1]
            a_head, a_tail = self.still_head[-1:], self.still_tail[-1:]
            b_head, b_tail = later.still_head[:1], later.still_tail[:1]
            seam = (self.start[-1:], later.stop[:1], self.up_sum[-1:] + later.up_sum[:1],
                    self.n_still[-1:] + later.n_still[:1], self.still_up_sum[-1:] + later.still_up_sum[:1],
                    np.maximum.reduce((self.longest_still[-1:], later.longest_still[:1], a_tail + b_head)),
                    np.where(a_head == n_a, n_a + b_head, a_head),
                    np.where(b_tail == n_b, n_b + a_tail, b_tail))
            return PostureRuns(*(np.concatenate((a[:-1], m, b[1:])) for a, m, b in zip(head, seam, tail)))
        return PostureRuns(*(np.concatenate((a, b)) for a, b in zip(head, tail)))

    def _fields(self) -> tuple[np.ndarray, ...]:
        return (self.start, self.stop, self.up_sum, self.n_still, self.still_up_sum,
                self.longest_still, self.still_head, self.still_tail)


def posture_runs(up_s: np.ndarray, still_mask: np.ndarray, calm_mask: np.ndarray, offset: int = 0) -> PostureRuns:
    """The runs of still or calm samples and their sums; indices start at ``offset``."""
    groups = runs(still_mask | calm_mask)
    if not len(groups):
        return PostureRuns.empty()
    a, b = groups[:, 0], groups[:, 1]
    # every still stretch lies inside one group
    st = runs(still_mask)
    k = np.searchsorted(a, st[:, 0], side="right") - 1
    length = st[:, 1] - st[:, 0]
    longest, head, tail, n_still = (np.zeros(len(a), int) for _ in range(4))
    np.maximum.at(longest, k, length)
    np.add.at(n_still, k, length)
    still_up = np.zeros((len(a), 3))
    np.add.at(still_up, k, _run_sums(up_s, st))
    at_start, at_stop = st[:, 0] == a[k], st[:, 1] == b[k]
    head[k[at_start]] = length[at_start]
    tail[k[at_stop]] = length[at_stop]
    return PostureRuns(a + offset, b + offset, _run_sums(up_s, groups), n_still, still_up, longest, head, tail)


def _run_sums(x: np.ndarray, run_list: np.ndarray) -> np.ndarray:
    """Sums of the rows of ``x`` (n, k) over each of the disjoint, increasing, non-empty index
    runs (m, 2), shape (m, k): one ``add.reduceat`` per column (no prefix sums over the whole
    session, whose differences also lose precision late in a long one)."""
    if not len(run_list):
        return np.zeros((0, x.shape[1]))
    idx = np.asarray(run_list).ravel()
    if idx[-1] == x.shape[0]:
        idx = idx[:-1]  # the last run reaches the end
    # the sums between the runs' bounds alternate: a run, the gap after it, the next run ...
    return np.column_stack([np.add.reduceat(col, idx)[::2] for col in np.asarray(x, dtype=float).T])


def collect_postures(
    postures: PostureRuns,
    x_stand: np.ndarray,
    fs: float,
    R0: np.ndarray,
    settings: CalibrationSettings = CalibrationSettings(),
    lying_max_pitch_deg: float | None = None,
) -> PostureObservations:
    """One observation per held posture (:func:`posture_runs`), classified with ``R0``;
    ``x_stand`` is the standing start's mean up-vector."""
    max_pitch = settings.lying_max_pitch_deg if lying_max_pitch_deg is None else lying_max_pitch_deg
    long = (postures.stop - postures.start) >= 2
    groups = np.column_stack((postures.start, postures.stop))[long]
    u_groups = postures.up_sum[long] / np.linalg.norm(postures.up_sum[long], axis=1, keepdims=True)
    still_counts, still_sums = postures.n_still[long], postures.still_up_sum[long]
    stretches = postures.longest_still[long]
    ups, sag, sag_sd, roll, roll_sd, kinds = [], [], [], [], [], []
    upright_sum = np.zeros(3)
    n_upright = 0
    inf = np.inf
    last_hold_end, last_hold_weight = -(10**12), 0.0
    # indices and counts as Python numbers: the loop's scalar arithmetic is faster on them
    for (g0, g1), u_all, still_n, still_sum, stretch in zip(
        groups.tolist(), u_groups, still_counts.tolist(), still_sums, stretches.tolist()
    ):
        dur = (g1 - g0) / fs
        if np.degrees(np.arccos(min(max(float(u_all @ x_stand), -1.0), 1.0))) <= settings.upright_match_deg:
            upright_sum += u_all * min(dur, 20.0)
            n_upright += 1
            continue
        # Lying still: for most of the run, or for one long stretch (a rest that the calm run
        # joins to the exercise hold after it: the still part is the rest).
        mostly_still = still_n >= settings.lying_min_still_fraction * (g1 - g0)
        if still_n >= settings.lying_min_s * fs and (
            mostly_still or stretch >= settings.lying_min_stretch_s * fs
        ):
            u = still_sum / _norm(still_sum)
            bb = R0 @ u
            p, r = np.degrees(np.arcsin(_unit_clip(bb[:2])))
            if abs(p) <= max_pitch and abs(r) <= settings.lying_max_roll_deg:
                ups.append(u)
                sag.append(0.0 if bb[2] > 0 else 180.0)
                sag_sd.append(settings.lying_pitch_sd_deg)
                roll.append(0.0)
                roll_sd.append(settings.lying_roll_sd_deg)
                kinds.append("prone" if bb[2] > 0 else "supine")
                continue
        if dur >= settings.hold_min_s:
            bb = R0 @ u_all
            p, r = np.degrees(np.arcsin(_unit_clip(bb[:2])))
            if abs(p) <= settings.hold_max_pitch_deg and abs(r) <= settings.hold_max_roll_deg:
                # Fragments of one exercise set (reps, a hold broken by a shake) are one posture.
                if kinds and kinds[-1] == "level hold" and (g0 - last_hold_end) < 10 * fs and (
                    float(ups[-1] @ u_all) > np.cos(np.radians(5.0))
                ):
                    merged = ups[-1] * last_hold_weight + u_all * dur
                    last_hold_weight += dur
                    ups[-1] = merged / np.linalg.norm(merged)
                    last_hold_end = g1
                    continue
                last_hold_end, last_hold_weight = g1, dur
                ups.append(u_all)
                # Face-down holds (planks, supermen, bench holds) sit at a typical pitch of a
                # few degrees: a weak prior, which matters only without lying postures.
                prone_like = bb[2] > 0 and -5.0 <= p <= 25.0
                sag.append(settings.prone_hold_pitch_deg if prone_like else 0.0)
                sag_sd.append(settings.prone_hold_pitch_sd_deg if prone_like else inf)
                roll.append(0.0)
                roll_sd.append(settings.hold_roll_sd_deg)
                kinds.append("level hold")
    if not upright_sum.any():
        upright_sum, n_upright = x_stand, 1
    ups.append(upright_sum / np.linalg.norm(upright_sum))
    sag.append(90.0)
    sag_sd.append(settings.upright_sagittal_sd_deg)
    roll.append(0.0)
    roll_sd.append(settings.upright_roll_sd_deg)
    kinds.append("standing")
    # The sensor lies roughly flat: its outward axis is close to the body's posterior axis.
    # A sensor far off flat (a belt on the belly, tens of degrees) is rejected by the robust
    # weights of the fit, and standing alone then tells its sagittal tilt.
    ups.append(parse_axis(settings.outward_axis))
    sag.append(0.0)
    sag_sd.append(settings.flat_prior_sd_deg)
    roll.append(0.0)
    roll_sd.append(settings.flat_prior_sd_deg)
    kinds.append("flat prior")
    # The flat prior holds within the ±8° off flat a strapped sensor may sit at; beyond that
    # (a sensor on the sloping sacrum or the lumbar curve) the standing posture alone counts.
    cutoff = np.full(len(kinds), _TUKEY)
    cutoff[-1] = settings.flat_prior_cutoff_deg / settings.flat_prior_sd_deg
    f = np.array
    return PostureObservations(f(ups), f(sag), f(sag_sd), f(roll), f(roll_sd), tuple(kinds), cutoff, n_upright)


def _norm(v: np.ndarray) -> float:
    """``np.linalg.norm`` of a vector (the square root of its dot product with itself)."""
    return math.sqrt(float(v.dot(v)))


def _unit_clip(x: np.ndarray) -> np.ndarray:
    """``np.clip(x, -1, 1)``, the same values, without its overhead on a few values."""
    return np.minimum(np.maximum(x, -1.0), 1.0)


def calibrate_mount(
    up_s: np.ndarray,
    standing: tuple[int, int],
    still_mask: np.ndarray,
    calm_mask: np.ndarray,
    fs: float,
    settings: CalibrationSettings = CalibrationSettings(),
) -> Mount:
    """Sensor-to-body rotation fitted to the session's standing, lying and level postures.

    Parameters
    ----------
    up_s : ndarray, shape (n, 3)
        Unit vector pointing up (against gravity) in sensor coordinates, per sample.
    standing : (start, stop)
        Index run of the standing calibration period (:func:`find_standing`).
    still_mask, calm_mask : ndarray of bool, shape (n,)
        Samples that are still (lying, quiet standing) and calm (any held posture).
    fs : float
        Sample rate, Hz.
    """
    a, b = standing
    return fit_postures(posture_runs(up_s, still_mask, calm_mask), _run_means(up_s, np.array([[a, b]]))[0],
                        b - a, fs, settings)


def calibration_advice(
    pitch_sd_deg: float, lying_postures: int, settings: CalibrationSettings = CalibrationSettings()
) -> str | None:
    """One line for the user when the pitch is uncertain by more than
    ``settings.uncertain_pitch_sd_deg`` (1 sd): what to do next time to pin it down.  None otherwise."""
    if not pitch_sd_deg > settings.uncertain_pitch_sd_deg:
        return None
    when = "once or twice in the session" if lying_postures == 0 else "once more in the session"
    return (f"angles uncertain by ±{pitch_sd_deg:.1f}°: lie still face down or on your back for ~15 s "
            f"{when} to pin the tilt down")


def fit_postures(
    postures: PostureRuns, x_stand: np.ndarray, standing_samples: int, fs: float,
    settings: CalibrationSettings = CalibrationSettings(),
) -> Mount:
    """:func:`calibrate_mount` from the held postures' sums (:func:`posture_runs`) and the
    standing start's mean up-vector ``x_stand``."""
    R0 = _frame(x_stand, parse_axis(settings.outward_axis))
    obs = collect_postures(postures, x_stand, fs, R0, settings)
    R = fit_mount(R0, obs)
    # Second pass: classify the postures again with the refined mount, more strictly.
    obs = collect_postures(postures, x_stand, fs, R, settings, settings.lying_refit_max_pitch_deg)
    R = fit_mount(R, obs)
    change = float(np.degrees(np.arccos(np.clip((np.trace(R @ R0.T) - 1) / 2, -1, 1))))
    sd, weight = mount_uncertainty(R, obs)
    used = weight > 0
    kinds = np.array(obs.kind)
    counts = {k: int(np.sum(used & (kinds == k))) for k in ("prone", "supine", "level hold")}
    informed = {"standing": int(obs.n_upright), **{k: v for k, v in counts.items() if v},
                "flat sensor prior": int(used[obs.kind.index("flat prior")])}
    rejected = {k: obs.kind.count(k) - counts[k] for k in counts}
    details: dict = {
        "standing_samples": int(standing_samples),
        "lying_postures": counts["prone"] + counts["supine"],
        "level_holds": counts["level hold"],
        "refinement_deg": round(change, 2),
        "informed_by": informed,
        # 1-sd uncertainty the postures leave: an offset of pitch (the sensor's sagittal tilt,
        # mostly the person's standing pelvic tilt when nothing lies flat) and of roll.
        "pitch_sd_deg": round(float(sd[1]), 2),
        "roll_sd_deg": round(float(sd[0]), 2),
        "rotation_in_plane_sd_deg": round(float(sd[2]), 2),
    }
    if any(rejected.values()):
        details["rejected_postures"] = {k: v for k, v in rejected.items() if v}
    advice = calibration_advice(details["pitch_sd_deg"], details["lying_postures"], settings)
    if advice:
        details["advice"] = advice
    if change > settings.max_refinement_deg:
        details["refinement_rejected"] = True
        for k in ("informed_by", "pitch_sd_deg", "roll_sd_deg", "rotation_in_plane_sd_deg", "advice"):
            details.pop(k)  # they describe the rejected fit
        return Mount(R0, "standing", details)
    method = "standing+lying" if details["lying_postures"] else (
        "standing+holds" if counts["level hold"] else "standing")
    return Mount(R, method, details)
