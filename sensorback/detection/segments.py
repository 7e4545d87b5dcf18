"""The detection pipeline: grid → stance → rep sets → still postures → holds and rests → metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..processing.filters import mean, median, smooth
from ..settings import DetectionSettings
from .breathing import breathing_lift, breathing_rate
from .form import find_form_breaks
from .holds import (
    Span,
    assign_heights,
    classify_span,
    find_spans,
    join_broken_holds,
    provisional_bounds,
    refine_bounds,
    vertical_acceleration,
)
from .jerks import find_jerks
from .posture import MOVING, POSTURES, compute_stance, public_posture
from .reps import find_rep_sets
from .signals import Grid, make_grid
from .wobble import compute_wobble


@dataclass
class Detection:
    """Everything :func:`detect` found.

    Attributes
    ----------
    segments : list of dict
        Holds, rep sets and rests in time order (see :func:`detect_segments`).
    grid : Grid or None
        The detection signals (None for recordings too short to analyse).
    posture : ndarray of int8
        Index into :data:`~sensorback.detection.posture.POSTURES` at every grid point.
    spans : list of Span
        The still postures the holds and rests came from.
    """

    segments: list[dict[str, Any]] = field(default_factory=list)
    grid: Grid | None = None
    posture: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int8))
    spans: list[Span] = field(default_factory=list)


def _stats(x: np.ndarray) -> dict[str, float]:
    """Mean, median, standard deviation, minimum and maximum of ``x``: the values of ``np.mean``
    and ``np.std`` (the same sums), without their overhead on the many short holds."""
    if not x.size:
        return {}
    m = mean(x)
    dev = x - m
    dev *= dev
    sd = np.sqrt(np.add.reduce(dev) / x.size)
    return {"mean": m, "median": median(x), "sd": float(sd), "min": float(x.min()), "max": float(x.max())}


def describe_hold(
    grid: Grid,
    acc_up: np.ndarray,
    span: Span,
    raw: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    fs: float,
    settings: DetectionSettings,
) -> dict[str, Any]:
    """The segment record of one hold with all its metrics.

    ``raw`` is ``(time_s, pitch_deg, roll_deg, gyro_body)`` at the sample rate ``fs``.
    """
    t, pitch, roll, gyro = raw
    a_s, b_s = span.start_s, span.end_s
    ia, ib = int(grid.index(a_s)), int(grid.index(b_s)) + 1
    ja, jb = np.searchsorted(t, [a_s, b_s], side="left")
    jb = max(jb, ja + 1)
    g_t, g_p, g_r = grid.t[ia:ib], grid.pitch_deg[ia:ib], grid.roll_deg[ia:ib]
    breaks, drift = find_form_breaks(g_t, g_p, grid.up[ia:ib], span.exercise or "", grid.fs, settings)
    wobble = compute_wobble(g_p, g_r, grid.fs, np.degrees(gyro[ja:jb]), fs, settings)
    bpm, confidence = None, 0.0
    if b_s - a_s >= settings.min_breathing_hold_s and wobble["score"] <= settings.breathing_max_sway_deg:
        lift = breathing_lift(acc_up[ia:ib], grid.gyro[ia:ib], g_p, g_r, grid.fs)
        bpm, confidence = breathing_rate(g_p, lift, grid.fs, settings)
    return {
        "kind": "hold", "exercise": span.exercise, "variant": span.variant,
        "start_s": a_s, "end_s": b_s, "duration_s": b_s - a_s,
        "wobble": wobble,
        "breathing_bpm": bpm, "breaths": None if bpm is None else bpm * (b_s - a_s) / 60.0,
        "breathing_confidence": confidence,
        "form_breaks": breaks, **drift,
        "jerks": find_jerks(g_t, g_p, g_r, grid.speed_fine[ia:ib], grid.fs, settings),
        "pitch_deg": _stats(pitch[ja:jb]), "roll_deg": _stats(roll[ja:jb]),
        "height_m": span.height_m, "height_sd_m": span.height_sd_m,
        "height_above_prone_m": span.above_prone_m,
    }


def _still_postures(grid: Grid, stance: np.ndarray, reps: list[dict[str, Any]],
                    settings: DetectionSettings) -> tuple[list[Span], np.ndarray]:
    """The still postures outside the rep sets, with their heights and classes, and the
    vertical acceleration (``stance`` is not modified)."""
    stance = stance.copy()
    for r in reps:
        # a rep set is one movement: no still posture inside it
        a, b = grid.index([r["start_s"], r["end_s"]])
        stance[a : b + 1] = MOVING
    spans = find_spans(grid, stance, settings)
    provisional_bounds(grid, spans, smooth(grid.up, max(1, int(round(0.125 * grid.fs)))))
    acc_up = vertical_acceleration(grid, spans)
    assign_heights(grid, spans, acc_up, settings)
    for s in spans:
        classify_span(s, median(grid.pitch_deg[s.a : s.b]), settings)
    return join_broken_holds(grid, spans, settings), acc_up


def _is_sway_of_a_hold(rep_set: dict[str, Any], spans: list[Span], gap_s: float, min_hold_s: float) -> bool:
    """Whether a floor hyperextension set is a raised hold's sway: it lies inside a plank (of
    known height, held at least ``min_hold_s``) right up to its start and on from its end, each
    within ``gap_s``.
    A superman set is done lying on the floor, a quarter of a metre below a plank, and nobody
    drops there and rises again in no time; what looks like reps there is the plank's sway.
    (The top of a set's first or last rep, a second or so long, is no plank.)  Nor does one
    begin or end right next to a bench hold."""
    if rep_set["exercise"] != "hyperextension" or rep_set["variant"] != "floor":
        return False
    a, b = rep_set["start_s"], rep_set["end_s"]
    planks = [s for s in spans if s.exercise == "plank" and np.isfinite(s.height_m)
              and s.end_s - s.start_s >= min_hold_s]
    before = any(0.0 <= a - s.end_s <= gap_s for s in planks)
    after = any(0.0 <= s.start_s - b <= gap_s for s in planks)
    # a bench (0.8-1 m up) is no place for a floor set either: getting down takes seconds, so
    # what looks like one right next to a bench hold, on either side, is that hold's sway
    benches = [s for s in spans if s.exercise == "hyperextension" and s.variant == "bench"]
    beside_bench = any(0.0 <= a - s.end_s <= gap_s or 0.0 <= s.start_s - b <= gap_s for s in benches)
    return (before and after) or beside_bench


def detect(
    time_s: np.ndarray,
    pitch_deg: np.ndarray,
    roll_deg: np.ndarray,
    gyro_body: np.ndarray,
    acc_body: np.ndarray,
    fs: float,
    settings: DetectionSettings = DetectionSettings(),
) -> Detection:
    """Run the whole detection; see :func:`detect_segments` for the parameters."""
    t = np.asarray(time_s, dtype=float)
    if t.size < 4 or t[-1] - t[0] < 2.0:
        return Detection()
    grid = make_grid(t, pitch_deg, roll_deg, gyro_body, acc_body, fs, settings)
    raw = (t, np.asarray(pitch_deg, float), np.asarray(roll_deg, float), np.asarray(gyro_body, float))
    stance = compute_stance(grid, settings)
    reps = find_rep_sets(grid, settings)
    posture = public_posture(stance).astype(np.int8)
    spans, acc_up = _still_postures(grid, stance, reps, settings)
    swayed = [r for r in reps if _is_sway_of_a_hold(r, spans, settings.rep_plank_gap_s, settings.min_hold_s)]
    if swayed:
        # a plank's sway threw up a floor superman set: the plank goes on through it
        reps = [r for r in reps if not any(r is q for q in swayed)]
        spans, acc_up = _still_postures(grid, stance, reps, settings)
    segments: list[dict[str, Any]] = list(reps)
    # the ends of all holds at once: their movement fits are batched
    refine_bounds(grid, spans, [k for k, s in enumerate(spans) if s.kind == "hold"], acc_up, settings)
    for s in spans:
        if s.kind == "hold":
            if s.end_s - s.start_s >= settings.min_hold_s:
                segments.append(describe_hold(grid, acc_up, s, raw, fs, settings))
        elif s.end_s - s.start_s >= settings.min_rest_s:
            name = POSTURES[public_posture(np.array([s.stance]))[0]]
            segments.append({"kind": "rest", "exercise": None, "posture": name,
                             "start_s": s.start_s, "end_s": s.end_s, "duration_s": s.end_s - s.start_s})
    segments.sort(key=lambda d: d["start_s"])
    return Detection(segments, grid, posture, spans)


def detect_segments(
    time_s: np.ndarray,
    pitch_deg: np.ndarray,
    roll_deg: np.ndarray,
    gyro_body: np.ndarray,
    acc_body: np.ndarray,
    fs: float,
    settings: DetectionSettings = DetectionSettings(),
) -> list[dict[str, Any]]:
    """Holds, rep sets and rests of a session, with their metrics.

    Parameters
    ----------
    time_s : ndarray, shape (n,)
        Increasing sample times, s (gaps allowed).
    pitch_deg, roll_deg : ndarray, shape (n,)
        Trunk angles (see ``DEVELOPERS.md``).
    gyro_body : ndarray, shape (n, 3)
        Bias-corrected angular rate in body axes (x cranial, y left, z posterior), rad/s.
    acc_body : ndarray, shape (n, 3)
        Specific force in body axes, m/s².
    fs : float
        Nominal sample rate, Hz.
    settings : DetectionSettings

    Returns
    -------
    list of dict
        In time order.  Every segment has ``kind`` (``hold``, ``reps``, ``rest``),
        ``exercise``, ``start_s`` and ``end_s``; holds and rep sets carry their metrics.
    """
    return detect(time_s, pitch_deg, roll_deg, gyro_body, acc_body, fs, settings).segments
