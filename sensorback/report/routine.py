"""Routines: what a session is meant to contain (a small TOML file), and how a session compares.

A routine lists exercises with their sets and targets::

    name = "Home core routine"
    sessions_per_week = 3

    [[exercise]]
    name = "plank"        # plank, side_plank (= both sides), side_plank_left/right, bridge, hyperextension
    sets = 3
    hold_s = 30           # a static hold of 30 s

    [[exercise]]
    name = "bridge"
    sets = 1
    reps = 15             # a rep set ...
    hold_s = 5            # ... holding every rep 5 s at the top

The bundled default (:func:`default_routine`) is the common home programme: plank 3 × 30 s,
side plank 2 × 20 s per side, bridge 15 reps with 5 s holds, hyperextension 4 × 10 s holds.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import RoutineError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

EXERCISE_NAMES = ("plank", "side_plank_left", "side_plank_right", "bridge", "hyperextension")
REP_EXERCISES = ("bridge", "hyperextension")
MAX_TARGET = 3600
TOP_KEYS = {"name", "sessions_per_week", "tolerance_s", "exercise"}
ITEM_KEYS = {"name", "sets", "hold_s", "reps"}

COMPARISON_COLUMNS = ["exercise", "kind", "planned", "done", "sets_planned", "sets_done", "sets_on_target",
                      "completion"]


@dataclass(frozen=True)
class PlannedExercise:
    """One exercise of a routine: ``sets`` holds of ``hold_s``, or ``sets`` sets of ``reps``
    (each held ``hold_s`` at the top, when given)."""

    exercise: str
    sets: int
    hold_s: float | None = None
    reps: int | None = None

    @property
    def kind(self) -> str:
        return "hold" if self.reps is None else "reps"

    def describe(self) -> str:
        """``"3 × 30 s"``, ``"1 × 15 reps, 5 s at the top"``."""
        if self.reps is None:
            return f"{self.sets} × {self.hold_s:g} s"
        top = f", {self.hold_s:g} s at the top" if self.hold_s else ""
        return f"{self.sets} × {self.reps} reps{top}"


@dataclass(frozen=True)
class Routine:
    """A routine (see the module docstring).

    ``tolerance_s``: a hold counts as on target when it is at most this much shorter than
    planned (people stop at the beep; detection times holds to a few tenths of a second).
    """

    name: str
    exercises: tuple[PlannedExercise, ...]
    sessions_per_week: float | None = None
    tolerance_s: float = 1.0
    source: str = "bundled default"


def _number(value: Any, what: str, source: str, integer: bool = False, low: float = 0.0) -> float:
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok or not (low < value <= MAX_TARGET):
        kind = "a whole number" if integer else "a number"
        raise RoutineError(source, f"{what} must be {kind} above {low:g} and at most {MAX_TARGET}, not {value!r}")
    return value


def _item(raw: Any, k: int, source: str) -> list[PlannedExercise]:
    where = f"exercise {k + 1}"
    if not isinstance(raw, dict):
        raise RoutineError(source, f"{where} must be a table ([[exercise]] with name, sets, hold_s, reps)")
    unknown = set(raw) - ITEM_KEYS
    if unknown:
        raise RoutineError(source, f"{where}: unknown key(s) {', '.join(sorted(unknown))}; "
                           f"allowed: {', '.join(sorted(ITEM_KEYS))}")
    name = raw.get("name")
    names = (*EXERCISE_NAMES, "side_plank")
    if name not in names:
        raise RoutineError(source, f"{where}: name must be one of {', '.join(names)}, not {name!r}")
    where = f"{where} ({name})"
    if "sets" not in raw:
        raise RoutineError(source, f"{where}: sets is missing")
    sets = int(_number(raw["sets"], f"{where}: sets", source, integer=True))
    reps = raw.get("reps")
    hold = raw.get("hold_s")
    if reps is not None:
        if name not in REP_EXERCISES:
            raise RoutineError(source, f"{where}: only {' and '.join(REP_EXERCISES)} have reps")
        reps = int(_number(reps, f"{where}: reps", source, integer=True))
    elif hold is None:
        raise RoutineError(source, f"{where}: give hold_s (a hold) or reps (a rep set)")
    hold = None if hold is None else float(_number(hold, f"{where}: hold_s", source))
    sides = ("side_plank_left", "side_plank_right") if name == "side_plank" else (name,)
    return [PlannedExercise(side, sets, hold, reps) for side in sides]


def parse_routine(text: str, source: str = "<text>") -> Routine:
    """A :class:`Routine` from TOML text.

    Raises
    ------
    RoutineError
        Not TOML, an unknown key or exercise, a missing or impossible target, or the same
        exercise planned twice in the same way.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RoutineError(source, f"not valid TOML: {exc}") from None
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise RoutineError(source, f"unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(TOP_KEYS))}")
    items = data.get("exercise")
    if not isinstance(items, list) or not items:
        raise RoutineError(source, "no exercises: add at least one [[exercise]] table with name and sets")
    planned = [p for k, raw in enumerate(items) for p in _item(raw, k, source)]
    seen = set()
    for p in planned:
        if (p.exercise, p.kind) in seen:
            raise RoutineError(source, f"{p.exercise} {'holds' if p.kind == 'hold' else 'reps'} planned twice; "
                               "give all its sets in one [[exercise]]")
        seen.add((p.exercise, p.kind))
    spw = data.get("sessions_per_week")
    spw = None if spw is None else float(_number(spw, "sessions_per_week", source))
    tol = float(_number(data.get("tolerance_s", 1.0), "tolerance_s", source, low=-1e-9))
    name = data.get("name", Path(source).stem)
    if not isinstance(name, str):
        raise RoutineError(source, f"name must be text, not {name!r}")
    return Routine(name, tuple(planned), spw, tol, source)


def read_routine(path: str | Path | None = None) -> Routine:
    """Read a routine file; the bundled default when ``path`` is None.

    Raises
    ------
    RoutineError
        The file cannot be read or is not a valid routine (the message says what is wrong).
    """
    if path is None:
        text = resources.files(__package__).joinpath("default_routine.toml").read_text(encoding="utf-8")
        return parse_routine(text, "bundled default")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RoutineError(str(path), f"cannot read it ({exc.__class__.__name__}: {exc})") from None
    return parse_routine(text, str(path))


def default_routine() -> Routine:
    """The bundled routine (see the module docstring)."""
    return read_routine(None)


def _hold_row(p: PlannedExercise, done: list[dict[str, Any]], tol: float) -> dict[str, Any]:
    target = float(p.hold_s or 0.0)
    durations = sorted((s["duration_s"] for s in done), reverse=True)
    best = durations[: p.sets]
    return {
        "done": ", ".join(f"{d:.0f} s" for d in (s["duration_s"] for s in done)) or "–",
        "sets_on_target": sum(d >= target - tol for d in durations),
        "completion": sum(min(1.0, d / target) for d in best) / p.sets,
    }


def _reps_row(p: PlannedExercise, done: list[dict[str, Any]], tol: float) -> dict[str, Any]:
    want = int(p.reps or 0)
    top = float(p.hold_s or 0.0)

    def on_target(s: dict[str, Any]) -> bool:
        return s["reps"] >= want and (not top or s["top_hold_s"] >= top - tol)

    def share(s: dict[str, Any]) -> float:
        held = min(1.0, s["top_hold_s"] / top) if top else 1.0
        return min(1.0, s["reps"] / want) * held

    best = sorted((share(s) for s in done), reverse=True)[: p.sets]
    text = ", ".join(f"{s['reps']} reps" + (f" ({s['top_hold_s']:.1f} s at the top)" if top else "") for s in done)
    return {"done": text or "–", "sets_on_target": sum(map(on_target, done)), "completion": sum(best) / p.sets}


def compare_routine(routine: Routine, segments: list[dict[str, Any]]) -> pd.DataFrame:
    """Achieved against planned, one row per planned exercise, then one per unplanned one.

    Columns: ``exercise``, ``kind``, ``planned`` and ``done`` (readable text), ``sets_planned``,
    ``sets_done``, ``sets_on_target`` and ``completion`` (0–1: the planned sets' share done,
    each capped at its target; NaN for unplanned exercises).
    """
    rows = []
    for p in routine.exercises:
        done = [s for s in segments if s["kind"] == p.kind and s["exercise"] == p.exercise]
        part = (_hold_row if p.kind == "hold" else _reps_row)(p, done, routine.tolerance_s)
        rows.append({"exercise": p.exercise, "kind": p.kind, "planned": p.describe(), "sets_planned": p.sets,
                     "sets_done": len(done), **part})
    planned = {(p.exercise, p.kind) for p in routine.exercises}
    extra: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for s in segments:
        if s["kind"] in ("hold", "reps") and (s["exercise"], s["kind"]) not in planned:
            extra.setdefault((s["exercise"], s["kind"]), []).append(s)
    for (ex, kind), done in extra.items():
        text = ", ".join(f"{s['duration_s']:.0f} s" if kind == "hold" else f"{s['reps']} reps" for s in done)
        rows.append({"exercise": ex, "kind": kind, "planned": "not planned", "done": text, "sets_planned": 0,
                     "sets_done": len(done), "sets_on_target": 0, "completion": float("nan")})
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
