"""Settings of every processing step, as frozen dataclasses with units in their field names.

Every analysis records the settings that produced it (``Analysis.settings``), and every report
prints them, so a result can always be reproduced.

Examples
--------
>>> from sensorback.settings import AnalysisSettings, OrientationSettings
>>> s = AnalysisSettings(orientation=OrientationSettings(accel_sigma_s=1.5))
>>> s.orientation.accel_sigma_s
1.5
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class QualitySettings:
    """Checks of the time base: gaps, duplicates, backwards steps, clock drift."""

    gap_factor: float = 1.5
    """A step longer than this many nominal sample periods is a gap."""
    break_gap_s: float = 1.0
    """Gaps longer than this split the recording into runs processed independently."""
    drift_window_s: float = 30.0
    """Window over which the local sample rate is compared with the nominal one."""
    drift_tolerance: float = 0.02
    """Relative deviation of the local rate that marks a span ``bad/clock``."""


@dataclass(frozen=True)
class StillnessSettings:
    """Detection of still periods (used for calibration and gyro bias)."""

    window_s: float = 1.0
    min_still_s: float = 1.5
    gyro_std_rad_s: float = 0.02
    """Upper limit for the per-axis gyro standard deviation in a still window."""
    acc_std_m_s2: float = 0.15
    """Upper limit for the per-axis accelerometer standard deviation in a still window."""
    calm_gyro_std_rad_s: float = 0.1
    """Looser limit for postures held with sway or tremor (quiet standing, exercise holds)."""
    calm_acc_std_m_s2: float = 0.35
    min_calm_s: float = 2.0


@dataclass(frozen=True)
class CalibrationSettings:
    """Automatic discovery of how the sensor sits on the body."""

    outward_axis: str = "+z"
    """Sensor axis that points out of the back (posterior), e.g. ``"+z"`` or ``"-z"``."""
    standing_search_s: float = 60.0
    """The standing still period is searched within this many seconds from the start."""
    standing_min_s: float = 2.0
    standing_max_tilt_deg: float = 35.0
    """Largest angle between the standing up-vector and the plane of the back."""
    upright_match_deg: float = 8.0
    """Later upright postures within this angle of the first standing one join it."""
    lying_max_pitch_deg: float = 15.0
    """Postures used to refine the mount: still prone or supine (nominal pitch 0, roll 0),
    within this pitch with the first estimate (standing only) ..."""
    lying_refit_max_pitch_deg: float = 8.0
    """... and within this pitch with the refined one."""
    lying_max_roll_deg: float = 35.0
    lying_min_s: float = 5.0
    """A lying posture counts when it holds still at least this long ..."""
    lying_min_still_fraction: float = 0.8
    """... and is still for this fraction of its calm run (exercise holds are not)."""
    hold_max_pitch_deg: float = 40.0
    """Other calm postures with the trunk this close to horizontal inform the roll only."""
    hold_max_roll_deg: float = 30.0
    hold_min_s: float = 3.0
    upright_sagittal_sd_deg: float = 3.5
    """How much the pelvis' sagittal tilt in standing varies between people (prior spread)."""
    upright_roll_sd_deg: float = 1.0
    lying_pitch_sd_deg: float = 1.7
    """How much pitch varies between lying postures (prior spread around 0)."""
    lying_roll_sd_deg: float = 2.0
    hold_roll_sd_deg: float = 3.0
    """Spread of the roll of level exercise holds around 0 (hips kept level)."""
    flat_prior_sd_deg: float = 4.0
    """Prior spread of the sensor's tilt off flat on the back."""
    max_refinement_deg: float = 20.0


@dataclass(frozen=True)
class OrientationSettings:
    """Fusion of gyroscope and accelerometer into the direction of gravity."""

    accel_sigma_s: float = 1.0
    """Time scale (Gaussian sigma) over which the accelerometer corrects the gyroscope."""
    accel_tolerance_m_s2: float = 1.0
    """Acceleration norms this far from g get little weight (acceleration rejection)."""
    accel_rms_window_s: float = 1.0
    """Window of the RMS deviation from g that sets the weight (a stride, a rep)."""
    accel_long_sigma_s: float = 3.0
    """Where the accelerometer is busy, gravity is averaged over this longer time scale."""
    bias_from_still: bool = True
    """Re-estimate the gyro bias in every still period."""


@dataclass(frozen=True)
class AnalysisSettings:
    """All settings of :func:`sensorback.analyze`."""

    quality: QualitySettings = field(default_factory=QualitySettings)
    stillness: StillnessSettings = field(default_factory=StillnessSettings)
    calibration: CalibrationSettings = field(default_factory=CalibrationSettings)
    orientation: OrientationSettings = field(default_factory=OrientationSettings)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AnalysisSettings:
        kinds = {f.name: f.type for f in dataclasses.fields(cls)}
        parts = {}
        for name, value in d.items():
            if name not in kinds:
                raise ValueError(f"unknown settings section {name!r}; expected one of {sorted(kinds)}")
            sub = {f.name: f for f in dataclasses.fields(cls)}[name].default_factory()  # type: ignore[misc]
            parts[name] = dataclasses.replace(sub, **value)
        return cls(**parts)
