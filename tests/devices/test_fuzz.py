"""Every decoder survives 100,000 random and mutated payloads: DecodeError or samples, no crash."""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
import pytest

from sensorback.devices import diy, metamotion, movesense, polar, thingy, witmotion
from sensorback.devices.base import Decoder, Notification
from sensorback.errors import DecodeError

N_PAYLOADS = 100_000


def _valid_payloads(imu, vectors) -> dict[str, tuple[Callable[[], Decoder], list[bytes]]]:
    t, acc, gyro, mag = imu(100.0, 0.5, seed=99, t0_s=2.0)

    def payloads(notes: list[Notification]) -> list[bytes]:
        return [n.payload for n in notes]

    def hexes(device: str) -> list[bytes]:
        data = vectors(device)
        items = data.get("vectors", []) + data.get("frames", []) + data.get("notifications", [])
        return [bytes.fromhex(v["hex"]) for v in items]

    verity = polar.encode_notifications(t, acc, gyro, samples_per_frame=12)
    h10 = polar.encode_notifications(t, acc, samples_per_frame=20)
    return {
        "witmotion": (
            witmotion.WitMotionDecoder,
            hexes("witmotion")
            + payloads(witmotion.encode_notifications(t, acc, gyro, frames_per_notification=3))
            + [witmotion.encode_register_reply(0x3A, (1, 2, 3, 4, 5, 6, 7, 8))],
        ),
        "movesense": (
            lambda: movesense.MovesenseDecoder(104.0, "IMU6"),
            hexes("movesense")
            + payloads(movesense.encode_notifications(t, acc, gyro))
            + [bytes([1, 99]) + b"Hello"],
        ),
        "polar": (
            lambda: polar.PolarDecoder(52.0, gyro=True, max_pending=256),
            hexes("polar") + payloads(verity) + payloads(h10),
        ),
        "thingy": (
            thingy.ThingyDecoder,
            hexes("thingy") + payloads(thingy.encode_notifications(t, acc, gyro, mag=mag)),
        ),
        "metamotion": (
            lambda: metamotion.MetaMotionDecoder("bmi160", max_pending=256),
            hexes("metamotion")
            + payloads(metamotion.encode_notifications(t, acc, gyro, chip="bmi160"))
            + payloads(metamotion.encode_notifications(t, acc, gyro, chip="bmi160", packed=True))
            + [bytes.fromhex("03800101"), bytes.fromhex("13800001")],
        ),
        "diy": (
            diy.DiyDecoder,
            hexes("diy")
            + payloads(diy.encode_notifications(t, acc, gyro, mag=mag))
            + payloads(diy.encode_notifications(t, acc, gyro, samples_per_packet=16)),
        ),
    }


def _mutants(pool: list[bytes], n: int, rng: random.Random):
    """Random bytes, bit flips, truncations, extensions, splices and untouched valid payloads."""
    for _ in range(n):
        base = rng.choice(pool)
        op = rng.random()
        if op < 0.15:
            yield rng.randbytes(rng.randrange(0, 80))
        elif op < 0.45:
            out = bytearray(base)
            for _ in range(rng.randrange(1, 4)):
                out[rng.randrange(len(out))] ^= 1 << rng.randrange(8)
            yield bytes(out)
        elif op < 0.6:
            yield base[: rng.randrange(len(base))]
        elif op < 0.72:
            yield base + rng.randbytes(rng.randrange(1, 24))
        elif op < 0.84:
            other = rng.choice(pool)
            yield base[: rng.randrange(len(base) + 1)] + other[rng.randrange(len(other) + 1) :]
        else:
            yield base


@pytest.mark.slow
@pytest.mark.parametrize(
    "device", ["witmotion", "movesense", "polar", "thingy", "metamotion", "diy"]
)
def test_decoder_survives_fuzzing(imu, vectors, device):
    make, pool = _valid_payloads(imu, vectors)[device]
    decoder = make()
    rng = random.Random(device)
    rejected = rejected_bytes = fed_bytes = n_samples = 0
    for k, payload in enumerate(_mutants(pool, N_PAYLOADS, rng)):
        fed_bytes += len(payload)
        try:
            batches = decoder.feed(payload, k * 0.01)
        except DecodeError as err:
            assert err.payload == payload
            rejected += 1
            rejected_bytes += len(payload)
            continue
        for batch in batches:
            n_samples += batch.n
            assert np.isfinite(batch.acc).all()
    assert n_samples > 0
    if device == "witmotion":  # the stream decoder never raises: every byte is accounted for
        assert rejected == 0
        assert (
            fed_bytes
            == decoder.n_bytes_discarded
            + witmotion.FRAME_BYTES * decoder.n_packets
            + decoder.pending_bytes
        )
        assert decoder.n_rejected == sum(decoder.reasons.values()) > 0
        return
    assert decoder.n_rejected == rejected == sum(decoder.reasons.values())
    assert decoder.n_packets == N_PAYLOADS - rejected
    assert decoder.n_bytes_discarded == rejected_bytes
    assert 0.3 * N_PAYLOADS < rejected < N_PAYLOADS
