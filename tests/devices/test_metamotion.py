"""MetaWear / MetaMotion decoder: the SDK's golden notifications, commands, pairing, round trips."""

from __future__ import annotations

import numpy as np
import pytest

from sensorback.devices import metamotion
from sensorback.devices.base import G_MPS2, RAD_PER_DEG
from sensorback.devices.metamotion import ACCELEROMETER, GYRO, MetaMotionDecoder
from sensorback.devices.profiles import METAMOTION, METAMOTION_BMI160
from sensorback.errors import DecodeError


@pytest.fixture(scope="module")
def vec(vectors):
    return vectors("metamotion")


def _zeros_from(module: int, n: int) -> bytes:
    """A BMI160 board's notification of `n` zero samples from `module`."""
    registers = {
        (ACCELEROMETER, 1): 0x04,
        (ACCELEROMETER, 3): 0x1C,
        (GYRO, 1): 0x05,
        (GYRO, 3): 0x07,
    }
    return bytes([module, registers[module, n]]) + bytes(6 * n)


def test_golden_notifications(vec):
    for v in vec["vectors"]:
        dec = MetaMotionDecoder(
            v["chip"],
            acc_range_g=v.get("acc_range_g", 8),
            gyro_range_dps=v.get("gyro_range_dps", 2000),
        )
        is_acc = "acc_g" in v
        expected = v["acc_g"] if is_acc else v["gyro_dps"]
        # the decoder pairs the two sensors, so give it zeros from the other one first
        assert dec.feed(_zeros_from(GYRO if is_acc else ACCELEROMETER, len(expected)), 0.0) == []
        [batch] = dec.feed(bytes.fromhex(v["hex"]), 1.0)
        decoded = batch.acc / G_MPS2 if is_acc else batch.gyro / RAD_PER_DEG
        np.testing.assert_allclose(decoded, expected, atol=6e-4)
        assert batch.time_s is None and batch.host_time_s == 1.0


def test_accelerometer_only_decoder(vec):
    v = vec["vectors"][1]
    [batch] = MetaMotionDecoder("bmi160", acc_range_g=8, gyro=False).feed(
        bytes.fromhex(v["hex"]), 0.0
    )
    assert batch.gyro is None
    np.testing.assert_allclose(batch.acc / G_MPS2, v["acc_g"], atol=6e-4)


def test_config_commands_match_sdk_tests(vec):
    c = vec["commands"]
    assert metamotion.acc_config_command("bmi160", 200, 8).hex() == c["bmi160 acc 200 Hz 8 g"]
    assert metamotion.acc_config_command("bmi160", 100, 16).hex() == c["bmi160 acc 100 Hz 16 g"]
    assert metamotion.acc_config_command("bmi270", 200, 8).hex() == c["bmi270 acc 200 Hz 8 g"]
    assert metamotion.acc_config_command("bmi270", 100, 16).hex() == c["bmi270 acc 100 Hz 16 g"]
    assert metamotion.gyro_config_command(200, 2000).hex() == c["gyro 200 Hz 2000 dps"]
    assert metamotion.gyro_config_command(50, 125).hex() == c["gyro 50 Hz 125 dps"]
    with pytest.raises(Exception, match="at least 25 Hz"):
        metamotion.gyro_config_command(12.5, 2000)


def test_start_and_stop_sequences():
    start = METAMOTION_BMI160.start_commands(100.0)
    assert [s.hex() for s in start] == [
        "03032808",
        "13032800",
        "030401",
        "130501",
        "03020100",
        "13020100",
        "130101",
        "030101",
    ]
    packed = METAMOTION.start_commands(200.0)
    assert bytes.fromhex("030501") in packed and bytes.fromhex("130501") in packed
    assert bytes.fromhex("0303a902") in packed
    stop = METAMOTION.stop_commands(200.0)
    assert stop[0] == bytes.fromhex("030100") and bytes.fromhex("030500") in stop


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"\x03", "truncated header"),
        (bytes.fromhex("0104"), "unsupported module/register"),
        (bytes.fromhex("030416c494a22a"), "wrong length"),
        (bytes.fromhex("030416c494a22ad000"), "wrong length"),
        (bytes.fromhex("0380"), "unsupported implementation"),
        (bytes.fromhex("03800901"), "unsupported implementation"),
    ],
)
def test_malformed_notifications(payload, reason):
    dec = MetaMotionDecoder("bmi160")
    with pytest.raises(DecodeError) as err:
        dec.feed(payload, 0.0)
    assert err.value.reason == reason
    assert (dec.n_rejected, dec.n_bytes_discarded) == (1, len(payload))


def test_module_info_switches_the_chip():
    dec = MetaMotionDecoder("bmi270", gyro=False)
    packed_bmi160 = bytes([ACCELEROMETER, 0x1C]) + bytes(18)
    with pytest.raises(DecodeError):
        dec.feed(packed_bmi160, 0.0)
    assert dec.feed(bytes.fromhex("03800101"), 0.0) == []  # accelerometer implementation 1: BMI160
    assert dec.chip is metamotion.BMI160
    assert dec.feed(packed_bmi160, 0.0)[0].n == 3


def test_pairing_waits_for_the_slower_stream_and_caps_its_queue():
    dec = MetaMotionDecoder("bmi270", max_pending=5)
    for k in range(8):
        assert (
            dec.feed(bytes([ACCELEROMETER, 0x04]) + np.int16([k, 0, 0]).tobytes(), float(k)) == []
        )
    assert dec.n_unpaired == 3  # the three oldest were dropped
    [batch] = dec.feed(bytes([GYRO, 0x04]) + bytes(6), 9.0)
    assert batch.acc[0, 0] == pytest.approx(3 * metamotion.acc_lsb_mps2(8))


@pytest.mark.parametrize("chip", ["bmi160", "bmi270"])
@pytest.mark.parametrize("fs_hz", [100.0, 200.0])
def test_round_trip(imu, feed, cat, chip, fs_hz):
    packed = fs_hz > metamotion.PACKED_ABOVE_HZ
    t, acc, gyro, _ = imu(fs_hz, 2.0, seed=7)
    notes = metamotion.encode_notifications(t, acc, gyro, chip=chip, packed=packed)
    sent = t.size - t.size % 3 if packed else t.size  # 400 samples at 200 Hz: one held back
    assert len(notes) == 2 * sent // (3 if packed else 1)
    dec = (METAMOTION if chip == "bmi270" else METAMOTION_BMI160).make_decoder(fs_hz)
    batches = feed(dec, notes)
    np.testing.assert_allclose(
        cat(batches, "acc"), acc[:sent], atol=metamotion.acc_lsb_mps2(8) / 2 + 1e-12
    )
    np.testing.assert_allclose(
        cat(batches, "gyro"), gyro[:sent], atol=metamotion.gyro_lsb_radps(2000) / 2 + 1e-12
    )
    assert dec.n_unpaired == 0 and dec.n_rejected == 0
    tb = METAMOTION.time_base(batches, fs_hz)
    assert tb.gaps == ()
    np.testing.assert_allclose(tb.time_s, t[:sent] - t[0], atol=1e-6)


def test_packed_encoder_sends_full_groups_only(imu):
    t, acc, gyro, _ = imu(200.0, 0.04, seed=8)  # 8 samples: two packs, two samples held back
    notes = metamotion.encode_notifications(t, acc, gyro, packed=True)
    assert [len(n.payload) for n in notes] == [20, 20, 20, 20]
    assert [n.time_s for n in notes] == [t[2], t[2], t[5], t[5]]
