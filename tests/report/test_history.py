"""Progress across sessions: dates, caching, the noise rule, and 12 sessions over 4 weeks."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import numpy as np
import pandas as pd
import pytest

from sensorback.report import history
from sessions import write_progress_folder


def test_date_from_name():
    assert history.date_from_name("back_2024-03-05_evening.csv") == date(2024, 3, 5)
    assert history.date_from_name("20240305.csv") == date(2024, 3, 5)
    assert history.date_from_name("session_7.csv") is None
    assert history.date_from_name("2024-13-45.csv") is None


def _weeks(n_per_week, k):
    return pd.Series([date(2024, 3, 4 + 7 * (i // n_per_week)) for i in range(k)])


@pytest.mark.parametrize("values, better, verdict", [
    ([20, 22, 21, 30, 31, 29], 1.0, "improved"),
    ([20, 22, 21, 30, 31, 29], -1.0, "worse"),
    ([20, 30, 10, 22, 31, 12], 1.0, "no real change"),  # a 1-s change within a 10-s spread
    ([20, 30], 1.0, "too few sessions"),
])
def test_change_is_real_only_beyond_the_noise(values, better, verdict):
    s = pd.Series(values, dtype=float)
    *_, sdc, found = history.judge_change(s, _weeks(len(values) // 2 if len(values) > 2 else 1, len(values)), better)
    assert found == verdict
    if verdict != "too few sessions":
        within = np.sqrt((np.var(values[:3], ddof=0) * 3 + np.var(values[3:], ddof=0) * 3) / 4)
        assert sdc == pytest.approx(1.96 * within * np.sqrt(2 / 3))


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("sessions")
    write_progress_folder(d)
    (d / "notes.txt").write_text("not a recording")
    return d


def test_twelve_sessions_over_four_weeks_show_the_trend(folder, tmp_path):
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "sensorback.cli", "history", folder, "-o", out],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    assert "12 sessions, 4 weeks; sessions per week: 3 3 3 3 (target 3)" in p.stdout
    plank = [ln for ln in p.stdout.splitlines() if ln.split()[:3] == ["plank", "mean", "hold"]]
    assert plank and plank[0].split()[-1] == "improved"
    assert "sessions: 12/12" in p.stderr
    table = pd.read_csv(out / "sessions.csv")
    assert table["file"].nunique() == 12 and (table["exercise"] == "bridge").sum() == 12
    assert {f.name for f in out.glob("*.png")} >= {"adherence.png", "history_plank_hold.png", "history_bridge_reps.png"}
    html = (out / "history.html").read_text()
    assert "improved" in html and 'src="data:image/png;base64,' in html
    # the second time every session comes from the cache
    again = history.analyze_folder(folder)
    assert len(again) == 12 and all(s.cached for s in again)
    assert [s.date for s in again][:3] == [date(2024, 3, 4), date(2024, 3, 6), date(2024, 3, 8)]


def test_history_of_an_empty_folder_is_a_clear_error(tmp_path):
    p = subprocess.run([sys.executable, "-m", "sensorback.cli", "history", tmp_path], capture_output=True, text=True)
    assert p.returncode == 2 and "no session could be analysed" in p.stderr and "Traceback" not in p.stderr
