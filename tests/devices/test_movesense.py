"""Movesense GSP decoder: the synthetic vector, malformed packets, commands, round trips."""

from __future__ import annotations

import numpy as np
import pytest

from sensorback.devices import movesense
from sensorback.devices.base import RAD_PER_DEG
from sensorback.devices.movesense import MovesenseDecoder
from sensorback.devices.profiles import MOVESENSE
from sensorback.errors import DecodeError


@pytest.fixture(scope="module")
def vec(vectors):
    return vectors("movesense")["vectors"][0]


def test_vector_decodes_to_documented_values(vec):
    dec = MovesenseDecoder(fs_hz=vec["fs_hz"], measurement=vec["measurement"], ref=vec["ref"])
    [batch] = dec.feed(bytes.fromhex(vec["hex"]), 2.5)
    np.testing.assert_allclose(batch.acc, vec["acc_mps2"], rtol=1e-6)
    np.testing.assert_allclose(batch.gyro / RAD_PER_DEG, vec["gyro_dps"], rtol=1e-6)
    np.testing.assert_allclose(
        batch.time_s, vec["timestamp_ms"] / 1000 + np.arange(2) / vec["fs_hz"]
    )
    assert batch.mag is None and batch.host_time_s == 2.5
    assert (dec.n_packets, dec.n_rejected) == (1, 0)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda p: p[:1], "truncated header"),
        (lambda p: p[:-4], "length does not match measurement"),
        (lambda p: p + b"\x00", "length does not match measurement"),
        (lambda p: p + p[2:], "length does not match measurement"),
        (lambda p: p[:6], "length does not match measurement"),
        (lambda p: b"\x07" + p[1:], "unknown response type"),
        (lambda p: b"\x03" + p[1:], "multi-part data is not supported"),
        (lambda p: p[:1] + b"\x05" + p[2:], "other subscription"),
        (lambda p: p[:6] + b"\x00\x00\xc0\x7f" + p[10:], "non-finite value"),
    ],
)
def test_malformed_packets_are_rejected_and_counted(vec, mutate, reason):
    payload = bytes.fromhex(vec["hex"])
    dec = MovesenseDecoder(fs_hz=104, measurement="IMU6", ref=99)
    bad = mutate(payload)
    with pytest.raises(DecodeError) as err:
        dec.feed(bad, 0.0)
    assert err.value.reason == reason and err.value.payload == bad
    assert (dec.n_packets, dec.n_rejected, dec.n_bytes_discarded) == (0, 1, len(bad))
    assert dec.reasons == {reason: 1}
    assert len(dec.feed(payload, 1.0)) == 1  # still decodes after a rejection


def test_the_measurement_sets_the_block_layout(vec):
    # 48 bytes of floats: 2 IMU6 samples, 4 Acc samples, no whole number of IMU9 samples
    with pytest.raises(DecodeError):
        MovesenseDecoder(measurement="IMU9").feed(bytes.fromhex(vec["hex"]), 0.0)
    [batch] = MovesenseDecoder(measurement="Acc").feed(bytes.fromhex(vec["hex"]), 0.0)
    assert batch.n == 4 and batch.gyro is None


def test_command_results_are_kept_not_decoded():
    dec = MovesenseDecoder()
    assert dec.feed(bytes([1, 99]) + b"Hello", 0.0) == []
    assert dec.last_command_result == (99, b"Hello")
    assert dec.n_packets == 1


def test_commands():
    assert movesense.subscribe_command(movesense.measurement_path("IMU6", 104)) == bytes.fromhex(
        "01632f4d6561732f494d55362f313034"
    )
    assert movesense.subscribe_command("/Meas/Acc/13") == bytes([1, 99]) + b"/Meas/Acc/13"
    assert movesense.unsubscribe_command(7) == bytes([2, 7])
    assert movesense.hello_command(1) == bytes([0, 1])
    assert MOVESENSE.start_commands(208.0) == (bytes([1, 99]) + b"/Meas/IMU6/208",)
    with pytest.raises(Exception, match="reference"):
        movesense.hello_command(0)


@pytest.mark.parametrize("fs_hz", [104.0, 208.0])
@pytest.mark.parametrize("measurement", ["IMU6", "IMU9", "Acc"])
def test_round_trip(imu, feed, cat, fs_hz, measurement):
    t, acc, gyro, mag = imu(fs_hz, 2.0, seed=3, t0_s=12.0)
    blocks = movesense.MEASUREMENTS[measurement]
    notes = movesense.encode_notifications(
        t, acc, gyro if "gyro" in blocks else None, mag=mag if "mag" in blocks else None
    )
    assert len(notes) == -(-t.size // 4)
    dec = MovesenseDecoder(fs_hz, measurement, ref=99)
    batches = feed(dec, notes)
    np.testing.assert_allclose(cat(batches, "acc"), acc, rtol=1e-6, atol=1e-6)
    if "gyro" in blocks:
        np.testing.assert_allclose(cat(batches, "gyro"), gyro, rtol=1e-6, atol=1e-7)
    if "mag" in blocks:
        np.testing.assert_allclose(cat(batches, "mag"), mag, rtol=1e-6)
    np.testing.assert_allclose(cat(batches, "time_s"), t, atol=0.5e-3 + 1e-9)  # whole-ms stamps
    tb = MOVESENSE.time_base(batches, fs_hz)
    assert tb.source == "device_time" and tb.gaps == ()
    assert tb.fs_hz == pytest.approx(fs_hz, rel=1e-3)


def test_millisecond_counter_wrap_is_unwrapped(imu, feed):
    t, acc, gyro, _ = imu(104.0, 1.0, t0_s=movesense.TIME_WRAP_S - 0.5)
    batches = feed(MovesenseDecoder(104.0), movesense.encode_notifications(t, acc, gyro))
    assert min(b.time_s[0] for b in batches) < 1.0  # some packets are stamped after the wrap
    tb = MOVESENSE.time_base(batches, 104.0)
    assert tb.gaps == ()
    assert np.all(np.diff(tb.time_s) > 0)
    assert tb.time_s[-1] == pytest.approx(t[-1] - t[0], abs=2e-3)
