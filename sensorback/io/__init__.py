"""Reading and writing recordings.

Catalogue
---------
read                 read any supported file, format detected automatically
read_csv             the canonical CSV (``time,ax,ay,az,gx,gy,gz`` [+ ``mx,my,mz``])
write_csv            write the canonical CSV
write_parquet        write samples, info and annotations as Parquet (read back by ``read``)
write                write a recording, format from the file name (``.csv``, ``.parquet``)
FORMATS              the registered readers, by name: canonical, parquet, qsense (TrunkyXL),
                     sisfall, session (live session files), metabase (MbientLab MetaBase),
                     phyphox, sensorlogger (Sensor Logger), witmotion (WitMotion PC/app CSV),
                     stble (ST BLE Sensor logs), generic (any CSV with a column map)
session_file         sensorback's live session files (SQLite): ``read_sensors``, ``read_raw``, ...

Every reader module provides ``detect(path) -> bool`` and ``read(path, **options) -> Recording``
and is imported only when used.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from ..errors import InputError, UnsupportedFormat
from ..recording import Recording

from .._formats import FORMATS


def _module(name: str) -> Any:
    return importlib.import_module(FORMATS[name], __name__)


def detect_format(path: str | Path) -> str:
    """Name of the first registered format whose detector accepts ``path``."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file or folder")
    for name in FORMATS:
        try:
            if _module(name).detect(p):
                return name
        except (OSError, UnicodeDecodeError, ValueError, IndexError):
            continue
    raise UnsupportedFormat(str(p), list(FORMATS), "give the format with --format, or convert it to the canonical CSV")


def read(path: str | Path, format: str | None = None, **options: Any) -> Recording:
    """Read a recording from any supported file.

    Parameters
    ----------
    path : str or Path
        A file (or, for formats that are folders, a folder).
    format : str, optional
        One of :data:`FORMATS`; detected from the content when omitted.
    **options
        Reader options, e.g. ``acc_unit="g"``, ``gyro_unit="deg/s"``, ``time_unit="ms"`` for the
        canonical CSV.

    Examples
    --------
    >>> import sensorback
    >>> rec = sensorback.read("recordings/example_session.csv")  # doctest: +SKIP
    """
    if format is None:
        format = detect_format(path)
    elif format not in FORMATS:
        raise InputError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    if not Path(path).exists():
        raise InputError(f"{path}: no such file or folder")
    return _module(format).read(Path(path), **options)


def read_csv(path: str | Path, **options: Any) -> Recording:
    """Read the canonical CSV; see :func:`sensorback.io.canonical.read`."""
    return _module("canonical").read(Path(path), **options)


def write_csv(recording: Recording, path: str | Path, metadata: bool = False) -> None:
    """Write the canonical CSV (``metadata=True``: device, placement, rate, start as comments)."""
    _module("canonical").write_csv(recording, path, metadata=metadata)


def write_parquet(recording: Recording, path: str | Path) -> None:
    """Write samples, info and annotations as Parquet (needs pyarrow)."""
    _module("parquet").write_parquet(recording, path)


WRITERS = {".csv": "canonical CSV", ".parquet": "Parquet"}


def write(recording: Recording, path: str | Path) -> None:
    """Write a recording in the format its file name asks for (``.csv`` or ``.parquet``).

    Raises
    ------
    InputError
        Another file extension.
    """
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        write_csv(recording, path, metadata=True)
    elif suffix == ".parquet":
        write_parquet(recording, path)
    else:
        raise InputError(f"{path}: cannot write {suffix or 'a file without extension'!r}; "
                         f"use one of {', '.join(f'{k} ({v})' for k, v in WRITERS.items())}")
