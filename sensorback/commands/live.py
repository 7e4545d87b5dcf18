"""``sensorback live`` and ``sensorback replay``: thin wrappers of :mod:`sensorback.live`.

Nothing heavy is imported until a command runs.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

LIVE_EPILOG = """\
examples:
  sensorback live                                   # the only supported sensor nearby
  sensorback live session.sqlite --sensor WT901BLE68 --target 45
  sensorback live --replay session.sqlite --speed 2
  sensorback virtual-sensor --programme plank-sag   # no hardware: in another terminal

Stand still for 3 s first (calibration). Cues (a sound and a banner) at hold start, every 10 s,
target reached, a sag or pike beyond the threshold for --form-dwell seconds, and hold end.
The session is recorded as it streams; q or Ctrl-C stops and prints the final result.
"""

REPLAY_EPILOG = """\
examples:
  sensorback replay session.sqlite --fast --json result.json
  sensorback replay recording.csv --speed 4

A session file's raw notifications go through the decoders again; other recordings are fed as
samples. The final result has the schema of `sensorback analyze --json`.
"""


def _live_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", type=float, metavar="S", help="hold target in seconds for every exercise "
                   "(default: the routine's: plank 30, side planks and bridge 20, hyperextension 10)")
    p.add_argument("--form-dwell", type=float, default=2.0, metavar="S",
                   help="cue a sag or pike once it has lasted this long (default 2)")
    p.add_argument("--mount", metavar="CRANIAL,POSTERIOR", help="skip automatic calibration, e.g. +x,+z")
    p.add_argument("--sensor-out", default="+z", metavar="AXIS",
                   help="sensor axis that points out of the back (default +z)")
    p.add_argument("--json", metavar="OUT", help="write the final result (schema sensorback.analysis/1)")


def register(sub: Any) -> None:
    """Add ``live`` and ``replay`` to the ``sensorback`` parser's subparsers."""
    p = sub.add_parser("live", help="live coaching: full-screen hold timer, gauges and cues, recording",
                       description="Stream a sensor (or replay a file) through the live analysis and show "
                       "a full-screen view readable from two metres, with sound cues; records the session.",
                       epilog=LIVE_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", nargs="?", help="session file to record (default: session-<date>-<time>.sqlite)")
    p.add_argument("--sensor", help="name, part of one, or address (default: the only supported sensor nearby)")
    p.add_argument("--profile", help="force a device profile")
    p.add_argument("--rate", type=float, help="sample rate to configure, Hz")
    p.add_argument("--replay", metavar="FILE", help="replay a recorded session instead of streaming")
    p.add_argument("--speed", type=float, default=1.0, help="replay speed, × real time (default 1)")
    p.add_argument("--duration", type=float, help="stop after this many seconds")
    p.add_argument("--no-sound", action="store_true", help="no sounds or bell (the screen still flashes)")
    _live_options(p)
    p.set_defaults(func=cmd_live)

    p = sub.add_parser("replay", help="feed a recorded session through the live path",
                       description="Replay a session file (raw notifications through the decoders) or any "
                       "recording through the live analysis, in real time, N× or as fast as possible; "
                       "print the cues as they come and the final result.",
                       epilog=REPLAY_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="session file (.sqlite) or recording")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--speed", type=float, help="× real time (default 1)")
    g.add_argument("--fast", action="store_true", help="as fast as possible")
    p.add_argument("--sensor", help="role, name or address in a session file (default: sacrum, else the first)")
    p.add_argument("-q", "--quiet", action="store_true", help="print no cues and no summary")
    _live_options(p)
    p.set_defaults(func=cmd_replay)


def _pipeline(args: argparse.Namespace, fs_hz: float, info=None, fast: bool = False):  # noqa: ANN202
    from ..live import LivePipeline, LiveSettings
    from ..settings import AnalysisSettings, CalibrationSettings

    if args.form_dwell <= 0:
        from ..errors import InputError

        raise InputError(f"--form-dwell must be positive, got {args.form_dwell}")
    live = LiveSettings(target_s=args.target, form_dwell_s=args.form_dwell)
    if fast:  # nobody watches: update seldom, the final result does not depend on it
        live = LiveSettings(target_s=args.target, form_dwell_s=args.form_dwell, update_every_s=120.0,
                            detect_every_s=float("inf"))
    settings = AnalysisSettings(calibration=CalibrationSettings(outward_axis=args.sensor_out))
    return LivePipeline(fs_hz, settings=settings, live=live, mount=args.mount, info=info)


def _source(path: Path, sensor: str | None):  # noqa: ANN202
    """The feed, its rate and info: raw notifications of a session file, samples of anything else."""
    from ..io import read, session_file
    from ..live.replay import recording_feed, session_feed
    from ..recording import Info

    if session_file.detect(path):
        feed, profile, fs = session_feed(path, sensor)
        _need_gyro(profile)
        return feed, fs, Info(device=profile.label, fs_hz=fs, source=str(path), format="session")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # kept in info.notes, printed once below
        rec = read(path)
    for note in rec.info.notes:
        print(f"warning: {note}", file=sys.stderr)
    fs = float(rec.info.fs_hz or rec.fs)
    return recording_feed(rec), fs, rec.info


def _need_gyro(profile) -> None:  # noqa: ANN001
    from ..errors import InputError

    if not profile.has_gyro:
        raise InputError(f"{profile.label} streams no gyroscope: the live analysis needs one")


def _finish(pipeline, args: argparse.Namespace, quiet: bool) -> None:  # noqa: ANN001
    result = pipeline.finish()
    if not quiet:
        print(result.summary())
    if args.json:
        result.to_json(args.json)
        print(f"wrote {args.json}", file=sys.stderr)


def cmd_replay(args: argparse.Namespace) -> int:
    from ..live.replay import replay

    feed, fs, info = _source(Path(args.file), args.sensor)
    pipeline = _pipeline(args, fs, info, fast=args.fast)

    def show(events: list) -> None:
        for e in events:
            print(f"{e.time_s:8.1f} s  {e.kind:<10} {e.text}", flush=True)

    speed = None if args.fast else (args.speed or 1.0)
    replay(feed, pipeline, speed=speed, on_events=None if args.quiet else show)
    _finish(pipeline, args, args.quiet)
    return 0


def cmd_live(args: argparse.Namespace) -> int:
    import curses

    from ..live.view import Cues

    if not sys.stdout.isatty():
        from ..errors import InputError

        raise InputError("sensorback live needs a terminal (use sensorback replay to print the cues)")
    holder: dict[str, Any] = {}

    def main(stdscr) -> None:  # noqa: ANN001
        cues = Cues(sound=not args.no_sound, bell=curses.beep)
        try:
            if args.replay:
                holder["pipeline"] = _live_replay(args, stdscr, cues)
            else:
                holder["pipeline"] = _live_sensor(args, stdscr, cues)
        finally:
            cues.close()

    curses.wrapper(main)
    if holder.get("pipeline") is not None and holder["pipeline"].n_samples:
        if holder.get("out"):
            print(f"recorded {holder['out']}")
        _finish(holder["pipeline"], args, quiet=False)
    return 0


def _threshold(pipeline) -> float:  # noqa: ANN001
    return pipeline.live.form_threshold_deg or pipeline.detection.form_threshold_deg


def _live_replay(args: argparse.Namespace, stdscr, cues):  # noqa: ANN001, ANN202
    from ..live.replay import replay
    from ..live.view import Screen

    feed, fs, info = _source(Path(args.replay), args.sensor)
    pipeline = _pipeline(args, fs, info)
    screen = Screen(stdscr, cues, _threshold(pipeline))
    pending: deque = deque()
    stop = threading.Event()
    worker = threading.Thread(target=replay, args=(feed, pipeline),
                              kwargs={"speed": args.speed, "on_events": pending.extend, "stop": stop.is_set},
                              daemon=True)
    worker.start()
    t0 = time.monotonic()
    link = f"replay of {args.replay} at {args.speed:g}×"
    while worker.is_alive():
        now = time.monotonic()
        events = [pending.popleft() for _ in range(len(pending))]
        screen.cue(events, now)
        screen.draw(pipeline.state, link, now)
        if screen.key() in ("q", "Q") or (args.duration and now - t0 > args.duration):
            stop.set()
        time.sleep(0.05)
    worker.join()
    return pipeline


def _live_sensor(args: argparse.Namespace, stdscr, cues):  # noqa: ANN001, ANN202
    import asyncio

    from ..ble.recorder import SensorRequest, record
    from ..live.replay import StreamClock
    from ..live.view import Screen
    from .ble import _run

    out = Path(args.out or time.strftime("session-%Y%m%d-%H%M%S.sqlite"))
    request = SensorRequest(args.sensor, "sacrum", args.profile, args.rate)
    link = {"line": "connecting ...", "events": deque(maxlen=3)}
    box: dict[str, Any] = {}
    lock = threading.Lock()

    def on_batches(role: str, profile, fs_hz: float, batches: list) -> None:  # noqa: ANN001
        with lock:
            if "pipeline" not in box:
                _need_gyro(profile)
                box["pipeline"] = _pipeline(args, fs_hz)
                box["clock"] = StreamClock(profile, fs_hz)
        for b in batches:
            if b.n and b.gyro is not None:
                box["pipeline"].push(box["clock"].place(b), b.acc, b.gyro)

    async def main(stop: asyncio.Event) -> int:
        task = asyncio.ensure_future(record(
            out, [request], duration_s=args.duration, stop=stop, on_status=lambda s: link.__setitem__("line", s),
            on_event=link["events"].append, on_batches=on_batches))
        screen = None
        while not task.done():
            now = time.monotonic()
            pipeline = box.get("pipeline")
            if pipeline is not None:
                if screen is None:
                    screen = Screen(stdscr, cues, _threshold(pipeline))
                screen.cue(pipeline.update(), now)
                screen.draw(pipeline.state, link["line"], now)
            else:
                stdscr.erase()
                stdscr.addstr(0, 0, ("sensorback live: " + link["line"])[: stdscr.getmaxyx()[1] - 1])
                stdscr.refresh()
            stdscr.nodelay(True)
            ch = stdscr.getch()
            if ch in (ord("q"), ord("Q")):
                stop.set()
            await asyncio.sleep(0.25)
        await task
        return 0

    _run(main)
    box["out"] = out
    return box.get("pipeline")
