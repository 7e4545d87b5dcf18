"""Self-consistency of the independent oracle simulator (not of sensorback)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.transform import Rotation

from .independent_sim import COLUMNS, EXERCISES, OracleSession, generate

SEEDS = (0, 1, 2, 3, 4, 5)


@pytest.fixture(scope="module")
def sessions() -> dict[int, OracleSession]:
    return {s: generate(s, duration_scale=0.5) for s in SEEDS}


def _qmul(p, q):
    px, py, pz, pw = p.T
    qx, qy, qz, qw = q.T
    return np.stack(
        [
            pw * qx + px * qw + py * qz - pz * qy,
            pw * qy - px * qz + py * qw + pz * qx,
            pw * qz + px * qy - py * qx + pz * qw,
            pw * qw - px * qx - py * qy - pz * qz,
        ],
        axis=1,
    )


def _true(sess, s):
    return s / (1.0 + sess.params["clock_ppm"] * 1e-6)


def test_schema(sessions):
    for sess in sessions.values():
        assert list(sess.samples.columns) == COLUMNS
        assert list(sess.truth.columns) == ["time", "pitch_deg", "roll_deg"]
        assert len(sess.samples) == len(sess.truth) == len(sess.true_time_s) == len(sess.body_quat)
        t = sess.samples["time"].to_numpy()
        assert np.array_equal(t, sess.truth["time"].to_numpy())
        steps = np.diff(t) * sess.fs_hz
        assert steps.min() > 0.999 and np.allclose(steps, np.round(steps), atol=1e-6)
        assert np.round(steps).max() <= 11  # bursts of at most 10 lost rows
        assert sess.params["drop_fraction"] <= 0.025
        assert sess.fs_hz in (25, 50, 52, 100, 104, 200)
        rel_end = t[-1] - t[0]
        last = -1.0
        for seg in sess.segments:
            assert seg["kind"] in ("hold", "reps", "rest")
            assert (seg["exercise"] is None) == (seg["kind"] == "rest")
            assert seg["exercise"] is None or seg["exercise"] in EXERCISES
            assert 0 <= seg["start_s"] < seg["end_s"] <= rel_end + 1e-6
            assert seg["start_s"] >= last
            last = seg["end_s"]
            if seg["kind"] == "reps":
                assert seg["reps"] == len(seg["rep_times_s"]) >= 3
                assert all(seg["start_s"] < r < seg["end_s"] for r in seg["rep_times_s"])
        assert sess.segments[0]["calibration"] and sess.segments[0]["posture"] == "standing"
        assert 4.0 <= sess.segments[0]["end_s"] <= 8.1


def test_specific_force_at_rest_is_gravity(sessions):
    for sess in sessions.values():
        g = sess.params["g_mps2"]
        cal = sess.segments[0]
        t = np.linspace(0.5, _true(sess, cal["end_s"]) - 0.5, 400)
        f, w, R, _, _ = sess.model.sensor_signals(t, perturb=False)
        assert np.allclose(np.linalg.norm(f, axis=1), g, atol=1e-6)
        assert np.allclose(w, 0.0, atol=1e-9)
        # the axis pointing up reads +g: f = R_ws^T (0, 0, g)
        up_sensor = (R * sess.mount).inv().apply([0.0, 0.0, 1.0])
        assert np.allclose(f / g, up_sensor, atol=1e-6)
        # with sway and breathing the clean output stays within a few cm/s² of g
        tt = sess.samples["time"].to_numpy() - sess.samples["time"].iloc[0]
        m = (tt > 0.5) & (tt < cal["end_s"] - 0.5)
        norm = np.linalg.norm(sess.clean[["ax", "ay", "az"]].to_numpy()[m], axis=1)
        assert abs(norm.mean() - g) < 0.01 and np.abs(norm - g).max() < 0.2


def test_gravity_direction_matches_truth_angles(sessions):
    """Accelerometer -> body up vector -> pitch/roll, against truth, during calibration."""
    for sess in sessions.values():
        tt = sess.samples["time"].to_numpy() - sess.samples["time"].iloc[0]
        m = (tt > 0.5) & (tt < sess.segments[0]["end_s"] - 0.5)
        f = sess.clean[["ax", "ay", "az"]].to_numpy()[m]
        up_b = sess.mount.apply(f / np.linalg.norm(f, axis=1, keepdims=True))
        pitch = np.degrees(np.arcsin(up_b[:, 0]))
        roll = np.degrees(np.arcsin(up_b[:, 1]))
        assert abs(np.median(pitch - sess.truth["pitch_deg"].to_numpy()[m])) < 0.3
        assert abs(np.median(roll - sess.truth["roll_deg"].to_numpy()[m])) < 0.3


def test_integrated_gyro_reproduces_orientation():
    sess = generate(11, duration_scale=0.4)
    dt = 1.0 / 400.0
    t = np.arange(0.0, sess.params["duration_true_s"], dt)
    _, w_s, _, _, _ = sess.model.sensor_signals(t[:-1] + 0.5 * dt)
    q_ws = (sess.model.orientation(t) * sess.mount).as_quat()
    inc = Rotation.from_rotvec(w_s * dt).as_quat()
    # prefix product q0 * inc0 * inc1 * ... by a log-depth scan
    acc = inc.copy()
    k = 1
    while k < len(acc):
        acc[k:] = _qmul(acc[:-k], acc[k:])
        k *= 2
    q_int = _qmul(np.repeat(q_ws[:1], len(acc), axis=0), acc)
    err = (Rotation.from_quat(q_int).inv() * Rotation.from_quat(q_ws[1:])).magnitude()
    assert np.degrees(err).max() < 0.1


def test_specific_force_is_acceleration_minus_gravity(sessions):
    """f rotated to the world equals the sensor's acceleration plus g up (step-independent)."""
    rng = np.random.default_rng(0)
    for sess in sessions.values():
        t = np.sort(rng.uniform(1.0, sess.params["duration_true_s"] - 1.0, 2000))
        f, _, R, _, _ = sess.model.sensor_signals(t)
        h = 2e-3
        p = [sess.model.state(t + d)[1] for d in (-h, 0.0, h)]
        a_w = (p[0] - 2 * p[1] + p[2]) / h**2
        f_w = (R * sess.mount).apply(f)
        assert np.abs(f_w - a_w - [0.0, 0.0, sess.params["g_mps2"]]).max() < 0.05


def test_truth_matches_definitions(sessions):
    for sess in sessions.values():
        R = Rotation.from_quat(sess.body_quat)
        m = R.as_matrix()
        assert np.allclose(sess.truth["pitch_deg"], np.degrees(np.arcsin(m[:, 2, 0])), atol=1e-9)
        assert np.allclose(sess.truth["roll_deg"], np.degrees(np.arcsin(m[:, 2, 1])), atol=1e-9)
        # the truth is the body's (not the sensor's) orientation at each row's true time
        Rm = sess.model.orientation(sess.true_time_s)
        x_w, y_w = Rm.apply([1.0, 0.0, 0.0]), Rm.apply([0.0, 1.0, 0.0])
        assert np.allclose(sess.truth["pitch_deg"], np.degrees(np.arcsin(x_w[:, 2])), atol=1e-6)
        assert np.allclose(sess.truth["roll_deg"], np.degrees(np.arcsin(y_w[:, 2])), atol=1e-6)
        sensor = Rm * sess.mount
        back = sensor * sess.mount.inv()
        assert np.allclose(
            np.degrees(np.arcsin(back.as_matrix()[:, 2, 0])), sess.truth["pitch_deg"], atol=1e-6
        )


def _angles_between(sess, a_s, b_s):
    m = (sess.truth["time"] - sess.truth["time"].iloc[0]).between(a_s, b_s).to_numpy()
    return sess.truth["pitch_deg"].to_numpy()[m], sess.truth["roll_deg"].to_numpy()[m]


@pytest.mark.slow
def test_postures_follow_the_conventions():
    seen = set()
    for seed in range(12):
        sess = generate(seed, duration_scale=0.3)
        for seg in sess.segments:
            p, r = _angles_between(sess, seg["start_s"], seg["end_s"])
            if seg["form_breaks"]:
                p, r = _angles_between(sess, seg["start_s"], seg["form_breaks"][0]["start_s"])
            key = (seg["kind"], seg["exercise"], seg["posture"])
            seen.add(key)
            pm, rm = np.median(p), np.median(r)
            if seg["exercise"] == "plank":
                assert 2 < pm < 18 and abs(rm) < 10
            elif seg["exercise"] == "side_plank_left":
                assert rm < -65
            elif seg["exercise"] == "side_plank_right":
                assert rm > 65
            elif seg["exercise"] == "bridge" and seg["kind"] == "hold":
                assert -38 < pm < -17
            elif seg["exercise"] == "hyperextension" and seg["kind"] == "hold":
                assert (4 < pm < 18) if seg["posture"] == "floor" else (-6 < pm < 9)
            elif seg["kind"] == "rest" and seg["posture"] in ("standing", "walking"):
                assert pm > 75
            elif seg["posture"] == "child_pose":
                assert -53 < pm < -27
            elif seg["posture"] in ("prone", "supine"):
                assert abs(pm) < 6 and abs(rm) < 8
            if seg["kind"] == "reps":
                t_rel = sess.truth["time"].to_numpy() - sess.truth["time"].iloc[0]
                at_peak = np.interp(seg["rep_times_s"], t_rel, sess.truth["pitch_deg"].to_numpy())
                assert np.allclose(at_peak, seg["top_pitch_deg"], atol=4 + 0.1 * seg["rom_deg"])
                lo, hi = sorted((seg["bottom_pitch_deg"], seg["top_pitch_deg"]))
                assert p.min() < lo + 4 and p.max() > hi - 4
    assert {("hold", "plank", "floor"), ("reps", "bridge", "floor")} <= seen


@pytest.mark.slow
def test_form_breaks_move_the_slow_angle_as_declared():
    n = 0
    for seed in range(16):
        sess = generate(seed, duration_scale=0.5)
        k = 1.0 + sess.params["clock_ppm"] * 1e-6
        for seg in sess.segments:
            for fb in seg["form_breaks"]:
                n += 1
                t = np.array([fb["start_s"] - 0.01, fb["full_s"] + 0.01]) / k
                only_form = sess.model.orientation(t, perturb={"form"})
                p, r = np.degrees(np.arcsin(only_form.as_matrix()[:, 2, :2])).T
                d = p if fb["axis"] == "pitch" else r
                assert abs((d[1] - d[0]) - fb["deviation_deg"]) < 1e-6
                assert 4 <= abs(fb["deviation_deg"]) <= 10
                expected = {("plank", "sag"): -1, ("plank", "pike"): 1, ("bridge", "sag"): 1}
                side = seg["exercise"].startswith("side_plank")
                sign = expected.get(("plank" if side else seg["exercise"], fb["direction"]))
                if sign is not None:
                    assert np.sign(fb["deviation_deg"]) == sign
    assert n >= 10


def test_sway_truth_is_plausible(sessions):
    for sess in sessions.values():
        for seg in sess.segments:
            if seg["kind"] == "hold":
                assert 0.1 < seg["sway_deg_rms"] < 5.0
                assert 6 <= seg["breathing_bpm"] <= 23


def test_deterministic_fast_and_writable(tmp_path):
    t0 = time.perf_counter()
    a = generate(7)
    elapsed = time.perf_counter() - t0
    b = generate(7)
    pd.testing.assert_frame_equal(a.samples, b.samples)
    assert elapsed < 8.0  # ~1-2 s on an idle machine; generous for loaded CI
    csv = a.write_csv(tmp_path / "s.csv")
    assert csv.read_text().splitlines()[0] == "time,ax,ay,az,gx,gy,gz"
    back = pd.read_csv(csv)
    assert np.allclose(back.to_numpy(), a.samples.to_numpy(), atol=1e-6)
    j, c = a.write_truth(tmp_path / "truth")
    assert j.exists() and c.exists()
    assert pd.read_csv(c).shape == (len(a.samples), 3)
