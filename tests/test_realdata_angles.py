"""Trunk angles on real recordings made by other people (``shared/data``, skipped when absent).

Neither dataset is worn the sensorback way (flat on the sacrum, z out of the back), and most of
their sessions do not begin with the standing-still calibration, so the mounts are given
explicitly, as found from each dataset's description and checked here against the raw data:

* TrunkyXL (QSense, three sensors along the spine): ``-x,+z``.  Upright, x reads −1 g, so the
  cranial axis is −x; bending forward turns the back towards the sky and the accelerometer's
  +z towards +1 g, so +z is posterior.
* SisFall (belt at the front of the waist): ``-y,-z``.  Upright, y reads −1 g (cranial −y);
  supine (D14 start) +z reads ≈ +0.85 g, and bending forward (D16) moves gravity into −z, so +z
  points out of the belly (anterior) and the posterior axis, −z, points into the body.

Automatic calibration is tried too, with ``CalibrationSettings(outward_axis=...)`` — the
"outward" axis is the body's posterior one, hence ``-z`` for the front-worn SisFall sensor.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.ndimage import uniform_filter1d
from scipy.signal import find_peaks

import sensorback
from sensorback.errors import CalibrationError
from sensorback.settings import AnalysisSettings, CalibrationSettings, StillnessSettings

pytestmark = pytest.mark.realdata

G = 9.80665
TRUNKYXL_MOUNT = "-x,+z"
SISFALL_MOUNT = "-y,-z"

# TrunkyXL trials (participant, trial).  SOURCE.md counts 3 forward flexions in all but two;
# pp07/152352 it lists as "2 (3 visible, one <35°)", pp11/085350 as "0" (see the flexion test).
TRUNKYXL = [
    ("807_pp02", "QSM_20230125165354"), ("807_pp02", "QSM_20230125165508"),
    ("807_pp02", "QSM_20230125165552"), ("807_pp05", "QSM_20230116105902"),
    ("807_pp05", "QSM_20230116110402"), ("807_pp05", "QSM_20230116110514"),
    ("807_pp07", "QSM_20230125152230"), ("807_pp07", "QSM_20230125152352"),
    ("807_pp07", "QSM_20230125152457"), ("807_pp08", "QSM_20230131104830"),
    ("807_pp08", "QSM_20230131104933"), ("807_pp08", "QSM_20230131105018"),
    ("807_pp11", "QSM_20230131084952"), ("807_pp11", "QSM_20230131085242"),
    ("807_pp11", "QSM_20230131085350"),
]
STARTS_MID_FLEXION = ("807_pp11", "QSM_20230131085350")


def _short_standing(outward_axis: str, search_s: float) -> AnalysisSettings:
    """Calibration from half a second of standing, searched only at the very start.

    These sessions start moving within a second or two: the default 2 s of stillness is never
    there at the start of 14 of the 15 TrunkyXL trials.  Searching only the first seconds keeps
    any later still posture (the bottom of a slow bend, a chair) from being taken for standing.
    """
    return AnalysisSettings(
        calibration=CalibrationSettings(outward_axis=outward_axis, standing_min_s=0.5,
                                        standing_search_s=search_s),
        stillness=StillnessSettings(window_s=0.5, min_still_s=0.5, min_calm_s=0.5),
    )


@functools.lru_cache(maxsize=None)
def _read(path: Path) -> sensorback.Recording:
    return sensorback.read(path, quiet=True)


@functools.lru_cache(maxsize=None)
def _analysis(path: Path, mount: str | None = None, settings: AnalysisSettings | None = None):
    return _read(path).analyze(settings=settings, mount=mount)


def _angles(path: Path, mount: str) -> pd.DataFrame:
    return _analysis(path, mount).angles


def _trunkyxl(shared_data: Path, trial: tuple[str, str], sensor: int) -> Path:
    folder = shared_data / "trunkyxl_back_imu" / trial[0] / "QSense" / trial[1]
    path = folder / "R" / "Back" / f"Sensor {sensor}.csv"
    if not path.exists():
        pytest.skip(f"{path} not in the shared data")
    return path


def _sisfall(shared_data: Path, code: str) -> list[Path]:
    files = sorted((shared_data / "sisfall_waist_adl").glob(f"S*/{code}_*.txt"))
    if not files:
        pytest.skip(f"no SisFall {code} files in the shared data")
    return files


# --- TrunkyXL: three QSense sensors along the spine -------------------------------------------


def _sagittal_dips(angles: pd.DataFrame) -> np.ndarray:
    """Forward flexions: pitch dips with the trunk not side-bent.

    Prominence 25°: every flexion of the upper back dips ≥ 35° (pp07, the smallest), while
    sway and the pauses between movements wiggle ≤ 14°.  Side bends dip the pitch too (the
    cranial axis leaves the vertical) — up to 52° in pp07 — but with |roll| ≥ 37°, while
    flexions keep |roll| ≤ 12°; 25° separates them.
    """
    pitch = angles["pitch_deg"].to_numpy()
    roll = angles["roll_deg"].to_numpy()
    dips, _ = find_peaks(-pitch, prominence=25)
    return dips[np.abs(roll[dips]) < 25]


@pytest.mark.parametrize("trial", TRUNKYXL, ids=lambda t: f"{t[0][4:]}-{t[1][-6:]}")
def test_trunkyxl_mount_evidence(shared_data, trial):
    for sensor in (1, 2, 3):
        acc = _read(_trunkyxl(shared_data, trial, sensor)).acc / G
        # mostly upright: gravity along −x (median ≤ −0.85 g; a third of the time is bending)
        assert np.median(acc[:, 0]) < -0.7, sensor
    upper = _trunkyxl(shared_data, trial, 1)
    dips = _sagittal_dips(_angles(upper, TRUNKYXL_MOUNT))
    # bent forward, the back faces up: gravity moves into +z (≥ 0.79 g at the shallowest dip)
    assert np.all(_read(upper).acc[dips, 2] / G > 0.5)


@pytest.mark.parametrize("trial", TRUNKYXL, ids=lambda t: f"{t[0][4:]}-{t[1][-6:]}")
def test_trunkyxl_three_flexions_of_the_upper_back(shared_data, trial):
    angles = _angles(_trunkyxl(shared_data, trial, 1), TRUNKYXL_MOUNT)
    dips = _sagittal_dips(angles)
    # pp11/085350 starts mid-flexion (upper back at 33° and falling at t = 0) and has a fourth
    # full flexion, which SOURCE.md's start-relative count missed (it reports 0).
    expected = 4 if trial == STARTS_MID_FLEXION else 3
    assert len(dips) == expected, angles.index[dips].tolist()
    # the flexions come first in the protocol, before the side bends
    assert angles.index[dips[-1]] < 16.0


@pytest.mark.parametrize("trial", TRUNKYXL, ids=lambda t: f"{t[0][4:]}-{t[1][-6:]}")
def test_trunkyxl_side_bends_to_both_sides(shared_data, trial):
    roll = _angles(_trunkyxl(shared_data, trial, 1), TRUNKYXL_MOUNT)["roll_deg"].to_numpy()
    # Side bends reach |roll| 31–58° with prominences ≥ 38°; the other movements stay within
    # |roll| ≤ 15°.
    left, _ = find_peaks(roll, height=25, prominence=25)
    right, _ = find_peaks(-roll, height=25, prominence=25)
    assert (len(left), len(right)) == (3, 3)  # SOURCE.md: 3 per side in every trial


@pytest.mark.parametrize("trial", [t for t in TRUNKYXL if t != STARTS_MID_FLEXION],
                         ids=lambda t: f"{t[0][4:]}-{t[1][-6:]}")
def test_trunkyxl_lower_sensors_stand_nearly_upright_without_calibration(shared_data, trial):
    # With the axis-aligned mount the pitch is the sensor's own inclination: 72–81° at L4-5 and
    # 73–88° at T10 in these trials, because the skin over the lumbar curve is not vertical.
    # Hence ±20° here; the ±10° of a calibrated trunk is checked below.
    for sensor in (2, 3):
        path = _trunkyxl(shared_data, trial, sensor)
        pitch = _angles(path, TRUNKYXL_MOUNT)["pitch_deg"]
        start = pitch.iloc[: int(0.5 * _read(path).fs)].mean()
        assert start == pytest.approx(90, abs=20), sensor


@pytest.mark.parametrize("sensor", [2, 3])
def test_trunkyxl_calibrated_standing(shared_data, sensor):
    settings = _short_standing("+z", search_s=1.0)
    calibrated = []
    for trial in TRUNKYXL:
        path = _trunkyxl(shared_data, trial, sensor)
        try:
            a = _analysis(path, None, settings)
        except CalibrationError:
            continue  # refusing is right (the session moves within half a second); guessing is not
        calibrated.append(trial)
        pitch = a.angles["pitch_deg"]
        n = int(_read(path).fs)
        assert a.calibration["standing_start_s"] < 1.0, trial
        # Standing at the start defines 90° (so this holds by construction once calibrated) ...
        assert pitch.iloc[: n // 2].mean() == pytest.approx(90, abs=10), trial
        # ... the test is the standing at the end, after the flexions, side bends and
        # rotations: 83–89° measured, ±10° allowed.
        assert pitch.iloc[-n:].mean() == pytest.approx(90, abs=10), trial
    assert len(calibrated) >= 10, "short-standing calibration should work on most trials (11 of 15)"


# --- SisFall: a belt-worn sensor at the front of the waist ---------------------------------------


def _farthest_window(rec: sensorback.Recording, width_s: float = 1.0) -> slice:
    """The window whose gravity direction is farthest from that of the first second: the
    posture the activity goes to, found from the raw accelerometer (not from the angles tested)."""
    w = int(width_s * rec.fs)
    a = uniform_filter1d(rec.acc, w, axis=0)
    u = a / np.linalg.norm(a, axis=1, keepdims=True)
    i = int(np.argmax(np.arccos(np.clip(u @ u[w // 2], -1, 1))))
    return slice(max(0, i - w // 2), i + w // 2)


def test_sisfall_mount_evidence(shared_data):
    for path in _sisfall(shared_data, "D16"):
        acc = _read(path).acc / G
        start = acc[:200].mean(axis=0)
        assert np.argmax(np.abs(start)) == 1 and start[1] < 0, path  # upright: gravity along −y
        # bending forward moves gravity into −z: by ≥ 0.37 g in SA01, whose pelvis tilts least
        bend = acc[_farthest_window(_read(path))].mean(axis=0)
        assert bend[2] - start[2] < -0.25, path
    for path in _sisfall(shared_data, "D14"):
        # supine at the start: +z, the belly's outward axis, reads 0.78–0.92 g upwards
        assert _read(path).acc[:200, 2].mean() / G > 0.7, path


@pytest.mark.parametrize("code", ["D12", "D13"])
def test_sisfall_lying_is_horizontal(shared_data, code):
    for path in _sisfall(shared_data, code):
        angles = _angles(path, SISFALL_MOUNT).iloc[_farthest_window(_read(path))]
        # ±25°: most lie within ±7°; SE06 and SA04 at 10–20° (propped up, or down for about a
        # second only, where the reading depends on how the fusion smooths the transition).
        assert angles["pitch_deg"].median() == pytest.approx(0, abs=25), path
        # Not supine, as SOURCE.md says, but on the side in all 33 files (|roll| 63–89°): the
        # readme only says "lying", and the sensor's lateral x axis is vertical there.
        assert abs(angles["roll_deg"].median()) > 60, path


def test_sisfall_side_lying_rolls_about_90(shared_data):
    for path in _sisfall(shared_data, "D14"):
        angles = _angles(path, SISFALL_MOUNT)
        # supine at the start: level left axis (−13…+6° measured)
        assert abs(angles["roll_deg"].iloc[:200].median()) < 15, path
        side = angles.iloc[_farthest_window(_read(path))]
        # ±25°: most reach 80–88°, SA04 73–80°, and SE01 (71 years) turns only to 68–74°.
        assert abs(side["roll_deg"].median()) == pytest.approx(90, abs=25), path


def test_sisfall_bending_forward_dips_the_pitch(shared_data):
    for path in _sisfall(shared_data, "D16"):
        angles = _angles(path, SISFALL_MOUNT)
        # Prominence 15°: the waist tilts 20–26° in SA01 (knees straight, the hips do the rest)
        # and 44–97° in the others; standing sway is a few degrees.
        dips, _ = find_peaks(-angles["pitch_deg"].to_numpy(), prominence=15)
        assert len(dips) == 1, path
        # a bend in the sagittal plane: |roll| ≤ 10° measured (SA03's belt sits rotated a little,
        # so its bend leaks into roll most); 15° allowed
        assert angles["roll_deg"].abs().max() < 15, path


def test_sisfall_calibrated_standing(shared_data):
    settings = _short_standing("-z", search_s=1.5)
    calibrated = 0
    for path in _sisfall(shared_data, "D16"):
        try:
            a = _analysis(path, None, settings)
        except CalibrationError:
            continue  # they start bending within half a second; refusing is right
        calibrated += 1
        pitch = a.angles["pitch_deg"].to_numpy()
        # Standing at the start is 90° by construction; the belt sits 7–27° off the vertical,
        # which the calibration removes.  Standing again at the end reads 84–90°: ±10°.
        assert pitch[-200:].mean() == pytest.approx(90, abs=10), path
        assert pitch.min() < 75, path
    assert calibrated >= 12, "short-standing calibration should work on most D16 files (14 of 18)"


def test_sisfall_default_calibration_does_not_take_a_bend_for_standing(shared_data):
    # The start (0–3.0 s) stands swaying, the bottom of a slow 24° waist bend (5.4–7.6 s) is
    # still: calibration must take the swaying standing, not the still bend.
    path = shared_data / "sisfall_waist_adl" / "SA01" / "D16_SA01_R02.txt"
    if not path.exists():
        pytest.skip("D16_SA01_R02 not in the shared data")
    a = _analysis(path, None, AnalysisSettings(calibration=CalibrationSettings(outward_axis="-z")))
    assert a.calibration["standing_start_s"] < 1.0
    assert a.angles["pitch_deg"].iloc[:200].mean() > 80
