"""The ``sensorback`` command line: thin wrappers around the public API.

Heavy modules (numpy, pandas, scipy) are imported inside the commands, so ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence

from ._version import __version__

EPILOG = """\
examples:
  sensorback simulate session.csv --seed 7 --truth truth.json
  sensorback analyze session.csv
  sensorback analyze session.csv --json result.json --series angles.csv
  sensorback analyze phone.csv --acc-unit g --gyro-unit deg/s
  sensorback analyze odd_mount.csv --mount +y,-z

Start every session standing still for ~3 s: sensorback uses it to find how the sensor sits on
your back. Lying face down or face up later in the session refines it further.
"""


def _add_read_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("reading")
    g.add_argument("--format", help="file format (default: detected); one of canonical, qsense, sisfall")
    g.add_argument("--acc-unit", default="auto", help="accelerometer unit: m/s2, g, mg (default: checked and detected)")
    g.add_argument("--gyro-unit", default="auto", help="gyroscope unit: rad/s, deg/s (default: checked and detected)")
    g.add_argument("--time-unit", default="auto", help="time column unit: s, ms, us, ns (default: checked and detected)")
    g.add_argument("--fs", type=float, default=None, help="nominal sample rate in Hz, to measure clock drift against")


def _read(args: argparse.Namespace):  # noqa: ANN202
    from .io import read

    opts = {}
    fmt = args.format
    if fmt in (None, "canonical"):
        from .io import detect_format

        fmt = fmt or detect_format(args.file)
    if fmt == "canonical":
        opts = {"acc_unit": args.acc_unit, "gyro_unit": args.gyro_unit, "time_unit": args.time_unit,
                "fs_hz": args.fs, "quiet": True}
    elif args.fs:
        opts["fs_hz"] = args.fs
    with warnings.catch_warnings():
        # every reader keeps its warnings in info.notes; print them once, as plain lines
        warnings.simplefilter("ignore", UserWarning)
        rec = read(args.file, format=fmt, **opts)
    for note in rec.info.notes:
        print(f"warning: {note}", file=sys.stderr)
    return rec


def cmd_analyze(args: argparse.Namespace) -> int:
    from .analysis import analyze
    from .settings import AnalysisSettings, CalibrationSettings

    rec = _read(args)
    settings = AnalysisSettings(calibration=CalibrationSettings(outward_axis=args.sensor_out))
    result = analyze(rec, settings=settings, mount=args.mount)
    if not args.quiet:
        print(result.summary())
    if args.json:
        result.to_json(args.json)
        print(f"wrote {args.json}", file=sys.stderr)
    if args.series:
        result.write_series(args.series)
        print(f"wrote {args.series}", file=sys.stderr)
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from .io.canonical import write_csv
    from .simulate import simulate_session

    sim = simulate_session(args.seed, fs_hz=args.fs, n_blocks=args.blocks, duration_s=args.duration,
                           outward_sign=-1.0 if args.sensor_in else 1.0)
    write_csv(sim.recording, args.out)
    print(f"wrote {args.out}: {sim.recording.n_samples} samples, {sim.recording.duration_s:.0f} s at "
          f"{sim.truth.sensor['fs_hz']:g} Hz", file=sys.stderr)
    if args.truth:
        sim.truth.write(args.truth)
        print(f"wrote {args.truth} (segments) and its per-sample angles beside it", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sensorback",
        description="Coach and measure core exercises (planks, side planks, bridges, hyperextensions) "
        "from one IMU worn flat on the sacrum.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"sensorback {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("analyze", help="analyse a recording: calibration, trunk angles, data quality",
                       description="Read a recording, find how the sensor sat on the back, and compute the "
                       "trunk's pitch and roll at every sample. Prints a summary.",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="pitch_deg: elevation of the spine's cranial axis (standing +90, plank +5..15, "
                       "lying 0, bridge top -20..-35).\nroll_deg: elevation of the body's left axis "
                       "(right side down +90).")
    p.add_argument("file", help="recording to analyse (canonical CSV time,ax,ay,az,gx,gy,gz or another supported format)")
    p.add_argument("--json", metavar="OUT", help="write the machine-readable result (schema sensorback.analysis/1)")
    p.add_argument("--series", metavar="OUT.csv", help="write time_s,pitch_deg,roll_deg at every sample")
    p.add_argument("--mount", metavar="CRANIAL,POSTERIOR",
                   help="skip automatic calibration: the sensor axes pointing up the spine and out of the back, e.g. +x,+z")
    p.add_argument("--sensor-out", default="+z", metavar="AXIS",
                   help="sensor axis that points out of the back (default +z; -z if worn the other way round)")
    p.add_argument("-q", "--quiet", action="store_true", help="do not print the summary")
    _add_read_options(p)
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("simulate", help="write a simulated session with ground truth",
                       description="Simulate a session (standing calibration, exercises, rests) as recorded by a "
                       "sacral IMU with realistic errors, and write it as canonical CSV.")
    p.add_argument("out", help="output CSV")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--fs", type=float, default=None, help="sample rate in Hz (default: random 25-200)")
    p.add_argument("--blocks", type=int, default=None, help="number of exercise blocks (default: random 4-8)")
    p.add_argument("--duration", type=float, default=None, help="session length in s (adds blocks until reached)")
    p.add_argument("--sensor-in", action="store_true", help="simulate a sensor worn with its z axis into the body")
    p.add_argument("--truth", metavar="OUT.json", help="also write the ground truth")
    p.set_defaults(func=cmd_simulate)

    from .commands import ble, live

    ble.register(sub)
    live.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 0
    from .errors import SensorbackError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return int(args.func(args))
    except SensorbackError as exc:
        print(f"sensorback: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("sensorback: interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError) as exc:
        print(f"sensorback: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
