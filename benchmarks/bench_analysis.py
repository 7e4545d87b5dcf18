"""Time to analyse 1 h and 10 h of 100 Hz data, next to pandas reading the same CSV.

Run:  python benchmarks/bench_analysis.py [--hours 1 10]
Prints wall times (median of repeats) and multiples of real time: ``angles`` is the time-base
check plus calibration and trunk angles (the analysis core), ``analyze`` the whole
:func:`sensorback.analyze` including segment detection. The machine may be shared: read the
ratios, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

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


def _best(fn, repeat: int) -> float:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--hours", type=float, nargs="+", default=[1.0, 10.0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import sensorback
    from sensorback.analysis import analyze
    from sensorback.processing.angles import compute_trunk_angles
    from sensorback.processing.integrity import check_time_base

    print(f"{'data':>6} {'samples':>10} {'pandas read_csv':>16} {'sensorback.read':>16} "
          f"{'angles':>8} {'× real time':>12} {'analyze':>8} {'× real time':>12}")
    for hours in args.hours:
        rec = _session(hours)
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "bench.csv"
            rec.to_csv(str(path))
            t_pd = _best(lambda: pd.read_csv(path), args.repeat)
            t_read = _best(lambda: sensorback.read(path, quiet=True), 1)
        t, acc, gyro, fs = rec.time_s, rec.acc, rec.gyro, float(rec.info.fs_hz or rec.fs)

        def core():
            check_time_base(t, acc, fs)
            compute_trunk_angles(t, acc, gyro, fs)

        core()  # warm-up
        t_core = _best(core, args.repeat)
        analyze(rec)
        t_an = _best(lambda: analyze(rec), args.repeat)
        real = hours * 3600.0
        print(f"{hours:>5g}h {rec.n_samples:>10d} {t_pd:>15.2f}s {t_read:>15.2f}s "
              f"{t_core:>7.2f}s {real / t_core:>11,.0f}× {t_an:>7.2f}s {real / t_an:>11,.0f}×")


if __name__ == "__main__":
    main()
