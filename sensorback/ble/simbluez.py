"""A simulated BlueZ: virtual sensors served on a D-Bus, for bleak's own BlueZ backend to talk to.

It owns the name ``org.bluez`` on a (private) bus and answers what bleak asks of bluetoothd: the
object manager at ``/``, an adapter ``/org/bluez/hci0`` (discovery), one ``Device1`` per virtual
sensor (connect, disconnect) and, once connected, its GATT services, characteristics and
descriptors at BlueZ's own object paths (read, write, start/stop notify).  Notifications leave as
``PropertiesChanged(Value)`` signals, as bluetoothd sends them.  bleak never introspects, so
nothing here does either.

Faults are under the control of whoever runs it, through ``org.sensorback.Simulator1`` at
:data:`CONTROL_PATH`: ``DropLink(address)`` (link loss), ``Vanish(address)`` (out of range: the
link drops and the device stops advertising), ``Appear(address)``, and ``Log(address)``, a JSON
record of every notification sent (host time, stream, sample indices, bytes) for tests to compare
a recording against.

Only dbus-fast is used (a dependency of bleak on Linux); nothing here imports bleak.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dbus_fast import Message, MessageType, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.constants import RequestNameReply

from .virtual import CCCD, VirtualSensor

OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager"
PROPERTIES = "org.freedesktop.DBus.Properties"
ADAPTER = "org.bluez.Adapter1"
DEVICE = "org.bluez.Device1"
GATT_SERVICE = "org.bluez.GattService1"
GATT_CHAR = "org.bluez.GattCharacteristic1"
GATT_DESC = "org.bluez.GattDescriptor1"
CONTROL = "org.sensorback.Simulator1"
CONTROL_PATH = "/org/sensorback/simulator"
ADAPTER_PATH = "/org/bluez/hci0"

SERVICES_RESOLVED_DELAY_S = 0.02
ADVERTISING_INTERVAL_S = 0.1


class BluezError(Exception):
    """A D-Bus error reply (``org.bluez.Error.*``)."""

    def __init__(self, name: str, text: str) -> None:
        super().__init__(text)
        self.name = name


Props = dict[str, Variant]


@dataclass
class _Device:
    sensor: VirtualSensor
    path: str
    present: bool = True
    connected: bool = False
    gatt: dict[str, str] = field(default_factory=dict)  # object path -> characteristic uuid
    char_paths: dict[str, str] = field(default_factory=dict)  # uuid -> object path
    notify_clients: dict[str, str] = field(default_factory=dict)  # uuid -> bus name of the client
    log: dict[str, Any] = field(default_factory=dict)
    kick: asyncio.Event = field(default_factory=asyncio.Event)
    connected_at: float = 0.0


class SimulatedBluez:
    """The simulated bluetoothd.

    Parameters
    ----------
    bus : MessageBus
        A connected bus; call :meth:`start` to take the name ``org.bluez``.
    sensors : list of VirtualSensor
    adapter : {'on', 'off', 'missing'}
        A powered adapter, one that is off, or none at all.
    drop_link_every_s : float, optional
        Drop every connected link after this long (a flaky radio, for demos).
    connection_interval_s : float
        Deliver notifications in bursts at connection events this far apart, as a BLE link does
        (Linux centrals use 30-50 ms); 0 sends each the moment it is due.
    """

    def __init__(
        self,
        bus: MessageBus,
        sensors: list[VirtualSensor],
        *,
        adapter: str = "on",
        drop_link_every_s: float | None = None,
        connection_interval_s: float = 0.0,
    ) -> None:
        if adapter not in ("on", "off", "missing"):
            raise ValueError(f"adapter must be 'on', 'off' or 'missing', got {adapter!r}")
        self.bus = bus
        self.objects: dict[str, dict[str, Props]] = {}
        self.methods: dict[str, dict[tuple[str, str], Callable[[Message], Any]]] = {}
        self.devices: dict[str, _Device] = {}
        self.discovering: set[str] = set()
        self.drop_link_every_s = drop_link_every_s
        self.connection_interval_s = connection_interval_s
        self._tasks: set[asyncio.Task] = set()
        self.methods["/"] = {(OBJECT_MANAGER, "GetManagedObjects"): self._managed_objects}
        self.methods[CONTROL_PATH] = {
            (CONTROL, "DropLink"): lambda m: self._by_address(m, self.drop_link),
            (CONTROL, "Vanish"): lambda m: self._by_address(m, self.vanish),
            (CONTROL, "Appear"): lambda m: self._by_address(m, self.appear),
            (CONTROL, "Log"): lambda m: ("s", [json.dumps(self._device(m.body[0]).log)]),
            (CONTROL, "Sensors"): lambda m: ("s", [json.dumps(self.describe())]),
        }
        if adapter != "missing":
            self._add(ADAPTER_PATH, ADAPTER, {
                "Address": Variant("s", "00:1A:7D:DA:71:13"),
                "AddressType": Variant("s", "public"),
                "Name": Variant("s", "sensorback-sim"),
                "Alias": Variant("s", "sensorback-sim"),
                "Powered": Variant("b", adapter == "on"),
                "Discovering": Variant("b", False),
                "Discoverable": Variant("b", False),
                "Pairable": Variant("b", False),
                "UUIDs": Variant("as", []),
                "Roles": Variant("as", ["central", "peripheral"]),
            }, {
                (ADAPTER, "StartDiscovery"): self._start_discovery,
                (ADAPTER, "StopDiscovery"): self._stop_discovery,
                (ADAPTER, "SetDiscoveryFilter"): lambda m: None,
                (ADAPTER, "GetDiscoveryFilters"): lambda m: ("as", [["UUIDs", "RSSI", "Transport"]]),
                (ADAPTER, "RemoveDevice"): lambda m: None,
            }, announce=False)
        for sensor in sensors:
            path = f"{ADAPTER_PATH}/dev_{sensor.address.replace(':', '_')}"
            dev = _Device(sensor, path)
            dev.log = {"name": sensor.name, "address": sensor.address, "kind": sensor.key,
                       "sent": [], "writes": [], "connects": 0, "link_losses": 0, "clocks": []}
            self.devices[sensor.address] = dev

    async def start(self) -> None:
        """Serve: install the message handler and own ``org.bluez``."""
        self.bus.add_message_handler(self._handle)
        await self.bus.call(Message(
            destination="org.freedesktop.DBus", path="/org/freedesktop/DBus",
            interface="org.freedesktop.DBus", member="AddMatch", signature="s",
            body=["type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged'"]))
        reply = await self.bus.request_name("org.bluez")
        if reply != RequestNameReply.PRIMARY_OWNER:
            raise RuntimeError("org.bluez is already owned on this bus (is bluetoothd running?)")
        for dev in self.devices.values():
            self._spawn(self._stream(dev))
        self._spawn(self._advertise())
        if self.drop_link_every_s:
            self._spawn(self._flaky_radio(self.drop_link_every_s))

    def stop(self) -> None:
        for task in self._tasks:
            task.cancel()

    def describe(self) -> list[dict[str, Any]]:
        return [
            {"name": d.sensor.name, "address": d.sensor.address, "kind": d.sensor.key,
             "present": d.present, "connected": d.connected}
            for d in self.devices.values()
        ]

    # ---- faults -----------------------------------------------------------------------
    def drop_link(self, dev: _Device) -> None:
        """Link loss, as bluetoothd reports a supervision timeout."""
        if dev.connected:
            dev.log["link_losses"] += 1
            self._disconnect(dev)

    def vanish(self, dev: _Device) -> None:
        """Out of range: drop the link, stop advertising, and forget the device."""
        self.drop_link(dev)
        dev.present = False
        self._remove(dev.path)

    def appear(self, dev: _Device) -> None:
        dev.present = True

    # ---- object store -----------------------------------------------------------------
    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _add(self, path: str, iface: str, props: Props,
             methods: dict[tuple[str, str], Callable[[Message], Any]] | None = None,
             announce: bool = True) -> None:
        self.objects.setdefault(path, {})[iface] = props
        self.methods.setdefault(path, {}).update(methods or {})
        if announce:
            self._signal("/", OBJECT_MANAGER, "InterfacesAdded", "oa{sa{sv}}", [path, {iface: props}])

    def _remove(self, path: str) -> None:
        ifaces = self.objects.pop(path, None)
        self.methods.pop(path, None)
        if ifaces:
            self._signal("/", OBJECT_MANAGER, "InterfacesRemoved", "oas", [path, list(ifaces)])

    def _signal(self, path: str, iface: str, member: str, signature: str, body: list) -> None:
        self.bus.send(Message.new_signal(path, iface, member, signature, body))

    def _set(self, path: str, iface: str, **changed: Any) -> None:
        props = self.objects[path][iface]
        out = {}
        for name, value in changed.items():
            out[name] = value if isinstance(value, Variant) else Variant(props[name].signature, value)
            props[name] = out[name]
        self._signal(path, PROPERTIES, "PropertiesChanged", "sa{sv}as", [iface, out, []])

    # ---- dispatch ---------------------------------------------------------------------
    def _handle(self, msg: Message) -> Message | bool | None:
        if msg.message_type == MessageType.SIGNAL and msg.member == "NameOwnerChanged" and not msg.body[2]:
            self._client_gone(msg.body[0])
            return None
        if msg.message_type != MessageType.METHOD_CALL or msg.destination not in ("org.bluez", self.bus.unique_name):
            return None
        try:
            if msg.interface == PROPERTIES:
                return self._properties(msg)
            fn = self.methods.get(msg.path or "", {}).get((msg.interface or "", msg.member or ""))
            if fn is None:
                if msg.path not in self.methods:
                    return Message.new_error(msg, "org.freedesktop.DBus.Error.UnknownObject", f"no object {msg.path}")
                return Message.new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", f"no method {msg.member}")
            result = fn(msg)
            if result is True:  # answered later
                return True
            return Message.new_method_return(msg, *(result or ("", [])))
        except BluezError as err:
            return Message.new_error(msg, err.name, str(err))

    def _properties(self, msg: Message) -> Message:
        path = msg.path or ""
        ifaces = self.objects.get(path)
        if ifaces is None:
            return Message.new_error(msg, "org.freedesktop.DBus.Error.UnknownObject", path)
        if msg.member == "GetAll":
            return Message.new_method_return(msg, "a{sv}", [ifaces.get(msg.body[0], {})])
        if msg.member == "Get":
            props = ifaces.get(msg.body[0], {})
            if msg.body[1] not in props:
                return Message.new_error(msg, "org.freedesktop.DBus.Error.InvalidArgs", msg.body[1])
            return Message.new_method_return(msg, "v", [props[msg.body[1]]])
        if msg.member == "Set":
            iface, name, value = msg.body
            self._set(path, iface, **{name: value})
            return Message.new_method_return(msg)
        return Message.new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod", str(msg.member))

    def _client_gone(self, name: str) -> None:
        """A client left the bus: its discovery and notification sessions end (as with bluetoothd);
        its links stay up."""
        if name in self.discovering:
            self.discovering.discard(name)
            if not self.discovering and ADAPTER_PATH in self.objects:
                self._set(ADAPTER_PATH, ADAPTER, Discovering=False)
        now = time.monotonic()
        for dev in self.devices.values():
            for uuid, client in list(dev.notify_clients.items()):
                if client == name:
                    del dev.notify_clients[uuid]
                    dev.sensor.unsubscribe(uuid, now)
                    path = dev.char_paths.get(uuid)
                    if path in self.objects:
                        self._set(path, GATT_CHAR, Notifying=False)

    def _managed_objects(self, msg: Message) -> tuple[str, list]:
        return "a{oa{sa{sv}}}", [dict(self.objects)]

    def _device(self, address: str) -> _Device:
        dev = self.devices.get(address.upper())
        if dev is None:
            raise BluezError("org.bluez.Error.DoesNotExist", f"no virtual sensor {address}")
        return dev

    def _by_address(self, msg: Message, action: Callable[[_Device], None]) -> None:
        action(self._device(msg.body[0]))

    # ---- discovery --------------------------------------------------------------------
    def _start_discovery(self, msg: Message) -> None:
        if msg.sender in self.discovering:  # bluetoothd: one discovery session per client
            raise BluezError("org.bluez.Error.InProgress", "Operation already in progress")
        self.discovering.add(msg.sender)
        self._set(ADAPTER_PATH, ADAPTER, Discovering=True)
        for dev in self.devices.values():
            if dev.present and dev.path not in self.objects:
                self._export_device(dev)

    def _stop_discovery(self, msg: Message) -> None:
        if msg.sender not in self.discovering:
            raise BluezError("org.bluez.Error.Failed", "No discovery started")
        self.discovering.discard(msg.sender)
        if not self.discovering:
            self._set(ADAPTER_PATH, ADAPTER, Discovering=False)

    async def _advertise(self) -> None:
        """While anyone scans, every present device 'advertises': its RSSI changes."""
        while True:
            await asyncio.sleep(ADVERTISING_INTERVAL_S)
            if not self.discovering:
                continue
            for i, dev in enumerate(self.devices.values()):
                if not dev.present or dev.connected:
                    continue
                if dev.path not in self.objects:
                    self._export_device(dev)
                rssi = -58 - 4 * i + round(3 * math.sin(time.monotonic() * 5 + i))
                self._set(dev.path, DEVICE, RSSI=rssi)

    def _export_device(self, dev: _Device) -> None:
        s = dev.sensor
        self._add(dev.path, DEVICE, {
            "Address": Variant("s", s.address),
            "AddressType": Variant("s", "random"),
            "Name": Variant("s", s.name),
            "Alias": Variant("s", s.name),
            "UUIDs": Variant("as", s.advertised_uuids()),
            "Paired": Variant("b", False),
            "Bonded": Variant("b", False),
            "Trusted": Variant("b", False),
            "Blocked": Variant("b", False),
            "Connected": Variant("b", False),
            "ServicesResolved": Variant("b", False),
            "LegacyPairing": Variant("b", False),
            "Adapter": Variant("o", ADAPTER_PATH),
            "RSSI": Variant("n", -60),
            "ManufacturerData": Variant("a{qv}", {}),
            "ServiceData": Variant("a{sv}", {}),
        }, {
            (DEVICE, "Connect"): lambda m: self._connect(dev, m),
            (DEVICE, "Disconnect"): lambda m: self._disconnect_call(dev),
        })

    # ---- connections ------------------------------------------------------------------
    def _connect(self, dev: _Device, msg: Message) -> bool | None:
        if dev.connected:
            raise BluezError("org.bluez.Error.AlreadyConnected", "Already Connected")
        if not dev.present:
            async def fail() -> None:  # a device out of range: the controller gives up
                await asyncio.sleep(0.5)
                self.bus.send(Message.new_error(msg, "org.bluez.Error.Failed", "Connection timed out"))
            self._spawn(fail())
            return True
        now = time.monotonic()
        dev.connected = True
        dev.connected_at = now
        dev.log["connects"] += 1
        dev.sensor.connect(now)
        self._set(dev.path, DEVICE, Connected=True)
        self._export_gatt(dev)

        def resolved() -> None:
            if dev.connected:
                self._set(dev.path, DEVICE, ServicesResolved=True)

        asyncio.get_running_loop().call_later(SERVICES_RESOLVED_DELAY_S, resolved)
        return None

    def _disconnect_call(self, dev: _Device) -> None:
        if not dev.connected:
            raise BluezError("org.bluez.Error.NotConnected", "Not Connected")
        self._disconnect(dev)

    def _disconnect(self, dev: _Device) -> None:
        dev.connected = False
        dev.sensor.disconnect(time.monotonic())
        dev.kick.set()
        if dev.path in self.objects:
            self._set(dev.path, DEVICE, ServicesResolved=False)
            self._set(dev.path, DEVICE, Connected=False)
        for path in sorted(dev.gatt, reverse=True):
            self._remove(path)
        dev.gatt.clear()
        dev.char_paths.clear()
        dev.notify_clients.clear()

    def _export_gatt(self, dev: _Device) -> None:
        handle = 0x000A
        for service in dev.sensor.services():
            spath = f"{dev.path}/service{handle:04x}"
            self._add(spath, GATT_SERVICE, {
                "UUID": Variant("s", service.uuid), "Device": Variant("o", dev.path),
                "Primary": Variant("b", True), "Includes": Variant("ao", []),
                "Handle": Variant("q", handle)})
            dev.gatt[spath] = service.uuid
            handle += 1
            for char in service.characteristics:
                cpath = f"{spath}/char{handle:04x}"
                self._add(cpath, GATT_CHAR, {
                    "UUID": Variant("s", char.uuid), "Service": Variant("o", spath),
                    "Value": Variant("ay", char.value), "Notifying": Variant("b", False),
                    "Flags": Variant("as", list(char.flags)), "Handle": Variant("q", handle),
                    "MTU": Variant("q", 247)}, self._char_methods(dev, char.uuid, cpath))
                dev.gatt[cpath] = char.uuid
                dev.char_paths[char.uuid] = cpath
                handle += 2
                if {"notify", "indicate"} & set(char.flags):
                    dpath = f"{cpath}/desc{handle:04x}"
                    self._add(dpath, GATT_DESC, {
                        "UUID": Variant("s", CCCD), "Characteristic": Variant("o", cpath),
                        "Value": Variant("ay", b""), "Handle": Variant("q", handle)},
                        {(GATT_DESC, "ReadValue"): lambda m: ("ay", [b"\x00\x00"])})
                    dev.gatt[dpath] = CCCD
                    handle += 1
            handle = (handle + 0x10) & ~0x0F

    def _char_methods(self, dev: _Device, uuid: str, path: str) -> dict[tuple[str, str], Callable[[Message], Any]]:
        def read(m: Message) -> tuple[str, list]:
            return "ay", [self.objects[path][GATT_CHAR]["Value"].value]

        def write(m: Message) -> None:
            value = bytes(m.body[0])
            dev.log["writes"].append(value.hex())
            dev.sensor.write(uuid, value, time.monotonic())
            self._log_clocks(dev)
            dev.kick.set()

        def start_notify(m: Message) -> None:
            if not self.objects[path][GATT_CHAR]["Notifying"].value:
                self._set(path, GATT_CHAR, Notifying=True)
            dev.notify_clients[uuid] = m.sender
            dev.sensor.subscribe(uuid, time.monotonic())
            self._log_clocks(dev)
            dev.kick.set()

        def stop_notify(m: Message) -> None:
            if path in self.objects:
                self._set(path, GATT_CHAR, Notifying=False)
            dev.notify_clients.pop(uuid, None)
            dev.sensor.unsubscribe(uuid, time.monotonic())

        return {
            (GATT_CHAR, "ReadValue"): read,
            (GATT_CHAR, "WriteValue"): write,
            (GATT_CHAR, "StartNotify"): start_notify,
            (GATT_CHAR, "StopNotify"): stop_notify,
        }

    def _log_clocks(self, dev: _Device) -> None:
        dev.log["clocks"] = [[c.t0_s, c.fs_hz, c.epoch_s, c.rate_hz] for c in dev.sensor.clocks]

    # ---- streaming --------------------------------------------------------------------
    async def _stream(self, dev: _Device) -> None:
        """Send each notification when it is due, while the sensor is active."""
        sensor, sent = dev.sensor, dev.log["sent"]
        while True:
            due = sensor.next_due()
            dev.kick.clear()
            if due is None:
                await dev.kick.wait()
                continue
            ci = self.connection_interval_s
            if ci > 0:  # the next connection event at or after it
                due = dev.connected_at + math.ceil((due - dev.connected_at) / ci - 1e-9) * ci
            delay = due - time.monotonic()
            if delay > 0:
                try:
                    await asyncio.wait_for(dev.kick.wait(), delay)
                    continue  # something changed: look again
                except asyncio.TimeoutError:
                    pass
            for note in sensor.poll(time.monotonic()):
                path = dev.char_paths.get(note.uuid)
                if path is None or not dev.connected:
                    continue
                self._signal(path, PROPERTIES, "PropertiesChanged", "sa{sv}as",
                             [GATT_CHAR, {"Value": Variant("ay", note.payload)}, []])
                sent.append([time.monotonic(), note.stream, note.k0, note.k1, note.clock, note.payload.hex()])

    async def _flaky_radio(self, every_s: float) -> None:
        while True:
            await asyncio.sleep(0.1)
            now = time.monotonic()
            for dev in self.devices.values():
                if dev.connected and now - dev.connected_at >= every_s:
                    self.drop_link(dev)


async def serve(
    sensors: list[VirtualSensor],
    bus_address: str,
    stop: asyncio.Event,
    *,
    adapter: str = "on",
    drop_link_every_s: float | None = None,
    connection_interval_s: float = 0.0,
    ready: Callable[[SimulatedBluez], None] | None = None,
) -> None:
    """Serve virtual sensors as ``org.bluez`` on the bus at `bus_address` until `stop` is set."""
    bus = await MessageBus(bus_address=bus_address).connect()
    sim = SimulatedBluez(bus, sensors, adapter=adapter, drop_link_every_s=drop_link_every_s,
                         connection_interval_s=connection_interval_s)
    try:
        await sim.start()
        if ready is not None:
            ready(sim)
        stopped = asyncio.ensure_future(stop.wait())
        gone = asyncio.ensure_future(bus.wait_for_disconnect())
        await asyncio.wait({stopped, gone}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        gone.cancel()
    finally:
        sim.stop()
        bus.disconnect()
