"""WitMotion BLE 5.0 stream decoder: real captures, stream splitting, resync, round trips."""

from __future__ import annotations

import numpy as np
import pytest

from sensorback.devices import witmotion
from sensorback.devices.base import G_MPS2, RAD_PER_DEG
from sensorback.devices.profiles import WITMOTION
from sensorback.devices.witmotion import WitMotionDecoder

FRAME = witmotion.FRAME_BYTES


@pytest.fixture(scope="module")
def vec(vectors):
    return vectors("witmotion")


def _decode_acc_g(decoder, chunks):
    batches = [b for i, c in enumerate(chunks) for b in decoder.feed(c, float(i))]
    return np.concatenate([b.acc for b in batches]) / G_MPS2 if batches else np.empty(
        (0, 3)
    ), batches


def test_real_frames_decode_to_documented_values(vec):
    for frame in vec["frames"]:
        [batch] = WitMotionDecoder().feed(bytes.fromhex(frame["hex"]), 5.0)
        assert (
            batch.n == 1 and batch.host_time_s == 5.0 and batch.time_s is None and batch.seq is None
        )
        np.testing.assert_allclose(batch.acc[0] / G_MPS2, frame["acc_g"], atol=6e-5)
        np.testing.assert_allclose(batch.gyro[0] / RAD_PER_DEG, frame["gyro_dps"], atol=1e-9)
        np.testing.assert_allclose(batch.angle_deg[0], frame["angle_deg"], atol=6e-4)
    # the author's own assertions on the capture
    [batch] = WitMotionDecoder().feed(bytes.fromhex(vec["frames"][0]["hex"]), 0.0)
    assert batch.acc[0, 2] / G_MPS2 == pytest.approx(1.008, abs=5e-4)
    assert batch.angle_deg[0, 2] == pytest.approx(70.26, abs=0.01)


def test_80_byte_notification_holds_four_frames(vec):
    note = vec["notifications"][0]
    payload = bytes.fromhex(note["hex"])
    assert len(payload) == 80
    dec = WitMotionDecoder()
    [batch] = dec.feed(payload, 1.0)
    expected = [vec["frames"][i]["acc_g"] for i in note["frame_index"]]
    np.testing.assert_allclose(batch.acc / G_MPS2, expected, atol=6e-5)
    assert (dec.n_packets, dec.n_rejected, dec.n_bytes_discarded, dec.pending_bytes) == (4, 0, 0, 0)


def test_40_byte_notification_after_rate_change(vec):
    note = vec["notifications"][1]
    [batch] = WitMotionDecoder().feed(bytes.fromhex(note["hex"]), 0.0)
    np.testing.assert_allclose(batch.acc / G_MPS2, note["acc_g"], atol=6e-5)


@pytest.mark.parametrize("piece", [1, 3, 7, 19, 20, 21, 33])
def test_stream_split_anywhere_gives_the_same_samples(vec, piece):
    stream = bytes.fromhex(vec["notifications"][0]["hex"]) * 3
    chunks = [stream[i : i + piece] for i in range(0, len(stream), piece)]
    acc, batches = _decode_acc_g(WitMotionDecoder(), chunks)
    whole, _ = _decode_acc_g(WitMotionDecoder(), [stream])
    assert len(acc) == 12
    np.testing.assert_array_equal(acc, whole)
    # a batch is stamped with the arrival of the chunk that completed its frames
    completed_by = [((k + 1) * FRAME - 1) // piece for k in range(12)]
    assert [b.host_time_s for b in batches] == sorted({float(c) for c in completed_by})


def test_garbage_is_skipped_counted_and_resynced(vec):
    frame = bytes.fromhex(vec["frames"][0]["hex"])
    garbage = bytes([0x55, 0x00, 0x12, 0x55, 0x52, 0xAA])  # a 0x55 not followed by 0x61/0x71
    dec = WitMotionDecoder()
    acc, _ = _decode_acc_g(dec, [garbage + frame + garbage[:4] + frame + garbage])
    assert len(acc) == 2
    np.testing.assert_allclose(acc[0], vec["frames"][0]["acc_g"], atol=6e-5)
    assert dec.n_bytes_discarded == len(garbage) + 4 + len(garbage)
    assert dec.n_rejected == 3 and dec.reasons["no frame header"] == 3
    assert dec.pending_bytes == 0


def test_truncated_frame_waits_and_a_lone_header_byte_is_kept(vec):
    frame = bytes.fromhex(vec["frames"][1]["hex"])
    dec = WitMotionDecoder()
    assert dec.feed(frame[:-1], 0.0) == []
    assert dec.pending_bytes == FRAME - 1
    assert len(dec.feed(frame[-1:] + b"\x55", 1.0)) == 1
    assert dec.pending_bytes == 1  # could be the start of the next frame
    assert dec.feed(frame[1:], 2.0)[0].n == 1
    assert dec.n_rejected == 0


def test_corrupted_header_loses_only_that_frame(vec):
    stream = bytearray(bytes.fromhex(vec["notifications"][0]["hex"]))
    stream[FRAME + 1] = 0x62  # second frame's flag
    dec = WitMotionDecoder()
    [batch] = dec.feed(bytes(stream), 0.0)
    assert batch.n == 3
    assert dec.n_bytes_discarded == FRAME


def test_reset_drops_a_partial_frame(vec):
    frame = bytes.fromhex(vec["frames"][0]["hex"])
    dec = WitMotionDecoder()
    dec.feed(frame[:10], 0.0)
    dec.reset()
    assert dec.pending_bytes == 0
    assert dec.feed(frame, 1.0)[0].n == 1


def test_register_read_back_updates_registers():
    reply = witmotion.encode_register_reply(0x3A, (120, -240, 360, 0, 0, 0, 0, 7))
    assert reply[:4].hex() == "55713a00" and len(reply) == FRAME
    dec = WitMotionDecoder()
    assert dec.feed(reply, 0.0) == []
    assert dec.registers[0x3A] == (120, -240, 360, 0, 0, 0, 0, 7)
    assert dec.n_packets == 1


def test_commands_match_the_official_sdk():
    assert witmotion.rate_commands(50) == (
        bytes.fromhex("ffaa6988b5"),
        bytes.fromhex("ffaa030800"),
        bytes.fromhex("ffaa000000"),
    )
    assert witmotion.rate_commands(200)[1] == bytes.fromhex("ffaa030b00")
    assert witmotion.read_register_command(0x3A) == bytes.fromhex("ffaa273a00")
    with pytest.raises(Exception, match="WitMotion rate"):
        witmotion.rate_commands(30)


def test_uuids_use_the_witmotion_base():
    for uuid in (witmotion.SERVICE_UUID, witmotion.NOTIFY_UUID, witmotion.WRITE_UUID):
        assert uuid.endswith("-0000-1000-8000-00805f9a34fb")


@pytest.mark.parametrize("fs_hz", [100.0, 200.0])
@pytest.mark.parametrize("per_note", [1, 2, 4])
def test_round_trip(imu, feed, cat, fs_hz, per_note):
    t, acc, gyro, _ = imu(fs_hz, 3.0, seed=int(fs_hz) + per_note)
    angles = np.column_stack(
        [np.linspace(-170, 170, t.size), np.zeros(t.size), np.full(t.size, 70.25)]
    )
    notes = witmotion.encode_notifications(
        t, acc, gyro, angle_deg=angles, frames_per_notification=per_note
    )
    assert all(len(n.payload) == FRAME * per_note for n in notes[:-1])
    rng = np.random.default_rng(0)

    def split(payload: bytes) -> list[bytes]:
        cut = int(rng.integers(0, len(payload) + 1))
        return [payload[:cut], payload[cut:]]

    dec = witmotion.WitMotionDecoder()
    batches = feed(dec, notes, split)
    np.testing.assert_allclose(cat(batches, "acc"), acc, atol=witmotion.ACC_LSB_MPS2 / 2 + 1e-12)
    np.testing.assert_allclose(
        cat(batches, "gyro"), gyro, atol=witmotion.GYRO_LSB_RADPS / 2 + 1e-12
    )
    np.testing.assert_allclose(
        cat(batches, "angle_deg"), angles, atol=witmotion.ANGLE_LSB_DEG / 2 + 1e-12
    )
    assert dec.n_packets == t.size and dec.n_rejected == 0
    # host arrival times alone rebuild the sample clock
    tb = WITMOTION.time_base(batches, fs_hz)
    assert tb.source == "host" and tb.gaps == ()
    np.testing.assert_allclose(np.diff(tb.time_s), 1 / fs_hz, atol=1e-6)


def test_encoder_saturates_instead_of_wrapping():
    big = np.array([[20 * G_MPS2, -20 * G_MPS2, 0.0]])
    [note] = witmotion.encode_notifications(np.zeros(1), big, np.zeros((1, 3)))
    [batch] = WitMotionDecoder().feed(note.payload, 0.0)
    assert batch.acc[0, 0] == pytest.approx(32767 * witmotion.ACC_LSB_MPS2)
    assert batch.acc[0, 1] == pytest.approx(-32768 * witmotion.ACC_LSB_MPS2)
