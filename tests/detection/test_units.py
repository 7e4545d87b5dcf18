"""Each detection step on synthetic signals whose answer is known exactly."""

from __future__ import annotations

import numpy as np
import pytest

from sensorback.detection.breathing import breathing_lift, breathing_rate
from sensorback.detection.form import find_form_breaks
from sensorback.detection.height import (
    displacement_between_stretches,
    edge_sd,
    solve_heights,
    vertical_displacement,
)
from sensorback.detection.holds import fit_half_bell, fit_step, is_floor_height
from sensorback.detection.jerks import find_jerks
from sensorback.detection.posture import hysteresis
from sensorback.detection.reps import find_rep_sets
from sensorback.detection.signals import make_grid
from sensorback.detection.wobble import compute_wobble
from sensorback.settings import DetectionSettings

FS = 20.0


def _mj(s):
    s = np.clip(s, 0.0, 1.0)
    return s**3 * (10 - 15 * s + 6 * s * s)


def _sway(rng, n, fs, rms, lo=0.15, hi=1.0):
    """Band-limited noise of a given RMS (FFT-shaped)."""
    spec = np.fft.rfft(rng.normal(size=n))
    f = np.fft.rfftfreq(n, 1 / fs)
    spec[(f < lo) | (f > hi)] = 0
    x = np.fft.irfft(spec, n)
    return rms * x / x.std()


def test_hysteresis_holds_state_between_thresholds():
    x = np.array([0, 5, 3.5, 2.9, 3.2, 6, 2, 0])
    assert hysteresis(x, 3.0, 5.0).tolist() == [False, True, True, False, False, True, False, False]


@pytest.mark.parametrize("duration, end", [(1.2, 10.0), (2.5, 12.3), (4.0, 8.0)])
def test_half_bell_fit_finds_where_a_movement_ends_and_starts(duration, end):
    rng = np.random.default_rng(0)
    t = np.arange(0, 20, 1 / FS)
    s = (t - (end - duration)) / duration
    speed = 60.0 / duration * 30 * np.clip(s, 0, 1) ** 2 * (1 - np.clip(s, 0, 1)) ** 2
    y = speed + rng.normal(0, 2.0, t.size)
    peak = int(np.argmax(speed))
    assert fit_half_bell(t, y, peak, t.size - 1, falling=True) == pytest.approx(end, abs=0.1)
    assert fit_half_bell(t, y, peak, 0, falling=False) == pytest.approx(end - duration, abs=0.1)


def test_step_fit_finds_a_slow_transition():
    rng = np.random.default_rng(1)
    t = np.arange(0, 12, 1 / FS)
    x = _mj((t - 4.3) / 3.1) + rng.normal(0, 0.05, t.size)
    start, duration = fit_step(t, x)
    assert start == pytest.approx(4.3, abs=0.15)
    assert duration == pytest.approx(3.1, abs=0.3)


def test_vertical_displacement_of_a_lift_despite_bias_and_noise():
    rng = np.random.default_rng(2)
    t = np.arange(0, 6, 1 / FS)
    z = 0.35 * _mj((t - 1.5) / 2.5)
    acc = np.gradient(np.gradient(z, t), t) + 0.03 + rng.normal(0, 0.005, t.size)
    assert vertical_displacement(t, acc, 0, t.size - 1, 4) == pytest.approx(0.35, abs=0.02)


def _swaying_lift(seed: int, early_m: float = 0.0):
    """A 0.30 m lift over 3 s (from 6 s; ``early_m`` more of it in the 2 s before) between two
    postures swaying by 2 × 6 mm at 0.35-0.6 Hz, with an accelerometer residual and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(0, 15, 1 / FS)
    f1, f2 = rng.uniform(0.35, 0.6, 2)
    z = 0.006 * np.sin(2 * np.pi * f1 * t + rng.uniform(0, 6)) + 0.006 * np.sin(2 * np.pi * f2 * t + rng.uniform(0, 6))
    z += 0.30 * _mj((t - 6.0) / 3.0)
    z += early_m * _mj((t - 4.0) / 2.0)
    acc = np.gradient(np.gradient(z, t), t) + 0.02 + rng.normal(0, 0.01, t.size)
    return t, z, acc


def test_displacement_between_still_stretches_averages_the_sway_out():
    i0, i1, n = int(5.8 * FS), int(9.2 * FS), int(5 * FS)
    point, stretch = [], []
    for seed in range(8):
        t, z, acc = _swaying_lift(seed)
        true = z[i1 : i1 + n].mean() - z[i0 - n + 1 : i0 + 1].mean()
        dh, residual = displacement_between_stretches(t, acc, i0 - n + 1, i0, i1, i1 + n - 1)
        stretch.append(abs(dh - true))
        assert residual < 0.01
        point.append(abs(vertical_displacement(t, acc, i0, i1, 4, before=int(FS), after=int(FS)) - (z[i1] - z[i0])))
    # zero velocity at one instant of the sway is off by its speed (up to 4 cm/s here):
    # 3-23 cm, against 0-3.4 cm between the stretches' means
    assert np.median(stretch) < 0.02 and max(stretch) < 0.04, stretch
    assert np.median(point) > 3 * np.median(stretch), (stretch, point)


def test_a_stretch_that_is_not_still_shows_in_the_residual():
    # a plank lowered to the floor (15 cm) in the 2 s before the movement's window
    t, z, acc = _swaying_lift(1, early_m=-0.15)
    i0, i1, n = int(5.8 * FS), int(9.2 * FS), int(5 * FS)
    _, residual = displacement_between_stretches(t, acc, i0 - n + 1, i0, i1, i1 + n - 1)
    assert residual > 0.01


def test_heights_chain_from_anchors_and_discount_a_bad_one():
    edges = [(0, 1, -0.6, 0.05), (1, 2, -0.2, 0.03), (2, 3, 0.2, 0.03), (3, 4, 0.6, 0.05)]
    priors = [(0, 1.0, 0.05), (4, 1.0, 0.05), (2, 0.2, 0.04), (1, 1.0, 0.04)]  # the last is wrong
    h, sd = solve_heights(5, edges, priors)
    assert h == pytest.approx([1.0, 0.4, 0.2, 0.4, 1.0], abs=0.05)
    h, _ = solve_heights(3, [(0, 1, 0.1, 0.02)], [])
    assert np.isnan(h).all()


def test_standing_spans_share_one_level_that_the_movements_pull_to_the_person():
    # a person whose sacrum stands at 0.92 m (population prior 1.0 ± 0.08) goes down to two
    # prone rests (0.22 m) and, later, to a floor superman (0.24 m) straight from standing;
    # seven standing spans are one unknown, not seven independent draws of the prior
    kinds = "SPSPSSSFSS"
    true = {"S": 0.92, "P": 0.22, "F": 0.24}
    edges = [(i, i + 1, 0.0, 0.03) if kinds[i] == kinds[i + 1] == "S"
             else (i, i + 1, true[kinds[i + 1]] - true[kinds[i]], edge_sd(6.0)) for i in range(len(kinds) - 1)]
    levels = [(1.0, 0.08), (0.22, 0.04)]
    links = [(i, "SP".index(k), 0.025) for i, k in enumerate(kinds) if k in "SP"]
    h, sd, lev, lev_sd, cov = solve_heights(len(kinds), edges, [], levels=levels, links=links, with_levels=True)
    standing = h[[i for i, k in enumerate(kinds) if k == "S"]]
    assert np.ptp(standing) < 0.005  # one level, wherever the span sits in the chain
    assert standing.max() < 0.965  # per-span priors: 0.97-1.0
    # the superman sits on the person's prone level, and its offset from it is surer than its
    # height: both rest on the same movements from the same standing level
    above, above_sd = h[7] - lev[1], np.sqrt(sd[7] ** 2 + lev_sd[1] ** 2 - 2 * cov[7, 1])
    assert h[7] < 0.29 and above < 0.05 and above_sd < sd[7]
    assert is_floor_height(above, above_sd)
    # standing more often does not make the person's height surer than the population's spread
    h, sd = solve_heights(7, [], [], levels=[(1.0, 0.08)], links=[(i, 0, 0.025) for i in range(7)])
    assert h == pytest.approx(np.full(7, 1.0)) and sd == pytest.approx(np.full(7, np.hypot(0.08, 0.025)))


def test_shared_levels_solve_exactly_as_the_dense_least_squares():
    rng = np.random.default_rng(0)
    n = 12
    edges = [(i, i + 1, rng.normal(0, 0.3), 0.1 + 0.1 * rng.random()) for i in range(n - 1)] + [(0, 3, 0.1, 0.2)]
    priors = [(5, 0.3, 0.05)]
    levels = [(1.0, 0.08), (0.22, 0.04)]
    links = [(0, 0, 0.025), (4, 0, 0.025), (9, 0, 0.03), (2, 1, 0.02), (7, 1, 0.02)]
    h, sd = solve_heights(n, edges, priors, iterations=1, levels=levels, links=links)
    rows, y, w = [], [], []
    for i, j, d, s in edges:
        rows.append(np.eye(n + 2)[j] - np.eye(n + 2)[i]), y.append(d), w.append(s**-2)
    for i, v, s in priors:
        rows.append(np.eye(n + 2)[i]), y.append(v), w.append(s**-2)
    for g, (v, s) in enumerate(levels):
        rows.append(np.eye(n + 2)[n + g]), y.append(v), w.append(s**-2)
    for i, g, s in links:
        rows.append(np.eye(n + 2)[i] - np.eye(n + 2)[n + g]), y.append(0.0), w.append(s**-2)
    X, W = np.array(rows), np.diag(w)
    M = X.T @ W @ X + np.diag(np.r_[np.full(n, 1e-9), 0.0, 0.0])
    assert h == pytest.approx(np.linalg.solve(M, X.T @ W @ np.array(y))[:n], abs=1e-9)
    assert sd == pytest.approx(np.sqrt(np.diag(np.linalg.inv(M)))[:n], abs=1e-9)
    h2, sd2, lev, lev_sd, cov = solve_heights(n, edges, priors, iterations=1, levels=levels, links=links,
                                              with_levels=True)
    inv = np.linalg.inv(M)
    assert h2 == pytest.approx(h, abs=1e-12) and sd2 == pytest.approx(sd, abs=1e-12)
    assert lev == pytest.approx(np.linalg.solve(M, X.T @ W @ np.array(y))[n:], abs=1e-9)
    assert lev_sd == pytest.approx(np.sqrt(np.diag(inv))[n:], abs=1e-9)
    assert cov == pytest.approx(inv[:n, n:], abs=1e-9)


def test_a_raised_face_down_hold_is_a_superman_where_it_sits_on_the_prone_level():
    # a superman's pelvis stays on the floor; a plank holds it 0.15 m (forearms) to 0.28 m
    # (straight arms) higher
    assert is_floor_height(0.0, 0.03) and is_floor_height(0.04, 0.03)
    assert not is_floor_height(0.15, 0.03) and not is_floor_height(0.28, 0.03)
    assert not is_floor_height(0.45, 0.03)  # far above both: no reason to call it a superman
    # when the offset says little, planks being the commoner exercise decide
    assert not is_floor_height(0.05, 0.3) and not is_floor_height(0.05, float("nan"))


def test_an_edge_from_a_posture_still_moving_counts_for_little():
    # seed 112 of the oracle: getting up from the floor pauses for a second (plank -> 1 s
    # "prone" -> standing); both movements read about a metre too low, and a plank that
    # trusted them sat at 1.8 m
    assert edge_sd(5.0, -0.2) == edge_sd(5.0) == pytest.approx(0.04)
    sd = [edge_sd(6.0), edge_sd(2.7, 0.23), edge_sd(5.5, 0.24)]
    assert sd[1] > 0.5 and sd[2] > 1.0
    edges = [(0, 1, -0.68, sd[0]), (1, 2, -0.18, sd[1]), (2, 3, -0.75, sd[2])]
    h, _ = solve_heights(4, edges, [(0, 1.0, 0.08), (3, 1.0, 0.08)])
    assert h[1] == pytest.approx(0.35, abs=0.1)


def _grid_from_pitch(pitch, face_down=True, fs=FS):
    n = pitch.size
    t = np.arange(n) / fs
    up_z = np.cos(np.radians(pitch)) * (1 if face_down else -1)
    acc = 9.81 * np.column_stack((np.sin(np.radians(pitch)), np.zeros(n), up_z))
    gyro = np.zeros((n, 3))
    gyro[:, 1] = -np.radians(np.gradient(pitch, t))
    return t, acc, gyro, make_grid(t, pitch, np.zeros(n), gyro, acc, fs)


def _rep_set(n_reps, rom, bottom, rng, top_hold=1.0, fs=FS, lead=6.0):
    t = np.arange(0, lead + n_reps * (2.6 + top_hold) + lead, 1 / fs)
    x = np.full(t.size, bottom, dtype=float)
    t0 = lead
    for _ in range(n_reps):
        up, down = rng.uniform(0.8, 1.2), rng.uniform(0.9, 1.3)
        x += rom * (_mj((t - t0) / up) - _mj((t - t0 - up - top_hold) / down))
        t0 += up + top_hold + down + rng.uniform(0.3, 0.6)
    return x + rng.normal(0, 0.2, t.size)


def test_rep_sets_are_counted_and_measured():
    rng = np.random.default_rng(3)
    pitch = _rep_set(10, 11.0, 0.0, rng)
    sets = find_rep_sets(_grid_from_pitch(pitch)[3])
    assert len(sets) == 1
    s = sets[0]
    assert (s["exercise"], s["variant"], s["reps"]) == ("hyperextension", "floor", 10)
    assert s["rom_deg"] == pytest.approx(11.0, abs=1.0)
    assert s["top_hold_s"] == pytest.approx(1.0, abs=0.35)
    bridge = find_rep_sets(_grid_from_pitch(-_rep_set(8, 25.0, 0.0, rng), face_down=False)[3])
    assert [(b["exercise"], b["reps"]) for b in bridge] == [("bridge", 8)]


@pytest.mark.parametrize("pause_s, reps", [(0.0, 8), (1.0, 8)])
def test_the_way_out_through_the_bottom_is_not_a_rep(pause_s, reps):
    """Floor supermen, then up to all fours (a rise like a rep) and on back to child's pose: the
    pitch runs through the set's bottom without stopping, so that last rise is not a rep — with
    or without a pause at the bottom after the last real rep."""
    t = np.arange(0, 50, 1 / FS)
    x = np.zeros(t.size)
    t0 = 6.0
    for _ in range(8):
        x += 9.0 * (_mj((t - t0) / 1.0) - _mj((t - t0 - 2.0) / 1.1))
        t0 += 3.6
    t0 += pause_s
    x += 8.0 * _mj((t - t0) / 1.0) - 43.0 * _mj((t - t0 - 1.2) / 1.2)
    x += np.random.default_rng(5).normal(0, 0.2, t.size)
    sets = find_rep_sets(_grid_from_pitch(x)[3])
    assert [(s["exercise"], s["reps"]) for s in sets] == [("hyperextension", reps)]


def test_sway_alone_makes_no_rep_set():
    rng = np.random.default_rng(4)
    n = int(60 * FS)
    pitch = 9.0 + _sway(rng, n, FS, 3.0, 0.1, 0.5)
    assert find_rep_sets(_grid_from_pitch(pitch)[3]) == []


def test_form_break_start_direction_and_size():
    rng = np.random.default_rng(5)
    t = np.arange(0, 40, 1 / FS)
    pitch = 10.0 + _sway(rng, t.size, FS, 0.8) - 7.0 * _mj((t - 22.0) / 3.0)
    up = np.column_stack((np.sin(np.radians(pitch)), np.zeros(t.size), np.cos(np.radians(pitch))))
    breaks, drift = find_form_breaks(t, pitch, up, "plank", FS)
    assert len(breaks) == 1
    assert breaks[0]["direction"] == "sag" and breaks[0]["axis"] == "pitch"
    assert breaks[0]["start_s"] == pytest.approx(22.0, abs=1.0)
    assert breaks[0]["deviation_deg"] == pytest.approx(-7.0, abs=1.5)
    # the same drift in a bridge is the hips rising: a pike; a clean hold has none
    assert find_form_breaks(t, pitch, up, "bridge", FS)[0][0]["direction"] == "pike"
    clean = 10.0 + _sway(rng, t.size, FS, 0.8)
    assert find_form_breaks(t, clean, up, "plank", FS)[0] == []


def test_wobble_score_follows_the_sway_and_fatigue_its_growth():
    rng = np.random.default_rng(6)
    n = int(40 * FS)
    gyro = np.zeros((int(40 * 100), 3))
    for rms in (0.5, 1.0, 2.0):
        w = compute_wobble(10 + _sway(rng, n, FS, rms), _sway(rng, n, FS, rms), FS, gyro, 100.0)
        assert w["score"] == pytest.approx(np.sqrt(2) * rms, rel=0.15)
        assert w["fatigue"] == pytest.approx(1.0, abs=0.35)
    grow = np.linspace(1, 3, n)
    w = compute_wobble(10 + grow * _sway(rng, n, FS, 1.0), grow * _sway(rng, n, FS, 1.0), FS, gyro, 100.0)
    assert w["fatigue"] > 1.5
    assert len(w["sway_course_deg"]) == 8


def test_tremor_is_measured_in_its_band_and_absent_at_low_rates():
    t = np.arange(0, 20, 0.01)
    gyro = np.zeros((t.size, 3))
    gyro[:, 0] = 4.0 * np.sin(2 * np.pi * 9.0 * t)  # deg/s
    w = compute_wobble(np.full(400, 10.0), np.zeros(400), FS, gyro, 100.0)
    assert w["tremor"] == pytest.approx(4.0 / np.sqrt(2), rel=0.05)
    # at 12.5 Hz the tremor band is out of reach
    assert compute_wobble(np.full(400, 10.0), np.zeros(400), FS, gyro[::8], 12.5)["tremor"] is None


def test_breathing_rate_when_it_is_visible():
    rng = np.random.default_rng(7)
    t = np.arange(0, 45, 1 / FS)
    f = 14.0 / 60
    pitch = 10 + 0.4 * np.sin(2 * np.pi * f * t) + _sway(rng, t.size, FS, 0.2)
    acc_up = -0.002 * (2 * np.pi * f) ** 2 * np.sin(2 * np.pi * f * t + 0.3) + rng.normal(0, 0.001, t.size)
    bpm, confidence = breathing_rate(pitch, acc_up, FS)
    assert bpm == pytest.approx(14.0, abs=0.6)
    assert confidence >= DetectionSettings().breathing_min_confidence
    assert breathing_rate(pitch[: int(10 * FS)], acc_up[: int(10 * FS)], FS) == (None, 0.0)


def test_jerks_are_found_with_time_and_size():
    rng = np.random.default_rng(8)
    t = np.arange(0, 30, 1 / FS)
    pulse = 4.0 * np.exp(-0.5 * ((t - 12.0) / 0.08) ** 2)
    pitch = 10 + _sway(rng, t.size, FS, 0.3) + pulse
    speed = np.abs(np.gradient(pitch, t))
    jerks = find_jerks(t, pitch, np.zeros(t.size), speed, FS)
    assert len(jerks) == 1
    assert jerks[0]["time_s"] == pytest.approx(12.0, abs=0.1)
    assert jerks[0]["size_deg"] == pytest.approx(4.0, rel=0.3)


def test_breathing_lift_removes_the_rotation_about_the_hips():
    rng = np.random.default_rng(9)
    t = np.arange(0, 40, 1 / FS)
    pitch = 10 + _sway(rng, t.size, FS, 1.0)  # deg
    roll = _sway(rng, t.size, FS, 0.8)
    gyro = np.column_stack((np.gradient(roll, t), np.gradient(pitch, t), np.zeros(t.size)))  # deg/s
    f = 12.0 / 60
    lift = -0.001 * (2 * np.pi * f) ** 2 * np.sin(2 * np.pi * f * t)  # 1 mm of breathing lift
    # the sacrum 8 cm caudal of the pivot: the sway's angular acceleration moves it vertically
    alpha = np.gradient(np.radians(gyro[:, 1]), t)
    acc_up = -0.08 * alpha + lift + rng.normal(0, 0.0003, t.size)
    rest = breathing_lift(acc_up, gyro, pitch, roll, FS)
    inner = slice(int(5 * FS), int(-5 * FS))
    assert np.std(rest[inner] - lift[inner]) < 0.4 * np.std(lift)
    assert np.std(acc_up[inner] - lift[inner]) > 10 * np.std(lift)  # the sway hid it



def test_half_bell_ranking_finds_the_exact_best_fit():
    # the cheap residual identity only ranks: the winner is the argmin of the exact residuals
    from sensorback.detection.holds import (
        _COARSE_DURATIONS,
        _COARSE_SHIFTS,
        _amplitudes,
        _bells,
        _best_each,
        _best_half_bells,
        _residuals,
    )

    def exact_sse(tt, yy, valid, peak_t, durations, shifts):
        # every residual summed, no ranking: the reference
        f, start = _bells(tt, valid, peak_t, durations, shifts)
        den, _, amp = _amplitudes(f, yy)
        sse = _residuals(f, yy[:, None, None, :], amp)
        sse[(amp <= 0) | (den <= 0)] = np.inf
        return sse, start

    rng = np.random.default_rng(10)
    for trial in range(40):
        p, n = int(rng.integers(1, 6)), int(rng.integers(3, 120))
        tt = np.sort(rng.uniform(0, 8, (p, n)), axis=1)
        # noise, or rounded bells (ties and near-ties)
        yy = rng.normal(size=(p, n)) if trial % 3 else np.round(30 * _mj(tt / 4.0) * (1 - _mj(tt / 4.0)), 1)
        valid = np.arange(n) < n - int(rng.integers(0, n // 2 + 1))
        valid = np.broadcast_to(valid, (p, n))
        tt = np.where(valid, tt, tt[:, [int(valid[0].sum()) - 1]])  # padded as fit_half_bells does
        yy = np.where(valid, yy, 0.0)
        peak_t = rng.uniform(0, 8, p)
        durations = np.broadcast_to(_COARSE_DURATIONS, (p, _COARSE_DURATIONS.size))
        shifts = np.broadcast_to(_COARSE_SHIFTS, (p, _COARSE_SHIFTS.size))
        sse, start = exact_sse(tt, yy, valid, peak_t, durations, shifts)
        allowed = rng.random(sse.shape) < 0.8
        kd, ks, ok, start2 = _best_half_bells(tt, yy, valid, peak_t, durations, shifts, allowed)
        sse[~allowed] = np.inf
        for a, b in zip(_best_each(sse), (kd, ks, ok)):
            assert np.array_equal(a, b)
        assert np.array_equal(start, start2)


def test_fast_reductions_equal_numpy():
    from sensorback.processing.filters import mean, median, row_dot, row_norm

    rng = np.random.default_rng(11)
    assert np.isnan(median(np.empty(0)))
    for n in (1, 2, 7, 255, 256, 257, 4000, 40_000, 70_001):
        for x in (rng.normal(size=n), np.round(rng.normal(size=n), 1), np.full(n, 0.01)):
            assert median(x) == np.median(x)
            assert mean(x) == np.mean(x)
            x[rng.integers(0, n)] = np.nan
            assert np.isnan(median(x))
    for k in (1, 2, 3, 4, 5):
        x, y = rng.normal(size=(1000, k)), rng.normal(size=(1000, k))
        for a in (x, np.asfortranarray(x), x[3:-2]):
            assert np.array_equal(row_norm(a), np.linalg.norm(a, axis=1))
            assert np.array_equal(row_dot(a, y[: len(a)]), np.sum(a * y[: len(a)], axis=1))


def test_a_floor_set_inside_a_plank_is_the_planks_sway():
    """A floor superman set with a plank held right up to it and on from it is the plank's
    sway: between a plank and the floor lies a quarter-metre drop and rise, which take time."""
    from sensorback.detection.holds import Span
    from sensorback.detection.segments import _is_sway_of_a_hold

    def span(start, end, exercise, height=0.5):
        return Span(0, 1, 6, start_s=start, end_s=end, kind="hold", exercise=exercise, height_m=height)

    floor = {"exercise": "hyperextension", "variant": "floor", "start_s": 14.55, "end_s": 29.04}
    plank = [span(9.21, 14.5, "plank"), span(29.1, 35.0, "plank")]
    assert _is_sway_of_a_hold(floor, plank, 1.0, 5.0)
    # the real thing: lying prone before and after, or time to get down in between
    assert not _is_sway_of_a_hold(floor, [span(5.0, 12.0, "plank"), plank[1]], 1.0, 5.0)
    assert not _is_sway_of_a_hold(floor, [Span(0, 1, 5, start_s=9.0, end_s=14.4), plank[1]], 1.0, 5.0)
    assert not _is_sway_of_a_hold({**floor, "variant": "bench"}, plank, 1.0, 5.0)
    # oracle seed 30: the tops of the first and last reps, a second long and of unknown
    # height, are no plank
    tops = [span(13.0, 14.5, "plank", float("nan")), span(29.1, 30.2, "plank", float("nan"))]
    assert not _is_sway_of_a_hold(floor, tops, 1.0, 5.0)


def test_a_heavily_swaying_plank_is_one_hold():
    # our simulator's seed 314: 3.5° RMS sway threw up a 5-rep floor superman set that cut the
    # 26-s plank in two
    import warnings

    from sensorback.analysis import analyze
    from sensorback.simulate import simulate_session

    sim = simulate_session(314)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        segs = analyze(sim.recording).segments
    first = [s for s in segs if s["start_s"] < 40.0 and s["kind"] != "rest"]
    assert [(s["kind"], s["exercise"]) for s in first] == [("hold", "plank")]
    assert first[0]["start_s"] == pytest.approx(9.16, abs=0.3)
    assert first[0]["end_s"] == pytest.approx(35.03, abs=0.3)


def test_a_movement_that_puts_a_posture_far_above_standing_is_dropped():
    # oracle seed 29: plank -> standing integrated to -1.57 m (truth +0.6), which put the plank
    # at 1.22 m and called it a bench hyperextension
    from sensorback.detection.holds import above_standing
    from sensorback.detection.posture import PRONE_RAISED, UPRIGHT

    assert above_standing(PRONE_RAISED, UPRIGHT, -1.57, 0.3)
    assert above_standing(UPRIGHT, PRONE_RAISED, 0.63, 0.3)
    assert not above_standing(PRONE_RAISED, UPRIGHT, 0.6, 0.3)  # getting up from a plank
    assert not above_standing(UPRIGHT, PRONE_RAISED, -0.1, 0.3)  # onto a bench
    assert not above_standing(UPRIGHT, PRONE_RAISED, 0.12, 0.3)  # a bench a little higher
    assert not above_standing(UPRIGHT, UPRIGHT, 0.5, 0.3)
