"""The detection results in the Python API, the JSON result and the terminal summary."""

from __future__ import annotations

import json
import warnings

import pytest

from sensorback.simulate import simulate_session


@pytest.fixture(scope="module")
def analysis():
    sim = simulate_session(3, fs_hz=100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sim.recording.analyze()


def test_json_segments_keep_the_contract(analysis):
    d = json.loads(analysis.to_json())
    assert d["schema"] == "sensorback.analysis/1"
    assert "detection" in d["settings"] and d["settings"]["detection"]["min_hold_s"] == 5.0
    holds = [s for s in d["segments"] if s["kind"] == "hold"]
    sets = [s for s in d["segments"] if s["kind"] == "reps"]
    assert holds and sets
    for s in holds:
        for key in ("exercise", "start_s", "end_s", "duration_s", "wobble", "breathing_bpm", "breaths",
                    "form_breaks", "pitch_deg", "roll_deg"):
            assert key in s, key
        assert {"score", "tremor", "fatigue"} <= set(s["wobble"])
        for b in s["form_breaks"]:
            assert {"start_s", "direction", "deviation_deg"} <= set(b)
        assert s["end_s"] - s["start_s"] >= 5.0
    for s in sets:
        for key in ("exercise", "start_s", "end_s", "reps", "rep_times_s", "rom_deg", "top_hold_s"):
            assert key in s, key
        assert len(s["rep_times_s"]) == s["reps"]
    times = [s["start_s"] for s in d["segments"]]
    assert times == sorted(times)


def test_tidy_frames(analysis):
    holds, reps = analysis.holds, analysis.reps
    assert len(holds) == sum(s["kind"] == "hold" for s in analysis.segments)
    assert (holds.duration_s >= 5.0).all() and holds.sway_deg_rms.notna().all()
    assert len(analysis.repetitions) == reps.reps.sum()
    assert set(analysis.form_breaks.columns) >= {"hold", "start_s", "direction", "deviation_deg"}
    assert set(analysis.jerks.columns) >= {"hold", "time_s", "size_deg"}
    postures = analysis.postures
    assert len(postures) == analysis.recording.n_samples
    assert set(postures.dropna().unique()) <= {"upright", "flexed", "prone", "supine", "side_left", "side_right",
                                               "moving"}


def test_annotations_carry_the_segments(analysis):
    ann = analysis.annotations
    holds = ann.select("hold/")
    assert len(holds) == len(analysis.holds)
    assert len(ann.select("reps/")) == len(analysis.reps)


def test_summary_lists_holds_and_sets(analysis):
    text = analysis.summary()
    assert "exercises" in text
    for s in analysis.segments:
        if s["kind"] == "hold":
            assert f"hold  {s['exercise']}" in text
        if s["kind"] == "reps":
            assert f"{s['reps']} reps" in text
