"""Sessions without holds, with reps only, very short, or with data gaps."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from sensorback.detection import detect_segments
from sensorback.processing.calibration import Mount
from sensorback.recording import Recording
from sensorback.simulate import simulate_session
from sensorback.simulate.programme import Phase, exercise_block, rest_posture


def _standing(rng, seconds):
    return Phase("calibration", None, rest_posture(rng, "standing"), seconds, {"sway_deg": 0.1})


def _analyse(sim, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sim.recording.analyze(mount=Mount(sim.truth.mount, method="explicit"), **kw)


def test_standing_and_walking_only_has_no_exercise():
    rng = np.random.default_rng(0)
    phases = [_standing(rng, 6), Phase("walk", None, rest_posture(rng, "standing"), 20, {"cadence_hz": 1.8}),
              Phase("rest", None, rest_posture(rng, "standing"), 10, {"sway_deg": 0.2})]
    a = _analyse(simulate_session(1, phases=phases, fs_hz=50))
    assert [s for s in a.segments if s["kind"] != "rest"] == []
    assert a.holds.empty and a.reps.empty and a.form_breaks.empty and a.jerks.empty
    postures = a.postures.value_counts(normalize=True)
    assert postures["upright"] + postures["moving"] > 0.95


def test_reps_only():
    rng = np.random.default_rng(1)
    block = exercise_block(rng, "bridge", "reps")
    phases = [_standing(rng, 6), Phase("rest", None, rest_posture(rng, "supine"), 8, {"sway_deg": 0.1}),
              block, Phase("rest", None, rest_posture(rng, "supine"), 8, {"sway_deg": 0.1})]
    sim = simulate_session(2, phases=phases, fs_hz=100)
    a = _analyse(sim)
    true = next(s for s in sim.truth.segments if s["kind"] == "reps")
    assert a.holds.empty
    assert a.reps[["exercise", "reps"]].values.tolist() == [["bridge", true["reps"]]]
    assert len(a.repetitions) == true["reps"]


def test_very_short_recordings():
    for n in (0, 1, 3, 50):
        t = np.arange(n) / 50.0
        z = np.zeros(n)
        gyro = np.zeros((n, 3))
        acc = np.tile([9.81, 0.0, 0.0], (n, 1))
        assert detect_segments(t, z + 90, z, gyro, acc, 50.0) == []
    sim = simulate_session(3, n_blocks=1, fs_hz=50)
    short = sim.recording.crop(0.0, 1.5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = short.analyze(mount=Mount(sim.truth.mount, method="explicit"))
    assert a.segments == [] and len(a.postures) == short.n_samples
    a.to_json()
    a.summary()


def test_a_data_gap_never_hides_inside_a_hold():
    sim = simulate_session(5, n_blocks=4, fs_hz=100)
    hold = next(s for s in sim.truth.segments if s["kind"] == "hold")
    mid = 0.5 * (hold["start_s"] + hold["end_s"])
    df = sim.recording.samples
    cut = df[(df.index < mid - 1.5) | (df.index > mid + 1.5)]
    rec = Recording(cut, sim.recording.info)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = rec.analyze(mount=Mount(sim.truth.mount, method="explicit"))
    for s in a.segments:
        if s["kind"] in ("hold", "reps"):
            assert s["end_s"] <= mid - 1.4 or s["start_s"] >= mid + 1.4, s
    # the two halves are still found as holds of the exercise
    found = a.holds[a.holds.exercise == hold["exercise"]]
    assert ((found.end_s > hold["start_s"]) & (found.start_s < hold["end_s"])).sum() >= 1


def test_detection_does_not_depend_on_the_clock_origin():
    sim = simulate_session(4, n_blocks=2, fs_hz=50)
    rec = sim.recording
    shifted = Recording(rec.samples.set_axis(pd.Index(rec.time_s + 0.0, name="time_s")), rec.info)
    a, b = _analyse(sim), shifted.analyze(mount=Mount(sim.truth.mount, method="explicit"))
    assert [s["kind"] for s in a.segments] == [s["kind"] for s in b.segments]


@pytest.mark.parametrize("fs", [25.0, 200.0])
def test_rates_at_both_ends(fs):
    sim = simulate_session(10, n_blocks=4, fs_hz=fs)
    a = _analyse(sim)
    true = [s for s in sim.truth.segments if s["kind"] in ("hold", "reps")]
    for t in true:
        overlap = [s for s in a.segments if s["kind"] == t["kind"] and s["exercise"] == t["exercise"]
                   and min(s["end_s"], t["end_s"]) - max(s["start_s"], t["start_s"]) > 0.5 * (t["end_s"] - t["start_s"])]
        assert overlap, t
