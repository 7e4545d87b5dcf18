"""The simulated IMU: mounting, sampling clock, noise, bias, scale error, quantisation, packet loss."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import uniform_filter1d
from scipy.spatial.transform import Rotation

from .body import G, BodyMotion

RATES_HZ = (25.0, 50.0, 52.0, 100.0, 104.0, 200.0)


@dataclass(frozen=True)
class SensorModel:
    """Everything about the simulated sensor that the analysis must cope with."""

    fs_hz: float
    mount: np.ndarray  # sensor_to_body rotation matrix (rows: body axes in sensor coordinates)
    acc_noise_m_s2: float
    gyro_noise_rad_s: float
    acc_bias_m_s2: np.ndarray
    gyro_bias_rad_s: np.ndarray
    gyro_bias_walk_rad_s: float
    acc_scale: np.ndarray
    gyro_scale: np.ndarray
    acc_lsb_m_s2: float
    gyro_lsb_rad_s: float
    clock_drift_ppm: float
    jitter_s: float
    packet_samples: int
    loss_prob: float

    @classmethod
    def random(cls, rng: np.random.Generator, fs_hz: float | None = None, outward_sign: float = 1.0) -> SensorModel:
        fs = float(fs_hz) if fs_hz is not None else float(rng.choice(RATES_HZ))
        k = int(rng.integers(4))
        in_plane = 90.0 * k + rng.uniform(-12, 12)
        tilt_axis = rng.uniform(0, 2 * np.pi)
        tilt = rng.uniform(-8, 8)
        # body_from_sensor: sensor z ≈ body z (posterior) when outward_sign = +1
        flip = Rotation.identity() if outward_sign > 0 else Rotation.from_euler("x", 180, degrees=True)
        r = (
            Rotation.from_rotvec(np.radians(tilt) * np.array([np.cos(tilt_axis), np.sin(tilt_axis), 0.0]))
            * Rotation.from_euler("z", in_plane, degrees=True)
            * flip
        )
        acc_range_g = float(rng.choice([4.0, 8.0, 16.0]))
        gyro_range_dps = float(rng.choice([500.0, 1000.0, 2000.0]))
        return cls(
            fs_hz=fs,
            mount=r.as_matrix(),
            acc_noise_m_s2=rng.uniform(0.01, 0.04),
            gyro_noise_rad_s=rng.uniform(0.002, 0.008),
            acc_bias_m_s2=rng.uniform(-0.04, 0.04, 3),
            gyro_bias_rad_s=rng.uniform(-0.03, 0.03, 3),
            gyro_bias_walk_rad_s=rng.uniform(0.0, 0.004),
            acc_scale=1 + rng.uniform(-0.015, 0.015, 3),
            gyro_scale=1 + rng.uniform(-0.02, 0.02, 3),
            acc_lsb_m_s2=acc_range_g * G / 32768,
            gyro_lsb_rad_s=np.radians(gyro_range_dps) / 32768,
            clock_drift_ppm=rng.uniform(-300, 300),
            jitter_s=float(rng.choice([0.0, 0.0, 0.0005, 0.002])),
            packet_samples=int(rng.choice([1, 2, 4, 5, 8, 10])),
            loss_prob=float(rng.choice([0.0, rng.uniform(0.0, 0.02)])),
        )


@dataclass
class Sampled:
    """What the sensor recorded, and the truth at the same samples."""

    time_file_s: np.ndarray
    time_true_s: np.ndarray
    acc: np.ndarray
    gyro: np.ndarray
    pitch_deg: np.ndarray
    roll_deg: np.ndarray
    dropped: int


def _interp_rows(tq: np.ndarray, t: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.column_stack([np.interp(tq, t, y[:, i]) for i in range(y.shape[1])])


def sample(rng: np.random.Generator, motion: BodyMotion, model: SensorModel, start_true_s: float = 0.5) -> Sampled:
    """Sample the body motion with the sensor model, the first sample taken at ``start_true_s``."""
    t = motion.t
    fs_int = 1.0 / (t[1] - t[0])
    # body-frame angular velocity at grid midpoints
    rel = motion.rot[:-1].inv() * motion.rot[1:]
    w_mid = rel.as_rotvec() * fs_int
    t_mid = 0.5 * (t[1:] + t[:-1])
    # specific force in body coordinates
    f_world = motion.acc_world + np.array([0.0, 0.0, G])
    f_body = motion.rot.inv().apply(f_world)
    up_body = motion.rot.inv().apply(np.array([0.0, 0.0, 1.0]))

    drift = model.clock_drift_ppm * 1e-6
    fs_true = model.fs_hz / (1 + drift)
    n = int((t[-1] - 0.5 - start_true_s) * fs_true)
    t_true = start_true_s + np.arange(n) / fs_true
    t_file = np.arange(n) / model.fs_hz
    if model.jitter_s > 0:
        # host arrival stamps: jittered, but never out of order
        t_file = np.maximum.accumulate(t_file + rng.normal(0, model.jitter_s, n))
        keep = np.concatenate(([True], np.diff(t_file) > 1e-6))
    else:
        keep = np.ones(n, dtype=bool)

    # The sensor's decimation filter: each output sample averages the signal over one period.
    box = max(1, int(round(fs_int / model.fs_hz)))
    w_b = _interp_rows(t_true, t_mid, uniform_filter1d(w_mid, box, axis=0, mode="nearest"))
    f_b = _interp_rows(t_true, t, uniform_filter1d(f_body, box, axis=0, mode="nearest"))
    up_b = _interp_rows(t_true, t, up_body)
    up_b /= np.linalg.norm(up_b, axis=1, keepdims=True)
    pitch = np.degrees(np.arcsin(np.clip(up_b[:, 0], -1, 1)))
    roll = np.degrees(np.arcsin(np.clip(up_b[:, 1], -1, 1)))

    M = model.mount  # body = M @ sensor  →  sensor = M.T @ body
    w_s = w_b @ M
    f_s = f_b @ M
    walk = np.cumsum(rng.normal(0, 1, (n, 3)), axis=0)
    walk *= model.gyro_bias_walk_rad_s / max(1.0, np.abs(walk).max())
    gyro = w_s * model.gyro_scale + model.gyro_bias_rad_s + walk + rng.normal(0, model.gyro_noise_rad_s, (n, 3))
    acc = f_s * model.acc_scale + model.acc_bias_m_s2 + rng.normal(0, model.acc_noise_m_s2, (n, 3))
    acc = np.round(acc / model.acc_lsb_m_s2) * model.acc_lsb_m_s2
    gyro = np.round(gyro / model.gyro_lsb_rad_s) * model.gyro_lsb_rad_s

    # lost packets, in bursts
    n_pk = -(-n // model.packet_samples)
    lost = rng.random(n_pk) < model.loss_prob
    burst = np.flatnonzero(lost)
    for b in burst:
        if rng.random() < 0.3:
            lost[b : b + int(rng.integers(2, 4))] = True
    lost[:2] = False
    keep &= ~np.repeat(lost, model.packet_samples)[:n]
    return Sampled(
        time_file_s=t_file[keep],
        time_true_s=t_true[keep],
        acc=acc[keep],
        gyro=gyro[keep],
        pitch_deg=pitch[keep],
        roll_deg=roll[keep],
        dropped=int(n - keep.sum()),
    )
