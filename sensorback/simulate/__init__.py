"""Simulated sessions with ground truth: the test oracle, and a way to try sensorback without hardware.

>>> from sensorback.simulate import simulate_session
>>> sim = simulate_session(seed=3, n_blocks=2, fs_hz=50)
>>> sim.recording.info.device
'simulated'
>>> sorted(sim.truth.angles.columns)
['pitch_deg', 'roll_deg']

With ``upper=True`` a second sensor at T12/L1 records the same session, and the truth holds the
lumbar angle between the two:

>>> two = simulate_session(seed=3, n_blocks=2, fs_hz=50, upper=True)
>>> two.upper.info.placement, sorted(two.truth.lumbar.columns)
('T12/L1', ['flexion_deg', 'lateral_deg', 'twist_deg'])
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..recording import Annotations, Info, Recording
from .body import build_motion, layout
from .lumbar import build_lumbar, lumbar_rotation, upper_motion
from .programme import (
    EXERCISES,
    Block,
    Body,
    Phase,
    fit_body,
    parse_programme,
    plank_with_sag,
    random_programme,
)
from .sensor import Sampled, SensorModel, sample

__all__ = ["simulate_recording", "simulate_session", "SimulatedSession", "Truth", "EXERCISES"]

TRUTH_SCHEMA = "sensorback.truth/1"


@dataclass
class Truth:
    """Ground truth of a simulated session.

    Attributes
    ----------
    angles : DataFrame
        ``pitch_deg`` and ``roll_deg`` of the body at every recorded sample, indexed by ``time_s``.
    segments : list of dict
        Every phase with ``kind`` (``hold``/``reps``/``rest``/``walk``/``calibration``),
        ``exercise``, ``start_s``, ``end_s`` (file time) and its own truth (reps, rep times,
        range of motion, sway, breathing rate, form breaks ...).
    mount : ndarray
        The true sensor-to-body rotation (rows: body axes in sensor coordinates).
    sensor : dict
        The sensor model's parameters (rate, noise, bias, drift, loss ...).
    lumbar : DataFrame or None
        With an upper sensor: the lumbar angle at every sample of the (lower) recording —
        ``flexion_deg`` (forward positive), ``lateral_deg`` (right positive) and the axial
        ``twist_deg`` of the segment at T12/L1 relative to the pelvis (see
        :func:`~sensorback.simulate.lumbar.lumbar_rotation`).
    body : dict
        The person's build (:class:`~.programme.Body`): ``stature``, ``pelvis_m``, ``supine_m``,
        ``bench_m``.
    upper : dict or None
        With an upper sensor: its model's parameters, ``mount_sensor_to_body``, and its clock
        against the lower one's: an upper sample at time ``τ`` was taken at lower time
        ``time_offset_s + clock_ratio * τ``.
    """

    angles: pd.DataFrame
    segments: list[dict[str, Any]]
    mount: np.ndarray
    sensor: dict[str, Any]
    lumbar: pd.DataFrame | None = None
    upper: dict[str, Any] | None = None
    body: dict[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": TRUTH_SCHEMA,
            "mount_sensor_to_body": np.round(self.mount, 8).tolist(),
            "sensor": self.sensor,
            **({"body": self.body} if self.body is not None else {}),
            "segments": self.segments,
            **({"upper": self.upper} if self.upper is not None else {}),
        }

    def write(self, path: str | Path) -> None:
        """Write the truth as JSON (``path``) and the per-sample angles beside it (``*.angles.csv``,
        and with an upper sensor the lumbar angle in ``*.lumbar.csv``)."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1, default=_jsonable))
        self.angles.to_csv(path.with_suffix(".angles.csv"), float_format="%.4f")
        if self.lumbar is not None:
            self.lumbar.to_csv(path.with_suffix(".lumbar.csv"), float_format="%.4f")


def _jsonable(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, np.generic):
        return x.item()
    raise TypeError(type(x))


@dataclass
class SimulatedSession:
    """A simulated :class:`~sensorback.Recording` and its :class:`Truth` (with ``upper``: the
    recording of a second sensor at T12/L1)."""

    recording: Recording
    truth: Truth
    phases: list[Phase]
    upper: Recording | None = None


def simulate_session(
    seed: int = 0,
    *,
    fs_hz: float | None = None,
    n_blocks: int | None = None,
    duration_s: float | None = None,
    walk: bool | None = None,
    phases: list[Phase] | None = None,
    programme: list[Block] | str | None = None,
    outward_sign: float = 1.0,
    upper: bool = False,
    vary_body: bool = True,
) -> SimulatedSession:
    """Simulate a session of core exercises recorded by a sacral IMU, with ground truth.

    Parameters
    ----------
    seed : int
        Seed of every random choice: the programme, the body's motion and the sensor's errors.
    fs_hz : float, optional
        Sample rate; random among 25, 50, 52, 100, 104 and 200 Hz by default.
    n_blocks : int, optional
        Number of exercise blocks (holds or rep sets), each followed by a rest.
    duration_s : float, optional
        Add blocks until the session lasts at least this long (then ``n_blocks`` is ignored).
    walk : bool, optional
        Whether the session has a walking bout after the standing calibration.
    phases : list of Phase, optional
        An explicit programme instead of a random one.
    programme : list of tuple or str, optional
        The exercise blocks in order, each ``(exercise, kind)`` or ``(exercise, kind, amount)``
        (hold seconds or number of reps), or their text form ``"plank:hold:30,bridge:reps:15"``;
        postures, sway and timing stay random.  Replaces ``n_blocks`` and ``duration_s``.
    outward_sign : float
        +1 when the sensor's z axis points out of the back (the default), −1 when it points in.
    upper : bool
        Also record the session with a second sensor at T12/L1: its own random mount (as the
        sacral one's), noise, bias, clock drift, and a start between 0.45 s before and 1.5 s
        after the sacral sensor's; the truth then holds the lumbar angle (``truth.lumbar``) and
        the upper sensor's model and clock (``truth.upper``).  The sacral recording and its
        truth are the same with or without it.

    vary_body : bool
        Draw the person's build (:class:`~.programme.Body`: stature, pelvis depth, tissue under
        the sacrum, bench height) at random for the seed; False for the programme's average
        adult in every session.

    A programme may also be one of the named ones (:data:`~.programme.PROGRAMMES`): ``"random"``
    (the default) or ``"plank-sag"``: standing, one 40-s plank whose hips sag by 8° twenty seconds
    in, lying prone (:func:`~.programme.plank_with_sag`).
    """
    rng = np.random.default_rng(seed)
    if programme == "random":
        programme = None
    if programme == "plank-sag":
        if phases is None:
            phases = plank_with_sag(rng)
        programme = None
    if isinstance(programme, str):
        programme = parse_programme(programme)
    if phases is None and programme is not None:
        phases = random_programme(rng, walk=walk, blocks=list(programme))
    elif phases is None:
        if duration_s is not None:
            phases = random_programme(rng, n_blocks=0, walk=walk)
            from .programme import exercise_block, rest_posture

            menu = [("plank", "hold"), ("side_plank_left", "hold"), ("side_plank_right", "hold"),
                    ("bridge", "reps"), ("bridge", "hold"), ("hyperextension", "reps"), ("hyperextension", "hold")]
            rests = ("standing", "prone", "supine", "child")
            while sum(p.duration_s for p in phases) + 3.0 * len(phases) < duration_s:
                ex, kind = menu[int(rng.integers(len(menu)))]
                phases.append(exercise_block(rng, ex, kind))
                stand = phases[0].posture.pitch_deg
                phases.append(Phase("rest", None, rest_posture(rng, rests[int(rng.integers(4))], stand),
                                    float(rng.uniform(5, 20)), {"sway_deg": 0.1}))
        else:
            phases = random_programme(rng, n_blocks=n_blocks, walk=walk)
    model = SensorModel.random(rng, fs_hz, outward_sign)
    # the person's build from a generator of its own: the programme, motion and sensor stay
    # what they are for the seed
    body = Body.random(np.random.default_rng([seed, 2])) if vary_body else Body()
    phases = fit_body(phases, body)
    timing, total = layout(rng, phases)
    fs_int = 400.0 if model.fs_hz <= 104 else 800.0
    motion, truth_phases = build_motion(rng, phases, timing, total, fs_int)
    s = sample(rng, motion, model)

    t0 = s.time_file_s[0]
    time_s = s.time_file_s - t0

    def to_file(t_true: float) -> float:
        return float(np.interp(t_true, s.time_true_s, time_s))

    segments = []
    for rec in truth_phases:
        seg = {k: v for k, v in rec.items() if not k.endswith("true_s")}
        seg["start_s"] = to_file(rec["start_true_s"])
        seg["end_s"] = to_file(rec["end_true_s"])
        if "duration_true_s" in rec:
            seg["duration_s"] = seg["end_s"] - seg["start_s"]
        if "rep_times_true_s" in rec:
            seg["rep_times_s"] = [to_file(x) for x in rec["rep_times_true_s"]]
        for fb in seg.get("form_breaks", []):
            fb["start_s"] = to_file(fb.pop("start_true_s"))
        for j in seg.get("jerks", []):
            j["time_s"] = to_file(j.pop("time_true_s"))
        segments.append(seg)

    samples = pd.DataFrame(
        np.column_stack((s.acc, s.gyro)), columns=["ax", "ay", "az", "gx", "gy", "gz"],
        index=pd.Index(time_s, name="time_s"),
    )
    sensor = _sensor_dict(model, s, seed)
    info = Info(device="simulated", placement="sacrum", fs_hz=model.fs_hz, format="simulated",
                extra={"seed": seed})
    rec = Recording(samples, info, Annotations())
    angles = pd.DataFrame({"pitch_deg": s.pitch_deg, "roll_deg": s.roll_deg}, index=pd.Index(time_s, name="time_s"))
    truth = Truth(angles, segments, model.mount, sensor, body=asdict(body))
    if not upper:
        return SimulatedSession(rec, truth, phases)
    # its own generator, so that the sacral recording is the same with or without the upper sensor
    rng_u = np.random.default_rng([seed, 1])
    flex, lat, twist = build_lumbar(rng_u, phases, timing, motion.t)
    model_u = SensorModel.random(rng_u, model.fs_hz, outward_sign)
    start_u = 0.5 + float(rng_u.uniform(-0.45, 1.5))
    s_u = sample(rng_u, upper_motion(motion, lumbar_rotation(flex, lat, twist), fs_int), model_u, start_u)
    truth.lumbar = pd.DataFrame(
        {name: np.interp(s.time_true_s, motion.t, x) for name, x in
         (("flexion_deg", flex), ("lateral_deg", lat), ("twist_deg", twist))},
        index=pd.Index(time_s, name="time_s"),
    )
    truth.upper = {**_sensor_dict(model_u, s_u, seed), "mount_sensor_to_body": np.round(model_u.mount, 8).tolist(),
                   **_clock(s, s_u, model, model_u)}
    upper_rec = Recording(
        pd.DataFrame(np.column_stack((s_u.acc, s_u.gyro)), columns=["ax", "ay", "az", "gx", "gy", "gz"],
                     index=pd.Index(s_u.time_file_s - s_u.time_file_s[0], name="time_s")),
        Info(device="simulated", placement="T12/L1", fs_hz=model_u.fs_hz, format="simulated",
             extra={"seed": seed}),
        Annotations(),
    )
    return SimulatedSession(rec, truth, phases, upper_rec)


def _clock(lower: Sampled, upper: Sampled, m_lower: SensorModel, m_upper: SensorModel) -> dict[str, float]:
    """The upper recording's time base in the lower one's.  Each sensor stamps its samples at its
    nominal rate while it samples at its true (drifting) one, from its own first sample on (host
    jitter aside): upper time ``τ`` is true time ``start_u + τ (1 + drift_u)``, which is lower
    time ``(start_u − start_l + τ (1 + drift_u)) / (1 + drift_l)``."""
    d_l, d_u = m_lower.clock_drift_ppm * 1e-6, m_upper.clock_drift_ppm * 1e-6
    return {"time_offset_s": float(upper.time_true_s[0] - lower.time_true_s[0]) / (1 + d_l),
            "clock_ratio": (1 + d_u) / (1 + d_l)}


def _sensor_dict(model: SensorModel, s: Sampled, seed: int) -> dict[str, Any]:
    return {
        "fs_hz": model.fs_hz, "acc_noise_m_s2": model.acc_noise_m_s2, "gyro_noise_rad_s": model.gyro_noise_rad_s,
        "acc_bias_m_s2": model.acc_bias_m_s2.tolist(), "gyro_bias_rad_s": model.gyro_bias_rad_s.tolist(),
        "gyro_bias_walk_rad_s": model.gyro_bias_walk_rad_s, "acc_scale": model.acc_scale.tolist(),
        "gyro_scale": model.gyro_scale.tolist(), "clock_drift_ppm": model.clock_drift_ppm,
        "jitter_s": model.jitter_s, "packet_samples": model.packet_samples, "loss_prob": model.loss_prob,
        "dropped_samples": s.dropped, "seed": seed,
    }


def simulate_recording(seed: int = 0, **kwargs: Any) -> Recording:
    """Simulate a session and return only its :class:`~sensorback.Recording` (see :func:`simulate_session`)."""
    return simulate_session(seed, **kwargs).recording


simulate = simulate_recording
"""The former name of :func:`simulate_recording` (``sensorback.simulate.simulate``), kept for code that uses it."""
