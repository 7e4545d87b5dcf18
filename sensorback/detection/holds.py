"""Still postures ("spans") and the exercise holds among them.

1. Still runs: the stance is not ``MOVING`` (:func:`.posture.compute_stance`).
2. Each still run is split where the stance or the sway state (resting or holding) changes,
   or where the sacrum rises or sinks by a posture's height while lying flat (a plank lifted
   so level and calm that neither of those changes).
   A change between lying flat and raised (face down) or hips up (face up) is a new posture
   only when the sacrum moves vertically, the pitch moves while the sway starts, or the sway
   collapses to rest level; otherwise it is a sag or pike of the same hold.
3. Every span gets a sacrum height (:mod:`.height`) and an exercise: face-down raised postures
   are planks, floor hyperextensions (low) or bench hyperextensions (high).  Neighbouring holds
   of one exercise parted only by a moment of movement are one hold.
4. A hold's ends are moved to where the movement into it ends and the one out of it starts:
   minimum-jerk speed profiles fitted to the turning and to the vertical velocity there, or a
   minimum-jerk step fitted across a slow transition inside one still run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..processing.filters import mean, median, runs
from ..settings import DetectionSettings
from .height import (
    displacement_between_stretches,
    edge_sd,
    fit_gravity,
    gravity_at,
    solve_heights,
    vertical_displacement,
    vertical_movement,
)
from .posture import (
    MOVING,
    PRONE_FLAT,
    PRONE_RAISED,
    SIDE_LEFT,
    SIDE_RIGHT,
    STANCE_NAMES,
    SUPINE_FLAT,
    SUPINE_HIPS_UP,
    UPRIGHT,
    hysteresis,
)
from .signals import Grid, minjerk

_PAIRS = ({PRONE_FLAT, PRONE_RAISED}, {SUPINE_FLAT, SUPINE_HIPS_UP})


@dataclass
class Span:
    """A still posture on the grid: indices ``[a, b)``, its stance and what it is."""

    a: int
    b: int
    stance: int
    activity_deg_s: float = float("nan")
    height_m: float = float("nan")
    height_sd_m: float = float("nan")
    above_prone_m: float = float("nan")
    above_prone_sd_m: float = float("nan")
    lifted: bool = False  # lying flat, but a movement put it well above the lying beside it
    kind: str = "rest"
    exercise: str | None = None
    variant: str | None = None
    start_s: float = float("nan")
    end_s: float = float("nan")

    @property
    def name(self) -> str:
        return STANCE_NAMES[self.stance]


def _pieces(codes: np.ndarray, min_len: int) -> list[list[int]]:
    """Runs ``[start, stop, code]`` of constant code; runs shorter than ``min_len`` are absorbed
    by their longer neighbour."""
    cuts = (np.flatnonzero(codes[1:] != codes[:-1]) + 1).tolist()
    starts, stops = [0, *cuts], [*cuts, codes.size]
    pieces = [[s, e, c] for s, e, c in zip(starts, stops, codes[starts].tolist())]
    while len(pieces) > 1:
        lengths = [p[1] - p[0] for p in pieces]
        k = lengths.index(min(lengths))  # the first shortest, as np.argmin
        if lengths[k] >= min_len:
            break
        if k == 0 or (k < len(pieces) - 1 and lengths[k + 1] > lengths[k - 1]):
            pieces[k + 1][0] = pieces[k][0]
        else:
            pieces[k - 1][1] = pieces[k][1]
        del pieces[k]
        merged = [pieces[0]]
        for p in pieces[1:]:
            if p[2] == merged[-1][2]:
                merged[-1][1] = p[1]
            else:
                merged.append(p)
        pieces = merged
    return pieces


def vertical_acceleration(grid: Grid, spans: list[Span]) -> np.ndarray:
    """Vertical linear acceleration at every grid point, m/s², with the accelerometer's
    posture-dependent reading at rest (fitted over the still spans) as gravity."""
    f_up = grid.f_up
    if not spans:
        return f_up - median(f_up)
    # np.mean's sum and division, without its overhead
    up = np.array([np.add.reduce(grid.up[s.a : s.b], axis=0) / (s.b - s.a) for s in spans])
    up /= np.linalg.norm(up, axis=1, keepdims=True)
    mag = np.array([median(grid.acc_norm[s.a : s.b]) for s in spans])
    coef = fit_gravity(up, mag, np.array([s.b - s.a for s in spans], dtype=float))
    return f_up - gravity_at(coef, grid.up)


def sway_displacements(t: np.ndarray, f_up: np.ndarray, before: tuple[int, int], after: tuple[int, int],
                       length: int, settle: int, max_windows: int = 12) -> np.ndarray:
    """Vertical displacements (m) that :func:`.height.vertical_displacement` finds over windows
    of ``length`` grid steps lying wholly inside ``before`` or ``after`` (index ranges,
    half-overlapping windows, at most ``max_windows`` spread evenly): inside one posture, what
    its sway alone integrates to over that time."""
    starts = np.concatenate([np.arange(lo, hi - length, max(1, length // 2)) for lo, hi in (before, after)])
    if length < 2 * settle or not starts.size:
        return np.empty(0)
    starts = starts[np.linspace(0, starts.size - 1, min(starts.size, max_windows)).round().astype(int)]
    idx = starts[:, None] + np.arange(length + 1)
    a, tt = f_up[idx], t[idx]
    # np.mean's sums and division, without its overhead
    r0 = np.add.reduce(a[:, :settle], axis=1, keepdims=True) / a[:, :settle].shape[1]
    r1 = np.add.reduce(a[:, -settle:], axis=1, keepdims=True) / a[:, -settle:].shape[1]
    span = np.maximum(tt[:, -1:] - tt[:, :1], 1e-9)
    a = a - (r0 + (r1 - r0) * (tt - tt[:, :1]) / span)
    dt = np.diff(tt, axis=1, prepend=tt[:, :1])
    v = np.cumsum(a * dt, axis=1)
    v -= v[:, -1:] * np.cumsum(dt, axis=1) / span
    return np.sum(v * dt, axis=1)


def _same_posture(grid: Grid, f_up: np.ndarray, p: list[int], q: list[int], run: tuple[int, int],
                  settings: DetectionSettings) -> bool:
    """Whether two neighbouring pieces ``[start, stop, stance, quiet]`` of the still run ``run``
    (``[a, b)``) are one posture.

    Different stances are different postures, except flat and raised (or hips up) of one
    family, which are one swaying, sagging or piking hold unless the sacrum moves vertically
    between them.  A posture stays the same while its sway grows (fatigue) unless the pitch
    moves too; it ends when the sway collapses to rest level (a hold let go), and one begins
    when the sway jumps up from rest level as the stance changes (lifted from lying).
    """
    (pa, pb, ps, pq), (qa, qb, qs, qq) = p, q
    if ps != qs and {ps, qs} not in _PAIRS:
        return False
    pad = int(round(2.5 * grid.fs))
    settle = max(1, int(round(0.2 * grid.fs)))
    i0, i1 = max(pa, pb - pad), min(qb - 1, qa + pad)
    dh = vertical_displacement(grid.t, f_up, i0, i1, settle)
    act_p = median(grid.activity[pa:pb])
    act_q = median(grid.activity[qa:qb])
    # the sway of a shaky hold blurs the integration: demand more there, and at least what
    # the same integration gives elsewhere in the still run (a robust spread: most of it is
    # one posture)
    null = sway_displacements(grid.t, f_up, (run[0], i0), (i1, run[1]), i1 - i0, settle)
    blur = settings.split_height_noise_factor * 1.4826 * median(np.abs(null)) if null.size else 0.0
    if abs(dh) >= settings.split_height_m + max(settings.split_height_per_activity_m * min(act_p, act_q), blur):
        return False
    one, five = int(round(1.0 * grid.fs)), int(round(5.0 * grid.fs))
    level_p = median(grid.pitch_deg[max(pa, pb - five) : max(pa + 1, pb - one)])
    level_q = median(grid.pitch_deg[min(qb - 1, qa + one) : min(qb, qa + five)])
    moved = abs(level_q - level_p) >= settings.split_min_pitch_deg
    if pq == qq:
        return ps == qs or not pq or not moved
    if not pq:  # active, then quiet
        if act_q >= settings.lying_max_activity_deg_s:
            return True  # not relaxed: still held
        # let go (the sway collapses), or lowered to lying (a calm hold, another stance)
        return act_p < settings.rest_drop_ratio * act_q and not (ps != qs and moved)
    # quiet, then active: lying at rest, then lifted (into another stance) and held against
    # gravity, the sway jumping up from rest level, is a hold that begins
    if ps != qs and act_q >= settings.rest_drop_ratio * act_p:
        return False
    return not moved


def lifts_in_run(grid: Grid, stance: np.ndarray, f_up: np.ndarray, a: int, b: int,
                 settings: DetectionSettings) -> list[int]:
    """Grid indices in the still run ``[a, b)`` where the sacrum rises or sinks by at least
    ``split_height_m`` while the body lies flat (face down or up) on either side: lifted from
    lying into a plank held so level, or so calm, that neither the stance nor the sway says so.
    Each window of ``lift_window_s`` (every third of one) is searched for its main vertical
    movement (:func:`.height.vertical_movement`), whose displacement is then integrated."""
    flat = (stance[a:b] == PRONE_FLAT) | (stance[a:b] == SUPINE_FLAT)
    win = int(round(settings.lift_window_s * grid.fs))
    if b - a < win or flat.mean() < 0.5:
        return []
    ref = max(1, int(round(1.0 * grid.fs)))
    settle = max(1, int(round(0.2 * grid.fs)))
    pause = int(round(0.5 * grid.fs))
    cuts: list[int] = []
    for lo in range(a, b - win + 1, max(1, win // 3)):
        move = vertical_movement(grid.t, f_up, lo, lo + win - 1, ref)
        if move is None:
            continue
        i0, i1 = max(lo, move[0] - pause), min(lo + win - 1, move[1] + pause)
        mid = (move[0] + move[1]) // 2
        if not (flat[i0 - a] and flat[i1 - a]) or (cuts and mid - cuts[-1] < win // 2):
            continue
        if abs(vertical_displacement(grid.t, f_up, i0, i1, settle)) >= settings.split_height_m:
            cuts.append(mid)
    return cuts


def split_still_run(
    grid: Grid, stance: np.ndarray, quiet: np.ndarray, f_up: np.ndarray, a: int, b: int,
    settings: DetectionSettings,
) -> list[Span]:
    """Split the still run ``[a, b)`` into spans of one posture each, deciding between every two
    neighbouring pieces of constant stance and sway state, or parted by a vertical lift while
    lying flat (:func:`lifts_in_run`); ``f_up`` is the specific force along the up-vector."""
    codes = 2 * stance[a:b].astype(np.int16) + quiet[a:b]
    cuts = lifts_in_run(grid, stance, f_up, a, b, settings)
    if cuts:
        mark = np.zeros(b - a, dtype=np.int16)
        mark[np.asarray(cuts) - a] = 1
        codes += 32 * np.cumsum(mark, dtype=np.int16)
    pieces = [[s + a, e + a, (c % 32) // 2, c % 2] for s, e, c in _pieces(codes, max(1, int(round(1.5 * grid.fs))))]
    spans = [Span(pieces[0][0], pieces[0][1], pieces[0][2])]
    for p, q in zip(pieces[:-1], pieces[1:]):
        if q[0] not in cuts and _same_posture(grid, f_up, p, q, (a, b), settings):
            spans[-1].b = q[1]  # a drift: the posture keeps the stance it started with
        else:
            spans.append(Span(q[0], q[1], q[2]))
    return spans


def find_spans(grid: Grid, stance: np.ndarray, settings: DetectionSettings = DetectionSettings()) -> list[Span]:
    """Still postures of at least ``min_static_s``, split by posture, in time order."""
    still = (stance != MOVING) & grid.valid
    min_len = max(2, int(round(settings.min_static_s * grid.fs)))
    f_up = grid.f_up
    thr = settings.quiet_activity_deg_s
    quiet = hysteresis(-grid.activity, -1.2 * thr, -0.8 * thr).astype(np.int16)
    # resting and holding differ in sway only where the posture alone cannot tell them apart
    quiet[(stance != PRONE_FLAT) & (stance != SUPINE_FLAT)] = 0
    spans: list[Span] = []
    for a, b in runs(still):
        if b - a >= min_len:
            spans.extend(split_still_run(grid, stance, quiet, f_up, int(a), int(b), settings))
    for s in spans:
        s.activity_deg_s = median(grid.activity[s.a : s.b])
    return [s for s in spans if s.b - s.a >= min_len]


def _quietest(grid: Grid, a: int, b: int) -> int:
    """Index of the least accelerated grid point in ``[a, b)``: a zero-velocity anchor."""
    return a + int(np.argmin(grid.jolt[a:b]))


def _displacement(grid: Grid, acc_up: np.ndarray, p: Span, q: Span, i0: int, i1: int,
                  settings: DetectionSettings) -> tuple[float, bool]:
    """Vertical displacement from span ``p`` to span ``q`` across the movement ``[i0, i1]``:
    between the mean heights of still stretches of up to ``zupt_stretch_s`` on either side
    (:func:`.height.displacement_between_stretches`), or, where a span is shorter than
    ``zupt_min_stretch_s`` or a stretch proves not still (``zupt_stretch_max_residual_m``), with
    zero velocity at ``i0`` and ``i1`` (:func:`.height.vertical_displacement`).  Also whether
    the still stretches were used."""
    ref = max(1, int(round(1.0 * grid.fs)))
    before, after = i0 - p.a + 1, q.b - i1
    longest = int(round(settings.zupt_stretch_s * grid.fs))
    if min(before, after) >= settings.zupt_min_stretch_s * grid.fs:
        dh, residual = displacement_between_stretches(grid.t, acc_up, i0 - min(before, longest) + 1, i0, i1,
                                                      i1 + min(after, longest) - 1)
        if residual <= settings.zupt_stretch_max_residual_m:
            return dh, True
    settle = max(1, int(round(0.2 * grid.fs)))
    return vertical_displacement(grid.t, acc_up, i0, i1, settle, before=min(before, ref), after=min(after, ref)), False


def assign_heights(
    grid: Grid, spans: list[Span], acc_up: np.ndarray, settings: DetectionSettings = DetectionSettings()
) -> None:
    """Give every span a sacrum height (in place) from the movements between spans.

    The vertical acceleration ``acc_up`` (:func:`vertical_acceleration`) is integrated from the
    calmest moment near the end of one span to the calmest near the start of the next; across a
    slow transition inside one still run, from a second before to a second after its fitted
    step (``end_s``, ``start_s``, see :func:`provisional_bounds`), widened to the vertical
    movement nearby (:func:`.height.vertical_movement`).
    Standing spans anchor the chain at the person's one standing level, flat ones that sway no
    more than someone lying relaxed (``lying_max_activity_deg_s``) with a near-level pelvis
    (``lying_max_pitch_deg``) at the prone or supine level, each within ``posture_level_sd_m``;
    the levels are unknowns with population priors (``standing_height_m``, ``prone_height_m``,
    ``supine_height_m`` and their spreads), solved with the movements.  The robust solve
    (:func:`.height.solve_heights`) discounts an anchor that the movements contradict (a quiet
    bench hold looks like lying prone, but sits a metre higher).
    """
    n = len(spans)
    keep = list(range(n))
    edges = []
    edge = int(round(2.0 * grid.fs))
    ref = max(1, int(round(1.0 * grid.fs)))
    margin = int(round(1.0 * grid.fs))
    pause = int(round(0.5 * grid.fs))
    for k, k2 in zip(keep[:-1], keep[1:]):
        p, q = spans[k], spans[k2]
        if p.b == q.a:
            # a slow transition inside one still run: from a second before the fitted turn
            # to a second after it (the sacrum's translation may lead or lag the turn), widened
            # to the whole vertical movement nearby (a slow lowering that hardly turns)
            e, s = grid.index([p.end_s - 1.0, q.start_s + 1.0])
            look = settings.zupt_search_s
            lo, hi = grid.index([p.end_s - look, q.start_s + look])
            move = vertical_movement(grid.t, acc_up, max(p.a, lo), min(q.b - 1, hi), ref)
            if move is not None:
                e, s = min(e, move[0] - pause), max(s, move[1] + pause)
            i0, i1 = max(p.a, e), min(q.b - 1, s)
        else:
            # a movement that is mostly translation (lowering from a plank) can outlast the
            # turning that bounds the still runs: integrate from a little inside each span
            i0 = _quietest(grid, max(p.a, p.b - edge - margin), max(p.a + 1, p.b - margin))
            i1 = _quietest(grid, min(q.a + margin, q.b - 1), min(q.b, q.a + edge + margin))
        dur = grid.t[i1] - grid.t[i0]
        if p.stance == UPRIGHT and q.stance == UPRIGHT:
            # turning or walking between two standing spans keeps the height; integrating
            # through gait would only add error
            edges.append((k, k2, 0.0, 0.03))
        elif 0 < dur <= settings.max_zupt_s and grid.valid[i0 : i1 + 1].all():
            dh, stretched = _displacement(grid, acc_up, p, q, i0, i1, settings)
            still = settings.zupt_still_jolt_m_s2
            if stretched:
                # the fit over still stretches does not assume the ends at rest: a hold that
                # rocks on the floor (a superman) jolts but keeps its height
                unsettled = 0.0
            elif p.b == q.a:
                # ends at fixed offsets inside the postures, where a shaky hold's sway averages
                # out over the reference second: unsettled only if that second is nowhere as
                # calm as the posture usually is
                j0 = float(np.min(grid.jolt[max(p.a, i0 - ref + 1) : i0 + 1]))
                j1 = float(np.min(grid.jolt[i1 : min(q.b, i1 + ref)]))
                unsettled = max(j0 - max(still, median(grid.jolt[p.a : p.b])),
                                j1 - max(still, median(grid.jolt[q.a : q.b])))
            else:
                unsettled = max(grid.jolt[i0], grid.jolt[i1]) - still
            if not above_standing(p.stance, q.stance, dh, settings.standing_top_margin_m):
                sd_m = edge_sd(dur, unsettled) * (1.0 if stretched else settings.zupt_fallback_sd_factor)
                edges.append((k, k2, dh, sd_m))
    # the person's one standing, prone and supine level, each span of these within a few cm of it
    levels = [(settings.standing_height_m, settings.standing_height_sd_m),
              (settings.prone_height_m, settings.prone_height_sd_m),
              (settings.supine_height_m, settings.supine_height_sd_m)]
    links = []
    # a flat posture reached from standing (or left for it) with hardly a change of height is
    # not on the floor (a quiet horizontal bench hold)
    near_standing = {j for i, k2, dh, _ in edges for j, other in ((k2, i), (i, k2))
                     if spans[other].stance == UPRIGHT and spans[j].stance != UPRIGHT
                     and abs(dh) < settings.lying_min_drop_m}
    # nor is the higher of two flat postures that a movement puts a split's height apart (a
    # plank held level and calm, lifted from lying)
    flat = (PRONE_FLAT, SUPINE_FLAT)
    lifted = {(k2 if dh > 0 else i) for i, k2, dh, _ in edges
              if spans[i].stance == spans[k2].stance and spans[i].stance in flat and abs(dh) >= settings.split_height_m}
    for k in keep:
        s = spans[k]
        level = abs(median(grid.pitch_deg[s.a : s.b])) <= settings.lying_max_pitch_deg
        lying = (s.activity_deg_s < settings.lying_max_activity_deg_s and level and k not in near_standing
                 and k not in lifted)
        if s.stance == UPRIGHT:
            links.append((k, 0, settings.posture_level_sd_m))
        elif lying and s.stance == PRONE_FLAT:
            links.append((k, 1, settings.posture_level_sd_m))
        elif lying and s.stance == SUPINE_FLAT:
            links.append((k, 2, settings.posture_level_sd_m))
    used = sorted({g for _, g, _ in links})
    renumber = {g: i for i, g in enumerate(used)}
    h, sd, lev, lev_sd, cov = solve_heights(n, edges, [], levels=[levels[g] for g in used],
                                            links=[(k, renumber[g], sd_m) for k, g, sd_m in links],
                                            with_levels=True)
    # how far above this person's prone level each posture sits (a superman's pelvis lies
    # there); with no prone rest to measure the level, its population prior
    if 1 in renumber:
        p = renumber[1]
        above = h - lev[p]
        above_var = sd**2 + lev_sd[p] ** 2 - 2.0 * cov[:, p]
    else:
        above = h - settings.prone_height_m
        above_var = sd**2 + settings.prone_height_sd_m**2
    above_sd = np.sqrt(np.clip(above_var, 0.0, None))
    for k, s in enumerate(spans):
        s.lifted = k in lifted
        s.height_m, s.height_sd_m = float(h[k]), float(sd[k])
        s.above_prone_m, s.above_prone_sd_m = float(above[k]), float(above_sd[k])


def above_standing(from_stance: int, to_stance: int, dh_m: float, margin_m: float) -> bool:
    """Whether a measured movement ``dh_m`` between a standing and another posture would put
    that posture more than ``margin_m`` above standing: no posture of these exercises sits
    there (a bench hold's sacrum is a little above standing at most), so the integration
    failed (e.g. a movement still going on at one of its ends) and must not be used."""
    if from_stance == to_stance:
        return False
    if to_stance == UPRIGHT:
        return dh_m < -margin_m
    if from_stance == UPRIGHT:
        return dh_m > margin_m
    return False


def _gauss(x: float, mean: float, sd: float) -> float:
    return float(np.exp(-0.5 * ((x - mean) / sd) ** 2) / sd)


def is_floor_height(above_prone_m: float, sd_m: float, settings: DetectionSettings = DetectionSettings()) -> bool:
    """Whether a raised face-down hold whose sacrum sits ``above_prone_m`` (± ``sd_m``) above
    the person's prone lying level is on the floor (a superman) rather than a plank: the
    likelier of the two, weighted by how much more common planks are.  A plank is held on the
    forearms or, less often, on straight arms (``plank_above_prone_m``, a mixture)."""
    s = settings
    sd = sd_m if np.isfinite(sd_m) else 0.2
    plank = sum(w * _gauss(above_prone_m, m, float(np.hypot(spread, sd)))
                for w, m, spread in zip(s.plank_form_weights, s.plank_above_prone_m, s.plank_above_prone_sd_m))
    floor = _gauss(above_prone_m, s.superman_above_prone_m, float(np.hypot(s.superman_above_prone_sd_m, sd)))
    return floor > s.plank_odds * plank


def classify_span(span: Span, pitch_deg: float, settings: DetectionSettings = DetectionSettings()) -> None:
    """Set ``kind``, ``exercise`` and ``variant`` of a span (in place) from its stance, median
    pitch, sway and height."""
    s = settings
    st, h = span.stance, span.height_m
    known = bool(np.isfinite(h))
    active = span.activity_deg_s >= s.quiet_activity_deg_s
    span.kind, span.exercise, span.variant = "rest", None, None
    if st in (SIDE_LEFT, SIDE_RIGHT) and (active or pitch_deg >= s.side_plank_min_pitch_deg):
        span.kind, span.exercise = "hold", "side_plank_left" if st == SIDE_LEFT else "side_plank_right"
    elif st == SUPINE_HIPS_UP:
        span.kind, span.exercise = "hold", "bridge"
    elif st in (PRONE_RAISED, PRONE_FLAT):
        if known and h >= s.bench_min_height_m:
            span.kind, span.exercise, span.variant = "hold", "hyperextension", "bench"
        elif st == PRONE_RAISED and known and is_floor_height(span.above_prone_m, span.above_prone_sd_m, s):
            span.kind, span.exercise, span.variant = "hold", "hyperextension", "floor"
        elif st == PRONE_RAISED or ((active or span.lifted) and known
                                    and not is_floor_height(span.above_prone_m, span.above_prone_sd_m, s)):
            # a plank held low (or sagging from the start) is still a plank: high and swaying,
            # or lifted from lying
            span.kind, span.exercise = "hold", "plank"


def join_broken_holds(grid: Grid, spans: list[Span], settings: DetectionSettings = DetectionSettings()) -> list[Span]:
    """Spans with every two neighbouring holds of one exercise joined (a new list): where only
    a short movement (``hold_join_gap_s``) parts them, with the same stance (or level and
    raised of one family), the pitch within ``split_min_pitch_deg`` and the sacrum within
    ``split_height_m`` of each other.  A hold that sways hard enough to count as moving for a
    moment (or is jolted by a jerk) is one hold, not two; two holds of an exercise without a
    rest in between are no different.  Holds of unknown height are left apart."""
    out: list[Span] = []
    one = int(round(grid.fs))
    for s in spans:
        p = out[-1] if out else None
        if (p is not None and s.kind == "hold" and p.kind == "hold" and p.exercise == s.exercise
                and p.variant == s.variant and (p.stance == s.stance or {p.stance, s.stance} in _PAIRS)
                and s.start_s - p.end_s <= settings.hold_join_gap_s
                and abs(s.height_m - p.height_m) <= settings.split_height_m
                and abs(median(grid.pitch_deg[max(p.a, p.b - 5 * one) : p.b])
                        - median(grid.pitch_deg[s.a : min(s.b, s.a + 5 * one)])) < settings.split_min_pitch_deg):
            p.b, p.end_s = s.b, s.end_s
            p.activity_deg_s = median(grid.activity[p.a : p.b])
            continue
        out.append(s)
    return out


def _bell(s: np.ndarray) -> np.ndarray:
    """Speed profile of a minimum-jerk movement (unit area) over its progress ``s``."""
    s = np.clip(s, 0.0, 1.0)
    return 30.0 * s * s * (1.0 - s) ** 2


def _best(sse: np.ndarray) -> tuple[int, ...] | None:
    k = np.unravel_index(int(np.argmin(sse)), sse.shape)
    return tuple(int(i) for i in k) if np.isfinite(sse[k]) else None


def _bells(tt: np.ndarray, valid: np.ndarray, peak_t: np.ndarray, durations: np.ndarray,
           shifts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The speed profiles ``_bell(s) / d`` (zero on padding) for each problem, duration and
    shift of the middle from the peak, shape (p, d, s, n); and the movements' start times
    (p, d, s).  See :func:`_best_half_bells` for the arguments."""
    d = durations[:, :, None, None]
    start = peak_t[:, None, None, None] + shifts[:, None, :, None] - d / 2
    # f = _bell(s) / d · valid, written in place: 30·(s·(1 − s))² / d
    f = tt[:, None, None, :] - start
    f /= d
    np.clip(f, 0.0, 1.0, out=f)
    f *= 1.0 - f
    f *= f
    f *= (30.0 * valid)[:, None, None, :] / d
    return f, start[..., 0]


def _amplitudes(f: np.ndarray, yy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Σf², Σf·y and the least-squares amplitude Σf·y / Σf² of every profile (einsum: no
    temporaries)."""
    den = np.einsum("pdsn,pdsn->pds", f, f)
    num = np.einsum("pdsn,pn->pds", f, yy)
    return den, num, num / np.where(den > 0, den, 1.0)


def _residuals(f: np.ndarray, yy: np.ndarray, amp: np.ndarray) -> np.ndarray:
    """Σ(y − amp·f)² over the last axis of profiles ``f`` (..., n) against data ``yy`` (..., n)."""
    r = amp[..., None] * f
    np.subtract(yy, r, out=r)
    return np.einsum("...n,...n->...", r, r)


def _best_half_bells(tt: np.ndarray, yy: np.ndarray, valid: np.ndarray, peak_t: np.ndarray,
                     durations: np.ndarray, shifts: np.ndarray, allowed: np.ndarray | None = None,
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Best duration and shift (:func:`_best_each`) of the best-scaled speed profile of each
    problem, over the ``allowed`` durations and shifts ((p, d, s), if given), and the
    movements' start times (p, d, s).

    ``tt``, ``yy`` (p, n) hold each problem's samples padded at the end, where ``valid`` is
    False (the padding adds exact zeros to the sums); ``durations`` (p, d), ``shifts`` (p, s).
    The residual of the best amplitude is Σy² − amp·Σf·y, which needs no residuals; but it
    loses digits to cancellation, which can reorder near-ties.  It only ranks: the residuals
    Σ(y − amp·f)² are summed exactly for every fit within far more than that rounding
    (1e-9·Σy²) of the lowest, and the best of them wins.
    """
    f, start = _bells(tt, valid, peak_t, durations, shifts)
    den, num, amp = _amplitudes(f, yy)
    yy2 = np.einsum("pn,pn->p", yy, yy)
    bad = (amp <= 0) | (den <= 0)
    if allowed is not None:
        bad |= ~allowed
    rank = yy2[:, None, None] - amp * num
    rank[bad] = np.inf
    if not (np.isfinite(yy2).all() and np.isfinite(rank[~bad]).all()):
        sse = _residuals(f, yy[:, None, None, :], amp)  # non-finite data: every residual
    else:
        near = rank <= (np.min(rank, axis=(1, 2)) + 1e-9 * yy2)[:, None, None]
        near &= ~bad
        p, d, s = np.nonzero(near)
        sse = np.full(rank.shape, np.inf)
        sse[p, d, s] = _residuals(f[p, d, s], yy[p], amp[p, d, s])
    sse[bad] = np.inf
    kd, ks, ok = _best_each(sse)
    return kd, ks, ok, start


def _best_each(sse: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_best` of every problem of ``sse`` (p, d, s): the indices and whether it is finite."""
    flat = sse.reshape(sse.shape[0], -1)
    k = np.argmin(flat, axis=1)
    ok = np.isfinite(flat[np.arange(flat.shape[0]), k])
    return k // sse.shape[2], k % sse.shape[2], ok


_COARSE_DURATIONS = np.arange(0.4, 4.81, 0.3)
_COARSE_SHIFTS = np.arange(-0.6, 0.61, 0.15)
_FINE_DURATIONS = np.arange(-0.3, 0.301, 0.05)
_FINE_SHIFTS = np.arange(-0.15, 0.151, 0.03)
_BATCH_ELEMENTS = 1 << 17  # (problems, durations, shifts, samples) temporaries of ~1 MB: in cache


def fit_half_bells(problems: list[tuple[np.ndarray, np.ndarray, int, int, bool]]) -> list[float | None]:
    """:func:`fit_half_bell` of many ``(t, y, peak, far, falling)`` problems at once: one array
    operation for a batch of problems instead of a few dozen small ones for each."""
    out: list[float | None] = [None] * len(problems)
    todo = []
    for i, (t, y, peak, far, falling) in enumerate(problems):
        lo, hi = (peak, far) if falling else (far, peak + 1)
        if hi - lo >= 3:
            todo.append((hi - lo, i, lo, hi))
    todo.sort()  # similar lengths together: little padding
    per = _COARSE_DURATIONS.size * _COARSE_SHIFTS.size
    while todo:
        n_max = todo[0][0]
        m = 0
        while m < len(todo) and (m + 1) * per * max(n_max, todo[m][0]) <= _BATCH_ELEMENTS or m == 0:
            n_max = max(n_max, todo[m][0])
            m += 1
        batch, todo = todo[:m], todo[m:]
        p = len(batch)
        tt, yy = np.zeros((p, n_max)), np.zeros((p, n_max))
        valid = np.zeros((p, n_max), dtype=bool)
        peak_t, falling = np.empty(p), np.empty(p, dtype=bool)
        for r, (n, i, lo, hi) in enumerate(batch):
            t, y, peak, _, fall = problems[i]
            tt[r, :n], yy[r, :n], valid[r, :n] = t[lo:hi], y[lo:hi], True
            tt[r, n:] = t[hi - 1]
            peak_t[r], falling[r] = float(t[peak]), fall
        durations = np.broadcast_to(_COARSE_DURATIONS, (p, _COARSE_DURATIONS.size))
        shifts = np.broadcast_to(_COARSE_SHIFTS, (p, _COARSE_SHIFTS.size))
        kd, ks, ok, _ = _best_half_bells(tt, yy, valid, peak_t, durations, shifts)
        durations = _COARSE_DURATIONS[kd][:, None] + _FINE_DURATIONS[None, :]
        shifts = _COARSE_SHIFTS[ks][:, None] + _FINE_SHIFTS[None, :]
        keep = durations > 0.2
        # the dropped durations only need to be positive; their fits are discarded
        durations = np.where(keep, durations, 1.0)
        allowed = np.broadcast_to(keep[:, :, None], (p, keep.shape[1], shifts.shape[1]))
        kd, ks, ok2, start = _best_half_bells(tt, yy, valid, peak_t, durations, shifts, allowed)
        rows = np.arange(p)
        ts = start[rows, kd, ks]
        end = np.where(falling, ts + durations[rows, kd], ts)
        for r, (_, i, _, _) in enumerate(batch):
            if ok[r] and ok2[r]:
                out[i] = float(end[r])
    return out


def fit_half_bell(t: np.ndarray, y: np.ndarray, peak: int, far: int, falling: bool) -> float | None:
    """Where a minimum-jerk movement ends (``falling``: its speed falls from ``peak`` towards
    ``far``) or starts (rising from ``far`` to ``peak``), from a least-squares fit of the speed
    profile ``y`` (one sign, e.g. the rate about the movement's axis) over that half.

    The fit searches the movement's duration and the offset of its middle from the peak on a
    coarse grid, then on a fine one around the best; the amplitude is solved for.  Returns None
    when no positive fit exists.  :func:`fit_half_bells` fits many at once.
    """
    return fit_half_bells([(t, y, peak, far, falling)])[0]


def fit_step(t: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """Start time and duration of a minimum-jerk step of ``x`` from 0 to 1 (least squares,
    coarse grid then fine)."""

    def sse_of(starts: np.ndarray, durations: np.ndarray) -> np.ndarray:
        r = minjerk((t - starts[None, :, None]) / durations[:, None, None])
        np.subtract(x, r, out=r)
        r *= r
        sse = np.sum(r, axis=2)
        sse[(starts[None, :] + durations[:, None]) > t[-1] + 1e-9] = np.inf
        return sse

    durations = np.arange(0.5, 6.01, 0.5)
    starts = np.arange(t[0], t[-1], 0.25)
    if starts.size == 0:
        return float(t[0]), float(t[-1] - t[0])
    k = _best(sse_of(starts, durations)) or (0, 0)
    durations = np.clip(durations[k[0]] + np.arange(-0.5, 0.501, 0.1), 0.3, None)
    starts = starts[k[1]] + np.arange(-0.25, 0.251, 0.05)
    k = _best(sse_of(starts, durations)) or (0, 0)
    return float(starts[k[1]]), float(durations[k[0]])


def _first_peak(sig: np.ndarray, start: int, step: int, threshold: float, limit: int) -> int | None:
    """Peak of the first excursion of ``|sig|`` above ``threshold`` walking from ``start`` by
    ``step`` (±1) for at most ``limit`` samples."""
    stop = int(min(max(start + step * limit, 0), sig.size - 1))
    # the samples from start to stop in walking order, as a view
    walk = sig[start : stop + 1] if step > 0 else sig[stop : start + 1][::-1]
    hit = np.flatnonzero(np.abs(walk) > threshold)
    if not hit.size:
        return None
    j = start + step * int(hit[0])
    while 0 < j < sig.size - 1 and abs(sig[j + step]) >= abs(sig[j]):
        j += step
    return j


def _edge_problems(grid: Grid, acc_up: np.ndarray, anchor: int, core: slice, side: int,
                   settings: DetectionSettings) -> list[tuple[np.ndarray, np.ndarray, int, int, bool]]:
    """The :func:`fit_half_bell` problems of :func:`_movement_edge`."""
    fs = grid.fs
    limit = int(round(6.0 * fs))
    far = int(min(max(anchor + side * limit, 0), grid.n - 1))
    reach = int(round(4.0 * fs))  # the half profile is fitted up to this far from its peak
    problems = []
    speed = grid.speed_fine
    threshold = max(settings.edge_min_speed_deg_s, 4.0 * median(speed[core]))
    j = _first_peak(speed, anchor, side, threshold, limit)
    if j is not None:
        axis = grid.gyro[j] / max(float(np.linalg.norm(grid.gyro[j])), 1e-9)
        near = int(min(max(anchor, j - reach), j + reach))
        lo, hi = min(j, near), max(j, near) + 1
        problems.append((grid.t[lo:hi], grid.gyro[lo:hi] @ axis, j - lo, near - lo, side < 0))
    # vertical velocity from the anchor outwards, gravity as read in the hold itself
    lo, hi = sorted((anchor, far))
    a = acc_up[lo : hi + 1] - mean(acc_up[core])
    v = np.cumsum(a) / fs if side > 0 else -np.cumsum(a[::-1])[::-1] / fs
    at = anchor - lo
    j = _first_peak(v, at, side, settings.edge_min_vertical_m_s, int(round(4.0 * fs)))
    if j is not None:
        near = int(min(max(at, j - reach), j + reach))
        problems.append((grid.t[lo : hi + 1], np.sign(v[j]) * v, j, near, side < 0))
    return problems


def _closest_edge(edges: list[float | None], side: int) -> float | None:
    found = [e for e in edges if e is not None]
    if not found:
        return None
    return max(found) if side < 0 else min(found)


def _movement_edge(grid: Grid, acc_up: np.ndarray, anchor: int, core: slice, side: int,
                   settings: DetectionSettings) -> float | None:
    """Start (``side=1``) or end (``side=-1``) of the movement next to a hold, seen from the
    ``anchor`` inside it: the first turning and the first vertical movement are each fitted
    as a minimum-jerk speed profile; the one closer to the hold wins."""
    return _closest_edge(fit_half_bells(_edge_problems(grid, acc_up, anchor, core, side, settings)), side)


def step_between(grid: Grid, up_s: np.ndarray, p: Span, q: Span) -> tuple[float, float]:
    """Start and end time of a slow transition between two neighbouring spans of one still run:
    a minimum-jerk step fitted to the (smoothed) up-vector ``up_s`` between the two postures."""
    fs = grid.fs
    b = p.b
    lo, hi = max(p.a, b - int(6 * fs)), min(q.b, b + int(6 * fs))
    ref_p = np.mean(up_s[max(p.a, lo - int(3 * fs)) : max(p.a + 1, lo + int(1 * fs))], axis=0)
    ref_q = np.mean(up_s[min(q.b - 1, hi - int(1 * fs)) : min(q.b, hi + int(3 * fs))], axis=0)
    d = ref_q - ref_p
    x = (up_s[lo:hi] - ref_p) @ d / max(float(d @ d), 1e-12)
    start, duration = fit_step(grid.t[lo:hi], x)
    return start, start + duration


def provisional_bounds(grid: Grid, spans: list[Span], up_s: np.ndarray) -> None:
    """Set ``start_s`` and ``end_s`` of every span (in place): across a slow transition inside
    one still run, where the fitted step begins and ends; elsewhere the still run's edges."""
    for s in spans:
        s.start_s, s.end_s = float(grid.t[s.a]), float(grid.t[s.b - 1])
    for p, q in zip(spans[:-1], spans[1:]):
        if p.b == q.a:
            p.end_s, q.start_s = step_between(grid, up_s, p, q)


def refine_bounds(grid: Grid, spans: list[Span], k: int | list[int], acc_up: np.ndarray,
                  settings: DetectionSettings = DetectionSettings()) -> None:
    """Move the ends of ``spans[k]`` (in place; ``k`` may be a list of indices) that face a
    movement to where that movement starts or ends (:func:`_movement_edge`); ends facing a
    neighbouring span of the same still run keep their fitted step (:func:`provisional_bounds`).

    The movement fits of all the ends are done in one batch (:func:`fit_half_bells`)."""
    fs = grid.fs
    ends, problems = [], []
    for k in [k] if isinstance(k, (int, np.integer)) else k:
        span = spans[k]
        inner = max(1, min(int(round(1.0 * fs)), (span.b - span.a) // 4))
        for side in (-1, 1):
            nb = k + side
            adjacent = 0 <= nb < len(spans) and (spans[nb].b == span.a if side < 0 else spans[nb].a == span.b)
            if adjacent:
                continue
            # anchor: the calmest moment near this end, where the body is surely in the posture
            if side < 0:
                near = (span.a + inner // 2, span.a + 2 * inner + 1)
            else:
                near = (span.b - 1 - 2 * inner, span.b - inner // 2)
            anchor = _quietest(grid, max(span.a, near[0]), min(span.b, near[1]))
            core = slice(anchor, min(span.b, anchor + int(4 * fs))) if side < 0 else \
                slice(max(span.a, anchor - int(4 * fs)), anchor + 1)
            mine = _edge_problems(grid, acc_up, anchor, core, side, settings)
            ends.append((span, side, len(problems), len(problems) + len(mine)))
            problems.extend(mine)
    fits = fit_half_bells(problems)
    gaps = grid.invalid
    for span, side, i, j in ends:
        edge = _closest_edge(fits[i:j], side)
        if edge is not None:
            # never into a data gap: the movement fitted there was interpolated, not measured
            if side < 0:
                i = int(np.searchsorted(gaps, span.a))
                span.start_s = max(edge, float(grid.t[gaps[i - 1] + 1])) if i > 0 else edge
            else:
                i = int(np.searchsorted(gaps, span.b))
                span.end_s = min(edge, float(grid.t[gaps[i] - 1])) if i < gaps.size else edge
