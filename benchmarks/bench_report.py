"""Time to write the report of a 1-hour session (100 Hz): analysis, every figure, PDF and HTML.

Run:  python benchmarks/bench_report.py [--minutes 60] [--out DIR]
Prints the session's content, the analysis time, the report time per kind of figure and in
all, and the CPU time (the machine may be shared: wall time then overstates the work).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--out", type=Path, help="keep the report here (default: a temporary folder)")
    args = ap.parse_args()

    from sensorback.report import write_report
    from sensorback.simulate import simulate_session

    rec = simulate_session(2024, fs_hz=100.0, duration_s=args.minutes * 60.0).recording
    kinds = Counter()
    t0, c0 = time.perf_counter(), time.process_time()
    analysis = rec.analyze()
    t1, c1 = time.perf_counter(), time.process_time()
    kinds.update(s["kind"] for s in analysis.segments)
    print(f"session: {rec.duration_s / 60:.1f} min at 100 Hz, {kinds['hold']} holds, {kinds['reps']} rep sets, "
          f"{kinds['rest']} rests")
    stamps: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        report = write_report(analysis, out, progress=lambda d, n, what: stamps.append((what, time.perf_counter())))
        t2, c2 = time.perf_counter(), time.process_time()
        per: dict[str, list[float]] = {}
        last = t1
        for what, t in stamps:
            per.setdefault(what.split("_")[0], []).append(t - last)
            last = t
        print(f"analysis          {t1 - t0:6.2f} s  (CPU {c1 - c0:.2f} s)")
        for kind, ts in per.items():
            print(f"  {kind:<10} {len(ts):3d} figures, {sum(ts):6.2f} s, {1000 * sum(ts) / len(ts):5.0f} ms each")
        print(f"PDF + HTML        {t2 - last:6.2f} s")
        print(f"report            {t2 - t1:6.2f} s  (CPU {c2 - c1:.2f} s), {len(report.pngs)} figures, "
              f"PDF {report.pdf.stat().st_size / 1e6:.1f} MB, HTML {report.html.stat().st_size / 1e6:.1f} MB")
        print(f"analysis + report {t2 - t0:6.2f} s  (target < 10 s)")


if __name__ == "__main__":
    main()
