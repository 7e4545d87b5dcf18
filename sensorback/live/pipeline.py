"""The incremental form of the analysis: samples in, state and cues out, the final result at the end.

How it works (and why the final result equals the offline analysis):

1. **Samples** go into a ring buffer that keeps only the trailing fusion window.
2. **Fusion** (every update): the offline :func:`~sensorback.processing.orientation.compute_up` over
   that window.  Its smoothing reaches ``settle_s`` either way, so a sample that much older than the
   newest one gets the same up-vector as offline; it is then *settled*.  Stillness uses the offline
   functions too, with thresholds adapted to the session so far (a histogram of the motion level),
   and the gyro bias is the offline interpolation between the still periods known so far.
3. **History**: settled samples are averaged over blocks of ``fs // 20`` samples — the blocks
   offline fusion smooths gravity on — and kept at ≈20 Hz: time, up-vector, gyro, bias,
   accelerometer, motion level, still and calm fractions (≈10 MB per hour).  Memory stays
   bounded: only the newest ``max_window_s`` of it stay in memory, older rows go to an anonymous
   temporary file that :meth:`~LivePipeline.finish` reads back; the calibration keeps the
   session's start (the standing search) and the held postures' sums
   (:class:`~sensorback.processing.calibration.PostureRuns`).  The newest ``settle_s`` are
   provisional blocks, recomputed at every update.
4. **Calibration** runs the offline :func:`~sensorback.processing.angles.calibrate` on the history
   (standing start, then every held posture so far), again every ``recalibrate_every_s``.
5. **State** (every update): the offline :func:`~sensorback.detection.detect` over the trailing
   ``window_s`` of the history with the mount known so far; the hold touching the present is the
   current one, :func:`~sensorback.detection.segments.describe_hold` gives its wobble, drift,
   breathing and form breaks.  Changes of that state are the cues (:class:`LiveEvent`).
6. **Final result** (:meth:`LivePipeline.finish`): the samples, spilled to a temporary file as
   they leave the ring buffer, are read back in chunks and the offline trunk-angle pipeline runs
   over all of them (:mod:`sensorback.live._final`: whole-session stillness thresholds, the bias
   between all still periods, the mount fitted to the whole session), then the offline detection
   once on its grid: the offline result, by construction.  What the live view showed was
   provisional: the newest ``settle_s`` of angles (one-sided smoothing), the bias and thresholds
   of the session so far, and the mount known at the time.

Nothing here does I/O; :mod:`sensorback.live.replay` and the CLI feed it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.ndimage import uniform_filter1d

from .._version import __version__
from ..analysis import Analysis
from ..detection import POSTURES, detect
from ..detection import frames as _frames
from ..detection.form import drift_from_baseline, form_direction
from ..detection.holds import vertical_acceleration
from ..detection.segments import Detection, describe_hold
from ..errors import CalibrationError, InputError
from ..processing.angles import calibrate
from ..processing.calibration import Mount, PostureRuns, posture_runs
from ..processing.integrity import contiguous_runs, nominal_rate
from ..processing.orientation import bias_points, compute_angles, compute_up
from ..processing.stillness import find_calm, find_still, motion_level, still_thresholds
from ..recording import Annotations, Info, Recording
from ..settings import AnalysisSettings, DetectionSettings
from ._final import RowFile, final_grid

DEFAULT_TARGETS_S: Mapping[str, float] = {
    "plank": 30.0, "side_plank_left": 20.0, "side_plank_right": 20.0, "bridge": 20.0, "hyperextension": 10.0,
}
"""Hold targets of the default routine, s (exercise guides: planks 20–30 s, bridges and
side planks shorter, hyperextensions "rise and freeze" for 10 s)."""


@dataclass(frozen=True)
class LiveSettings:
    """Settings of the live path (the processing settings are those of the offline analysis)."""

    update_every_s: float = 0.25
    """Data time between two state updates when fed by :meth:`LivePipeline.feed`."""
    settle_s: float = 12.5
    """How far the fusion's smoothing reaches: older samples are final (see the module)."""
    window_s: float = 90.0
    """History the provisional detection looks at (longer while a hold goes on)."""
    max_window_s: float = 400.0
    recalibrate_every_s: float = 5.0
    target_s: float | None = None
    """Hold target for every exercise; ``None``: :data:`DEFAULT_TARGETS_S`."""
    cue_every_s: float = 10.0
    """A cue every this many seconds of a hold."""
    form_dwell_s: float = 2.0
    """A sag or pike beyond the threshold for this long is cued (good posture trainers wait a
    moment, so they do not nag)."""
    form_threshold_deg: float | None = None
    """Default: the detection's ``form_threshold_deg``."""
    detect_every_s: float = 1.0
    """Data time between two runs of the detection over the trailing window (the hold timer,
    angles and sag/pike follow every update)."""
    head_max_s: float = 600.0
    """The session's start kept for the standing search reaches at most this far beyond the
    search's span (a calm run that begins within the span and lasts longer is cut there)."""
    min_hold_cue_s: float = 2.0
    """A hold is announced once it has lasted this long (a brief pause is not a hold)."""
    end_grace_s: float = 1.0
    """A hold ends for the live view when it has been gone this long."""

    def target_for(self, exercise: str | None) -> float | None:
        if exercise is None:
            return None
        return self.target_s if self.target_s is not None else DEFAULT_TARGETS_S.get(exercise)


@dataclass(frozen=True)
class LiveEvent:
    """A change worth a cue.

    Attributes
    ----------
    kind : str
        ``calibrated``, ``hold_start``, ``hold_tick`` (every ``cue_every_s``), ``target``,
        ``form`` (sag / pike / lateral beyond the threshold for the dwell), ``form_ok``,
        ``hold_end``, ``rep``, ``set_end``.
    time_s : float
        Data time it refers to (s from the first sample).
    detected_s : float
        Data time of the newest sample when it was noticed.
    text : str
        What the view shows.
    detail : dict
    """

    kind: str
    time_s: float
    detected_s: float
    text: str
    detail: dict = field(default_factory=dict)


@dataclass
class LiveState:
    """What the live view shows."""

    time_s: float = 0.0
    calibrated: bool = False
    message: str = "stand still for 3 s to calibrate"
    posture: str | None = None
    exercise: str | None = None
    kind: str | None = None
    hold_s: float = 0.0
    target_s: float | None = None
    wobble_deg: float | None = None
    deviation_deg: float | None = None
    """Sagittal drift of the current hold from its own early baseline, deg (signed: + pitch up)."""
    form: str | None = None
    """``sag`` / ``pike`` / ... while the drift is beyond the threshold."""
    breaths: float | None = None
    breathing_bpm: float | None = None
    reps: int = 0
    set_number: int = 0
    pitch_deg: float | None = None
    roll_deg: float | None = None


_COLS = ("t", "ux", "uy", "uz", "gx", "gy", "gz", "bx", "by", "bz", "ax", "ay", "az", "gsd", "asd", "still", "calm")
_C = {c: i for i, c in enumerate(_COLS)}
_HIST_BINS = np.logspace(-6, 2, 16001)  # 0.1 % wide: thresholds within a hair of offline


class _History:
    """Rows of a session of any length in bounded memory: the newest ``keep`` rows in memory,
    older ones appended to an anonymous temporary file (deleted when closed), read back once by
    :meth:`LivePipeline.finish` (the settled grid history, the gaps)."""

    def __init__(self, width: int, keep: int, chunk: int = 4096) -> None:
        self.keep = keep
        self.recent = np.empty((0, width))
        self.n = 0
        self._buf = np.empty((keep + chunk, width))
        self._spilled = RowFile(width)

    def extend(self, rows: np.ndarray) -> None:
        m, k = len(rows), len(self.recent)
        if k + m > len(self._buf):
            both = np.vstack((self.recent, rows))
            spill = len(both) - self.keep
            self._spilled.append(both[:spill])
            self._buf[: self.keep] = both[spill:]
            k, m = self.keep, 0
        else:
            self._buf[k : k + m] = rows
        self.recent = self._buf[: k + m]
        self.n += len(rows)

    def read_all(self) -> np.ndarray:
        """Every row, the spilled ones read back."""
        return np.vstack((self._spilled.read(0, self._spilled.n), self.recent))

    @property
    def nbytes(self) -> int:
        return int(self._buf.nbytes)


class _Table:
    """A growable table of float rows."""

    def __init__(self, width: int, capacity: int = 1024) -> None:
        self.data = np.empty((capacity, width))
        self.n = 0

    def extend(self, rows: np.ndarray) -> None:
        m = len(rows)
        if self.n + m > len(self.data):
            grown = np.empty((max(2 * len(self.data), self.n + m), self.data.shape[1]))
            grown[: self.n] = self.data[: self.n]
            self.data = grown
        self.data[self.n : self.n + m] = rows
        self.n += m

    @property
    def rows(self) -> np.ndarray:
        return self.data[: self.n]


class _Ring:
    """Samples ``(t, ax, ay, az, gx, gy, gz)`` with their global index; old ones go to a
    temporary file, read back by :meth:`LivePipeline.finish`."""

    def __init__(self, capacity: int) -> None:
        self.data = np.empty((capacity, 7))
        self.first = 0  # global index of row 0
        self.n = 0
        self.spilled = RowFile(7)  # rows 0 .. first

    @property
    def end(self) -> int:
        return self.first + self.n

    def append(self, rows: np.ndarray) -> None:
        m = len(rows)
        if self.n + m > len(self.data):
            grown = np.empty((max(2 * len(self.data), self.n + m), 7))
            grown[: self.n] = self.data[: self.n]
            self.data = grown
        self.data[self.n : self.n + m] = rows
        self.n += m

    def drop_before(self, index: int) -> None:
        k = min(max(0, index - self.first), self.n)
        if k and k >= len(self.data) // 4:  # move rarely: amortised O(1) per sample
            self.spilled.append(self.data[:k])
            self.data[: self.n - k] = self.data[k : self.n]
            self.n -= k
            self.first += k

    def view(self, start: int) -> np.ndarray:
        return self.data[max(0, start - self.first) : self.n]

    def read(self, a: int, b: int) -> np.ndarray:
        """Samples ``a`` .. ``b`` (global indices, exclusive), from the file where spilled."""
        parts = []
        if a < self.first:
            parts.append(self.spilled.read(a, min(b, self.first)))
        if b > self.first:
            parts.append(self.data[max(0, a - self.first) : min(b, self.end) - self.first])
        return parts[0] if len(parts) == 1 else np.vstack(parts)

    def time_index(self, t: float) -> int:
        """Global index of the first sample at or after data time ``t``."""
        return self.first + int(np.searchsorted(self.data[: self.n, 0], t))


@dataclass
class _Hold:
    exercise: str
    start_s: float
    announced: bool = False
    ticks: int = 0
    target_cued: bool = False
    form_cued: str | None = None
    last_seen_s: float = 0.0
    end_s: float = 0.0


class LivePipeline:
    """Incremental analysis of one sensor: push samples, update, read the state, finish.

    Parameters
    ----------
    fs_hz : float
        Nominal sample rate, Hz.
    settings, detection : AnalysisSettings, DetectionSettings
        The offline analysis' settings (the same ones give the same result).
    live : LiveSettings
    mount : Mount or str, optional
        Skip the automatic calibration (``"+x,+z"`` ...).
    info : Info, optional
        Describes the source in the final result.

    Examples
    --------
    >>> from sensorback.simulate import simulate
    >>> rec = simulate(seed=2, n_blocks=1, fs_hz=50)
    >>> live = LivePipeline(50.0)
    >>> events = live.feed(rec.time_s, rec.acc, rec.gyro)
    >>> result = live.finish()
    >>> result.to_dict()["schema"]
    'sensorback.analysis/1'
    """

    def __init__(
        self,
        fs_hz: float,
        *,
        settings: AnalysisSettings | None = None,
        detection: DetectionSettings | None = None,
        live: LiveSettings | None = None,
        mount: Mount | str | None = None,
        info: Info | None = None,
    ) -> None:
        if not fs_hz or fs_hz <= 0:
            raise InputError(f"fs_hz must be a positive sample rate, got {fs_hz!r}")
        self.fs = float(fs_hz)
        self.settings = settings or AnalysisSettings()
        self.detection = detection or DetectionSettings()
        self.live = live or LiveSettings()
        self.fixed_mount = Mount.parse(mount) if isinstance(mount, str) else mount
        self.info = info or Info(fs_hz=self.fs)
        self.fs_grid = float(min(self.detection.grid_hz, self.fs))  # offline detection's grid
        self.box = max(1, int(round(self.fs / self.fs_grid)))
        self.state = LiveState()
        self._lock = threading.Lock()
        self._ring = _Ring(int((2 * self.live.settle_s + 40.0) * self.fs) + 64)
        # the detection window and a hold's baseline are read from the newest rows in memory
        keep_s = self.live.max_window_s + 2.0 * self.live.settle_s + 10.0
        self._hist = _History(len(_COLS), int(keep_s * self.fs_grid))
        self._tail = np.empty((0, len(_COLS)))
        self._postures = PostureRuns.empty()  # the settled held postures' sums, for the mount
        self._head = _Table(len(_COLS))  # the settled start, where the standing one is looked for
        self._head_done = False
        self._grid_next = 0  # index of the first grid point not yet settled
        self._levels_to = -np.inf
        self._t_last = -np.inf
        self._t_first = np.nan
        self._gaps = _History(3, 0)  # onset_s, duration_s, missing samples: thousands an hour on a lossy link
        self._n_dropped = 0
        self._g_hist = np.zeros(len(_HIST_BINS) + 1)
        self._a_hist = np.zeros(len(_HIST_BINS) + 1)
        self._bias_t: list[float] = []
        self._bias_v: list[np.ndarray] = []
        self._still_seen_to = -1  # global index: still runs ending before it are used
        self._mount: Mount | None = self.fixed_mount
        self._calibrated_at = -np.inf
        self._calibration_error: CalibrationError | None = None
        self._next_update_s = -np.inf
        self._next_detect_s = -np.inf
        self._hold: _Hold | None = None
        self._reps: dict[str, Any] | None = None
        self._done: dict[str, int] = {}
        if self.fixed_mount is not None:
            self.state.calibrated, self.state.message = True, "mount given"

    # ---- input ------------------------------------------------------------------------------
    @property
    def n_samples(self) -> int:
        return self._ring.end

    def push(self, time_s: np.ndarray, acc: np.ndarray, gyro: np.ndarray) -> None:
        """Add samples (data time in s, increasing; m/s²; rad/s).  Cheap: safe per notification.

        Rows that do not advance in time are dropped (and counted), as the offline check does.
        """
        t = np.asarray(time_s, dtype=float).reshape(-1)
        rows = np.column_stack((t, np.asarray(acc, float).reshape(-1, 3), np.asarray(gyro, float).reshape(-1, 3)))
        ok = np.all(np.isfinite(rows), axis=1)
        prev = np.maximum.accumulate(np.concatenate(([self._t_last], np.where(ok, t, -np.inf))))
        ok &= t > prev[:-1]
        if not ok.all():
            self._n_dropped += int((~ok).sum())
            rows = rows[ok]
        if not len(rows):
            return
        with self._lock:
            if self._ring.end == 0:
                self._t_first = float(rows[0, 0])
            self._note_gaps(rows[:, 0])
            self._ring.append(rows)
            self._t_last = float(rows[-1, 0])

    def feed(self, time_s: np.ndarray, acc: np.ndarray, gyro: np.ndarray) -> list[LiveEvent]:
        """:meth:`push`, then :meth:`update` whenever ``update_every_s`` of data time has passed."""
        self.push(time_s, acc, gyro)
        if self._t_last >= self._next_update_s:
            self._next_update_s = self._t_last + self.live.update_every_s
            return self.update()
        return []

    def _note_gaps(self, t: np.ndarray) -> None:
        prev = self._t_last if np.isfinite(self._t_last) else t[0]
        dt = np.diff(np.concatenate(([prev], t)))
        period = 1.0 / nominal_rate(self.fs)
        j = np.flatnonzero(dt > self.settings.quality.gap_factor * period)
        if j.size:
            missing = np.maximum(np.round(dt[j] / period) - 1, 1)
            self._gaps.extend(np.column_stack((t[j] - dt[j], dt[j], missing)))

    # ---- the update -------------------------------------------------------------------------
    def update(self) -> list[LiveEvent]:
        """Settle what can be settled, re-fit the mount when due, and refresh the state.

        Returns the events (cues) since the last update.
        """
        if self._ring.end == 0:
            return []
        self._fuse(final=False)
        events = self._calibrate()
        if self._mount is not None:
            events += self._refresh()
        return events

    def _fuse(self, final: bool) -> None:
        """Fusion and stillness over the trailing window; settled grid points join the history."""
        st = self.settings
        with self._lock:
            ring = self._ring
            t_next = self._t_first + self._grid_next / self.fs_grid
            if t_next > self._t_last:
                self._tail = np.empty((0, len(_COLS)))
                return
            start = max(ring.first, ring.time_index(t_next - self.live.settle_s))
            win = ring.view(start).copy()
        t, acc, gyro = win[:, 0], win[:, 1:4], win[:, 4:7]
        t_new = t[-1]
        level = motion_level(acc, gyro, self.fs, st.stillness)
        thresholds = self._thresholds(level)
        still = find_still(acc, gyro, self.fs, st.stillness, level, thresholds)
        self._learn_bias(t, gyro, still, start, final)
        calm = find_calm(acc, gyro, self.fs, st.stillness, level)
        still_m, calm_m = _mask(len(t), still), _mask(len(t), calm)
        calm_m |= still_m
        bias = self._bias_at(t)
        w = gyro - bias
        up = np.empty_like(acc)
        for a, b in contiguous_runs(t, st.quality.break_gap_s):
            up[a:b] = compute_up(t[a:b], acc[a:b], w[a:b], self.fs, st.orientation)
        fields = np.column_stack((up, gyro, bias, acc, level[0], level[1], still_m, calm_m))
        # as offline detection's grid: a box average over one grid step, read at the grid times
        if self.box > 1:
            fields = uniform_filter1d(fields, self.box, axis=0, mode="nearest")
        settled_to = t_new if final else t_new - self.live.settle_s
        last = int(np.floor((t_new - self._t_first) * self.fs_grid + 1e-9))
        idx = np.arange(self._grid_next, last + 1)
        g = self._t_first + idx / self.fs_grid
        j = np.clip(np.searchsorted(t, g), 1, len(t) - 1)
        # grid points inside a long gap are left out: detection marks them invalid there
        keep = (t[j] - t[j - 1] <= self.detection.max_gap_s) | (g <= t[0])
        rows = np.column_stack([g] + [np.interp(g, t, fields[:, c]) for c in range(fields.shape[1])])
        done = g <= settled_to
        self._settle(rows[done & keep])
        self._tail = rows[~done & keep]
        n_done = int(done.sum())
        if n_done:
            self._grid_next = int(idx[n_done - 1]) + 1
            new = (t > self._levels_to) & (t <= g[n_done - 1])
            self._count_levels(level[0][new], level[1][new])
            self._levels_to = float(g[n_done - 1])
        with self._lock:
            t_keep = self._t_first + self._grid_next / self.fs_grid - self.live.settle_s - 2.0
            self._ring.drop_before(self._ring.time_index(t_keep))

    def _settle(self, rows: np.ndarray) -> None:
        """Settled grid points join the history, the held postures' sums and, until the
        standing search is over, the session's start."""
        if not len(rows):
            return
        self._postures = self._postures.join(self._posture_runs(rows, self._hist.n))
        self._hist.extend(rows)
        if self._head_done:
            return
        # the start ends after the standing search's span, where no held posture goes on (so
        # every run starting within the span is whole), or at the latest after head_max_s
        cal = self.settings.calibration
        t0 = self._t_first
        held = (rows[:, _C["still"]] >= 0.5) | (rows[:, _C["calm"]] >= 0.5)
        end = np.flatnonzero(((rows[:, 0] - t0 > cal.standing_search_s) & ~held)
                             | (rows[:, 0] - t0 > cal.standing_search_s + self.live.head_max_s))
        self._head.extend(rows[: end[0]] if end.size else rows)
        self._head_done = bool(end.size)

    @staticmethod
    def _posture_runs(h: np.ndarray, offset: int) -> PostureRuns:
        still = h[:, _C["still"]] >= 0.5
        return posture_runs(_unit(h[:, 1:4]), still, (h[:, _C["calm"]] >= 0.5) | still, offset)

    def _thresholds(self, level: tuple[np.ndarray, np.ndarray]) -> tuple[float, float]:
        """Stillness thresholds from the 2nd percentile of the motion level over the settled
        session so far (this window's until there is enough)."""
        if self._g_hist.sum() < 2.0 * self.fs:
            return still_thresholds(np.percentile(level[0], 2), np.percentile(level[1], 2), self.settings.stillness)
        return still_thresholds(_percentile(self._g_hist, 2.0), _percentile(self._a_hist, 2.0), self.settings.stillness)

    def _count_levels(self, g: np.ndarray, a: np.ndarray) -> None:
        self._g_hist += np.bincount(np.searchsorted(_HIST_BINS, g), minlength=len(self._g_hist))
        self._a_hist += np.bincount(np.searchsorted(_HIST_BINS, a), minlength=len(self._a_hist))

    def _learn_bias(self, t: np.ndarray, gyro: np.ndarray, still: np.ndarray, start: int, final: bool) -> None:
        """Gyro bias of every still run that has ended (as offline: trimmed mean at its centre)."""
        if not self.settings.orientation.bias_from_still:
            return
        margin = int(round(self.settings.stillness.window_s * self.fs))
        new = [(a, b) for a, b in still if start + a >= self._still_seen_to and (final or b < len(t) - margin)]
        if new:
            centres, values = bias_points(t, gyro, np.array(new))
            self._bias_t += centres.tolist()
            self._bias_v += list(values)
            self._still_seen_to = start + new[-1][1]
        if len(self._bias_t) > 64:  # only the recent ones matter for new samples
            del self._bias_t[:-64], self._bias_v[:-64]

    def _bias_at(self, t: np.ndarray) -> np.ndarray:
        if not self._bias_t:
            return np.zeros((len(t), 3))
        c, v = np.array(self._bias_t), np.array(self._bias_v)
        return np.column_stack([np.interp(t, c, v[:, i]) for i in range(3)])

    # ---- calibration ----------------------------------------------------------------------
    def _recent(self) -> np.ndarray:
        """The newest settled history and the provisional grid points."""
        r = self._hist.recent
        return np.vstack((r, self._tail)) if len(self._tail) else r

    def _calibrate(self, final: bool = False) -> list[LiveEvent]:
        if self.fixed_mount is not None:
            return []
        h = self._recent()
        if len(h) < 4 or (not final and h[-1, 0] - self._calibrated_at < self.live.recalibrate_every_s):
            return []
        self._calibrated_at = h[-1, 0]
        first = self._mount is None
        try:
            self._mount = self._fit_mount()
        except CalibrationError as err:
            if h[-1, 0] - self._t_first > self.settings.calibration.standing_search_s + self.live.settle_s:
                self._calibration_error = err
                self.state.message = "no standing start found: restart standing still, or give --mount"
            return []
        self._calibration_error = None
        self.state.calibrated = True
        self.state.message = f"calibrated ({self._mount.method})"
        if first:
            return [LiveEvent("calibrated", float(h[-1, 0]), float(h[-1, 0]), "calibrated", self._mount.to_dict())]
        return []

    def _fit_mount(self) -> Mount:
        """The offline calibration on the history so far (provisional points included): the
        standing start looked for in the session's start, the postures from their sums."""
        tail = self._tail
        postures = self._postures.join(self._posture_runs(tail, self._hist.n)) if len(tail) else self._postures
        h = self._head.rows
        if not self._head_done and len(tail):
            h = np.vstack((h, tail))
        if len(h) < 4:
            raise CalibrationError("not enough of the session yet to look for the standing start")
        up = _unit(h[:, 1:4])
        level = (h[:, _C["gsd"]], h[:, _C["asd"]])
        still = h[:, _C["still"]] >= 0.5
        calm = (h[:, _C["calm"]] >= 0.5) | still
        mount, _ = calibrate(h[:, 0], up, level, still, calm, self.fs_grid, self.settings, postures)
        return mount

    # ---- state ------------------------------------------------------------------------------
    def _body(self, h: np.ndarray, mount: Mount) -> tuple[np.ndarray, ...]:
        R = mount.sensor_to_body
        pitch, roll = compute_angles(_unit(h[:, 1:4]), R)
        gyro = (h[:, 4:7] - h[:, 7:10]) @ R.T
        acc = h[:, 10:13] @ R.T
        return h[:, 0], pitch, roll, gyro, acc

    def _refresh(self) -> list[LiveEvent]:
        h = self._recent()
        if len(h) < 8:
            return []
        assert self._mount is not None
        now = float(self._t_last)
        s = self.state
        s.time_s = now
        pitch, roll = compute_angles(_unit(h[-1:, 1:4]), self._mount.sensor_to_body)
        s.pitch_deg, s.roll_deg = float(pitch[0]), float(roll[0])
        events: list[LiveEvent] = []
        if now >= self._next_detect_s:
            self._next_detect_s = now + self.live.detect_every_s
            events += self._detect_state(h, now)
        if self._hold is not None:
            events += self._hold_progress(h, now)
        return events

    def _detect_state(self, h: np.ndarray, now: float) -> list[LiveEvent]:
        """The offline detection over the trailing window: which hold or rep set goes on."""
        assert self._mount is not None
        span_s = self.live.window_s
        if self._hold is not None:
            span_s = max(span_s, now - self._hold.start_s + 20.0)
        lo = int(np.searchsorted(h[:, 0], h[-1, 0] - min(span_s, self.live.max_window_s)))
        t, pitch, roll, gyro, acc = self._body(h[lo:], self._mount)
        det = detect(t, pitch, roll, gyro, acc, self.fs_grid, self.detection)
        if det.grid is None:
            return []
        self.state.posture = POSTURES[int(det.posture[-1])]
        events = self._track_reps(det, now)
        events += self._track_hold(det, (t, pitch, roll, gyro), now)
        return events

    def _current_span(self, det: Detection):
        grid = det.grid
        assert grid is not None
        for span in reversed(det.spans):
            if span.b >= grid.n - 1 and span.kind == "hold" and span.exercise:
                return span
            if span.b < grid.n - 1:
                break
        return None

    def _track_hold(self, det: Detection, raw: tuple[np.ndarray, ...], now: float) -> list[LiveEvent]:
        """Start, follow and end the current hold; its wobble and breathing so far."""
        s, ls = self.state, self.live
        span = self._current_span(det)
        events: list[LiveEvent] = []
        hold = self._hold
        if span is not None and hold is not None and (span.exercise != hold.exercise
                                                      or abs(span.start_s - hold.start_s) > 3.0):
            events += self._end_hold(now, hold.end_s)
            hold = None
        if span is None:
            if hold is not None and now - hold.last_seen_s >= ls.end_grace_s:
                events += self._end_hold(now, hold.end_s)
            return events
        if hold is None:
            hold = self._hold = _Hold(span.exercise, span.start_s)
        hold.start_s, hold.last_seen_s, hold.end_s = span.start_s, now, span.end_s
        if now - hold.start_s < ls.min_hold_cue_s:
            return events
        if not hold.announced:
            hold.announced = True
            s.set_number = self._done.get(hold.exercise, 0) + 1
            s.exercise, s.kind, s.target_s = hold.exercise, "hold", ls.target_for(hold.exercise)
            s.reps = 0
            hold.ticks = int((now - hold.start_s) // ls.cue_every_s)
            events.append(LiveEvent("hold_start", hold.start_s, now, f"{_label(hold.exercise)}: hold",
                                    {"exercise": hold.exercise, "set": s.set_number}))
        grid = det.grid
        assert grid is not None
        record = describe_hold(grid, vertical_acceleration(grid, det.spans), span, raw, self.fs_grid, self.detection)
        s.wobble_deg = record["wobble"]["score"]
        s.breathing_bpm, s.breaths = record["breathing_bpm"], record["breaths"]
        return events

    def _hold_progress(self, h: np.ndarray, now: float) -> list[LiveEvent]:
        """Every update: the hold timer and its cues, and the sag/pike drift from the hold's
        early baseline (the offline :func:`~sensorback.detection.form.drift_from_baseline`)."""
        hold, s, ls = self._hold, self.state, self.live
        assert hold is not None and self._mount is not None
        if not hold.announced:
            return []
        events: list[LiveEvent] = []
        elapsed = now - hold.start_s
        s.hold_s = elapsed
        ticks = int(elapsed // ls.cue_every_s)
        if ticks > hold.ticks:
            hold.ticks = ticks
            events.append(LiveEvent("hold_tick", hold.start_s + ticks * ls.cue_every_s, now,
                                    f"{ticks * ls.cue_every_s:.0f} s", {"elapsed_s": elapsed}))
        target = s.target_s
        if target is not None and elapsed >= target and not hold.target_cued:
            hold.target_cued = True
            events.append(LiveEvent("target", hold.start_s + target, now, f"target {target:.0f} s reached",
                                    {"target_s": target}))
        lo = int(np.searchsorted(h[:, 0], hold.start_s))
        pitch, _ = compute_angles(_unit(h[lo:, 1:4]), self._mount.sensor_to_body)
        if pitch.size < 2:
            return events
        drift = drift_from_baseline(pitch, self.fs_grid, self.detection)
        s.deviation_deg = float(drift[-1])
        events += self._form(hold, drift, self.fs_grid, now)
        return events

    def _form(self, hold: _Hold, drift: np.ndarray, fs: float, now: float) -> list[LiveEvent]:
        s, ls = self.state, self.live
        threshold = ls.form_threshold_deg if ls.form_threshold_deg is not None else self.detection.form_threshold_deg
        if not drift.size:
            return []
        sign = float(np.sign(drift[-1]))
        beyond = sign * drift > threshold
        n = drift.size - (int(np.flatnonzero(~beyond)[-1]) + 1 if (~beyond).any() else 0)
        direction = form_direction(hold.exercise, "pitch", sign) if n else None
        s.form = direction
        if n == 0 and hold.form_cued is not None:
            hold.form_cued = None
            return [LiveEvent("form_ok", now, now, "form back", {})]
        if n >= ls.form_dwell_s * fs and hold.form_cued != direction:
            hold.form_cued = direction
            onset = now - n / fs
            return [LiveEvent("form", onset, now, f"{direction}! {abs(drift[-1]):.0f}°",
                              {"direction": direction, "deviation_deg": float(drift[-1])})]
        return []

    def _end_hold(self, now: float, end_s: float) -> list[LiveEvent]:
        hold, self._hold = self._hold, None
        s = self.state
        s.exercise = s.kind = s.form = None
        s.hold_s, s.wobble_deg, s.deviation_deg, s.breaths, s.breathing_bpm = 0.0, None, None, None, None
        if hold is None or not hold.announced:
            return []
        self._done[hold.exercise] = self._done.get(hold.exercise, 0) + 1
        duration = end_s - hold.start_s
        return [LiveEvent("hold_end", end_s, now, f"{_label(hold.exercise)}: {duration:.0f} s",
                          {"exercise": hold.exercise, "duration_s": duration})]

    def _track_reps(self, det: Detection, now: float) -> list[LiveEvent]:
        s = self.state
        recent = [g for g in det.segments if g["kind"] == "reps"
                  and g["end_s"] >= now - self.detection.rep_max_gap_s - self.detection.rep_max_top_s]
        current = recent[-1] if recent else None
        events: list[LiveEvent] = []
        last = self._reps
        if last is not None and (current is None or current["exercise"] != last["exercise"]
                                 or current["start_s"] > last["end_s"] + 1.0):
            self._done[last["exercise"]] = self._done.get(last["exercise"], 0) + 1
            events.append(LiveEvent("set_end", last["end_s"], now, f"{_label(last['exercise'])}: {last['reps']} reps",
                                    {"exercise": last["exercise"], "reps": last["reps"]}))
            self._reps = last = None
            if s.kind == "reps":
                s.kind = s.exercise = None
                s.reps = 0
        if current is None:
            return events
        if last is None:
            s.set_number = self._done.get(current["exercise"], 0) + 1
        for k in range(last["reps"] if last else 0, current["reps"]):
            events.append(LiveEvent("rep", current["rep_times_s"][k], now, f"rep {k + 1}",
                                    {"exercise": current["exercise"], "rep": k + 1}))
        self._reps = {**current, "reps": max(current["reps"], last["reps"] if last else 0)}
        if self._hold is None:
            s.kind, s.exercise, s.reps = "reps", current["exercise"], self._reps["reps"]
        return events

    # ---- the end ----------------------------------------------------------------------------
    def finish(self) -> LiveAnalysis:
        """The final result, in the offline analysis' form: the offline trunk-angle pipeline
        re-run over every sample received (read back from disk in chunks: the gyro bias between
        all still periods, the whole session's stillness thresholds, the mount fitted to the
        whole session), then the detection on its grid (:mod:`sensorback.live._final`).

        Raises
        ------
        CalibrationError
            No standing start and no mount given (as offline).
        InputError
            No samples.
        """
        if self._ring.end == 0:
            raise InputError("no samples were received: nothing to analyse")
        n = self._ring.end
        with self._lock:
            fin = final_grid(self._ring.read, n, self.fs, self.settings, self.detection, self.fixed_mount,
                             margin_s=self.live.settle_s, head_max_s=self.live.head_max_s)
        mount = fin.mount
        R = mount.sensor_to_body
        t, pitch, roll = fin.time_s, fin.pitch_deg, fin.roll_deg
        found = detect(t, pitch, roll, fin.gyro @ R.T, fin.acc @ R.T, self.fs_grid, self.detection)
        calib: dict[str, Any] = {
            **mount.to_dict(),
            "gyro_bias_start_rad_s": np.round(fin.bias_first, 5).tolist(),
            "gyro_bias_end_rad_s": np.round(fin.bias_last, 5).tolist(),
            "still_periods": fin.n_still,
            "outward_axis": self.settings.calibration.outward_axis,
        }
        if "standing_start_s" in mount.details:
            calib["standing_start_s"] = mount.details["standing_start_s"]
            calib["standing_end_s"] = mount.details["standing_end_s"]
        gaps = self._gaps.read_all()
        duration = float(self._t_last - self._t_first)
        quality = {
            "n_input": n + self._n_dropped, "n_dropped": self._n_dropped, "n_gaps": len(gaps),
            "missing_samples": int(gaps[:, 2].sum()),
            "fs_hz": round((n - 1) / duration, 6) if duration > 0 else float("nan"),
            "nominal_fs_hz": nominal_rate(self.fs),
        }
        gap_records = [{"onset_s": float(a), "duration_s": float(d), "description": "bad/gap", "missing_samples": int(m)}
                       for a, d, m in gaps]
        ann = Annotations.from_records(gap_records) + Annotations.from_records(
            _frames.segment_annotations(found.segments))
        blocks = pd.DataFrame(fin.acc, columns=["ax", "ay", "az"], index=pd.Index(t, name="time_s"))
        blocks[["gx", "gy", "gz"]] = fin.gyro
        rec = Recording(blocks, self.info.replace(fs_hz=self.fs), ann)
        angles = pd.DataFrame({"pitch_deg": pitch, "roll_deg": roll}, index=pd.Index(t, name="time_s"))
        return LiveAnalysis(rec, angles, mount, calib, ann, found.segments, self.settings, quality, found,
                            self.detection, n_received=n, duration_received_s=duration, history_hz=self.fs_grid)

    @property
    def memory_bytes(self) -> int:
        """Memory held: the ring buffer, the newest history and the session's start (older
        history is on disk); the held postures' sums add ≈ 80 bytes each."""
        return int(self._ring.data.nbytes + self._hist.nbytes + self._head.data.nbytes)


class LiveAnalysis(Analysis):
    """The final result of the live path: an :class:`~sensorback.analysis.Analysis` whose
    ``angles`` and ``recording`` are at the history's rate (≈20 Hz), not every sample."""

    def __init__(self, *args: Any, n_received: int, duration_received_s: float, history_hz: float) -> None:
        super().__init__(*args)
        self.n_received = n_received
        self.duration_received_s = duration_received_s
        self.history_hz = history_hz

    @property
    def duration_s(self) -> float:
        return self.duration_received_s

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["n_samples"] = self.n_received
        d["live"] = {"path": "live", "history_hz": round(self.history_hz, 4), "sensorback_version": __version__}
        return d


def _percentile(hist: np.ndarray, q: float) -> float:
    """Percentile of values counted in ``_HIST_BINS`` (bin ``k`` holds values up to edge ``k``),
    interpolated within its bin."""
    c = np.cumsum(hist)
    target = q / 100.0 * c[-1]
    k = min(int(np.searchsorted(c, target)), len(_HIST_BINS) - 1)
    lo = _HIST_BINS[k - 1] if k > 0 else 0.0
    below = c[k - 1] if k > 0 else 0.0
    frac = (target - below) / hist[k] if hist[k] > 0 else 1.0
    return float(lo + frac * (_HIST_BINS[k] - lo))


def _mask(n: int, run_list: np.ndarray) -> np.ndarray:
    m = np.zeros(n, dtype=bool)
    for a, b in run_list:
        m[a:b] = True
    return m


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _label(exercise: str | None) -> str:
    return (exercise or "").replace("_", " ")
