"""build_time_base: loss, counter wrap-around, host jitter and bursts, clock drift and resets."""

from __future__ import annotations

import numpy as np
import pytest

from sensorback.devices import diy
from sensorback.devices.base import SampleBatch, build_time_base
from sensorback.devices.profiles import DIY
from sensorback.errors import InputError


def _arrivals(last_sample_host_s: np.ndarray, rng, delays: int = 0) -> np.ndarray:
    """BLE-like arrival: fixed latency + exponential jitter, a few long delays that hold back
    everything behind them (in-order delivery, then a burst)."""
    arrival = last_sample_host_s + 0.006 + rng.exponential(0.008, last_sample_host_s.size)
    for k in rng.choice(last_sample_host_s.size, delays, replace=False):
        arrival[k] += rng.uniform(0.05, 0.4)
    return np.maximum.accumulate(arrival)


def _host_batches(n_samples, per_batch, fs_true, rng, *, lost=(), delays=0, t0=5000.0):
    """Host-timed batches of `per_batch` samples taken at `fs_true`; batches in `lost` vanish."""
    t = t0 + np.arange(n_samples) / fs_true
    groups = t.reshape(-1, per_batch)
    arrival = _arrivals(groups[:, -1], rng, delays)
    keep = np.ones(len(groups), dtype=bool)
    keep[list(lost)] = False
    acc = np.zeros((per_batch, 3))
    batches = [SampleBatch(acc, host_time_s=float(a)) for a in arrival[keep]]
    return batches, groups[keep].ravel(), np.repeat(arrival[keep], per_batch)


def test_host_timed_jitter_drift_and_loss():
    rng = np.random.default_rng(1)
    fs_true = 99.7  # a "100 Hz" sensor running 0.3 % slow
    lost = range(3000, 3015)  # 15 notifications of 2 samples
    batches, truth, arrival = _host_batches(20_000, 2, fs_true, rng, lost=lost, delays=25)
    tb = build_time_base(batches, fs_hz=100.0)
    assert tb.source == "host"
    [gap] = tb.gaps
    assert gap.index == 6000 and abs(gap.n_lost - 30) <= 1
    assert gap.onset_s == pytest.approx(truth[6000 - 1] + 1 / fs_true - truth[0], abs=0.005)
    assert tb.fs_hz == pytest.approx(fs_true, abs=0.02)
    assert tb.drift_ppm == pytest.approx((100.0 / fs_true - 1) * 1e6, abs=300)
    placed = tb.t0_host_s + tb.time_s
    assert np.all(placed <= arrival)  # never after its arrival
    error = placed - truth
    assert np.std(error) < 0.5e-3  # jitter of ~8 ms removed to well under a millisecond
    assert np.all(np.diff(tb.time_s) > 0)
    np.testing.assert_array_equal(
        tb.sample_index[6000:6002] - tb.sample_index[5999], [1 + gap.n_lost, 2 + gap.n_lost]
    )


def test_host_bursts_are_not_losses():
    rng = np.random.default_rng(2)
    batches, truth, arrival = _host_batches(12_000, 1, 50.0, rng, delays=40)
    tb = build_time_base(batches, fs_hz=50.0)
    assert tb.gaps == ()
    placed = tb.t0_host_s + tb.time_s
    assert np.all(placed <= arrival)
    assert np.ptp(placed - truth) < 0.01


def test_host_timed_follows_slowly_changing_rate():
    rng = np.random.default_rng(3)
    n = 30_000
    period = 0.01 * (1 + 0.002 * np.sin(np.linspace(0, np.pi, n)))  # rate wanders by 0.2 %
    t = 100.0 + np.concatenate([[0.0], np.cumsum(period[:-1])])
    arrival = _arrivals(t, rng)
    batches = [SampleBatch(np.zeros((1, 3)), host_time_s=float(a)) for a in arrival]
    tb = build_time_base(batches, fs_hz=100.0)
    assert tb.gaps == ()
    error = tb.t0_host_s + tb.time_s - t
    assert np.ptp(error) < 0.006  # stays within the minimum-latency band, no runaway


def test_device_time_with_wrap_loss_and_drift():
    """DIY packets: µs clock wraps mid-session, sequence counter wraps, 5 packets lost, the device
    clock runs 80 ppm fast against the host."""
    rng = np.random.default_rng(4)
    fs = 100.0
    t_dev = diy.TIME_WRAP_S - 10.0 + np.arange(4000) / fs  # wraps after 10 s
    acc = np.zeros((t_dev.size, 3))
    notes = diy.encode_notifications(t_dev, acc, acc, samples_per_packet=4, first_seq=65500)
    host_last = 2000.0 + (np.array([n.time_s for n in notes]) - t_dev[0]) / (1 + 80e-6)
    arrival = _arrivals(host_last, rng, delays=10)
    decoder = DIY.make_decoder(fs)
    batches = [
        b
        for k, (n, a) in enumerate(zip(notes, arrival))
        if not 300 <= k < 305
        for b in decoder.feed(n.payload, a)
    ]
    assert min(b.time_s[0] for b in batches) < 100 < max(b.time_s[0] for b in batches)  # wrapped
    tb = DIY.time_base(batches, fs)
    assert tb.source == "device_time"
    [gap] = tb.gaps
    assert (gap.index, gap.n_lost) == (1200, 20)
    assert gap.duration_s == pytest.approx(0.2, rel=1e-3)
    assert tb.drift_ppm == pytest.approx(-80, abs=15)
    received = np.concatenate([t_dev[:1200], t_dev[1220:]])
    expected = (received - received[0]) / (1 + 80e-6)
    np.testing.assert_allclose(tb.time_s, expected, atol=3e-4)  # drift known to a few ppm over 40 s
    np.testing.assert_allclose(np.diff(tb.time_s)[:1000], 0.01 / (1 + 80e-6), rtol=2e-5)
    assert np.all(tb.t0_host_s + tb.time_s <= np.repeat([b.host_time_s for b in batches], 4) + 1e-9)


def test_sequence_counter_alone_with_wrap_and_loss():
    rng = np.random.default_rng(5)
    fs, per = 100.0, 4
    n_packets = 3000
    host_last = 50.0 + (np.arange(n_packets) * per + per - 1) / fs
    arrival = _arrivals(host_last, rng)
    keep = np.ones(n_packets, dtype=bool)
    keep[1000:1003] = False
    batches = [
        SampleBatch(np.zeros((per, 3)), host_time_s=float(arrival[k]), seq=(65000 + k) % 65536)
        for k in np.flatnonzero(keep)
    ]
    tb = build_time_base(batches, fs, seq_modulus=65536)
    assert tb.source == "sequence"
    [gap] = tb.gaps
    assert (gap.index, gap.n_lost) == (4000, 12)
    np.testing.assert_array_equal(np.diff(tb.sample_index)[3998:4001], [1, 13, 1])
    assert np.all(tb.t0_host_s + tb.time_s <= np.repeat(arrival[keep], per))


def test_sequence_gap_longer_than_the_modulus_uses_the_host_clock():
    fs = 50.0
    index = [0, 1, 2, 268, 269]  # 265 packets of 1 sample lost: more than the 8-bit counter holds
    seqs = [(250 + i) % 256 for i in index]
    batches = [
        SampleBatch(np.zeros((1, 3)), host_time_s=10.0 + i / fs + 0.003, seq=s)
        for s, i in zip(seqs, index)
    ]
    tb = build_time_base(batches, fs, seq_modulus=256)
    assert tb.gaps[0].n_lost == 265
    np.testing.assert_array_equal(tb.sample_index, index)


def test_device_clock_reset_is_re_anchored_on_the_host():
    fs = 100.0
    batches = []
    for k in range(200):
        device = 600.0 + k * 0.04 if k < 100 else 0.5 + (k - 100) * 0.04  # reboot: clock restarts
        batches.append(
            SampleBatch(
                np.zeros((4, 3)),
                host_time_s=1000.0 + k * 0.04 + 0.035,
                time_s=device + np.arange(4) / fs,
            )
        )
    tb = build_time_base(batches, fs)
    assert np.all(np.diff(tb.time_s) > 0)
    assert tb.time_s[-1] == pytest.approx(199 * 0.04 + 0.03, abs=0.02)


def test_one_batch_and_bad_input():
    tb = build_time_base([SampleBatch(np.zeros((3, 3)), host_time_s=2.0)], fs_hz=10.0)
    np.testing.assert_allclose(tb.time_s, [0.0, 0.1, 0.2])
    assert tb.t0_host_s == pytest.approx(1.8)
    with pytest.raises(InputError):
        build_time_base([], fs_hz=10.0)
    with pytest.raises(InputError):
        build_time_base([SampleBatch(np.zeros((1, 3)), host_time_s=0.0)], fs_hz=0.0)


def test_sample_batch_is_immutable_and_checked():
    batch = SampleBatch(np.zeros((2, 3)), host_time_s=0.0, gyro=np.ones((2, 3)))
    with pytest.raises(ValueError):
        batch.acc[0, 0] = 1.0
    with pytest.raises(ValueError):
        SampleBatch(np.zeros((2, 3)), host_time_s=0.0, gyro=np.ones((3, 3)))


def _link_loss_session(seed: int, gap_at: int, gap_len: int, n: int = 450, fs: float = 100.0):
    """A short host-timed session (one sample per notification) whose link drops once."""
    rng = np.random.default_rng(seed)
    t = 1000.0 + np.arange(n) / fs
    keep = np.ones(n, dtype=bool)
    keep[gap_at : gap_at + gap_len] = False
    arrival = np.maximum.accumulate(t + 0.0003 + rng.exponential(0.002, n))
    batches = [SampleBatch(np.zeros((1, 3)), host_time_s=float(a)) for a in arrival[keep]]
    return batches, t[keep], arrival[keep]


@pytest.mark.parametrize("seed", range(12))
def test_host_timed_short_session_with_a_link_loss(seed):
    """A gap of 60-400 ms in a 4.5 s session: the drift slope must not absorb it."""
    rng = np.random.default_rng(100 + seed)
    gap_at, gap_len = int(rng.integers(100, 200)), int(rng.integers(6, 40))
    batches, truth, _ = _link_loss_session(seed, gap_at, gap_len)
    tb = build_time_base(batches, fs_hz=100.0)
    [gap] = tb.gaps
    assert (gap.index, gap.n_lost) == (gap_at, gap_len)
    assert np.max(np.abs(tb.t0_host_s + tb.time_s - truth)) < 0.002


def test_known_breaks_are_measured_even_near_the_end():
    """A link re-made 1 s before the end: too late to see as a lasting step, but it is known."""
    batches, truth, arrival = _link_loss_session(7, 330, 25)
    assert build_time_base(batches, fs_hz=100.0).gaps == ()  # undetectable from arrivals alone
    tb = build_time_base(batches, fs_hz=100.0, breaks_s=[arrival[330] - 0.001])
    [gap] = tb.gaps
    assert (gap.index, gap.n_lost) == (330, 25)
    assert np.max(np.abs(tb.t0_host_s + tb.time_s - truth)) < 0.002
