"""The QSense Motion reader: real TrunkyXL exports, synthetic files, broken files."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest

import sensorback
from sensorback.errors import FileFormatError, InputError, UnsupportedFormat
from sensorback.io import detect_format, qsense
from sensorback.io.units import G

HEADER = (
    "Sensor string: E\n"
    "Serial number: 1970-01-0000\n"
    "Firmware version: 2,015\n"
    "Hardware version: 2,2\n"
    "Calibration quality: 5\n"
    "ax\tay\taz\tgx\tgy\tgz\tmx\tmy\tmz\n"
    "\n"
)
INFO = (
    "App version: v1.1\nDevice ID: QSense BLE Dongle\n"
    "Start: 2023-01-25 16:53:54\nStop: 2023-01-25 16:53:56\n"
)


def _row(i: int) -> str:
    return f"-1.0\t0.0\t0.{i % 10}\t{i % 7}.5\t-1.0\t0.0\t0.3\t0.01\t-0.4\t"


def _write_trial(root: Path, body: str, info: str | None = INFO, n: int = 1) -> Path:
    """A trial laid out as the app exports it: <trial>/R/Back/Sensor n.csv and <trial>/info.txt."""
    folder = root / "QSM_1" / "R" / "Back"
    folder.mkdir(parents=True)
    if info is not None:
        (root / "QSM_1" / "info.txt").write_text(info)
    path = folder / f"Sensor {n}.csv"
    path.write_text(body)
    return path


def _body(rows: int = 100, blank_before: dict[int, int] | None = None) -> str:
    lines = []
    for i in range(rows):
        lines.extend([""] * (blank_before or {}).get(i, 0))
        lines.append(_row(i) + ("Reference" if i == 0 else ""))
    return HEADER + "\n".join(lines)  # the app writes no newline after the last row


# --- synthetic files ------------------------------------------------------------------------


def test_synthetic_values_units_time_and_info(tmp_path):
    path = _write_trial(tmp_path, _body(100), n=3)
    rec = sensorback.read(path)
    assert rec.info.format == "qsense" and rec.info.device == "QSense Motion"
    assert rec.info.placement == "pelvis (L4-L5)"
    # 100 rows between Start and Stop two seconds apart
    assert rec.info.fs_hz == pytest.approx(50.0)
    np.testing.assert_allclose(rec.time_s, np.arange(100) / 50.0)
    np.testing.assert_allclose(rec.acc[5], [-G, 0.0, 0.5 * G])
    np.testing.assert_allclose(rec.gyro[5], [math.radians(5.5), math.radians(-1.0), 0.0])
    assert not any(c in rec.samples.columns for c in ("mx", "my", "mz"))
    assert any("magnetometer dropped" in n for n in rec.info.notes)
    assert rec.info.start_time == datetime(2023, 1, 25, 16, 53, 54)
    ex = rec.info.extra
    assert ex["serial_number"] == "1970-01-0000" and ex["calibration_quality"] == "5"
    assert ex["firmware_version"] == "2,015" and rec.info.firmware == "2,015"
    assert ex["reference_rows"] == [0] and ex["sensor_number"] == 3
    assert ex["session"]["device_id"] == "QSense BLE Dongle"
    assert len(rec.annotations) == 0


def test_blank_lines_become_gaps_of_unknown_size(tmp_path):
    path = _write_trial(tmp_path, _body(100, {40: 1, 70: 3}))
    rec = sensorback.read(path, quiet=True)
    assert rec.n_samples == 100  # nothing invented, nothing interpolated
    gaps = rec.annotations.select("bad/gap").to_frame()
    assert gaps["onset_s"].tolist() == pytest.approx([39 / 50, 69 / 50])
    assert gaps["duration_s"].tolist() == pytest.approx([1 / 50, 1 / 50])
    assert gaps["blank_lines"].tolist() == [1, 3]
    assert gaps["missing_samples"].isna().all()
    assert rec.info.extra["packet_gaps"] == 2
    with pytest.warns(UserWarning, match="2 packet gaps"):
        sensorback.read(path)


def test_no_info_txt_needs_fs_hz(tmp_path):
    path = _write_trial(tmp_path, _body(50), info=None)
    with pytest.raises(FileFormatError, match=r"no timestamps.*info\.txt.*fs_hz="):
        sensorback.read(path)
    rec = sensorback.read(path, fs_hz=25)
    assert rec.fs == pytest.approx(25.0) and rec.info.start_time is None
    with pytest.raises(InputError, match="fs_hz must be a positive"):
        sensorback.read(path, fs_hz=0)


def test_fs_hz_overrides_info_txt(tmp_path):
    path = _write_trial(tmp_path, _body(100))
    rec = sensorback.read(path, fs_hz=40)
    assert rec.fs == pytest.approx(40.0)
    assert any("suggests 50.000 Hz" in n for n in rec.info.notes)


@pytest.mark.parametrize("info", [
    "Start: 2023-01-25 16:53:54\n",                                  # no Stop
    "Start: 25/01/2023 16:53\nStop: 25/01/2023 16:54\n",             # unknown time format
    "Start: 2023-01-25 16:53:54\nStop: 2023-01-25 16:53:54\n",       # zero span
    "Start: 2023-01-25 16:53:54\nStop: 2023-01-25 18:53:54\n",       # 100 rows in 2 h
])
def test_unusable_info_txt(tmp_path, info):
    path = _write_trial(tmp_path, _body(100), info=info)
    with pytest.raises(FileFormatError, match="fs_hz="):
        sensorback.read(path)


def test_placement_only_for_the_back_string(tmp_path):
    path = _write_trial(tmp_path, _body(20), n=7)
    assert sensorback.read(path).info.placement == "unknown"
    assert sensorback.read(path, placement="sacrum").info.placement == "sacrum"


# --- broken files ---------------------------------------------------------------------------


@pytest.mark.parametrize("body, message", [
    ("", "no column header"),
    (HEADER[:60], "no column header"),                           # cut inside the header
    (HEADER, "no data rows"),                                    # cut after the header
    (HEADER + "\n".join("garbage\tline" for _ in range(50)), "not 9 tab-separated numbers"),
    (HEADER + "\n".join(_row(i).replace("\t", ",") for i in range(50)), "not 9 tab-separated"),
    ("\x00\xff\xfe binary \x01" * 100, "no column header"),
], ids=["empty", "truncated-header", "header-only", "garbage", "comma-separated", "binary"])
def test_broken_files_raise_file_format_error(tmp_path, body, message):
    path = _write_trial(tmp_path, body)
    with pytest.raises(FileFormatError, match=message) as err:
        sensorback.read(path, format="qsense")
    assert str(path) in str(err.value)


def test_broken_file_is_not_detected(tmp_path):
    path = _write_trial(tmp_path, HEADER[:60])
    with pytest.raises(UnsupportedFormat):
        sensorback.read(path)


def test_garbage_line_reports_its_line_number(tmp_path):
    path = _write_trial(tmp_path, HEADER + "\n".join(["oops"] * 10 + [_row(i) for i in range(10)]))
    with pytest.raises(FileFormatError) as err:
        sensorback.read(path)
    assert err.value.line == 8 and "'oops'" in str(err.value)


def test_a_few_damaged_lines_are_dropped_and_annotated(tmp_path):
    rows = [_row(i) for i in range(100)]
    rows[50] = "-1.0\t0.0\tx.7\t1\t2\t3\t0.3\t0.0\t-0.4\t"
    rows[99] = rows[99][:9]  # last row cut mid-way, as when the app is killed
    path = _write_trial(tmp_path, HEADER + "\n".join(rows))
    with pytest.warns(UserWarning) as caught:
        rec = sensorback.read(path)
    assert any("2 malformed data lines (line 58, 107) dropped" in str(w.message) for w in caught)
    assert rec.n_samples == 98
    assert "bad/nan" in rec.annotations.description


def test_every_truncation_reads_or_raises_file_format_error(tmp_path):
    full = _body(30, {12: 2})
    for k, cut in enumerate(range(0, len(full), 13)):
        path = _write_trial(tmp_path / str(k), full[:cut])
        try:
            rec = sensorback.read(path, format="qsense", quiet=True)
        except FileFormatError:
            continue
        assert rec.n_samples >= 2


# --- real exports -----------------------------------------------------------------------------


def _real_files(shared_data: Path) -> list[Path]:
    files = sorted((shared_data / "trunkyxl_back_imu").glob("*/QSense/*/R/Back/Sensor *.csv"))
    if not files:
        pytest.skip("TrunkyXL QSense exports not found in the shared data")
    return files


def _data_rows(path: Path) -> int:
    lines = path.read_text().splitlines()[7:]
    return sum(1 for line in lines if line.strip())


@pytest.mark.realdata
def test_real_exports_conform(shared_data, assert_conformant):
    files = _real_files(shared_data)
    assert len(files) == 45
    for path in files:
        rec = sensorback.read(path, quiet=True)
        assert_conformant(rec, path, "qsense")
        assert rec.n_samples == _data_rows(path), path
        # SOURCE.md: ~50 Hz from rows / (Stop - Start) with whole-second times
        assert 48.0 < rec.info.fs_hz < 51.0, path
        assert rec.info.start_time is not None
        n = int(path.stem.split()[-1])
        assert rec.info.placement == qsense.PLACEMENTS[n]
        assert {"serial_number", "firmware_version", "calibration_quality"} <= set(rec.info.extra)
        # g → m/s²: a person moving slowly reads ≈ 1 g
        assert np.median(np.linalg.norm(rec.acc, axis=1)) == pytest.approx(G, abs=0.5), path
        # deg/s → rad/s: trunk movements stay below 6 rad/s (≈ 340 °/s)
        assert np.percentile(np.abs(rec.gyro), 99.9) < 6.0, path


@pytest.mark.realdata
def test_real_packet_gaps(shared_data):
    # pp02's second trial has 19 blank lines mid-file, in 10 runs (lines 370 ... 992-993)
    path = shared_data / "trunkyxl_back_imu/807_pp02/QSense/QSM_20230125165508/R/Back/Sensor 1.csv"
    if not path.exists():
        pytest.skip("pp02 trial not in the shared data")
    rec = sensorback.read(path, quiet=True)
    gaps = rec.annotations.select("bad/gap").to_frame()
    assert len(gaps) == 10 and gaps["blank_lines"].sum() == 19
    assert gaps["missing_samples"].isna().all()
    assert rec.n_samples == 1687


@pytest.mark.realdata
def test_detectors_keep_to_their_own_files(shared_data):
    files = _real_files(shared_data)
    for path in files:
        assert detect_format(path) == "qsense"
    others = [p for p in shared_data.rglob("*")
              if p.is_file() and "trunkyxl_back_imu" not in p.parts]
    for p in others:
        assert not qsense.detect(p), p
