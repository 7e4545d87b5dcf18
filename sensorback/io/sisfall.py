"""SisFall dataset text files (Sucerquia et al., Sensors 2017, 17(1), 198).

``<code>_<subject>_R<nn>.txt`` (e.g. ``D12_SA01_R01.txt``): no header, one sample per line at
200 Hz, nine comma-separated raw ADC counts ending with ``;``::

      4,-260,  14, -25,  11,   7,  13,-1002, 173;

Columns 1-3 are the ADXL345 accelerometer (±16 g, 13 bit: counts · 32/8192 g), 4-6 the ITG3200
gyroscope (±2000 °/s, 16 bit: counts · 4000/65536 °/s) and 7-9 a second accelerometer
(MMA8451Q), which is not used.  The device was worn on a belt at the front of the waist.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import FileFormatError, InputError
from ..recording import CANONICAL, Info, Recording
from .units import ACC_UNITS, GYRO_UNITS
from .._warn import warn_user
from ..errors import RecordingWarning

FS_HZ = 200.0
ACC_G_PER_COUNT = 2 * 16 / 2**13
GYRO_DPS_PER_COUNT = 2 * 2000 / 2**16
DEVICE = "SisFall (ADXL345 + ITG3200)"
PLACEMENT = "waist (front, belt)"
MAX_BAD_FRACTION = 0.05
"""Malformed lines tolerated (dropped and annotated) before the file is refused."""
NAME = re.compile(r"(?P<code>[DF]\d{2})_(?P<subject>S[AE]\d{2})_R(?P<trial>\d{2})\.txt")
ROW = re.compile(r"\s*(-?\d+\s*,\s*){8}-?\d+\s*;\s*")


def detect(path: Path) -> bool:
    """True for a SisFall file: its name follows the dataset's pattern and its first lines are rows
    of nine integers ending with ``;``."""
    if path.is_dir() or not NAME.fullmatch(path.name):
        return False
    try:
        with open(path, encoding="ascii") as fh:
            head = [line for line in (fh.readline() for _ in range(5)) if line.strip()]
    except (OSError, UnicodeDecodeError):
        return False
    return bool(head) and all(ROW.fullmatch(line) for line in head)


def _parse(path: Path) -> tuple[np.ndarray, list[str]]:
    """The nine columns of every line (NaN for malformed lines) and problems worth a note."""
    lines = path.read_text(encoding="ascii", errors="replace").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise FileFormatError(str(path), "no data rows (empty or truncated file)")
    ok = np.array([ROW.fullmatch(line) is not None for line in lines])
    values = np.full((len(lines), 9), np.nan)
    good = [line for line, k in zip(lines, ok) if k]
    if good:
        counts = ",".join(good).replace(";", "").split(",")
        values[ok] = np.fromiter(map(int, counts), dtype=float, count=len(counts)).reshape(-1, 9)
    bad = np.flatnonzero(~ok) + 1
    problems = []
    if bad.size:
        if bad.size > MAX_BAD_FRACTION * len(lines):
            raise FileFormatError(
                str(path),
                f"{bad.size} of {len(lines)} lines are not nine comma-separated integers ending "
                f"with ';' (first: {lines[bad[0] - 1].strip()[:60]!r}); not a SisFall file",
                line=int(bad[0]),
            )
        where = ", ".join(map(str, bad[:5])) + (" ..." if bad.size > 5 else "")
        problems.append(f"{bad.size} malformed lines (line {where}) dropped")
    return values, problems


def read(path: Path, *, fs_hz: float = FS_HZ, quiet: bool = False) -> Recording:
    """Read a SisFall file: the ADXL345 accelerometer and the ITG3200 gyroscope.

    Parameters
    ----------
    path : Path
        ``<code>_<subject>_R<nn>.txt``.
    fs_hz : float
        Sample rate; the dataset's is 200 Hz.
    quiet : bool
        Do not warn about dropped lines (they stay in ``info.notes``).

    Returns
    -------
    Recording
        m/s² and rad/s in the sensor's axes (y vertical, reading −1 g when upright);
        ``info.extra`` holds ``activity_code``, ``subject`` and ``trial`` from the file name.

    Raises
    ------
    FileFormatError
        An empty file or one whose lines are mostly not nine integers.
    """
    from ..processing.integrity import check_time_base

    if not (isinstance(fs_hz, (int, float)) and math.isfinite(fs_hz) and fs_hz > 0):
        raise InputError(f"fs_hz must be a positive number of Hz, got {fs_hz!r}")
    raw, problems = _parse(path)
    values = np.column_stack((
        raw[:, 0:3] * ACC_G_PER_COUNT * ACC_UNITS["g"],
        raw[:, 3:6] * GYRO_DPS_PER_COUNT * GYRO_UNITS["deg/s"],
    ))
    t = np.arange(raw.shape[0]) / float(fs_hz)
    keep, ann, report = check_time_base(t, values, fs_hz)
    if keep.sum() < 2:
        raise FileFormatError(str(path), "fewer than two usable samples after dropping bad lines")
    problems.extend(report.messages)
    notes = [
        f"no timestamps in the file: time is row number / {fs_hz:g} Hz",
        "raw counts converted: ADXL345 × 32/8192 g, ITG3200 × 4000/65536 °/s; "
        "the second accelerometer (MMA8451Q, columns 7-9) is not used",
        *problems,
    ]
    m = NAME.fullmatch(path.name)
    extra = {
        "activity_code": m.group("code") if m else None,
        "subject": m.group("subject") if m else None,
        "trial": int(m.group("trial")) if m else None,
        "time_base": report.to_dict(),
    }
    tk = t[keep] - t[keep][0]
    samples = pd.DataFrame(values[keep], columns=list(CANONICAL), index=pd.Index(tk, name="time_s"))
    info = Info(
        device=DEVICE,
        placement=PLACEMENT,
        fs_hz=float(fs_hz),
        source=str(path),
        format="sisfall",
        notes=tuple(notes),
        extra=extra,
    )
    if not quiet:
        for p in problems:
            warn_user(f"{path.name}: {p}", RecordingWarning)
    return Recording(samples, info, ann)
