"""Simulated sessions analysed once per test run, shared by the report tests."""

from __future__ import annotations

import numpy as np
import pytest

from sensorback.recording import Recording
from sensorback.simulate import simulate_session


@pytest.fixture(scope="session")
def mixed():
    """Holds (one with a sag), a bridge set and rests, with a data gap."""
    return simulate_session(3, fs_hz=50).recording.analyze()


@pytest.fixture(scope="session")
def reps_only():
    """Only rep sets: bridges and hyperextensions."""
    return simulate_session(1, fs_hz=50, walk=False,
                            programme="bridge:reps:12,hyperextension:reps:8").recording.analyze()


@pytest.fixture(scope="session")
def no_exercise():
    """Standing and walking only: no holds and no rep sets."""
    return simulate_session(2, fs_hz=50, n_blocks=0, walk=True).recording.analyze()


@pytest.fixture(scope="session")
def repeats():
    """Two planks and two bridge sets: pages of one exercise drawn over the same static part."""
    return simulate_session(4, fs_hz=50, walk=False,
                            programme="plank:hold:15,bridge:reps:10,plank:hold:25,bridge:reps:8").recording.analyze()


@pytest.fixture(scope="session")
def lossy():
    """The holds and bridges of ``mixed`` with data lost: 1.2 s at 100 s, one sample every
    0.8 s from 150 s to 155.6 s, and single samples at 200 s and 230 s."""
    rec = simulate_session(3, fs_hz=50).recording
    t = rec.samples.index.to_numpy()
    n = np.round(t * 50).astype(int)
    lost = ((t > 100.0) & (t < 101.2)) | np.isin(n, [7500 + 40 * k for k in range(8)] + [10000, 11500])
    return Recording(rec.samples[~lost], rec.info, rec.annotations).analyze()
