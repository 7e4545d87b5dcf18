"""``sensorback live`` in a real terminal (tmux) on a virtual sensor streaming a plank whose hips
sag: the sag cue appears on screen within 3 s of the sag's start (issue 6)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ble"))
from bletools import CLI, VirtualBluez  # noqa: E402

from sensorback.io.session_file import read  # noqa: E402
from sensorback.simulate import simulate_session  # noqa: E402

SEED = 1  # a plank the detection calls a plank (the programme's pose is random per seed)
LATENCY_S = 3.0


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=False).stdout


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_sag_cue_on_screen_within_3_s(tmp_path: Path) -> None:
    sim = VirtualBluez(["diy"], seed=SEED, args=("--programme", "plank-sag"))
    session = f"sensorback-test-{uuid.uuid4().hex[:8]}"
    out = tmp_path / "live.sqlite"
    try:
        name = sim.name("diy")
        env = f"DBUS_SYSTEM_BUS_ADDRESS={sim.address}"
        command = " ".join([f"env {env}", *CLI, "live", str(out), "--sensor", f"'{name}'",
                            "--json", str(tmp_path / "result.json"), f"2> {tmp_path / 'stderr.txt'}"])
        _tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "40", command)
        seen, screen = None, ""
        deadline = time.monotonic() + 90.0
        while time.monotonic() < deadline:
            screen = _tmux("capture-pane", "-p", "-t", session)
            if ">>> SAG" in screen:
                seen = time.monotonic()
                break
            time.sleep(0.1)
        assert seen is not None, f"no sag cue on screen:\n{screen}\n{(tmp_path / 'stderr.txt').read_text()}"
        assert "PLANK" in screen and "link:" in screen

        # when the sag started, on this machine's monotonic clock: the virtual sensor's clock
        # says when it took sample k, the simulator's truth which sample the sag starts at
        log = sim.log(name)
        t0_s, fs_hz, _, rate_hz = log["clocks"][0]
        truth = simulate_session(SEED, fs_hz=fs_hz, n_blocks=1, walk=False, programme="plank-sag")
        sag_s = next(f["start_s"] for s in truth.truth.segments for f in s.get("form_breaks", []))
        k = int(np.searchsorted(truth.recording.time_s, sag_s))
        latency = seen - (t0_s + k / rate_hz)
        print(f"sag cue on screen {latency:.2f} s after the sag began")
        assert 0.0 < latency <= LATENCY_S

        _tmux("send-keys", "-t", session, "q")
        for _ in range(100):
            if session not in _tmux("list-sessions"):
                break
            time.sleep(0.2)
        rec = read(out)  # the session was recorded as it streamed
        assert rec.duration_s > sag_s
        live_result = json.loads((tmp_path / "result.json").read_text())

        # and its raw notifications replay through the decoders to the same final result
        done = subprocess.run([*CLI, "replay", str(out), "--fast", "-q", "--json", str(tmp_path / "replay.json")],
                              capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        replayed = json.loads((tmp_path / "replay.json").read_text())
        holds = [(s["exercise"], round(s["start_s"], 1)) for s in replayed["segments"] if s["kind"] == "hold"]
        assert holds == [(s["exercise"], round(s["start_s"], 1)) for s in live_result["segments"] if s["kind"] == "hold"]
        assert any(f["direction"] == "sag" for s in replayed["segments"] for f in s.get("form_breaks", []))
    finally:
        _tmux("kill-session", "-t", session)
        sim.stop()
