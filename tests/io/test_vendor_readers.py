"""Readers of phone and vendor-app exports: real files where they exist, files written to each
format's documented layout where no real one may be used, and the unusable ones refused."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pytest

import sensorback
from sensorback.errors import FileFormatError, InputError, UnusableRecording
from sensorback.io import detect_format
from sensorback.io.units import G

DATA = Path(__file__).resolve().parents[1] / "data"
METABASE_ACC = "A-rest-standing_MetaWear_2019-01-18T18.25.39.382_C42732BE255C_Accelerometer_12.500Hz_1.4.4.csv"
METABASE_GYRO = "A-rest-standing_MetaWear_2019-01-18T18.25.39.382_C42732BE255C_Gyroscope_25.000Hz_1.4.4.csv"


@pytest.fixture(scope="module")
def sim():
    from sensorback.simulate import simulate_recording

    return simulate_recording(seed=5, n_blocks=1, fs_hz=100)


# --- MbientLab MetaBase ---------------------------------------------------------------------------


@pytest.mark.realdata
def test_metabase_real_pair_merged_onto_one_time_base(shared_data, assert_conformant, tmp_path):
    folder = shared_data / "metabase_barbell_wrist" / "data"
    rec = sensorback.read(folder / METABASE_ACC, quiet=True)
    assert_conformant(rec, folder / METABASE_ACC, "metabase")
    assert rec.fs == pytest.approx(25.0, rel=0.01)  # the gyroscope's rate, the faster stream
    assert np.median(np.linalg.norm(rec.acc, axis=1)) == pytest.approx(G, rel=0.05)
    assert rec.info.extra["gyroscope_file"] == METABASE_GYRO
    # the first accelerometer row (0.951, 0.110, 0.193 g at epoch 1547832339908 ms) is on the grid
    t0 = 1547832339908 / 1000 - rec.info.start_time.timestamp()
    i = int(np.argmin(np.abs(rec.time_s - t0)))
    assert abs(rec.time_s[i] - t0) < 0.021
    np.testing.assert_allclose(rec.acc[i] / G, [0.951, 0.110, 0.193], atol=0.03)
    # the gyroscope file names the same recording; a folder with just the pair reads the same
    same = sensorback.read(folder / METABASE_GYRO, quiet=True)
    np.testing.assert_array_equal(same.samples.to_numpy(), rec.samples.to_numpy())
    pair = tmp_path / "pair"
    pair.mkdir()
    for name in (METABASE_ACC, METABASE_GYRO):
        shutil.copy(folder / name, pair / name)
    assert detect_format(pair) == "metabase"
    np.testing.assert_array_equal(sensorback.read(pair, quiet=True).samples.to_numpy(), rec.samples.to_numpy())
    # without its gyroscope file: refused, saying why, unless accelerometer-only is asked for
    (pair / METABASE_GYRO).unlink()
    with pytest.raises(UnusableRecording, match="no gyroscope"):
        sensorback.read(pair / METABASE_ACC)
    alone = sensorback.read(pair / METABASE_ACC, accel_only=True, quiet=True)
    assert alone.fs == pytest.approx(12.5, rel=0.01) and alone.info.extra["gyro"].startswith("derived")


# --- phyphox ----------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_phyphox_real_linear_acceleration_is_refused_with_the_reason(shared_data):
    export = shared_data / "phyphox_pocket_linacc" / "p10-right-pocket"
    assert detect_format(export) == "phyphox"
    assert detect_format(export / "Raw Data.csv") == "phyphox"
    with pytest.raises(UnusableRecording, match="Linear Acceleration.*gravity is removed"):
        sensorback.read(export)


def _phyphox_export(rec, folder: Path) -> None:
    """Write ``rec`` as phyphox writes a multi-sensor experiment (quoted header, E-notation)."""
    (folder / "meta").mkdir(parents=True)
    (folder / "meta" / "device.csv").write_text('"property","value"\n"version","1.1.13"\n"deviceModel","Pixel 7"\n')
    (folder / "meta" / "time.csv").write_text(
        '"event","experiment time","system time","system time text"\n'
        '"START",0.000000000E0,1.700000000E9,"2023-11-14 22:13:20.000 UTC+00:00"\n')
    t = rec.time_s + 0.0123
    for name, head, v in (("Accelerometer.csv", "Acceleration", rec.acc), ("Gyroscope.csv", "Gyroscope", rec.gyro)):
        unit = "m/s^2" if head == "Acceleration" else "rad/s"
        cols = ",".join(f'"{head} {a} ({unit})"' for a in "xyz")
        rows = np.column_stack((t, v, np.linalg.norm(v, axis=1)))
        np.savetxt(folder / name, rows, fmt="%.9E", delimiter=",",
                   header=f'"Time (s)",{cols},"Absolute ({unit})"', comments="")


def test_phyphox_with_g_and_gyroscope_zip_and_folder(sim, tmp_path, assert_conformant):
    folder = tmp_path / "export"
    _phyphox_export(sim, folder)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for p in folder.rglob("*"):
            z.write(p, p.relative_to(folder).as_posix())
    for path in (folder, archive):
        rec = sensorback.read(path, quiet=True)
        assert_conformant(rec, path, "phyphox")
        # the sampled grid runs at the rate of both streams; values are the streams interpolated
        for got, want in ((rec.acc, sim.acc), (rec.gyro, sim.gyro)):
            expect = np.column_stack([np.interp(rec.time_s, sim.time_s, want[:, k]) for k in range(3)])
            np.testing.assert_allclose(got, expect, atol=1e-6)
        assert len(rec) > 0.95 * sim.duration_s * 100
        assert rec.info.start_time.timestamp() == 1.7e9 and "Pixel 7" in rec.info.device
    (folder / "Gyroscope.csv").unlink()
    with pytest.raises(UnusableRecording, match="no Gyroscope CSV"):
        sensorback.read(folder)


# --- Sensor Logger ----------------------------------------------------------------------------------


@pytest.mark.realdata
def test_sensorlogger_real_export_zip_and_folder(shared_data, assert_conformant, tmp_path):
    base = shared_data / "sensorlogger_android_export"
    for path in (base / "2023-11-24_07-25-54.zip", base / "extracted"):
        # the export has no Gyroscope.csv: refused unless accelerometer-only is asked for
        with pytest.raises(UnusableRecording, match="no Gyroscope.csv"):
            sensorback.read(path)
        rec = sensorback.read(path, accel_only=True, quiet=True)
        assert_conformant(rec, path, "sensorlogger")
        assert rec.fs == pytest.approx(100.0, rel=0.01)
        # TotalAcceleration's first row is z,y,x = 8.770259857177734,4.37420654296875,-0.3974374830722809
        np.testing.assert_allclose(rec.acc[0], [-0.3974374830722809, 4.37420654296875, 8.770259857177734])
        assert rec.info.start_time.timestamp() == pytest.approx(1700810755.062863)
    # iOS logs acceleration with the opposite sign: negated, unless the export was standardised
    ios = tmp_path / "ios"
    shutil.copytree(base / "extracted", ios)
    meta = (ios / "Metadata.csv").read_text().replace(",android,", ",ios,")
    (ios / "Metadata.csv").write_text(meta)
    rec_ios = sensorback.read(ios, accel_only=True, quiet=True)
    np.testing.assert_allclose(rec_ios.acc[0], -rec.acc[0])
    std = sensorback.read(ios, accel_only=True, quiet=True, ios_frame="standardised")
    np.testing.assert_allclose(std.acc[0], rec.acc[0])
    # only the gravity-removed Accelerometer.csv: nothing to compute posture from
    (ios / "TotalAcceleration.csv").unlink()
    (ios / "AccelerometerUncalibrated.csv").unlink()
    with pytest.raises(UnusableRecording, match="gravity removed"):
        sensorback.read(ios, accel_only=True)


# --- ST BLE Sensor ----------------------------------------------------------------------------------


def test_stble_real_log_with_glued_first_row(assert_conformant):
    path = DATA / "stble_plank.csv"
    rec = sensorback.read(path, quiet=True)
    assert_conformant(rec, path, "stble")
    # the row glued onto the header: 0 ms, (-51, 41, -981) mg, (1540, 280, 630) mdps
    assert len(rec) == 1330
    np.testing.assert_allclose(rec.acc[0], np.array([-51, 41, -981]) * G / 1000)
    np.testing.assert_allclose(rec.gyro[0], np.radians(np.array([1540, 280, 630]) / 1000))
    assert rec.fs == pytest.approx(100.0, rel=0.02)
    assert any("glued" in n for n in rec.info.notes)


# --- WitMotion --------------------------------------------------------------------------------------

WIT_HEADER = ["Time", "Device name", "Chip Time()", "Acceleration X(g)", "Acceleration Y(g)",
              "Acceleration Z(g)", "Angular velocity X(°/s)", "Angular velocity Y(°/s)",
              "Angular velocity Z(°/s)", "Angle X(°)", "Angle Y(°)", "Angle Z(°)", "Temperature(℃)"]


def _witmotion(rec, path: Path, sep: str, encoding: str, decimal: str, ms_sep: str) -> None:
    """``rec`` as the WitMotion PC software writes it (leading spaces, chip clock)."""
    start = np.datetime64("2024-03-19T16:44:16.000")
    lines = [sep.join(WIT_HEADER)]
    for t, a, g in zip(rec.time_s, rec.acc / G, np.degrees(rec.gyro)):
        ts = str(start + np.timedelta64(int(round(t * 1000)), "ms")).replace("T", " ")
        chip = ts[:-4] + ms_sep + ts[-3:]
        nums = [f"{x:.4f}".replace(".", decimal) for x in (*a, *g, 0.0, 0.0, 0.0, 25.0)]
        lines.append(sep.join([f" {ts[11:]}", " WT901BLE67(d0:1c:1b:3a:ee:9d)", f" {chip}", *nums]))
    path.write_bytes("\n".join(lines).encode(encoding))


@pytest.mark.parametrize("sep,encoding,decimal,ms_sep", [(",", "utf-8", ".", "."), ("\t", "gbk", ",", ":")])
def test_witmotion_documented_layouts(sim, tmp_path, assert_conformant, sep, encoding, decimal, ms_sep):
    path = tmp_path / "_WT901BLE67(d0_1c)_0.csv"
    part = sim.crop(0, 20)
    _witmotion(part, path, sep, encoding, decimal, ms_sep)
    rec = sensorback.read(path, quiet=True)
    assert_conformant(rec, path, "witmotion")
    assert rec.info.device.startswith("WitMotion WT901BLE67")
    np.testing.assert_allclose(rec.acc, part.acc, atol=1e-3 * G)
    np.testing.assert_allclose(rec.gyro, part.gyro, atol=np.radians(1e-3))
    np.testing.assert_allclose(rec.time_s, part.time_s - part.time_s[0], atol=6e-4)


# --- generic CSV ------------------------------------------------------------------------------------


def test_generic_csv_with_column_map_and_units(sim, tmp_path, assert_conformant):
    path = tmp_path / "log.csv"
    part = sim.crop(0, 20)
    rows = np.column_stack((part.time_s * 1000, part.gyro * 180 / np.pi, part.acc / G))
    np.savetxt(path, rows, fmt="%.7f", delimiter=";", header="ts;GyrX;GyrY;GyrZ;AccX;AccY;AccZ", comments="")
    cols = "time=ts,ax=AccX,ay=AccY,az=AccZ,gx=GyrX,gy=GyrY,gz=GyrZ"
    rec = sensorback.read(path, format="generic", columns=cols, acc_unit="g", gyro_unit="deg/s",
                          time_unit="ms", quiet=True)
    assert rec.info.format == "generic"
    np.testing.assert_allclose(rec.acc, part.acc, atol=1e-5)
    np.testing.assert_allclose(rec.gyro, part.gyro, atol=1e-6)
    with pytest.raises(InputError, match="needs a column map"):
        sensorback.read(path, format="generic")
    with pytest.raises(InputError, match=r"lacks \['gz'\]"):
        sensorback.read(path, format="generic", columns="time=ts,ax=AccX,ay=AccY,az=AccZ,gx=GyrX,gy=GyrY")
    with pytest.raises(FileFormatError, match="missing columns \\['GyroZ'\\]"):
        sensorback.read(path, format="generic", columns=cols.replace("GyrZ", "GyroZ"))


# --- unusable recordings ----------------------------------------------------------------------------


def test_too_slow_too_short_and_no_gyro_are_refused_by_analysis(sim):
    slow = sim.crop(0, 60)
    slow = sensorback.Recording(slow.samples.iloc[::12], slow.info.replace(fs_hz=None))
    with pytest.raises(UnusableRecording, match="sampled at 8.33 Hz, below the 10 Hz"):
        slow.analyze()
    with pytest.raises(UnusableRecording, match="shorter than the 3 s"):
        sim.crop(0, 2).analyze()
    blank = sim.samples.copy()
    blank[["gx", "gy", "gz"]] = np.nan
    with pytest.raises(UnusableRecording, match="gyroscope columns hold no values"):
        sensorback.Recording(blank, sim.info).analyze()


def test_accelerometer_only_angles_follow_the_truth():
    from sensorback.processing.accel_only import gyro_from_acc
    from sensorback.simulate import simulate_session

    s = simulate_session(seed=11, n_blocks=3, fs_hz=50)
    rec = s.recording
    df = rec.samples.copy()
    df[["gx", "gy", "gz"]] = gyro_from_acc(rec.time_s, rec.acc, 50.0)
    a = sensorback.Recording(df, rec.info).analyze()
    err = np.abs(a.angles["pitch_deg"].to_numpy() - s.truth.angles["pitch_deg"].to_numpy())
    assert np.median(err) < 3.0


def test_cli_convert_and_format_options(sim, tmp_path, capsys):
    from sensorback.cli import main
    from sensorback.io import FORMATS

    src = tmp_path / "in.csv"
    sim.to_csv(str(src))
    out = tmp_path / "out.parquet"
    assert main(["convert", str(src), str(out)]) == 0
    back = sensorback.read(out)
    np.testing.assert_allclose(back.samples.to_numpy(), sensorback.read(src, quiet=True).samples.to_numpy())
    assert main(["convert", str(src), str(tmp_path / "out.txt")]) == 2
    assert "use one of .csv" in capsys.readouterr().err
    assert main(["analyze", str(DATA / "stble_plank.csv"), "--acc-unit", "g"]) == 2
    assert "--acc-unit does not apply to stble files" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["analyze", "--help"])
    assert ", ".join(FORMATS) in " ".join(capsys.readouterr().out.split())
    json.dumps(list(FORMATS))
