"""Parquet files of recordings and of analysis segments (needs the ``parquet`` extra: pyarrow).

A recording's file holds ``time_s`` and the sample columns; its info and annotations travel in
the file's key-value metadata as JSON (``sensorback.info``, ``sensorback.annotations``), so
``read(write_parquet(rec))`` gives the recording back.  A segments file has one row per segment;
nested per-segment values (per-rep lists, form breaks ...) are JSON text in their column.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import FileFormatError, InputError
from ..recording import Annotations, Info, Recording

MAGIC = b"PAR1"
INFO_KEY = b"sensorback.info"
ANN_KEY = b"sensorback.annotations"


def _jsonable(x: Any) -> Any:
    if hasattr(x, "item"):
        return x.item()
    if hasattr(x, "isoformat"):
        return x.isoformat()
    if hasattr(x, "tolist"):
        return x.tolist()
    raise TypeError(type(x))


def _pyarrow() -> tuple[Any, Any]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError("Parquet needs pyarrow: pip install 'sensorback[parquet]'") from None
    return pa, pq


def write_parquet(recording: Recording, path: str | Path) -> None:
    """Write the samples as Parquet, with info and annotations as file metadata.

    Raises
    ------
    InputError
        When pyarrow is not installed.
    """
    pa, pq = _pyarrow()
    table = pa.Table.from_pandas(recording.samples.reset_index(), preserve_index=False)
    metadata = dict(table.schema.metadata or {})
    metadata[INFO_KEY] = json.dumps(recording.info.to_dict(), default=_jsonable).encode()
    metadata[ANN_KEY] = json.dumps(list(recording.annotations), default=_jsonable).encode()
    pq.write_table(table.replace_schema_metadata(metadata), Path(path))


def write_segments_parquet(segments: list[dict[str, Any]], path: str | Path) -> None:
    """One row per segment; lists and dicts inside a segment become JSON text."""
    pa, pq = _pyarrow()
    rows = [{k: (json.dumps(v, default=_jsonable) if isinstance(v, (list, dict)) else v) for k, v in s.items()}
            for s in segments]
    df = pd.DataFrame(rows) if rows else pd.DataFrame(columns=["kind", "exercise", "start_s", "end_s"])
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), Path(path))


def detect(path: Path) -> bool:
    if path.is_dir():
        return False
    with open(path, "rb") as fh:
        if fh.read(4) != MAGIC:
            return False
    _, pq = _pyarrow()
    meta = pq.read_schema(path).metadata or {}
    return INFO_KEY in meta


def read(path: Path, *, quiet: bool = False) -> Recording:
    """Read a recording written by :func:`write_parquet`.

    Raises
    ------
    FileFormatError
        A Parquet file without sensorback's metadata or sample columns.
    """
    _, pq = _pyarrow()
    try:
        table = pq.read_table(path)
    except Exception as exc:  # pyarrow raises its own error types for damaged files
        raise FileFormatError(str(path), f"cannot read as Parquet ({exc})") from None
    meta = table.schema.metadata or {}
    if INFO_KEY not in meta:
        raise FileFormatError(str(path), "a Parquet file without sensorback's recording metadata; "
                              "read it with pandas and use the generic CSV path instead")
    df = table.to_pandas()
    if "time_s" not in df.columns:
        raise FileFormatError(str(path), "no time_s column")
    d = json.loads(meta[INFO_KEY])
    d["notes"] = tuple(d.get("notes") or ())
    d["start_time"] = datetime.fromisoformat(d["start_time"]) if d.get("start_time") else None
    info = Info(**{k: v for k, v in d.items() if k in Info.__dataclass_fields__})
    ann = Annotations.from_records(json.loads(meta.get(ANN_KEY, b"[]")))
    return Recording(df.set_index("time_s"), info, ann)
