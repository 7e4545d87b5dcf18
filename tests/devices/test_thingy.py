"""Nordic Thingy:52 raw motion decoder: the synthetic vector, length checks, config, round trips."""

from __future__ import annotations

import numpy as np
import pytest

from sensorback.devices import thingy
from sensorback.devices.base import G_MPS2, RAD_PER_DEG
from sensorback.devices.profiles import THINGY52
from sensorback.devices.thingy import ThingyDecoder
from sensorback.errors import DecodeError


@pytest.fixture(scope="module")
def vec(vectors):
    return vectors("thingy")


def test_vector_decodes_to_documented_values(vec):
    v = vec["vectors"][0]
    [batch] = ThingyDecoder().feed(bytes.fromhex(v["hex"]), 3.0)
    np.testing.assert_allclose(batch.acc[0] / G_MPS2, v["acc_g"])
    np.testing.assert_allclose(batch.gyro[0] / RAD_PER_DEG, v["gyro_dps"])
    np.testing.assert_allclose(batch.mag[0], v["mag_ut"])
    assert batch.time_s is None and batch.seq is None and batch.host_time_s == 3.0


@pytest.mark.parametrize("cut", [0, 1, 17, 19, 36])
def test_any_other_length_is_rejected(vec, cut):
    payload = bytes.fromhex(vec["vectors"][0]["hex"]) * 2
    dec = ThingyDecoder()
    with pytest.raises(DecodeError, match="wrong length"):
        dec.feed(payload[:cut], 0.0)
    assert (dec.n_rejected, dec.n_bytes_discarded, dec.reasons["wrong length"]) == (1, cut, 1)


def test_config_command_matches_reference(vec):
    cfg = vec["config"]
    assert thingy.config_command(cfg["motion_freq_hz"]) == bytes.fromhex(cfg["hex"])
    assert THINGY52.start_commands(200.0) == (thingy.config_command(200),)
    with pytest.raises(Exception, match="motion rate"):
        thingy.config_command(400)


@pytest.mark.parametrize("fs_hz", [100.0, 200.0])
def test_round_trip(imu, feed, cat, fs_hz):
    t, acc, gyro, mag = imu(fs_hz, 2.0, seed=5)
    notes = thingy.encode_notifications(t, acc, gyro, mag=mag)
    assert len(notes) == t.size and all(len(n.payload) == 18 for n in notes)
    dec = ThingyDecoder()
    batches = feed(dec, notes)
    np.testing.assert_allclose(cat(batches, "acc"), acc, atol=thingy.ACC_LSB_MPS2 / 2 + 1e-12)
    np.testing.assert_allclose(cat(batches, "gyro"), gyro, atol=thingy.GYRO_LSB_RADPS / 2 + 1e-12)
    np.testing.assert_allclose(cat(batches, "mag"), mag, atol=thingy.MAG_LSB_UT / 2 + 1e-12)
    tb = THINGY52.time_base(batches, fs_hz)
    assert tb.source == "host" and tb.gaps == ()
    np.testing.assert_allclose(tb.time_s, t - t[0], atol=1e-6)
