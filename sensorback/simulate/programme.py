"""What the simulated person does: a list of phases with their postures and ground truth."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

EXERCISES = ("plank", "side_plank_left", "side_plank_right", "bridge", "hyperextension")


@dataclass(frozen=True)
class Posture:
    """A static body orientation: pitch and roll key angles (degrees) and sacrum height (m).

    ``roll_key_deg`` is the rotation about the cranial axis (0 prone, 180 supine, −90 on the
    left side, +90 on the right side); the body's measured roll follows from it.
    """

    name: str
    pitch_deg: float
    roll_key_deg: float
    height_m: float


@dataclass(frozen=True)
class Body:
    """The simulated person's build: how their sacrum heights differ from the programme's
    average adult (the heights the postures are written with).

    ``stature`` scales what hangs on the legs and arms (standing, kneeling, a plank on the
    forearms above the floor, a side plank, a bridge); ``pelvis_m`` is how much deeper (front
    to back) the pelvis is than average, which puts every face-down floor posture higher;
    ``supine_m`` the soft tissue and mat under the sacrum lying face up; ``bench_m`` how much
    higher the bench is.
    """

    stature: float = 1.0
    pelvis_m: float = 0.0
    supine_m: float = 0.0
    bench_m: float = 0.0

    @classmethod
    def random(cls, rng: np.random.Generator) -> Body:
        """A person drawn from adults: stature ±5.5 % (1 sd, about ±9 cm of 1.70 m), pelvis
        depth ±2 cm, tissue under the sacrum ±1 cm, bench height ±5 cm (uniform)."""
        return cls(stature=float(np.clip(rng.normal(1.0, 0.055), 0.88, 1.12)),
                   pelvis_m=float(np.clip(rng.normal(0.0, 0.02), -0.05, 0.05)),
                   supine_m=float(np.clip(rng.normal(0.0, 0.01), -0.025, 0.025)),
                   bench_m=float(rng.uniform(-0.05, 0.05)))

    def height(self, post: Posture) -> float:
        """Sacrum (pivot) height of ``post`` for this person."""
        grow = self.stature - 1.0
        name, h = post.name, post.height_m
        if name in ("standing", "child"):
            return h * self.stature
        if name in ("prone", "hyperextension_floor"):
            return h + self.pelvis_m
        if name == "plank":
            return h + self.pelvis_m + 0.3 * grow
        if name == "supine":
            return h + self.supine_m
        if name == "bridge":
            return h + self.supine_m + 0.3 * grow
        if name.startswith("side_plank"):
            return h + 0.5 * grow
        if name.startswith("hyperextension_bench"):
            return h + self.bench_m
        return h


def fit_body(phases: list[Phase], body: Body) -> list[Phase]:
    """The phases with every posture's height that of ``body`` (new phases, same timing)."""
    return [Phase(ph.kind, ph.exercise, Posture(ph.posture.name, ph.posture.pitch_deg, ph.posture.roll_key_deg,
                                                body.height(ph.posture)), ph.duration_s, ph.params)
            for ph in phases]


@dataclass
class Phase:
    """One phase of a session.

    ``kind`` is ``hold``, ``reps``, ``rest``, ``walk`` or ``calibration``; ``exercise`` is one
    of :data:`EXERCISES` for holds and reps.  ``params`` carries the phase's own settings
    (rep times, sway, breathing, sag ...).
    """

    kind: str
    exercise: str | None
    posture: Posture
    duration_s: float
    params: dict[str, Any] = field(default_factory=dict)


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def rest_posture(rng: np.random.Generator, which: str, standing_pitch_deg: float = 90.0) -> Posture:
    """A rest posture.  Standing uses the person's own pelvic tilt (``standing_pitch_deg``:
    the sagittal key angle, above 90 leaning back) plus a little variation each time."""
    if which == "standing":
        return Posture("standing", standing_pitch_deg + float(rng.normal(0.0, 0.7)), 0.0, 1.0)
    if which == "prone":
        return Posture("prone", _u(rng, -3, 3), _u(rng, -1.5, 1.5), 0.15)
    if which == "supine":
        return Posture("supine", _u(rng, -3, 3), 180.0 + _u(rng, -1.5, 1.5), 0.12)
    if which == "child":
        return Posture("child", _u(rng, -50, -25), _u(rng, -5, 5), 0.5)
    raise ValueError(which)


def hold_params(rng: np.random.Generator, duration_s: float, allow_sag: bool) -> dict[str, Any]:
    """Sway, fatigue, breathing, tremor, jerks and (maybe) a sag or pike for one hold."""
    params: dict[str, Any] = {
        "sway_deg": _u(rng, 0.2, 2.5),
        "fatigue_gain": _u(rng, 0.0, 2.0),
        "breathing_bpm": _u(rng, 7.0, 20.0),
        "breath_deg": _u(rng, 0.15, 0.5),
        "tremor_deg": _u(rng, 0.005, 0.05),
        "tremor_hz": _u(rng, 7.0, 12.0),
        "jerks": [],
        "form_breaks": [],
    }
    n_jerks = rng.poisson(duration_s / 60.0)
    for _ in range(n_jerks):
        params["jerks"].append({"t_rel_s": _u(rng, 2.0, max(2.5, duration_s - 2.0)), "size_deg": _u(rng, 2.0, 5.0)})
    if allow_sag and duration_s >= 20 and rng.random() < 0.45:
        start = _u(rng, 0.35, 0.7) * duration_s
        direction = "sag" if rng.random() < 0.7 else "pike"
        params["form_breaks"].append(
            {
                "t_rel_s": start,
                "direction": direction,
                "deviation_deg": _u(rng, 5.0, 10.0),
                "ramp_s": _u(rng, 1.0, 2.5),
            }
        )
    return params


def rep_params(
    rng: np.random.Generator, n: int, bottom_deg: float, top_deg: float, top_hold_s: float
) -> dict[str, Any]:
    """Timing of ``n`` reps between a bottom and a top pitch."""
    up = rng.uniform(0.7, 1.4, n)
    hold = np.clip(top_hold_s + rng.normal(0, 0.15 * max(top_hold_s, 0.3), n), 0.0, None)
    down = rng.uniform(0.8, 1.5, n)
    pause = rng.uniform(0.3, 1.0, n)
    rom = (top_deg - bottom_deg) * rng.uniform(0.85, 1.1, n)
    return {
        "bottom_deg": bottom_deg,
        "up_s": up,
        "top_hold_s": hold,
        "down_s": down,
        "pause_s": pause,
        "rom_deg": rom,
        "sway_deg": _u(rng, 0.1, 0.6),
        "breathing_bpm": _u(rng, 8.0, 20.0),
        "breath_deg": _u(rng, 0.1, 0.3),
    }


def exercise_block(rng: np.random.Generator, exercise: str, kind: str, amount: float | None = None) -> Phase:
    """A hold or a set of reps of one exercise with randomised posture and timing.

    ``amount`` fixes the hold's duration (s) or the set's number of reps; random when None.
    """
    if exercise == "plank":
        post = Posture("plank", _u(rng, 5, 15), _u(rng, -2.5, 2.5), 0.45)
    elif exercise == "side_plank_left":
        post = Posture("side_plank_left", _u(rng, 5, 18), -90.0 + _u(rng, -6, 6), 0.5)
    elif exercise == "side_plank_right":
        post = Posture("side_plank_right", _u(rng, 5, 18), 90.0 + _u(rng, -6, 6), 0.5)
    elif exercise == "bridge":
        post = Posture("bridge", _u(rng, -35, -20), 180.0 + _u(rng, -2.5, 2.5), 0.35)
    elif exercise == "hyperextension":
        bench = rng.random() < 0.6
        top = _u(rng, -5, 8) if bench else _u(rng, 6, 14)
        post = Posture("hyperextension_bench" if bench else "hyperextension_floor", top, _u(rng, -3, 3), 0.9 if bench else 0.15)
    else:
        raise ValueError(exercise)
    if kind == "hold":
        dur = _u(rng, 12, 60) if exercise != "hyperextension" else _u(rng, 8, 20)
        dur = dur if amount is None else float(amount)
        allow = exercise in ("plank", "side_plank_left", "side_plank_right", "bridge")
        return Phase("hold", exercise, post, dur, hold_params(rng, dur, allow))
    # reps
    if exercise == "bridge":
        n = int(rng.integers(8, 21)) if amount is None else int(amount)
        bottom = _u(rng, -4, 1)
        params = rep_params(rng, n, bottom, post.pitch_deg, _u(rng, 0.0, 6.0) if rng.random() < 0.6 else 0.0)
        start_post = Posture("supine", bottom, post.roll_key_deg, 0.12)
    elif exercise == "hyperextension":
        n = int(rng.integers(6, 16)) if amount is None else int(amount)
        if post.name == "hyperextension_bench":
            bottom = _u(rng, -65, -40)
            params = rep_params(rng, n, bottom, post.pitch_deg, _u(rng, 0.0, 2.0))
            start_post = Posture("hyperextension_bench_bottom", bottom, post.roll_key_deg, 0.9)
        else:
            bottom = _u(rng, -2, 2)
            params = rep_params(rng, n, bottom, bottom + _u(rng, 8, 15), _u(rng, 0.0, 3.0))
            start_post = Posture("prone", bottom, post.roll_key_deg, 0.15)
    else:
        raise ValueError(f"no reps for {exercise}")
    params["variant"] = post.name
    dur = float(np.sum(params["up_s"] + params["top_hold_s"] + params["down_s"] + params["pause_s"]))
    return Phase("reps", exercise, start_post, dur, params)


Block = tuple  # (exercise, kind) or (exercise, kind, amount): see exercise_block


def parse_programme(text: str) -> list[Block]:
    """Blocks from ``"plank:hold:30,bridge:reps:15,side_plank_left:hold"`` (amount optional).

    Raises
    ------
    ValueError
        Naming the block that is not ``exercise:kind[:amount]`` with a known exercise and kind.
    """
    blocks: list[Block] = []
    for item in filter(None, (x.strip() for x in text.split(","))):
        parts = item.split(":")
        if len(parts) not in (2, 3):
            raise ValueError(f"programme block {item!r}: expected exercise:kind[:amount], e.g. plank:hold:30")
        try:
            amount = float(parts[2]) if len(parts) == 3 else None
        except ValueError:
            raise ValueError(f"programme block {item!r}: amount {parts[2]!r} is not a number") from None
        check_block(parts[0], parts[1], amount)
        blocks.append((parts[0], parts[1]) if amount is None else (parts[0], parts[1], amount))
    if not blocks:
        raise ValueError("programme: no blocks given")
    return blocks


def check_block(exercise: str, kind: str, amount: float | None = None) -> None:
    """Raise ValueError unless the simulator can do ``amount`` of ``exercise`` as ``kind``."""
    if exercise not in EXERCISES:
        raise ValueError(f"programme: unknown exercise {exercise!r}; expected one of {', '.join(EXERCISES)}")
    if kind not in ("hold", "reps"):
        raise ValueError(f"programme: kind of {exercise} must be hold or reps, not {kind!r}")
    if kind == "reps" and exercise not in ("bridge", "hyperextension"):
        raise ValueError(f"programme: {exercise} has no reps (only bridge and hyperextension do)")
    if amount is not None and not (amount >= (5.0 if kind == "hold" else 1) and amount <= 600):
        raise ValueError(f"programme: {exercise} {kind} amount {amount:g} out of range "
                         f"({'5-600 s' if kind == 'hold' else '1-600 reps'})")


def random_programme(
    rng: np.random.Generator,
    n_blocks: int | None = None,
    walk: bool | None = None,
    blocks: list[Block] | None = None,
) -> list[Phase]:
    """A random session: standing calibration, maybe walking, exercise blocks and rests.

    ``blocks`` fixes the exercise blocks, in order (see :func:`parse_programme`); their
    postures, sway and timing stay random.

    The person's pelvis is not exactly vertical in standing: its sagittal key angle is drawn
    once per session in 90 ± 6° (pelvic tilt varies between people), so the standing
    calibration alone cannot know the sensor's exact sagittal tilt.
    """
    stand = 90.0 + _u(rng, -6, 6)
    phases = [Phase("calibration", None, rest_posture(rng, "standing", stand), _u(rng, 4, 8), {"sway_deg": 0.1})]
    if walk if walk is not None else rng.random() < 0.5:
        phases.append(Phase("walk", None, rest_posture(rng, "standing", stand), _u(rng, 8, 25), {"cadence_hz": _u(rng, 1.6, 2.0)}))
        phases.append(Phase("rest", None, rest_posture(rng, "standing", stand), _u(rng, 3, 6), {"sway_deg": 0.15}))
    n = n_blocks if n_blocks is not None else int(rng.integers(4, 9))
    menu = [
        ("plank", "hold"), ("side_plank_left", "hold"), ("side_plank_right", "hold"),
        ("bridge", "reps"), ("bridge", "hold"), ("hyperextension", "reps"), ("hyperextension", "hold"),
    ]
    for k in range(n if blocks is None else len(blocks)):
        # a random block is drawn just before its phase, as ever, so that seeds keep their sessions
        block = menu[int(rng.integers(len(menu)))] if blocks is None else blocks[k]
        check_block(*block)
        phases.append(exercise_block(rng, *block))
        rest = ("standing", "prone", "supine", "child")[int(rng.integers(4))]
        phases.append(Phase("rest", None, rest_posture(rng, rest, stand), _u(rng, 5, 20), {"sway_deg": _u(rng, 0.05, 0.3)}))
    return phases


def plank_with_sag(
    rng: np.random.Generator,
    *,
    sag_at_s: float = 20.0,
    hold_s: float = 40.0,
    deviation_deg: float = 8.0,
    ramp_s: float = 0.8,
) -> list[Phase]:
    """A known programme for coaching demos and tests: stand still, one plank whose hips sag
    ``deviation_deg`` (over ``ramp_s``) ``sag_at_s`` into the hold, then lie prone.

    The truth of :func:`~sensorback.simulate.simulate_session` gives the sag's start in file time.
    """
    stand = 90.0 + _u(rng, -3, 3)
    params = hold_params(rng, hold_s, allow_sag=False)
    params["sway_deg"] = min(params["sway_deg"], 1.0)
    params["jerks"] = []
    params["form_breaks"] = [{"t_rel_s": sag_at_s, "direction": "sag", "deviation_deg": deviation_deg,
                              "ramp_s": ramp_s}]
    plank = Posture("plank", _u(rng, 6, 12), _u(rng, -1.5, 1.5), 0.45)
    return [
        Phase("calibration", None, rest_posture(rng, "standing", stand), 6.0, {"sway_deg": 0.1}),
        Phase("hold", "plank", plank, hold_s, params),
        Phase("rest", None, rest_posture(rng, "prone", stand), 20.0, {"sway_deg": 0.1}),
    ]


PROGRAMMES = ("random", "plank-sag")
"""Named programmes of :func:`~sensorback.simulate.simulate_session` (``programme=``)."""
