"""Sensor Logger exports (Kelvin Choi's app, Android and iOS): a zip or folder of CSVs.

Every sensor file has the columns ``time,seconds_elapsed,z,y,x`` — note the z, y, x order —
with ``time`` in nanoseconds since the Unix epoch.  ``TotalAcceleration.csv`` (m/s²) includes
gravity; ``Accelerometer.csv`` has it removed and cannot give posture; when TotalAcceleration is
missing, ``AccelerometerUncalibrated.csv`` (gravity included; in g on iOS) is used instead.
``Gyroscope.csv`` is in rad/s.  ``Metadata.csv`` names the platform: on iOS the app logs
acceleration as inertial force, the negative of Android's (unless "Standardise Units & Frames"
was on), so iOS acceleration is negated by default.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..errors import FileFormatError, InputError, UnusableRecording
from ._common import Bundle, finish, merge_streams, numeric
from .units import resolve_acc_unit

COLUMNS = ["time", "seconds_elapsed", "z", "y", "x"]
METADATA = "Metadata.csv"
ACC_FILES = ("TotalAcceleration.csv", "AccelerometerUncalibrated.csv")
GYRO_FILES = ("Gyroscope.csv", "GyroscopeUncalibrated.csv")


def _is_sensor_csv(b: Bundle, name: str) -> bool:
    return [c.strip().lower() for c in b.first_line(name).split(",")][:5] == COLUMNS


def detect(path: Path) -> bool:
    if path.is_file() and path.suffix.lower() not in (".zip", ".csv"):
        return False
    b = Bundle(path)
    meta = b.find(METADATA)
    if meta is None or not b.first_line(meta).lower().startswith("version,device name"):
        return False
    return any(_is_sensor_csv(b, n) for n in b.names if n.lower().endswith(".csv"))


def _metadata(b: Bundle) -> dict[str, str]:
    df = b.read_csv(b.find(METADATA), dtype=str, keep_default_na=False)
    return {str(k).strip(): str(v) for k, v in df.iloc[0].items()} if len(df) else {}


def _load(b: Bundle, name: str) -> tuple[np.ndarray, np.ndarray]:
    df = b.read_csv(name)
    df.columns = [str(c).strip().lower() for c in df.columns]
    v = numeric(df[["time", "x", "y", "z"]], f"{b.path}:{name}")
    return v[:, 0] * 1e-9, v[:, 1:4]


def read(
    path: Path,
    *,
    placement: str = "sacrum",
    ios_frame: str = "auto",
    quiet: bool = False,
    accel_only: bool = False,
):
    """Read a Sensor Logger export.

    Parameters
    ----------
    path : Path
        The export's zip or folder (or one of its CSV files).
    ios_frame : {"auto", "native", "standardised"}
        ``"auto"`` negates the acceleration of iOS recordings (the app's native iOS convention);
        ``"standardised"`` leaves it as is (the app's "Standardise Units & Frames" was on).
    accel_only : bool
        Read an export without a gyroscope, deriving the angular rate from the accelerometer.

    Raises
    ------
    UnusableRecording
        Only gravity-removed acceleration, or no gyroscope without ``accel_only``.
    """
    if ios_frame not in ("auto", "native", "standardised"):
        raise InputError(f"ios_frame must be 'auto', 'native' or 'standardised', got {ios_frame!r}")
    b = Bundle(path)
    meta = _metadata(b)
    acc_name = b.find(*ACC_FILES)
    if acc_name is None:
        if b.find("Accelerometer.csv"):
            raise UnusableRecording(
                str(path),
                "only Accelerometer.csv, which Sensor Logger writes with gravity removed (user "
                "acceleration); posture is the direction of gravity",
                "Enable 'Total Acceleration' (or 'Accelerometer Uncalibrated') in Sensor Logger",
            )
        raise FileFormatError(str(path), f"no {' or '.join(ACC_FILES)} in the export")
    t_a, acc = _load(b, acc_name)
    notes = [f"acceleration from {acc_name} (gravity included); columns z,y,x reordered to x,y,z"]
    factor, note = resolve_acc_unit(acc, "auto")
    acc = acc * factor
    if note:
        notes.append(note)
    platform = meta.get("platform", "").lower()
    if platform == "ios" and ios_frame != "standardised":
        acc = -acc
        notes.append("iOS recording: acceleration negated to the force convention (gravity reads +9.81 "
                     "upward); pass ios_frame='standardised' if 'Standardise Units & Frames' was on")
    gyro_name = b.find(*GYRO_FILES)
    gyro = None
    t = t_a
    if gyro_name is not None:
        t_g, gyro_raw = _load(b, gyro_name)
        t, acc, gyro, note = merge_streams(t_a, acc, t_g, gyro_raw)
        notes.append(note)
    start = datetime.fromtimestamp(float(t[0]), tz=timezone.utc) if t.size else None
    device = f"{meta.get('device name') or 'phone'} (Sensor Logger {meta.get('appVersion', '?')}, {platform or '?'})"
    extra = {"sensorlogger": meta, "accelerometer_file": acc_name, "gyroscope_file": gyro_name}
    return finish(path, t, acc, gyro, format="sensorlogger", device=device, placement=placement,
                  start_time=start, notes=notes, extra=extra, quiet=quiet, accel_only=accel_only,
                  no_gyro_detail="the Sensor Logger export has no Gyroscope.csv")
