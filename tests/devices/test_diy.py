"""sensorback DIY profile: documented vectors, rejections, the reference sketch, round trips."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from sensorback.devices import diy
from sensorback.devices.diy import DiyDecoder
from sensorback.devices.profiles import DIY
from sensorback.errors import DecodeError

NOTES = Path(__file__).resolve().parents[2] / "firmware_notes"
SKETCH = NOTES / "diy_reference_sketch" / "diy_reference_sketch.ino"


@pytest.fixture(scope="module")
def vec(vectors):
    return vectors("diy")["vectors"]


def test_crc_check_value():
    assert diy.crc16(b"123456789") == 0x29B1


def test_documented_vectors_decode(vec):
    for v in vec:
        dec = DiyDecoder()
        [batch] = dec.feed(bytes.fromhex(v["hex"]), 9.0)
        assert batch.seq == v["seq"]
        np.testing.assert_allclose(batch.time_s, v["time_s"], atol=1e-9)
        np.testing.assert_allclose(batch.acc, v["acc_mps2"], atol=1e-6)
        for field, key in (("gyro", "gyro_radps"), ("mag", "mag_ut")):
            if v[key] is None:
                assert getattr(batch, field) is None
            else:
                np.testing.assert_allclose(getattr(batch, field), v[key], atol=1e-6)


def test_vectors_and_sizes_in_the_spec_are_the_tested_ones(vec):
    spec = (NOTES / "diy.md").read_text(encoding="utf-8")
    for v in vec:
        assert v["hex"] in spec
    for label, with_mag in (("acc + gyro", False), ("acc + gyro + mag", True)):
        sizes = []
        for n in (1, 4, 8, 16):
            counts = np.zeros((n, 3), dtype=int)
            mag = (counts, 0.15) if with_mag else None
            sizes.append(len(diy.build_packet(0, 0, 10_000, counts, 1.0, (counts, 1.0), mag)))
        assert f"| {label} | {' | '.join(map(str, sizes))} |" in spec


def test_encoder_reproduces_vector_a(vec):
    v = vec[0]
    counts = np.asarray(v["sketch_input"]["samples"]).reshape(2, 6)
    packet = diy.build_packet(
        1,
        1_000_000,
        10_000,
        counts[:, :3],
        9.80665 / 4096,
        gyro=(counts[:, 3:], np.pi / 180 / 32.8),
    )
    assert packet.hex() == v["hex"]


def _flip(payload: bytes, index: int) -> bytes:
    out = bytearray(payload)
    out[index] ^= 0x01
    return bytes(out)


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda p: p[:16], "truncated"),
        (lambda p: p[:-1], "length does not match sample count"),
        (lambda p: p + b"\x00", "length does not match sample count"),
        (lambda p: p + p, "length does not match sample count"),
        (lambda p: b"\x02" + p[1:], "unsupported version"),
        (lambda p: p[:1] + b"\x05" + p[2:], "unknown flags"),
        (lambda p: _flip(p, 25), "bad CRC"),
        (lambda p: _flip(p, len(p) - 1), "bad CRC"),
        (lambda p: _flip(p, 3), "bad CRC"),
    ],
)
def test_malformed_packets(vec, mutate, reason):
    payload = bytes.fromhex(vec[0]["hex"])
    bad = mutate(payload)
    dec = DiyDecoder()
    with pytest.raises(DecodeError) as err:
        dec.feed(bad, 0.0)
    assert err.value.reason == reason
    assert (dec.n_packets, dec.n_rejected, dec.n_bytes_discarded) == (0, 1, len(bad))


def test_every_single_bit_error_is_rejected(vec):
    for v in vec:
        payload = bytes.fromhex(v["hex"])
        dec = DiyDecoder()
        for bit in range(8 * len(payload)):
            corrupted = bytearray(payload)
            corrupted[bit // 8] ^= 1 << (bit % 8)
            with pytest.raises(DecodeError):
                dec.feed(bytes(corrupted), 0.0)
        assert dec.n_rejected == 8 * len(payload) and dec.n_packets == 0


@pytest.mark.parametrize("field", ["n", "period", "scale"])
def test_invalid_header_values_with_a_valid_crc(field):
    acc = np.array([[1, 2, 3]])
    packet = bytearray(diy.build_packet(0, 0, 10_000, acc, 1.0))
    if field == "n":
        packet = packet[:10] + b"\x00" + packet[11:15] + packet[-2:]  # n = 0, no samples
    elif field == "period":
        packet[8:10] = b"\x00\x00"
    else:
        packet[11:15] = np.float32(np.nan).tobytes()
    body = bytes(packet[:-2])
    packet = body + diy.crc16(body).to_bytes(2, "little")
    with pytest.raises(DecodeError, match="invalid header value"):
        DiyDecoder().feed(packet, 0.0)


def test_commands():
    assert diy.start_command() == b"\x01" and diy.stop_command() == b"\x00"
    assert diy.rate_command(100) == bytes.fromhex("026400")
    assert DIY.start_commands(200.0) == (bytes.fromhex("02c800"), b"\x01")
    with pytest.raises(Exception, match="16..1000"):
        diy.rate_command(10)


@pytest.mark.parametrize("fs_hz", [100.0, 200.0])
@pytest.mark.parametrize("with_mag", [False, True])
def test_round_trip(imu, feed, cat, fs_hz, with_mag):
    t, acc, gyro, mag = imu(fs_hz, 3.0, seed=21, t0_s=17.0)
    per_packet = int(fs_hz // 25)
    notes = diy.encode_notifications(
        t, acc, gyro, mag=mag if with_mag else None, samples_per_packet=per_packet, first_seq=65530
    )
    assert (
        len(notes[0].payload)
        == (23 if with_mag else 19) + 6 * (3 if with_mag else 2) * per_packet + 2
    )
    dec = DIY.make_decoder(fs_hz)
    batches = feed(dec, notes)
    acc_lsb, gyro_lsb = 16 / 32768 * 9.80665, 2000 / 32768 * np.pi / 180
    np.testing.assert_allclose(cat(batches, "acc"), acc, atol=acc_lsb / 2 * 1.0001)
    np.testing.assert_allclose(cat(batches, "gyro"), gyro, atol=gyro_lsb / 2 * 1.0001)
    if with_mag:
        np.testing.assert_allclose(cat(batches, "mag"), mag, atol=0.15 / 2 * 1.0001)
    np.testing.assert_allclose(cat(batches, "time_s"), t, atol=1e-6)
    assert [b.seq for b in batches[5:8]] == [65535, 0, 1]
    tb = DIY.time_base(batches, fs_hz)
    assert tb.source == "device_time" and tb.gaps == ()
    np.testing.assert_array_equal(tb.sample_index, np.arange(t.size))


def _sketch_source() -> str:
    return SKETCH.read_text(encoding="utf-8")


def test_sketch_uses_the_profile_uuids():
    source = _sketch_source()
    for uuid in (diy.SERVICE_UUID, diy.DATA_UUID, diy.CONTROL_UUID):
        assert f'"{uuid}"' in source
    assert '"sensorback-%s"' in source and diy.NAME_PREFIX == "sensorback-"


@pytest.mark.skipif(shutil.which("g++") is None, reason="needs a C++ compiler")
def test_sketch_packet_code_builds_vector_a(vec, tmp_path):
    """Compile the sketch's packet code and constants on the PC and compare with vector A."""
    source = _sketch_source()
    packet_code = re.search(
        r"// ---- sensorback DIY packet v1.*?// ---- end of packet code ----", source, re.DOTALL
    )
    constants = re.findall(r"static const float (?:ACC|GYRO)_LSB = .*?;", source)
    assert packet_code and len(constants) == 2
    inputs = vec[0]["sketch_input"]
    main = f"""
#include <cstdio>
{packet_code.group(0)}
{chr(10).join(constants)}
int main() {{
  const int16_t samples[] = {{{", ".join(str(s) for s in inputs["samples"])}}};
  uint8_t out[64];
  size_t n = buildDiyPacket(out, {inputs["seq"]}, {inputs["t0_us"]}UL, {inputs["period_us"]},
                            {inputs["n"]},
                            ACC_LSB, GYRO_LSB, samples);
  for (size_t i = 0; i < n; ++i) std::printf("%02x", out[i]);
  return 0;
}}
"""
    (tmp_path / "packet.cpp").write_text(main)
    exe = tmp_path / "packet"
    subprocess.run(
        [
            "g++",
            "-std=c++11",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-o",
            str(exe),
            str(tmp_path / "packet.cpp"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    output = subprocess.run(
        [str(exe)], check=True, capture_output=True, text=True, timeout=10
    ).stdout
    assert output == vec[0]["hex"]
