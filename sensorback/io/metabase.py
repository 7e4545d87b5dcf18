"""MbientLab MetaBase CSV exports (MetaMotion R/C/S/RL): one file per sensor.

``<name>_MetaWear_<ISO start>_<MAC>_Accelerometer_12.500Hz_1.4.4.csv``::

    epoch (ms),time (01:00),elapsed (s),x-axis (g),y-axis (g),z-axis (g)
    1547832339908,2019-01-18T18:25:39.908,0.000,0.951,0.110,0.193

and the matching ``..._Gyroscope_25.000Hz_...csv`` with ``x-axis (deg/s)``.  The two files have
their own rates and unaligned timestamps; they are merged onto one time base.  The ``time``
column's format and its UTC offset vary with app version and locale, so ``epoch (ms)`` is used.
Give either file or a folder holding exactly one accelerometer/gyroscope pair.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..errors import FileFormatError, InputError
from ._common import Bundle, finish, merge_streams, numeric
from .units import ACC_UNITS, GYRO_UNITS

DEVICE = "MbientLab MetaMotion (MetaBase export)"
EPOCH = "epoch (ms)"
AXES = ("x-axis", "y-axis", "z-axis")
NAME = re.compile(r"^(?P<prefix>.*)_(?P<sensor>Accelerometer|Gyroscope)_(?P<rate>[\d.]+)Hz(?P<rest>.*)\.csv$",
                  re.IGNORECASE)


def _kind(first_line: str) -> str | None:
    """``"acc"`` or ``"gyro"`` for a MetaBase header line, else None."""
    cols = [c.strip().lower() for c in first_line.split(",")]
    if not cols or cols[0] != EPOCH or len(cols) < 6:
        return None
    if cols[3:6] == [f"{a} (g)" for a in AXES]:
        return "acc"
    if cols[3:6] == [f"{a} (deg/s)" for a in AXES]:
        return "gyro"
    return None


def _pair(path: Path) -> tuple[Path | None, Path | None]:
    """The accelerometer and gyroscope files of the export ``path`` names (a file or a folder)."""
    if path.is_dir():
        files = {"acc": [], "gyro": []}
        for p in sorted(path.glob("*.csv")):
            k = _kind(Bundle(p).first_line(p.name)) if p.stat().st_size else None
            if k:
                files[k].append(p)
        if len(files["acc"]) > 1 or len(files["gyro"]) > 1:
            raise InputError(f"{path}: {len(files['acc'])} accelerometer and {len(files['gyro'])} gyroscope "
                             "MetaBase files; give one of the files to read its pair")
        return (files["acc"] or [None])[0], (files["gyro"] or [None])[0]
    m = NAME.match(path.name)
    kind = _kind(Bundle(path).first_line(path.name))
    found = {kind: path}
    other = "gyro" if kind == "acc" else "acc"
    if m:
        want = "Gyroscope" if other == "gyro" else "Accelerometer"
        cands = sorted(path.parent.glob(f"{_glob_escape(m.group('prefix'))}_{want}_*Hz*.csv"))
        cands = [c for c in cands if _kind(Bundle(c).first_line(c.name)) == other]
        if cands:
            found[other] = cands[0]
    return found.get("acc"), found.get("gyro")


def _glob_escape(s: str) -> str:
    return re.sub(r"([\[\]*?])", r"[\1]", s)


def detect(path: Path) -> bool:
    if path.is_dir():
        return any(_kind(Bundle(p).first_line(p.name)) for p in path.glob("*.csv") if p.stat().st_size)
    return path.suffix.lower() == ".csv" and _kind(Bundle(path).first_line(path.name)) is not None


def _load(path: Path, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Epoch seconds and the three axes in canonical units."""
    df = Bundle(path).read_csv(path.name)
    df.columns = [str(c).strip().lower() for c in df.columns]
    unit = "(g)" if kind == "acc" else "(deg/s)"
    v = numeric(df[[EPOCH, *(f"{a} {unit}" for a in AXES)]], str(path))
    scale = ACC_UNITS["g"] if kind == "acc" else GYRO_UNITS["deg/s"]
    return v[:, 0] / 1000.0, v[:, 1:4] * scale


def read(path: Path, *, placement: str = "sacrum", quiet: bool = False, accel_only: bool = False):
    """Read a MetaBase accelerometer + gyroscope export.

    Parameters
    ----------
    path : Path
        Either CSV file of the pair (the other is found beside it by name) or their folder.
    placement : str
    quiet : bool
        Do not warn (notes stay in ``info.notes``).
    accel_only : bool
        Read an export without a gyroscope file, deriving the angular rate from the accelerometer.

    Returns
    -------
    Recording
        Both streams resampled onto one time base at the faster one's rate.

    Raises
    ------
    UnusableRecording
        No gyroscope file (unless ``accel_only``).
    FileFormatError
        No accelerometer file.
    """
    acc_path, gyro_path = _pair(path)
    if acc_path is None:
        raise FileFormatError(str(path), "no MetaBase accelerometer file (header 'epoch (ms),...,x-axis (g),...') "
                              "beside it; posture needs the accelerometer")
    t_a, acc = _load(acc_path, "acc")
    notes = []
    extra = {"accelerometer_file": acc_path.name}
    if gyro_path is None:
        t, gyro = t_a, None
    else:
        t_g, gyro_raw = _load(gyro_path, "gyro")
        t, acc, gyro, note = merge_streams(t_a, acc, t_g, gyro_raw)
        notes.append(note)
        extra["gyroscope_file"] = gyro_path.name
    m = NAME.match(acc_path.name)
    if m:
        extra["name"] = m.group("prefix")
    start = datetime.fromtimestamp(float(np.nanmin(t)), tz=timezone.utc)
    return finish(path, t, acc, gyro, format="metabase", device=DEVICE, placement=placement,
                  start_time=start, notes=notes, extra=extra, quiet=quiet, accel_only=accel_only,
                  no_gyro_detail="no MetaBase gyroscope file beside the accelerometer file")
