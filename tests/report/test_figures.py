"""Every figure drawn on simulated sessions, and its content checked against the analysis."""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from sensorback.report import compare_routine, default_routine, plots


def _gid(fig, gid, kind=None):
    return [a for a in fig.findobj(lambda a: a.get_gid() == gid) if kind is None or isinstance(a, kind)]


def _overlaps(fig):
    """Pairs of visible texts (labels, notes, titles; not tick labels) whose boxes overlap."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    ticks = {id(t) for ax in fig.axes for t in ax.get_xticklabels() + ax.get_yticklabels()}
    texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip() and id(t) not in ticks
             and t.get_window_extent(renderer).width > 0]
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
    return [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes, 2) if ba.overlaps(bb)]


def test_timeline_shades_every_segment_and_marks_gaps(mixed):
    fig = mixed.plot_timeline()
    pitch_ax = fig.axes[0]
    holds = [s for s in mixed.segments if s["kind"] == "hold"]
    sets = [s for s in mixed.segments if s["kind"] == "reps"]
    assert len([p for p in pitch_ax.patches if p.get_gid() == "hold"]) == len(holds) == 3
    assert len([p for p in pitch_ax.patches if p.get_gid() == "reps"]) == len(sets) == 1
    labels = [t.get_text().split()[0] for t in _gid(fig, "segment_label")]
    assert labels == ["H1", "H2", "S1", "H3"]
    gaps = mixed.annotations.select("bad")
    gap_lines = [c for c in pitch_ax.collections if c.get_gid() == "gaps"]
    assert len(gap_lines[0].get_segments()) == len(gaps) >= 1
    # shaded spans sit where the segments are
    spans = sorted(p.get_x() for p in pitch_ax.patches if p.get_gid() in ("hold", "reps"))
    assert np.allclose(spans, sorted(s["start_s"] for s in holds + sets))
    assert not _overlaps(fig)


def test_timeline_window_and_own_axes(mixed):
    fig = mixed.plot_timeline(start_s=0, end_s=40)
    assert fig.axes[0].get_xlim() == (0, 40)
    assert [t.get_text().split()[0] for t in _gid(fig, "segment_label")] == ["H1"]  # H2 starts at 54 s
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    assert mixed.plot_timeline(ax=ax) is ax.figure
    assert len(ax.lines) >= 2  # pitch and roll drawn together


def test_hold_page_shows_baseline_breaks_wobble_breathing_and_target(mixed):
    for i, seg in enumerate(s for s in mixed.segments if s["kind"] == "hold"):
        fig = mixed.plot_hold(i)
        breaks = seg["form_breaks"]
        assert len(_gid(fig, "form_break")) == len(breaks)
        assert len(_gid(fig, "sway_bar")) == len(seg["wobble"]["sway_course_deg"])
        bar = _gid(fig, "duration_bar")[0]
        assert bar.get_width() == pytest.approx(seg["duration_s"])
        target = _gid(fig, "target")
        if seg["exercise"] == "plank":
            assert target[0].get_xdata()[0] == 30  # the default routine: plank 3 x 30 s
        assert f"Hold H{i + 1}:" in fig.get_suptitle()
        assert not _overlaps(fig), i
    sagging = next(i for i, s in enumerate(s for s in mixed.segments if s["kind"] == "hold") if s["form_breaks"])
    fig = mixed.plot_hold(sagging)
    texts = [t.get_text() for t in fig.findobj(Text)]
    assert any(t.startswith("sag ") for t in texts)
    assert any(t.startswith("baseline ") for t in texts)


def test_reps_page_numbers_every_rep(reps_only):
    sets = [s for s in reps_only.segments if s["kind"] == "reps"]
    assert len(sets) == 2
    for i, seg in enumerate(sets):
        fig = reps_only.plot_reps(i)
        labels = [t.get_text() for t in _gid(fig, "rep_label")]
        assert labels == [str(k) for k in range(1, seg["reps"] + 1)]
        assert [b.get_height() for b in _gid(fig, "rom_bar")] == pytest.approx(seg["rep_rom_deg"])
        assert [b.get_height() for b in _gid(fig, "top_bar")] == pytest.approx(seg["rep_top_hold_s"])
        assert not _overlaps(fig)
    fig = reps_only.plot_timeline()
    assert not [p for p in fig.axes[0].patches if p.get_gid() == "hold"]
    assert len([p for p in fig.axes[0].patches if p.get_gid() == "reps"]) == 2


@pytest.mark.parametrize("fixture, page", [("mixed", plots.HoldPage), ("reps_only", plots.RepsPage)])
def test_a_page_shown_again_keeps_nothing_of_the_last(fixture, page, request):
    """The report shows every hold (and every rep set) on one page object: each must come out
    exactly as on a page of its own, in whatever order they are shown."""
    from sensorback.report.pdf import png_bytes

    analysis = request.getfixturevalue(fixture)
    kind = "hold" if page is plots.HoldPage else "reps"
    n = sum(s["kind"] == kind for s in analysis.segments)
    assert n >= 2
    shared = page()
    order = list(range(n))[::-1] + list(range(n))
    fresh = {i: png_bytes(page().show(analysis, i)) for i in range(n)}
    for i in order:
        assert png_bytes(shared.show(analysis, i)) == fresh[i], i
    assert len({*fresh.values()}) == n  # and the pages differ


def test_session_without_exercise(no_exercise):
    fig = no_exercise.plot_timeline()
    assert not [p for p in fig.axes[0].patches if p.get_gid() in ("hold", "reps")]
    with pytest.raises(IndexError, match="0 holds"):
        no_exercise.plot_hold(0)
    fig = no_exercise.plot_routine()
    assert [b.get_width() for b in _gid(fig, "completion_bar")] == [0.0] * 5


def test_routine_figure(mixed):
    comparison = compare_routine(default_routine(), mixed.segments)
    fig = plots.plot_routine(comparison)
    widths = [b.get_width() for b in _gid(fig, "completion_bar")]
    planned = comparison[comparison["sets_planned"] > 0]
    assert widths == pytest.approx(list(100 * planned["completion"]))
    assert not _overlaps(fig)


def test_matplotlib_only_when_plotting():
    code = ("import sensorback.report, sensorback.report.history, sensorback.analysis, sys; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
