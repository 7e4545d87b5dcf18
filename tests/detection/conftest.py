"""Sessions of both simulators, analysed once per test session (automatic calibration)."""

from __future__ import annotations

import warnings

import pytest

from .scoring import Score, recording_from_oracle, truth_from_oracle, truth_from_sim

SIM_SEEDS = range(300, 348)
ORACLE_SEEDS = range(200, 212)


def _analyse(rec):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rec.analyze()


@pytest.fixture(scope="session")
def sim_score() -> Score:
    """Our simulator: 48 sessions, 25–200 Hz, random mounts, noise, bias, drift, packet loss."""
    from sensorback.simulate import simulate_session

    score = Score()
    for seed in SIM_SEEDS:
        sim = simulate_session(seed)
        score.add(truth_from_sim(sim.truth), _analyse(sim.recording).segments, tag=seed)
    return score


@pytest.fixture(scope="session")
def oracle_score() -> Score:
    """The independent oracle simulator (tests/oracle): 12 sessions."""
    from tests.oracle import generate

    score = Score()
    for seed in ORACLE_SEEDS:
        sess = generate(seed)
        score.add(truth_from_oracle(sess), _analyse(recording_from_oracle(sess)).segments, tag=seed)
    return score
