"""Fixtures shared by the test suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real recordings in ``shared/data`` beside the repository (``$SENSORBACK_SHARED_DATA``
    overrides it); tests that use it skip when it is absent, since the data may not be
    redistributed with the project."""
    env = os.environ.get("SENSORBACK_SHARED_DATA")
    root = Path(env) if env else Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
    if not root.is_dir():
        pytest.skip(f"real recordings not available ({root}); "
                    "set SENSORBACK_SHARED_DATA to their folder")
    return root.resolve()


@pytest.fixture(scope="session")
def assert_conformant():
    """Check what every reader promises about the Recording it returns (reader conformance)."""
    import json

    import numpy as np

    from sensorback.io import FORMATS, detect_format
    from sensorback.recording import CANONICAL

    def check(rec, path: Path, format: str) -> None:
        assert format in FORMATS
        assert detect_format(path) == format, path
        df = rec.samples
        assert list(df.columns[:6]) == list(CANONICAL)
        assert df.index.name == "time_s"
        t = rec.time_s
        assert t[0] == 0.0 and np.all(np.diff(t) > 0), "time_s must start at 0 and increase"
        assert np.all(np.isfinite(df.to_numpy())), "readers drop rows they cannot read"
        info = rec.info
        assert info.format == format and info.source == str(path)
        assert info.fs_hz and info.fs_hz > 0
        assert all(isinstance(n, str) for n in info.notes)
        json.dumps(info.to_dict())  # Info (extra included) must serialise for the JSON output
        for span in rec.annotations:
            assert -1e-9 <= span["onset_s"] <= rec.duration_s + 1e-9
            assert span["duration_s"] >= 0 and isinstance(span["description"], str)

    return check
