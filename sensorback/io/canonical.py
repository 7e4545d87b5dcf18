"""The canonical CSV: ``time,ax,ay,az,gx,gy,gz`` (s, m/s², rad/s), optional ``mx,my,mz`` (µT).

Lines starting with ``#`` before the header may carry metadata as ``# key: value``
(``device``, ``placement``, ``fs_hz``, ``start_time``); sensorback writes them and reads them
back, other tools can ignore them.
"""

from __future__ import annotations

import csv
from datetime import datetime, timezone
from pathlib import Path
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..errors import FileFormatError, InputError
from ..recording import CANONICAL, MAG, Info, Recording
from .units import resolve_acc_unit, resolve_gyro_unit, resolve_time_unit
from .._warn import warn_user
from ..errors import RecordingWarning

REQUIRED = ("time",) + CANONICAL
MIN_SAMPLES = 10


def _sep(line: str) -> str:
    """The separator of a header line: comma unless semicolons or tabs dominate."""
    return max((",", ";", "\t"), key=line.count) if line.count(",") == 0 else ","


def parse_columns(spec: str | Mapping[str, str]) -> dict[str, str]:
    """``"time=ts,ax=AccX,..."`` (or a mapping) → ``{canonical name: file column}``.

    Raises
    ------
    InputError
        Unknown canonical names, or a missing one of ``time,ax,ay,az,gx,gy,gz``.
    """
    if isinstance(spec, str):
        pairs = [p.split("=", 1) for p in spec.split(",") if p.strip()]
        if any(len(p) != 2 for p in pairs):
            raise InputError(f"column map {spec!r}: give name=column pairs separated by commas, "
                             "e.g. time=ts,ax=AccX,ay=AccY,az=AccZ,gx=GyrX,gy=GyrY,gz=GyrZ")
        spec = {k.strip().lower(): v.strip() for k, v in pairs}
    known = set(REQUIRED) | set(MAG)
    unknown = sorted(set(spec) - known)
    if unknown:
        raise InputError(f"column map: unknown names {unknown}; use {', '.join(REQUIRED + MAG)}")
    missing = [c for c in REQUIRED if c not in spec]
    if missing:
        raise InputError(f"column map lacks {missing}; map every one of {', '.join(REQUIRED)}")
    return dict(spec)


def _header(path: Path) -> tuple[dict[str, str], int, list[str]]:
    """Metadata comments, the number of comment lines, and the column names."""
    meta: dict[str, str] = {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        n = 0
        for line in fh:
            s = line.strip()
            if s.startswith("#"):
                n += 1
                if ":" in s:
                    k, v = s[1:].split(":", 1)
                    meta[k.strip()] = v.strip()
                continue
            if not s:
                n += 1
                continue
            cols = [c.strip().lower() for c in next(csv.reader([s], delimiter=_sep(s)))]
            return meta, n, cols
    return meta, n, []


def detect(path: Path) -> bool:
    if path.is_dir():
        return False
    try:
        _, _, cols = _header(path)
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    return all(c in cols for c in REQUIRED)


def read(
    path: Path,
    *,
    acc_unit: str = "auto",
    gyro_unit: str = "auto",
    time_unit: str = "auto",
    fs_hz: float | None = None,
    device: str | None = None,
    quiet: bool = False,
    columns: str | Mapping[str, str] | None = None,
) -> Recording:
    """Read the canonical CSV, or any CSV given a column map, checking units and the time base.

    Parameters
    ----------
    path : Path
    columns : str or mapping, optional
        Which file column holds each canonical quantity, e.g.
        ``"time=ts,ax=AccX,ay=AccY,az=AccZ,gx=GyrX,gy=GyrY,gz=GyrZ"`` (names compared without
        case); units are then checked as for the canonical file, or given by the ``*_unit``
        options.  The recording's format is ``"generic"``.
    acc_unit : {"auto", "m/s2", "g", "mg"}
    gyro_unit : {"auto", "rad/s", "deg/s"}
    time_unit : {"auto", "s", "ms", "us", "ns"}
        ``"auto"`` recognises the common mistakes and converts with a warning, or refuses with a
        message saying what was found and how to declare the unit.
    fs_hz : float, optional
        The device's nominal rate, to measure clock drift against.
    quiet : bool
        Do not emit warnings (the notes stay in ``recording.info.notes``).

    Raises
    ------
    FileFormatError
        Missing columns, non-numeric values, an empty or truncated file.
    UnitError
        Units that are neither canonical nor a recognisable mistake.
    """
    from ..processing.integrity import check_time_base

    meta, skip, cols = _header(path)
    colmap = parse_columns(columns) if columns is not None else {c: c for c in (*REQUIRED, *MAG)}
    wanted = {v.strip().lower(): k for k, v in colmap.items()}
    missing = [colmap[c] for c in REQUIRED if colmap[c].strip().lower() not in cols]
    if missing:
        expected = (f"the column map names columns {list(colmap.values())}; the file has {cols}"
                    if columns is not None else f"the canonical header is {','.join(REQUIRED)}")
        raise FileFormatError(str(path), f"missing columns {missing}; {expected}")
    try:
        with open(path, encoding="utf-8-sig") as fh:
            header_line = [ln for ln in (fh.readline() for _ in range(skip + 1))][-1]
        df = pd.read_csv(path, skiprows=skip, header=0, comment="#", skipinitialspace=True,
                         on_bad_lines="skip", engine="c", sep=_sep(header_line), encoding="utf-8-sig")
    except (pd.errors.ParserError, ValueError) as exc:
        raise FileFormatError(str(path), f"cannot parse as CSV ({exc})") from None
    df.columns = [wanted.get(str(c).strip().lower(), f"_{c}") for c in df.columns]
    use = [c for c in (*REQUIRED, *MAG) if c in df.columns]
    df = df[use]
    bad_cols = [c for c in use if not pd.api.types.is_numeric_dtype(df[c])]
    if bad_cols:
        values = df[bad_cols].apply(pd.to_numeric, errors="coerce")
        n_bad = int(values.isna().sum().max() - df[bad_cols].isna().sum().max())
        df[bad_cols] = values
        note_bad = f"{n_bad} rows with non-numeric values treated as missing"
    else:
        note_bad = None
    if len(df) < 2:
        raise FileFormatError(str(path), f"only {len(df)} data rows; a recording needs samples")

    notes: list[str] = []
    if note_bad:
        notes.append(note_bad)
    t_raw = df["time"].to_numpy(dtype=float)
    tf, note, is_epoch = resolve_time_unit(t_raw, time_unit)
    if note:
        notes.append(note)
    t = t_raw * tf
    start_time = None
    finite_t = t[np.isfinite(t)]
    if is_epoch and finite_t.size:
        start_time = datetime.fromtimestamp(float(finite_t[0]), tz=timezone.utc)
    elif "start_time" in meta:
        try:
            start_time = datetime.fromisoformat(meta["start_time"])
        except ValueError:
            notes.append(f"ignored unreadable start_time {meta['start_time']!r}")

    acc = df[list(CANONICAL[:3])].to_numpy(dtype=float)
    af, note = resolve_acc_unit(acc, acc_unit)
    if note:
        notes.append(note)
    acc = acc * af
    nominal = fs_hz or (float(meta["fs_hz"]) if "fs_hz" in meta else None)
    dt = np.diff(finite_t)
    fs_guess = 1.0 / float(np.median(dt[dt > 0])) if np.any(dt > 0) else 1.0
    gyro = df[list(CANONICAL[3:])].to_numpy(dtype=float)
    gf, note = resolve_gyro_unit(gyro, acc, fs_guess, gyro_unit)
    if note:
        notes.append(note)
    gyro = gyro * gf
    values = np.column_stack((acc, gyro) + ((df[list(MAG)].to_numpy(dtype=float),) if "mx" in use else ()))

    keep, ann, report = check_time_base(t, values, nominal)
    if keep.sum() < MIN_SAMPLES:
        raise FileFormatError(str(path), f"only {int(keep.sum())} usable samples after dropping bad rows; "
                              f"a recording needs at least {MIN_SAMPLES}")
    notes.extend(report.messages)
    tk = t[keep] - t[keep][0]
    names = list(CANONICAL) + (list(MAG) if "mx" in use else [])
    samples = pd.DataFrame(values[keep], columns=names, index=pd.Index(tk, name="time_s"))
    info = Info(
        device=device or meta.get("device", "unknown"),
        placement=meta.get("placement", "sacrum"),
        fs_hz=nominal or report.nominal_fs_hz,
        start_time=start_time,
        source=str(path),
        format="canonical" if columns is None else "generic",
        notes=tuple(notes),
        extra={"time_base": report.to_dict()},
    )
    if not quiet:
        for n in notes:
            warn_user(f"{path.name}: {n}", RecordingWarning)
    return Recording(samples, info, ann)


def write_csv(recording: Recording, path: str | Path, metadata: bool = False) -> None:
    """Write the canonical CSV; ``metadata=True`` adds ``# key: value`` lines before the header."""
    path = Path(path)
    df = recording.samples.copy()
    df.insert(0, "time", df.index.to_numpy())
    info = recording.info
    with open(path, "w", newline="") as fh:
        if metadata:
            meta: dict[str, Any] = {"device": info.device, "placement": info.placement}
            if info.fs_hz:
                meta["fs_hz"] = f"{info.fs_hz:g}"
            if info.start_time:
                meta["start_time"] = info.start_time.isoformat()
            for k, v in meta.items():
                fh.write(f"# {k}: {v}\n")
        df.to_csv(fh, index=False, float_format="%.9g")
