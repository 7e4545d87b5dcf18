"""CPU per notification and sustained throughput of the receive path.

Run:  python benchmarks/bench_receive.py [--seconds 60] [--ble 10]

1. The receive path alone, per device profile: every notification stored raw, decoded, its samples
   stored, committed (fsync) every 0.25 s of stream time, into a real session file on disk
   (:class:`sensorback.ble.receiver.Receiver`).  Notifications are fed as fast as the path takes
   them: ``CPU/notif`` is process CPU time per notification, ``sustained`` the notifications and
   samples per second it keeps up with, and ``× needed`` how many sensors at that rate one core
   could take.
2. With ``--ble S``: the whole live path for S seconds, through bleak's BlueZ backend, a private
   dbus-daemon and the simulated BlueZ (every profile's virtual sensor at once, at ~200 Hz where
   it can): the recorder's CPU per notification and share of a core, bleak and D-Bus included.

The machine may be shared: read the ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from sensorback.ble.receiver import Receiver
from sensorback.devices import PROFILES, diy, metamotion, movesense, polar, thingy, witmotion
from sensorback.io.session_file import COMMIT_INTERVAL_S, DATA, SessionWriter


def _notifications(key: str, fs: float, seconds: float):
    """What a sensor of this profile sends in `seconds` at `fs` (simulated motion)."""
    from sensorback.simulate import simulate_session

    rec = simulate_session(1, fs_hz=fs, n_blocks=1, walk=False).recording
    n = int(fs * seconds)
    idx = np.arange(n) % rec.n_samples
    t, acc, gyro = 10.0 + np.arange(n) / fs, rec.acc[idx], rec.gyro[idx]
    encode = {
        "witmotion": lambda: witmotion.encode_notifications(t, acc, gyro, frames_per_notification=2 if fs > 100 else 1),
        "movesense": lambda: movesense.encode_notifications(t, acc, gyro, samples_per_notification=8 if fs > 104 else 4),
        "polar_h10": lambda: polar.encode_notifications(t, acc, samples_per_frame=24),
        "polar_verity": lambda: polar.encode_notifications(t, acc, gyro, samples_per_frame=6),
        "thingy52": lambda: thingy.encode_notifications(t, acc, gyro),
        "metamotion": lambda: metamotion.encode_notifications(t, acc, gyro, packed=fs > 100),
        "diy": lambda: diy.encode_notifications(t, acc, gyro, samples_per_packet=round(fs / 25)),
    }[key]
    return encode()


def bench_path(seconds: float) -> None:
    print(f"receive path alone: {seconds:g} s of stream per profile, commit every "
          f"{COMMIT_INTERVAL_S} s of stream time (synchronous=FULL)")
    print(f"{'profile':<14} {'fs Hz':>6} {'notif/s':>8} {'CPU/notif':>10} {'sustained notif/s':>18} "
          f"{'samples/s':>10} {'× needed':>9} {'file MB/h':>10}")
    for key in ("witmotion", "movesense", "polar_h10", "polar_verity", "thingy52", "metamotion", "diy"):
        profile = PROFILES[key]
        fs = max(profile.rates_hz) if key != "movesense" else 208.0
        notes = _notifications(key, fs, seconds)
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "bench.sqlite"
            rx = Receiver(SessionWriter(path, origin_monotonic_s=0.0))
            dev = rx.add_device("sacrum", profile, fs)
            commit_every = max(1, round(len(notes) / seconds * COMMIT_INTERVAL_S))
            c0, w0 = time.process_time(), time.perf_counter()
            for i, n in enumerate(notes):
                rx.handle((dev, DATA, n.time_s, n.payload))
                if i % commit_every == commit_every - 1:
                    rx.writer.commit()
            rx.writer.commit()
            cpu, wall = time.process_time() - c0, time.perf_counter() - w0
            samples = rx.stats[dev].samples
            rx.close()
            size_mb_h = path.stat().st_size / 1e6 * 3600 / seconds
        rate = len(notes) / seconds
        print(f"{key:<14} {fs:>6g} {rate:>8.0f} {cpu / len(notes) * 1e6:>8.1f} µs "
              f"{len(notes) / wall:>18,.0f} {samples / wall:>10,.0f} {len(notes) / wall / rate:>8.0f}× "
              f"{size_mb_h:>10.1f}")


def bench_ble(seconds: float) -> None:
    from sensorback.ble.bus import PrivateBus
    from sensorback.ble.recorder import SensorRequest, record
    from sensorback.ble.virtual import DEFAULT_NAMES

    kinds = {"witmotion": 200, "movesense": 208, "polar_h10": 200, "polar_verity": 52, "thingy52": 200,
             "metamotion": 200, "diy": 200}
    bus = PrivateBus()
    address = bus.start()
    argv = [sys.executable, "-m", "sensorback.cli", "virtual-sensor", "--bus", address]
    for k in kinds:
        argv += ["--sensor", k]
    sim = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        assert sim.stdout is not None and sim.stdout.readline().startswith("virtual BlueZ ready")
        os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = address
        requests = [SensorRequest(DEFAULT_NAMES[k], k, fs_hz=fs) for k, fs in kinds.items()]
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "ble.sqlite"
            marks: list[tuple[float, float]] = []

            def status(line: str) -> None:  # called every 0.5 s while every sensor streams
                marks.append((time.process_time(), time.perf_counter()))

            summary = asyncio.run(record(path, requests, duration_s=seconds, on_status=status))
            (c0, w0), (c1, w1) = marks[1], marks[-1]  # steady state: set-up and read-back left out
            cpu, wall = c1 - c0, w1 - w0
            duration = max(s.duration_s for s in summary.sensors)
            n = sum(s.packets for s in summary.sensors) / duration * wall
            samples = sum(s.samples for s in summary.sensors) / duration * wall
    finally:
        sim.terminate()
        sim.wait()
        bus.stop()
    print(f"\nwhole live path through bleak + D-Bus + simulated BlueZ, {len(kinds)} sensors for {seconds:g} s:")
    print(f"  {n / wall:,.0f} notifications/s ({samples / wall:,.0f} samples/s) received; recorder CPU "
          f"{cpu / n * 1e6:.0f} µs per notification, {100 * cpu / wall:.0f} % of one core")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60.0, help="stream time per profile (receive path)")
    ap.add_argument("--ble", type=float, default=0.0, metavar="S", help="also run the live path for S seconds")
    args = ap.parse_args()
    bench_path(args.seconds)
    if args.ble:
        bench_ble(args.ble)


if __name__ == "__main__":
    main()
