"""Scoring of detected segments against simulator truth (ours and the independent oracle).

Both simulators' truths are first brought into one form (:func:`truth_from_sim`,
:func:`truth_from_oracle`); :func:`score` matches holds and rep sets and returns the numbers
the issue's acceptance names, plus the raw per-item records for diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from sensorback.recording import Info, Recording


def recording_from_oracle(sess) -> Recording:
    """The oracle session's samples as a Recording (time from its first sample)."""
    s = sess.samples
    t = s["time"].to_numpy() - float(s["time"].iloc[0])
    df = pd.DataFrame(s[["ax", "ay", "az", "gx", "gy", "gz"]].to_numpy(), columns=["ax", "ay", "az", "gx", "gy", "gz"],
                      index=pd.Index(t, name="time_s"))
    return Recording(df, Info(device="oracle", fs_hz=float(sess.fs_hz), format="simulated"))


def _norm_fb(fb: dict, exercise: str) -> dict:
    axis = fb.get("axis", "pitch")
    return {"start_s": float(fb["start_s"]), "direction": fb["direction"], "axis": axis,
            "deviation_deg": float(fb.get("pitch_change_deg", fb["deviation_deg"]))}


def truth_from_sim(truth) -> list[dict]:
    """Holds and rep sets of our simulator's truth, in the common form."""
    out = []
    for s in truth.segments:
        if s["kind"] == "hold":
            out.append({"kind": "hold", "exercise": s["exercise"], "start_s": s["start_s"], "end_s": s["end_s"],
                        "sway_deg_rms": s["sway_deg_rms"], "breathing_bpm": s["breathing_bpm"],
                        "fatigue": s.get("fatigue_gain"),
                        "form_breaks": [_norm_fb(f, s["exercise"]) for f in s["form_breaks"]],
                        "jerks": s.get("jerks", [])})
        elif s["kind"] == "reps":
            out.append({"kind": "reps", "exercise": s["exercise"], "start_s": s["start_s"], "end_s": s["end_s"],
                        "reps": s["reps"], "rep_times_s": s["rep_times_s"],
                        "rom_deg": s["rom_deg"], "top_hold_s": s["top_hold_s"]})
    return out


def truth_from_oracle(sess) -> list[dict]:
    """Holds and rep sets of the independent oracle, in the common form."""
    out = []
    for s in sess.segments:
        if s["kind"] == "hold":
            out.append({"kind": "hold", "exercise": s["exercise"], "start_s": s["start_s"], "end_s": s["end_s"],
                        "sway_deg_rms": s["sway_deg_rms"], "breathing_bpm": s["breathing_bpm"], "fatigue": None,
                        "form_breaks": [_norm_fb(f, s["exercise"]) for f in s["form_breaks"]], "jerks": []})
        elif s["kind"] == "reps":
            out.append({"kind": "reps", "exercise": s["exercise"], "start_s": s["start_s"], "end_s": s["end_s"],
                        "reps": s["reps"], "rep_times_s": s["rep_times_s"], "rom_deg": s["rom_deg"],
                        "top_hold_s": s["top_hold_s"]})
    return out


def iou(a: dict, b: dict) -> float:
    inter = max(0.0, min(a["end_s"], b["end_s"]) - max(a["start_s"], b["start_s"]))
    union = max(a["end_s"], b["end_s"]) - min(a["start_s"], b["start_s"])
    return inter / union if union > 0 else 0.0


def match(truth: list[dict], found: list[dict], kind: str, min_iou: float = 0.5) -> list[tuple[dict, dict | None]]:
    """One-to-one matches of truth segments of ``kind`` to found ones (same exercise, IoU ≥ min_iou)."""
    tr = [s for s in truth if s["kind"] == kind]
    fd = [s for s in found if s["kind"] == kind]
    pairs = sorted(((iou(a, b), i, j) for i, a in enumerate(tr) for j, b in enumerate(fd)
                    if a["exercise"] == b["exercise"]), reverse=True)
    used_t, used_f, m = set(), set(), {}
    for v, i, j in pairs:
        if v < min_iou or i in used_t or j in used_f:
            continue
        used_t.add(i)
        used_f.add(j)
        m[i] = fd[j]
    return [(a, m.get(i)) for i, a in enumerate(tr)]


@dataclass
class Score:
    """Pooled acceptance numbers over sessions, and the records they come from."""

    n_true_holds: int = 0
    n_found_holds: int = 0
    n_matched_holds: int = 0
    holds: list[dict] = field(default_factory=list)
    sets: list[dict] = field(default_factory=list)
    breaks: list[dict] = field(default_factory=list)
    clean: list[dict] = field(default_factory=list)
    misses: list[dict] = field(default_factory=list)
    extras: list[dict] = field(default_factory=list)

    def add(self, truth: list[dict], found: list[dict], tag: object = None, tolerance_s: float = 3.0) -> None:
        self.n_true_holds += sum(s["kind"] == "hold" for s in truth)
        self.n_found_holds += sum(s["kind"] == "hold" for s in found)
        pairs = match(truth, found, "hold")
        matched_found = {id(f) for _, f in pairs if f is not None}
        self.extras += [{"tag": tag, **f} for f in found if f["kind"] == "hold" and id(f) not in matched_found]
        for t, f in pairs:
            if f is None:
                best = max((iou(t, g) for g in found if g["kind"] == "hold"), default=0.0)
                self.misses.append({"tag": tag, "exercise": t["exercise"], "start_s": t["start_s"],
                                    "end_s": t["end_s"], "best_iou_any": best})
                continue
            self.n_matched_holds += 1
            rec = {"tag": tag, "exercise": t["exercise"], "start_s": t["start_s"],
                   "true_duration_s": t["end_s"] - t["start_s"], "duration_s": f["end_s"] - f["start_s"],
                   "start_err_s": f["start_s"] - t["start_s"], "end_err_s": f["end_s"] - t["end_s"],
                   "true_sway": t["sway_deg_rms"], "sway": f.get("wobble", {}).get("score"),
                   "true_fatigue": t["fatigue"], "fatigue": f.get("wobble", {}).get("fatigue"),
                   "true_bpm": t["breathing_bpm"], "bpm": f.get("breathing_bpm")}
            self.holds.append(rec)
            fbs = f.get("form_breaks", [])
            for b in t["form_breaks"]:
                hit = [x for x in fbs if abs(x["start_s"] - b["start_s"]) <= tolerance_s]
                self.breaks.append({"tag": tag, "exercise": t["exercise"], **b, "found": bool(hit),
                                    "found_direction": hit[0]["direction"] if hit else None,
                                    "found_start_s": hit[0]["start_s"] if hit else None,
                                    "found_deviation_deg": hit[0]["deviation_deg"] if hit else None})
            if not t["form_breaks"]:
                self.clean.append({"tag": tag, "exercise": t["exercise"], "false_alarms": len(fbs)})
        for t, f in match(truth, found, "reps", min_iou=0.3):
            self.sets.append({"tag": tag, "exercise": t["exercise"], "true_reps": t["reps"],
                              "reps": f["reps"] if f else None, "true_rom": t["rom_deg"],
                              "rom": f["rom_deg"] if f else None, "true_top_hold_s": t["top_hold_s"],
                              "top_hold_s": f["top_hold_s"] if f else None,
                              "rep_time_err_s": (float(np.median(np.abs(np.array(f["rep_times_s"]) -
                                                                        np.array(t["rep_times_s"]))))
                                                 if f and f["reps"] == t["reps"] else None)})

    # --- the acceptance numbers -----------------------------------------------------------------
    @property
    def hold_f1(self) -> float:
        p = self.n_matched_holds / max(self.n_found_holds, 1)
        r = self.n_matched_holds / max(self.n_true_holds, 1)
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def duration_median_error_s(self) -> float:
        e = [abs(h["duration_s"] - h["true_duration_s"]) for h in self.holds]
        return float(np.median(e)) if e else float("nan")

    @property
    def rep_count_exact(self) -> float:
        return float(np.mean([s["reps"] == s["true_reps"] for s in self.sets])) if self.sets else float("nan")

    @property
    def wobble_spearman(self) -> float:
        pairs = [(h["sway"], h["true_sway"]) for h in self.holds if h["sway"] is not None]
        if len(pairs) < 3:
            return float("nan")
        return float(spearmanr(*zip(*pairs)).statistic)

    @property
    def breathing_median_error_bpm(self) -> float:
        e = [abs(h["bpm"] - h["true_bpm"]) for h in self.holds
             if h["true_duration_s"] >= 15.0 and h["bpm"] is not None]
        return float(np.median(e)) if e else float("nan")

    @property
    def breathing_coverage(self) -> float:
        """Share of holds of 15 s or more that got a breathing rate."""
        long = [h for h in self.holds if h["true_duration_s"] >= 15.0]
        return float(np.mean([h["bpm"] is not None for h in long])) if long else float("nan")

    @property
    def form_break_recall(self) -> float:
        return float(np.mean([b["found"] for b in self.breaks])) if self.breaks else float("nan")

    @property
    def form_false_alarm_rate(self) -> float:
        return float(np.mean([c["false_alarms"] > 0 for c in self.clean])) if self.clean else float("nan")

    def summary(self) -> dict[str, float]:
        return {
            "hold_f1": self.hold_f1, "n_true_holds": self.n_true_holds, "n_found_holds": self.n_found_holds,
            "duration_median_error_s": self.duration_median_error_s,
            "rep_count_exact": self.rep_count_exact, "n_sets": len(self.sets),
            "wobble_spearman": self.wobble_spearman,
            "breathing_median_error_bpm": self.breathing_median_error_bpm,
            "breathing_coverage": self.breathing_coverage,
            "form_break_recall": self.form_break_recall, "n_breaks": len(self.breaks),
            "form_false_alarm_rate": self.form_false_alarm_rate, "n_clean": len(self.clean),
        }
