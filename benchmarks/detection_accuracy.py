"""Detection accuracy on the independent oracle simulator (tests/oracle), or on our own.

Run:  python benchmarks/detection_accuracy.py FIRST_SEED LAST_SEED [--ours] [--true-mount] [-v]

Prints the issue's acceptance numbers pooled over the sessions FIRST..LAST-1: hold F1 (same
exercise, IoU ≥ 0.5), median hold-duration error, rep sets counted exactly, Spearman between
wobble score and true sway, median breathing-rate error (holds ≥ 15 s), form-break recall
within ±3 s and the share of clean holds with a false alarm.  ``--true-mount`` analyses with
the simulator's true sensor mount instead of the automatic calibration; ``-v`` lists misses.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor

import pandas as pd

sys.path.insert(0, ".")


def _one(args: tuple[int, bool, bool]) -> tuple[int, list, list, float, str | None]:
    seed, ours, true_mount = args
    warnings.simplefilter("ignore")
    from sensorback.analysis import analyze
    from sensorback.processing.calibration import Mount
    from tests.detection.scoring import recording_from_oracle, truth_from_oracle, truth_from_sim

    if ours:
        from sensorback.simulate import simulate_session

        sim = simulate_session(seed)
        rec, truth, m = sim.recording, truth_from_sim(sim.truth), sim.truth.mount
    else:
        from tests.oracle import generate

        sess = generate(seed)
        rec, truth, m = recording_from_oracle(sess), truth_from_oracle(sess), sess.mount.as_matrix()
    mount = Mount(m, method="explicit") if true_mount else None
    t0 = time.perf_counter()
    try:
        a = analyze(rec, mount=mount)
    except Exception as exc:  # noqa: BLE001 - a benchmark reports every failure and goes on
        return seed, truth, [], 0.0, f"{type(exc).__name__}: {exc}"
    return seed, truth, a.segments, time.perf_counter() - t0, None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("first", type=int)
    ap.add_argument("last", type=int)
    ap.add_argument("--ours", action="store_true", help="our simulator instead of the independent oracle")
    ap.add_argument("--true-mount", action="store_true", help="use the true sensor mount")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    from tests.detection.scoring import Score

    score = Score()
    errors = []
    with ProcessPoolExecutor(args.jobs) as ex:
        for seed, truth, found, dt, err in ex.map(_one, [(s, args.ours, args.true_mount)
                                                         for s in range(args.first, args.last)]):
            if err:
                errors.append((seed, err))
                print(f"seed {seed}: {err}")
                score.add(truth, [], tag=seed)
                continue
            score.add(truth, found, tag=seed)
    pd.set_option("display.width", 200)
    pd.set_option("display.max_rows", 400)
    if args.verbose:
        for name in ("misses", "extras"):
            rows = getattr(score, name)
            if rows:
                print(f"\n{name}:")
                print(pd.DataFrame(rows).round(2).drop(columns=[c for c in ("form_breaks", "wobble", "jerks",
                      "pitch_deg", "roll_deg", "phi_deg") if c in rows[0]], errors="ignore").to_string())
        sets = pd.DataFrame(score.sets)
        if len(sets):
            print("\nrep sets not counted exactly:")
            print(sets[sets.reps != sets.true_reps].round(2).to_string())
        br = pd.DataFrame(score.breaks)
        if len(br):
            print("\nform breaks missed:")
            print(br[~br.found].round(2).to_string())
        cl = pd.DataFrame(score.clean)
        if len(cl):
            print("\nclean holds with false alarms:")
            print(cl[cl.false_alarms > 0].to_string())
        holds = pd.DataFrame(score.holds)
        if len(holds):
            holds["dur_err"] = (holds.duration_s - holds.true_duration_s).abs()
            print("\nworst hold durations:")
            print(holds.sort_values("dur_err").tail(10).round(2).to_string())
    print(f"\n{'oracle' if not args.ours else 'our simulator'} seeds {args.first}..{args.last - 1}"
          f"{' (true mount)' if args.true_mount else ''}: {len(errors)} sessions failed")
    for k, v in score.summary().items():
        print(f"  {k:28s} {v:.3f}" if isinstance(v, float) else f"  {k:28s} {v}")


if __name__ == "__main__":
    main()
