"""Tables of a report: the session summary per exercise (pure pandas)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

NAMES = {
    "plank": "plank",
    "side_plank_left": "side plank, left",
    "side_plank_right": "side plank, right",
    "bridge": "bridge",
    "hyperextension": "hyperextension",
}

SUMMARY_COLUMNS = ["exercise", "kind", "sets", "reps", "hold times (s)", "sway (° RMS)", "sag / pike",
                   "breathing (/min)"]


def exercise_name(exercise: str | None) -> str:
    """An exercise's readable name."""
    return NAMES.get(exercise or "", exercise or "unknown")


def numbered(segments: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Holds and rep sets with their labels in time order: ``H1``, ``H2`` ... and ``S1`` ..."""
    out, n = [], {"hold": 0, "reps": 0}
    for s in segments:
        if s["kind"] in n:
            n[s["kind"]] += 1
            out.append((f"{'H' if s['kind'] == 'hold' else 'S'}{n[s['kind']]}", s))
    return out


def _mean(xs: list[Any]) -> float:
    xs = [float(x) for x in xs if x is not None and np.isfinite(float(x))]
    return float(np.mean(xs)) if xs else float("nan")


def _fmt(x: float, fmt: str) -> str:
    return "–" if not np.isfinite(x) else format(x, fmt)


def _form_text(holds: list[dict[str, Any]]) -> str:
    breaks = [b for s in holds for b in s.get("form_breaks", [])]
    if not breaks:
        drift = max((abs(s.get("max_sagittal_drift_deg") or 0.0) for s in holds), default=0.0)
        return f"none (drift ≤ {drift:.1f}°)"
    worst = max(breaks, key=lambda b: abs(b["deviation_deg"]))
    return f"{len(breaks)} break{'s' if len(breaks) > 1 else ''}, worst {worst['direction']} {worst['deviation_deg']:+.1f}°"


def summary_table(segments: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per exercise and kind (holds, rep sets) in the order first done: sets, reps, hold
    times, mean sway, form breaks and breathing, as readable text."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for s in segments:
        if s["kind"] in ("hold", "reps"):
            groups.setdefault((s["exercise"], s["kind"]), []).append(s)
    rows = []
    for (ex, kind), ss in groups.items():
        if kind == "hold":
            rows.append({"exercise": exercise_name(ex), "kind": "hold", "sets": len(ss), "reps": "–",
                         "hold times (s)": ", ".join(f"{s['duration_s']:.0f}" for s in ss),
                         "sway (° RMS)": _fmt(_mean([s.get("wobble", {}).get("score") for s in ss]), ".1f"),
                         "sag / pike": _form_text(ss),
                         "breathing (/min)": _fmt(_mean([s.get("breathing_bpm") for s in ss]), ".0f")})
        else:
            rows.append({"exercise": exercise_name(ex), "kind": "reps", "sets": len(ss),
                         "reps": ", ".join(str(s["reps"]) for s in ss),
                         "hold times (s)": "top " + ", ".join(f"{s['top_hold_s']:.1f}" for s in ss),
                         "sway (° RMS)": "–", "sag / pike": "–", "breathing (/min)": "–"})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
