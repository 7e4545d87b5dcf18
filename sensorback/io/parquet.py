"""Parquet export of a recording (needs the ``parquet`` extra: pyarrow).

The file holds ``time_s`` and the sample columns; the recording's info and annotations travel in
the file's key-value metadata as JSON (``sensorback.info``, ``sensorback.annotations``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..recording import Recording


def _jsonable(x: Any) -> Any:
    if hasattr(x, "item"):
        return x.item()
    if hasattr(x, "isoformat"):
        return x.isoformat()
    raise TypeError(type(x))


def write_parquet(recording: Recording, path: str | Path) -> None:
    """Write the samples as Parquet, with info and annotations as file metadata.

    Raises
    ------
    InputError
        When pyarrow is not installed.
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            "writing Parquet needs pyarrow: pip install 'sensorback[parquet]'"
        ) from None
    table = pa.Table.from_pandas(recording.samples.reset_index(), preserve_index=False)
    metadata = dict(table.schema.metadata or {})
    metadata[b"sensorback.info"] = json.dumps(recording.info.to_dict(), default=_jsonable).encode()
    metadata[b"sensorback.annotations"] = json.dumps(
        list(recording.annotations), default=_jsonable
    ).encode()
    pq.write_table(table.replace_schema_metadata(metadata), Path(path))
