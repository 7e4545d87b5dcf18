"""Detection accuracy on our simulator, pooled over 48 sessions, gated at the issue's
acceptance levels (holds, reps, wobble, form breaks, breathing).

Where a level is not reached the test says so: an xfail at the acceptance level (strict where the
measure is stable), next to a gate at the level reached now, so that a regression fails.
"""

from __future__ import annotations

import numpy as np
import pytest


def test_every_session_found_holds_and_sets(sim_score):
    assert sim_score.n_true_holds >= 80 and len(sim_score.sets) >= 25  # the sample is big enough
    assert sim_score.n_found_holds > 0.9 * sim_score.n_true_holds


def test_hold_f1_regression_gate(sim_score):
    assert sim_score.hold_f1 >= 0.95, sim_score.summary()


@pytest.mark.xfail(strict=True, reason="hold F1 is 0.966 on these sessions (0.944 on seeds 348-443, never "
                   "used for tuning): nearly every miss is a floor superman taken for a plank by its height; "
                   "the simulated people lie prone 0.67 m below their standing height on average against "
                   "the 0.75 m the detector's population priors expect, and where a session measures the "
                   "floor level poorly (no prone rest, or one reached over several movements) their supermen "
                   "come out 6-24 cm (most 6-12 cm) above it; "
                   "acceptance asks 0.97")
def test_hold_f1_at_acceptance(sim_score):
    assert sim_score.hold_f1 >= 0.97


def test_hold_duration_median_error(sim_score):
    assert sim_score.duration_median_error_s <= 0.3, sim_score.summary()


def test_hold_boundaries_are_unbiased(sim_score):
    start = np.median([h["start_err_s"] for h in sim_score.holds])
    end = np.median([h["end_err_s"] for h in sim_score.holds])
    assert abs(start) < 0.2 and abs(end) < 0.2, (start, end)


def test_rep_count_exact(sim_score):
    assert sim_score.rep_count_exact >= 0.95, [s for s in sim_score.sets if s["reps"] != s["true_reps"]]


def test_rep_range_of_motion_and_top_hold(sim_score):
    ok = [s for s in sim_score.sets if s["reps"] == s["true_reps"]]
    rom = np.median([abs(s["rom"] - s["true_rom"]) for s in ok])
    top = np.median([abs(s["top_hold_s"] - s["true_top_hold_s"]) for s in ok])
    times = np.median([s["rep_time_err_s"] for s in ok])
    assert rom < 2.0 and top < 0.5 and times < 0.5, (rom, top, times)


def test_wobble_score_ranks_like_the_true_sway(sim_score):
    assert sim_score.wobble_spearman >= 0.9


def test_fatigue_index_follows_the_growth_of_sway(sim_score):
    from scipy.stats import spearmanr

    pairs = [(h["fatigue"], h["true_fatigue"]) for h in sim_score.holds if h["fatigue"] == h["fatigue"]]
    assert spearmanr(*zip(*pairs)).statistic >= 0.5  # a sanity check: no acceptance level


def test_form_breaks_found_on_time_without_false_alarms(sim_score):
    assert sim_score.form_break_recall >= 0.9, [b for b in sim_score.breaks if not b["found"]]
    assert sim_score.form_false_alarm_rate <= 0.1
    found = [b for b in sim_score.breaks if b["found"]]
    assert np.mean([b["found_direction"] == b["direction"] for b in found]) >= 0.95


def _steady_holds_session(seed: int):
    """Three 40-s holds with little sway (0.3-0.7°), breathing 0.3-0.5° deep, between stands."""
    from sensorback.simulate import simulate_session
    from sensorback.simulate.programme import Phase, exercise_block, hold_params, rest_posture

    rng = np.random.default_rng(seed)
    phases = [Phase("calibration", None, rest_posture(rng, "standing"), 6, {"sway_deg": 0.1})]
    for exercise in ("plank", "bridge", "side_plank_left"):
        p = hold_params(rng, 40.0, False)
        p.update(sway_deg=float(rng.uniform(0.3, 0.7)), fatigue_gain=0.3, breath_deg=float(rng.uniform(0.3, 0.5)),
                 jerks=[])
        phases.append(Phase("hold", exercise, exercise_block(rng, exercise, "hold").posture, 40.0, p))
        phases.append(Phase("rest", None, rest_posture(rng, "standing"), 8, {"sway_deg": 0.1}))
    return simulate_session(seed, phases=phases, fs_hz=(25.0, 50.0, 100.0)[seed % 3])


def test_breathing_rate_in_steady_holds():
    from .scoring import Score, truth_from_sim

    score = Score()
    for seed in range(6):
        sim = _steady_holds_session(seed)
        score.add(truth_from_sim(sim.truth), sim.recording.analyze().segments, tag=seed)
    # even here, breathing stands out of the sway in about half the holds only (8 of these 18,
    # 26 of 54 over seeds 0-17; 28 of 54 before the simulated sway stopped jumping at the ends
    # of holds, a flip of marginal holds either way)
    assert score.breathing_coverage >= 0.4, score.summary()
    assert score.breathing_median_error_bpm <= 2.0, score.holds


def test_breathing_rate_regression_gate(sim_score):
    # in random sessions, breathing is reported only for steady holds where it stands out
    # (11 % of the holds of 15 s or more in these sessions, median error 1.6 bpm)
    assert sim_score.breathing_median_error_bpm <= 2.5, sim_score.summary()
    assert sim_score.breathing_coverage >= 0.05, "breathing reported for too few holds"


@pytest.mark.xfail(strict=True, reason="breathing in random sessions is reported only where it stands "
                   "out of the sway: 11 % of the holds of 15 s or more here (median error 1.6 bpm); about "
                   "15 % pooled over 280 holds of our simulator and 320 of the oracle (median 1.1-1.2 bpm); "
                   "acceptance, honestly, is 2 bpm on most holds")
def test_breathing_rate_at_acceptance(sim_score):
    assert sim_score.breathing_median_error_bpm <= 2.0
    assert sim_score.breathing_coverage >= 0.5


def test_a_set_after_a_bench_hold_and_a_rest_on_the_back_is_its_own_set():
    # our seed 329: a bench hold (151-168 s) swaying by ~9°, a rest lying supine, then 9 bench
    # hyperextensions of ~48°.  The hold's sway peaks were chained to the set across the rest
    # (the body turned over in between), and the whole was too irregular to count; split off,
    # the sway made a floor "set" right beside the bench hold
    import warnings

    from sensorback.simulate import simulate_session

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        segs = simulate_session(329).recording.analyze().segments
    got = [(s["kind"], s["exercise"], s.get("variant"), s.get("reps")) for s in segs if 140 < s["start_s"] < 220]
    assert got == [("hold", "hyperextension", "bench", None), ("rest", None, None, None),
                   ("reps", "hyperextension", "bench", 9)]


def test_a_superman_rocking_on_the_floor_keeps_its_height():
    # our seed 334: a floor hyperextension held 16 s from standing, rocking by ~9 deg/s, then a
    # prone rest.  The movement from it to the rest was measured right (+1 cm, true +0.6) over
    # still stretches, but was discounted as "unsettled" by the hold's jolts (sd 26 cm), so
    # only the way down from standing placed it, 6 cm too high: a plank
    import warnings

    from sensorback.simulate import simulate_session

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        segs = simulate_session(334).recording.analyze().segments
    hold, = [s for s in segs if 25 < s["start_s"] < 28]
    assert (hold["kind"], hold["exercise"], hold["variant"]) == ("hold", "hyperextension", "floor")
    assert hold["height_above_prone_m"] == pytest.approx(0.0, abs=0.05)  # -0.02 true


def test_a_side_plank_swaying_hard_is_one_hold():
    # our seed 340: a 35-s side plank whose sway grows to 5-7 deg RMS (15-19 deg/s) with a 9.5-deg
    # pike; twice it counts as moving for a moment, and it came out as three holds
    import warnings

    from sensorback.simulate import simulate_session

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        segs = simulate_session(340).recording.analyze().segments
    holds = [s for s in segs if s["kind"] == "hold" and 180 < s["start_s"] < 230]
    assert [h["exercise"] for h in holds] == ["side_plank_right"]
    assert holds[0]["start_s"] == pytest.approx(190.9, abs=1.0)
    assert holds[0]["end_s"] == pytest.approx(226.1, abs=1.0)


@pytest.mark.parametrize("seed, window, expected", [
    # a set of floor supermen (8.6 deg), a rest lying prone at their tops' level, then ten
    # bench hyperextensions (51 deg): the last floor lift was chained through the rest to the
    # bench set, and the whole was too irregular to count
    (349, (470, 605), [("hyperextension", "floor"), ("hyperextension", "bench")]),
    # two bench sets (8 and 14 reps) with a rest lying prone on the floor between them, at
    # the tops' level: the rest was taken for a rep with a 14-s top and the sets for one of 23
    (387, (250, 340), [("hyperextension", "bench"), ("hyperextension", "bench")]),
])
def test_rep_sets_parted_by_a_rest_at_their_tops_level(seed, window, expected):
    import warnings

    from sensorback.simulate import simulate_session

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sim = simulate_session(seed)
        segs = sim.recording.analyze().segments
    found = [s for s in segs if s["kind"] == "reps" and window[0] < s["start_s"] < window[1]]
    true = [s for s in sim.truth.segments if s["kind"] == "reps" and window[0] < s["start_s"] < window[1]]
    assert [(s["exercise"], s["variant"]) for s in found] == expected
    assert [s["start_s"] for s in found] == pytest.approx([s["start_s"] for s in true], abs=1.0)
    if seed == 387:
        assert [s["reps"] for s in found] == [s["reps"] for s in true] == [8, 14]
