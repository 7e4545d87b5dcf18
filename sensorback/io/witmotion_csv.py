"""WitMotion PC software / app CSV exports (WT901BLE, WT9011DCL, ...).

``Record/<date>/<HH-MM-SS-mmm>/_WT901BLE67(<mac>)_0.csv``; the column set depends on the software
version and on which outputs were enabled, so columns are matched by name::

    Time, Device name, Chip Time(), Acceleration X(g), Acceleration Y(g), Acceleration Z(g),
    Angular velocity X(°/s), Angular velocity Y(°/s), Angular velocity Z(°/s), ..., Angle X(°), ...

Separated by commas or tabs (then possibly with decimal commas), values with a leading space,
encoded UTF-8 or GBK (so the degree sign may be mangled).  ``Chip Time()`` is the sensor's clock
(``2024-3-19 16:44:16.689`` or ``...16:44:16:689``); the host ``Time`` (``HH:MM:SS.fff``) is
used when it is missing.  Acceleration in g, angular rate in °/s.
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

DEVICE = "WitMotion (PC/app CSV)"
ACC = [re.compile(rf"^acceleration {a}\(g\)$") for a in "xyz"]
GYRO = [re.compile(rf"^angular velocity {a}\(.*/s\)$") for a in "xyz"]
_MS_COLON = re.compile(r"(\d{1,2}:\d{2}:\d{2}):(\d{1,3})$")


def _text(path: Path) -> str:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gbk"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")


def _columns(header: str) -> tuple[str, list[str]]:
    sep = "\t" if header.count("\t") > header.count(",") else ","
    return sep, [c.strip().lower() for c in header.split(sep)]


def _find(cols: list[str], patterns: list[re.Pattern]) -> list[int] | None:
    idx = [next((i for i, c in enumerate(cols) if p.match(c)), -1) for p in patterns]
    return None if -1 in idx else idx


def detect(path: Path) -> bool:
    if path.is_dir() or path.suffix.lower() not in (".csv", ".txt"):
        return False
    with open(path, "rb") as fh:
        head = fh.read(2048)
    first = head.decode("utf-8", errors="replace").splitlines()[0] if head.strip() else ""
    _, cols = _columns(first)
    return _find(cols, ACC) is not None and ("chip time()" in cols or "time" in cols)


def _times(values: pd.Series) -> np.ndarray:
    """Seconds (epoch for full dates, since midnight for clock times) from WitMotion's time texts."""
    s = values.astype(str).str.strip().str.replace(_MS_COLON, r"\1.\2", regex=True)
    dt = pd.to_datetime(s, errors="coerce", format="mixed")
    ns = dt.to_numpy(dtype="datetime64[ns]").astype("int64").astype(float)
    ns[dt.isna().to_numpy()] = np.nan
    return ns * 1e-9


def read(path: Path, *, placement: str = "sacrum", quiet: bool = False, accel_only: bool = False):
    """Read a WitMotion PC/app CSV export.

    Raises
    ------
    FileFormatError
        No ``Acceleration X(g)`` ... columns or no readable time column.
    UnusableRecording
        No ``Angular velocity`` columns (unless ``accel_only``).
    """
    lines = _text(path).splitlines()
    if not lines:
        raise FileFormatError(str(path), "empty file")
    sep, cols = _columns(lines[0])
    acc_idx = _find(cols, ACC)
    if acc_idx is None:
        raise FileFormatError(str(path), "no 'Acceleration X(g)', 'Acceleration Y(g)', 'Acceleration Z(g)' columns", line=1)
    time_col = "chip time()" if "chip time()" in cols else "time"
    if time_col not in cols:
        raise FileFormatError(str(path), "no 'Chip Time()' or 'Time' column", line=1)
    body = "\n".join(lines[1:])
    df = pd.read_csv(io.StringIO(body), sep=sep, header=None, dtype=str, keep_default_na=False,
                     on_bad_lines="skip", skipinitialspace=True)

    def numbers(idx: list[int]) -> np.ndarray:
        part = df.iloc[:, idx]
        if sep == "\t":
            part = part.apply(lambda c: c.str.replace(",", ".", regex=False))
        return part.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)

    t = _times(df.iloc[:, cols.index(time_col)])
    if not np.isfinite(t).any():
        raise FileFormatError(str(path), f"column {time_col!r} holds no readable times "
                              f"(first: {df.iloc[0, cols.index(time_col)]!r})")
    acc = numbers(acc_idx) * ACC_UNITS["g"]
    gyro_idx = _find(cols, GYRO)
    gyro = numbers(gyro_idx) * GYRO_UNITS["deg/s"] if gyro_idx is not None else None
    names = df.iloc[:, cols.index("device name")] if "device name" in cols else None
    device = f"WitMotion {names.iloc[0].strip()}" if names is not None and len(names) else DEVICE
    notes = [f"time from the {'sensor clock (Chip Time)' if time_col != 'time' else 'host clock (Time)'}"]
    return finish(path, t, acc, gyro, format="witmotion", device=device, placement=placement, notes=notes,
                  extra={"time_column": time_col}, quiet=quiet, accel_only=accel_only,
                  no_gyro_detail="no 'Angular velocity' columns")
