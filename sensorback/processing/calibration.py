"""How the sensor sits on the body: the rotation from sensor axes to body axes.

Body axes: x cranial, y left, z posterior.  The session's first still standing period gives
the cranial axis (gravity points along it); the posterior axis starts as the sensor's outward
axis and is refined from later prone and supine postures (where gravity lies along it), which
removes the unknown tilt of the sensor about the spine.
"""

from __future__ import annotations

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


def find_standing(
    time_s: np.ndarray,
    acc: np.ndarray,
    still_runs: np.ndarray,
    settings: CalibrationSettings = CalibrationSettings(),
) -> tuple[int, int]:
    """The first still run, early in the session, in which the back is upright.

    Upright means gravity lies close to the plane of the back (perpendicular to the sensor's
    outward axis).  Raises :class:`CalibrationError` with advice when there is none.
    """
    out = parse_axis(settings.outward_axis)
    t0 = time_s[0] if time_s.size else 0.0
    seen = []
    for a, b in still_runs:
        if time_s[a] - t0 > settings.standing_search_s:
            break
        if time_s[b - 1] - time_s[a] < settings.standing_min_s:
            continue
        u = acc[a:b].mean(axis=0)
        u = u / np.linalg.norm(u)
        tilt = float(np.degrees(np.arcsin(np.clip(abs(u @ out), 0, 1))))
        if tilt <= settings.standing_max_tilt_deg:
            return int(a), int(b)
        seen.append(f"{time_s[a] - t0:.1f}–{time_s[b - 1] - t0:.1f} s ({tilt:.0f}° from upright)")
    what = "still periods found but none upright: " + "; ".join(seen) if seen else "no still period found"
    raise CalibrationError(
        f"cannot calibrate the sensor mount: {what} within the first {settings.standing_search_s:.0f} s. "
        f"Start each session by standing still for {settings.standing_min_s + 1:.0f} s, check that the "
        f"sensor's outward axis is {settings.outward_axis} (--sensor-out), or give the mount explicitly "
        "with --mount CRANIAL,POSTERIOR (e.g. --mount +x,+z)"
    )


def calibrate_mount(
    up_s: np.ndarray,
    standing: tuple[int, int],
    lying_weight: np.ndarray,
    fs: float,
    settings: CalibrationSettings = CalibrationSettings(),
) -> Mount:
    """Sensor-to-body rotation from the standing period and from prone/supine postures.

    Parameters
    ----------
    up_s : ndarray, shape (n, 3)
        Unit vector pointing up (against gravity) in sensor coordinates, per sample.
    standing : (start, stop)
        Index run of the standing calibration period.
    lying_weight : ndarray, shape (n,)
        Weight of each sample as evidence for the posterior axis (0 for samples that are moving
        or excluded); prone or supine samples are selected here by their angles.
    """
    max_run_samples = settings.lying_run_cap_s * fs
    min_total_samples = settings.lying_min_total_s * fs
    a, b = standing
    x = up_s[a:b].mean(axis=0)
    x = x / np.linalg.norm(x)
    out = parse_axis(settings.outward_axis)
    frame0 = _frame(x, out)
    z0 = frame0[2]
    details: dict = {"standing_start_s_index": int(a), "standing_samples": int(b - a)}

    # Candidate lying samples: cranial axis near horizontal and gravity close to ±posterior.
    ux = up_s @ x
    p = up_s - ux[:, None] * x
    pn = np.linalg.norm(p, axis=1)
    ok = pn > 1e-6
    p[ok] /= pn[ok, None]
    cos_z = p @ z0
    lying = (
        (np.abs(ux) < np.sin(np.radians(settings.lying_max_pitch_deg)))
        & (np.abs(cos_z) > np.cos(np.radians(settings.lying_max_roll_deg)))
        & ok
        & (lying_weight > 0)
    )
    # One estimate per calm lying run, each weighted by its (capped) duration, so that no
    # single long posture, with its own slight roll, dominates.
    sel = lying_weight * lying
    method = "standing"
    estimates, weights = [], []
    for s0, s1 in runs(sel > 0):
        if s1 - s0 < 2:
            continue
        v = (np.sign(cos_z[s0:s1])[:, None] * p[s0:s1]).mean(axis=0)
        estimates.append(v / np.linalg.norm(v))
        weights.append(min(float(sel[s0:s1].sum()), max_run_samples))
    total = float(np.sum(weights)) if weights else 0.0
    if total >= min_total_samples:
        z_est = (np.array(weights)[:, None] * np.array(estimates)).sum(axis=0)
        z_est -= (z_est @ x) * x
        norm = np.linalg.norm(z_est)
        if norm > 1e-9:
            z_est /= norm
            angle = float(np.degrees(np.arccos(np.clip(z_est @ z0, -1, 1))))
            details["lying_runs"] = len(estimates)
            details["refinement_deg"] = round(angle, 2)
            if angle <= settings.max_refinement_deg:
                frame0 = _frame(x, z_est)
                method = "standing+lying"
    return Mount(frame0, method, details)
