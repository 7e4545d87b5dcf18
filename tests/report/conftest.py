"""Simulated sessions analysed once per test run, shared by the report tests."""

from __future__ import annotations

import pytest

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
