"""Rep sets: bridges (hips lifted from lying face up) and hyperextensions (trunk raised face
down, on the floor or hanging from a bench).

A rep is an excursion of the pitch away from a bottom posture and back: down for a bridge
(the cranial axis points down towards the shoulders as the hips rise), up for a
hyperextension.  Excursions are the prominent peaks of the smoothed pitch; a set is a run of
at least ``min_reps`` similar excursions from the same bottom with short rests between.

Each rep's timing is read off its 10 % and 90 % crossings.  For a minimum-jerk movement the
10→90 % rise takes 0.506 of the whole rise, and the first and last 24.7 % of it lie outside
those crossings; that turns crossings into the rep's onset, end, top dwell and tempo.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import find_peaks, peak_widths

from ..processing.filters import median, smooth
from ..settings import DetectionSettings
from .signals import Grid

_EDGE = 0.2466  # fraction of a minimum-jerk movement before its 10 % (after its 90 %) crossing
_RISE = 1.0 - 2 * _EDGE  # fraction between the 10 % and 90 % crossings


def _interp_time(t: np.ndarray, x: np.ndarray, level: float, k: int) -> float:
    """Time where ``x`` crosses ``level`` between samples ``k`` and ``k + 1``."""
    k = min(max(int(k), 0), x.size - 2)
    x0, x1 = float(x[k]), float(x[k + 1])
    frac = 0.5 if x1 == x0 else min(max((level - x0) / (x1 - x0), 0.0), 1.0)
    return float(t[k] + frac * (t[k + 1] - t[k]))


def _rise(t: np.ndarray, x: np.ndarray, lo: int, hi: int, level: float, last: bool) -> float:
    """Crossing of ``level`` by the rising ``x`` in ``[lo, hi]``: the first time it gets above
    (``last=False``) or, below a time found so, the last time it was still below (``last=True``)."""
    seg = x[lo : hi + 1]
    if last:
        below = np.flatnonzero(seg < level)
        k = int(below[-1]) if below.size else 0
    else:
        above = np.flatnonzero(seg >= level)
        k = int(above[0]) - 1 if above.size else seg.size - 2
    return _interp_time(t, x, level, lo + k)


def _fall(t: np.ndarray, x: np.ndarray, lo: int, hi: int, level: float, first: bool) -> float:
    """Mirror of :func:`_rise` for a falling ``x``: the last time it is above ``level``
    (``first=False``) or, after a time found so, the first time it is below (``first=True``)."""
    seg = x[lo : hi + 1]
    if first:
        below = np.flatnonzero(seg < level)
        k = int(below[0]) - 1 if below.size else seg.size - 2
    else:
        above = np.flatnonzero(seg >= level)
        k = int(above[-1]) if above.size else 0
    return _interp_time(t, x, level, lo + k)


def _candidates(grid: Grid, x: np.ndarray, face: float, settings: DetectionSettings) -> np.ndarray:
    """Peaks of ``x`` that may be reps: prominent, not too long, in the right family."""
    s = settings
    # bases are searched within one longest rep either side, so that the highest rep of a set
    # is measured from its own bottom and not from a posture far away
    wlen = 2 * int(round((s.rep_max_top_s + 6.0) * grid.fs)) + 1
    peaks, props = find_peaks(x, prominence=s.rep_min_rom_deg, wlen=wlen)
    if peaks.size == 0:
        return peaks
    widths = peak_widths(x, peaks, rel_height=0.5, prominence_data=(props["prominences"], props["left_bases"],
                                                                    props["right_bases"]), wlen=wlen)[0] / grid.fs
    uz = grid.up[:, 2]
    ok = (widths <= s.rep_max_top_s) & (face * uz[peaks] > 0.3) & grid.valid[peaks]
    ok &= grid.pitch_deg[peaks] < s.flexed_min_pitch_deg
    return peaks[ok]


def _group(grid: Grid, x: np.ndarray, peaks: np.ndarray, settings: DetectionSettings) -> list[np.ndarray]:
    """Consecutive peaks that form sets: close in time, similar size, from a common bottom."""
    if peaks.size == 0:
        return []
    sets: list[list[int]] = [[int(peaks[0])]]
    max_gap = int(round((settings.rep_max_gap_s + settings.rep_max_top_s) * grid.fs))
    pause_n = int(round(3.0 * grid.fs))
    for p in peaks[1:]:
        q = sets[-1][-1]
        between = x[q : p + 1]
        bottom = float(between.min())
        size_q, size_p = x[q] - bottom, x[p] - bottom
        similar = 0.5 <= size_p / max(size_q, 1e-9) <= 2.0
        # nothing in between goes beyond the tops (standing up between two lifts ends a set),
        # and the two tops are at one level
        contained = between.max() <= max(x[q], x[p]) + 0.2 * min(size_q, size_p)
        level = abs(x[p] - x[q]) <= 0.35 * min(size_q, size_p)
        # the rest at the bottom between the two lifts is short
        low = np.count_nonzero(between < bottom + 0.5 * min(size_q, size_p)) / grid.fs
        close = p - q <= max_gap and low <= settings.rep_max_gap_s
        # the lift starts from the set's bottom (not from another posture reached in between)
        under = np.flatnonzero(between < bottom + 0.5 * min(size_q, size_p))
        rise = q + int(under[-1]) if under.size else p
        same_bottom = x[max(q, rise - pause_n) : rise + 1].min() - bottom <= 0.3 * min(size_q, size_p)
        # a short data gap does not end a set
        lost = np.count_nonzero(~grid.valid[q : p + 1]) / grid.fs <= settings.max_gap_s * 2
        if close and similar and contained and level and same_bottom and lost:
            sets[-1].append(int(p))
        else:
            sets.append([int(p)])
    return [np.array(s) for s in sets if len(s) >= settings.min_reps]


def _outer_bottom(x: np.ndarray, peak: int, level: float, span: int, step: int) -> int:
    """Index of the bottom before (``step=-1``) or after (``step=1``) the first or last rep: from
    the peak outwards to where ``x`` is back near the set's bottom ``level``, then on down to the
    local minimum.  The movement into or out of the set may go further (to standing, to child's
    pose), so the search stops there."""
    stop = int(min(max(peak + step * span, 0), x.size - 1))
    idx = np.arange(peak, stop + step, step)
    hit = np.flatnonzero(x[idx] <= level)
    j = int(idx[hit[0]] if hit.size else idx[-1])
    while 0 < j < x.size - 1 and (j - peak) * step < span and x[j + step] < x[j]:
        j += step
    return j


def _measure_set(grid: Grid, x: np.ndarray, peaks: np.ndarray) -> list[dict]:
    """Onset, end, time, range of motion, top dwell and tempo of every rep of one set."""
    t = grid.t
    inner = [int(a + np.argmin(x[a : b + 1])) for a, b in zip(peaks[:-1], peaks[1:])]
    level = median(x[inner])
    span = int(np.max(np.diff(peaks)))
    first = _outer_bottom(x, int(peaks[0]), level + 0.3 * (x[peaks[0]] - level), span, -1)
    last = _outer_bottom(x, int(peaks[-1]), level + 0.3 * (x[peaks[-1]] - level), span, 1)
    bottoms = [first, *inner, last]
    reps = []
    for k, pk in enumerate(peaks):
        lb, rb = bottoms[k], bottoms[k + 1]
        base_l = level if k == 0 else x[lb]
        base_r = level if k == len(peaks) - 1 else x[rb]
        a_up, a_dn = x[pk] - base_l, x[pk] - base_r
        # the 90 % crossings bound the top dwell even when sway wiggles across that level
        t90u = _rise(t, x, lb, pk, base_l + 0.9 * a_up, last=False)
        t10u = _rise(t, x, lb, max(lb + 1, int(np.searchsorted(t, t90u))), base_l + 0.1 * a_up, last=True)
        t90d = _fall(t, x, pk, rb, base_r + 0.9 * a_dn, first=False)
        t10d = _fall(t, x, min(rb - 1, int(np.searchsorted(t, t90d))), rb, base_r + 0.1 * a_dn, first=True)
        up_s, down_s = (t90u - t10u) / _RISE, (t10d - t90d) / _RISE
        top_start, top_end = t90u + _EDGE * up_s, t90d - _EDGE * down_s
        reps.append({
            "onset_s": t10u - _EDGE * up_s, "end_s": t10d + _EDGE * down_s,
            "time_s": 0.5 * (top_start + top_end) if top_end > top_start else float(t[pk]),
            "rom_deg": float(0.5 * (a_up + a_dn)), "top_hold_s": max(0.0, top_end - top_start),
            "up_s": up_s, "down_s": down_s, "bottom": float(0.5 * (base_l + base_r)), "top": float(x[pk]),
        })
    return reps


def _mj(s: np.ndarray) -> np.ndarray:
    return s**3 * (10.0 - 15.0 * s + 6.0 * s * s)


def rep_model(t: np.ndarray, reps: list[dict]) -> np.ndarray:
    """The set's pitch excursion as minimum-jerk rises, dwells and falls between bottom levels,
    from each rep's measured onset, rise, top dwell, fall and levels.

    Each rep sets the model from its onset on: its profile up to its end, its bottom after
    (a later rep overrides an earlier one); all reps are evaluated in one pass."""
    onset, end, up, down, bottom, top = (np.array([r[k] for r in reps], dtype=float)
                                         for k in ("onset_s", "end_s", "up_s", "down_s", "bottom", "top"))
    i0 = np.searchsorted(t, onset, side="left")
    i1 = np.searchsorted(t, end, side="left")
    # the rep that last set each sample: the latest one whose onset is not after it
    last = np.full(t.size + 1, -1)
    np.maximum.at(last, i0, np.arange(len(reps)))
    last = np.maximum.accumulate(last[:-1])
    y = np.full(t.size, reps[0]["bottom"])
    idx = np.flatnonzero(last >= 0)
    k = last[idx]
    inside = idx < i1[k]
    y[idx[~inside]] = bottom[k[~inside]]
    idx, k = idx[inside], k[inside]
    tt = t[idx]
    up_end, down_start = onset[k] + up[k], end[k] - down[k]
    s_up = np.clip((tt - onset[k]) / np.maximum(up[k], 1e-3), 0.0, 1.0)
    s_dn = np.clip((tt - down_start) / np.maximum(down[k], 1e-3), 0.0, 1.0)
    prof = np.where(tt < up_end, _mj(s_up), np.where(tt < down_start, 1.0, 1.0 - _mj(s_dn)))
    y[idx] = bottom[k] + (top - bottom)[k] * prof
    return y


def _rep_misfit(grid: Grid, x: np.ndarray, rep: dict) -> float:
    """RMS difference between the pitch and one rep's model, as a share of its range."""
    i0, i1 = grid.index([rep["onset_s"], rep["end_s"]])
    resid = x[i0 : i1 + 1] - rep_model(grid.t[i0 : i1 + 1], [rep])
    return float(np.sqrt(np.mean(resid * resid))) / max(rep["rom_deg"], 1e-9)


def _runs_through(grid: Grid, x: np.ndarray, rep: dict, after: bool, settle_s: float) -> bool:
    """Whether the pitch passes through the rep's bottom without stopping: within ``settle_s``
    after its end (``after``) or before its onset it is further below the bottom than the rep's
    whole range."""
    a, b = (rep["end_s"], rep["end_s"] + settle_s) if after else (rep["onset_s"] - settle_s, rep["onset_s"])
    i0, i1 = grid.index([a, b])
    if i1 <= i0:
        return False
    return bool(x[i0 : i1 + 1].min() < rep["bottom"] - rep["rom_deg"])


def _trim(grid: Grid, x: np.ndarray, reps: list[dict], settings: DetectionSettings) -> list[dict]:
    """Drop reps from either end of a set while they do not fit the movement model, their
    range is off the set's median by more than a third (sway next to a set, the way in or out)
    or the pitch runs on through the bottom without stopping (the way in or out)."""
    reps = list(reps)
    while len(reps) >= settings.min_reps:
        rom = median([r["rom_deg"] for r in reps])
        bad = [abs(r["rom_deg"] - rom) > rom / 3 or _rep_misfit(grid, x, r) > 2 * settings.rep_max_fit_error
               or _runs_through(grid, x, r, after, settings.rep_settle_s)
               for r, after in ((reps[0], False), (reps[-1], True))]
        if bad[0]:
            reps = reps[1:]
        elif bad[1]:
            reps = reps[:-1]
        else:
            break
    return reps


def _is_regular(grid: Grid, x: np.ndarray, reps: list[dict], settings: DetectionSettings) -> bool:
    """A set is reps of one movement when their ranges are alike and the pitch follows the
    rise-dwell-fall model of the measured reps closely; a hold's sway can throw up a few
    similar peaks, but not smooth movements between steady levels."""
    rom = np.array([r["rom_deg"] for r in reps])
    if rom.std() > settings.rep_max_rom_cv * rom.mean():
        return False
    i0, i1 = grid.index([reps[0]["onset_s"], reps[-1]["end_s"]])
    resid = x[i0 : i1 + 1] - rep_model(grid.t[i0 : i1 + 1], reps)
    return float(np.sqrt(np.mean(resid * resid))) <= settings.rep_max_fit_error * median(rom)


def find_rep_sets(grid: Grid, settings: DetectionSettings = DetectionSettings()) -> list[dict]:
    """Bridge and hyperextension rep sets, in time order.

    Returns
    -------
    list of dict
        ``kind="reps"``, ``exercise``, ``variant`` (``bench``/``floor`` for hyperextensions),
        ``start_s``, ``end_s``, ``reps``, ``rep_times_s``, ``rom_deg`` (mean), ``rep_rom_deg``,
        ``top_hold_s`` (mean), ``rep_top_hold_s``, ``tempo`` (mean ``up_s``, ``down_s``,
        ``period_s``), ``bottom_pitch_deg``, ``top_pitch_deg``.
    """
    if grid.n < 4:
        return []
    p = smooth(grid.pitch_deg, max(1, int(round(0.15 * grid.fs))))
    out = []
    for exercise, sign in (("bridge", -1.0), ("hyperextension", 1.0)):
        x = sign * p
        for peaks in _group(grid, x, _candidates(grid, x, sign, settings), settings):
            m = _trim(grid, x, _measure_set(grid, x, peaks), settings)
            if len(m) < settings.min_reps or not _is_regular(grid, x, m, settings):
                continue
            bottom = sign * median([r["bottom"] for r in m])
            top = sign * median([r["top"] for r in m])
            variant = None
            if exercise == "hyperextension":
                variant = "bench" if bottom <= settings.head_down_max_pitch_deg else "floor"
                if variant == "floor" and bottom >= settings.floor_set_max_bottom_deg:
                    continue  # a floor set starts from lying flat, not from a plank's sway
            elif bottom <= settings.bridge_max_pitch_deg:
                continue  # a bridge set starts from lying flat
            times = [r["time_s"] for r in m]
            out.append({
                "kind": "reps", "exercise": exercise, "variant": variant,
                "start_s": float(m[0]["onset_s"]), "end_s": float(m[-1]["end_s"]),
                "reps": len(m), "rep_times_s": times,
                "rom_deg": float(np.mean([r["rom_deg"] for r in m])), "rep_rom_deg": [r["rom_deg"] for r in m],
                "top_hold_s": float(np.mean([r["top_hold_s"] for r in m])),
                "rep_top_hold_s": [r["top_hold_s"] for r in m],
                "tempo": {"up_s": float(np.mean([r["up_s"] for r in m])),
                          "down_s": float(np.mean([r["down_s"] for r in m])),
                          "period_s": median(np.diff(times))},
                "bottom_pitch_deg": bottom, "top_pitch_deg": top,
            })
    return sorted(out, key=lambda r: r["start_s"])
