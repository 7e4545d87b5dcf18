"""sensorback: an honest coach and research instrument for core exercises, from one IMU on the sacrum.

Catalogue
---------
read(path)                  read a recording (canonical CSV, QSense, SisFall ...), format detected
Recording                   samples indexed by time_s + Info + Annotations
Annotations                 labelled time spans (bad/gap, hold/plank ...)
analyze(recording)          calibration, trunk angles, data quality → Analysis
Analysis                    results as DataFrames and JSON
simulate_session(seed)      a simulated session: recording + ground truth (package sensorback.simulate)
settings                    frozen dataclasses of every processing step's settings

Examples
--------
>>> import sensorback
>>> rec = sensorback.simulate_session(seed=4, n_blocks=2, fs_hz=50).recording
>>> analysis = rec.analyze()
>>> 80 < float(analysis.angles["pitch_deg"].iloc[:100].median()) < 100  # standing, pelvis tilted a little
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

__all__ = ["__version__", "read", "Recording", "Annotations", "Info", "analyze", "Analysis", "simulate_session",
           "SensorbackError"]

_LAZY = {
    "read": ("sensorback.io", "read"),
    "Recording": ("sensorback.recording", "Recording"),
    "Annotations": ("sensorback.recording", "Annotations"),
    "Info": ("sensorback.recording", "Info"),
    "analyze": ("sensorback.analysis", "analyze"),
    "Analysis": ("sensorback.analysis", "Analysis"),
    "simulate_session": ("sensorback.simulate", "simulate_session"),
    "SensorbackError": ("sensorback.errors", "SensorbackError"),
}

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import Analysis, analyze
    from .errors import SensorbackError
    from .io import read
    from .recording import Annotations, Info, Recording
    from . import simulate
    from .simulate import simulate_session


# Submodules reachable as attributes without importing them first.  `sensorback.simulate` is
# always the subpackage (importing it binds that name here anyway), never a function.
_SUBMODULES = ("simulate", "io", "processing", "detection", "settings")


def __getattr__(name: str) -> Any:
    # Imported on first use so that `sensorback --help` starts without numpy/pandas/scipy.
    import importlib

    if name in _LAZY:
        mod, attr = _LAZY[name]
        value = getattr(importlib.import_module(mod), attr)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'sensorback' has no attribute {name!r}")
