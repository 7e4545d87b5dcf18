"""A private, system-bus-like ``dbus-daemon`` to serve the simulated BlueZ on.

bleak's BlueZ backend talks to the *system* bus; pointing ``DBUS_SYSTEM_BUS_ADDRESS`` at a private
daemon lets it meet virtual sensors without touching the machine's real Bluetooth service.  The
daemon is started and stopped by its process id, never by name.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ..errors import SensorbackError

_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
  <policy context="mandatory">{mandatory}
  </policy>
  <limit name="max_replies_per_connection">50000</limit>
</busconfig>
"""


class BusUnavailable(SensorbackError):
    """dbus-daemon is not installed or would not start."""

    exit_code = 6


def dbus_daemon() -> str | None:
    """Path of the dbus-daemon executable, or None."""
    return shutil.which("dbus-daemon") or next(
        (p for p in ("/usr/bin/dbus-daemon", "/bin/dbus-daemon") if os.access(p, os.X_OK)), None
    )


class PrivateBus:
    """A throw-away system-type bus in a temporary folder.

    Parameters
    ----------
    deny_bluez : bool
        Refuse every call to ``org.bluez`` (what a user without Bluetooth permission meets).

    Examples
    --------
    >>> with PrivateBus() as bus:                   # doctest: +SKIP
    ...     env = {"DBUS_SYSTEM_BUS_ADDRESS": bus.address}
    """

    def __init__(self, *, deny_bluez: bool = False) -> None:
        self.deny_bluez = deny_bluez
        self.address = ""
        self._dir: Path | None = None
        self._proc: subprocess.Popen | None = None

    def start(self) -> str:
        """Start the daemon; returns its address."""
        exe = dbus_daemon()
        if exe is None:
            raise BusUnavailable("dbus-daemon not found: install the 'dbus' package (Debian: apt-get install dbus)")
        self._dir = Path(tempfile.mkdtemp(prefix="sensorback-bus-"))
        mandatory = '\n    <deny send_destination="org.bluez"/>' if self.deny_bluez else ""
        config = self._dir / "bus.conf"
        config.write_text(_CONFIG.format(socket=self._dir / "socket", mandatory=mandatory))
        self._proc = subprocess.Popen(
            [exe, f"--config-file={config}", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # as root it warns that it cannot raise the fd limit
            text=True,
        )
        assert self._proc.stdout is not None
        self.address = self._proc.stdout.readline().strip()
        if not self.address:
            self.stop()
            raise BusUnavailable("dbus-daemon did not start")
        return self.address

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def stop(self) -> None:
        """Stop the daemon (by pid) and remove its folder."""
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.send_signal(signal.SIGTERM)
                try:
                    self._proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait()
            if self._proc.stdout:
                self._proc.stdout.close()
            self._proc = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> PrivateBus:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
