"""Simulated sessions for the report tests: short, with known programmes and dates."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from sensorback.io.canonical import write_csv
from sensorback.recording import Recording
from sensorback.simulate import simulate_session

FIRST_DAY = datetime(2024, 3, 4, 18, 0, tzinfo=timezone.utc)  # a Monday
DAYS = (0, 2, 4)  # Monday, Wednesday, Friday


def plank_seconds(week: int, k: int) -> float:
    """The plank held in session ``k`` of ``week`` (0-based): 20 s growing to about 44 s."""
    return 20.0 + 8.0 * week + 1.5 * k


def write_progress_folder(folder: Path, weeks: int = 4, fs_hz: float = 50.0) -> list[Path]:
    """Three sessions a week (8 bridges, then a plank that gets longer every week), each
    written as canonical CSV with its start time."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for w in range(weeks):
        for k, day in enumerate(DAYS):
            seed = 100 + 3 * w + k
            sim = simulate_session(seed, fs_hz=fs_hz, walk=False,
                                   programme=[("bridge", "reps", 8), ("plank", "hold", plank_seconds(w, k))])
            start = FIRST_DAY + timedelta(days=7 * w + day)
            rec = sim.recording
            rec = Recording(rec.samples, rec.info.replace(start_time=start), rec.annotations)
            path = folder / f"session_{seed}.csv"
            write_csv(rec, path, metadata=True)
            paths.append(path)
    return paths
