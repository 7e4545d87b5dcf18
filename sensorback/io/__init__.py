"""Reading and writing recordings.

Catalogue
---------
read                 read any supported file, format detected automatically
read_csv             the canonical CSV (``time,ax,ay,az,gx,gy,gz`` [+ ``mx,my,mz``])
write_csv            write the canonical CSV
FORMATS              the registered readers, by name
session_file         sensorback's live session files (SQLite): ``read_sensors``, ``read_raw``, ...
parquet              ``write_parquet`` (needs the ``parquet`` extra)

Every reader module provides ``detect(path) -> bool`` and ``read(path, **options) -> Recording``
and is imported only when used.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from ..errors import InputError, UnsupportedFormat
from ..recording import Recording

# name -> module (relative to this package); detection runs in this order
FORMATS: dict[str, str] = {
    "canonical": ".canonical",
    "qsense": ".qsense",
    "sisfall": ".sisfall",
    "session": ".session_file",
}


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
        except (OSError, UnicodeDecodeError):
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


def write_csv(recording: Recording, path: str | Path) -> None:
    """Write the canonical CSV."""
    _module("canonical").write_csv(recording, path)
