"""The ``sensorback`` command line: thin wrappers around the public API.

Heavy modules (numpy, pandas, scipy) are imported inside the commands, so ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import os
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
  sensorback analyze log.csv --format generic --columns time=ts,ax=AccX,ay=AccY,az=AccZ,gx=GyrX,gy=GyrY,gz=GyrZ
  sensorback analyze sacrum.csv --upper t12.csv        # two sensors: lumbar angle
  sensorback convert export.zip session.parquet
  sensorback report session.csv -o report/ --routine my_routine.toml
  sensorback history sessions/ -o progress/

Start every session standing still for ~3 s: sensorback uses it to find how the sensor sits on
your back. Lying face down or face up later in the session refines it further.
"""

# the reading examples shared by `analyze` and `convert`; formats and their quirks: docs/formats.md
_READ_EXAMPLES = """\
  Detected from the content: canonical CSV, Parquet, session files, phyphox and Sensor Logger exports,
  MbientLab MetaBase, WitMotion, ST BLE Sensor, QSense, SisFall. Any other CSV needs --columns, and
  --acc-unit/--gyro-unit/--time-unit when its units are not m/s², rad/s and s.
  Every format and its quirks: docs/formats.md
"""

ANALYZE_EPILOG = """\
examples:
  sensorback analyze session.csv --json result.json --series angles.csv
  sensorback analyze phyphox_export.zip                 # a phone's export, format detected
  sensorback analyze "Sensor 1.csv" --fs 100            # QSense without its info.txt: give the rate
  sensorback analyze log.csv --columns time=ts,ax=AccX,ay=AccY,az=AccZ,gx=GyrX,gy=GyrY,gz=GyrZ --acc-unit g
  sensorback analyze sacrum.csv --upper t12.csv         # two sensors: the lumbar angle

formats:
""" + _READ_EXAMPLES + """
pitch_deg: elevation of the spine's cranial axis (standing +90, plank +5..15, lying 0, bridge top -20..-35).
roll_deg: elevation of the body's left axis (right side down +90).
"""

CONVERT_EPILOG = """\
examples:
  sensorback convert phyphox_export.zip session.csv
  sensorback convert MetaWear_..._Accelerometer_12.500Hz_1.4.4.csv session.parquet   # either file of the pair
  sensorback convert sensorlogger.zip session.csv --accel-only    # an export without a gyroscope
  sensorback convert log.csv session.csv --columns time=ts,ax=AccX,ay=AccY,az=AccZ,gx=GyrX,gy=GyrY,gz=GyrZ

formats:
""" + _READ_EXAMPLES


def _add_read_options(p: argparse.ArgumentParser) -> None:
    from ._formats import FORMATS

    g = p.add_argument_group("reading")
    g.add_argument("--format", choices=list(FORMATS), metavar="FORMAT",
                   help=f"file format (default: detected); one of {', '.join(FORMATS)}")
    g.add_argument("--columns", metavar="MAP",
                   help="any CSV (implies --format generic): which column holds what, as comma-separated "
                   "QUANTITY=COLUMN pairs for time, ax, ay, az, gx, gy, gz (see the examples below)")
    g.add_argument("--acc-unit", default="auto", help="accelerometer unit: m/s2, g, mg (default: checked and detected)")
    g.add_argument("--gyro-unit", default="auto", help="gyroscope unit: rad/s, deg/s (default: checked and detected)")
    g.add_argument("--time-unit", default="auto", help="time column unit: s, ms, us, ns (default: checked and detected)")
    g.add_argument("--fs", type=float, default=None, help="nominal sample rate in Hz, to measure clock drift against")
    g.add_argument("--accel-only", action="store_true",
                   help="read a file without a gyroscope (angles from the accelerometer alone, lower quality)")


# option name on the command line -> (reader keyword, value that means "not given")
_READ_OPTIONS = {
    "--acc-unit": ("acc_unit", "auto"), "--gyro-unit": ("gyro_unit", "auto"),
    "--time-unit": ("time_unit", "auto"), "--fs": ("fs_hz", None),
    "--columns": ("columns", None), "--accel-only": ("accel_only", False),
}


def _add_mount_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mount", metavar="CRANIAL,POSTERIOR",
                   help="skip automatic calibration: the sensor axes pointing up the spine and out of the back, e.g. +x,+z")
    p.add_argument("--sensor-out", default="+z", metavar="AXIS",
                   help="sensor axis that points out of the back (default +z; -z if worn the other way round)")


def _read(args: argparse.Namespace, path: str | None = None):  # noqa: ANN202
    import inspect

    from .errors import InputError
    from .io import FORMATS, detect_format, read
    from .io import _module as reader_module

    path = path or args.file
    fmt = args.format or ("generic" if args.columns else detect_format(path))
    accepts = inspect.signature(reader_module(fmt).read).parameters
    if "columns" in accepts or fmt == "generic":
        accepts = {**accepts, **inspect.signature(reader_module("canonical").read).parameters}
    opts = {}
    for flag, (key, unset) in _READ_OPTIONS.items():
        value = getattr(args, key if key not in ("fs_hz",) else "fs")
        if value == unset:
            continue
        if key not in accepts:
            raise InputError(f"{flag} does not apply to {fmt} files (their units and layout are fixed by "
                             f"the format); formats: {', '.join(FORMATS)}")
        opts[key] = value
    if "quiet" in accepts:
        opts["quiet"] = True
    with warnings.catch_warnings():
        # every reader keeps its warnings in info.notes; print them once, as plain lines
        warnings.simplefilter("ignore", UserWarning)
        rec = read(path, format=fmt, **opts)
    for note in rec.info.notes:
        print(f"warning: {note}", file=sys.stderr)
    return rec


def cmd_analyze(args: argparse.Namespace) -> int:
    result = _analyze_args(args)
    if not args.quiet:
        print(result.summary())
    if args.json:
        result.to_json(args.json)
        print(f"wrote {args.json}", file=sys.stderr)
    if args.series:
        result.write_series(args.series)
        print(f"wrote {args.series}", file=sys.stderr)
    return 0


def _progress_printer(what: str):  # noqa: ANN202
    """A progress callback ``(done, total, label)`` writing a bar to stderr (one line, redrawn,
    on a terminal; a line per quarter otherwise)."""
    tty = sys.stderr.isatty()
    marks: set[int] = set()

    def show(done: int, total: int, label: str) -> None:
        if tty:
            bar = "#" * int(24 * done / total)
            end = "\n" if done == total else ""
            print(f"\r{what} [{bar:<24}] {done}/{total} {label[:40]:<40}", end=end, file=sys.stderr, flush=True)
        elif 4 * done // total not in marks or done == total:
            marks.add(4 * done // total)
            print(f"{what}: {done}/{total} {label}", file=sys.stderr)

    return show


def _analyze_args(args: argparse.Namespace):  # noqa: ANN202
    from .analysis import analyze
    from .settings import AnalysisSettings, CalibrationSettings

    settings = AnalysisSettings(calibration=CalibrationSettings(outward_axis=args.sensor_out))
    upper_file = getattr(args, "upper", None)
    upper = _read(args, upper_file) if upper_file else None
    return analyze(_read(args), settings=settings, mount=args.mount, upper=upper,
                   upper_mount=getattr(args, "upper_mount", None))


def cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .report import read_routine, write_report

    routine = read_routine(args.routine)
    result = _analyze_args(args)
    out = Path(args.out or f"{Path(args.file).stem}_report")
    report = write_report(result, out, routine=routine, progress=None if args.quiet else _progress_printer("figures"),
                          jobs=args.jobs)
    print(f"wrote {report.html}, {report.pdf} and {len(report.pngs)} PNG figures in {out}", file=sys.stderr)
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .report import history, read_routine

    routine = read_routine(args.routine)
    options = {"format": args.format, "mount": args.mount}
    if args.format in (None, "canonical"):
        options.update(acc_unit=args.acc_unit, gyro_unit=args.gyro_unit, time_unit=args.time_unit, fs_hz=args.fs)
    sessions = history.analyze_folder(args.folder, {k: v for k, v in options.items() if v not in (None, "auto")},
                                      cache_dir=args.cache_dir, use_cache=not args.no_cache,
                                      progress=None if args.quiet else _progress_printer("sessions"))
    ok = [s for s in sessions if s.result is not None]
    if not ok:
        from .errors import InputError

        raise InputError(f"{args.folder}: no session could be analysed"
                         + (f" ({sessions[0].path.name}: {sessions[0].error})" if sessions else " (no recordings found)"))
    for s in sessions:
        if s.error:
            print(f"warning: {s.path.name} not analysed: {s.error}", file=sys.stderr)
    weeks = history.weeks_table(sessions)
    verdicts = history.changes_frame(history.changes(history.session_table(sessions)))
    print(f"{len(ok)} sessions, {len(weeks)} weeks; sessions per week: "
          + " ".join(str(n) for n in weeks["sessions"])
          + (f" (target {routine.sessions_per_week:g})" if routine.sessions_per_week else ""))
    print(verdicts.to_string(index=False))
    if args.out:
        rep = history.write_history(sessions, Path(args.out), routine.sessions_per_week)
        print(f"wrote {rep.html}, {rep.csv} and {len(rep.pngs)} PNG figures", file=sys.stderr)
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from .io.canonical import write_csv
    from .simulate import simulate_session

    sim = simulate_session(args.seed, fs_hz=args.fs, n_blocks=args.blocks, duration_s=args.duration,
                           programme=args.programme, outward_sign=-1.0 if args.sensor_in else 1.0,
                           upper=args.upper is not None)
    write_csv(sim.recording, args.out)
    print(f"wrote {args.out}: {sim.recording.n_samples} samples, {sim.recording.duration_s:.0f} s at "
          f"{sim.truth.sensor['fs_hz']:g} Hz", file=sys.stderr)
    if sim.upper is not None:
        write_csv(sim.upper, args.upper)
        print(f"wrote {args.upper}: the second sensor at T12/L1, {sim.upper.n_samples} samples", file=sys.stderr)
    if args.truth:
        sim.truth.write(args.truth)
        print(f"wrote {args.truth} (segments) and its per-sample angles beside it", file=sys.stderr)
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    from .io import write

    rec = _read(args)
    write(rec, args.out)
    print(f"wrote {args.out}: {rec.n_samples} samples, {rec.duration_s:.1f} s, {len(rec.annotations)} annotations",
          file=sys.stderr)
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
                       description="Read a recording, find how the sensor sat on the back, compute the "
                       "trunk's pitch and roll at every sample,\nand find the holds and rep sets. Prints a summary.",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=ANALYZE_EPILOG)
    p.add_argument("file", help="recording to analyse (canonical CSV time,ax,ay,az,gx,gy,gz or another supported format)")
    p.add_argument("--json", metavar="OUT", help="write the machine-readable result (schema sensorback.analysis/1)")
    p.add_argument("--series", metavar="OUT.csv", help="write time_s,pitch_deg,roll_deg at every sample")
    _add_mount_options(p)
    p.add_argument("--upper", metavar="FILE",
                   help="a second sensor higher on the spine (e.g. T12/L1): adds the lumbar angle, its range "
                   "per hold and rep set, and the trunk's flexions and side bends")
    p.add_argument("--upper-mount", metavar="CRANIAL,POSTERIOR", help="the upper sensor's mount, like --mount")
    p.add_argument("-q", "--quiet", action="store_true", help="do not print the summary")
    _add_read_options(p)
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("report", help="write a session report: figures, PDF and HTML",
                       description="Analyse a recording and write its report: a timeline, a page per hold "
                       "and per rep set, a summary table and a comparison with a routine, as PNG figures, "
                       "one PDF and one self-contained HTML page.",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="The routine is a small TOML file (see sensorback/report/default_routine.toml); "
                       "without --routine the bundled home routine is used:\nplank 3 x 30 s, side plank "
                       "2 x 20 s per side, bridge 15 reps with 5 s holds, hyperextension 4 x 10 s.")
    p.add_argument("file", help="recording (any supported format)")
    p.add_argument("-o", "--out", metavar="DIR", help="output folder (default: <recording name>_report)")
    p.add_argument("--routine", metavar="FILE.toml", help="routine to compare with (default: the bundled one)")
    p.add_argument("-j", "--jobs", type=int, metavar="N", default=1,
                   help="processes to draw the figures in (default: 1, this one)")
    _add_mount_options(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    _add_read_options(p)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("history", help="progress across the sessions in a folder",
                       description="Analyse every recording in a folder (results are cached beside them), and "
                       "show per exercise hold time, sway and reps week by week, sessions per week, and whether "
                       "each change from the first to the last week is larger than the session-to-session noise.",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog="Session dates come from the recording's start time, else a date in the file name "
                       "(2024-03-05, 20240305), else the file's modification time.")
    p.add_argument("folder", help="folder of recordings")
    p.add_argument("-o", "--out", metavar="DIR", help="write history.html, sessions.csv and PNG figures here")
    p.add_argument("--routine", metavar="FILE.toml", help="routine whose sessions_per_week is the adherence target")
    p.add_argument("--cache-dir", metavar="DIR", help="where analysis results are cached (default FOLDER/.sensorback-cache)")
    p.add_argument("--no-cache", action="store_true", help="analyse every session again (the cache is refreshed)")
    p.add_argument("--mount", metavar="CRANIAL,POSTERIOR", help="the sensor axes pointing up the spine and out of the back")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    _add_read_options(p)
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("simulate", help="write a simulated session with ground truth",
                       description="Simulate a session (standing calibration, exercises, rests) as recorded by a "
                       "sacral IMU with realistic errors, and write it as canonical CSV.")
    p.add_argument("out", help="output CSV")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--fs", type=float, default=None, help="sample rate in Hz (default: random 25-200)")
    p.add_argument("--blocks", type=int, default=None, help="number of exercise blocks (default: random 4-8)")
    p.add_argument("--duration", type=float, default=None, help="session length in s (adds blocks until reached)")
    p.add_argument("--programme", metavar="BLOCKS",
                   help="exercise blocks in order, exercise:kind[:seconds or reps], e.g. plank:hold:30,bridge:reps:15")
    p.add_argument("--sensor-in", action="store_true", help="simulate a sensor worn with its z axis into the body")
    p.add_argument("--upper", metavar="FILE", help="also write a second sensor at T12/L1 (own mount, noise and clock); "
                   "the truth then has the lumbar angle (*.lumbar.csv)")
    p.add_argument("--truth", metavar="OUT.json", help="also write the ground truth")
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("convert", help="convert a recording to the canonical CSV or Parquet",
                       description="Read a recording in any supported format and write it as canonical CSV\n"
                       "(.csv: time,ax,ay,az,gx,gy,gz in s, m/s², rad/s) or Parquet (.parquet: samples, info "
                       "and annotations).",
                       formatter_class=argparse.RawDescriptionHelpFormatter,
                       epilog=CONVERT_EPILOG)
    p.add_argument("file", help="recording to read")
    p.add_argument("out", help="output file: .csv or .parquet")
    _add_read_options(p)
    p.set_defaults(func=cmd_convert)

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
    except ModuleNotFoundError as exc:
        # an optional dependency (an extra) that this command needs
        from .errors import MissingDependency

        err = MissingDependency.from_error(exc, args.command)
        if err is None:
            raise
        print(f"sensorback: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("sensorback: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of stdout went away (e.g. `| head`): stop quietly, as the Unix tools do;
        # stdout is pointed at devnull so that Python's own flush at exit does not fail again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except (OSError, ValueError) as exc:
        print(f"sensorback: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
