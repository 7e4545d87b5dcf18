"""Two-sensor lumbar angle against the simulator's truth: a sacral and a T12/L1 sensor, each with
its own random mount, noise, bias and clock (offset and drift), calibrated on their own."""

from __future__ import annotations

import dataclasses
import datetime

import numpy as np
import pytest

import sensorback
from sensorback.recording import Recording
from sensorback.simulate import simulate_session

# Three sessions covering planks, side planks, bridges (holds and reps) and hyperextensions.
SEEDS = (0, 2, 7)


@pytest.fixture(scope="module", params=SEEDS)
def session(request):
    sim = simulate_session(request.param, n_blocks=3, fs_hz=50, upper=True)
    return sim, sensorback.analyze(sim.recording, upper=sim.upper)


def test_lumbar_angle_matches_truth(session):
    sim, a = session
    lum = a.lumbar.angles
    truth = sim.truth.lumbar.loc[lum.index]
    err = lum[["flexion_deg", "lateral_deg"]] - truth[["flexion_deg", "lateral_deg"]]
    rmse = np.sqrt((err**2).mean())
    # measured over seeds 0–7: flexion 0.5–2.9°, lateral 0.3–1.3° (mostly each sensor's own
    # mount error: a constant of up to ~2.5°)
    assert rmse["flexion_deg"] < 3.5 and rmse["lateral_deg"] < 1.6, rmse
    # the angles are reported where inclination can see them, and only there: lateral bending
    # not while prone or supine, flexion not while on a side
    # (the left axis is within 30° of the vertical when |roll| > 60°)
    roll = np.abs(a.angles["roll_deg"].loc[lum.index])
    assert lum["flexion_deg"][roll > 61].isna().all() and lum["flexion_deg"][roll < 59].notna().all()
    assert lum["lateral_deg"].notna().mean() > 0.2


def test_lumbar_ranges_per_hold_and_rep_set(session):
    sim, a = session
    lum, truth = a.lumbar.angles, sim.truth.lumbar
    checked = 0
    for seg in a.segments:
        if seg["kind"] not in ("hold", "reps"):
            continue
        span = (lum.index >= seg["start_s"]) & (lum.index <= seg["end_s"])
        for angle in ("flexion", "lateral"):
            seen = span & lum[f"{angle}_deg"].notna().to_numpy()
            if seen.sum() < 50:
                continue
            true_range = np.ptp(truth[f"{angle}_deg"].loc[lum.index[seen]])
            # measured over seeds 0–7: within 1.6° (one session's side-plank entry: 8.8°, see
            # the report in the commit)
            assert seg[f"lumbar_{angle}_range_deg"] == pytest.approx(true_range, abs=2.0), (seg["exercise"], angle)
            checked += 1
    assert checked >= 3


def test_clocks_aligned_by_angular_speed(session):
    sim, a = session
    up = a.lumbar.upper
    assert up["alignment"] == "angular_speed" and up["correlation"] > 0.5
    # the upper sensor started between 0.45 s before and 1.5 s after the sacral one; measured
    # error over seeds 0–11: ≤ 29 ms (1.5 samples at 50 Hz)
    assert up["time_offset_s"] == pytest.approx(sim.truth.upper["time_offset_s"], abs=0.04)
    # clock rates differ by up to 600 ppm; measured ≤ 0.07 ‰ off once the session is long enough
    assert up["clock_ratio"] == pytest.approx(sim.truth.upper["clock_ratio"], abs=1.5e-4)


def test_clocks_aligned_by_start_times():
    sim = simulate_session(2, n_blocks=1, fs_hz=50, upper=True)
    t0 = datetime.datetime(2024, 5, 1, 9, 0, 0)
    offset = sim.truth.upper["time_offset_s"]
    lower = Recording(sim.recording.samples, dataclasses.replace(sim.recording.info, start_time=t0))
    upper = Recording(sim.upper.samples, dataclasses.replace(
        sim.upper.info, start_time=t0 + datetime.timedelta(seconds=offset)))
    up = sensorback.analyze(lower, upper=upper).lumbar.upper
    assert up["alignment"] == "start_time" and up["time_offset_s"] == pytest.approx(offset, abs=1e-6)


def test_sacral_recording_unchanged_by_upper_sensor():
    one = simulate_session(2, n_blocks=1, fs_hz=50)
    two = simulate_session(2, n_blocks=1, fs_hz=50, upper=True)
    assert one.upper is None and one.truth.lumbar is None
    assert two.recording.samples.equals(one.recording.samples)
    # each sensor has its own mount
    assert not np.allclose(two.truth.upper["mount_sensor_to_body"], two.truth.mount, atol=0.05)


def test_no_trunk_movements_inside_floor_exercises(session):
    """Flexions and side bends are standing movements: the upper sensor's tilt during a bridge,
    plank or side plank is not one (before this was checked, 11–23 fired per session)."""
    _, a = session
    inside = [m for m in a.lumbar.movements for s in a.segments
              if s["kind"] in ("hold", "reps") and s["start_s"] <= m["peak_s"] <= s["end_s"]]
    assert inside == []
