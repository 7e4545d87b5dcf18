"""Polar PMD decoder: the official SDK's golden frames, delta codec, control point, pairing."""

from __future__ import annotations

import numpy as np
import pytest

from sensorback.devices import polar
from sensorback.devices.base import G_MPS2, RAD_PER_DEG
from sensorback.devices.polar import PolarDecoder
from sensorback.devices.profiles import POLAR_H10, POLAR_VERITY
from sensorback.errors import DecodeError

MG = G_MPS2 / 1000.0


@pytest.fixture(scope="module")
def vec(vectors):
    return {v["name"]: v for v in vectors("polar")["vectors"]}


def _decoder_for(v, fs_hz=52.0):
    dec = PolarDecoder(fs_hz, gyro=v["measurement"] == "gyro")
    dec.factors[polar.ACC if v["measurement"] == "acc" else polar.GYRO] = v["factor"]
    return dec


def _values(v, fs_hz=52.0):
    """Decode one vector alone: ACC batches directly, GYRO through the raw delta codec."""
    payload = bytes.fromhex(v["hex"])
    if v["measurement"] == "acc":
        [batch] = _decoder_for(v, fs_hz).feed(payload, 0.0)
        return batch, batch.acc / MG
    dec = _decoder_for(v, fs_hz)
    assert dec.feed(payload, 0.0) == []  # gyro waits for accelerometer samples to pair with
    t, gyro = dec._pending[polar.GYRO]
    return t, gyro / RAD_PER_DEG


def test_h10_raw_frame(vec):
    v = vec["ACC raw type 1 (H10)"]
    batch, mg = _values(v, fs_hz=52.0)
    assert batch.n == v["n"] == 36
    np.testing.assert_allclose(mg[:2], v["first"])
    np.testing.assert_allclose(mg[-1], v["last"])
    # the last sample carries the frame's timestamp; earlier ones step back by 1/fs
    assert batch.time_s[-1] == pytest.approx(v["timestamp_ns"] * 1e-9)
    np.testing.assert_allclose(np.diff(batch.time_s), 1 / 52.0)


def test_compressed_acc_type1(vec):
    v = vec["ACC compressed type 1 (Verity style)"]
    batch, mg = _values(v)
    np.testing.assert_allclose(mg, v["first"])
    assert batch.time_s[-1] == pytest.approx(v["timestamp_ns"] * 1e-9)


def test_compressed_acc_type0_with_factor(vec):
    v = vec["ACC compressed type 0"]
    payload = bytes.fromhex(v["hex"])
    counts = polar.decode_delta(payload, polar.HEADER_BYTES, 2)
    assert counts.shape == (v["n"], 3)
    np.testing.assert_array_equal(counts[:2], v["counts"])
    _, mg = _values(v)
    np.testing.assert_allclose(mg[:2], np.asarray(v["counts"]) * v["factor"] * 1000.0, rtol=1e-12)
    np.testing.assert_array_equal(np.trunc(mg[:2]), v["first_truncated_mg"])  # what the SDK asserts
    assert np.all(np.abs(mg) <= 8000)  # the test's own range check (±8 g)


def test_compressed_gyro_type0(vec):
    v = vec["GYRO compressed type 0"]
    t, dps = _values(v)
    np.testing.assert_allclose(dps, v["first"])
    assert t[-1] == pytest.approx(v["timestamp_ns"] * 1e-9)


def test_compressed_gyro_type1_float_bits(vec):
    v = vec["GYRO compressed type 1 (float)"]
    bits = polar.decode_delta(bytes.fromhex(v["hex"]), polar.HEADER_BYTES, 4) & 0xFFFFFFFF
    np.testing.assert_array_equal(bits, v["float_bits"])
    _, dps = _values(v)
    np.testing.assert_allclose(dps, np.asarray(v["float_bits"], dtype=np.uint32).view(np.float32))
    np.testing.assert_allclose(dps[0], [1.0, 10.0, 20.0])


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda p: p[:9], "truncated header"),
        (lambda p: b"\x01" + p[1:], "unexpected measurement type"),
        (lambda p: p[:9] + b"\x03" + p[10:], "bad raw accelerometer frame"),
        (lambda p: p[:-1], "bad raw accelerometer frame"),
        (lambda p: p[:10], "bad raw accelerometer frame"),
        (lambda p: p[:9] + b"\x82" + p[10:], "unsupported frame type"),
    ],
)
def test_malformed_acc_frames(vec, mutate, reason):
    payload = bytes.fromhex(vec["ACC raw type 1 (H10)"]["hex"])
    dec = PolarDecoder(200.0)
    with pytest.raises(DecodeError) as err:
        dec.feed(mutate(payload), 0.0)
    assert err.value.reason == reason
    assert dec.n_rejected == 1 and dec.reasons[reason] == 1 and dec.n_packets == 0


@pytest.mark.parametrize(
    ("cut", "reason"),
    [
        (14, "truncated reference sample"),
        (17, "truncated delta block"),
        (19, "truncated delta block"),
    ],
)
def test_truncated_compressed_frames(vec, cut, reason):
    payload = bytes.fromhex(vec["ACC compressed type 1 (Verity style)"]["hex"])
    with pytest.raises(DecodeError, match=reason):
        PolarDecoder(52.0).feed(payload[:cut], 0.0)


def test_delta_width_out_of_range():
    frame = bytes.fromhex("02" + "00" * 8 + "81" + "000000000000" + "2101") + bytes(13)
    with pytest.raises(DecodeError, match="delta width out of range"):
        PolarDecoder(52.0).feed(frame, 0.0)


def test_raw_gyro_and_non_finite_float_gyro_are_rejected():
    dec = PolarDecoder(52.0, gyro=True)
    with pytest.raises(DecodeError, match="unsupported frame type"):
        dec.feed(bytes.fromhex("05" + "00" * 8 + "01") + bytes(6), 0.0)
    nan = bytes.fromhex("05" + "00" * 8 + "81") + np.full(3, np.nan, "<f4").tobytes()
    with pytest.raises(DecodeError, match="non-finite value"):
        dec.feed(nan, 0.0)


@pytest.mark.parametrize("width", [1, 5, 8, 13, 16, 17])
def test_delta_codec_round_trip(width):
    rng = np.random.default_rng(width)
    limit = 2 ** (width - 1)
    deltas = rng.integers(-limit, limit, size=(300, 3))
    counts = np.vstack([[[1000, -2000, 30000]], 1000 + np.cumsum(deltas, axis=0) % 20000])
    content = polar.encode_delta(counts, 2)
    frame = bytes(10) + content
    np.testing.assert_array_equal(polar.decode_delta(frame, 10, 2), counts)


def test_control_point_commands_match_reference():
    assert polar.start_command(polar.ACC, 200, 8) == bytes.fromhex(
        "02 02 00 01 C8 00 01 01 10 00 02 01 08 00"
    )
    assert polar.start_command(polar.ACC, 52, 8) == bytes.fromhex(
        "02 02 00 01 34 00 01 01 10 00 02 01 08 00"
    )
    assert polar.start_command(polar.GYRO, 52, 2000) == bytes.fromhex(
        "02 05 00 01 34 00 01 01 10 00 02 01 D0 07"
    )
    assert polar.stop_command(polar.GYRO) == bytes([3, 5])
    assert polar.settings_command(polar.ACC) == bytes([1, 2])
    assert POLAR_VERITY.start_commands(52.0) == (
        polar.start_command(polar.ACC, 52, 8),
        polar.start_command(polar.GYRO, 52, 2000),
    )


def test_start_response_sets_the_factor():
    response = polar.encode_control_response(polar.START, polar.GYRO, factor=0.061)
    parsed = polar.parse_control_response(response)
    assert (parsed.opcode, parsed.measurement, parsed.error, parsed.more) == (2, 5, 0, False)
    assert parsed.factor == pytest.approx(0.061)
    dec = PolarDecoder(52.0, gyro=True)
    dec.feed_control(response)
    assert dec.factors[polar.GYRO] == pytest.approx(0.061)
    failed = polar.encode_control_response(polar.START, polar.ACC, error=6, factor=9.0)
    dec.feed_control(failed)
    assert dec.factors[polar.ACC] == 1.0


def test_settings_response_with_lists():
    # F0, GET_SETTINGS, ACC, ok, no more | rates 52 & 26 | resolution 16 | ranges 2, 4, 8
    payload = bytes.fromhex(
        "F0 01 02 00 00  00 02 34 00 1A 00  01 01 10 00  02 03 02 00 04 00 08 00"
    )
    parsed = polar.parse_control_response(payload)
    assert parsed.settings == {0: (52, 26), 1: (16,), 2: (2, 4, 8)}
    assert parsed.factor is None
    for bad in (b"\xf0\x02", b"\x00\x02\x02\x00\x00", payload[:-1], payload + b"\x09\x01\x00"):
        with pytest.raises(DecodeError):
            polar.parse_control_response(bad)


def test_spacing_follows_the_device_clock_but_not_across_a_lost_frame():
    fs = 200.0
    t = np.arange(36 * 4) / 203.0 + 5.0  # the sensor really runs 1.5 % fast
    acc = np.zeros((t.size, 3))
    notes = polar.encode_notifications(t, acc, samples_per_frame=36)
    dec = PolarDecoder(fs)
    first = dec.feed(notes[0].payload, 0.0)[0]
    np.testing.assert_allclose(np.diff(first.time_s), 1 / fs)  # nothing to measure yet
    second = dec.feed(notes[1].payload, 0.1)[0]
    np.testing.assert_allclose(second.time_s, t[36:72], atol=1e-9)  # measured spacing
    fourth = dec.feed(notes[3].payload, 0.2)[0]  # frame 3 lost: twice the span, nominal spacing
    np.testing.assert_allclose(np.diff(fourth.time_s), 1 / fs)
    assert fourth.time_s[-1] == pytest.approx(t[-1])


@pytest.mark.parametrize("fs_hz", [100.0, 200.0])
def test_h10_round_trip(imu, feed, cat, fs_hz):
    t, acc, _, _ = imu(fs_hz, 3.0, seed=11, t0_s=1000.0)
    notes = polar.encode_notifications(t, acc)
    assert all(n.payload[9] == 0x01 for n in notes)  # raw int16, as the H10 sends
    dec = POLAR_H10.make_decoder(fs_hz)
    batches = feed(dec, notes)
    assert all(b.gyro is None for b in batches)
    np.testing.assert_allclose(cat(batches, "acc"), acc, atol=MG / 2 + 1e-12)
    np.testing.assert_allclose(cat(batches, "time_s"), t, atol=1e-8)
    tb = POLAR_H10.time_base(batches, fs_hz)
    assert tb.gaps == () and tb.fs_hz == pytest.approx(fs_hz, rel=1e-6)


def test_verity_round_trip_pairs_acc_and_gyro(imu, feed, cat):
    fs_hz = 52.0
    t, acc, gyro, _ = imu(fs_hz, 5.0, seed=12, t0_s=3.0e8)
    factor = 2000.0 / 32768.0
    notes = polar.encode_notifications(t, acc, gyro, samples_per_frame=30, gyro_factor=factor)
    kinds = [n.payload[0] for n in notes]
    assert set(kinds) == {polar.ACC, polar.GYRO} and notes[0].payload[9] == 0x81
    dec = POLAR_VERITY.make_decoder(fs_hz)
    dec.feed_control(polar.encode_control_response(polar.START, polar.GYRO, factor=factor))
    batches = feed(dec, notes)
    np.testing.assert_allclose(cat(batches, "acc"), acc, atol=MG / 2 + 1e-12)
    np.testing.assert_allclose(cat(batches, "gyro"), gyro, atol=factor * RAD_PER_DEG / 2 + 1e-12)
    np.testing.assert_allclose(cat(batches, "time_s"), t, atol=1e-6)
    assert dec.n_unpaired == 0
    tb = POLAR_VERITY.time_base(batches, fs_hz)
    assert tb.gaps == () and tb.source == "device_time"


def test_verity_pairing_drops_samples_without_partner(imu, cat):
    fs_hz = 52.0
    t, acc, gyro, _ = imu(fs_hz, 2.0, seed=13, t0_s=10.0)
    acc_notes = [
        n
        for n in polar.encode_notifications(t, acc, gyro, samples_per_frame=26)
        if n.payload[0] == polar.ACC
    ]
    gyro_notes = [
        n
        for n in polar.encode_notifications(t[26:], acc[26:], gyro[26:], samples_per_frame=26)
        if n.payload[0] == polar.GYRO
    ]  # gyro started one frame later
    dec = PolarDecoder(fs_hz, gyro=True)
    dec.factors[polar.GYRO] = polar.VIRTUAL_GYRO_FACTOR
    batches = []
    for note in sorted(acc_notes + gyro_notes, key=lambda n: n.time_s):
        batches += dec.feed(note.payload, note.time_s)
    np.testing.assert_allclose(cat(batches, "time_s"), t[26:], atol=1e-6)
    assert dec.n_unpaired == 26
