"""phyphox exports (iOS and Android): a zip or folder with ``meta/`` and one CSV per sensor.

A single-sensor experiment writes ``Raw Data.csv``; a multi-sensor one ``Accelerometer.csv``,
``Gyroscope.csv``, ``Linear Accelerometer.csv`` ...  Columns are quoted, numbers scientific::

    "Time (s)","Acceleration x (m/s^2)","Acceleration y (m/s^2)","Acceleration z (m/s^2)",...
    "Time (s)","Gyroscope x (rad/s)","Gyroscope y (rad/s)","Gyroscope z (rad/s)",...

"Acceleration with g" keeps gravity; "Linear Acceleration" ("Acceleration without g") has it
removed, so no posture can be computed from it and it is refused.  phyphox reports acceleration
as the force applied to the phone (gravity reads +9.81 upward) on iOS as on Android, so no sign
change is needed.  ``meta/time.csv`` gives the wall-clock start.
"""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..errors import FileFormatError, UnusableRecording
from ._common import Bundle, finish, merge_streams, numeric

TIME = "time (s)"
KINDS = {
    "acceleration x (m/s^2)": "acc",
    "linear acceleration x (m/s^2)": "linear",
    "gyroscope x (rad/s)": "gyro",
}


def _columns(line: str) -> list[str]:
    return [c.strip().lower() for c in next(csv.reader([line]))] if line.strip() else []


def _kind(cols: list[str]) -> str | None:
    if len(cols) < 4 or cols[0] != TIME:
        return None
    return KINDS.get(cols[1])


def _sensor_files(b: Bundle) -> dict[str, str]:
    """Member name of each kind of sensor file (``acc``, ``linear``, ``gyro``) in the export."""
    out: dict[str, str] = {}
    for name in b.names:
        if name.lower().endswith(".csv") and "meta/" not in name.lower():
            k = _kind(_columns(b.first_line(name)))
            if k and (k not in out or len(name) < len(out[k])):
                out[k] = name
    return out


def detect(path: Path) -> bool:
    if path.is_file() and path.suffix.lower() == ".csv":
        return _kind(_columns(Bundle(path).first_line(path.name))) is not None
    if path.is_file() and path.suffix.lower() != ".zip":
        return False
    b = Bundle(path)
    return b.find("device.csv") is not None and bool(_sensor_files(b))


def _start_time(b: Bundle) -> datetime | None:
    name = b.find("time.csv")
    if name is None:
        return None
    df = b.read_csv(name)
    df.columns = [str(c).strip().lower() for c in df.columns]
    if "event" not in df.columns or "system time" not in df.columns:
        return None
    start = df[df["event"].astype(str).str.upper() == "START"]
    return datetime.fromtimestamp(float(start["system time"].iloc[0]), tz=timezone.utc) if len(start) else None


def _device(b: Bundle) -> tuple[str, dict[str, str]]:
    name = b.find("device.csv")
    if name is None:
        return "phone (phyphox)", {}
    df = b.read_csv(name, dtype=str, keep_default_na=False)
    meta = dict(zip(df.iloc[:, 0], df.iloc[:, 1])) if df.shape[1] >= 2 else {}
    model = " ".join(x for x in (meta.get("deviceBrand"), meta.get("deviceModel")) if x)
    return f"{model or 'phone'} (phyphox {meta.get('version', '?')})", meta


def _load(b: Bundle, name: str) -> tuple[np.ndarray, np.ndarray]:
    v = numeric(b.read_csv(name).iloc[:, :4], f"{b.path}:{name}")
    return v[:, 0], v[:, 1:4]


def read(path: Path, *, placement: str = "sacrum", quiet: bool = False, accel_only: bool = False):
    """Read a phyphox export: acceleration with g, and the gyroscope when it was recorded.

    Parameters
    ----------
    path : Path
        The export's zip, its folder, or one of its CSV files.
    accel_only : bool
        Read an export without a gyroscope, deriving the angular rate from the accelerometer.

    Raises
    ------
    UnusableRecording
        Only linear acceleration (gravity removed), or no gyroscope without ``accel_only``.
    FileFormatError
        No phyphox sensor CSV.
    """
    b = Bundle(path)
    files = _sensor_files(b)
    if "acc" not in files:
        if "linear" in files:
            raise UnusableRecording(
                str(path),
                f"{files['linear']} holds phyphox's 'Linear Acceleration' (acceleration without g): gravity "
                "is removed, and posture is the direction of gravity",
                "Record with phyphox's 'Acceleration with g' experiment (and the gyroscope) instead",
            )
        raise FileFormatError(str(path), "no phyphox accelerometer CSV ('\"Time (s)\",\"Acceleration x (m/s^2)\",...')")
    device, meta = _device(b)
    t_a, acc = _load(b, files["acc"])
    notes: list[str] = []
    extra: dict = {"phyphox": meta, "files": sorted(files.values())}
    gyro = None
    t = t_a
    if "gyro" in files:
        t_g, gyro_raw = _load(b, files["gyro"])
        if files["gyro"] == files["acc"]:
            gyro = gyro_raw
        else:
            t, acc, gyro, note = merge_streams(t_a, acc, t_g, gyro_raw)
            notes.append(note)
    return finish(path, t, acc, gyro, format="phyphox", device=device, placement=placement,
                  start_time=_start_time(b), notes=notes, extra=extra, quiet=quiet, accel_only=accel_only,
                  no_gyro_detail="the phyphox export has no Gyroscope CSV")
