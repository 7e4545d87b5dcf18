"""Errors raised by sensorback.

Every error derives from :class:`SensorbackError`; subclasses carry the data
that explains them.  The command line turns any of them into one clear line
and a non-zero exit code (:attr:`SensorbackError.exit_code`).
"""

from __future__ import annotations

from collections.abc import Sequence


class SensorbackError(Exception):
    """Base class of every error sensorback raises on purpose."""

    exit_code: int = 1


class InputError(SensorbackError):
    """A file or argument that cannot be used as given."""

    exit_code = 2


class UnsupportedFormat(InputError):
    """No reader recognised the file."""

    def __init__(self, path: str, tried: Sequence[str], detail: str = "") -> None:
        self.path = str(path)
        self.tried = tuple(tried)
        msg = f"{self.path}: not a recording sensorback can read (tried: {', '.join(self.tried)})"
        if detail:
            msg += f"; {detail}"
        super().__init__(msg)


class FileFormatError(InputError):
    """A file of a known format whose content is broken (truncated, bad header, ...)."""

    def __init__(self, path: str, reason: str, line: int | None = None) -> None:
        self.path = str(path)
        self.reason = reason
        self.line = line
        where = f"{self.path}" + (f", line {line}" if line is not None else "")
        super().__init__(f"{where}: {reason}")


class UnitError(InputError):
    """Samples whose units are not the canonical ones and cannot be converted safely."""

    def __init__(self, quantity: str, found: str, hint: str) -> None:
        self.quantity = quantity
        self.found = found
        self.hint = hint
        super().__init__(f"{quantity}: {found}. {hint}")


class UnusableRecording(InputError):
    """A readable recording from which posture cannot be computed (gravity removed, no gyroscope,
    too short, too slow); ``reason`` says which, ``hint`` what to do about it."""

    def __init__(self, path: str, reason: str, hint: str = "") -> None:
        self.path = str(path)
        self.reason = reason
        self.hint = hint
        super().__init__(f"{self.path}: unusable for posture: {reason}" + (f". {hint}" if hint else ""))


class RoutineError(InputError):
    """A routine file that cannot be used: not TOML, or an exercise, set or target that is wrong."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = str(source)
        self.reason = reason
        super().__init__(f"routine {self.source}: {reason}")


class CalibrationError(SensorbackError):
    """The sensor's mounting on the body could not be determined."""

    exit_code = 3


class DecodeError(SensorbackError):
    """A packet a decoder could not decode."""

    def __init__(self, payload: bytes, offset: int, reason: str) -> None:
        self.payload = bytes(payload)
        self.offset = offset
        self.reason = reason
        super().__init__(f"cannot decode packet at byte {offset}: {reason} ({self.payload[:24].hex()})")


class DeviceNotFound(SensorbackError):
    """No device matched the name or address given."""

    exit_code = 4

    def __init__(self, identifier: str, detail: str = "") -> None:
        self.identifier = identifier
        super().__init__(f"no supported sensor matching {identifier!r} was found" + (f": {detail}" if detail else ""))


class BluetoothError(SensorbackError):
    """Bluetooth could not be used: no adapter, adapter off, no permission, a failed link."""

    exit_code = 5


class AdapterNotFound(BluetoothError):
    """No Bluetooth adapter (or no BlueZ service, or no system D-Bus) on this machine."""

    exit_code = 6

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(f"no Bluetooth adapter available: {detail}")


class BluetoothOff(BluetoothError):
    """The adapter exists but is powered off."""

    exit_code = 7

    def __init__(self) -> None:
        super().__init__("Bluetooth is off: turn it on (e.g. `bluetoothctl power on`) and try again")


class BluetoothPermissionDenied(BluetoothError):
    """The system refused this user access to Bluetooth."""

    exit_code = 8

    def __init__(self, detail: str) -> None:
        self.detail = detail
        super().__init__(
            f"permission denied by the system's Bluetooth service ({detail}); on Linux, add your "
            "user to the 'bluetooth' group or check the D-Bus policy of org.bluez"
        )


class UnsupportedDevice(BluetoothError):
    """A device was found but sensorback does not know how to talk to it."""

    exit_code = 9

    def __init__(self, identifier: str, reason: str) -> None:
        self.identifier = identifier
        self.reason = reason
        super().__init__(f"{identifier!r} is not a supported sensor: {reason}")


class RecordingWarning(UserWarning):
    """What a reader found in a file and handled (gaps annotated, units converted, rows dropped).

    The same notes are kept in ``recording.info.notes``; silence the warnings with
    ``warnings.filterwarnings("ignore", category=sensorback.errors.RecordingWarning)``."""


class MissingDependency(SensorbackError):
    """An optional dependency that this command needs is not installed."""

    exit_code = 10

    #: top-level module -> the extra of sensorback that installs it
    EXTRAS = {"matplotlib": "plot", "PIL": "plot", "bleak": "ble", "dbus_fast": "ble", "pyarrow": "parquet"}

    def __init__(self, module: str, command: str | None = None) -> None:
        top = module.split(".")[0]
        self.module = top
        self.extra = self.EXTRAS.get(top, "all")
        what = f"`sensorback {command}`" if command else "this"
        super().__init__(f"{what} needs {top}, which is not installed: pip install 'sensorback[{self.extra}]'")

    @classmethod
    def from_error(cls, exc: ModuleNotFoundError, command: str | None = None) -> MissingDependency | None:
        """The error for a failed import of an optional dependency; None for any other module."""
        name = exc.name or ""
        return cls(name, command) if name.split(".")[0] in cls.EXTRAS else None
