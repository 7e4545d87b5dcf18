"""Tidy DataFrames and annotation records from detected segments (one row per item)."""

from __future__ import annotations

from typing import Any

import pandas as pd

HOLD_COLUMNS = ["exercise", "variant", "start_s", "end_s", "duration_s", "sway_deg_rms", "tremor_deg_s",
                "fatigue", "breathing_bpm", "breaths", "form_breaks", "jerks", "pitch_mean_deg",
                "roll_mean_deg", "max_sagittal_drift_deg", "max_lateral_drift_deg", "height_m"]
REPS_COLUMNS = ["exercise", "variant", "start_s", "end_s", "reps", "rom_deg", "top_hold_s", "up_s", "down_s",
                "period_s", "bottom_pitch_deg", "top_pitch_deg"]
REP_COLUMNS = ["set", "exercise", "rep", "time_s", "rom_deg", "top_hold_s"]
BREAK_COLUMNS = ["hold", "exercise", "start_s", "end_s", "duration_s", "direction", "axis", "deviation_deg"]
JERK_COLUMNS = ["hold", "exercise", "time_s", "size_deg"]


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def holds_frame(segments: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per hold: timing, wobble, breathing, counts of form breaks and jerks, posture."""
    rows = []
    for s in segments:
        if s["kind"] != "hold":
            continue
        w = s.get("wobble", {})
        rows.append({
            "exercise": s["exercise"], "variant": s.get("variant"), "start_s": s["start_s"], "end_s": s["end_s"],
            "duration_s": s["duration_s"], "sway_deg_rms": w.get("score"), "tremor_deg_s": w.get("tremor"),
            "fatigue": w.get("fatigue"), "breathing_bpm": s.get("breathing_bpm"), "breaths": s.get("breaths"),
            "form_breaks": len(s.get("form_breaks", [])), "jerks": len(s.get("jerks", [])),
            "pitch_mean_deg": s.get("pitch_deg", {}).get("mean"),
            "roll_mean_deg": s.get("roll_deg", {}).get("mean"),
            "max_sagittal_drift_deg": s.get("max_sagittal_drift_deg"),
            "max_lateral_drift_deg": s.get("max_lateral_drift_deg"), "height_m": s.get("height_m"),
        })
    return _frame(rows, HOLD_COLUMNS)


def reps_frame(segments: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per rep set: count, mean range of motion, top hold and tempo."""
    rows = []
    for s in segments:
        if s["kind"] != "reps":
            continue
        tempo = s.get("tempo", {})
        keys = ("exercise", "variant", "start_s", "end_s", "reps", "rom_deg", "top_hold_s", "bottom_pitch_deg",
                "top_pitch_deg")
        rows.append({k: s.get(k) for k in keys} | {k: tempo.get(k) for k in ("up_s", "down_s", "period_s")})
    return _frame(rows, REPS_COLUMNS)


def repetitions_frame(segments: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per rep of every set (``set`` numbers the sets from 0)."""
    rows = []
    sets = [s for s in segments if s["kind"] == "reps"]
    for k, s in enumerate(sets):
        for i, (t, rom, top) in enumerate(zip(s["rep_times_s"], s["rep_rom_deg"], s["rep_top_hold_s"])):
            rows.append({"set": k, "exercise": s["exercise"], "rep": i + 1, "time_s": t, "rom_deg": rom,
                         "top_hold_s": top})
    return _frame(rows, REP_COLUMNS)


def form_breaks_frame(segments: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per form break (``hold`` numbers the holds from 0)."""
    rows = []
    holds = [s for s in segments if s["kind"] == "hold"]
    for k, s in enumerate(holds):
        for b in s.get("form_breaks", []):
            rows.append({"hold": k, "exercise": s["exercise"], **{c: b.get(c) for c in BREAK_COLUMNS[2:]}})
    return _frame(rows, BREAK_COLUMNS)


def jerks_frame(segments: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per jerk (``hold`` numbers the holds from 0)."""
    rows = []
    holds = [s for s in segments if s["kind"] == "hold"]
    for k, s in enumerate(holds):
        for j in s.get("jerks", []):
            rows.append({"hold": k, "exercise": s["exercise"], "time_s": j["time_s"], "size_deg": j["size_deg"]})
    return _frame(rows, JERK_COLUMNS)


def segment_annotations(segments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Annotation records (``onset_s``, ``duration_s``, ``description``) for segments, rep
    sets, form breaks and jerks: ``hold/plank``, ``reps/bridge``, ``rest/prone``, ``form/sag``,
    ``jerk``."""
    out: list[dict[str, Any]] = []
    for s in segments:
        what = s["exercise"] if s["kind"] != "rest" else s.get("posture", "unknown")
        out.append({"onset_s": s["start_s"], "duration_s": max(0.0, s["end_s"] - s["start_s"]),
                    "description": f"{s['kind']}/{what}"})
        for b in s.get("form_breaks", []):
            out.append({"onset_s": b["start_s"], "duration_s": max(0.0, b["end_s"] - b["start_s"]),
                        "description": f"form/{b['direction']}", "deviation_deg": b["deviation_deg"]})
        for j in s.get("jerks", []):
            out.append({"onset_s": j["time_s"], "duration_s": 0.0, "description": "jerk",
                        "size_deg": j["size_deg"]})
    return out
