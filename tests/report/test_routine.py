"""Routines: the bundled default, achieved against planned, and clear errors for bad files."""

from __future__ import annotations

import pytest

from sensorback.errors import RoutineError
from sensorback.report import compare_routine, default_routine, parse_routine, read_routine


def test_default_routine_is_the_home_programme():
    r = default_routine()
    assert [(p.exercise, p.kind, p.sets, p.hold_s, p.reps) for p in r.exercises] == [
        ("plank", "hold", 3, 30.0, None),
        ("side_plank_left", "hold", 2, 20.0, None),
        ("side_plank_right", "hold", 2, 20.0, None),
        ("bridge", "reps", 1, 5.0, 15),
        ("hyperextension", "hold", 4, 10.0, None),
    ]
    assert r.sessions_per_week == 3


def _hold(ex, d):
    return {"kind": "hold", "exercise": ex, "start_s": 0.0, "end_s": d, "duration_s": d}


def _reps(ex, n, top):
    return {"kind": "reps", "exercise": ex, "reps": n, "top_hold_s": top}


def test_achieved_against_planned():
    segments = [_hold("plank", 32.0), _hold("plank", 29.5), _hold("plank", 15.0), _hold("side_plank_left", 20.0),
                _reps("bridge", 15, 2.5), _hold("bridge", 40.0)]
    c = compare_routine(default_routine(), segments).set_index(["exercise", "kind"])
    plank = c.loc[("plank", "hold")]
    assert (plank.sets_done, plank.sets_on_target) == (3, 2)  # 29.5 s is within the 1 s tolerance
    assert plank.completion == pytest.approx((1.0 + 29.5 / 30 + 15 / 30) / 3)
    assert plank.done == "32 s, 30 s, 15 s"
    assert c.loc[("side_plank_left", "hold")].completion == pytest.approx(0.5)
    assert c.loc[("side_plank_right", "hold")].sets_done == 0
    bridge = c.loc[("bridge", "reps")]
    assert bridge.sets_on_target == 0 and bridge.completion == pytest.approx(0.5)  # all reps, half the top hold
    extra = c.loc[("bridge", "hold")]
    assert extra.planned == "not planned" and extra.sets_done == 1


@pytest.mark.parametrize("text, needle", [
    ("name = 'x'\n[[exercise]\n", "not valid TOML"),
    ("colour = 'red'\n[[exercise]]\nname='plank'\nsets=1\nhold_s=5\n", "unknown key(s) colour"),
    ("name = 'x'\n", "no exercises"),
    ("[[exercise]]\nname='crunch'\nsets=1\nhold_s=5\n", "name must be one of"),
    ("[[exercise]]\nname='plank'\nhold_s=5\n", "sets is missing"),
    ("[[exercise]]\nname='plank'\nsets=0\nhold_s=5\n", "sets must be a whole number above 0"),
    ("[[exercise]]\nname='plank'\nsets=2\n", "give hold_s (a hold) or reps"),
    ("[[exercise]]\nname='plank'\nsets=2\nreps=10\n", "only bridge and hyperextension have reps"),
    ("[[exercise]]\nname='plank'\nsets=2\nhold_s=-3\n", "hold_s must be a number above 0"),
    ("[[exercise]]\nname='plank'\nsets=1\nhold_s=5\nweight=3\n", "unknown key(s) weight"),
    ("[[exercise]]\nname='plank'\nsets=1\nhold_s=5\n[[exercise]]\nname='plank'\nsets=2\nhold_s=9\n",
     "planned twice"),
])
def test_malformed_routine_says_what_is_wrong(text, needle):
    with pytest.raises(RoutineError, match="routine") as err:
        parse_routine(text, "mine.toml")
    assert needle in str(err.value) and "mine.toml" in str(err.value)


def test_routine_file(tmp_path):
    f = tmp_path / "r.toml"
    f.write_text("name = 'short'\nsessions_per_week = 2\n[[exercise]]\nname = 'side_plank'\nsets = 1\nhold_s = 15\n")
    r = read_routine(f)
    assert [p.exercise for p in r.exercises] == ["side_plank_left", "side_plank_right"]
    assert r.source == str(f)
    with pytest.raises(RoutineError, match="cannot read it"):
        read_routine(tmp_path / "missing.toml")
