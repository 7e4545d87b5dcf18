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
