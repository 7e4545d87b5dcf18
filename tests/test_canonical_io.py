"""Canonical CSV: unit checks, time-base checks, broken files."""

import warnings

import numpy as np
import pandas as pd
import pytest

import sensorback
from sensorback.errors import FileFormatError, UnitError
from sensorback.simulate import simulate_session

G = 9.80665


@pytest.fixture(scope="module")
def sim():
    return simulate_session(12, n_blocks=2, fs_hz=100)


def _frame(sim):
    s = sim.recording.samples
    return pd.DataFrame({"time": s.index.to_numpy(), **{c: s[c].to_numpy() for c in s.columns}})


def _read(path, **kw):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        rec = sensorback.read(path, **kw)
    return rec, [str(x.message) for x in w]


def test_units_in_g_degs_ms_are_converted_with_a_warning(tmp_path, sim):
    df = _frame(sim)
    df[["ax", "ay", "az"]] /= G
    df[["gx", "gy", "gz"]] = np.degrees(df[["gx", "gy", "gz"]])
    df["time"] *= 1000.0
    path = tmp_path / "odd_units.csv"
    df.to_csv(path, index=False)
    rec, msgs = _read(path)
    text = " ".join(msgs)
    assert "in g" in text and "deg/s" in text and "ms" in text
    assert np.allclose(rec.acc, sim.recording.acc, atol=1e-6)
    assert np.allclose(rec.gyro, sim.recording.gyro, atol=1e-6)
    assert np.allclose(rec.time_s, sim.recording.time_s, atol=1e-6)


def test_declared_units_are_used(tmp_path, sim):
    df = _frame(sim)
    df[["gx", "gy", "gz"]] = np.degrees(df[["gx", "gy", "gz"]])
    path = tmp_path / "deg.csv"
    df.to_csv(path, index=False)
    rec, msgs = _read(path, gyro_unit="deg/s")
    assert not any("deg/s" in m for m in msgs)
    assert np.allclose(rec.gyro, sim.recording.gyro, atol=1e-6)


def test_gravity_removed_is_refused(tmp_path, sim):
    df = _frame(sim)
    from scipy.ndimage import uniform_filter1d

    acc = df[["ax", "ay", "az"]].to_numpy()
    df[["ax", "ay", "az"]] = acc - uniform_filter1d(acc, 200, axis=0)  # what "linear acceleration" exports do
    path = tmp_path / "linear.csv"
    df.to_csv(path, index=False)
    with pytest.raises(UnitError, match="gravity"):
        sensorback.read(path)


def test_time_base_problems_are_annotated_not_interpolated(tmp_path, sim):
    df = _frame(sim).iloc[:3000].copy()
    df.loc[100, "ax"] = np.nan  # NaN row
    dup = df.iloc[[200]]  # duplicate row
    back = df.iloc[[300]].copy()
    back["time"] = df.loc[250, "time"]  # timestamp going backwards
    gap = df.drop(index=range(1000, 1050))  # 50 lost samples
    df2 = pd.concat([gap.iloc[:201], dup, gap.iloc[201:301], back, gap.iloc[301:]])
    path = tmp_path / "bad.csv"
    df2.to_csv(path, index=False)
    rec, _ = _read(path)
    desc = rec.annotations.to_frame()
    kinds = set(desc["description"])
    assert {"bad/nan", "bad/duplicate", "bad/backwards", "bad/gap"} <= kinds
    t_cut = float(df.loc[999, "time"] - df["time"].iloc[0])
    gaps = desc[desc.description == "bad/gap"]
    g = gaps.iloc[int(np.argmin(np.abs(gaps["onset_s"] - t_cut)))]
    assert g["missing_samples"] == 50
    assert rec.n_samples == len(df2) - 3
    assert np.all(np.diff(rec.time_s) > 0)
    # no invented samples inside the gap
    t_gap = float(g["onset_s"])
    inside = (rec.time_s > t_gap + 1e-6) & (rec.time_s < t_gap + g["duration_s"] - 1e-6)
    assert not inside.any()


@pytest.mark.parametrize(
    "content, match",
    [
        ("", "missing columns"),
        ("time,ax,ay\n0,1,2\n", "missing columns"),
        ("time,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n", "only 1 data rows"),
        ("time,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n0.01,0,0,9.8,0,0,0\n0.02,0,0,9.8,0,", "only 2 usable samples"),
        ("time,ax,ay,az,gx,gy,gz\n0,a,b,c,d,e,f\nx,0,0,9.8,0,0,0\n0.02,0,0,9.8,0,0,0\n", "only 1 usable samples|time"),
        # one whole row and one cut short: the unit check used to fail on a single sample
        ("time,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n0.01,0,0,9.8,0,0\n", "only 1 usable samples"),
    ],
)
def test_broken_files_give_clear_errors(tmp_path, content, match):
    path = tmp_path / "broken.csv"
    path.write_text(content)
    with pytest.raises((FileFormatError, UnitError), match=match):
        sensorback.read(path, format="canonical")


def test_truncated_file_keeps_what_is_there(tmp_path, sim):
    path = tmp_path / "whole.csv"
    sim.recording.to_csv(str(path))
    text = path.read_text()
    cut = tmp_path / "cut.csv"
    cut.write_text(text[: len(text) // 2 + 7])  # ends mid-line
    rec, _ = _read(cut)
    assert 0.45 * sim.recording.n_samples < rec.n_samples < 0.55 * sim.recording.n_samples
    assert np.allclose(rec.acc[:100], sim.recording.acc[:100], atol=1e-4)


def test_reader_warnings_point_at_the_callers_line():
    import warnings
    from pathlib import Path

    import sensorback

    example = Path(__file__).resolve().parents[1] / "recordings" / "example_session.csv"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sensorback.read(example)  # the example has gaps: one warning
    assert caught and all(Path(w.filename).resolve() == Path(__file__).resolve() for w in caught)
