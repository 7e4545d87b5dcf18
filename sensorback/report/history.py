"""Progress across sessions: every session in a folder analysed (once: results are cached),
per exercise hold time, wobble and reps week by week, adherence, and whether a change is real.

A change is called real only when it exceeds the measurement's noise.  The noise is the
spread of a metric between sessions of the same week (pooled over all weeks, so it holds
day-to-day variation and measurement error alike); the change compared with it is the mean of
the last week minus the mean of the first week, and it is real when larger than the smallest
detectable change ``1.96 · s_within · sqrt(1/n_first + 1/n_last)`` (95 %).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._version import __version__
from ..errors import InputError, SensorbackError

CACHE_DIR = ".sensorback-cache"
SKIP_SUFFIXES = {".json", ".png", ".pdf", ".html", ".toml", ".md", ".txt"}
DATE_IN_NAME = re.compile(r"(20\d\d)[-_.]?([01]\d)[-_.]?([0-3]\d)")

# metric column -> (label, +1 when larger is better)
METRICS = {
    "hold_s": ("mean hold (s)", 1.0),
    "sway_deg": ("sway (° RMS)", -1.0),
    "reps": ("reps per set", 1.0),
}
SESSION_COLUMNS = ["file", "date", "week", "exercise", "kind", "sets", "hold_s", "best_hold_s", "sway_deg", "reps"]


@dataclass
class SessionResult:
    """One session of a folder: its file, date, and analysis result (``Analysis.to_dict``),
    or the reason it could not be analysed."""

    path: Path
    date: date | None
    result: dict[str, Any] | None
    cached: bool = False
    error: str | None = None


def candidate_files(folder: str | Path) -> list[Path]:
    """The files of a folder that may be recordings (not reports, results or hidden files)."""
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{root}: not a folder")
    return sorted(p for p in root.iterdir()
                  if p.is_file() and not p.name.startswith(".") and p.suffix.lower() not in SKIP_SUFFIXES
                  and not p.name.endswith(".angles.csv"))


def date_from_name(name: str) -> date | None:
    """A date written in a file name (``2024-03-05``, ``20240305``, ``2024_03_05``), if any."""
    for m in DATE_IN_NAME.finditer(name):
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            continue
    return None


def session_date(path: Path, start_time: str | None) -> date:
    """When a session took place: the recording's own start time, else a date in its file
    name, else the file's modification time (which copying can change, so it comes last)."""
    if start_time:
        return datetime.fromisoformat(start_time).date()
    return date_from_name(path.name) or datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc).date()


def cache_key(path: Path, options: dict[str, Any]) -> str:
    """Hash of the file's content, the read and analysis options and the package version."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    h.update(json.dumps(options, sort_keys=True, default=str).encode())
    h.update(__version__.encode())
    return h.hexdigest()[:32]


def analyze_file(path: Path, options: dict[str, Any]) -> dict[str, Any]:
    """Read and analyse one file (``options``: ``format`` and reader options, ``mount``)."""
    import warnings

    from ..analysis import analyze
    from ..io import read

    opts = dict(options)
    mount = opts.pop("mount", None)
    fmt = opts.pop("format", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec = read(path, format=fmt, **opts)
        return analyze(rec, mount=mount).to_dict()


def analyze_folder(
    folder: str | Path,
    options: dict[str, Any] | None = None,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[SessionResult]:
    """Analyse every readable session in a folder, reusing cached results.

    Parameters
    ----------
    folder : str or Path
    options : dict, optional
        ``format``, reader options (``acc_unit`` ...) and ``mount``, as for one session.
    cache_dir : str or Path, optional
        Where results are kept as JSON, keyed by :func:`cache_key`
        (default ``folder/.sensorback-cache``).
    use_cache : bool
        Read cached results (they are always written).
    progress : callable, optional
        ``progress(done, total, file name)`` after every file.

    Returns
    -------
    list of SessionResult
        Files no reader recognises are left out; files that fail to analyse are kept with
        their error.
    """
    from ..io import detect_format

    options = dict(options or {})
    files = []
    for p in candidate_files(folder):
        try:
            detect_format(p)
        except SensorbackError:
            continue
        files.append(p)
    cache = Path(cache_dir) if cache_dir else Path(folder) / CACHE_DIR
    cache.mkdir(parents=True, exist_ok=True)
    out = []
    for k, p in enumerate(files):
        key = cache_key(p, options)
        stored = cache / f"{key}.json"
        result, cached, error = None, False, None
        if use_cache and stored.exists():
            result, cached = json.loads(stored.read_text(encoding="utf-8")), True
        else:
            try:
                result = analyze_file(p, options)
            except SensorbackError as exc:
                error = str(exc)
            else:
                stored.write_text(json.dumps(result), encoding="utf-8")
        when = session_date(p, result.get("start_time")) if result else None
        out.append(SessionResult(p, when, result, cached, error))
        if progress:
            progress(k + 1, len(files), p.name + (" (cached)" if cached else ""))
    return out


def week_start(d: date) -> date:
    """The Monday of the week of ``d``."""
    return date.fromordinal(d.toordinal() - d.weekday())


def session_rows(session: SessionResult) -> list[dict[str, Any]]:
    """One row per exercise and kind done in a session: sets, mean and best hold, mean sway,
    mean reps per set."""
    if session.result is None or session.date is None:
        return []
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for s in session.result["segments"]:
        if s["kind"] in ("hold", "reps"):
            groups.setdefault((s["exercise"], s["kind"]), []).append(s)
    rows = []
    for (ex, kind), ss in groups.items():
        holds = [s["duration_s"] for s in ss] if kind == "hold" else []
        sway = [s["wobble"]["score"] for s in ss if kind == "hold" and s.get("wobble", {}).get("score") is not None]
        rows.append({
            "file": session.path.name, "date": session.date, "week": week_start(session.date), "exercise": ex,
            "kind": kind, "sets": len(ss),
            "hold_s": float(np.mean(holds)) if holds else np.nan,
            "best_hold_s": float(np.max(holds)) if holds else np.nan,
            "sway_deg": float(np.mean(sway)) if sway else np.nan,
            "reps": float(np.mean([s["reps"] for s in ss])) if kind == "reps" else np.nan,
        })
    return rows


def session_table(sessions: list[SessionResult]) -> pd.DataFrame:
    """Every session's :func:`session_rows`, by date."""
    rows = [r for s in sessions for r in session_rows(s)]
    frame = pd.DataFrame(rows, columns=SESSION_COLUMNS)
    return frame.sort_values(["date", "exercise", "kind"], kind="stable").reset_index(drop=True)


def weeks_table(sessions: list[SessionResult]) -> pd.DataFrame:
    """Sessions per week, every week from the first to the last (weeks without any included)."""
    days = sorted(s.date for s in sessions if s.result is not None and s.date is not None)
    if not days:
        return pd.DataFrame({"week": [], "sessions": []})
    first, last = week_start(days[0]), week_start(days[-1])
    weeks = [date.fromordinal(o) for o in range(first.toordinal(), last.toordinal() + 1, 7)]
    counts = pd.Series([week_start(d) for d in days]).value_counts()
    return pd.DataFrame({"week": weeks, "sessions": [int(counts.get(w, 0)) for w in weeks]})


@dataclass(frozen=True)
class Change:
    """First week against last week of one metric: the change, the noise it is judged
    against, and the verdict (``improved``, ``no real change``, ``worse``, or ``too few
    sessions`` when the noise cannot be estimated)."""

    exercise: str
    metric: str
    first: float
    last: float
    change: float
    smallest_detectable: float
    verdict: str


def judge_change(values: pd.Series, weeks: pd.Series, better: float) -> tuple[float, float, float, float, str]:
    """``first``, ``last``, ``change``, smallest detectable change and verdict of a metric
    given per session (``values``) with each session's week (``weeks``); ``better`` is +1 when
    larger is better, −1 when smaller is."""
    df = pd.DataFrame({"v": values.to_numpy(float), "w": weeks.to_numpy()}).dropna()
    if df.empty:
        return math.nan, math.nan, math.nan, math.nan, "too few sessions"
    groups = df.groupby("w")["v"]
    first, last = df[df["w"] == df["w"].min()]["v"], df[df["w"] == df["w"].max()]["v"]
    dev = df["v"] - groups.transform("mean")
    dof = len(df) - groups.ngroups
    change = float(last.mean() - first.mean())
    if df["w"].nunique() < 2 or dof < 2:
        return float(first.mean()), float(last.mean()), change, math.nan, "too few sessions"
    s_within = math.sqrt(float((dev * dev).sum()) / dof)
    sdc = 1.96 * s_within * math.sqrt(1.0 / len(first) + 1.0 / len(last))
    if abs(change) <= sdc:
        verdict = "no real change"
    else:
        verdict = "improved" if change * better > 0 else "worse"
    return float(first.mean()), float(last.mean()), change, sdc, verdict


def changes(table: pd.DataFrame) -> list[Change]:
    """Every exercise's first-against-last-week change of every metric it has."""
    out = []
    for (ex, kind), rows in table.groupby(["exercise", "kind"], sort=False):
        for metric, (label, better) in METRICS.items():
            if rows[metric].notna().sum() == 0:
                continue
            first, last, change, sdc, verdict = judge_change(rows[metric], rows["week"], better)
            out.append(Change(ex, label, first, last, change, sdc, verdict))
    return out


def changes_frame(items: list[Change]) -> pd.DataFrame:
    """The changes as a readable table."""
    def f(x: float, fmt: str = ".1f") -> str:
        return "–" if not np.isfinite(x) else format(x, fmt)

    return pd.DataFrame([{"exercise": c.exercise, "metric": c.metric, "first week": f(c.first),
                          "last week": f(c.last), "change": f(c.change, "+.1f"),
                          "noise (smallest real change)": f(c.smallest_detectable), "verdict": c.verdict}
                         for c in items],
                        columns=["exercise", "metric", "first week", "last week", "change",
                                 "noise (smallest real change)", "verdict"])


@dataclass
class HistoryReport:
    """The files written by :func:`write_history`."""

    folder: Path
    html: Path
    csv: Path
    pngs: list[Path]


def write_history(
    sessions: list[SessionResult], folder: str | Path, sessions_per_week: float | None = None, dpi: float = 100.0,
) -> HistoryReport:
    """Write the progress report into ``folder``: one PNG per exercise (hold time, sway, reps
    over weeks), the adherence PNG, ``sessions.csv`` (one row per session and exercise) and a
    self-contained ``history.html`` with the tables and verdicts."""
    from matplotlib.figure import Figure

    from . import plots
    from .html import figure_html, page, table_html
    from .pdf import png_bytes
    from .tables import exercise_name

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    table = session_table(sessions)
    weeks = weeks_table(sessions)
    found = changes(table)
    verdicts = changes_frame(found)
    said = {(c.exercise, c.metric): c for c in found}
    figures: list[tuple[str, str, Figure]] = [("adherence", "Sessions per week", plots.plot_adherence(weeks, sessions_per_week))]
    for (ex, kind), rows in table.groupby(["exercise", "kind"], sort=False):
        metrics = [m for m in METRICS if rows[m].notna().any()]
        fig = Figure(figsize=(9.0, 0.6 + 2.6 * len(metrics)), layout="constrained")
        axes = fig.subplots(len(metrics), 1, sharex=True, squeeze=False)[:, 0]
        for ax, m in zip(axes, metrics):
            c = said.get((ex, METRICS[m][0]))
            text = None if c is None else (f"{c.verdict}: {c.change:+.1f} (real beyond ±{c.smallest_detectable:.1f})"
                                           if np.isfinite(c.smallest_detectable) else c.verdict)
            plots.plot_history(table[table["kind"] == kind], ex, m, METRICS[m][0], ax=ax, verdict=text)
        fig.suptitle(f"{exercise_name(ex)} ({'holds' if kind == 'hold' else 'rep sets'}) week by week", fontsize=11)
        figures.append((f"history_{ex}_{kind}", f"{exercise_name(ex)}, {kind}", fig))
    report = HistoryReport(folder, folder / "history.html", folder / "sessions.csv", [])
    blocks = []
    for stem, caption, fig in figures:
        png = png_bytes(fig, dpi)
        path = folder / f"{stem}.png"
        path.write_bytes(png)
        report.pngs.append(path)
        blocks.append(figure_html(png, caption, caption))
    table.to_csv(report.csv, index=False, float_format="%.3f")
    failed = [s for s in sessions if s.error]
    n_ok = len(sessions) - len(failed)
    days = sorted(s.date for s in sessions if s.date and s.result is not None)
    meta = f"{n_ok} sessions" + (f" from {days[0]} to {days[-1]}" if days else "") + \
        (f", {len(failed)} could not be analysed" if failed else "")
    sections = [
        ("Changes from the first to the last week",
         "<p>A change counts as real only when it is larger than the smallest change the session-to-session "
         "spread within a week can produce by chance (95 %).</p>"
         + table_html(verdicts, {"improved": "verdict-improved", "worse": "verdict-worse"})),
        ("Adherence", table_html(weeks.assign(week=[str(w) for w in weeks["week"]])) + blocks[0]),
        ("Exercises week by week", "".join(blocks[1:]) or "<p>no exercises found</p>"),
        ("Sessions", table_html(table.round(1))),
    ]
    if failed:
        sections.append(("Not analysed", table_html(pd.DataFrame(
            {"file": [s.path.name for s in failed], "reason": [s.error for s in failed]}))))
    report.html.write_text(page("sensorback progress report", meta, sections), encoding="utf-8")
    return report
