"""A fixed programme, one 30-s plank after the standing start and a set of bridges, over several
sessions of our simulator: the plank must come out as one plank hold (IoU ≥ 0.5), not as two
holds, a hyperextension or a hold cut short, and nothing else as a hold.

Planks are where the sway is largest (up to 4-5 deg RMS with fatigue), and a sag drifts the pitch
across the raised/flat threshold mid-hold; the vertical displacement integrated there is blurred by
that sway, so such a drift must not split the hold.
"""

from __future__ import annotations

import warnings

import pytest

from .scoring import iou

SEEDS = range(100, 112)
PROGRAMME = "plank:hold:30,bridge:reps:8"


@pytest.fixture(scope="module")
def plank_sessions() -> list[tuple[int, dict, list[dict]]]:
    from sensorback.simulate import simulate_session

    out = []
    for seed in SEEDS:
        sim = simulate_session(seed, fs_hz=(25.0, 50.0)[seed % 2], programme=PROGRAMME)
        (plank,) = [s for s in sim.truth.segments if s["kind"] == "hold"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            holds = [s for s in sim.recording.analyze().segments if s["kind"] == "hold"]
        out.append((seed, plank, holds))
    return out


def _one_plank(plank: dict, holds: list[dict]) -> bool:
    return len(holds) == 1 and holds[0]["exercise"] == "plank" and iou(plank, holds[0]) >= 0.5


def test_plank_after_standing_start_is_one_plank_hold(plank_sessions):
    wrong = [(seed, [(h["exercise"], round(h["start_s"], 1), round(h["end_s"], 1)) for h in holds])
             for seed, plank, holds in plank_sessions if not _one_plank(plank, holds)]
    # measured: 11 of 12 (seed 100 at 25 Hz: a 4.6-deg-RMS sway turns fast enough to read as a
    # movement 20 s in, splitting the plank); 10 of 12 before sway-calibrated splitting
    assert len(wrong) <= 1, wrong


def test_plank_duration_is_not_cut_short(plank_sessions):
    errors = sorted(abs((h["end_s"] - h["start_s"]) - (p["end_s"] - p["start_s"]))
                    for _, p, holds in plank_sessions if _one_plank(p, holds) for h in holds)
    assert errors[len(errors) // 2] <= 0.3 and errors[-2] <= 2.0, errors
