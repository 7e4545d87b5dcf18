"""Time to analyse 1 h and 10 h of 100 Hz data, next to pandas reading the same CSV.

Run:  python benchmarks/bench_analysis.py [--hours 1 10] [--repeat 5]
Prints, for ``core`` (the time-base check plus calibration and trunk angles) and ``analyze``
(the whole :func:`sensorback.analyze` including segment detection), the wall time and the CPU
time of this process (the best of the repeats) and multiples of real time from the CPU time;
on a shared machine the wall time also counts waiting for a core.  ``pandas read_csv`` of the
same data as CSV (and ``sensorback.read`` of it, with its unit and time-base checks) is there
for scale.

One core: BLAS is held to one thread (unless ``OPENBLAS_NUM_THREADS`` and the like are set), as
its threads would spin on the other cores for the small matrices here, doubling the CPU time
for the same wall time.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np
import pandas as pd


def _session(hours: float):
    from sensorback.recording import Recording
    from sensorback.simulate import simulate_session

    one = simulate_session(2024, fs_hz=100.0, duration_s=min(3600.0, hours * 3600.0)).recording
    reps = int(np.ceil(hours * 3600.0 / one.duration_s))
    t = one.time_s
    period = t[-1] + 0.01
    times = np.concatenate([t + k * period for k in range(reps)])
    values = np.tile(one.samples.to_numpy(), (reps, 1))
    n = int(hours * 3600 * 100)
    df = pd.DataFrame(values[:n], columns=one.samples.columns, index=pd.Index(times[:n], name="time_s"))
    return Recording(df, one.info)


def _best(fn, repeat: int) -> tuple[float, float]:
    """Best wall and best CPU time (s) of ``repeat`` calls."""
    wall, cpu = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return min(wall), min(cpu)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--hours", type=float, nargs="+", default=[1.0, 10.0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    import sensorback
    from sensorback.analysis import analyze
    from sensorback.processing.angles import compute_trunk_angles
    from sensorback.processing.integrity import check_time_base

    print(f"{'data':>5} {'samples':>10} {'read_csv':>9} {'sb.read':>8} | {'core wall':>9} {'cpu':>7} {'× real':>9} | "
          f"{'analyze wall':>12} {'cpu':>7} {'× real':>9}")
    for hours in args.hours:
        rec = _session(hours)
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "bench.csv"
            rec.to_csv(str(path))
            t_pd, _ = _best(lambda: pd.read_csv(path), min(args.repeat, 3))
            t_read, _ = _best(lambda: sensorback.read(path, quiet=True), 1)
        t, acc, gyro, fs = rec.time_s, rec.acc, rec.gyro, float(rec.info.fs_hz or rec.fs)

        def core():
            check_time_base(t, acc, fs)
            compute_trunk_angles(t, acc, gyro, fs)

        core()  # warm-up
        core_wall, core_cpu = _best(core, args.repeat)
        analyze(rec)
        an_wall, an_cpu = _best(lambda: analyze(rec), args.repeat)
        real = hours * 3600.0
        print(f"{hours:>4g}h {rec.n_samples:>10d} {t_pd:>8.3f}s {t_read:>7.2f}s | {core_wall:>8.3f}s {core_cpu:>6.3f}s "
              f"{real / core_cpu:>8,.0f}× | {an_wall:>11.3f}s {an_cpu:>6.3f}s {real / an_cpu:>8,.0f}×")


if __name__ == "__main__":
    main()
