"""ST BLE Sensor app logs (SensorTile.box and other ST boards, "Start Logging")::

    #Format version: 1.0
    time[ms],accX[mg],accY[mg],accZ[mg],gyroX[mdps],gyroY[mdps],gyroZ[mdps],magnX[mG],...,hum[...
    10,-53,57,-992,-1540,420,910,,,,,,,0x03,

Time in ms from the start, acceleration in mg, angular rate in mdps (milli-degrees/s), empty
fields for sensors that were off, and a trailing hex status column.  Files are latin-1.  Known
quirk of the app: the header's last name is cut short at a mis-encoded character and the first
data row is glued onto it (``...,temp[Â°C],hum[0,-51,41,-981,...``); that row is recovered.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import FileFormatError
from ._common import finish
from .units import ACC_UNITS, GYRO_UNITS

DEVICE = "ST board (ST BLE Sensor log)"
MARK = "#format version"
_NAME = re.compile(r"([A-Za-z]+)\[([^\]]*)\]")
_GLUED = re.compile(r"([A-Za-z]+)\[(-?[\d.]+)$")
ACC_SCALE = {"mg": ACC_UNITS["mg"], "g": ACC_UNITS["g"], "m/s^2": 1.0, "m/s2": 1.0}
GYRO_SCALE = {"mdps": GYRO_UNITS["mdps"], "dps": GYRO_UNITS["dps"], "rad/s": 1.0}


def _split_header(line: str) -> tuple[dict[str, tuple[int, str]], str | None]:
    """Column index and unit by name, and the data row glued onto the header (if any)."""
    tokens = line.rstrip("\r\n").split(",")
    cols: dict[str, tuple[int, str]] = {}
    for i, tok in enumerate(tokens):
        m = _NAME.fullmatch(tok.strip())
        if m:
            cols[m.group(1).lower()] = (i, m.group(2))
            continue
        g = _GLUED.match(tok.strip())
        if g:
            return cols, ",".join([g.group(2), *tokens[i + 1 :]])
        break
    return cols, None


def detect(path: Path) -> bool:
    if path.is_dir():
        return False
    with open(path, encoding="latin-1") as fh:
        first, second = fh.readline(), fh.readline()
    cols, _ = _split_header(second)
    return first.strip().lower().startswith(MARK) and {"time", "accx", "gyrox"} <= cols.keys()


def read(path: Path, *, placement: str = "sacrum", quiet: bool = False, accel_only: bool = False):
    """Read an ST BLE Sensor log.

    Returns
    -------
    Recording
        m/s² and rad/s in the board's axes; ``info.extra["units"]`` gives the file's units.

    Raises
    ------
    FileFormatError
        No accelerometer columns, or units that are not mg/g/m/s^2 and mdps/dps/rad/s.
    UnusableRecording
        The gyroscope columns are empty (unless ``accel_only``).
    """
    lines = path.read_text(encoding="latin-1").splitlines()
    if len(lines) < 2 or not lines[0].strip().lower().startswith(MARK):
        raise FileFormatError(str(path), "no '#Format version' line: not an ST BLE Sensor log")
    cols, glued = _split_header(lines[1])
    need = ["time", "accx", "accy", "accz"]
    if any(c not in cols for c in need):
        raise FileFormatError(str(path), f"header lacks {[c for c in need if c not in cols]}", line=2)
    body = "\n".join(([glued] if glued else []) + lines[2:])
    df = pd.read_csv(io.StringIO(body), header=None, dtype=str, keep_default_na=False, on_bad_lines="skip")

    def take(names: list[str]) -> np.ndarray:
        idx = [cols[n][0] for n in names]
        if max(idx) >= df.shape[1]:
            return np.full((len(df), len(idx)), np.nan)
        return df.iloc[:, idx].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)

    acc_unit = cols["accx"][1].lower()
    if acc_unit not in ACC_SCALE:
        raise FileFormatError(str(path), f"accelerometer unit [{acc_unit}] not one of {list(ACC_SCALE)}", line=2)
    t_ms = take(["time"])[:, 0]
    acc = take(["accx", "accy", "accz"]) * ACC_SCALE[acc_unit]
    gyro = None
    units = {"time": cols["time"][1], "acc": acc_unit}
    if {"gyrox", "gyroy", "gyroz"} <= cols.keys():
        gyro_unit = cols["gyrox"][1].lower()
        if gyro_unit not in GYRO_SCALE:
            raise FileFormatError(str(path), f"gyroscope unit [{gyro_unit}] not one of {list(GYRO_SCALE)}", line=2)
        g = take(["gyrox", "gyroy", "gyroz"])
        if np.isfinite(g).any():
            gyro = g * GYRO_SCALE[gyro_unit]
            units["gyro"] = gyro_unit
    notes = ["the first data row was glued onto the header line (a quirk of the app); recovered"] if glued else []
    return finish(path, t_ms * 1e-3, acc, gyro, format="stble", device=DEVICE, placement=placement,
                  notes=notes, extra={"units": units}, quiet=quiet, accel_only=accel_only,
                  no_gyro_detail="the log's gyroscope columns are empty")
