"""Body motion of a simulated session on a fine internal time grid.

The trunk's orientation is built from key angles (pitch, roll-about-the-spine, heading) that
are held during phases and eased between them with minimum-jerk transitions, plus small
body-frame rotations for sway, breathing, tremor, jerks and form breaks.  The sacrum's
position follows the posture's height, walking oscillations and a lever arm to the centre of
rotation, so accelerations are consistent with the motion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import butter, sosfiltfilt
from scipy.spatial.transform import Rotation

from .programme import Phase

G = 9.80665


def min_jerk(s: np.ndarray) -> np.ndarray:
    """Minimum-jerk easing from 0 to 1 for ``s`` in [0, 1]."""
    s = np.clip(s, 0.0, 1.0)
    return s**3 * (10 - 15 * s + 6 * s**2)


def band_noise(rng: np.random.Generator, n: int, fs: float, lo: float, hi: float, settle: bool = False) -> np.ndarray:
    """Unit-RMS band-limited Gaussian noise.

    With ``settle`` the filter gets three periods of its lowest frequency to settle, drawn from
    a generator of its own (seeded by the draws from ``rng``, so that what ``rng`` gives to
    everything else is unchanged), and its start-up transient is cut off.  Without it the
    noise starts with that transient: a swing of up to five times its RMS over the first few
    seconds, harmless for a breathing rate's wander or for tremor, but not for sway (it would
    move the body away from the posture the truth says it holds).
    """
    if n < 32:
        return np.zeros(n)
    x = rng.normal(size=n + 64)
    pad = max(0, int(3.0 * fs / lo) - 32) if settle else 0
    if pad:
        extra = np.random.default_rng(np.frombuffer(x[:4].tobytes(), dtype=np.uint32))
        x = np.concatenate((extra.normal(size=pad), x, extra.normal(size=pad)))
    sos = butter(2, [lo, min(hi, 0.45 * fs)], btype="band", fs=fs, output="sos")
    y = sosfiltfilt(sos, x)[pad + 32 : x.size - pad - 32]
    sd = y.std()
    return y / sd if sd > 0 else y


@dataclass
class BodyMotion:
    """Body motion on the internal grid ``t`` (true time, s)."""

    t: np.ndarray
    rot: Rotation  # body → world
    acc_world: np.ndarray  # linear acceleration of the sensor site, m/s²
    phase_index: np.ndarray  # index of the phase (or -1 during transitions)
    sway_rms_deg: np.ndarray  # true sway magnitude (deg) at each grid point, NaN outside holds
    pos_world: np.ndarray  # position of the sensor site, m


@dataclass
class PhaseTiming:
    start_s: float
    end_s: float


def layout(rng: np.random.Generator, phases: list[Phase]) -> tuple[list[PhaseTiming], float]:
    """Start and end of every phase in true time, with transitions between them."""
    out = []
    t = 0.0
    for i, ph in enumerate(phases):
        if i > 0:
            prev = phases[i - 1].posture
            big = abs(prev.pitch_deg - ph.posture.pitch_deg) + abs(prev.roll_key_deg - ph.posture.roll_key_deg)
            t += float(np.clip(1.2 + big / 90.0 + rng.uniform(0.0, 1.2), 1.5, 4.0))
        out.append(PhaseTiming(t, t + ph.duration_s))
        t += ph.duration_s
    return out, t + 1.0


def _rep_profile(t_rel: np.ndarray, p: dict) -> tuple[np.ndarray, list[float]]:
    """Pitch offset (deg, ≥ 0) of a rep set over time from its start; and each rep's peak time."""
    off = np.zeros_like(t_rel)
    peaks = []
    t0 = 0.0
    for up, hold, down, pause, rom in zip(p["up_s"], p["top_hold_s"], p["down_s"], p["pause_s"], p["rom_deg"]):
        a = t0 + up
        b = a + hold
        c = b + down
        seg = (t_rel >= t0) & (t_rel < c)
        s = t_rel[seg]
        prof = np.where(s < a, min_jerk((s - t0) / up), np.where(s < b, 1.0, 1.0 - min_jerk((s - b) / down)))
        off[seg] = rom * prof
        peaks.append(0.5 * (a + b))
        t0 = c + pause
    return off, peaks


def build_motion(
    rng: np.random.Generator, phases: list[Phase], timing: list[PhaseTiming], total_s: float, fs_int: float
) -> tuple[BodyMotion, list[dict]]:
    """Body motion on the internal grid and per-phase truth (times in true seconds)."""
    n = int(np.ceil(total_s * fs_int)) + 1
    t = np.arange(n) / fs_int
    pitch = np.zeros(n)
    rollk = np.zeros(n)
    heading = np.zeros(n)
    height = np.zeros(n)
    phase_index = np.full(n, -1)
    d_pitch = np.zeros(n)  # body-frame perturbations (deg): nose-up pitch, roll about spine
    d_roll = np.zeros(n)
    d_heading = np.zeros(n)  # the weaving of a walk (deg)
    pos_extra = np.zeros((n, 3))
    sway_rms = np.full(n, np.nan)
    truth: list[dict] = []

    headings = [0.0]
    for i in range(1, len(phases)):
        headings.append(headings[-1] + float(rng.uniform(-120, 120)))

    for i, (ph, tm) in enumerate(zip(phases, timing)):
        sel = (t >= tm.start_s) & (t < tm.end_s)
        idx = np.flatnonzero(sel)
        phase_index[sel] = i
        post = ph.posture
        pitch[sel] = post.pitch_deg
        rollk[sel] = post.roll_key_deg
        heading[sel] = headings[i]
        height[sel] = post.height_m
        tr = t[sel] - tm.start_s
        rec: dict = {"phase": i, "kind": ph.kind, "exercise": ph.exercise, "start_true_s": tm.start_s,
                     "end_true_s": tm.end_s, "posture": post.name}
        p = ph.params
        if ph.kind == "reps":
            off, peaks = _rep_profile(tr, p)
            sign = 1.0
            d_pitch[sel] += sign * off
            br = p["breath_deg"] * np.sin(2 * np.pi * p["breathing_bpm"] / 60 * tr + rng.uniform(0, 6.3))
            sway = p["sway_deg"] * band_noise(rng, idx.size, fs_int, 0.1, 1.5, settle=True)
            d_pitch[sel] += br + sway
            d_roll[sel] += p["sway_deg"] * band_noise(rng, idx.size, fs_int, 0.1, 1.5, settle=True)
            # the hips rise and fall with the reps
            pos_extra[sel, 2] += 0.004 * off
            # ranges of motion as positive amplitudes (a bridge lowers the pitch, a hyperextension
            # raises it); means and per-rep lists, as in the analysis output
            rom = [abs(float(x)) for x in p["rom_deg"]]
            top = [float(x) for x in p["top_hold_s"]]
            rec.update(reps=len(peaks), rep_times_true_s=[tm.start_s + x for x in peaks],
                       rom_deg=float(np.mean(rom)), rep_rom_deg=rom, top_hold_s=float(np.mean(top)),
                       rep_top_hold_s=top, variant=p.get("variant"))
        elif ph.kind == "hold":
            T = ph.duration_s
            env = 1.0 + p["fatigue_gain"] * tr / T
            sp = band_noise(rng, idx.size, fs_int, 0.08, 1.2, settle=True)
            sr = band_noise(rng, idx.size, fs_int, 0.08, 1.2, settle=True)
            amp = p["sway_deg"] / np.sqrt(2.0)
            # the fast part of the motion (sway, breathing, tremor, jerks), for the sway truth
            fast_p = amp * env * sp
            fast_r = amp * env * sr
            d_pitch[sel] += amp * env * sp
            d_roll[sel] += amp * env * sr
            sway_rms[sel] = p["sway_deg"] * env
            bhz = p["breathing_bpm"] / 60.0
            # breathing with a slowly wandering rate
            phase_b = 2 * np.pi * np.cumsum(bhz * (1 + 0.08 * band_noise(rng, idx.size, fs_int, 0.01, 0.1))) / fs_int
            breath = p["breath_deg"] * np.sin(phase_b + rng.uniform(0, 6.3))
            d_pitch[sel] += breath
            fast_p = fast_p + breath
            pos_extra[sel, 2] += 0.002 * np.sin(phase_b)
            trem = p["tremor_deg"] * env * band_noise(rng, idx.size, fs_int, p["tremor_hz"] - 1.5, p["tremor_hz"] + 1.5)
            d_pitch[sel] += trem
            d_roll[sel] += 0.7 * trem
            fast_p = fast_p + trem
            fast_r = fast_r + 0.7 * trem
            for j in p["jerks"]:
                pulse = np.exp(-0.5 * ((tr - j["t_rel_s"]) / 0.06) ** 2) * j["size_deg"]
                pulse = pulse * (1 if rng.random() < 0.5 else -1)
                d_pitch[sel] += pulse
                fast_p = fast_p + pulse
            breaks = []
            for fb in p["form_breaks"]:
                ramp = min_jerk((tr - fb["t_rel_s"]) / fb["ramp_s"])
                # hips toward the floor: pitch falls in planks, rises in bridges
                hips_down = -1.0 if ph.exercise != "bridge" else 1.0
                sgn = hips_down if fb["direction"] == "sag" else -hips_down
                d_pitch[sel] += sgn * fb["deviation_deg"] * ramp
                breaks.append({"start_true_s": tm.start_s + fb["t_rel_s"], "direction": fb["direction"],
                               "deviation_deg": fb["deviation_deg"], "pitch_change_deg": sgn * fb["deviation_deg"]})
            rec.update(duration_true_s=T, sway_deg_rms=float(np.sqrt(np.mean(fast_p**2 + fast_r**2))),
                       sway_param_deg=float(p["sway_deg"]),
                       fatigue_gain=p["fatigue_gain"], breathing_bpm=p["breathing_bpm"],
                       breaths=float(p["breathing_bpm"] * T / 60.0), form_breaks=breaks,
                       jerks=[{"time_true_s": tm.start_s + j["t_rel_s"], "size_deg": j["size_deg"]} for j in p["jerks"]])
        elif ph.kind == "walk":
            f = p["cadence_hz"]
            d_pitch[sel] += 3.0 * np.sin(2 * np.pi * f * tr)
            d_roll[sel] += 4.0 * np.sin(np.pi * f * tr)
            d_heading[sel] += 25.0 * np.sin(2 * np.pi * tr / 12.0) + 0.5 * np.sin(np.pi * f * tr) * 5
            pos_extra[sel, 2] += 0.025 * np.sin(2 * np.pi * f * tr)
            pos_extra[sel, 0] += 0.01 * np.sin(2 * np.pi * f * tr + 0.7)
            pos_extra[sel, 1] += 0.02 * np.sin(np.pi * f * tr)
        else:  # rest, calibration
            sway = p.get("sway_deg", 0.1)
            d_pitch[sel] += sway * band_noise(rng, idx.size, fs_int, 0.05, 0.8, settle=True)
            d_roll[sel] += sway * band_noise(rng, idx.size, fs_int, 0.05, 0.8, settle=True)
        truth.append(rec)

    # transitions: ease the key angles between neighbouring phases
    for i in range(len(phases) - 1):
        a, b = timing[i].end_s, timing[i + 1].start_s
        sel = (t >= a) & (t < b)
        s = min_jerk((t[sel] - a) / (b - a))
        pa, pb = phases[i].posture, phases[i + 1].posture
        end_pitch_a = pa.pitch_deg
        pitch[sel] = end_pitch_a + (pb.pitch_deg - end_pitch_a) * s
        rollk[sel] = pa.roll_key_deg + (pb.roll_key_deg - pa.roll_key_deg) * s
        heading[sel] = headings[i] + (headings[i + 1] - headings[i]) * s
        height[sel] = pa.height_m + (pb.height_m - pa.height_m) * s
        # a transition is a whole-body movement: add some wobble
        d_pitch[sel] += 3.0 * np.sin(np.pi * s) * rng.uniform(-1, 1)
        d_roll[sel] += 3.0 * np.sin(np.pi * s) * rng.uniform(-1, 1)
    tail = t >= timing[-1].end_s
    pitch[tail] = phases[-1].posture.pitch_deg
    rollk[tail] = phases[-1].posture.roll_key_deg
    heading[tail] = headings[-1]
    height[tail] = phases[-1].posture.height_m

    # The perturbations start and stop with their phases: smooth those steps, as a body moves.
    # Inside a phase the fast part (tremor, jerks) stays; towards its edges it fades into the
    # low-passed signal over ``fade_s``, so that no angle or position jumps (a jump of a few
    # millimetres would read as an acceleration doublet of tens of m/s²).
    sos = butter(2, 4.0, fs=fs_int, output="sos")
    fade_s = 0.3
    keep_fast = np.zeros(n)
    for tm in timing:
        inside = (t >= tm.start_s) & (t < tm.end_s)
        edge_dist = np.minimum(t[inside] - tm.start_s, tm.end_s - t[inside])
        keep_fast[inside] = min_jerk(edge_dist / fade_s)

    def smooth_edges(x: np.ndarray) -> np.ndarray:
        slow = sosfiltfilt(sos, x, axis=0)
        w = keep_fast if x.ndim == 1 else keep_fast[:, None]
        return slow + (x - slow) * w

    d_pitch = smooth_edges(d_pitch)
    d_roll = smooth_edges(d_roll)
    pos_extra = smooth_edges(pos_extra)
    heading = heading + smooth_edges(d_heading)

    # Pitch perturbations act on the cranial axis' elevation directly (whatever the posture);
    # roll perturbations rotate the trunk about its own long axis.
    key = Rotation.from_euler("ZYX", np.column_stack((heading, -(pitch + d_pitch), rollk)), degrees=True)
    rot = key * Rotation.from_rotvec(np.column_stack((np.radians(d_roll), np.zeros(n), np.zeros(n))))

    lever_b = np.array([-0.08, 0.0, 0.10])
    pos = rot.apply(lever_b) + pos_extra
    pos[:, 2] += height
    acc = world_acceleration(pos, t, fs_int)
    return BodyMotion(t, rot, acc, phase_index, sway_rms, pos), truth


def world_acceleration(pos: np.ndarray, t: np.ndarray, fs_int: float) -> np.ndarray:
    """Linear acceleration (m/s²) of a site moving along ``pos``, smoothed as the body's is."""
    acc = np.gradient(np.gradient(pos, t, axis=0), t, axis=0)
    return sosfiltfilt(butter(2, min(30.0, 0.4 * fs_int), fs=fs_int, output="sos"), acc, axis=0)
