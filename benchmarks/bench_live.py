"""Speed of the live path (issue 6).

Run:  python benchmarks/bench_live.py [--seconds 120] [--hours 1]

1. Per notification: a DIY sensor at 100 Hz (4 samples per notification), each notification
   decoded, placed on the time base and pushed into :class:`sensorback.live.LivePipeline`, with a
   state update (fusion, calibration, detection over the trailing window, cues) every 0.25 s of
   data as the live view does.  Printed: the cost of taking a notification in (p50/p99), of an
   update (p50/p99), and the latency from a notification's arrival to the state and cue that
   include it (waiting for the next update + the update itself; p50/p99 over notifications).
2. CPU for two sensors at 200 Hz: both streams stored raw, decoded and stored in a session file
   (the receive path, fsync every 0.25 s), the sacrum one through the live path with updates every
   0.25 s: process CPU time over the stream's duration.
3. ``replay --fast`` of ``--hours`` of a 100-Hz recording: the live path with updates every 120 s of
   data (no view to refresh) and the final result; next to it the offline analysis.
4. Memory for sessions of any length: in a fresh process, a 1-h 100-Hz session replayed ``--fast``
   1 and 4 times over (1 h, 4 h), updates every 60 s of data.  Printed: the resident set size (RSS)
   above the process' own before the replay, at its largest while streaming and in ``finish()``
   (which reads the spilled history back), and what the pipeline holds in memory.

The machine may be shared: read the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sensorback.analysis import analyze
from sensorback.ble.receiver import Receiver
from sensorback.devices import PROFILES, diy
from sensorback.io.session_file import DATA, SessionDecoder, SessionWriter
from sensorback.live import LivePipeline, LiveSettings
from sensorback.live.replay import StreamClock, recording_feed, replay
from sensorback.simulate import simulate_session


def _notifications(fs: float, seconds: float, seed: int = 3):
    rec = simulate_session(seed, fs_hz=fs, n_blocks=2).recording
    n = int(fs * seconds)
    idx = np.arange(n) % rec.n_samples
    t = 10.0 + np.arange(n) / fs
    return diy.encode_notifications(t, rec.acc[idx], rec.gyro[idx], samples_per_packet=round(fs / 25))


def _pct(x: list[float]) -> str:
    a = np.array(x) * 1e3
    return f"p50 {np.percentile(a, 50):7.3f} ms  p99 {np.percentile(a, 99):7.3f} ms  max {a.max():7.2f} ms"


def bench_notification(seconds: float) -> None:
    fs = 100.0
    notes = _notifications(fs, seconds)
    profile = PROFILES["diy"]
    decoder, clock = SessionDecoder(profile, fs), StreamClock(profile, fs)
    live = LivePipeline(fs, live=LiveSettings())
    ingest, updates, latency = [], [], []
    pending: list[float] = []  # arrival times of notifications not yet in the state
    next_update = notes[0].time_s + 0.25
    for note in notes:
        t0 = time.perf_counter()
        batches, _ = decoder.feed(DATA, note.payload, note.time_s)
        for b in batches:
            live.push(clock.place(b), b.acc, b.gyro)
        t1 = time.perf_counter()
        ingest.append(t1 - t0)
        pending.append(note.time_s)
        if note.time_s >= next_update:  # the view's update, every 0.25 s
            live.update()
            cost = time.perf_counter() - t1
            updates.append(cost)
            latency += [note.time_s - a + cost for a in pending]
            pending = []
            next_update += 0.25
    print(f"1. per notification (DIY, {fs:g} Hz, 4 samples each, {len(notes)} notifications, {seconds:g} s):")
    print(f"   take in (decode, time base, push)   {_pct(ingest)}")
    print(f"   state update every 0.25 s            {_pct(updates)}")
    print(f"   arrival -> state and cue (latency)   {_pct(latency)}")
    print(f"   memory held by the pipeline: {live.memory_bytes / 1e6:.1f} MB after {seconds:g} s")


def bench_cpu(seconds: float) -> None:
    fs = 200.0
    streams = {"sacrum": _notifications(fs, seconds, seed=3), "t12": _notifications(fs, seconds, seed=4)}
    profile = PROFILES["diy"]
    with tempfile.TemporaryDirectory() as tmp:
        live = LivePipeline(fs)
        clock = StreamClock(profile, fs)

        def on_batches(device: int, batches: list) -> None:
            if device == sacrum:
                for b in batches:
                    live.push(clock.place(b), b.acc, b.gyro)

        rx = Receiver(SessionWriter(Path(tmp) / "s.sqlite"), on_batches=on_batches)
        sacrum = rx.add_device("sacrum", profile, fs)
        t12 = rx.add_device("t12", profile, fs)
        merged = sorted([(n.time_s, sacrum, n.payload) for n in streams["sacrum"]]
                        + [(n.time_s, t12, n.payload) for n in streams["t12"]])
        origin = rx.writer.origin_monotonic_s
        c0 = time.process_time()
        next_update = next_commit = merged[0][0] + 0.25
        for t, dev, payload in merged:
            rx.handle((dev, DATA, origin + t, payload))
            if t >= next_commit:
                rx.writer.commit()
                next_commit += 0.25
            if t >= next_update:
                live.update()
                next_update += 0.25
        cpu = time.process_time() - c0
        rx.close()
    print(f"2. two sensors at {fs:g} Hz for {seconds:g} s (receive path + session file for both, live path "
          f"for the sacrum): CPU {cpu:.2f} s = {100 * cpu / seconds:.1f} % of one core")


def bench_replay(hours: float) -> None:
    t0 = time.perf_counter()
    rec = simulate_session(5, fs_hz=100.0, duration_s=3600.0 * hours).recording
    made = time.perf_counter() - t0
    t0 = time.perf_counter()
    pipeline = LivePipeline(100.0, live=LiveSettings(update_every_s=120.0, detect_every_s=float("inf")))
    replay(recording_feed(rec), pipeline)
    t1 = time.perf_counter()
    result = pipeline.finish()
    fast, final = time.perf_counter() - t0, time.perf_counter() - t1
    t0 = time.perf_counter()
    offline = analyze(rec)
    off = time.perf_counter() - t0
    print(f"3. replay --fast of {rec.duration_s / 3600:.2f} h at 100 Hz ({rec.n_samples} samples, simulated in "
          f"{made:.1f} s): {fast:.2f} s ({rec.duration_s / fast:,.0f}× real time, of which finish() {final:.2f} s); "
          f"offline analysis {off:.2f} s")
    same = [(s["kind"], s["exercise"]) for s in result.segments] == [(s["kind"], s["exercise"]) for s in offline.segments]
    bounds = max((max(abs(a["start_s"] - b["start_s"]), abs(a["end_s"] - b["end_s"]))
                  for a, b in zip(offline.segments, result.segments)), default=0.0)
    go, gl = offline.detection.grid, result.detection.grid
    n = min(go.n, gl.n)
    angle = np.max(np.abs(np.concatenate((go.pitch_deg[:n] - gl.pitch_deg[:n], go.roll_deg[:n] - gl.roll_deg[:n]))))
    print(f"   segments: {len(result.segments)} replayed, {len(offline.segments)} offline, same kinds in order: {same}, "
          f"boundaries within {bounds:.3g} s; grid angles within {angle:.2g}° ({go.n} / {gl.n} grid points)")


def _rss_mb(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def measure_memory(hours: int) -> dict:
    """RSS of a replay of ``hours`` × the same 1-h session (run in a fresh process)."""
    from sensorback.live.replay import Feed

    rec = simulate_session(5, fs_hz=100.0, duration_s=3600.0).recording
    period = rec.time_s[-1] - rec.time_s[0] + 0.01

    def feed():
        for k in range(hours):
            for b in recording_feed(rec):
                yield Feed(b.time_s + k * period, b.acc, b.gyro)

    pipeline = LivePipeline(100.0, live=LiveSettings(update_every_s=60.0, detect_every_s=60.0))
    base = _rss_mb()
    Path("/proc/self/clear_refs").write_text("5")  # restart the peak (VmHWM) from here
    streaming = [0.0]
    held = [0]

    def on_block(_events: list) -> None:
        streaming[0] = max(streaming[0], _rss_mb())
        held[0] = max(held[0], pipeline.memory_bytes)

    t0 = time.perf_counter()
    replay(feed(), pipeline, on_events=on_block)
    streaming[0] = max(streaming[0], _rss_mb(), _rss_mb("VmHWM"))
    result = pipeline.finish()
    return {"hours": hours, "seconds": time.perf_counter() - t0, "streaming_mb": streaming[0] - base,
            "finish_mb": _rss_mb("VmHWM") - base, "held_mb": held[0] / 1e6, "segments": len(result.segments)}


def bench_memory() -> None:
    print("4. memory (RSS above the process' own before the replay; 1-h session replayed n times, updates every 60 s):")
    for hours in (1, 4):
        out = subprocess.run([sys.executable, __file__, "--memory-of", str(hours)], capture_output=True, text=True,
                             check=True).stdout
        m = json.loads(out.splitlines()[-1])
        print(f"   {m['hours']} h: streaming peak +{m['streaming_mb']:.0f} MB, with finish() +{m['finish_mb']:.0f} MB; "
              f"pipeline holds {m['held_mb']:.1f} MB; {m['segments']} segments, {m['seconds']:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--hours", type=float, default=1.0)
    ap.add_argument("--memory-of", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_of:
        print(json.dumps(measure_memory(args.memory_of)))
        return
    bench_notification(args.seconds)
    bench_cpu(args.seconds)
    bench_replay(args.hours)
    bench_memory()


if __name__ == "__main__":
    main()
