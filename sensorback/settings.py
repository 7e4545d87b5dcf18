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
    standing_gyro_std_rad_s: float = 0.05
    """Quiet standing sways less than an exercise hold trembles (a side plank, whose gravity
    also lies in the plane of the back, must not pass for the standing calibration): limits
    for the median over the calm run."""
    standing_acc_std_m_s2: float = 0.2


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
    """... and is still for this fraction of its calm run (exercise holds are not) ..."""
    lying_min_stretch_s: float = 12.0
    """... or still without a break for this long (exercise holds are still only in moments)."""
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
    prone_hold_pitch_deg: float = 8.0
    prone_hold_pitch_sd_deg: float = 6.0
    """Typical pitch of face-down holds (plank +5..15, superman, bench) and its spread; a weak
    prior on the sensor's sagittal tilt.  ``inf`` turns it off (pitch of holds then rests on
    standing and lying alone)."""
    flat_prior_sd_deg: float = 3.3
    """Prior spread of the sensor's tilt off flat on the back (per axis: up to ±8° about any
    axis in the plane of the back) ..."""
    flat_prior_cutoff_deg: float = 12.0
    """... and the tilt beyond which the prior no longer applies (the sensor sits on a slope)."""
    max_refinement_deg: float = 20.0
    uncertain_pitch_sd_deg: float = 1.2
    """When the fitted pitch offset is uncertain by more than this (1 sd, ``pitch_sd_deg``), the
    calibration carries ``advice``: lie still face down or on the back for a while.  The reported
    sd comes in steps set by the lying rests used: about 1.5–2.6° with none, 1.3–1.4° with one,
    1.0–1.1° with two, 0.9–1.0° with three; 1.2 falls between one and two, so the advice does not
    come and go with the rounding of two-rest sessions."""


@dataclass(frozen=True)
class OrientationSettings:
    """Fusion of gyroscope and accelerometer into the direction of gravity."""

    accel_sigma_s: float = 1.0
    """Time scale (Gaussian sigma) over which the accelerometer corrects the gyroscope."""
    accel_tolerance_m_s2: float = 1.0
    """Acceleration norms this far from g get little weight (acceleration rejection)."""
    accel_rms_window_s: float = 2.0
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


@dataclass(frozen=True)
class DetectionSettings:
    """Detection of postures, holds, rep sets, wobble, form breaks, breathing and jerks.

    Angles are those of :mod:`sensorback.processing.angles` (pitch: cranial axis above the
    horizontal; roll: left axis above the horizontal).  ``sensorback.detection`` documents
    how each step uses them.
    """

    grid_hz: float = 20.0
    """Rate of the uniform time grid on which postures, holds and reps are found."""
    max_gap_s: float = 1.0
    """Data gaps longer than this end any hold or rep set across them."""
    move_speed_deg_s: float = 25.0
    """Angular speed (averaged over ``move_smooth_s``) above which the body is moving."""
    move_activity_factor: float = 4.0
    move_acc_m_s2: float = 0.5
    """Linear acceleration (averaged over ``move_smooth_s``) above which the body is moving."""
    move_smooth_s: float = 0.5
    min_move_s: float = 0.6
    """Movements shorter than this (jerks) do not interrupt a posture."""
    activity_window_s: float = 3.0
    """Window of the sway activity (robust RMS angular speed) that tells a hold from a rest."""
    quiet_activity_deg_s: float = 1.6
    """Activity below which a lying posture counts as resting."""
    rest_drop_ratio: float = 2.0
    """A hold ends in a rest where its sway falls by at least this factor to rest level, and
    begins after lying at rest where it rises by this factor as the stance changes (lying flat,
    then raised)."""
    min_static_s: float = 1.0
    edge_min_speed_deg_s: float = 15.0
    """A turn next to a hold marks its start or end when faster than this (and than 4× the
    hold's own sway)."""
    edge_min_vertical_m_s: float = 0.1
    """A vertical movement next to a hold marks its start or end when faster than this."""
    min_hold_s: float = 5.0
    """Shortest exercise hold reported."""
    hold_join_gap_s: float = 3.0
    """Two holds of one exercise parted by no more than this much movement, with the same
    posture and height, are one hold (a hard-swaying hold that counts as moving for a moment)."""
    min_rest_s: float = 3.0
    """Shortest rest (a still posture that is not an exercise) reported."""
    upright_min_pitch_deg: float = 60.0
    side_min_roll_deg: float = 55.0
    flexed_min_pitch_deg: float = 25.0
    """Forward-bent trunk (sitting forward, squatting) between this and upright."""
    head_down_max_pitch_deg: float = -25.0
    """Face-down postures below this pitch are folded (child's pose, hanging on a bench)."""
    plank_min_pitch_deg: float = 4.0
    """Face-down postures at or above this pitch are raised (plank, superman) rather than lying."""
    bridge_max_pitch_deg: float = -12.0
    """Face-up postures at or below this pitch have the hips lifted (bridge)."""
    side_plank_min_pitch_deg: float = 2.0
    stance_hysteresis_deg: float = 1.0
    """Raised and hips-up stances begin this far beyond their thresholds and end this far short."""
    split_min_pitch_deg: float = 3.0
    """Neighbouring flat and raised spans whose pitch differs less than this are one posture."""
    split_height_m: float = 0.10
    """A posture change inside a still run needs the sacrum to move at least this far vertically
    (or the sway to drop), else it is a form drift of the same hold ..."""
    split_height_per_activity_m: float = 0.02
    """... plus this much per deg/s of sway activity (the quieter of the two sides) ..."""
    lift_window_s: float = 10.0
    """A still run lying flat is searched for a vertical lift (into a level, calm plank) in
    windows this long."""
    split_height_noise_factor: float = 3.0
    """... or, if more, this many times the spread (scaled median absolute value) of the
    displacements that the same integration gives over equally long windows elsewhere in the
    still run (what the hold's own sway integrates to)."""
    plank_above_prone_m: tuple[float, ...] = (0.15, 0.28)
    plank_above_prone_sd_m: tuple[float, ...] = (0.045, 0.055)
    plank_form_weights: tuple[float, ...] = (0.7, 0.3)
    """How far a plank holds the sacrum above where it lies face down (mean, spread between
    people), on the forearms and on straight arms, and how often each is done.  On the
    forearms the shoulders are an upper arm's length (about 0.35 m) up and the hip joints,
    three fifths of the way from the ankles, about 0.26 m; the sacrum's surface is some 0.10 m
    behind them: about 0.37 m, against 0.22 m lying prone.  Straight arms lift the shoulders
    to about 0.6 m and the sacrum to about 0.5 m."""
    superman_above_prone_m: float = 0.0
    superman_above_prone_sd_m: float = 0.03
    """In a floor hyperextension (superman) the pelvis stays on the floor: its sacrum sits
    where it lies prone, within a few centimetres (how it rocks as the trunk and legs lift)."""
    plank_odds: float = 2.0
    """How much likelier a raised face-down hold is a plank than a superman before its height."""
    bench_min_height_m: float = 0.80
    """Face-down holds above this sacrum height are bench hyperextensions."""
    lying_min_drop_m: float = 0.4
    """Lying on the floor is at least this far below standing (0.6 m or more, less the
    integration's error): a flat posture that a movement puts nearer to standing than this is
    not linked to the lying levels (a quiet horizontal hold on a bench)."""
    standing_top_margin_m: float = 0.3
    """No posture sits this far above standing (a bench hyperextension's sacrum is at most about
    0.15 m higher): a measured movement from or to standing that says otherwise is a failed
    integration and is left out of the heights."""
    lying_max_activity_deg_s: float = 1.0
    """A flat posture anchors the heights at ``prone_height_m`` or ``supine_height_m`` only when
    it sways less than this: someone lying relaxed on the floor, breathing.  A horizontal bench
    hold or the sagging end of a plank, flat as they are, are held against gravity and sway.
    A flat hold also ends in a rest only where its sway falls below this (and by
    ``rest_drop_ratio``)."""
    lying_max_pitch_deg: float = 12.0
    """... and only when its pelvis is near level, within this pitch of flat: lying on the
    floor, the pelvis rests on its front (hip bones and pubis) or its back (sacrum), which
    leaves it a few degrees from horizontal.  A face-down posture tilted head-down by 20° or
    more is a fold (kneeling into a child's pose, hanging over a bench), its sacrum half a
    metre up or more, whatever its stance code at the folded threshold says."""
    standing_height_m: float = 0.97
    standing_height_sd_m: float = 0.06
    """Sacral sensor height standing (mean, spread between people): the second sacral segment
    lies level with the posterior iliac spines, about 0.55-0.57 of stature, so 0.93-0.97 ± 0.05 m
    over adults of 1.70 ± 0.09 m, plus a few cm for where on the sacrum the sensor sits.  A
    prior on the person's one standing level, not on each standing span: standing more often
    does not make it surer."""
    prone_height_m: float = 0.22
    prone_height_sd_m: float = 0.04
    """Sacral sensor height lying face down on the floor: the pelvis' thickness from the front of
    the hip bones to the back of the sacrum, plus the sensor (mean, spread between people)."""
    supine_height_m: float = 0.05
    supine_height_sd_m: float = 0.06
    """Sacral sensor height lying face up: the sensor under the sacrum, pressed into the soft
    tissue and the mat (mean, spread between people)."""
    posture_level_sd_m: float = 0.025
    """How much one person's sacrum height varies between spans of one posture (standing, lying
    prone, lying supine) around that person's level: foot position and knee lock, a slouch, a
    mat compressed more or less.  Spans of a posture share the level, so a session's movements
    between postures measure this person's levels, and the priors above only bound them."""
    max_zupt_s: float = 12.0
    """Longest movement across which the vertical displacement is integrated."""
    zupt_search_s: float = 4.0
    """Across a slow transition inside one still run, the vertical movement is looked for this
    far before and after the fitted turn."""
    zupt_still_jolt_m_s2: float = 0.3
    """Linear acceleration (averaged over ``move_smooth_s``) up to which the end of a movement
    counts as still for the vertical displacement across it; beyond, its uncertainty grows."""
    zupt_stretch_s: float = 5.0
    """The vertical displacement across a movement is between the mean heights of still
    stretches of up to this long on either side (where they last ``zupt_min_stretch_s`` at
    least).  Measured on movements of two simulators against their true heights, 5 s beat 1-4
    and 7-10 s: shorter stretches leave more of the sway in, longer ones more of the posture's
    own slow changes."""
    zupt_min_stretch_s: float = 0.5
    """Postures shorter than this on either side of a movement fall back to zero velocity at
    its ends."""
    zupt_stretch_max_residual_m: float = 0.01
    """A stretch whose height the fit leaves more than this RMS off (a still posture sways by
    millimetres) was not still: the movement began inside it; zero velocity at the movement's
    ends is used instead."""
    zupt_fallback_sd_factor: float = 2.0
    """... and the movement's displacement is taken as this much less sure: measured against
    the simulators' true heights, zero velocity at the ends erred about twice as much as the
    still stretches (median 4-5 against 2.5 cm, 90th percentile 20-24 against 8 cm; 92 and 140
    such movements of our simulator, seeds 300-347, and the independent one, seeds 0-39)."""
    rep_min_rom_deg: float = 5.0
    min_reps: int = 3
    rep_max_top_s: float = 15.0
    """A lift held longer than this is a hold, not a rep."""
    rep_max_gap_s: float = 6.0
    """Longest rest at the bottom between two reps of one set."""
    rep_max_move_s: float = 4.0
    """Longest a rep's rise or fall takes between its top dwell and the set's bottom."""
    rep_top_outlier_factor: float = 2.0
    rep_top_outlier_s: float = 2.0
    """A peak that dwells at its top longer than this factor times the median dwell of the
    peaks chained with it, plus these seconds, is no rep but a rest or hold at the tops' level
    (lying flat between two bench sets), and parts them."""
    rep_max_rom_cv: float = 0.12
    """Largest spread (coefficient of variation) of the reps' ranges of motion in one set."""
    rep_max_fit_error: float = 0.15
    """Largest RMS difference, as a share of the range of motion, between a set's pitch and
    its reps modelled as smooth rises, dwells and falls."""
    rep_settle_s: float = 0.5
    """A rep returns to the set's bottom and stops there, however briefly: an end rep whose fall
    runs on through the bottom by more than its range within this time after it (or whose rise
    came through the bottom from that far within this time before it) is the way out of (into)
    the set — e.g. rising to all fours on the way from a floor superman to child's pose."""
    floor_set_max_bottom_deg: float = 6.5
    """A floor superman set starts from lying flat: its bottom pitch is below this (a pelvis
    lying on its front sits a few degrees from level, plus the calibration's uncertainty);
    higher, the "reps" are a plank's sway."""
    rep_plank_gap_s: float = 1.0
    """A floor superman set with a plank held up to this close before its start and after its
    end is the plank's sway, not reps: getting down to the floor and back up takes longer."""
    baseline_s: float = 5.0
    """Length of the early part of a hold that gives its own baseline posture."""
    form_threshold_deg: float = 3.0
    """Drift from the baseline (smoothed) that counts as a form break ..."""
    form_dwell_s: float = 2.0
    """... when it lasts at least this long."""
    form_smooth_s: float = 2.0
    sway_highpass_hz: float = 0.06
    """Sway is the angle minus its own slow course below this frequency."""
    tremor_band_hz: tuple[float, float] = (6.0, 15.0)
    course_window_s: float = 5.0
    """Window of the wobble time course."""
    min_breathing_hold_s: float = 15.0
    breathing_band_bpm: tuple[float, float] = (5.0, 24.0)
    breathing_min_confidence: float = 2.2
    """Report a breathing rate only when its spectral peak is this many times the next one ..."""
    breathing_max_sway_deg: float = 2.0
    """... and the hold's sway (wobble score) is at most this: sway at breathing frequencies
    hides the rhythm."""
    jerk_min_deg: float = 1.5
    """Smallest sudden rotation reported as a jerk."""
    jerk_min_speed_deg_s: float = 12.0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class LumbarSettings:
    """Two-sensor lumbar angle and the trunk movements (forward flexions, side bends) found in it.

    The movements are found in the upper sensor's inclination: a forward flexion is a dip of
    its sagittal angle by at least ``flexion_prominence_deg`` with the trunk side-bent less than
    ``flexion_max_lateral_deg``; a side bend is a lateral inclination beyond
    ``side_bend_min_deg`` standing out by ``side_bend_prominence_deg``.
    """

    smooth_s: float = 0.2
    flexion_prominence_deg: float = 25.0
    flexion_max_lateral_deg: float = 25.0
    side_bend_min_deg: float = 20.0
    side_bend_prominence_deg: float = 20.0
    min_lower_upright_deg: float = 45.0
    """A trunk movement counts only when the lower (sacral) segment's pitch is at least this far
    above horizontal where it begins (and at least 15° less at its peak): flexions and side bends are done standing or sitting, and the upper
    sensor's tilt in floor exercises (bridges, side planks) is not one."""
    movement_edge_fraction: float = 0.5
    """A movement spans the time its angle is beyond this fraction of its prominence from its peak,
    so the lumbar range in it is that of the movement's upper half, not from upright: the
    whole-recording maximum of ``flexion_deg`` can be twice a flexion's range."""
    min_axis_tilt_deg: float = 30.0
    """An angle is reported only while its axis (flexion's: the left axis; lateral bending's: the
    posterior axis) is at least this far from the vertical, where inclination can see it."""
    max_clock_offset_s: float = 10.0
    """Without start times, the recordings' clocks are aligned within ± this much."""
    clock_fs_hz: float = 50.0
    """Rate at which the angular speeds are cross-correlated to align the clocks."""
    clock_drift_min_s: float = 40.0
    """The clocks' relative rate is measured when each third of the upper recording lasts this long."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
