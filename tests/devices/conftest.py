"""Shared fixtures of the device-layer tests: golden vectors and a simulated IMU signal."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # lets `pytest tests/devices` run without installing the package
    sys.path.insert(0, str(REPO))

VECTORS = Path(__file__).parent / "vectors"


@pytest.fixture(scope="session")
def vectors() -> Callable[[str], dict]:
    """Golden vectors of one device, from ``vectors/<device>.json``."""

    def load(device: str) -> dict:
        return json.loads((VECTORS / f"{device}.json").read_text(encoding="utf-8"))

    return load


def simulate(fs_hz: float, duration_s: float, seed: int = 0, t0_s: float = 0.0):
    """Times (s), acceleration (m/s²), angular rate (rad/s) and field (µT) of a slowly tilting
    back: gravity rotating by up to ±60° with small vibration, within every device's range."""
    rng = np.random.default_rng(seed)
    t = t0_s + np.arange(round(duration_s * fs_hz)) / fs_hz
    pitch = 1.0 * np.sin(2 * np.pi * 0.2 * (t - t0_s))
    roll = 0.5 * np.sin(2 * np.pi * 0.13 * (t - t0_s) + 1.0)
    g = 9.80665
    acc = np.column_stack(
        [-g * np.sin(pitch), g * np.cos(pitch) * np.sin(roll), g * np.cos(pitch) * np.cos(roll)]
    )
    acc += rng.normal(0.0, 0.3, acc.shape)
    gyro = np.column_stack([np.gradient(roll, t), np.gradient(pitch, t), np.zeros_like(t)])
    gyro += rng.normal(0.0, 0.02, gyro.shape)
    mag = np.column_stack([20 + 5 * np.sin(pitch), -5 + 3 * np.cos(roll), 40 + 0 * t])
    return t, acc, gyro, mag


@pytest.fixture(scope="session")
def imu() -> Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """``imu(fs_hz, duration_s, seed=0, t0_s=0.0) -> (t, acc, gyro, mag)``."""
    return simulate


def feed_all(decoder, notifications, split: Callable[[bytes], list[bytes]] | None = None):
    """Feed notifications (optionally re-split) at their send times; return all batches."""
    batches = []
    for note in notifications:
        for part in split(note.payload) if split else [note.payload]:
            batches += decoder.feed(part, note.time_s)
    return batches


@pytest.fixture(scope="session")
def feed() -> Callable:
    """``feed(decoder, notifications, split=None) -> list[SampleBatch]``."""
    return feed_all


def stack(batches, name: str) -> np.ndarray:
    """Concatenate one field of a list of batches."""
    return np.concatenate([getattr(b, name) for b in batches])


@pytest.fixture(scope="session")
def cat() -> Callable:
    """``cat(batches, field) -> ndarray``: concatenate a field over batches."""
    return stack
