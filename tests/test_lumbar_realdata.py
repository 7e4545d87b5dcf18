"""Two-sensor lumbar angle on the real TrunkyXL recordings (T10 over L4-5; skipped without
``shared/data``): the protocol's movements are found and the lumbar ranges are plausible and
consistent within each participant."""

from __future__ import annotations

import numpy as np
import pytest

import sensorback
from sensorback.errors import CalibrationError
from sensorback.settings import AnalysisSettings, CalibrationSettings, StillnessSettings

pytestmark = pytest.mark.realdata

# These trials start moving within a second: calibrate from half a second of standing at the
# very start (as in test_realdata_angles); 4 of the 15 trials have not even that and are refused.
SHORT_STANDING = AnalysisSettings(
    calibration=CalibrationSettings(outward_axis="+z", standing_min_s=0.5, standing_search_s=1.0),
    stillness=StillnessSettings(window_s=0.5, min_still_s=0.5, min_calm_s=0.5),
)


def test_trunkyxl_flexions_side_bends_and_lumbar_ranges(shared_data):
    trials = sorted((shared_data / "trunkyxl_back_imu").glob("*/QSense/*/R/Back"))
    if not trials:
        pytest.skip("no TrunkyXL trials in the shared data")
    per_participant: dict[str, list[tuple[float, float]]] = {}
    refused = 0
    for back in trials:
        lower = sensorback.read(back / "Sensor 3.csv", quiet=True)  # L4-5
        upper = sensorback.read(back / "Sensor 2.csv", quiet=True)  # T10
        try:
            a = sensorback.analyze(lower, settings=SHORT_STANDING, upper=upper)
        except CalibrationError:
            refused += 1
            continue
        lum = a.lumbar
        # the protocol: 3 forward flexions, then 3 side bends to each side
        assert lum.counts() == {"trunk_flexion": 3, "side_bend_left": 3, "side_bend_right": 3}, back
        flex = [m for m in lum.movements if m["description"] == "move/trunk_flexion"]
        bends = [m for m in lum.movements if m["description"].startswith("move/side_bend")]
        assert max(m["peak_s"] for m in flex) < min(m["peak_s"] for m in bends), back
        # the lumbar spine takes part of each movement, never all of it
        for m in flex + bends:
            assert 5.0 < m["lumbar_flexion_range_deg" if m in flex else "lumbar_lateral_range_deg"] < m["trunk_deg"]
        # flexing forward flexes the lumbar spine; bending right bends it right
        assert all(m["lumbar_flexion_max_deg"] > 5.0 for m in flex)
        assert all(np.sign(m["lumbar_lateral_peak_deg"]) == (1 if m["description"].endswith("right") else -1)
                   for m in bends)
        # calibrated on standing, the segments start nearly aligned: each mount fit allows the
        # pelvis and the skin over the lumbar curve a few degrees (|start| ≤ 8.4° measured);
        # the ranges above do not depend on it
        assert abs(lum.angles["flexion_deg"].iloc[:10].mean()) < 12.0
        assert a.to_dict()["lumbar"]["counts"]["trunk_flexion"] == 3
        participant = back.parts[-5]
        per_participant.setdefault(participant, []).append((
            float(np.median([m["lumbar_flexion_range_deg"] for m in flex])),
            float(np.median([m["lumbar_lateral_range_deg"] for m in bends])),
        ))
    assert refused <= 4 and len(per_participant) == 5
    for participant, ranges in per_participant.items():
        flex, lat = np.array(ranges).T
        # plausible lumbar ranges for moderate bends (T10 over L4-5: 9–33° flexion, 7–28° lateral)
        assert np.all((flex > 8) & (flex < 40)) and np.all((lat > 10) & (lat < 35)), participant
        # consistent: a participant's trials agree within a few degrees
        assert np.ptp(flex) < 6 and np.ptp(lat) < 6, (participant, ranges)
