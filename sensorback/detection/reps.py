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

import math

import numpy as np
from scipy.signal import find_peaks, peak_widths

from ..processing.filters import mean, median, smooth
from ..settings import DetectionSettings
from .signals import Grid

_EDGE = 0.2466  # fraction of a minimum-jerk movement before its 10 % (after its 90 %) crossing
_RISE = 1.0 - 2 * _EDGE  # fraction between the 10 % and 90 % crossings


def _interp_times(t: np.ndarray, x: np.ndarray, level: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Times where ``x`` crosses ``level`` between samples ``k`` and ``k + 1`` (clamped into
    the array; halfway where ``x`` is flat there)."""
    k = np.clip(k, 0, x.size - 2)
    x0, x1 = x[k], x[k + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = (level - x0) / (x1 - x0)
    # min(max(frac, 0), 1) as Python has it
    frac = np.where(0.0 > frac, 0.0, frac)
    frac = np.where(1.0 < frac, 1.0, frac)
    frac = np.where(x1 == x0, 0.5, frac)
    return t[k] + frac * (t[k + 1] - t[k])


def _crossings(t: np.ndarray, x: np.ndarray, lo: np.ndarray, hi: np.ndarray, level: np.ndarray,
               above: bool, first: bool) -> np.ndarray:
    """Crossing times of ``level`` by ``x`` in each range ``[lo, hi]`` (``hi`` within ``x``):
    ``first``, just before the first sample at or ``above`` the level (or below it, if not
    ``above``); else at the last such sample.  Where there is none, the first search takes the
    range's last step and the last search its first."""
    idx, starts, n = _ranges(lo, hi)
    level_n = np.repeat(level, n)
    hit = x[idx] >= level_n if above else x[idx] < level_n
    local = np.arange(idx.size) - np.repeat(starts, n)
    if first:
        j = np.minimum.reduceat(np.where(hit, local, idx.size), starts)
        k = np.where(j < idx.size, j - 1, n - 2)
    else:
        j = np.maximum.reduceat(np.where(hit, local, -1), starts)
        k = np.where(j >= 0, j, 0)
    return _interp_times(t, x, level, lo + k)


def _candidates(grid: Grid, x: np.ndarray, face: float, settings: DetectionSettings) -> tuple[np.ndarray, np.ndarray]:
    """Peaks of ``x`` that may be reps: prominent, not too long, in the right family; and how
    long each dwells at its top (s, its width at half its prominence)."""
    s = settings
    # bases are searched within one longest rep either side, so that the highest rep of a set
    # is measured from its own bottom and not from a posture far away
    wlen = 2 * int(round((s.rep_max_top_s + 6.0) * grid.fs)) + 1
    peaks, props = find_peaks(x, prominence=s.rep_min_rom_deg, wlen=wlen)
    if peaks.size == 0:
        return peaks, np.empty(0)
    widths = peak_widths(x, peaks, rel_height=0.5, prominence_data=(props["prominences"], props["left_bases"],
                                                                    props["right_bases"]), wlen=wlen)[0] / grid.fs
    uz = grid.up[:, 2]
    ok = (widths <= s.rep_max_top_s) & (face * uz[peaks] > 0.3) & grid.valid[peaks]
    ok &= grid.pitch_deg[peaks] < s.flexed_min_pitch_deg
    return peaks[ok], widths[ok]


def _group(grid: Grid, x: np.ndarray, peaks: np.ndarray, widths_s: np.ndarray, settings: DetectionSettings,
           face: float) -> list[np.ndarray]:
    """Consecutive peaks that form sets: close in time, similar size, from a common bottom,
    facing the same way throughout (``face`` as in :func:`_candidates`); a peak that dwells at
    the top far longer than the set's reps (``rep_top_outlier_factor``) is no rep of it but a
    rest or hold at the tops' level, and parts the set."""
    if peaks.size == 0:
        return []
    chains: list[list[int]] = [[0]]
    for k, joins in enumerate(_joins(grid, x, peaks, widths_s, settings, face).tolist(), start=1):
        if joins:
            chains[-1].append(k)
        else:
            chains.append([k])
    sets = []
    for chain in chains:
        w = widths_s[chain]
        long = w > settings.rep_top_outlier_factor * float(np.median(w)) + settings.rep_top_outlier_s
        piece: list[int] = []
        for k, out in zip(chain, long.tolist()):
            if out:
                sets.append(piece)
                piece = []
            else:
                piece.append(int(peaks[k]))
        sets.append(piece)
    return [np.array(s) for s in sets if len(s) >= settings.min_reps]


def _ranges(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The indices of the ranges ``[lo, hi]`` (inclusive, non-empty) one after the other, where
    each starts in them, and their lengths."""
    n = hi - lo + 1
    starts = np.zeros(n.size, dtype=np.intp)
    np.cumsum(n[:-1], out=starts[1:])
    return np.arange(int(n.sum())) - np.repeat(starts - lo, n), starts, n


def _joins(grid: Grid, x: np.ndarray, peaks: np.ndarray, widths_s: np.ndarray, settings: DetectionSettings,
           face: float) -> np.ndarray:
    """Whether each peak continues the set of the one before it (a set's last peak is always the
    previous peak), for all peaks after the first at once.

    The two peaks are close; nothing in between goes beyond the tops (standing up between two
    lifts ends a set); the two lifts are similar and their tops at one level; the rest at the
    bottom between them is short; the first lift comes down to the set's bottom right after its
    top and the second rises from it straight to its top, with no return to the tops' level in
    between (``rep_max_move_s``; not from or to another posture, e.g. lying flat at the tops'
    level between a set of small floor lifts and one of big bench lifts, or between two bench
    sets); the body does not turn over in between (a rest lying on the back between a bench
    hold's sway and a set of hyperextensions); a short data gap does not end a set."""
    out = np.zeros(peaks.size - 1, dtype=bool)
    q, p = peaks[:-1], peaks[1:]
    max_gap = int(round((settings.rep_max_gap_s + settings.rep_max_top_s) * grid.fs))
    close = np.flatnonzero(p - q <= max_gap)
    if not close.size:
        return out
    q, p = q[close], p[close]
    idx, starts, n = _ranges(q, p)
    between = x[idx]
    bottom = np.minimum.reduceat(between, starts)
    xq, xp = x[q], x[p]
    size_q, size_p = xq - bottom, xp - bottom
    # Python's min and max, as the scalar tests had them (NaN included)
    small = np.where(size_p < size_q, size_p, size_q)
    ratio = size_p / np.where(1e-9 > size_q, 1e-9, size_q)
    ok = (0.5 <= ratio) & (ratio <= 2.0) & (np.abs(xp - xq) <= 0.35 * small)
    ok &= np.maximum.reduceat(between, starts) <= np.where(xp > xq, xp, xq) + 0.2 * small
    under = between < np.repeat(bottom + 0.5 * small, n)
    ok &= np.add.reduceat(under, starts, dtype=np.intp) / grid.fs <= settings.rep_max_gap_s
    last = np.maximum.reduceat(np.where(under, np.arange(idx.size) - np.repeat(starts, n), -1), starts)
    rise = np.where(last >= 0, q + last, p)
    idx2, starts2, _ = _ranges(np.maximum(q, rise - int(round(3.0 * grid.fs))), rise)
    ok &= np.minimum.reduceat(x[idx2], starts2) - bottom <= 0.3 * small
    first = np.minimum.reduceat(np.where(under, np.arange(idx.size) - np.repeat(starts, n), idx.size), starts)
    wq, wp = widths_s[:-1][close], widths_s[1:][close]
    ok &= first / grid.fs <= wq + settings.rep_max_move_s
    ok &= (p - rise) / grid.fs <= wp + settings.rep_max_move_s
    # nor goes back up to the tops' level in between (a rest lying flat between two bench sets)
    back_up = last - first + 1 - np.add.reduceat(under, starts, dtype=np.intp)
    ok &= back_up / grid.fs <= settings.rep_max_move_s
    ok &= np.add.reduceat(~grid.valid[idx], starts, dtype=np.intp) / grid.fs <= settings.max_gap_s * 2
    turned = face * grid.up[idx, 2] < -0.3
    ok &= np.add.reduceat(turned, starts, dtype=np.intp) / grid.fs <= 1.0
    out[close] = ok
    return out


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


def _set_bottoms(x: np.ndarray, peaks: np.ndarray) -> tuple[float, list[int]]:
    """The bottom level of one set (the median of its inner bottoms) and the bottoms around
    its reps: the lowest point between two reps, and the outer ones (:func:`_outer_bottom`)."""
    inner = [int(a + np.argmin(x[a : b + 1])) for a, b in zip(peaks[:-1], peaks[1:])]
    level = median(x[inner])
    span = int(np.max(np.diff(peaks)))
    first = _outer_bottom(x, int(peaks[0]), level + 0.3 * (x[peaks[0]] - level), span, -1)
    last = _outer_bottom(x, int(peaks[-1]), level + 0.3 * (x[peaks[-1]] - level), span, 1)
    return level, [first, *inner, last]


def _measure_sets(grid: Grid, x: np.ndarray, sets: list[np.ndarray]) -> list[list[dict]]:
    """Onset, end, time, range of motion, top dwell and tempo of every rep of each set, all
    reps of all sets at once.

    Each rep's 90 % crossings bound its top dwell even when sway wiggles across that level:
    the rise is the first time above it, the fall the last; the 10 % crossings are the last
    time below before the first, and the first after the second.  The outer reps of a set
    are measured from its bottom level."""
    if not sets:
        return []
    t = grid.t
    lb, rb, base_l, base_r = [], [], [], []
    for peaks in sets:
        level, bottoms = _set_bottoms(x, peaks)
        lb.extend(bottoms[:-1])
        rb.extend(bottoms[1:])
        base_l.extend([level, *x[bottoms[1:-1]].tolist()])
        base_r.extend([*x[bottoms[1:-1]].tolist(), level])
    peaks = np.concatenate(sets)
    lb, rb = np.array(lb), np.array(rb)
    base_l, base_r = np.array(base_l), np.array(base_r)
    top = x[peaks]
    a_up, a_dn = top - base_l, top - base_r
    t90u = _crossings(t, x, lb, peaks, base_l + 0.9 * a_up, above=True, first=True)
    hi = np.minimum(np.maximum(lb + 1, np.searchsorted(t, t90u)), x.size - 1)
    t10u = _crossings(t, x, lb, hi, base_l + 0.1 * a_up, above=False, first=False)
    t90d = _crossings(t, x, peaks, rb, base_r + 0.9 * a_dn, above=True, first=False)
    lo = np.minimum(rb - 1, np.searchsorted(t, t90d))
    t10d = _crossings(t, x, lo, rb, base_r + 0.1 * a_dn, above=False, first=True)
    up_s, down_s = (t90u - t10u) / _RISE, (t10d - t90d) / _RISE
    top_start, top_end = t90u + _EDGE * up_s, t90d - _EDGE * down_s
    dwell = top_end - top_start
    cols = {
        "onset_s": t10u - _EDGE * up_s, "end_s": t10d + _EDGE * down_s,
        "time_s": np.where(top_end > top_start, 0.5 * (top_start + top_end), t[peaks]),
        "rom_deg": 0.5 * (a_up + a_dn), "top_hold_s": np.where(dwell > 0.0, dwell, 0.0),
        "up_s": up_s, "down_s": down_s, "bottom": 0.5 * (base_l + base_r), "top": top,
    }
    values = {k: v.tolist() for k, v in cols.items()}
    reps = [{k: v[i] for k, v in values.items()} for i in range(peaks.size)]
    out, a = [], 0
    for s in sets:
        out.append(reps[a : a + s.size])
        a += s.size
    return out


def _mj(s: np.ndarray) -> np.ndarray:
    return s**3 * (10.0 - 15.0 * s + 6.0 * s * s)


def _rep_profile(tt: np.ndarray, onset, end, up, down, bottom, top) -> np.ndarray:
    """The model at times ``tt`` inside reps (before their ends) with these parameters (scalars,
    or arrays with one value per time): rise, top dwell, fall."""
    up_end, down_start = onset + up, end - down
    s_up = np.clip((tt - onset) / np.maximum(up, 1e-3), 0.0, 1.0)
    s_dn = np.clip((tt - down_start) / np.maximum(down, 1e-3), 0.0, 1.0)
    prof = np.where(tt < up_end, _mj(s_up), np.where(tt < down_start, 1.0, 1.0 - _mj(s_dn)))
    return bottom + (top - bottom) * prof


def rep_model(t: np.ndarray, reps: list[dict]) -> np.ndarray:
    """The set's pitch excursion as minimum-jerk rises, dwells and falls between bottom levels,
    from each rep's measured onset, rise, top dwell, fall and levels.

    Each rep sets the model from its onset on: its profile up to its end, its bottom after
    (a later rep overrides an earlier one); all reps are evaluated in one pass."""
    if len(reps) == 1:
        return _one_rep_model(t, reps[0])
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
    y[idx] = _rep_profile(t[idx], onset[k], end[k], up[k], down[k], bottom[k], top[k])
    return y


def _one_rep_model(t: np.ndarray, rep: dict) -> np.ndarray:
    """:func:`rep_model` of a single rep (the same values, without the bookkeeping of overlaps):
    its bottom, and its profile from its onset up to its end."""
    onset, end, up, down, bottom, top = (float(rep[k]) for k in
                                         ("onset_s", "end_s", "up_s", "down_s", "bottom", "top"))
    a, b = np.searchsorted(t, [onset, end], side="left")
    y = np.full(t.size, bottom)
    if a < b:
        y[a:b] = _rep_profile(t[a:b], onset, end, up, down, bottom, top)
    return y


def _rep_misfit(grid: Grid, x: np.ndarray, rep: dict) -> float:
    """RMS difference between the pitch and one rep's model, as a share of its range."""
    i0, i1 = grid.index([rep["onset_s"], rep["end_s"]])
    resid = x[i0 : i1 + 1] - _one_rep_model(grid.t[i0 : i1 + 1], rep)
    return math.sqrt(mean(resid * resid)) / max(rep["rom_deg"], 1e-9)


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
    misfit: dict[tuple[int, bool], bool] = {}  # an end rep is often looked at again: once is enough

    def bad(i: int, rom: float, after: bool) -> bool:
        r = reps[i]
        if abs(r["rom_deg"] - rom) > rom / 3:
            return True
        key = (id(r), after)
        if key not in misfit:
            misfit[key] = (_rep_misfit(grid, x, r) > 2 * settings.rep_max_fit_error
                           or _runs_through(grid, x, r, after, settings.rep_settle_s))
        return misfit[key]

    while len(reps) >= settings.min_reps:
        rom = median([r["rom_deg"] for r in reps])
        if bad(0, rom, False):
            reps = reps[1:]
        elif bad(-1, rom, True):
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
    return math.sqrt(mean(resid * resid)) <= settings.rep_max_fit_error * median(rom)


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
        groups = _group(grid, x, *_candidates(grid, x, sign, settings), settings, sign)
        for measured in _measure_sets(grid, x, groups):
            m = _trim(grid, x, measured, settings)
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
