"""Transport on bleak: scan, connect, configure, subscribe and reconnect.

This is the only module of sensorback that imports :mod:`bleak`.  Its notify callbacks do nothing
but hand ``(stream, host time, bytes)`` on; decoding and storage happen elsewhere
(:mod:`sensorback.ble.receiver`).  bleak's errors become sensorback's, one clear line each.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import (
    BleakBluetoothNotAvailableError,
    BleakBluetoothNotAvailableReason,
    BleakDBusError,
    BleakDeviceNotFoundError,
    BleakError,
)

from ..devices import metamotion
from ..devices.profiles import PROFILES, DeviceProfile, match_profile
from ..errors import (
    AdapterNotFound,
    BluetoothError,
    BluetoothOff,
    BluetoothPermissionDenied,
    DeviceNotFound,
    SensorbackError,
    UnsupportedDevice,
)
from ..io.session_file import CONTROL, DATA

# bleak logs a warning when it cannot ask bluetoothctl for BlueZ's version; the command line
# prints errors as one line, so library warnings stay out of it unless logging is configured
logging.getLogger("bleak").addHandler(logging.NullHandler())

BATTERY_LEVEL = "00002a19-0000-1000-8000-00805f9b34fb"
DEVICE_INFO = {
    "manufacturer": "00002a29-0000-1000-8000-00805f9b34fb",
    "model": "00002a24-0000-1000-8000-00805f9b34fb",
    "firmware": "00002a26-0000-1000-8000-00805f9b34fb",
    "hardware": "00002a27-0000-1000-8000-00805f9b34fb",
    "serial": "00002a25-0000-1000-8000-00805f9b34fb",
}
_ADDRESS = re.compile(r"^([0-9A-Fa-f]{2}:){5}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f-]{36}$")
_COMMAND_TIMEOUT_S = 5.0
_LOOSE_SCAN_S = 2.0


def translate(err: BaseException, identifier: str | None = None) -> SensorbackError:
    """The sensorback error for an error from bleak or from the system bus."""
    if isinstance(err, SensorbackError):
        return err
    if isinstance(err, BleakBluetoothNotAvailableError):
        reason = err.reason
        if reason in (BleakBluetoothNotAvailableReason.NO_BLUETOOTH,
                      BleakBluetoothNotAvailableReason.NO_BLE_CENTRAL_ROLE):
            return AdapterNotFound(str(err.args[0]).rstrip("."))
        if reason == BleakBluetoothNotAvailableReason.POWERED_OFF:
            return BluetoothOff()
        if reason.name.startswith("DENIED"):
            return BluetoothPermissionDenied(str(err.args[0]))
        return AdapterNotFound(str(err.args[0]))
    if isinstance(err, BleakDBusError):
        name = err.dbus_error
        if name.endswith(("ServiceUnknown", "NameHasNoOwner")):
            return AdapterNotFound("the Bluetooth service (bluetoothd) is not running")
        if name.endswith(("AccessDenied", "NotAuthorized", "NotPermitted")):
            return BluetoothPermissionDenied(name)
        if name.endswith("NotReady"):
            return BluetoothOff()
        return BluetoothError(f"Bluetooth error {err}")
    if isinstance(err, BleakDeviceNotFoundError):
        return DeviceNotFound(identifier or err.identifier, "it is out of range, off, or connected elsewhere")
    if isinstance(err, (FileNotFoundError, ConnectionRefusedError)):
        return AdapterNotFound(f"cannot reach the system D-Bus ({err.strerror or err})")
    if isinstance(err, PermissionError):
        return BluetoothPermissionDenied(f"system D-Bus: {err.strerror or err}")
    return BluetoothError(f"Bluetooth error: {err or type(err).__name__}")


@contextlib.contextmanager
def _errors(identifier: str | None = None):
    try:
        yield
    except (BleakError, OSError, EOFError, asyncio.TimeoutError) as err:
        raise translate(err, identifier) from None


# --------------------------------------------------------------------------------------------
# Scanning


@dataclass(frozen=True)
class FoundSensor:
    """A device seen advertising.

    Attributes
    ----------
    name : str or None
    address : str
    rssi : int or None
        Received signal strength of its latest advertisement, dBm.
    profile : DeviceProfile or None
        The supported sensor it looks like, from its name and advertised services.
    service_uuids : tuple of str
    """

    name: str | None
    address: str
    rssi: int | None
    profile: DeviceProfile | None
    service_uuids: tuple[str, ...] = ()
    device: BLEDevice | None = field(default=None, repr=False, compare=False)

    @property
    def label(self) -> str:
        return f"{self.name or '(no name)'} ({self.address})"


def _found(device: BLEDevice, adv: AdvertisementData | None) -> FoundSensor:
    if adv is None:  # connected already: no advertisement, the services are known
        uuids = tuple(device.details.get("props", {}).get("UUIDs", ()))
        return FoundSensor(device.name, device.address, None, match_profile(device.name, uuids), uuids, device)
    name = adv.local_name or device.name
    uuids = tuple(adv.service_uuids)
    return FoundSensor(name, device.address, adv.rssi, match_profile(name, uuids), uuids, device)


async def _connected_devices() -> list[BLEDevice]:
    """Supported sensors this computer is connected to already (they do not advertise).

    A recorder that was killed leaves its link up: the next one finds the sensor here.
    """
    try:
        from bleak import BleakAdapter
    except ImportError:  # bleak < 3.1
        return []
    try:
        adapter = await BleakAdapter.get()
        return await adapter.get_connected_devices([p.service_uuid for p in PROFILES.values()])
    except NotImplementedError:
        return []


async def scan(
    timeout_s: float = 5.0, *, until: Callable[[dict[str, FoundSensor]], bool] | None = None
) -> list[FoundSensor]:
    """Every device seen advertising within `timeout_s`, strongest first.

    Parameters
    ----------
    timeout_s : float
        How long to listen, s.
    until : callable, optional
        Stop early once ``until(seen)`` is true (``seen``: address -> FoundSensor).

    Raises
    ------
    AdapterNotFound, BluetoothOff, BluetoothPermissionDenied
    """
    seen: dict[str, FoundSensor] = {}
    done = asyncio.Event()

    def on_advertisement(device: BLEDevice, adv: AdvertisementData) -> None:
        seen[device.address] = _found(device, adv)
        if until is not None and until(seen):
            done.set()

    with _errors():
        for device in await _connected_devices():
            seen[device.address] = _found(device, None)
        if until is None or not until(seen):
            async with BleakScanner(detection_callback=on_advertisement):
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(done.wait(), timeout_s)
    return sorted(seen.values(), key=lambda f: -(f.rssi if f.rssi is not None else -999))


def _is_address(identifier: str) -> bool:
    return bool(_ADDRESS.match(identifier))


def _matches(identifier: str, found: FoundSensor, exact: bool) -> bool:
    if _is_address(identifier):
        return found.address.upper() == identifier.upper()
    name = found.name or ""
    return name == identifier if exact else identifier.lower() in name.lower()


async def find_sensors(identifiers: Sequence[str | None], timeout_s: float = 10.0) -> list[FoundSensor]:
    """Find one device per identifier (a name, part of one, or an address) in one scan.

    ``None`` stands for "the only supported sensor nearby".  The scan stops as soon as every
    identifier matches exactly.

    Raises
    ------
    DeviceNotFound
        An identifier matched nothing, or several devices.
    """
    started = time.monotonic()

    def complete(seen: dict[str, FoundSensor]) -> bool:
        exact = all(
            i is not None and any(_matches(i, f, exact=True) for f in seen.values()) for i in identifiers
        )
        # a partial name, or "any sensor": listen a little longer for others that fit as well
        loose = time.monotonic() - started >= _LOOSE_SCAN_S and all(
            any(f.profile is not None and (i is None or _matches(i, f, exact=False)) for f in seen.values())
            for i in identifiers
        )
        return exact or loose

    seen = await scan(timeout_s, until=complete)
    supported = [f for f in seen if f.profile is not None]
    out: list[FoundSensor] = []
    for ident in identifiers:
        if ident is None:
            pool = [f for f in supported if f not in out]
            if len(pool) != 1:
                listing = ", ".join(f.label for f in pool) or "none"
                raise DeviceNotFound(
                    "any supported sensor",
                    f"give a name or address; found {len(pool)} ({listing})",
                )
            out.append(pool[0])
            continue
        exact = [f for f in seen if _matches(ident, f, exact=True)]
        loose = exact or [f for f in seen if _matches(ident, f, exact=False)]
        loose = [f for f in loose if f not in out]
        if len(loose) > 1:
            loose = [f for f in loose if f.profile is not None] or loose
        if len(loose) != 1:
            nearby = ", ".join(f.label for f in supported) or "no supported sensor"
            detail = (f"{len(loose)} devices match: " + ", ".join(f.label for f in loose)
                      if loose else f"scanned {timeout_s:g} s; nearby: {nearby}")
            raise DeviceNotFound(ident, detail)
        out.append(loose[0])
    return out


# --------------------------------------------------------------------------------------------
# One sensor's link


Sink = Callable[[int, float, bytes], None]
"""Receives ``(stream, host monotonic time, payload)`` for every notification."""
EventSink = Callable[[str, float, dict], None]
"""Receives ``(kind, host monotonic time, details)`` for every link event."""


class SensorLink:
    """Connect to one sensor, configure it, stream it, and keep the link up.

    Parameters
    ----------
    found : FoundSensor
    profile : DeviceProfile, optional
        Force a profile (default: from the advertisement, else from the GATT services).
    fs_hz : float, optional
        Rate to configure (default: the profile's).
    connect_timeout_s : float
        How long the first connection may take (finding the device included), s.
    reconnect_timeout_s : float
        How long one reconnection attempt may take before the next one starts, s.
    connect_lock : asyncio.Lock, optional
        Shared by the links of one session: BlueZ allows one discovery per client at a time, and
        a reconnection by address scans.

    Examples
    --------
    >>> link = SensorLink(found)                     # doctest: +SKIP
    >>> await link.open()                            # connect, identify, read device info
    >>> await link.start(sink, events)               # subscribe and start streaming
    >>> await link.run(stop)                         # until stop is set, reconnecting
    """

    def __init__(
        self,
        found: FoundSensor,
        *,
        profile: DeviceProfile | None = None,
        fs_hz: float | None = None,
        connect_timeout_s: float = 10.0,
        reconnect_timeout_s: float = 3.0,
        connect_lock: asyncio.Lock | None = None,
    ) -> None:
        self.found = found
        self.address = found.address
        self.profile = profile or found.profile
        self.requested_fs_hz = fs_hz
        self.fs_hz = 0.0
        self.connect_timeout_s = connect_timeout_s
        self.reconnect_timeout_s = reconnect_timeout_s
        self._connect_lock = connect_lock or asyncio.Lock()
        self.info: dict[str, Any] = {}
        self.battery_pct: int | None = None
        self.connected = False
        self.n_connects = 0
        self._client: BleakClient | None = None
        self._lost = asyncio.Event()
        self._closing = False
        self._sink: Sink | None = None
        self._events: EventSink | None = None

    # ---- connecting -------------------------------------------------------------------
    async def open(self) -> None:
        """Connect, make sure the device is supported, identify it and read its information.

        Raises
        ------
        DeviceNotFound, UnsupportedDevice, BluetoothError
        """
        with _errors(self.found.label):
            async with self._connect_lock:
                await self._connect(self.found.device or self.address, self.connect_timeout_s)
            assert self._client is not None
            if self.profile is None:
                uuids = {s.uuid.lower() for s in self._client.services}
                self.profile = next((p for p in PROFILES.values() if p.service_uuid in uuids), None)
            if self.profile is None:
                await self._disconnect()
                raise UnsupportedDevice(
                    self.found.label, "its name and services match no supported sensor "
                    f"(supported: {', '.join(PROFILES)}; use --profile to force one)")
            if self._client.services.get_characteristic(self.profile.notify_uuid) is None:
                await self._disconnect()
                raise UnsupportedDevice(
                    self.found.label, f"it has no {self.profile.label} data characteristic")
            self.profile = await self._identify(self.profile)
            self.fs_hz = self.profile.check_rate(self.requested_fs_hz)
            self.info = await self._read_info()

    async def _connect(self, target: BLEDevice | str, timeout_s: float) -> None:
        self._lost.clear()
        client = BleakClient(target, disconnected_callback=self._on_disconnect, timeout=timeout_s)
        await client.connect()
        self._client = client
        self.connected = True
        self.n_connects += 1

    def _on_disconnect(self, client: BleakClient) -> None:
        if client is not self._client:
            return
        self.connected = False
        if not self._closing:
            self._lost.set()
            if self._events:
                self._events("link_lost", time.monotonic(), {})

    async def _identify(self, profile: DeviceProfile) -> DeviceProfile:
        """MetaWear boards with a BMI160 or a BMI270 share name and UUIDs: ask the board."""
        if profile.key not in ("metamotion", "metamotion_bmi160"):
            return profile
        assert self._client is not None and profile.write_uuid
        reply: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

        def on_reply(_: BleakGATTCharacteristic, data: bytearray) -> None:
            if data[:2] == bytes([metamotion.ACCELEROMETER, metamotion.MODULE_INFO]) and not reply.done():
                reply.set_result(bytes(data))

        await self._client.start_notify(profile.notify_uuid, on_reply)
        try:
            await self._client.write_gatt_char(
                profile.write_uuid, metamotion.module_info_command(metamotion.ACCELEROMETER),
                response=profile.write_with_response)
            data = await asyncio.wait_for(reply, 2.0)
        except asyncio.TimeoutError:
            return profile  # an old firmware without module info: keep the name's guess
        finally:
            await self._client.stop_notify(profile.notify_uuid)
        probe = metamotion.MetaMotionDecoder()
        probe.feed(data, 0.0)
        return PROFILES["metamotion_bmi160" if probe.chip is metamotion.BMI160 else "metamotion"]

    async def _read_info(self) -> dict[str, Any]:
        """Device Information Service strings and the battery level, where the device has them."""
        assert self._client is not None
        info: dict[str, Any] = {}
        for key, uuid in DEVICE_INFO.items():
            if self._client.services.get_characteristic(uuid) is not None:
                with contextlib.suppress(BleakError, asyncio.TimeoutError):
                    raw = await asyncio.wait_for(self._client.read_gatt_char(uuid), _COMMAND_TIMEOUT_S)
                    info[key] = bytes(raw).decode("utf-8", "replace").strip("\x00 ")
        await self.read_battery()
        return info

    async def read_battery(self) -> int | None:
        """Read the standard battery level (%), if the device has one and is connected."""
        client = self._client
        if client is None or not self.connected or client.services.get_characteristic(BATTERY_LEVEL) is None:
            return None
        with contextlib.suppress(BleakError, asyncio.TimeoutError, EOFError):
            raw = await asyncio.wait_for(client.read_gatt_char(BATTERY_LEVEL), _COMMAND_TIMEOUT_S)
            if raw:
                self.battery_pct = int(raw[0])
                if self._events:
                    self._events("battery", time.monotonic(), {"pct": self.battery_pct})
        return self.battery_pct

    # ---- streaming --------------------------------------------------------------------
    async def start(self, sink: Sink, events: EventSink) -> None:
        """Subscribe and send the start commands (at :attr:`fs_hz`)."""
        self._sink, self._events = sink, events
        events("connected", time.monotonic(), {"attempt": self.n_connects, **self.info})
        if self.battery_pct is not None:
            events("battery", time.monotonic(), {"pct": self.battery_pct})
        with _errors(self.found.label):
            await self._subscribe_and_start()

    async def _subscribe_and_start(self) -> None:
        p, client, sink = self.profile, self._client, self._sink
        assert p is not None and client is not None and sink is not None

        def on_data(_: BleakGATTCharacteristic, data: bytearray) -> None:
            sink(DATA, time.monotonic(), bytes(data))

        def on_control(_: BleakGATTCharacteristic, data: bytearray) -> None:
            sink(CONTROL, time.monotonic(), bytes(data))

        if p.configure_before_subscribe:
            await self._write(p.start_commands(self.fs_hz))
        if p.indicate_uuid:
            await client.start_notify(p.indicate_uuid, on_control)
        if not p.configure_before_subscribe:
            # a sensor left streaming (by a crashed recorder, another app) starts over from a known state
            with contextlib.suppress(BleakError, asyncio.TimeoutError):
                await self._write(p.stop_commands(self.fs_hz))
        await client.start_notify(p.notify_uuid, on_data)
        if not p.configure_before_subscribe:
            await self._write(p.start_commands(self.fs_hz))

    async def _write(self, commands: Sequence[bytes]) -> None:
        p, client = self.profile, self._client
        assert p is not None and client is not None
        for command in commands:
            assert p.write_uuid
            await asyncio.wait_for(
                client.write_gatt_char(p.write_uuid, command, response=p.write_with_response),
                _COMMAND_TIMEOUT_S,
            )

    async def run(self, stop: asyncio.Event, *, reconnect: bool = True,
                  battery_every_s: float = 60.0) -> None:
        """Keep streaming until `stop` is set: reconnect after every link loss.

        Each loss sends a ``link_lost`` event, each new link a ``connected`` event (the receiver
        resets the decoder there); samples missed in between become a gap.
        """
        stop_wait = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                lost_wait = asyncio.ensure_future(self._lost.wait())
                await asyncio.wait({stop_wait, lost_wait}, timeout=battery_every_s,
                                   return_when=asyncio.FIRST_COMPLETED)
                lost_wait.cancel()
                if stop.is_set():
                    break
                if not self._lost.is_set():
                    await self.read_battery()
                    continue
                if not reconnect:
                    return
                await self._reconnect(stop)
        finally:
            stop_wait.cancel()

    async def _reconnect(self, stop: asyncio.Event) -> None:
        attempts = 0
        while not stop.is_set():
            attempts += 1
            task = asyncio.ensure_future(self._reopen())
            stopped = asyncio.ensure_future(stop.wait())
            await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if not task.done():
                task.cancel()
                with contextlib.suppress(BaseException):
                    await task
                return
            error = task.exception()
            if error is None:
                return
            if self._events:
                self._events("reconnect_failed", time.monotonic(),
                             {"attempt": attempts, "error": str(translate(error))})
            await asyncio.sleep(0.5)

    async def _reopen(self) -> None:
        await self._disconnect()
        async with self._connect_lock:  # by address: the old device object may be gone
            await self._connect(self.address, self.reconnect_timeout_s)
        assert self._events is not None
        self._events("connected", time.monotonic(), {"attempt": self.n_connects})
        try:
            await self._subscribe_and_start()
        except BaseException:
            await self._disconnect()
            raise
        await self.read_battery()

    # ---- stopping ---------------------------------------------------------------------
    async def close(self) -> None:
        """Stop streaming and disconnect, politely and within a few seconds."""
        self._closing = True
        if self._events:
            self._events("stopping", time.monotonic(), {})
        p, client = self.profile, self._client
        if client is not None and self.connected and p is not None:
            with contextlib.suppress(BleakError, asyncio.TimeoutError, EOFError, OSError):
                await self._write(p.stop_commands(self.fs_hz))
            for uuid in (p.notify_uuid, p.indicate_uuid):
                if uuid:
                    with contextlib.suppress(BleakError, asyncio.TimeoutError, EOFError, OSError):
                        await asyncio.wait_for(client.stop_notify(uuid), _COMMAND_TIMEOUT_S)
        await self._disconnect()
        if self._events:
            self._events("disconnected", time.monotonic(), {"clean": True})

    async def _disconnect(self) -> None:
        client, self._client = self._client, None
        self.connected = False
        if client is not None:
            with contextlib.suppress(BleakError, asyncio.TimeoutError, EOFError, OSError):
                await asyncio.wait_for(client.disconnect(), 10.0)

