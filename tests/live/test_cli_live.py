"""``sensorback replay`` from the command line: the analysis' JSON schema, and clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sensorback.io.canonical import write_csv
from sensorback.simulate import simulate

CLI = [sys.executable, "-m", "sensorback.cli"]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=120, check=False)


def test_replay_fast_writes_the_analysis_schema(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    write_csv(simulate(seed=4, n_blocks=1, fs_hz=50), path)
    done = _run("replay", str(path), "--fast", "--json", str(tmp_path / "r.json"))
    assert done.returncode == 0, done.stderr
    result = json.loads((tmp_path / "r.json").read_text())
    assert result["schema"] == "sensorback.analysis/1" and result["segments"]
    assert result["live"]["path"] == "live" and "sensorback analysis of" in done.stdout


def test_replay_bad_input_is_one_line_and_non_zero(tmp_path: Path) -> None:
    done = _run("replay", str(tmp_path / "missing.csv"), "--fast")
    assert done.returncode != 0 and "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    standing_less = tmp_path / "lying.csv"
    rec = simulate(seed=1, n_blocks=1, fs_hz=25).crop(tmin=40.0)  # starts mid-session: no standing start
    write_csv(rec, standing_less)
    done = _run("replay", str(standing_less), "--fast", "-q")
    assert done.returncode != 0 and "Traceback" not in done.stderr and "--mount" in done.stderr
    assert _run("replay", str(standing_less), "--speed", "0").returncode != 0
