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
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import AutoLocator, FuncFormatter, MaxNLocator, NullLocator
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
# Holds and rep sets: pages built once and shown again for every hold or set
# --------------------------------------------------------------------------------------------
#
# Most of a page's time goes into making axes, ticks and artists, and a session can have
# dozens of holds, so a report builds each kind of page once and its ``show`` replaces only
# data, texts, colours and limits.  Artists whose number or presence varies (form breaks,
# bars, rep numbers, target and mean lines, legends of those) are made afresh by each
# ``show`` and removed by the next.  Limits are set, not autoscaled, so nothing of an earlier
# hold or set is left in them.


def _span(*parts: Any, margin: float = 0.05) -> tuple[float, float]:
    """The range of the finite values in ``parts`` (arrays or numbers) with ``margin`` of it
    added on each side, as autoscaling would give; (-1, 1) when there are none."""
    values = np.concatenate([np.ravel(np.asarray(p, float)) for p in parts])
    values = values[np.isfinite(values)]
    if not values.size:
        return -1.0, 1.0
    lo, hi = float(values.min()), float(values.max())
    if hi - lo < 1e-9:
        lo, hi = lo - 1.0, hi + 1.0
    pad = margin * (hi - lo)
    return lo - pad, hi + pad


class _Transient:
    """The artists of a panel that one ``show`` makes and the next removes."""

    def __init__(self) -> None:
        self.artists: list[Any] = []

    def clear(self) -> None:
        for artist in self.artists:
            artist.remove()
        self.artists = []

    def add(self, *artists: Any) -> None:
        self.artists.extend(artists)


def _note(ax: Axes, text: str = "", size: float = 8.0) -> Any:
    """A line of text above a panel (cheaper to lay out than an axes title)."""
    return ax.text(0.0, 1.02, text, transform=ax.transAxes, ha="left", va="bottom", fontsize=size)


def _mark_breaks(ax: Axes, breaks: list[dict[str, Any]], t0: float, value: str) -> list[Any]:
    artists = []
    for k, brk in enumerate(breaks):
        x = brk["start_s"] - t0
        line = ax.axvline(x, color="black", linewidth=1.2, linestyle="--")
        line.set_gid("form_break")
        label = ax.annotate(f"{brk['direction']} {brk[value]:+.1f}°", xy=(x, 1.0), xycoords=("data", "axes fraction"),
                            xytext=(3, -3 - 11 * (k % 2)), textcoords="offset points", ha="left", va="top",
                            fontsize=8, bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                                              "alpha": 0.8})
        artists += [line, label]
    return artists


class _DriftPanel:
    """An angle of the hold around its reference, the form tolerance shaded around it, and the
    form breaks on that axis marked: pitch against the baseline, or the sideways drift."""

    def __init__(self, ax: Axes, ylabel: str | None, legend: bool) -> None:
        self.ax = ax
        self.band = ax.add_patch(Rectangle((0.0, 0.0), 1.0, 0.0, transform=ax.get_yaxis_transform(), alpha=0.10,
                                           linewidth=0))
        (self.line,) = ax.plot([], [], linewidth=1.0)
        self.reference = ax.axhline(0.0, color="black", linewidth=0.9, linestyle="-.")
        self.legend = (ax.legend([self.band, self.line, self.reference], ["tolerance", "pitch", "baseline"],
                                 loc="lower left", fontsize=7, ncol=3, frameon=False) if legend else None)
        self.breaks = _Transient()
        if ylabel:
            ax.set_ylabel(ylabel)

    def show(self, seg: dict[str, Any], t_s: np.ndarray, angle_deg: np.ndarray, reference_deg: float,
             threshold_deg: float, breaks: list[dict[str, Any]]) -> tuple[float, float]:
        """Draw; returns the limits autoscaling would give, for the caller to widen."""
        c = colour(seg["exercise"])
        self.band.set_y(reference_deg - threshold_deg)
        self.band.set_height(2.0 * threshold_deg)
        self.band.set_facecolor(c)
        self.line.set_data(t_s, angle_deg)
        self.line.set_color(c)
        self.reference.set_ydata([reference_deg, reference_deg])
        if self.legend is not None:
            band, line, _ = self.legend.legend_handles
            band.set_facecolor(c)
            line.set_color(c)
            texts = self.legend.get_texts()
            texts[0].set_text(f"baseline ± {threshold_deg:g}° (form tolerance)")
            texts[2].set_text(f"baseline {reference_deg:.1f}°")
        self.breaks.clear()
        self.breaks.add(*_mark_breaks(self.ax, breaks, seg["start_s"], "deviation_deg"))
        self.ax.set_xlim(0.0, seg["duration_s"])
        return _span(angle_deg, reference_deg - threshold_deg, reference_deg + threshold_deg)


def _pitch_breaks(seg: dict[str, Any]) -> list[dict[str, Any]]:
    return [b for b in seg.get("form_breaks", []) if b.get("axis", "pitch") == "pitch"]


def _show_pitch(panel: _DriftPanel, seg: dict[str, Any], course: Any, threshold_deg: float) -> None:
    lo, hi = panel.show(seg, course.t_s, course.pitch_deg, course.baseline_pitch_deg, threshold_deg,
                        _pitch_breaks(seg))
    panel.ax.set_ylim(lo - 0.25 * (hi - lo), hi + 0.15 * (hi - lo))  # room for the legend and break labels


class _WobblePanels:
    """Sway (bars) and tremor (line) per window of the hold, with their scores and fatigue."""

    def __init__(self, ax_sway: Axes, ax_tremor: Axes) -> None:
        self.ax_sway, self.ax_tremor = ax_sway, ax_tremor
        self.bars = _Transient()
        self.sway_note = _note(ax_sway)
        ax_sway.set_ylabel("sway (° RMS)")
        (self.tremor,) = ax_tremor.plot([], [], marker="o", linewidth=1.0, markersize=4)
        self.tremor_note = _note(ax_tremor)
        self.no_tremor = ax_tremor.text(0.5, 0.5, "tremor not measured (sample rate too low or hold too short)",
                                        transform=ax_tremor.transAxes, ha="center", va="center", fontsize=8,
                                        color=GREY)
        ax_tremor.set_ylabel("tremor (°/s)")

    def show(self, seg: dict[str, Any]) -> None:
        w = seg.get("wobble", {})
        c = colour(seg["exercise"])
        window = float(w.get("window_s") or 5.0)
        sway = np.asarray(w.get("sway_course_deg") or [], float)
        self.bars.clear()
        if sway.size:
            bars = self.ax_sway.bar(window_times(sway.size, window, seg["duration_s"]), sway, width=0.85 * window,
                                    color=c, alpha=0.75)
            for bar in bars:
                bar.set_gid("sway_bar")
            self.bars.add(bars)
        self.ax_sway.set_ylim(0.0, _span(sway, 0.0)[1])
        fatigue = w.get("fatigue")
        text = f"sway {w.get('score', float('nan')):.2f}° RMS"
        if fatigue is not None and np.isfinite(fatigue):
            text += f", ×{fatigue:.2f} by the last third"
        self.sway_note.set_text(text)
        tremor = w.get("tremor_course_deg_s")
        measured = bool(tremor)
        self.no_tremor.set_visible(not measured)
        self.tremor_note.set_visible(measured)
        self.ax_tremor.yaxis.set_major_locator(AutoLocator() if measured else NullLocator())
        if measured:
            self.tremor.set_data(window_times(len(tremor), window, seg["duration_s"]), tremor)
            self.tremor.set_color(c)
            self.ax_tremor.set_ylim(0, max(tremor) * 1.25)
            tf = w.get("tremor_fatigue")
            self.tremor_note.set_text(f"tremor {w['tremor']:.2f}°/s RMS"
                                      + (f", ×{tf:.2f} by the last third" if tf else ""))
        else:
            self.tremor.set_data([], [])
            self.ax_tremor.set_ylim(0.0, 1.0)


class _BreathingPanel:
    """The pitch in the breathing band, and the breathing rate."""

    def __init__(self, ax: Axes) -> None:
        self.ax = ax
        (self.line,) = ax.plot([], [], linewidth=1.0)
        self.note = _note(ax)
        ax.set_ylabel("breathing (°)")

    def show(self, seg: dict[str, Any], course: Any) -> None:
        bpm = seg.get("breathing_bpm")
        wave = course.breathing_deg
        self.line.set_data(course.t_s if wave is not None else [], wave if wave is not None else [])
        self.line.set_color(GREY if bpm is None else colour(seg["exercise"]))
        self.ax.set_ylim(*_span(wave if wave is not None else []))
        if bpm is None:
            msg = ("breathing rhythm not clear enough to count" if seg["duration_s"] >= 15
                   else "too short to count breaths")
        else:
            msg = f"{bpm:.0f} breaths/min, about {seg['breaths']:.0f} breaths"
        self.note.set_text(msg)


class _TargetPanel:
    """The hold's duration as a bar against the routine's target (a line)."""

    def __init__(self, ax: Axes) -> None:
        self.ax = ax
        self.bar = ax.barh([0], [1.0], height=0.55)[0]
        self.bar.set_gid("duration_bar")
        self.target = _Transient()
        self.note = _note(ax, size=9)
        ax.set_yticks([])
        ax.set_ylim(-0.35, 0.35)
        ax.set_xlabel("hold duration (s)", fontsize=8)

    def show(self, duration_s: float, target_s: float | None, c: str) -> None:
        self.bar.set_width(duration_s)
        self.bar.set_color(c)
        self.target.clear()
        if target_s:
            line = self.ax.axvline(target_s, color="black", linewidth=1.5)
            line.set_gid("target")
            self.target.add(line)
            verdict = "target reached" if duration_s >= target_s else f"{target_s - duration_s:.0f} s short"
            self.note.set_text(f"held {duration_s:.1f} s of {target_s:g} s planned: {verdict}")
        else:
            self.note.set_text(f"held {duration_s:.1f} s (no target in the routine)")
        self.ax.set_xlim(0, max(duration_s, target_s or 0.0) * 1.12)


def _planned(routine: Routine | None, exercise: str, kind: str) -> Any:
    if routine is None:
        return None
    for p in routine.exercises:
        if p.exercise == exercise and p.kind == kind:
            return p
    return None


def _fixed_labels(fig: Figure, left_in: float = 0.5, below_in: float = 0.27) -> None:
    """Put every axis label of a page a fixed distance from its axes (y labels ``left_in``
    inches left, all in one column; x labels ``below_in`` inches below): laying labels out
    against the tick labels is a large share of a page's drawing time, and aligned labels
    read better."""
    width_in, height_in = fig.get_size_inches()
    for ax in fig.axes:
        box = ax.get_position()
        ax.yaxis.set_label_coords(-left_in / (box.width * width_in), 0.5)
        ax.xaxis.set_label_coords(0.5, -below_in / (box.height * height_in))


class HoldPage:
    """A hold's report page: its duration against the routine's target, pitch against the
    hold's baseline with form breaks marked, the sideways drift, sway and tremor over time,
    and breathing.  Build it once and :meth:`show` each hold; :func:`plot_hold` does both."""

    WIDTH_IN, HEIGHT_IN = 9.0, 10.5

    def __init__(self) -> None:
        fig, grid = _page(self.WIDTH_IN, self.HEIGHT_IN, 6, [0.3, 1.5, 0.9, 0.8, 0.8, 0.8], 0.42)
        self.figure = fig
        ax_target = fig.add_subplot(grid[0])
        panels = [fig.add_subplot(grid[1])]
        panels += [fig.add_subplot(grid[k], sharex=panels[0]) for k in range(2, 6)]
        self.target = _TargetPanel(ax_target)
        self.pitch = _DriftPanel(panels[0], "pitch (°)", legend=True)
        self.lateral = _DriftPanel(panels[1], None, legend=False)
        self.wobble = _WobblePanels(panels[2], panels[3])
        self.breathing = _BreathingPanel(panels[4])
        for p in panels[:-1]:
            p.tick_params(labelbottom=False)
        for p in panels:
            p.grid(True, color="#e4e4e4", linewidth=0.6)
        panels[-1].set_xlabel("time in the hold (s)")
        _fixed_labels(fig)
        self.title = fig.suptitle("", fontsize=11, fontweight="bold")

    def show(self, analysis: Analysis, i: int, routine: Routine | None = None) -> Figure:
        """Show the ``i``-th hold (from 0; negative counts from the end); returns the figure.
        ``routine`` gives the target duration (the bundled default routine if None)."""
        from .routine import default_routine

        seg = _nth(analysis, "hold", i)
        course = hold_course(analysis, seg)
        threshold = analysis.detection_settings.form_threshold_deg
        c = colour(seg["exercise"])
        plan = _planned(routine or default_routine(), seg["exercise"], "hold")
        self.target.show(seg["duration_s"], plan.hold_s if plan else None, c)
        _show_pitch(self.pitch, seg, course, threshold)
        lo, hi = self.lateral.show(seg, course.t_s, course.lateral_drift_deg, 0.0, threshold,
                                   [b for b in seg.get("form_breaks", []) if b.get("axis") == "roll"])
        self.lateral.ax.set_ylim(min(lo, -2 * threshold), max(hi, 2 * threshold))
        side = "rotation" if (seg["exercise"] or "").startswith("side_plank") else "sideways tilt"
        self.lateral.ax.set_ylabel(f"{side} (°)")
        self.wobble.show(seg)
        self.breathing.show(seg, course)
        number = _segments_in(analysis, "hold").index(seg) + 1
        self.title.set_text(f"Hold H{number}: {name(seg['exercise'])}, {_clock(seg['start_s'])}–"
                            f"{_clock(seg['end_s'])} in the session")
        self.title.set_color(c)
        return self.figure


def plot_hold(analysis: Analysis, i: int, ax: Axes | None = None, routine: Routine | None = None) -> Figure:
    """The ``i``-th hold (from 0): pitch against the hold's own baseline with form breaks
    marked; with ``ax=None`` a whole page (:class:`HoldPage`) that adds the duration against
    the routine's target, the sideways drift, sway and tremor over time, and breathing.

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
    if ax is None:
        return HoldPage().show(analysis, i, routine)
    seg = _nth(analysis, "hold", i)
    _show_pitch(_DriftPanel(ax, "pitch (°)", legend=True), seg, hold_course(analysis, seg),
                analysis.detection_settings.form_threshold_deg)
    return ax.figure


class _RepTracePanel:
    """The lift over the set, every rep numbered at its peak."""

    def __init__(self, ax: Axes) -> None:
        self.ax = ax
        (self.line,) = ax.plot([], [], linewidth=1.1)
        ax.axhline(0.0, color=GREY, linewidth=0.8, linestyle=":")
        self.numbers = _Transient()
        ax.set_xlabel("time in the set (s)")

    def show(self, analysis: Analysis, seg: dict[str, Any]) -> None:
        ylabel, sign = LIFT.get(seg["exercise"], ("lift (°)", 1.0))
        a, b = seg["start_s"] - 2.0, seg["end_s"] + 2.0
        angles = analysis.angles
        part = angles[(angles.index >= a) & (angles.index <= b)]
        t = part.index.to_numpy() - seg["start_s"]
        lift = sign * (part["pitch_deg"].to_numpy() - seg["bottom_pitch_deg"])
        self.line.set_data(t, lift)
        self.line.set_color(colour(seg["exercise"]))
        times = np.asarray(seg["rep_times_s"], float) - seg["start_s"]
        half = 0.5 * np.asarray(seg["rep_top_hold_s"], float) + 0.5
        peaks = [float(np.max(lift[(t >= x - h) & (t <= x + h)], initial=-np.inf)) for x, h in zip(times, half)]
        self.numbers.clear()
        for k, (x, y) in enumerate(zip(times, peaks)):
            txt = self.ax.annotate(str(k + 1), xy=(x, y if np.isfinite(y) else 0.0), xytext=(0, 4),
                                   textcoords="offset points", ha="center", va="bottom", fontsize=8,
                                   fontweight="bold")
            txt.set_gid("rep_label")
            self.numbers.add(txt)
        lo, hi = _span(lift, 0.0)
        self.ax.set_ylim(lo, hi + 0.15 * (hi - lo))
        self.ax.set_xlim(t[0] if t.size else 0, t[-1] if t.size else 1)
        self.ax.set_ylabel(ylabel)


class _PerRepPanel:
    """One bar per rep, with the set's mean and the routine's target as lines."""

    def __init__(self, ax: Axes, ylabel: str, gid: str) -> None:
        self.ax, self.gid = ax, gid
        self.made = _Transient()
        ax.set_ylabel(ylabel)
        ax.set_xlabel("rep")

    def show(self, values: list[float], c: str, target: float | None) -> None:
        ax = self.ax
        self.made.clear()
        x = np.arange(1, len(values) + 1)
        bars = ax.bar(x, values, color=c, alpha=0.8, width=0.7)
        for bar in bars:
            bar.set_gid(self.gid)
        self.made.add(bars)
        if len(values):
            self.made.add(ax.axhline(float(np.mean(values)), color=GREY, linewidth=1.0, linestyle="-.",
                                     label=f"mean {np.mean(values):.1f}"))
        if target:
            line = ax.axhline(target, color="black", linewidth=1.2, label=f"target {target:g}")
            line.set_gid("target")
            self.made.add(line)
        if len(self.made.artists) > 1:
            self.made.add(ax.legend(loc="upper right", fontsize=7, frameon=False, ncol=2))
        ax.set_xticks(x)
        ax.tick_params(axis="x", labelsize=7 if len(values) > 20 else 8)
        ax.set_xlim(0.3, len(values) + 0.7)
        ax.set_ylim(0, max(max(values, default=0.0), target or 0.0) * 1.35 or 1.0)


class RepsPage:
    """A rep set's report page: the lift over time with every rep numbered, each rep's range of
    motion, and its time held at the top against the routine's target.  Build it once and
    :meth:`show` each set; :func:`plot_reps` does both."""

    WIDTH_IN, HEIGHT_IN = 9.0, 8.0

    def __init__(self) -> None:
        fig, grid = _page(self.WIDTH_IN, self.HEIGHT_IN, 3, [1.5, 1.0, 1.0], 0.42)
        self.figure = fig
        axes = [fig.add_subplot(grid[k]) for k in range(3)]
        self.trace = _RepTracePanel(axes[0])
        self.rom = _PerRepPanel(axes[1], "range of motion (°)", "rom_bar")
        self.top = _PerRepPanel(axes[2], "held at the top (s)", "top_bar")
        for p in axes:
            p.grid(True, axis="y", color="#e4e4e4", linewidth=0.6)
        _fixed_labels(fig)
        self.title = fig.suptitle("", fontsize=11, fontweight="bold")

    def show(self, analysis: Analysis, i: int, routine: Routine | None = None) -> Figure:
        """Show the ``i``-th rep set (from 0; negative counts from the end); returns the figure.
        ``routine`` gives the target reps and top hold (the bundled default routine if None)."""
        from .routine import default_routine

        seg = _nth(analysis, "reps", i)
        plan = _planned(routine or default_routine(), seg["exercise"], "reps")
        c = colour(seg["exercise"])
        self.trace.show(analysis, seg)
        self.rom.show(seg["rep_rom_deg"], c, None)
        self.top.show(seg["rep_top_hold_s"], c, plan.hold_s if plan else None)
        number = _segments_in(analysis, "reps").index(seg) + 1
        planned = f" of {plan.reps} planned" if plan else ""
        self.title.set_text(f"Rep set S{number}: {name(seg['exercise'])}, {seg['reps']} reps{planned}, "
                            f"{_clock(seg['start_s'])}–{_clock(seg['end_s'])} in the session")
        self.title.set_color(c)
        return self.figure


def plot_reps(analysis: Analysis, i: int, ax: Axes | None = None, routine: Routine | None = None) -> Figure:
    """The ``i``-th rep set (from 0): the lift over time with every rep numbered; with
    ``ax=None`` a whole page (:class:`RepsPage`) that adds each rep's range of motion and time
    held at the top against the routine's target.

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
    if ax is None:
        return RepsPage().show(analysis, i, routine)
    _RepTracePanel(ax).show(analysis, _nth(analysis, "reps", i))
    return ax.figure


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
