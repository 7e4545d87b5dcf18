"""Any CSV with one row per sample, given a column map (never detected automatically).

``sensorback.read("log.csv", format="generic", columns="time=ts,ax=AccX,ay=AccY,az=AccZ,gx=GyrX,gy=GyrY,gz=GyrZ",
acc_unit="g", gyro_unit="deg/s", time_unit="ms")``; on the command line ``--format generic
--columns ... --acc-unit g``.  Comma, semicolon or tab separated; units are checked as for the
canonical CSV (:func:`sensorback.io.canonical.read`) unless declared.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..recording import Recording
from . import canonical


def detect(path: Path) -> bool:
    """Never: which column holds what must be said (``columns=``)."""
    return False


def read(path: Path, *, columns: str | Mapping[str, str] | None = None, **options: Any) -> Recording:
    """Read a CSV whose columns ``columns`` maps to ``time,ax,ay,az,gx,gy,gz`` (+ ``mx,my,mz``).

    Other options (``acc_unit``, ``gyro_unit``, ``time_unit``, ``fs_hz``, ``device``, ``quiet``)
    are those of :func:`sensorback.io.canonical.read`.

    Raises
    ------
    InputError
        No column map, or one that does not name every required quantity.
    """
    if columns is None:
        raise InputError("the generic CSV reader needs a column map: columns='time=ts,ax=AccX,ay=AccY,"
                         "az=AccZ,gx=GyrX,gy=GyrY,gz=GyrZ' (CLI: --columns)")
    return canonical.read(path, columns=columns, **options)
