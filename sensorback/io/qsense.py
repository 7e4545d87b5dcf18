"""QSense Motion CSV export (QSense BLE dongle app), one file per sensor.

Layout, as in the TrunkyXL study (``<trial>/R/Back/Sensor N.csv`` beside ``<trial>/info.txt``)::

    Sensor string: E
    Serial number: 1970-01-10160974
    Firmware version: 2,015
    Hardware version: 2,2
    Calibration quality: 5
    ax  ay  az  gx  gy  gz  mx  my  mz        (tab-separated)
                                              (blank)
    -0.91561  -0.002074  0.416752  3.29 ...   Reference
    ...

Accelerometer in g, gyroscope in deg/s, magnetometer in arbitrary normalised units.  Rows carry
no timestamps: the rate is the number of rows over ``Stop − Start`` in the trial's ``info.txt``
(whole seconds, so the estimate is only as good as ±1 s over the trial's length).  A blank line
between data rows marks lost packets; how many were lost is not recorded, so the time axis cannot
include them and each one becomes a ``bad/gap`` span whose ``missing_samples`` is unknown (None).
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import FileFormatError, InputError
from ..recording import CANONICAL, Annotations, Info, Recording
from .units import ACC_UNITS, GYRO_UNITS
from .._warn import warn_user
from ..errors import RecordingWarning

COLUMNS = ("ax", "ay", "az", "gx", "gy", "gz", "mx", "my", "mz")
DEVICE = "QSense Motion"
HEADER_SEARCH_LINES = 20
MAX_BAD_FRACTION = 0.05
"""Malformed data lines tolerated (dropped and annotated) before the file is refused: the app
writes these files itself, so a few damaged lines are survivable, wholesale garbage is not."""
# TrunkyXL wore a string of three sensors along the spine (the study's README and code).
PLACEMENTS = {1: "upper back (C8)", 2: "mid back (T10)", 3: "pelvis (L4-L5)"}
_KEY = re.compile(r"^\s*([A-Za-z][A-Za-z ]*?)\s*:\s*(.*?)\s*$")


def _snake(key: str) -> str:
    return "_".join(key.lower().split())


def _header(lines: list[str]) -> tuple[dict[str, str], int]:
    """The ``key: value`` lines and the index of the column-header line (-1 when absent)."""
    meta: dict[str, str] = {}
    for i, line in enumerate(lines[:HEADER_SEARCH_LINES]):
        if tuple(line.split()) == COLUMNS:
            return meta, i
        m = _KEY.match(line)
        if m:
            meta[_snake(m.group(1))] = m.group(2)
    return meta, -1


def detect(path: Path) -> bool:
    if path.is_dir():
        return False
    try:
        with open(path, encoding="utf-8-sig", errors="strict") as fh:
            head = [fh.readline() for _ in range(HEADER_SEARCH_LINES)]
    except (OSError, UnicodeDecodeError):
        return False
    meta, i = _header(head)
    return i >= 0 and "sensor_string" in meta and "serial_number" in meta


def read_info_txt(path: Path) -> dict[str, str]:
    """The ``key: value`` lines of a QSense trial's ``info.txt`` (keys in snake_case)."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        m = _KEY.match(line)
        if m:
            out[_snake(m.group(1))] = m.group(2)
    return out


def _find_info_txt(path: Path) -> Path | None:
    """``<trial>/info.txt`` for ``<trial>/R/<segment>/Sensor N.csv``, or one beside the file."""
    for cand in (path.parent.parent.parent / "info.txt", path.parent / "info.txt"):
        if cand.is_file():
            return cand
    return None


def _start_stop(info_path: Path, session: dict[str, str], n_rows: int) -> tuple[float, datetime]:
    """The rate (rows over ``Stop − Start``) and the start time from a trial's ``info.txt``."""
    try:
        start = datetime.strptime(session["start"], "%Y-%m-%d %H:%M:%S")
        stop = datetime.strptime(session["stop"], "%Y-%m-%d %H:%M:%S")
    except (KeyError, ValueError):
        raise FileFormatError(
            str(info_path),
            "no readable 'Start:'/'Stop:' times (YYYY-MM-DD HH:MM:SS), which the QSense export "
            "needs for its sample rate; pass fs_hz= to read the file anyway",
        ) from None
    span_s = (stop - start).total_seconds()
    fs = n_rows / span_s if span_s > 0 else math.nan
    if not 1.0 <= fs <= 1000.0:
        raise FileFormatError(
            str(info_path),
            f"Start {session['start']} and Stop {session['stop']} give {n_rows} rows over "
            f"{span_s:g} s, not a plausible IMU rate; pass fs_hz= to read the file anyway",
        )
    return fs, start


def _rate(
    path: Path, n_rows: int, fs_hz: float | None
) -> tuple[float, datetime | None, dict[str, str], str]:
    """Sample rate, start time, the trial's ``info.txt``, and a note on where the rate came from."""
    info_path = _find_info_txt(path)
    session = read_info_txt(info_path) if info_path else {}
    if fs_hz is None:
        if info_path is None:
            raise FileFormatError(
                str(path),
                "the QSense export has no timestamps and no info.txt was found beside the R/ "
                "folder (<trial>/info.txt) to take the rate from; pass fs_hz= "
                "(e.g. read(path, fs_hz=50))",
            )
        fs, start = _start_stop(info_path, session, n_rows)
        return fs, start, session, (
            f"no timestamps in the file: rate {fs:.3f} Hz = {n_rows} rows / (Stop − Start) in "
            f"{info_path.name}, whose whole-second times make it uncertain by ±1 s over the trial"
        )
    if info_path is None:
        note = f"rate {fs_hz:g} Hz given by the caller; no info.txt, so no start time"
        return fs_hz, None, session, note
    try:
        fs_info, start = _start_stop(info_path, session, n_rows)
    except FileFormatError:
        return fs_hz, None, session, f"rate {fs_hz:g} Hz given by the caller"
    return fs_hz, start, session, (
        f"rate {fs_hz:g} Hz given by the caller ({info_path.name} suggests {fs_info:.3f} Hz)"
    )


def _parse_rows(
    path: Path, lines: list[str], first: int
) -> tuple[np.ndarray, list[int], dict[int, int], list[str]]:
    """Data rows from line index ``first`` on.

    Returns the values (n, 9; malformed rows NaN), the rows marked in a 10th column
    (``Reference``), the blank-line runs as ``{index of the row after the run: number of blank
    lines}``, and problems worth a note.
    """
    values: list[list[float]] = []
    marked: list[int] = []
    blanks: dict[int, int] = {}
    bad: list[tuple[int, str]] = []
    pending = 0
    for lineno, line in enumerate(lines[first:], start=first + 1):
        if not line.strip():
            pending += 1
            continue
        if pending and values:
            blanks[len(values)] = pending
        pending = 0
        fields = line.split("\t")
        try:
            if len(fields) < 9:
                raise ValueError
            row = [float(x) for x in fields[:9]]
        except ValueError:
            bad.append((lineno, line.strip()[:60]))
            row = [math.nan] * 9
        else:
            if len(fields) > 9 and fields[9].strip():
                marked.append(len(values))
        values.append(row)
    if not values:
        raise FileFormatError(str(path), "no data rows after the header (truncated export?)")
    problems = []
    if bad:
        if len(bad) > MAX_BAD_FRACTION * len(values):
            lineno, text = bad[0]
            raise FileFormatError(
                str(path),
                f"{len(bad)} of {len(values)} data lines are not 9 tab-separated numbers "
                f"(first: {text!r}); not a readable QSense Motion export",
                line=lineno,
            )
        where = ", ".join(str(n) for n, _ in bad[:5]) + (" ..." if len(bad) > 5 else "")
        problems.append(f"{len(bad)} malformed data lines (line {where}) dropped")
    return np.asarray(values, dtype=float), marked, blanks, problems


def _gap_spans(t: np.ndarray, keep: np.ndarray, blanks: dict[int, int]) -> list[dict[str, Any]]:
    """A ``bad/gap`` span for each run of blank lines, between the kept samples around it."""
    t0 = t[keep][0]
    spans = []
    for row, n_blank in blanks.items():
        if not (keep[:row].any() and keep[row:].any()):
            continue
        before = row - 1 - int(np.argmax(keep[row - 1 :: -1]))
        after = row + int(np.argmax(keep[row:]))
        spans.append({
            "onset_s": float(t[before] - t0),
            "duration_s": float(t[after] - t[before]),
            "description": "bad/gap",
            "missing_samples": None,
            "blank_lines": n_blank,
            "note": "packets lost; the export does not say how many, so the time axis assumes none",
        })
    return spans


def read(
    path: Path,
    *,
    fs_hz: float | None = None,
    placement: str | None = None,
    quiet: bool = False,
) -> Recording:
    """Read one sensor of a QSense Motion export.

    Parameters
    ----------
    path : Path
        ``<trial>/R/<segment>/Sensor N.csv``.
    fs_hz : float, optional
        Sample rate in Hz.  Required when the trial's ``info.txt`` (with its ``Start``/``Stop``
        times) is absent; overrides the rate estimated from it when given.
    placement : str, optional
        Where the sensor was worn; by default the TrunkyXL placement of ``Sensor 1..3`` on the
        back, otherwise ``"unknown"``.
    quiet : bool
        Do not warn about dropped lines and packet gaps (they stay in ``info.notes``).

    Returns
    -------
    Recording
        Accelerometer in m/s², gyroscope in rad/s; the magnetometer is dropped (arbitrary
        units).  ``info.extra`` keeps the sensor header (serial number, firmware, calibration
        quality ...) and the trial's ``info.txt`` as ``session``.

    Raises
    ------
    FileFormatError
        No column header, no data, mostly malformed lines, or no rate (no ``info.txt`` and no
        ``fs_hz``).
    """
    from ..processing.integrity import check_time_base

    if fs_hz is not None and not (isinstance(fs_hz, (int, float)) and math.isfinite(fs_hz)
                                  and fs_hz > 0):
        raise InputError(f"fs_hz must be a positive number of Hz, got {fs_hz!r}")
    lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    meta, hdr = _header(lines)
    if hdr < 0:
        raise FileFormatError(
            str(path),
            f"no column header '{' '.join(COLUMNS)}' in the first {HEADER_SEARCH_LINES} lines; "
            "not a QSense Motion export, or its header is truncated",
        )
    raw, marked, blanks, problems = _parse_rows(path, lines, hdr + 1)
    n = raw.shape[0]
    fs, start_time, session, rate_note = _rate(path, n, fs_hz)
    mag_norm = float(np.nanmedian(np.linalg.norm(raw[:, 6:9], axis=1)))
    notes = [
        rate_note,
        "magnetometer dropped: QSense exports it in arbitrary normalised units "
        f"(median |m| = {mag_norm:.2f} here), not µT",
    ]

    values = np.column_stack((raw[:, 0:3] * ACC_UNITS["g"], raw[:, 3:6] * GYRO_UNITS["deg/s"]))
    t = np.arange(n) / fs
    keep, ann, report = check_time_base(t, values, fs)
    if keep.sum() < 2:
        raise FileFormatError(str(path), "fewer than two usable samples after dropping bad lines")
    problems.extend(report.messages)
    gaps = _gap_spans(t, keep, blanks)
    if gaps:
        ann = ann + Annotations.from_records(gaps)
        problems.append(
            f"{len(gaps)} packet gaps (blank lines) annotated bad/gap; the number of lost samples "
            "is unknown, so the time axis (rows spread evenly over Stop − Start) ignores them; "
            "not interpolated"
        )
    notes.extend(problems)

    number = re.fullmatch(r"Sensor (\d+)\.csv", path.name, flags=re.IGNORECASE)
    sensor_no = int(number.group(1)) if number else None
    if placement is None:
        on_back = path.parent.name.lower() == "back"
        placement = PLACEMENTS.get(sensor_no, "unknown") if on_back else "unknown"
    tk = t[keep] - t[keep][0]
    samples = pd.DataFrame(values[keep], columns=list(CANONICAL), index=pd.Index(tk, name="time_s"))
    extra: dict[str, Any] = {
        **meta,
        "sensor_number": sensor_no,
        "reference_rows": marked,
        "packet_gaps": len(gaps),
        "session": session,
        "time_base": report.to_dict(),
    }
    info = Info(
        device=DEVICE,
        placement=placement,
        fs_hz=fs,
        start_time=start_time,
        firmware=meta.get("firmware_version"),
        source=str(path),
        format="qsense",
        notes=tuple(notes),
        extra=extra,
    )
    if not quiet:
        for p in problems:
            warn_user(f"{path.name}: {p}", RecordingWarning)
    return Recording(samples, info, ann)
