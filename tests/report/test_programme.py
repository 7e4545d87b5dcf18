"""The simulator's programme option: the blocks asked for, in order, with their amounts."""

import pytest

from sensorback.simulate import simulate_session
from sensorback.simulate.programme import parse_programme


def test_programme_is_followed():
    sim = simulate_session(4, fs_hz=25, walk=False, programme=[("plank", "hold", 12.0), ("bridge", "reps", 6)])
    blocks = [(s["kind"], s["exercise"]) for s in sim.truth.segments if s["kind"] in ("hold", "reps")]
    assert blocks == [("hold", "plank"), ("reps", "bridge")]
    hold, reps = (s for s in sim.truth.segments if s["kind"] in ("hold", "reps"))
    assert hold["duration_s"] == pytest.approx(12.0, abs=0.05)
    assert reps["reps"] == 6


@pytest.mark.parametrize("text, needle", [
    ("plank", "expected exercise:kind[:amount]"),
    ("crunch:hold", "unknown exercise 'crunch'"),
    ("plank:reps", "plank has no reps"),
    ("plank:hold:ten", "is not a number"),
    ("plank:hold:2", "out of range"),
    (" , ", "no blocks"),
])
def test_bad_programme(text, needle):
    with pytest.raises(ValueError, match="programme") as err:
        parse_programme(text)
    assert needle in str(err.value)
