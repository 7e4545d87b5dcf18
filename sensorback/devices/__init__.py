"""Packet decoders, encoders and device profiles for BLE IMUs (sans-I/O: numpy + stdlib only).

Bytes in, samples out: a decoder's ``feed(data, host_time_s)`` takes one notification and returns
:class:`SampleBatch` objects in canonical units (acceleration m/s², angular rate rad/s, magnetic
field µT, time s).  Malformed packets raise :class:`~sensorback.errors.DecodeError` and are
counted (``n_packets``, ``n_rejected``, ``n_bytes_discarded``, ``reasons``); the WitMotion stream
decoder resyncs instead of raising.  Each device module also has an ``encode_notifications``
function that turns samples into the exact notifications that device would send, for virtual
sensors and tests.

Decoders
--------
WitMotionDecoder
    WitMotion WT901BLECL / BWT901BLECL5.0 / WT9011DCL: stream of 20-byte ``55 61`` frames
    (acc, gyro, on-board Euler angles) and ``55 71`` register read-backs.  Host-timed.
MovesenseDecoder
    Movesense GATT SensorData Protocol: float32 Acc / IMU6 / IMU6m / IMU9 blocks with a
    millisecond timestamp of the first sample.
PolarDecoder
    Polar PMD: H10 accelerometer (raw int16 milli-g) and Verity Sense accelerometer + gyroscope
    (delta-compressed), nanosecond timestamp of the last sample; pairs ACC and GYRO by time.
ThingyDecoder
    Nordic Thingy:52 raw motion characteristic: one fixed-point acc/gyro/compass sample per
    notification.  Host-timed.
MetaMotionDecoder
    MbientLab MetaWear / MetaMotion (BMI160, BMI270): accelerometer and gyroscope notifications,
    single or packed, paired in arrival order.  Host-timed.
DiyDecoder
    sensorback's open DIY profile (``firmware_notes/diy.md``): versioned packets with sequence
    counter, µs timestamp, scale factors and CRC-16.

Profiles
--------
DeviceProfile
    UUIDs, name patterns, rates, command builders, scales, timing capabilities, decoder factory.
PROFILES
    Every profile by key.
match_profile
    The profile for an advertised name and service UUIDs.

Time base
---------
build_time_base
    One continuous time base for a session's batches: device timestamps or sequence counters
    when present (wrap-around handled), host arrival times de-jittered otherwise; lost samples
    reported as :class:`Gap` objects, device-to-host clock drift removed.
SampleBatch, TimeBase, Gap, Notification
    The result types.

Examples
--------
>>> import numpy as np
>>> from sensorback.devices import PROFILES, witmotion
>>> t = np.arange(4) / 100.0
>>> acc, gyro = np.tile([0.0, 0.0, 9.80665], (4, 1)), np.zeros((4, 3))
>>> notes = witmotion.encode_notifications(t, acc, gyro, frames_per_notification=2)
>>> decoder = PROFILES["witmotion"].make_decoder(100.0)
>>> batches = [b for note in notes for b in decoder.feed(note.payload, note.time_s)]
>>> [b.n for b in batches], decoder.n_packets
([2, 2], 4)
"""

from sensorback.devices import diy, metamotion, movesense, polar, thingy, witmotion
from sensorback.devices.base import (
    Decoder,
    Gap,
    Notification,
    PacketDecoder,
    SampleBatch,
    TimeBase,
    build_time_base,
)
from sensorback.devices.diy import DiyDecoder
from sensorback.devices.metamotion import MetaMotionDecoder
from sensorback.devices.movesense import MovesenseDecoder
from sensorback.devices.polar import PolarDecoder
from sensorback.devices.profiles import PROFILES, DeviceProfile, match_profile
from sensorback.devices.thingy import ThingyDecoder
from sensorback.devices.witmotion import WitMotionDecoder

__all__ = [
    "PROFILES",
    "Decoder",
    "DeviceProfile",
    "DiyDecoder",
    "Gap",
    "MetaMotionDecoder",
    "MovesenseDecoder",
    "Notification",
    "PacketDecoder",
    "PolarDecoder",
    "SampleBatch",
    "ThingyDecoder",
    "TimeBase",
    "WitMotionDecoder",
    "build_time_base",
    "diy",
    "match_profile",
    "metamotion",
    "movesense",
    "polar",
    "thingy",
    "witmotion",
]
