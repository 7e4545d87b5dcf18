"""Postures on real recordings made by other people (``shared/data``, skipped when absent).

The mounts are those established in ``tests/test_realdata_angles.py``.  None of these
recordings contains a core exercise, so no hold or rep set may be found in them.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import sensorback

pytestmark = pytest.mark.realdata

SISFALL_MOUNT = "-y,-z"
TRUNKYXL_MOUNT = "-x,+z"


def _analyse(path: Path, mount: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sensorback.read(path, quiet=True).analyze(mount=mount)


def _files(root: Path, pattern: str) -> list[Path]:
    files = sorted(root.glob(pattern))
    if not files:
        pytest.skip(f"no {pattern} in the shared data")
    return files


def test_sisfall_postures(shared_data):
    root = shared_data / "sisfall_waist_adl"
    for path in _files(root, "SA0[12]/D1[246]_*_R01.txt"):
        a = _analyse(path, SISFALL_MOUNT)
        code = path.name[:3]
        postures = a.postures
        start = postures.iloc[: int(a.fs_hz)].mode()[0]
        counts = postures.value_counts(normalize=True)
        if code == "D16":  # standing, bending forward, standing
            assert start == "upright", path
            assert counts["upright"] + counts["flexed"] + counts["moving"] > 0.9, path
        else:  # D12 lies down (on the side, see test_realdata_angles), D14 starts supine and rolls
            lying = counts["side_left"] + counts["side_right"] + counts["supine"] + counts["prone"]
            assert lying * a.duration_s > 1.0, (path, counts.to_dict())
        if code == "D14":
            assert start == "supine", path
        assert [s for s in a.segments if s["kind"] != "rest"] == [], path


def test_trunkyxl_trials_are_upright_without_exercise(shared_data):
    root = shared_data / "trunkyxl_back_imu"
    for path in _files(root, "807_pp0[25]/QSense/*/R/Back/Sensor 3.csv"):
        a = _analyse(path, TRUNKYXL_MOUNT)
        counts = a.postures.value_counts(normalize=True)
        assert counts["upright"] + counts["flexed"] + counts["moving"] > 0.9, (path, counts.to_dict())
        assert [s for s in a.segments if s["kind"] != "rest"] == [], path
        a.to_json()
