"""The command line, run as a user runs it: a real process, real files."""

import json
import subprocess
import sys

import pandas as pd
import pytest

EXE = [sys.executable, "-m", "sensorback.cli"]


def run(*args, check=True):
    p = subprocess.run([*EXE, *map(str, args)], capture_output=True, text=True, timeout=120)
    if check:
        assert p.returncode == 0, p.stderr
    return p


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    run("simulate", d / "s.csv", "--seed", 13, "--blocks", 3, "--fs", 100, "--truth", d / "truth.json")
    return d


def test_help_teaches():
    out = run("--help").stdout
    assert "analyze" in out and "simulate" in out and "examples:" in out
    out = run("analyze", "--help").stdout
    assert "--json" in out and "--series" in out and "--mount" in out and "pitch_deg" in out


def test_analyze_json_and_series(session):
    p = run("analyze", session / "s.csv", "--json", session / "r.json", "--series", session / "a.csv")
    assert "calibration" in p.stdout and "trunk pitch" in p.stdout and "uncertainty pitch ±" in p.stdout
    res = json.loads((session / "r.json").read_text())
    assert res["schema"] == "sensorback.analysis/1"
    for key in ("file", "duration_s", "fs_hz", "calibration", "segments"):
        assert key in res
    assert res["calibration"]["method"] in ("standing", "standing+lying")
    assert res["calibration"]["pitch_sd_deg"] > 0 and "standing" in res["calibration"]["informed_by"]
    assert abs(res["fs_hz"] - 100) < 0.5
    series = pd.read_csv(session / "a.csv")
    assert list(series.columns) == ["time_s", "pitch_deg", "roll_deg"]
    assert len(series) > 1000
    truth = pd.read_csv(session / "truth.angles.csv")
    assert len(truth) == len(series)
    err = (series["pitch_deg"] - truth["pitch_deg"]).abs()
    assert err.median() < 0.5


@pytest.mark.parametrize(
    "content, needle",
    [
        ("hello,world\n1,2\n", "not a recording sensorback can read"),
        ("time,ax,ay,az,gx,gy,gz\n0,0,0,0,0,0,0\n1,0,0,0,0,0,0\n" * 10, "acceleration"),
    ],
)
def test_bad_input_one_line_no_traceback(tmp_path, content, needle):
    f = tmp_path / "bad.csv"
    f.write_text(content)
    p = run("analyze", f, check=False)
    assert p.returncode != 0
    assert "Traceback" not in p.stderr
    assert needle in p.stderr
    assert p.stderr.strip().count("\n") == 0


def test_missing_file_and_no_standing(tmp_path, session):
    p = run("analyze", tmp_path / "nope.csv", check=False)
    assert p.returncode == 2 and "no such file" in p.stderr and "Traceback" not in p.stderr
    # an exercise only, no standing anywhere: no calibration possible → advice, exit 3
    df = pd.read_csv(session / "s.csv")
    truth = json.loads((session / "truth.json").read_text())
    first = next(s for s in truth["segments"] if s["kind"] in ("hold", "reps"))
    t = df.time - df.time.iloc[0]
    df[(t > first["start_s"] + 0.5) & (t < first["end_s"] - 0.5)].to_csv(tmp_path / "nostand.csv", index=False)
    p = run("analyze", tmp_path / "nostand.csv", check=False)
    assert p.returncode == 3 and "--mount" in p.stderr and "Traceback" not in p.stderr


def test_explicit_mount_option(tmp_path):
    run("simulate", tmp_path / "s.csv", "--seed", 1, "--blocks", 1, "--fs", 50)
    p = run("analyze", tmp_path / "s.csv", "--mount", "+x,+z")
    assert "given explicitly" in p.stdout and "uncertainty" not in p.stdout and "hint" not in p.stdout
    p = run("analyze", tmp_path / "s.csv", "--mount", "+x,+x", check=False)
    assert p.returncode == 2 and "must differ" in p.stderr


def test_simulate_two_sensors_then_analyze_lumbar(tmp_path):
    run("simulate", tmp_path / "s.csv", "--seed", 2, "--blocks", 1, "--fs", 50, "--upper", tmp_path / "u.csv",
        "--truth", tmp_path / "t.json")
    truth = json.loads((tmp_path / "t.json").read_text())
    lumbar = pd.read_csv(tmp_path / "t.lumbar.csv")
    assert list(lumbar.columns) == ["time_s", "flexion_deg", "lateral_deg", "twist_deg"]
    run("analyze", tmp_path / "s.csv", "--upper", tmp_path / "u.csv", "--json", tmp_path / "a.json")
    upper = json.loads((tmp_path / "a.json").read_text())["lumbar"]["upper"]
    assert upper["time_offset_s"] == pytest.approx(truth["upper"]["time_offset_s"], abs=0.04)


def _planks_and_rests(rests, seed=0):
    """Standing, then a 15-s plank followed by a 20-s rest in each of ``rests``."""
    import numpy as np

    from sensorback.simulate.programme import Phase, exercise_block, rest_posture

    rng = np.random.default_rng(seed)
    phases = [Phase("calibration", None, rest_posture(rng, "standing"), 6.0, {"sway_deg": 0.1})]
    for r in rests:
        phases += [exercise_block(rng, "plank", "hold", 15),
                   Phase("rest", None, rest_posture(rng, r), 20.0, {"sway_deg": 0.1})]
    return phases


@pytest.fixture(scope="module")
def lying_or_not():
    """Short sessions (50 Hz, 2 min): planks with standing rests only, or with lying ones."""
    from sensorback.simulate import simulate_session

    return {rests: simulate_session(1, fs_hz=50, phases=_planks_and_rests(rests)).recording.analyze()
            for rests in (("standing", "standing"), ("prone", "supine", "prone"))}


@pytest.mark.parametrize("rests, hint", [(("standing", "standing"), True), (("prone", "supine", "prone"), False)])
def test_summary_tells_when_the_angles_are_uncertain(lying_or_not, rests, hint):
    # Nothing lying still: the sensor's sagittal tilt rests on standing alone (people's pelvic
    # tilt varies by ±3.5°), so the summary `sensorback analyze` prints says how uncertain the
    # angles are and how to pin them down; with lying rests it says only how uncertain.
    a = lying_or_not[rests]
    out = a.summary()
    c = a.to_dict()["calibration"]  # the JSON
    assert "uncertainty pitch ±" in out and "(1 sd), from standing ×" in out
    hints = [line for line in out.splitlines() if line.strip().startswith("hint")]
    if hint:
        assert c["lying_postures"] == 0 and c["pitch_sd_deg"] > 1.2
        assert len(hints) == 1 and f"angles uncertain by ±{c['pitch_sd_deg']:.1f}°" in hints[0]
        assert "lie still face down or on your back" in hints[0] and hints[0] == "  hint         " + c["advice"]
    else:
        assert c["lying_postures"] >= 2 and c["pitch_sd_deg"] <= 1.2
        assert not hints and "advice" not in c


def test_a_reader_that_goes_away_is_not_an_error(session):
    """``sensorback analyze FILE | head -1``: the pipe closes before the summary is written."""
    proc = subprocess.Popen([*EXE, "analyze", str(session / "s.csv")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before anything is written
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Traceback" not in err and "error" not in err and "Exception" not in err, err
    assert proc.returncode in (0, 141)


@pytest.mark.parametrize("blocked, argv, extra", [
    ("matplotlib", ["report", "{csv}", "-o", "{out}"], "plot"),
    ("bleak", ["scan", "--timeout", "1"], "ble"),
])
def test_a_missing_extra_is_named_not_a_traceback(tmp_path, blocked, argv, extra):
    # a fresh interpreter in which the optional package cannot be imported, as after a plain
    # `pip install sensorback`
    run("simulate", tmp_path / "s.csv", "--seed", 2, "--blocks", 1, "--fs", 25)
    args = [a.format(csv=tmp_path / "s.csv", out=tmp_path / "rep") for a in argv]
    code = (f"import sys; sys.modules[{blocked!r}] = None; from sensorback.cli import main; "
            f"sys.exit(main({args!r}))")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 10 and "Traceback" not in p.stderr, p.stderr
    assert f"pip install 'sensorback[{extra}]'" in p.stderr and blocked in p.stderr
