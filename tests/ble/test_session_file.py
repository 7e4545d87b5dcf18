"""The session file and the receive path, without a radio: notifications from each device's
encoder go through the Receiver into a real SQLite file and come back as Recordings."""

from __future__ import annotations

import sqlite3
import threading

import numpy as np
import pytest

import sensorback
from sensorback.ble.receiver import Receiver
from sensorback.devices import PROFILES, diy, polar, witmotion
from sensorback.errors import FileFormatError, InputError
from sensorback.io import detect_format
from sensorback.io.session_file import (
    CONTROL,
    DATA,
    SessionWriter,
    detect,
    read,
    read_calibration,
    read_devices,
    read_raw,
    read_sensors,
)
from sensorback.simulate import simulate_session

FS = 100.0


@pytest.fixture(scope="module")
def motion():
    rec = simulate_session(6, fs_hz=FS, n_blocks=1, walk=False).recording
    return np.arange(rec.n_samples) / FS, rec.acc, rec.gyro


def _session(path, devices, *, lose=(), link_lost_at=None):
    """Write a session: `devices` is [(role, profile key, notifications)], each notification
    arriving 0.4 ms after it is sent; notifications whose index is in `lose` never arrive."""
    rx = Receiver(SessionWriter(path, origin_monotonic_s=0.0))
    for role, key, notes in devices:
        dev = rx.add_device(role, PROFILES[key], FS, name=f"{key}-1", address="C0:FF:EE:00:00:01")
        rx.event(dev, "connected", 0.0)
        for i, note in enumerate(notes):
            if link_lost_at is not None and i == link_lost_at[0]:
                rx.event(dev, "link_lost", note.time_s)
            if link_lost_at is not None and i == link_lost_at[1]:
                rx.event(dev, "connected", note.time_s)
            if i not in lose:
                rx.put(dev, DATA, note.time_s + 0.0004, note.payload)
    rx.start()
    rx.close()


def test_roundtrip_matches_what_was_sent(motion, tmp_path, assert_conformant):
    t, acc, gyro = motion
    path = tmp_path / "s.sqlite"
    notes = diy.encode_notifications(t + 50.0, acc, gyro, samples_per_packet=4)
    _session(path, [("sacrum", "diy", notes)])
    assert detect(path) and detect_format(path) == "session"
    rec = sensorback.read(path)
    assert_conformant(rec, path, "session")
    assert rec.n_samples == len(t) and len(rec.annotations) == 0
    np.testing.assert_allclose(rec.acc, acc, atol=16 / 32768 * 9.80665)
    np.testing.assert_allclose(rec.time_s, t - t[0], atol=1e-4)
    assert rec.info.extra["time_base"]["source"] == "device_time"
    assert rec.info.extra["packets"] == {"received": len(notes), "rejected": 0}
    assert [tuple(r[:2]) for r in read_raw(path)][:2] == [(notes[0].time_s + 0.0004, DATA)] * 1 + [
        (notes[1].time_s + 0.0004, DATA)]
    assert read_calibration(path)[0]["kind"] == "wire_scales"


def test_replay_through_todays_decoder_equals_the_stored_samples(motion, tmp_path):
    t, acc, gyro = motion
    path = tmp_path / "s.sqlite"
    notes = witmotion.encode_notifications(t[:2000], acc[:2000], gyro[:2000], frames_per_notification=3)
    _session(path, [("sacrum", "witmotion", notes)])
    stored, replayed = read(path), read(path, redecode=True)
    np.testing.assert_array_equal(stored.samples.to_numpy(), replayed.samples.to_numpy())
    np.testing.assert_array_equal(stored.time_s, replayed.time_s)


def test_lost_packets_and_a_lost_link_are_annotated(motion, tmp_path):
    t, acc, gyro = motion
    notes = diy.encode_notifications(t[:3000] + 9.0, acc[:3000], gyro[:3000], samples_per_packet=4)
    path = tmp_path / "gaps.sqlite"
    _session(path, [("sacrum", "diy", notes)], lose={100, 101} | set(range(400, 450)),
             link_lost_at=(400, 450))
    gaps = list(read(path).annotations.select("bad/gap"))
    assert [(g["missing_samples"], g["cause"]) for g in gaps] == [(8, "packet loss"), (200, "link lost")]
    assert gaps[1]["duration_s"] == pytest.approx(2.0, abs=1e-6)


def test_garbage_is_kept_raw_and_marked(motion, tmp_path):
    t, acc, gyro = motion
    notes = diy.encode_notifications(t[:400], acc[:400], gyro[:400], samples_per_packet=4)
    bad = type(notes[0])(notes[10].time_s, b"\x07garbage")
    path = tmp_path / "garbage.sqlite"
    _session(path, [("sacrum", "diy", [*notes[:10], bad, *notes[10:]])])
    raw = read_raw(path)
    assert raw[10][2] == b"\x07garbage" and raw[10][3] == "truncated"
    assert sum(r is not None for *_, r in raw) == 1
    rec = read(path)
    assert rec.n_samples == 400 and rec.info.extra["packets"]["rejected"] == 1


def test_two_sensors_in_one_file_on_one_clock(motion, tmp_path):
    t, acc, gyro = motion
    path = tmp_path / "two.sqlite"
    sacrum = diy.encode_notifications(t[:1000], acc[:1000], gyro[:1000])
    t12 = witmotion.encode_notifications(t[100:1000], acc[100:1000], gyro[100:1000])
    _session(path, [("sacrum", "diy", sacrum), ("t12", "witmotion", t12)])
    recs = read_sensors(path)
    assert list(recs) == ["sacrum", "t12"] and [d.role for d in read_devices(path)] == ["sacrum", "t12"]
    # the t12 sensor started 1 s later: its first sample is 1 s later on the session clock
    dt = recs["t12"].info.extra["t0_session_s"] - recs["sacrum"].info.extra["t0_session_s"]
    assert dt == pytest.approx(1.0, abs=0.002)
    assert read(path, sensor="t12").info.placement == "t12"
    with pytest.raises(InputError, match="sacrum .* t12"):
        read(path, sensor="l1")


def test_accelerometer_only_sensor_has_missing_gyro(motion, tmp_path):
    t, acc, _ = motion
    path = tmp_path / "h10.sqlite"
    _session(path, [("sacrum", "polar_h10", polar.encode_notifications(t[:720], acc[:720]))])
    rec = read(path)
    assert rec.n_samples == 720 and np.isnan(rec.gyro).all()
    assert "no gyroscope" in rec.info.notes[0]


def test_control_indications_are_stored_and_decoded(motion, tmp_path):
    """Polar's start response carries the gyro scale; it is stored raw and fed to the decoder."""
    t, acc, gyro = motion
    notes = polar.encode_notifications(t[:520] * 100 / 52, acc[:520], gyro[:520], gyro_factor=0.5)
    rx = Receiver(SessionWriter(tmp_path / "v.sqlite", origin_monotonic_s=0.0))
    dev = rx.add_device("sacrum", PROFILES["polar_verity"], 52.0)
    rx.handle((dev, CONTROL, 0.0, polar.encode_control_response(polar.START, polar.GYRO, 0, 0.5)))
    for n in notes:
        rx.handle((dev, DATA, n.time_s, n.payload))
    rx.close()
    rec = read(tmp_path / "v.sqlite")
    np.testing.assert_allclose(rec.gyro, gyro[: rec.n_samples], atol=0.5 * np.pi / 180)


def test_receiver_thread_commits_while_running(motion, tmp_path):
    """What the thread has committed is visible to another connection while it still runs."""
    t, acc, gyro = motion
    notes = diy.encode_notifications(t[:400], acc[:400], gyro[:400])
    path = tmp_path / "live.sqlite"
    rx = Receiver(SessionWriter(path, origin_monotonic_s=0.0), commit_interval_s=0.05)
    dev = rx.add_device("sacrum", PROFILES["diy"], FS)
    rx.start()
    for n in notes:
        rx.put(dev, DATA, n.time_s, n.payload)
    done = threading.Event()
    for _ in range(100):
        with sqlite3.connect(path) as db:
            if db.execute("SELECT count(*) FROM raw").fetchone()[0] == len(notes):
                done.set()
                break
        threading.Event().wait(0.02)
    rx.close()
    assert done.is_set()
    assert rx.stats[dev].samples == 400 and rx.stats[dev].lost == 0


def test_files_that_are_not_sessions(tmp_path):
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t(x)")
    assert not detect(other) and not detect(tmp_path)
    empty = tmp_path / "empty.sqlite"
    SessionWriter(empty).close()
    assert detect(empty)
    with pytest.raises(FileFormatError, match="no sensor yet"):
        read(empty)
    with pytest.raises(InputError, match="already exists"):
        SessionWriter(empty)


def test_export_to_csv_parquet_and_raw(motion, tmp_path):
    from sensorback.cli import main

    t, acc, gyro = motion
    path = tmp_path / "s.sqlite"
    _session(path, [("sacrum", "diy", diy.encode_notifications(t[:800], acc[:800], gyro[:800]))])
    rec = read(path)
    assert main(["export", str(path), str(tmp_path / "s.csv")]) == 0
    back = sensorback.read(tmp_path / "s.csv")
    np.testing.assert_allclose(back.samples.to_numpy(), rec.samples.to_numpy(), rtol=1e-8, atol=1e-9)
    np.testing.assert_allclose(back.time_s, rec.time_s, atol=1e-9)
    assert back.info.device == rec.info.device and back.info.fs_hz == FS

    pq = pytest.importorskip("pyarrow.parquet")
    assert main(["export", str(path), str(tmp_path / "s.parquet")]) == 0
    table = pq.read_table(tmp_path / "s.parquet")
    assert table.column_names == ["time_s", "ax", "ay", "az", "gx", "gy", "gz"]
    np.testing.assert_array_equal(table.column("gz").to_numpy(), rec.samples["gz"].to_numpy())
    import json

    assert json.loads(table.schema.metadata[b"sensorback.info"])["extra"]["profile"] == "diy"

    assert main(["export", str(path), str(tmp_path / "raw.csv"), "--raw"]) == 0
    lines = (tmp_path / "raw.csv").read_text().splitlines()
    assert lines[0] == "t_host_s,stream,payload_hex,rejected" and len(lines) == 1 + len(read_raw(path))
    assert main(["export", str(tmp_path / "s.csv"), str(tmp_path / "x.csv")]) == 2  # not a session


@pytest.mark.parametrize("key", ["diy", "thingy52"])
def test_live_status_counts_what_is_lost(motion, tmp_path, key):
    """Device-timed (DIY) losses are counted from the clock, host-timed (Thingy) from arrivals."""
    from sensorback.ble.recorder import status_line
    from sensorback.devices import thingy

    t, acc, gyro = motion
    notes = (diy.encode_notifications(t[:1000], acc[:1000], gyro[:1000], samples_per_packet=4)
             if key == "diy" else thingy.encode_notifications(t[:1000], acc[:1000], gyro[:1000]))
    lost_notes = set(range(len(notes) // 2, len(notes) // 2 + 10))
    rx = Receiver(SessionWriter(tmp_path / "s.sqlite", origin_monotonic_s=0.0))
    dev = rx.add_device("sacrum", PROFILES[key], FS)
    for i, n in enumerate(notes):
        if i not in lost_notes:
            rx.handle((dev, DATA, n.time_s + 0.0004, n.payload))
    stats = rx.stats[dev]
    rx.close()
    per_note = 1000 // len(notes)
    assert stats.samples == 1000 - 10 * per_note
    # exact from a device clock; from arrival times, within the slack kept for jitter
    assert stats.lost == 10 * per_note if key == "diy" else 10 * per_note - 2 <= stats.lost <= 10 * per_note
    line = status_line([stats], 12.0, t[999])
    rate = float(line.split("sacrum:")[1].split("Hz")[0])
    assert line.startswith("00:00:12  sacrum:") and abs(rate - 100) <= 3 and f"lost {stats.lost} " in line
