"""Figures of a session and of progress across sessions (matplotlib, imported only here).

Every ``plot_*`` returns a :class:`matplotlib.figure.Figure` and takes ``ax=None``: without
it the function makes its own figure (a whole report page for holds and rep sets), with it
the function draws its main panel into the axes given and returns that axes' figure.
Figures are made without pyplot, so nothing here picks a GUI backend: they render headless
(Agg) and show in notebooks all the same.

Colours are per exercise (:data:`COLOURS`, the Okabe–Ito palette, safe for colour-blind
readers) and the same in every figure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator
from matplotlib.transforms import blended_transform_factory

from .course import hold_course, thin, window_times
from .tables import exercise_name as name
from .tables import numbered

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from ..analysis import Analysis
    from .routine import Routine

COLOURS = {
    "plank": "#0072B2",
    "side_plank_left": "#E69F00",
    "side_plank_right": "#D55E00",
    "bridge": "#009E73",
    "hyperextension": "#CC79A7",
}
GREY = "#777777"
GAP = "#B00020"
LABEL_PT = 8.0
LIFT = {"bridge": ("hip lift (°)", -1.0), "hyperextension": ("trunk lift (°)", 1.0)}


def colour(exercise: str | None) -> str:
    """The colour of an exercise in every figure."""
    return COLOURS.get(exercise or "", GREY)


def _figure(width_in: float, height_in: float, layout: str | None = "constrained") -> Figure:
    return Figure(figsize=(width_in, height_in), layout=layout)


def _axes(ax: Axes | None, width_in: float, height_in: float) -> Axes:
    return _figure(width_in, height_in).add_subplot() if ax is None else ax


def _page(width_in: float, height_in: float, rows: int, height_ratios: list[float], hspace: float,
          margins_in: tuple[float, float, float, float] = (0.95, 0.3, 0.6, 0.6)) -> tuple[Figure, Any]:
    """A report page with fixed margins (left, right, top, bottom in inches): a page has many
    axes, and laying them out fixed renders it several times faster than a layout engine."""
    fig = _figure(width_in, height_in, layout=None)
    left, right, top, bottom = margins_in
    grid = fig.add_gridspec(rows, 1, height_ratios=height_ratios, hspace=hspace, left=left / width_in,
                            right=1.0 - right / width_in, top=1.0 - top / height_in, bottom=bottom / height_in)
    return fig, grid


def _note(ax: Axes, text: str, size: float = 8.0) -> None:
    """A line of text above a panel (cheaper to lay out than an axes title)."""
    ax.text(0.0, 1.02, text, transform=ax.transAxes, ha="left", va="bottom", fontsize=size)


def _clock(x: float, _pos: object = None) -> str:
    m, s = divmod(int(round(x)), 60)
    return f"{m}:{s:02d}"


def _segments_in(analysis: Analysis, kind: str) -> list[dict[str, Any]]:
    return [s for s in analysis.segments if s["kind"] == kind]


def _nth(analysis: Analysis, kind: str, i: int) -> dict[str, Any]:
    segs = _segments_in(analysis, kind)
    if not -len(segs) <= i < len(segs):
        what = "holds" if kind == "hold" else "rep sets"
        raise IndexError(f"{kind} {i} out of range: this session has {len(segs)} {what}")
    return segs[i]


# --------------------------------------------------------------------------------------------
# Session timeline
# --------------------------------------------------------------------------------------------


def _label_rows(spans: list[tuple[float, float, str]], width_s_per_pt: float, max_rows: int) -> list[int | None]:
    """Row (0 = nearest the axes) for each label centred on its span so that no two labels of
    a row overlap; None when none of ``max_rows`` rows has room."""
    ends = [-np.inf] * max_rows
    rows: list[int | None] = []
    for a, b, text in spans:
        half = 0.5 * (0.62 * LABEL_PT * len(text) + 4.0) * width_s_per_pt
        c = 0.5 * (a + b)
        row = next((r for r in range(max_rows) if c - half > ends[r]), None)
        if row is not None:
            ends[row] = c + half
        rows.append(row)
    return rows


def _fit_label(label: str, s: dict[str, Any], a: float, b: float, s_per_pt: float) -> str:
    """``H2 plank`` when that fits over the segment, else ``H2``."""
    long = f"{label} {name(s['exercise'])}"
    return long if (0.62 * LABEL_PT * len(long) + 4.0) * s_per_pt < b - a else label


def _shade(ax: Axes, s: dict[str, Any]) -> None:
    hatch = "////" if s["kind"] == "reps" else None
    c = colour(s["exercise"])
    patch = ax.axvspan(s["start_s"], s["end_s"], facecolor=c, alpha=0.28 if hatch is None else 0.18,
                       edgecolor=c if hatch else "none", hatch=hatch, linewidth=0)
    patch.set_gid(s["kind"])


def plot_timeline(
    analysis: Analysis, ax: Axes | tuple[Axes, Axes] | None = None, start_s: float | None = None,
    end_s: float | None = None,
) -> Figure:
    """The session's pitch and roll over time, holds and rep sets shaded in their exercise's
    colour and labelled (``H1`` … holds, ``S1`` … rep sets, as in the hold and set pages),
    data gaps marked.

    Parameters
    ----------
    analysis : Analysis
    ax : Axes or pair of Axes, optional
        One axes (pitch and roll drawn together) or two (pitch, roll); a new figure if None.
    start_s, end_s : float, optional
        Show only this part of the session (s from its first sample).
    """
    t = analysis.angles.index.to_numpy()
    a = float(t[0] if start_s is None else start_s)
    b = float(t[-1] if end_s is None else end_s)
    if ax is None:
        fig, grid = _page(11.0, 5.6, 2, [1.0, 1.0], 0.12, (0.85, 0.25, 0.8, 0.9))
        axes = [fig.add_subplot(grid[0])]
        axes.append(fig.add_subplot(grid[1], sharex=axes[0]))
        axes[0].tick_params(labelbottom=False)
    else:
        axes = [ax] if not isinstance(ax, (list, tuple, np.ndarray)) else list(ax)
        fig = axes[0].figure
    inside = (t >= a - 1.0) & (t <= b + 1.0)
    gap_s = 5.0 / analysis.fs_hz + 0.2
    traces = [("pitch_deg", "pitch (°)", "#222222", "-"), ("roll_deg", "roll (°)", "#555555", "-")]
    if len(axes) == 1:
        traces[1] = ("roll_deg", "roll (°)", "#555555", "--")
    for k, (col, label, c, ls) in enumerate(traces):
        target = axes[min(k, len(axes) - 1)]
        tt, xx = thin(t[inside], analysis.angles[col].to_numpy()[inside], gap_s=gap_s)
        target.plot(tt, xx, color=c, linestyle=ls, linewidth=0.8, label=label.split()[0])
        target.set_ylabel(label if len(axes) > 1 else "angle (°)")
    labelled = [(lab, s) for lab, s in numbered(analysis.segments) if s["end_s"] > a and s["start_s"] < b]
    gaps = [g for g in analysis.annotations.select("bad") if g["onset_s"] + g["duration_s"] >= a and g["onset_s"] <= b]
    for axis in axes:
        for _, s in labelled:
            _shade(axis, s)
        if gaps:
            # one artist for all gaps: a lossy link can leave thousands
            where = [g["onset_s"] + 0.5 * g["duration_s"] for g in gaps]
            lines = axis.vlines(where, 0, 1, transform=axis.get_xaxis_transform(), colors=GAP, linewidth=1.0,
                                linestyles=":")
            lines.set_gid("gaps")
        axis.set_xlim(a, b)
        axis.grid(True, axis="y", color="#dddddd", linewidth=0.6)
        axis.xaxis.set_major_formatter(FuncFormatter(_clock))
        axis.xaxis.set_major_locator(MaxNLocator(nbins=12, steps=[1, 2, 3, 5, 6, 10]))
    axes[-1].set_xlabel("time (min:s)")
    top = axes[0]
    axes_width_pt = fig.get_figwidth() * 72.0 * 0.86
    s_per_pt = (b - a) / axes_width_pt
    labelled = [(_fit_label(lab, s, max(s["start_s"], a), min(s["end_s"], b), s_per_pt), s) for lab, s in labelled]
    rows = _label_rows([(max(s["start_s"], a), min(s["end_s"], b), lab) for lab, s in labelled], s_per_pt, 3)
    trans = blended_transform_factory(top.transData, top.transAxes)
    for (lab, s), row in zip(labelled, rows):
        if row is None:
            continue
        txt = top.annotate(lab, xy=(0.5 * (max(s["start_s"], a) + min(s["end_s"], b)), 1.0), xycoords=trans,
                           xytext=(0, 2 + 11 * row), textcoords="offset points", ha="center", va="bottom",
                           fontsize=LABEL_PT, color=colour(s["exercise"]), fontweight="bold", annotation_clip=False)
        txt.set_gid("segment_label")
    present = list(dict.fromkeys(s["exercise"] for _, s in labelled))
    handles = [Patch(facecolor=colour(e), alpha=0.5, label=name(e)) for e in present]
    if any(s["kind"] == "reps" for _, s in labelled):
        handles.append(Patch(facecolor="white", edgecolor=GREY, hatch="////", label="rep set (hatched)"))
    if gaps:
        handles.append(Patch(facecolor=GAP, label="data gap (dotted)"))
    if handles:
        fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 6), fontsize=8, frameon=False)
    if ax is None:
        source = analysis.recording.info.source
        title = "Session timeline" + (f" — {_short(source)}" if source else "")
        if start_s is not None or end_s is not None:
            title += f" ({_clock(a)}–{_clock(b)})"
        fig.suptitle(title, fontsize=11, y=0.985)
    return fig


def _short(path: str, n: int = 48) -> str:
    from pathlib import Path

    text = Path(path).name
    return text if len(text) <= n else "…" + text[-n + 1 :]


# --------------------------------------------------------------------------------------------
# Holds
# --------------------------------------------------------------------------------------------


def _mark_breaks(ax: Axes, breaks: list[dict[str, Any]], t0: float, value: str) -> None:
    for k, brk in enumerate(breaks):
        x = brk["start_s"] - t0
        line = ax.axvline(x, color="black", linewidth=1.2, linestyle="--")
        line.set_gid("form_break")
        ax.annotate(f"{brk['direction']} {brk[value]:+.1f}°", xy=(x, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(3, -3 - 11 * (k % 2)), textcoords="offset points", ha="left", va="top", fontsize=8,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})


def _hold_angle_panel(ax: Axes, seg: dict[str, Any], course: Any, threshold_deg: float) -> None:
    c = colour(seg["exercise"])
    base = course.baseline_pitch_deg
    ax.axhspan(base - threshold_deg, base + threshold_deg, color=c, alpha=0.10, linewidth=0,
               label=f"baseline ± {threshold_deg:g}° (form tolerance)")
    ax.plot(course.t_s, course.pitch_deg, color=c, linewidth=1.0, label="pitch")
    ax.axhline(base, color="black", linewidth=0.9, linestyle="-.", label=f"baseline {base:.1f}°")
    _mark_breaks(ax, [b for b in seg.get("form_breaks", []) if b.get("axis", "pitch") == "pitch"], seg["start_s"],
                 "deviation_deg")
    ax.set_ylabel("pitch (°)")
    ax.legend(loc="lower left", fontsize=7, ncol=3, frameon=False)
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo - 0.25 * (hi - lo), hi + 0.15 * (hi - lo))  # room for the legend and break labels


def _hold_lateral_panel(ax: Axes, seg: dict[str, Any], course: Any, threshold_deg: float) -> None:
    c = colour(seg["exercise"])
    ax.axhspan(-threshold_deg, threshold_deg, color=c, alpha=0.10, linewidth=0)
    ax.plot(course.t_s, course.lateral_drift_deg, color=c, linewidth=1.0)
    ax.axhline(0.0, color="black", linewidth=0.9, linestyle="-.")
    _mark_breaks(ax, [b for b in seg.get("form_breaks", []) if b.get("axis") == "roll"], seg["start_s"],
                 "deviation_deg")
    side = "rotation" if (seg["exercise"] or "").startswith("side_plank") else "sideways tilt"
    ax.set_ylabel(f"{side} (°)")
    lo, hi = ax.get_ylim()
    ax.set_ylim(min(lo, -2 * threshold_deg), max(hi, 2 * threshold_deg))


def _hold_wobble_panels(ax_sway: Axes, ax_tremor: Axes, seg: dict[str, Any]) -> None:
    w = seg.get("wobble", {})
    c = colour(seg["exercise"])
    window = float(w.get("window_s") or 5.0)
    sway = np.asarray(w.get("sway_course_deg") or [], float)
    if sway.size:
        x = window_times(sway.size, window, seg["duration_s"])
        bars = ax_sway.bar(x, sway, width=0.85 * window, color=c, alpha=0.75)
        for bar in bars:
            bar.set_gid("sway_bar")
    fatigue = w.get("fatigue")
    text = f"sway {w.get('score', float('nan')):.2f}° RMS"
    if fatigue is not None and np.isfinite(fatigue):
        text += f", ×{fatigue:.2f} by the last third"
    _note(ax_sway, text)
    ax_sway.set_ylabel("sway (° RMS)")
    tremor = w.get("tremor_course_deg_s")
    if tremor:
        x = window_times(len(tremor), window, seg["duration_s"])
        ax_tremor.plot(x, tremor, marker="o", color=c, linewidth=1.0, markersize=4)
        ax_tremor.set_ylim(0, max(tremor) * 1.25)
        tf = w.get("tremor_fatigue")
        _note(ax_tremor, f"tremor {w['tremor']:.2f}°/s RMS" + (f", ×{tf:.2f} by the last third" if tf else ""))
    else:
        ax_tremor.text(0.5, 0.5, "tremor not measured (sample rate too low or hold too short)",
                       transform=ax_tremor.transAxes, ha="center", va="center", fontsize=8, color=GREY)
        ax_tremor.set_yticks([])
    ax_tremor.set_ylabel("tremor (°/s)")


def _hold_breathing_panel(ax: Axes, seg: dict[str, Any], course: Any) -> None:
    bpm = seg.get("breathing_bpm")
    if course.breathing_deg is not None:
        ax.plot(course.t_s, course.breathing_deg, color=GREY if bpm is None else colour(seg["exercise"]),
                linewidth=1.0)
    if bpm is None:
        msg = "breathing rhythm not clear enough to count" if seg["duration_s"] >= 15 else "too short to count breaths"
    else:
        msg = f"{bpm:.0f} breaths/min, about {seg['breaths']:.0f} breaths"
    _note(ax, msg)
    ax.set_ylabel("breathing (°)")


def _target_panel(ax: Axes, duration_s: float, target_s: float | None, c: str) -> None:
    bar = ax.barh([0], [duration_s], color=c, height=0.55)
    bar[0].set_gid("duration_bar")
    right = max(duration_s, target_s or 0.0) * 1.12
    if target_s:
        line = ax.axvline(target_s, color="black", linewidth=1.5)
        line.set_gid("target")
        verdict = "target reached" if duration_s >= target_s else f"{target_s - duration_s:.0f} s short"
        _note(ax, f"held {duration_s:.1f} s of {target_s:g} s planned: {verdict}", 9)
    else:
        _note(ax, f"held {duration_s:.1f} s (no target in the routine)", 9)
    ax.set_xlim(0, right)
    ax.set_yticks([])
    ax.set_xlabel("hold duration (s)", fontsize=8)


def _target_hold_s(routine: Routine | None, exercise: str, kind: str) -> Any:
    if routine is None:
        return None
    for p in routine.exercises:
        if p.exercise == exercise and p.kind == kind:
            return p
    return None


def plot_hold(analysis: Analysis, i: int, ax: Axes | None = None, routine: Routine | None = None) -> Figure:
    """The ``i``-th hold (from 0): pitch against the hold's own baseline with form breaks
    marked; with ``ax=None`` a whole page that adds the duration against the routine's target,
    the sideways drift, sway and tremor over time, and breathing.

    Parameters
    ----------
    analysis : Analysis
    i : int
        Which hold (0 is the first; negative counts from the end).
    ax : Axes, optional
        Draw only the pitch-against-baseline panel into it.
    routine : Routine, optional
        Where the target duration comes from (the bundled default routine if None).
    """
    from .routine import default_routine

    seg = _nth(analysis, "hold", i)
    course = hold_course(analysis, seg)
    threshold = analysis.detection_settings.form_threshold_deg
    if ax is not None:
        _hold_angle_panel(ax, seg, course, threshold)
        return ax.figure
    number = _segments_in(analysis, "hold").index(seg) + 1
    plan = _target_hold_s(routine or default_routine(), seg["exercise"], "hold")
    fig, grid = _page(9.0, 10.5, 6, [0.3, 1.5, 0.9, 0.8, 0.8, 0.8], 0.42)
    ax_target = fig.add_subplot(grid[0])
    panels = [fig.add_subplot(grid[1])]
    panels += [fig.add_subplot(grid[k], sharex=panels[0]) for k in range(2, 6)]
    _target_panel(ax_target, seg["duration_s"], plan.hold_s if plan else None, colour(seg["exercise"]))
    _hold_angle_panel(panels[0], seg, course, threshold)
    _hold_lateral_panel(panels[1], seg, course, threshold)
    _hold_wobble_panels(panels[2], panels[3], seg)
    _hold_breathing_panel(panels[4], seg, course)
    for p in panels[:-1]:
        p.tick_params(labelbottom=False)
    for p in panels:
        p.grid(True, color="#e4e4e4", linewidth=0.6)
    panels[0].set_xlim(0, seg["duration_s"])
    panels[-1].set_xlabel("time in the hold (s)")
    fig.suptitle(f"Hold H{number}: {name(seg['exercise'])}, {_clock(seg['start_s'])}–{_clock(seg['end_s'])} "
                 f"in the session", fontsize=11, color=colour(seg["exercise"]), fontweight="bold")
    return fig


# --------------------------------------------------------------------------------------------
# Rep sets
# --------------------------------------------------------------------------------------------


def _reps_trace_panel(ax: Axes, analysis: Analysis, seg: dict[str, Any]) -> None:
    ylabel, sign = LIFT.get(seg["exercise"], ("lift (°)", 1.0))
    a, b = seg["start_s"] - 2.0, seg["end_s"] + 2.0
    angles = analysis.angles
    part = angles[(angles.index >= a) & (angles.index <= b)]
    t = part.index.to_numpy() - seg["start_s"]
    lift = sign * (part["pitch_deg"].to_numpy() - seg["bottom_pitch_deg"])
    c = colour(seg["exercise"])
    ax.plot(t, lift, color=c, linewidth=1.1)
    ax.axhline(0.0, color=GREY, linewidth=0.8, linestyle=":")
    times = np.asarray(seg["rep_times_s"], float) - seg["start_s"]
    half = 0.5 * np.asarray(seg["rep_top_hold_s"], float) + 0.5
    peaks = [float(np.max(lift[(t >= x - h) & (t <= x + h)], initial=-np.inf)) for x, h in zip(times, half)]
    peaks = [p if np.isfinite(p) else 0.0 for p in peaks]
    for k, (x, y) in enumerate(zip(times, peaks)):
        txt = ax.annotate(str(k + 1), xy=(x, y), xytext=(0, 4), textcoords="offset points", ha="center",
                          va="bottom", fontsize=8, fontweight="bold")
        txt.set_gid("rep_label")
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + 0.15 * (hi - lo))
    ax.set_xlim(t[0] if t.size else 0, t[-1] if t.size else 1)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("time in the set (s)")


def _per_rep_bars(ax: Axes, values: list[float], c: str, ylabel: str, target: float | None, gid: str,
                  mean_label: str) -> None:
    x = np.arange(1, len(values) + 1)
    bars = ax.bar(x, values, color=c, alpha=0.8, width=0.7)
    for bar in bars:
        bar.set_gid(gid)
    if len(values):
        ax.axhline(float(np.mean(values)), color=GREY, linewidth=1.0, linestyle="-.",
                   label=f"{mean_label} {np.mean(values):.1f}")
    if target:
        line = ax.axhline(target, color="black", linewidth=1.2, label=f"target {target:g}")
        line.set_gid("target")
    ax.legend(loc="upper right", fontsize=7, frameon=False, ncol=2)
    ax.set_xticks(x)
    ax.tick_params(axis="x", labelsize=7 if len(values) > 20 else 8)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("rep")
    if len(values):
        ax.set_xlim(0.3, len(values) + 0.7)
        ax.set_ylim(0, max(max(values), target or 0.0) * 1.35 or 1.0)


def plot_reps(analysis: Analysis, i: int, ax: Axes | None = None, routine: Routine | None = None) -> Figure:
    """The ``i``-th rep set (from 0): the lift over time with every rep numbered; with
    ``ax=None`` a whole page that adds each rep's range of motion and time held at the top
    against the routine's target.

    Parameters
    ----------
    analysis : Analysis
    i : int
        Which rep set (0 is the first; negative counts from the end).
    ax : Axes, optional
        Draw only the numbered trace into it.
    routine : Routine, optional
        Where the target reps and top hold come from (the bundled default routine if None).
    """
    from .routine import default_routine

    seg = _nth(analysis, "reps", i)
    if ax is not None:
        _reps_trace_panel(ax, analysis, seg)
        return ax.figure
    number = _segments_in(analysis, "reps").index(seg) + 1
    plan = _target_hold_s(routine or default_routine(), seg["exercise"], "reps")
    c = colour(seg["exercise"])
    fig, grid = _page(9.0, 8.0, 3, [1.5, 1.0, 1.0], 0.42)
    axes = [fig.add_subplot(grid[k]) for k in range(3)]
    _reps_trace_panel(axes[0], analysis, seg)
    _per_rep_bars(axes[1], seg["rep_rom_deg"], c, "range of motion (°)", None, "rom_bar", "mean")
    _per_rep_bars(axes[2], seg["rep_top_hold_s"], c, "held at the top (s)", plan.hold_s if plan else None, "top_bar",
                  "mean")
    for p in axes:
        p.grid(True, axis="y", color="#e4e4e4", linewidth=0.6)
    planned = f" of {plan.reps} planned" if plan else ""
    fig.suptitle(f"Rep set S{number}: {name(seg['exercise'])}, {seg['reps']} reps{planned}, "
                 f"{_clock(seg['start_s'])}–{_clock(seg['end_s'])} in the session", fontsize=11, color=c,
                 fontweight="bold")
    return fig


# --------------------------------------------------------------------------------------------
# Routine and summary
# --------------------------------------------------------------------------------------------


def plot_routine(comparison: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Achieved against planned (from :func:`~sensorback.report.routine.compare_routine`): one
    bar per planned exercise, the share of the plan done (each set capped at its target)."""
    planned = comparison[comparison["sets_planned"] > 0].reset_index(drop=True)
    ax = _axes(ax, 9.0, 0.9 + 0.62 * max(1, len(planned)))
    y = np.arange(len(planned))[::-1]
    pct = 100.0 * planned["completion"].to_numpy(float)
    bars = ax.barh(y, pct, color=[colour(e) for e in planned["exercise"]], height=0.6)
    for bar in bars:
        bar.set_gid("completion_bar")
    for yy, p, row in zip(y, pct, planned.itertuples()):
        ax.text(103.0, yy, f"{p:.0f}%, {row.sets_on_target} of {row.sets_planned} sets on target",
                va="center", fontsize=8)
    ax.set_yticks(y, [f"{name(r.exercise)}: {r.planned}\ndone: {_ellipsis(r.done, 60)}" for r in planned.itertuples()],
                  fontsize=8)
    ax.axvline(100.0, color="black", linewidth=1.0)
    ax.set_xlim(0, 150)
    ax.set_xticks([0, 25, 50, 75, 100])
    ax.set_xlabel("share of the plan done (%)")
    ax.set_title("Achieved against the routine", fontsize=11, loc="left")
    return ax.figure


def _ellipsis(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def plot_table(frame: pd.DataFrame, title: str, ax: Axes | None = None) -> Figure:
    """A table as a figure (for the PDF); long cells are cut with an ellipsis."""
    ax = _axes(ax, 11.0, 0.7 + 0.28 * (len(frame) + 1))
    ax.axis("off")
    ax.set_title(title, fontsize=11, loc="left")
    if frame.empty:
        ax.text(0.0, 0.5, "nothing to show", fontsize=9, transform=ax.transAxes)
        return ax.figure
    cells = [[_ellipsis(str(v), 38) for v in row] for row in frame.itertuples(index=False)]
    table = ax.table(cellText=cells, colLabels=list(frame.columns), loc="upper left", cellLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    table.auto_set_column_width(list(range(frame.shape[1])))
    return ax.figure


# --------------------------------------------------------------------------------------------
# History
# --------------------------------------------------------------------------------------------


def plot_history(sessions: pd.DataFrame, exercise: str, metric: str, label: str, ax: Axes | None = None,
                 verdict: str | None = None) -> Figure:
    """One metric of one exercise across sessions: every session as a dot, each week's mean
    as a line with its spread (± 1 SD) as a band, and the verdict on the change when given.

    ``sessions`` is :func:`~sensorback.report.history.session_table`'s frame.
    """
    standalone = ax is None
    ax = _axes(ax, 9.0, 3.2)
    rows = sessions[(sessions["exercise"] == exercise) & sessions[metric].notna()]
    c = colour(exercise)
    if rows.empty:
        ax.text(0.5, 0.5, f"no {name(exercise)} sessions with {label}", transform=ax.transAxes, ha="center",
                fontsize=9, color=GREY)
        return ax.figure
    dates = pd.to_datetime(rows["date"])
    dots = ax.plot(dates, rows[metric], "o", color=c, alpha=0.6, markersize=5, label="session")
    dots[0].set_gid("session_points")
    weekly = rows.groupby("week")[metric].agg(["mean", "std", "count"]).reset_index()
    centre = pd.to_datetime(weekly["week"]) + pd.Timedelta(days=3)
    sd = weekly["std"].fillna(0.0)
    ax.fill_between(centre, weekly["mean"] - sd, weekly["mean"] + sd, color=c, alpha=0.15, linewidth=0,
                    label="week's spread (± 1 SD)")
    ax.plot(centre, weekly["mean"], "-", color=c, linewidth=2.0, label="week's mean")
    ax.set_ylabel(label)
    if standalone:
        ax.set_title(name(exercise), fontsize=10, loc="left", color=c, fontweight="bold")
    if verdict:
        ax.set_title(verdict, fontsize=9, loc="right")
    ax.legend(loc="upper left", fontsize=7, frameon=False)
    ax.grid(True, color="#e4e4e4", linewidth=0.6)
    _date_axis(ax)
    return ax.figure


def _date_axis(ax: Axes) -> None:
    import matplotlib.dates as mdates

    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=8))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))


def plot_adherence(weeks: pd.DataFrame, target: float | None, ax: Axes | None = None) -> Figure:
    """Sessions per week (bars) against the routine's target (line)."""
    ax = _axes(ax, 9.0, 3.0)
    starts = pd.to_datetime(weeks["week"])
    centres = starts + pd.Timedelta(days=3)
    bars = ax.bar(centres, weeks["sessions"], width=5.0, color="#56B4E9")
    for bar in bars:
        bar.set_gid("week_bar")
    if target:
        ax.axhline(target, color="black", linewidth=1.2, label=f"target {target:g} per week")
        ax.legend(loc="upper left", fontsize=8, frameon=False)
    ax.set_ylabel("sessions")
    ax.set_ylim(0, max(float(weeks["sessions"].max()), target or 0.0) + 1.0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Adherence: sessions per week", fontsize=10, loc="left")
    step = max(1, len(centres) // 10)
    ax.set_xticks(centres[::step], [f"week of\n{d:%d %b}" for d in starts[::step]], fontsize=8)
    return ax.figure
