"""sensorback: an honest coach and research instrument for core exercises, from one IMU on the sacrum.

Catalogue
---------
read(path)                  read a recording (canonical CSV, QSense, SisFall ...), format detected
Recording                   samples indexed by time_s + Info + Annotations
Annotations                 labelled time spans (bad/gap, hold/plank ...)
analyze(recording)          calibration, trunk angles, data quality → Analysis
Analysis                    results as DataFrames and JSON
simulate(seed)              a simulated session (see sensorback.simulate for ground truth)
settings                    frozen dataclasses of every processing step's settings

Examples
--------
>>> import sensorback
>>> rec = sensorback.simulate(seed=4, n_blocks=2, fs_hz=50)
>>> analysis = rec.analyze()
>>> round(float(analysis.angles["pitch_deg"].iloc[:100].median()))
90
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

__all__ = ["__version__", "read", "Recording", "Annotations", "Info", "analyze", "Analysis", "simulate",
           "SensorbackError"]

_LAZY = {
    "read": ("sensorback.io", "read"),
    "Recording": ("sensorback.recording", "Recording"),
    "Annotations": ("sensorback.recording", "Annotations"),
    "Info": ("sensorback.recording", "Info"),
    "analyze": ("sensorback.analysis", "analyze"),
    "Analysis": ("sensorback.analysis", "Analysis"),
    "simulate": ("sensorback.simulate", "simulate"),
    "SensorbackError": ("sensorback.errors", "SensorbackError"),
}

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import Analysis, analyze
    from .errors import SensorbackError
    from .io import read
    from .recording import Annotations, Info, Recording
    from .simulate import simulate


def __getattr__(name: str) -> Any:
    # Imported on first use so that `sensorback --help` starts without numpy/pandas/scipy.
    if name in _LAZY:
        import importlib

        mod, attr = _LAZY[name]
        value = getattr(importlib.import_module(mod), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sensorback' has no attribute {name!r}")
