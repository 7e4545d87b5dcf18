"""The live view's pure parts: big digits, gauges, the screen's lines, the cue sounds."""

from __future__ import annotations

import wave

from sensorback.live import LiveState
from sensorback.live.view import Banner, big_text, gauge, render, write_tones


def test_big_digits_are_blocks_five_rows_high() -> None:
    rows = big_text("1:05")
    assert len(rows) == 5 and all("██" in r for r in rows[::4])
    assert len(big_text("7", tall=True)) == 10


def test_gauges() -> None:
    assert gauge(None, 0, 3, 10) == "[" + "·" * 10 + "]"
    assert gauge(3.0, 0, 3, 10) == "[" + "█" * 10 + "]"
    centred = gauge(0.0, -9, 9, 11, centred=True)
    assert centred.count("█") == 1 and centred[6] == "█"


def test_screen_shows_the_hold_and_the_cue() -> None:
    state = LiveState(calibrated=True, exercise="plank", kind="hold", hold_s=12.4, target_s=30.0, set_number=2,
                      wobble_deg=1.2, deviation_deg=-4.5, form="sag", breaths=3.0, breathing_bpm=14.0)
    lines = render(state, "sacrum: 100 Hz", Banner("sag! 5°", 1e9), 100, 40)
    text = "\n".join(lines)
    assert "PLANK   set 2" in text and "target 30 s" in text and ">>> SAG! 5° <<<" in text
    assert "-4.5°  SAG" in text and "(14/min)" in text
    assert all(len(line) < 100 for line in lines)
    uncal = render(LiveState(), "connecting", None, 60, 20)
    assert any("STAND STILL" in line for line in uncal)


def test_cue_sound_is_a_wav(tmp_path) -> None:
    path = tmp_path / "cue.wav"
    write_tones(path, [(880.0, 0.1), (660.0, 0.1)])
    with wave.open(str(path)) as w:
        assert w.getframerate() == 22050 and w.getnframes() > 0.2 * 22050
