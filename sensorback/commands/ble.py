"""``sensorback scan``, ``record``, ``virtual-sensor`` and ``export``: thin wrappers of :mod:`sensorback.ble`.

Nothing heavy is imported until a command runs.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

RECORD_EPILOG = """\
examples:
  sensorback scan
  sensorback record                                  # the only supported sensor nearby
  sensorback record session.sqlite --sensor WT901BLE68 --rate 100
  sensorback record --sensor sacrum=C0:FF:EE:00:00:01 --sensor t12=sensorback-0002
  sensorback analyze session.sqlite

The session file is SQLite: every notification is stored as it arrives, so a crash, a pulled plug
or a lost link loses at most the last second. Ctrl-C stops cleanly. Without hardware, start
`sensorback virtual-sensor` in another terminal first.
"""

VIRTUAL_EPILOG = """\
examples:
  sensorback virtual-sensor                            # one DIY sensor
  sensorback virtual-sensor --sensor witmotion --sensor diy=sensorback-t12
  sensorback virtual-sensor --sensor movesense --drop-link-every 20 --garbage-every 50

It starts a private D-Bus with a simulated BlueZ and prints the line to paste into another
terminal; there, `sensorback scan` and `sensorback record` talk to the virtual sensors through the
same Bluetooth code they use for real ones. The samples are a simulated exercise session.
"""


def register(sub: Any) -> None:
    """Add the BLE subcommands to the ``sensorback`` parser's subparsers."""
    p = sub.add_parser("scan", help="list supported BLE sensors nearby",
                       description="Listen for Bluetooth LE advertisements and list the sensors "
                       "sensorback can record (name, address, signal strength, profile).")
    p.add_argument("--timeout", type=float, default=5.0, help="how long to listen, s (default 5)")
    p.add_argument("--all", action="store_true", help="also list devices that are not supported sensors")
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("record", help="stream BLE sensors into a session file",
                       description="Find, connect and configure one or two sensors, and stream them "
                       "into a session file with a live status line, reconnecting if a link drops.",
                       epilog=RECORD_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", nargs="?", help="session file to create (default: session-<date>-<time>.sqlite)")
    p.add_argument("--sensor", action="append", metavar="[ROLE=]NAME|ADDRESS",
                   help="a sensor to record, by (part of its) name or address; repeat for a second "
                   "sensor. Roles default to sacrum, then t12")
    p.add_argument("--profile", help="force a device profile (default: recognised); one of "
                   "witmotion, movesense, polar_h10, polar_verity, thingy52, metamotion, "
                   "metamotion_bmi160, diy")
    p.add_argument("--rate", type=float, help="sample rate to configure, Hz (default: the device's usual)")
    p.add_argument("--duration", type=float, help="stop after this many seconds (default: Ctrl-C)")
    p.add_argument("--scan-timeout", type=float, default=10.0, help="how long to look for the sensors, s")
    p.add_argument("--no-reconnect", action="store_true", help="do not re-make a link that drops")
    p.add_argument("-q", "--quiet", action="store_true", help="no status line")
    p.set_defaults(func=cmd_record)

    p = sub.add_parser("virtual-sensor", help="simulated BLE sensors to try recording without hardware",
                       description="Serve virtual sensors that speak each supported device's protocol "
                       "through a simulated BlueZ on a private D-Bus.",
                       epilog=VIRTUAL_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sensor", action="append", metavar="KIND[=NAME]",
                   help="a virtual sensor: witmotion, movesense, polar_h10, polar_verity, thingy52, "
                   "metamotion, metamotion_bmi160, diy or unsupported; repeat for more (default: diy)")
    p.add_argument("--seed", type=int, default=0, help="seed of the simulated session (default 0)")
    p.add_argument("--programme", choices=("random", "plank-sag"), default="random",
                   help="what the simulated person does: one random exercise block (default), or "
                   "plank-sag: stand, a 40-s plank whose hips sag 8° twenty seconds in, lie down")
    p.add_argument("--bus", metavar="ADDRESS", help="serve on this D-Bus address instead of a private bus of its own")
    p.add_argument("--adapter", choices=("on", "off", "missing"), default="on",
                   help="simulate a working adapter, one that is off, or none")
    p.add_argument("--garbage-every", type=int, default=0, metavar="N",
                   help="send an unreadable notification after every N good ones")
    p.add_argument("--drop-link-every", type=float, metavar="S", help="drop every link after S seconds")
    p.add_argument("--connection-interval", type=float, default=0.0, metavar="MS",
                   help="deliver notifications in bursts at BLE connection events MS apart "
                   "(Linux uses 30-50); default 0: each as soon as it is due")
    p.add_argument("--battery", type=int, default=87, help="battery level to report, %% (default 87)")
    p.add_argument("--deny-access", action="store_true",
                   help="refuse clients access to Bluetooth (with the private bus only)")
    p.set_defaults(func=cmd_virtual_sensor)

    p = sub.add_parser("export", help="export a session's samples to CSV or Parquet",
                       description="Write one sensor of a session file as canonical CSV (.csv) or "
                       "Parquet (.parquet, needs pyarrow), or its raw notifications (--raw).")
    p.add_argument("session", help="session file")
    p.add_argument("out", help="output file: .csv or .parquet")
    p.add_argument("--sensor", help="role, name or address (default: sacrum, else the first)")
    p.add_argument("--raw", action="store_true", help="export the raw notifications (CSV) instead")
    p.add_argument("--redecode", action="store_true", help="decode the raw notifications again")
    p.set_defaults(func=cmd_export)


def _run(main: Callable[[Any], Coroutine[Any, Any, T]]) -> T:
    """Run `main(stop)` with SIGINT/SIGTERM setting `stop`; a second Ctrl-C interrupts."""
    import asyncio
    import signal

    async def runner() -> T:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()

        def on_signal(signum: int) -> None:
            stop.set()
            loop.remove_signal_handler(signum)  # a second one interrupts at once

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, on_signal, signum)
        return await main(stop)

    return asyncio.run(runner())


def cmd_scan(args: argparse.Namespace) -> int:
    from ..ble.transport import scan

    found = _run(lambda stop: scan(args.timeout))
    shown = [f for f in found if args.all or f.profile is not None]
    if not shown:
        print(f"no supported sensor found in {args.timeout:g} s", file=sys.stderr)
        return 0
    print(f"{'NAME':<26} {'ADDRESS':<18} {'RSSI':>5}  PROFILE")
    for f in shown:
        rssi = f"{f.rssi}" if f.rssi is not None else "?"
        profile = f.profile.key if f.profile else "(not supported)"
        print(f"{(f.name or '(no name)')[:26]:<26} {f.address:<18} {rssi:>5}  {profile}")
    return 0


def _requests(args: argparse.Namespace) -> list:
    from ..ble.recorder import DEFAULT_ROLES, SensorRequest
    from ..errors import InputError

    specs = args.sensor or [None]
    if len(specs) > len(DEFAULT_ROLES) and not all(s and "=" in s for s in specs):
        raise InputError(f"give a role for each sensor beyond {len(DEFAULT_ROLES)} (ROLE=NAME)")
    out = []
    for i, spec in enumerate(specs):
        role, ident = DEFAULT_ROLES[i] if i < len(DEFAULT_ROLES) else "", spec
        if spec and "=" in spec:
            role, ident = spec.split("=", 1)
        out.append(SensorRequest(ident or None, role.strip(), args.profile, args.rate))
    return out


class _Status:
    """The live status line: rewritten in place on a terminal, a line every 10 s otherwise."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.shown = False
        self.last = time.monotonic()

    def status(self, line: str) -> None:
        if self.quiet:
            return
        if self.tty:
            sys.stderr.write("\r" + line + "\x1b[K")
            sys.stderr.flush()
            self.shown = True
        elif time.monotonic() - self.last >= 10.0:
            self.last = time.monotonic()
            print(line, file=sys.stderr, flush=True)

    def event(self, line: str) -> None:
        if self.shown:
            sys.stderr.write("\r\x1b[K")
            self.shown = False
        print(line, file=sys.stderr, flush=True)

    def end(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            self.shown = False


def cmd_record(args: argparse.Namespace) -> int:
    import asyncio

    from ..ble.recorder import record

    out = Path(args.out or time.strftime("session-%Y%m%d-%H%M%S.sqlite"))
    requests = _requests(args)
    ui = _Status(args.quiet)

    async def main(stop: asyncio.Event) -> int:
        task = asyncio.ensure_future(record(
            out, requests, duration_s=args.duration, scan_timeout_s=args.scan_timeout,
            reconnect=not args.no_reconnect, stop=stop, on_status=ui.status, on_event=ui.event))
        stopped = asyncio.ensure_future(stop.wait())
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if not task.done() and not out.exists():  # stopped while still finding the sensors
            task.cancel()
            raise KeyboardInterrupt
        summary = await task
        ui.end()
        print(summary.text())
        return 0

    try:
        return _run(main)
    finally:
        ui.end()


def cmd_virtual_sensor(args: argparse.Namespace) -> int:

    from ..ble.bus import PrivateBus
    from ..ble.simbluez import SimulatedBluez, serve
    from ..ble.virtual import SampleSource, make_virtual_sensor
    from ..devices.profiles import PROFILES
    from ..errors import InputError

    if args.deny_access and args.bus:
        raise InputError("--deny-access works with the private bus only (leave out --bus)")
    source = SampleSource(args.seed, args.programme)
    sensors = []
    for i, spec in enumerate(args.sensor or ["diy"]):
        kind, _, name = spec.partition("=")
        sensors.append(make_virtual_sensor(kind.strip(), index=i, name=name.strip() or None, source=source,
                                           battery_pct=args.battery, garbage_every=args.garbage_every,
                                           seed=args.seed + i))
    for fs in sorted({fs for s in sensors if s.profile for fs in (*PROFILES[s.key].rates_hz, s.fs_hz)}):
        source.samples(fs, 0, 1)  # simulate every rate now, not while a sensor streams
    bus = None if args.bus else PrivateBus(deny_bluez=args.deny_access)
    address = args.bus or bus.start()  # type: ignore[union-attr]

    def ready(sim: SimulatedBluez) -> None:
        print(f"virtual BlueZ ready on {address}", flush=True)
        for s in sensors:
            print(f"  {s.name:<26} {s.address}  {s.key}", flush=True)
        if bus is not None:
            first = next((s.name for s in sensors if s.profile), sensors[0].name)
            print("in another terminal:\n"
                  f"  export DBUS_SYSTEM_BUS_ADDRESS={address}\n"
                  "  sensorback scan\n"
                  f"  sensorback record session.sqlite --sensor '{first}'\n"
                  "Ctrl-C stops.", flush=True)

    try:
        return _run(lambda stop: _serve(serve(
            sensors, address, stop, adapter=args.adapter, drop_link_every_s=args.drop_link_every,
            connection_interval_s=args.connection_interval / 1000.0, ready=ready)))
    finally:
        if bus is not None:
            bus.stop()


async def _serve(coro: Coroutine[Any, Any, None]) -> int:
    await coro
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ..errors import InputError
    from ..io import session_file

    path, out = Path(args.session), Path(args.out)
    if not session_file.detect(path):
        raise InputError(f"{path}: not a sensorback session file")
    if args.raw:
        import csv

        with open(out, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["t_host_s", "stream", "payload_hex", "rejected"])
            for t, stream, payload, rejected in session_file.read_raw(path, args.sensor):
                w.writerow([f"{t:.6f}", stream, payload.hex(), rejected or ""])
    else:
        rec = session_file.read(path, sensor=args.sensor, redecode=args.redecode)
        if out.suffix.lower() == ".parquet":
            from ..io.parquet import write_parquet

            write_parquet(rec, out)
        elif out.suffix.lower() == ".csv":
            from ..io.canonical import write_csv

            write_csv(rec, out, metadata=True)
        else:
            raise InputError(f"{out}: the output must end in .csv or .parquet")
    print(f"wrote {out}", file=sys.stderr)
    return 0
