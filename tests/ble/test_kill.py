"""SIGKILL the recorder at random moments: every file opens, and at most the last second is lost.

The recorder is the real ``sensorback record`` process streaming from a virtual sensor through
bleak; it is killed with SIGKILL (no clean-up of any kind) at a random moment after its session
file appears.  Each next run finds the sensor still connected, as a real one would be.
"""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import time

import pytest
from bletools import CLI, SAMPLE_TAGS, VirtualBluez

import sensorback
from sensorback.io.session_file import DATA, detect, read_devices, read_events, read_meta, read_raw

N_KILLS = 24
KINDS = ["diy", "witmotion", "movesense", "polar_verity", "thingy52", "metamotion"]
MAX_LOSS_S = 1.0


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_at_most_the_last_second(tmp_path):
    sim = VirtualBluez(KINDS, seed=11)
    rng = random.Random(20261123)
    worst = []
    try:
        for i in range(N_KILLS):
            kind = KINDS[i % len(KINDS)]
            out = tmp_path / f"kill-{i:02d}-{kind}.sqlite"
            proc = subprocess.Popen([*CLI, "record", str(out), "--sensor", sim.name(kind), "-q"],
                                    env=sim.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            deadline = time.monotonic() + 30
            while not out.exists():
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                assert time.monotonic() < deadline
                time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 3.0))
            t_kill = time.monotonic()
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            if proc.stderr:
                proc.stderr.close()

            # the file opens, whole
            with sqlite3.connect(out) as db:
                assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert detect(out)
            if not read_devices(out):  # killed before the sensor was registered: nothing streamed yet
                worst.append(0.0)
                continue
            origin = float(read_meta(out)["origin_monotonic_s"])
            started = [origin + e["t_host_s"] for e in read_events(out) if e["kind"] == "connected"]
            sent = [n for n in sim.log(kind)["sent"]
                    if n[1] in SAMPLE_TAGS and started and started[0] < n[0] < t_kill]
            recorded = [p for _, s, p, _ in read_raw(out) if s == DATA]
            payloads = [bytes.fromhex(n[5]) for n in sent]
            recorded = [p for p in recorded if p in set(payloads)]
            assert recorded == payloads[: len(recorded)], "what was kept is exactly what was sent, in order"
            # everything sent until a second before the kill is in the file
            lost_s = t_kill - sent[len(recorded)][0] if len(recorded) < len(sent) else 0.0
            worst.append(lost_s)
            assert lost_s <= MAX_LOSS_S, (i, kind, lost_s)
            if recorded:
                rec = sensorback.read(out)
                assert rec.n_samples > 0 and rec.info.format == "session"
    finally:
        sim.stop()
    assert len(worst) == N_KILLS
    print(f"\n{N_KILLS} kills: data lost before the kill at most {max(worst) * 1000:.0f} ms, "
          f"median {sorted(worst)[len(worst) // 2] * 1000:.0f} ms")
