"""`sensorback scan`, `record`, `virtual-sensor` and `export` as a user runs them: real processes,
real bleak, the simulated BlueZ, and clear one-line errors with their own exit codes."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from bletools import CLI, VirtualBluez, run_cli

import sensorback
from sensorback.ble.bus import PrivateBus
from sensorback.io.session_file import read_events


@pytest.fixture(scope="module")
def sim():
    s = VirtualBluez(["diy", "unsupported"], seed=2)
    yield s
    s.stop()


def _one_line_error(p: subprocess.CompletedProcess, code: int, needle: str) -> None:
    assert p.returncode == code, (p.returncode, p.stderr)
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("sensorback: error:"), p.stderr
    assert needle in lines[0], lines[0]
    assert "Traceback" not in p.stderr


def test_scan_lists_supported_sensors(sim):
    p = run_cli("scan", "--timeout", "1.5", env=sim.env)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].split() == ["NAME", "ADDRESS", "RSSI", "PROFILE"]
    [row] = lines[1:]
    assert row.split()[0] == "sensorback-0001" and row.split()[-1] == "diy"
    assert -100 < int(row.split()[-2]) < 0
    p = run_cli("scan", "--timeout", "1.5", "--all", env=sim.env)
    assert "(not supported)" in p.stdout and "Soundcore" in p.stdout


@pytest.mark.parametrize("args, code, needle", [
    (("record", "--sensor", "NoSuchSensor", "--scan-timeout", "1"), 4, "'NoSuchSensor' was found"),
    (("record", "--sensor", "Soundcore", "--scan-timeout", "1.5"), 9, "is not a supported sensor"),
], ids=["device-not-found", "not-supported"])
def test_record_errors(sim, tmp_path, args, code, needle):
    out = tmp_path / "s.sqlite"
    _one_line_error(run_cli(*args[:1], out, *args[1:], env=sim.env), code, needle)
    assert not out.exists()  # no session file for a session that never started


@pytest.mark.parametrize("setup, code, needle", [
    ("adapter-missing", 6, "no Bluetooth adapter available"),
    ("adapter-off", 7, "Bluetooth is off"),
    ("no-bluetoothd", 6, "bluetoothd) is not running"),
    ("no-system-bus", 6, "cannot reach the system D-Bus"),
    ("permission", 8, "permission denied"),
])
def test_bluetooth_unavailable(setup, code, needle):
    if setup in ("adapter-missing", "adapter-off"):
        vb = VirtualBluez(["unsupported"], args=("--adapter", setup.split("-")[1]))
        env, stop = vb.env, vb.stop
    elif setup == "permission":
        vb = VirtualBluez(["unsupported"], deny_bluez=True)
        env, stop = vb.env, vb.stop
    elif setup == "no-bluetoothd":
        bus = PrivateBus()
        env, stop = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": bus.start()}, bus.stop
    else:
        env, stop = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": "unix:path=/nonexistent/sensorback-test"}, lambda: None
    try:
        _one_line_error(run_cli("scan", "--timeout", "1", env=env), code, needle)
    finally:
        stop()


def _wait_for(stream, pattern: str, timeout_s: float, seen: list[str]) -> bool:
    """Read lines from a pipe in a thread until one matches (lines are kept in `seen`)."""
    found = threading.Event()

    def reader() -> None:
        for line in stream:
            seen.append(line)
            if re.search(pattern, line):
                found.set()

    threading.Thread(target=reader, daemon=True).start()
    return found.wait(timeout_s)


def test_record_stops_cleanly_on_ctrl_c(sim, tmp_path):
    out = tmp_path / "ctrl-c.sqlite"
    proc = subprocess.Popen([*CLI, "record", str(out), "--sensor", "sensorback-0001"], env=sim.env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    assert _wait_for(proc.stderr, "sacrum: connected to", 30, seen), seen
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    stdout, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, seen
    assert "sacrum: sensorback-0001 (C0:FF:EE:00:00:01, diy)" in stdout and " 0 lost" in stdout
    kinds = [e["kind"] for e in read_events(out)]
    assert kinds[0] == "connected" and kinds[-2:] == ["stopping", "disconnected"]
    log = sim.log("diy")
    assert log["writes"][-1] == "00"  # the DIY stop command went out before the disconnect
    assert not json.loads(sim.call("Sensors"))[0]["connected"]
    assert 1.3 <= sensorback.read(out).duration_s <= 3.0


@pytest.mark.slow
def test_virtual_sensor_on_its_own_bus_then_record_export_analyze(tmp_path):
    """The user's path without hardware: start virtual sensors, paste the line, record."""
    vs = subprocess.Popen([*CLI, "virtual-sensor", "--sensor", "witmotion", "--seed", "4"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen: list[str] = []
        assert _wait_for(vs.stdout, "^Ctrl-C stops", 60, seen), seen
        [export] = [ln.strip() for ln in seen if ln.strip().startswith("export DBUS_SYSTEM_BUS_ADDRESS=")]
        address = export.split("=", 1)[1]
        env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": address}
        out = tmp_path / "session.sqlite"
        p = run_cli("record", out, "--duration", "5", "--rate", "50", env=env)  # the only sensor nearby
        assert p.returncode == 0, p.stderr
        assert "sacrum: WT901BLE68" in p.stdout and "at 50 Hz" in p.stdout
    finally:
        vs.send_signal(signal.SIGINT)
        vs.wait(timeout=20)
    assert vs.returncode == 0
    socket_dir = Path(address.split("=", 1)[1].split(",")[0]).parent
    assert not socket_dir.exists()  # the private bus went away with it

    rec = sensorback.read(out)
    assert rec.info.format == "session" and rec.info.fs_hz == 50 and rec.n_samples >= 240
    for name in ("s.csv", "s.parquet"):
        p = run_cli("export", out, tmp_path / name)
        assert p.returncode == 0, p.stderr
    back = sensorback.read(tmp_path / "s.csv")
    np.testing.assert_allclose(back.acc, rec.acc, atol=1e-7)
    np.testing.assert_allclose(back.time_s, rec.time_s, atol=1e-7)
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "s.parquet")
    assert table.column_names[:7] == ["time_s", "ax", "ay", "az", "gx", "gy", "gz"]
    np.testing.assert_allclose(table.column("az").to_numpy(), rec.samples["az"].to_numpy())
    assert json.loads(table.schema.metadata[b"sensorback.info"])["format"] == "session"
    p = run_cli("export", out, tmp_path / "raw.csv", "--raw")
    assert p.returncode == 0 and (tmp_path / "raw.csv").read_text().startswith("t_host_s,stream,payload_hex")
    p = run_cli("analyze", out)
    assert p.returncode == 0, p.stderr
    assert "(session)" in p.stdout and "calibration" in p.stdout and "trunk pitch" in p.stdout
