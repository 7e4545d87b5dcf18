"""Time to write the report of a 1-hour session (100 Hz): analysis, every figure, PDF and HTML.

Run:  python benchmarks/bench_report.py [--minutes 60] [--jobs N] [--out DIR]
Prints the session's content, then a table of steps (analysis; the figures of each kind; the
PDF and HTML) with wall time, and the totals with CPU time, that of the rendering processes
included (the machine may be shared: wall time then overstates the work).  With more than one
job the figures are drawn in parallel, so a kind's time is when its last figure arrived.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections import Counter
from pathlib import Path


def cpu_s() -> float:
    """CPU time of this process and of its finished children (the rendering processes)."""
    own, children = (resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--jobs", type=int, default=1, help="rendering processes (default: 1, this one)")
    ap.add_argument("--out", type=Path, help="keep the report here (default: a temporary folder)")
    args = ap.parse_args()

    from sensorback.report import write_report
    from sensorback.report.session import pages
    from sensorback.simulate import simulate_session

    rec = simulate_session(2024, fs_hz=100.0, duration_s=args.minutes * 60.0).recording
    t0, c0 = time.perf_counter(), cpu_s()
    analysis = rec.analyze()
    t1, c1 = time.perf_counter(), cpu_s()
    kinds = Counter(s["kind"] for s in analysis.segments)
    n_pages = sum(1 for _ in pages(analysis, __import__("sensorback.report", fromlist=["x"]).default_routine()))
    print(f"session: {rec.duration_s / 60:.1f} min at 100 Hz, {kinds['hold']} holds, {kinds['reps']} rep sets, "
          f"{kinds['rest']} rests; {n_pages} figures drawn in {min(args.jobs, n_pages)} process(es)")
    stamps: list[tuple[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        report = write_report(analysis, out, jobs=args.jobs,
                              progress=lambda d, n, what: stamps.append((what, time.perf_counter())))
        t2, c2 = time.perf_counter(), cpu_s()
        per: dict[str, list[float]] = {}
        last = t1
        for what, t in stamps:
            per.setdefault(what.split("_")[0], []).append(t - last)
            last = t
        print(f"{'step':<12} {'figures':>7} {'wall s':>8} {'ms each':>8}")
        print(f"{'analysis':<12} {'':>7} {t1 - t0:8.2f}")
        for kind, ts in per.items():
            print(f"{kind:<12} {len(ts):7d} {sum(ts):8.2f} {1000 * sum(ts) / len(ts):8.0f}")
        print(f"{'PDF + HTML':<12} {'':>7} {t2 - last:8.2f}")
        print(f"report            {t2 - t1:6.2f} s wall, CPU {c2 - c1:6.2f} s; {len(report.pngs)} figures, "
              f"PNGs {sum(p.stat().st_size for p in report.pngs) / 1e6:.1f} MB, "
              f"PDF {report.pdf.stat().st_size / 1e6:.1f} MB, HTML {report.html.stat().st_size / 1e6:.1f} MB")
        print(f"analysis + report {t2 - t0:6.2f} s wall, CPU {c2 - c0:6.2f} s  (target: < 10 s)")


if __name__ == "__main__":
    main()
