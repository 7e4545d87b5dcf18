"""sensorback's open BLE profile for DIY boards (ESP32 / nRF52 + any 6- or 9-axis IMU).

Version 1 packet, little-endian, one packet per notification (full specification and test
vectors in ``firmware_notes/diy.md``)::

    off  type      field
    0    u8        version = 1
    1    u8        flags: bit 0 gyroscope present, bit 1 magnetometer present, others 0
    2    u16       seq: packet counter, +1 per packet, wraps 65535 -> 0
    4    u32       t0_us: device time of the first sample, µs, wraps after 2**32 µs
    8    u16       period_us: sample period, µs
    10   u8        n: samples in this packet, >= 1
    11   f32       acc_lsb: m/s² per count
    15   f32       gyro_lsb: rad/s per count    (only when flag bit 0)
    ..   f32       mag_lsb: µT per count        (only when flag bit 1)
    H    i16[]     n samples, each ax ay az [gx gy gz] [mx my mz]
    end  u16       CRC-16/CCITT-FALSE of every byte before it

Commands written to :data:`CONTROL_UUID`: ``00`` stop, ``01`` start, ``02 <u16 Hz>`` set rate.
"""

from __future__ import annotations

import binascii
import math
import struct

import numpy as np

from sensorback.devices.base import (
    G_MPS2,
    RAD_PER_DEG,
    Notification,
    PacketDecoder,
    SampleBatch,
    as_samples,
    chunk_starts,
    quantize,
)
from sensorback.errors import DecodeError, InputError

SERVICE_UUID = "5b1e0001-7c3a-4d6e-9f21-8a4c53b0d7e2"
DATA_UUID = "5b1e0002-7c3a-4d6e-9f21-8a4c53b0d7e2"
CONTROL_UUID = "5b1e0003-7c3a-4d6e-9f21-8a4c53b0d7e2"
NAME_PREFIX = "sensorback-"

VERSION = 1
FLAG_GYRO = 0x01
FLAG_MAG = 0x02
FIXED_HEADER_BYTES = 15
"""Header bytes up to and including acc_lsb."""
CRC_BYTES = 2
STOP, START, SET_RATE = 0x00, 0x01, 0x02
"""Command opcodes."""
RATES_HZ = (25, 50, 100, 200)
"""Rates the reference sketch is tested at; any rate from 16 Hz (u16 µs period) is valid."""
TIME_WRAP_S = 2**32 / 1e6
SEQ_MODULUS = 2**16
_HEAD = struct.Struct("<BBHIHB")


def crc16(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor).

    >>> hex(crc16(b"123456789"))
    '0x29b1'
    """
    return binascii.crc_hqx(data, 0xFFFF)


def start_command() -> bytes:
    """Start streaming."""
    return bytes([START])


def stop_command() -> bytes:
    """Stop streaming."""
    return bytes([STOP])


def rate_command(fs_hz: float) -> bytes:
    """Set the sample rate (integer Hz, 16..1000); the device reports what it uses in period_us."""
    if not 16 <= fs_hz <= 1000:
        raise InputError(f"DIY sample rate must be 16..1000 Hz, got {fs_hz}")
    return struct.pack("<BH", SET_RATE, round(fs_hz))


def build_packet(
    seq: int,
    t0_us: int,
    period_us: int,
    acc_counts: np.ndarray,
    acc_lsb: float,
    gyro: tuple[np.ndarray, float] | None = None,
    mag: tuple[np.ndarray, float] | None = None,
) -> bytes:
    """Assemble one version-1 packet from integer counts.

    Parameters
    ----------
    seq : int
        Packet counter (taken modulo 2**16).
    t0_us : int
        Device time of the first sample, µs (taken modulo 2**32).
    period_us : int
        Sample period, µs (1..65535).
    acc_counts : array_like of int, shape (n, 3)
        Accelerometer counts.
    acc_lsb : float
        m/s² per accelerometer count.
    gyro, mag : (counts, lsb), optional
        Gyroscope counts with rad/s per count; magnetometer counts with µT per count.
    """
    sensors = [(np.asarray(acc_counts), acc_lsb)] + [s for s in (gyro, mag) if s is not None]
    n = len(sensors[0][0])
    flags = (FLAG_GYRO if gyro is not None else 0) | (FLAG_MAG if mag is not None else 0)
    if not 1 <= n <= 255 or not 1 <= period_us <= 0xFFFF:
        raise InputError(
            f"a DIY packet holds 1..255 samples at a 1..65535 µs period, got {n}, {period_us}"
        )
    head = _HEAD.pack(VERSION, flags, seq % SEQ_MODULUS, t0_us % 2**32, period_us, n)
    scales = struct.pack(f"<{len(sensors)}f", *(lsb for _, lsb in sensors))
    body = np.hstack([np.asarray(c, dtype=np.int64) for c, _ in sensors]).astype("<i2").tobytes()
    packet = head + scales + body
    return packet + crc16(packet).to_bytes(CRC_BYTES, "little")


class DiyDecoder(PacketDecoder):
    """Decoder of sensorback DIY packets (version 1).

    Examples
    --------
    >>> import numpy as np
    >>> packet = build_packet(7, 1_000_000, 10_000, np.array([[0, 0, 2048]]), 9.80665 / 2048)
    >>> [batch] = DiyDecoder().feed(packet, 0.0)
    >>> batch.seq, batch.time_s.tolist(), batch.acc.round(5).tolist()
    (7, [1.0], [[0.0, 0.0, 9.80665]])
    """

    def _decode(self, payload: bytes, host_time_s: float) -> list[SampleBatch]:
        if len(payload) < FIXED_HEADER_BYTES + CRC_BYTES:
            raise DecodeError(payload, 0, "truncated")
        version, flags, seq, t0_us, period_us, n = _HEAD.unpack_from(payload)
        if version != VERSION:
            raise DecodeError(payload, 0, "unsupported version")
        if flags & ~(FLAG_GYRO | FLAG_MAG):
            raise DecodeError(payload, 1, "unknown flags")
        n_sensors = 1 + bool(flags & FLAG_GYRO) + bool(flags & FLAG_MAG)
        header = FIXED_HEADER_BYTES + 4 * (n_sensors - 1)
        if len(payload) != header + 6 * n_sensors * n + CRC_BYTES:
            raise DecodeError(payload, 10, "length does not match sample count")
        if crc16(payload[:-CRC_BYTES]) != int.from_bytes(payload[-CRC_BYTES:], "little"):
            raise DecodeError(payload, len(payload) - CRC_BYTES, "bad CRC")
        scales = struct.unpack_from(f"<{n_sensors}f", payload, FIXED_HEADER_BYTES - 4)
        if n == 0 or period_us == 0 or not all(math.isfinite(s) and s > 0 for s in scales):
            raise DecodeError(payload, 8, "invalid header value")
        raw = np.frombuffer(payload, dtype="<i2", count=3 * n_sensors * n, offset=header)
        values = raw.reshape(n, n_sensors, 3) * np.array(scales)[:, None]
        gyro = values[:, 1] if flags & FLAG_GYRO else None
        mag = values[:, -1] if flags & FLAG_MAG else None
        return [
            SampleBatch(
                acc=values[:, 0],
                gyro=gyro,
                mag=mag,
                time_s=(t0_us + period_us * np.arange(n)) * 1e-6,
                seq=seq,
                host_time_s=host_time_s,
            )
        ]


def encode_notifications(
    time_s: np.ndarray,
    acc: np.ndarray,
    gyro: np.ndarray | None = None,
    *,
    mag: np.ndarray | None = None,
    samples_per_packet: int = 4,
    acc_range_g: float = 16.0,
    gyro_range_dps: float = 2000.0,
    mag_lsb_ut: float = 0.15,
    first_seq: int = 0,
) -> list[Notification]:
    """The packets a DIY board running the reference sketch's protocol would send.

    Parameters
    ----------
    time_s : array_like, shape (n,)
        Sample times on the device clock, s (>= 0), evenly spaced.
    acc : array_like, shape (n, 3)
        Acceleration, m/s²; 32768 counts span `acc_range_g`.
    gyro : array_like, shape (n, 3), optional
        Angular rate, rad/s; 32768 counts span `gyro_range_dps`.
    mag : array_like, shape (n, 3), optional
        Magnetic field, µT, at `mag_lsb_ut` per count.
    samples_per_packet : int
        Samples per packet (the sketch sends one packet every 40 ms: rate / 25).
    first_seq : int
        Sequence number of the first packet.

    Returns
    -------
    list of Notification
    """
    times = np.asarray(time_s, dtype=float)
    n = times.size
    period_us = round(float(np.median(np.diff(times))) * 1e6) if n > 1 else 10_000
    sensors = {
        "acc": (acc, acc_range_g / 32768.0 * G_MPS2),
        "gyro": (gyro, gyro_range_dps / 32768.0 * RAD_PER_DEG),
        "mag": (mag, mag_lsb_ut),
    }
    counts = {}
    for name, (values, lsb) in sensors.items():
        if values is not None:
            counts[name] = (quantize(as_samples(values, n, name), lsb), lsb)
    out = []
    for k, start in enumerate(chunk_starts(n, samples_per_packet)):
        stop = min(start + samples_per_packet, n)
        part = {name: (c[start:stop], s) for name, (c, s) in counts.items()}
        packet = build_packet(
            first_seq + k,
            round(times[start] * 1e6),
            period_us,
            *part["acc"],
            gyro=part.get("gyro"),
            mag=part.get("mag"),
        )
        out.append(Notification(float(times[stop - 1]), packet))
    return out
