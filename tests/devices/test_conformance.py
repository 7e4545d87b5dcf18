"""What every packet decoder must do with every golden vector: decode it whole; meet each
truncation, a doubled packet and trailing garbage with a counted DecodeError or (where the format
has no length or checksum to tell) fewer or other samples — never another exception."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sensorback.devices import diy, metamotion, movesense, polar, thingy
from sensorback.devices.base import PacketDecoder
from sensorback.errors import DecodeError

VECTORS = Path(__file__).parent / "vectors"
STRICT = {"thingy", "metamotion", "diy"}
"""Formats whose length (or CRC) pins the packet down: every mangled copy must be rejected."""


def _decoder(device: str, v: dict) -> PacketDecoder:
    if device == "movesense":
        return movesense.MovesenseDecoder(v["fs_hz"], v["measurement"], ref=v["ref"])
    if device == "polar":
        dec = polar.PolarDecoder(52.0, gyro=v["measurement"] == "gyro")
        dec.factors[polar.ACC if v["measurement"] == "acc" else polar.GYRO] = v["factor"]
        return dec
    if device == "thingy":
        return thingy.ThingyDecoder()
    if device == "metamotion":
        return metamotion.MetaMotionDecoder(
            v["chip"],
            acc_range_g=v.get("acc_range_g", 8),
            gyro_range_dps=v.get("gyro_range_dps", 2000),
        )
    return diy.DiyDecoder()


def _cases() -> list:
    cases = []
    for device in ("movesense", "polar", "thingy", "metamotion", "diy"):
        for v in json.loads((VECTORS / f"{device}.json").read_text(encoding="utf-8"))["vectors"]:
            cases.append(pytest.param(device, v, id=f"{device}: {v['name']}"))
    return cases


def _feed_counting(dec: PacketDecoder, payloads: list[bytes]) -> int:
    """Feed each payload; return how many raised DecodeError (nothing else may escape)."""
    rejected = 0
    for payload in payloads:
        try:
            dec.feed(payload, 0.0)
        except DecodeError as err:
            assert err.payload == payload and err.reason in dec.reasons
            rejected += 1
    return rejected


@pytest.mark.parametrize(("device", "v"), _cases())
def test_whole_vector_decodes(device, v):
    dec = _decoder(device, v)
    dec.feed(bytes.fromhex(v["hex"]), 0.0)
    assert (dec.n_packets, dec.n_rejected, dec.n_bytes_discarded) == (1, 0, 0)


@pytest.mark.parametrize(("device", "v"), _cases())
def test_mangled_vector_is_counted(device, v):
    payload = bytes.fromhex(v["hex"])
    mangled = [payload[:cut] for cut in range(len(payload))]
    mangled += [payload + payload, payload + b"\x00", payload + bytes(range(7))]
    dec = _decoder(device, v)
    rejected = _feed_counting(dec, mangled)
    assert dec.n_rejected == rejected == sum(dec.reasons.values())
    assert dec.n_packets == len(mangled) - rejected
    assert rejected >= 1  # the empty payload at least
    if device in STRICT:
        assert rejected == len(mangled)
        assert dec.n_bytes_discarded == sum(len(m) for m in mangled)
