"""The full-screen terminal view of ``sensorback live``, readable from two metres, and its cues.

:func:`render` turns a :class:`~sensorback.live.LiveState` into lines of text (pure, tested on
its own); :class:`Screen` draws them with curses; :class:`Cues` plays a sound per cue where the
machine can (``paplay`` or ``aplay`` of a generated WAV, without waiting) and rings the terminal
bell otherwise.
"""

from __future__ import annotations

import math
import shutil
import struct
import subprocess
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .pipeline import LiveEvent, LiveState

_FONT = {
    "0": ("111", "101", "101", "101", "111"), "1": ("010", "110", "010", "010", "111"),
    "2": ("111", "001", "111", "100", "111"), "3": ("111", "001", "111", "001", "111"),
    "4": ("101", "101", "111", "001", "001"), "5": ("111", "100", "111", "001", "111"),
    "6": ("111", "100", "111", "101", "111"), "7": ("111", "001", "001", "001", "001"),
    "8": ("111", "101", "111", "101", "111"), "9": ("111", "101", "111", "001", "111"),
    ":": ("0", "1", "0", "1", "0"), " ": ("0", "0", "0", "0", "0"),
}


def big_text(text: str, tall: bool = False) -> list[str]:
    """``text`` (digits, ``:`` and spaces) in block characters, 5 rows (10 when ``tall``), each
    font pixel two characters wide."""
    rows = []
    for r in range(5):
        line = "  ".join("".join("██" if bit == "1" else "  " for bit in _FONT[ch][r]) for ch in text)
        rows.extend([line, line] if tall else [line])
    return rows


def clock(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 60}:{s % 60:02d}" if s >= 60 else f"{s}"


def gauge(value: float | None, lo: float, hi: float, width: int, centred: bool = False) -> str:
    """A bar of ``width`` characters for ``value`` in [lo, hi]; centred: from the middle."""
    width = max(width, 5)
    if value is None or not math.isfinite(value):
        return "[" + "·" * width + "]"
    frac = min(max((value - lo) / (hi - lo), 0.0), 1.0)
    pos = int(round(frac * (width - 1)))
    if not centred:
        return "[" + "█" * (pos + 1) + "·" * (width - pos - 1) + "]"
    mid = (width - 1) // 2
    a, b = sorted((mid, pos))
    return "[" + "".join("█" if a <= i <= b else ("|" if i == mid else "·") for i in range(width)) + "]"


@dataclass
class Banner:
    text: str
    until_s: float


def render(state: LiveState, link: str, banner: Banner | None, width: int, height: int,
           threshold_deg: float = 3.0) -> list[str]:
    """The screen as lines of at most ``width`` characters."""
    w = max(width, 20)
    lines: list[str] = []
    title = (state.exercise or state.posture or "—").replace("_", " ").upper()
    if state.kind == "hold" or state.kind == "reps":
        title += f"   set {state.set_number}"
    lines.append(title[: w - 1])
    lines.append(("link: " + link)[: w - 1])
    lines.append("")
    if not state.calibrated:
        lines += ["", state.message.upper()[: w - 1], ""]
    elif state.kind == "reps":
        lines += big_text(f"{state.reps}", tall=height >= 30)
        lines.append("reps")
    else:
        lines += big_text(clock(state.hold_s), tall=height >= 30)
        target = f"target {state.target_s:.0f} s" if state.target_s else ""
        lines.append(("hold " + target).strip() if state.kind == "hold" else "not holding")
    lines.append("")
    bar = max(10, min(40, w - 30))
    wob = state.wobble_deg
    lines.append(f"wobble    {gauge(wob, 0.0, 3.0, bar)} " + (f"{wob:.1f}°" if wob is not None else ""))
    dev = state.deviation_deg
    form = f"  {state.form.upper()}" if state.form else ""
    lines.append(f"sag/pike  {gauge(dev, -3 * threshold_deg, 3 * threshold_deg, bar, centred=True)} "
                 + (f"{dev:+.1f}°{form}" if dev is not None else ""))
    breaths = "—" if state.breaths is None else f"{state.breaths:.0f}"
    bpm = "" if state.breathing_bpm is None else f" ({state.breathing_bpm:.0f}/min)"
    lines.append(f"breaths   {breaths}{bpm}     reps {state.reps}")
    lines.append("")
    if banner is not None:
        lines.append(f">>> {banner.text.upper()} <<<"[: w - 1])
    else:
        lines.append("")
    lines.append("q: stop"[: w - 1])
    return [ln[: w - 1] for ln in lines[: max(height - 1, 1)]]


_CUE_EVENTS = ("hold_start", "hold_tick", "target", "form", "hold_end", "rep", "set_end")


class Cues:
    """Sounds for the cues: a WAV per kind through ``paplay``/``aplay`` when present, else the bell.

    Parameters
    ----------
    sound : bool
        False: never play anything (the screen still changes).
    bell : callable
        Rings the terminal bell (curses.beep in the view).
    """

    _TONES = {
        "hold_start": ((660, 0.12), (880, 0.18)), "hold_tick": ((880, 0.08),),
        "target": ((880, 0.12), (1100, 0.12), (1320, 0.25)), "form": ((220, 0.35), (220, 0.35)),
        "hold_end": ((880, 0.12), (660, 0.2)), "rep": ((1000, 0.05),), "set_end": ((880, 0.12), (660, 0.2)),
    }

    def __init__(self, sound: bool = True, bell=None) -> None:
        self.bell = bell
        self.player = next((p for p in ("paplay", "aplay") if shutil.which(p)), None) if sound else None
        self.sound = sound
        self._dir: tempfile.TemporaryDirectory | None = None
        self._procs: list[subprocess.Popen] = []

    @property
    def how(self) -> str:
        return self.player or ("terminal bell" if self.sound else "off")

    def play(self, event: LiveEvent) -> None:
        if not self.sound or event.kind not in _CUE_EVENTS:
            return
        self._procs = [p for p in self._procs if p.poll() is None]
        if self.player is None:
            if self.bell is not None:
                self.bell()
            return
        path = self._wav(event.kind)
        try:
            self._procs.append(subprocess.Popen([self.player, str(path)], stdout=subprocess.DEVNULL,
                                                stderr=subprocess.DEVNULL))
        except OSError:
            self.player = None
            if self.bell is not None:
                self.bell()

    def _wav(self, kind: str) -> Path:
        if self._dir is None:
            self._dir = tempfile.TemporaryDirectory(prefix="sensorback-cues-")
        path = Path(self._dir.name) / f"{kind}.wav"
        if not path.exists():
            write_tones(path, self._TONES[kind])
        return path

    def close(self) -> None:
        for p in self._procs:
            if p.poll() is None:
                p.terminate()
        if self._dir is not None:
            self._dir.cleanup()


def write_tones(path: Path, tones: Sequence[tuple[float, float]], fs: int = 22050) -> None:
    """A mono 16-bit WAV of tones ``(frequency_hz, duration_s)`` with short gaps, faded in and out."""
    frames = bytearray()
    for freq, dur in tones:
        n = int(dur * fs)
        for i in range(n):
            env = min(1.0, i / (0.01 * fs), (n - i) / (0.01 * fs))
            frames += struct.pack("<h", int(12000 * env * math.sin(2 * math.pi * freq * i / fs)))
        frames += b"\x00\x00" * int(0.05 * fs)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(fs)
        w.writeframes(bytes(frames))


class Screen:
    """Draws :func:`render` with curses; a cue turns the banner on for ``banner_s``."""

    def __init__(self, stdscr, cues: Cues, threshold_deg: float, banner_s: float = 3.0) -> None:
        import curses

        self.curses = curses
        self.win = stdscr
        self.cues = cues
        self.threshold_deg = threshold_deg
        self.banner_s = banner_s
        self.banner: Banner | None = None
        self.banner_kind = ""
        curses.curs_set(0)
        stdscr.nodelay(True)
        if curses.has_colors():
            curses.start_color()
            curses.init_pair(1, curses.COLOR_BLACK, curses.COLOR_YELLOW)
            curses.init_pair(2, curses.COLOR_WHITE, curses.COLOR_RED)

    def cue(self, events: list[LiveEvent], now_s: float) -> None:
        for e in events:
            if e.kind in _CUE_EVENTS or e.kind == "calibrated":
                self.banner = Banner(e.text, now_s + self.banner_s)
                self.banner_kind = e.kind
                self.cues.play(e)

    def draw(self, state: LiveState, link: str, now_s: float) -> None:
        curses = self.curses
        if self.banner is not None and now_s > self.banner.until_s:
            self.banner = None
        h, w = self.win.getmaxyx()
        lines = render(state, link, self.banner, w, h, self.threshold_deg)
        self.win.erase()
        for y, line in enumerate(lines):
            attr = curses.A_BOLD if y == 0 else 0
            if self.banner is not None and line.startswith(">>>"):
                pair = 2 if self.banner_kind == "form" else 1
                attr = (curses.color_pair(pair) if curses.has_colors() else curses.A_REVERSE) | curses.A_BOLD
            try:
                self.win.addstr(y, 0, line, attr)
            except curses.error:
                pass  # the last cell of a small terminal
        self.win.refresh()

    def key(self) -> str | None:
        ch = self.win.getch()
        return None if ch < 0 else chr(ch) if ch < 256 else None
