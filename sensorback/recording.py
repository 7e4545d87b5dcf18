"""The data model: a :class:`Recording` of IMU samples with its :class:`Info` and :class:`Annotations`.

Samples are a pandas DataFrame indexed by ``time_s`` (seconds from the first sample) with the
canonical columns ``ax, ay, az`` (m/s²), ``gx, gy, gz`` (rad/s) and optionally ``mx, my, mz`` (µT).
Labelled time spans — packet gaps, holds, reps, form breaks — are :class:`Annotations` with
``onset_s``, ``duration_s`` and ``description`` (``bad/gap``, ``hold/plank`` ...).  Spans whose
description starts with ``bad`` are skipped by processing steps.

Recordings are immutable in spirit: methods return new objects.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from .analysis import Analysis
    from .processing.calibration import Mount
    from .settings import AnalysisSettings

ACC = ("ax", "ay", "az")
GYRO = ("gx", "gy", "gz")
MAG = ("mx", "my", "mz")
CANONICAL = ACC + GYRO


@dataclass(frozen=True)
class Info:
    """Immutable facts about a recording.

    Attributes
    ----------
    device : str
        Sensor model or source app, e.g. ``"WitMotion WT901BLECL"`` or ``"simulated"``.
    placement : str
        Where the sensor was worn (``"sacrum"`` by default).
    fs_hz : float or None
        Nominal sample rate in Hz, when the device or file declares one.
    start_time : datetime or None
        Wall-clock time of the first sample, when known.
    firmware : str or None
        Firmware version, when known.
    source : str or None
        Path of the file the recording was read from.
    format : str
        Name of the reader that produced it.
    notes : tuple of str
        Conversions and warnings applied on reading (unit fixes, dropped rows ...).
    extra : mapping
        Anything else a reader found worth keeping.
    """

    device: str = "unknown"
    placement: str = "sacrum"
    fs_hz: float | None = None
    start_time: datetime | None = None
    firmware: str | None = None
    source: str | None = None
    format: str = "unknown"
    notes: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def replace(self, **changes: Any) -> Info:
        """Return a copy with some fields changed."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["start_time"] = self.start_time.isoformat() if self.start_time else None
        d["notes"] = list(self.notes)
        d["extra"] = dict(self.extra)
        return d


_ANN_COLUMNS = ["onset_s", "duration_s", "description"]


def _time_order(onset: list[float], description: list[str]) -> list[int] | None:
    """The order of the spans by onset, then description (stable, as ``np.lexsort``), or None
    when they are in order already."""
    keys = list(zip(onset, description))
    if all(o == o for o in onset) and not any("\0" in d for d in description):
        if all(a <= b for a, b in zip(keys, keys[1:])):
            return None
        # Python's sort is stable and orders floats and strings as numpy does (no NaN, no NUL)
        return sorted(range(len(keys)), key=keys.__getitem__)
    return np.lexsort((np.array(description, dtype=object).astype(str), np.array(onset))).tolist()


class Annotations:
    """Labelled time spans, in seconds from the recording's first sample.

    Each span has ``onset_s``, ``duration_s`` and ``description`` and may carry extra
    per-span fields (e.g. ``missing_samples`` for a ``bad/gap``).  Behaves like a small
    immutable table: :meth:`to_frame` gives a tidy DataFrame, :meth:`add` returns a new object.

    Examples
    --------
    >>> ann = Annotations([1.0], [0.5], ["bad/gap"])
    >>> len(ann.add(3.0, 2.0, "hold/plank"))
    2
    """

    def __init__(
        self,
        onset_s: Iterable[float] = (),
        duration_s: Iterable[float] = (),
        description: Iterable[str] = (),
        extras: Iterable[Mapping[str, Any]] | None = None,
    ) -> None:
        onset = [float(x) for x in onset_s]
        dur = [float(x) for x in duration_s]
        desc = [str(x) for x in description]
        if not (len(onset) == len(dur) == len(desc)):
            raise ValueError(
                f"onset_s, duration_s and description must have equal lengths, got "
                f"{len(onset)}, {len(dur)}, {len(desc)}"
            )
        if any(d < 0 for d in dur):
            raise ValueError("duration_s must be >= 0")
        ex = [dict(e) for e in extras] if extras is not None else [{} for _ in onset]
        if len(ex) != len(onset):
            raise ValueError("extras must have one mapping per span")
        order = _time_order(onset, desc)
        if order is None:
            self._onset, self._duration = tuple(onset), tuple(dur)
            self._description, self._extras = tuple(desc), tuple(ex)
        else:
            self._onset = tuple([onset[i] for i in order])
            self._duration = tuple([dur[i] for i in order])
            self._description = tuple([desc[i] for i in order])
            self._extras = tuple([ex[i] for i in order])

    @classmethod
    def from_records(cls, records: Iterable[Mapping[str, Any]]) -> Annotations:
        """Build from dicts with ``onset_s``, ``duration_s``, ``description`` and any extra keys."""
        recs = list(records)
        extras = []
        for r in recs:
            e = dict(r)  # the extra keys, in their order
            for k in _ANN_COLUMNS:
                e.pop(k, None)
            extras.append(e)
        return cls(
            [r["onset_s"] for r in recs],
            [r["duration_s"] for r in recs],
            [r["description"] for r in recs],
            extras,
        )

    def __len__(self) -> int:
        return len(self._onset)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for i in range(len(self)):
            yield {
                "onset_s": self._onset[i],
                "duration_s": self._duration[i],
                "description": self._description[i],
                **self._extras[i],
            }

    def __repr__(self) -> str:
        kinds: dict[str, int] = {}
        for d in self._description:
            kinds[d] = kinds.get(d, 0) + 1
        inner = ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items()))
        return f"<Annotations | {len(self)} spans ({inner})>"

    def __add__(self, other: Annotations) -> Annotations:
        if any(k in e for e in (*self._extras, *other._extras) for k in _ANN_COLUMNS):
            # an extra field named like a column overrides it in the records
            return Annotations.from_records([*self, *other])
        # what from_records([*self, *other]) gives, without the records
        return Annotations(self._onset + other._onset, self._duration + other._duration,
                           self._description + other._description, self._extras + other._extras)

    @property
    def onset_s(self) -> np.ndarray:
        return np.asarray(self._onset, dtype=float)

    @property
    def duration_s(self) -> np.ndarray:
        return np.asarray(self._duration, dtype=float)

    @property
    def description(self) -> tuple[str, ...]:
        return self._description

    def add(self, onset_s: float, duration_s: float, description: str, **extra: Any) -> Annotations:
        """Return new annotations with one more span."""
        return self + Annotations([onset_s], [duration_s], [description], [extra])

    def select(self, prefix: str) -> Annotations:
        """Spans whose description starts with ``prefix`` (e.g. ``"bad"``, ``"hold/"``)."""
        return Annotations.from_records(r for r in self if r["description"].startswith(prefix))

    def shift(self, delta_s: float) -> Annotations:
        return Annotations.from_records({**r, "onset_s": r["onset_s"] + delta_s} for r in self)

    def crop(self, tmin: float, tmax: float) -> Annotations:
        """Spans overlapping ``[tmin, tmax]``, clipped to it (times stay absolute)."""
        out = []
        for r in self:
            a, b = r["onset_s"], r["onset_s"] + r["duration_s"]
            if b < tmin or a > tmax:
                continue
            a2, b2 = max(a, tmin), min(b, tmax)
            out.append({**r, "onset_s": a2, "duration_s": b2 - a2})
        return Annotations.from_records(out)

    def to_frame(self) -> pd.DataFrame:
        """A tidy DataFrame, one row per span, extra fields as columns."""
        df = pd.DataFrame(list(self))
        if df.empty:
            return pd.DataFrame(columns=_ANN_COLUMNS)
        return df

    def mask(self, time_s: np.ndarray, prefix: str = "bad") -> np.ndarray:
        """Boolean mask of samples inside spans whose description starts with ``prefix``."""
        t = np.asarray(time_s, dtype=float)
        m = np.zeros(t.shape, dtype=bool)
        for r in self:
            if r["description"].startswith(prefix):
                a = r["onset_s"]
                m |= (t >= a) & (t <= a + r["duration_s"])
        return m


class Recording:
    """IMU samples with their info and annotations.

    Parameters
    ----------
    samples : DataFrame
        Indexed by ``time_s`` (float seconds, increasing), columns ``ax, ay, az`` (m/s²),
        ``gx, gy, gz`` (rad/s), optionally ``mx, my, mz`` (µT).
    info : Info
    annotations : Annotations

    Examples
    --------
    >>> import sensorback
    >>> rec = sensorback.simulate_session(seed=1, n_blocks=1).recording
    >>> rec.samples.columns.tolist()[:3]
    ['ax', 'ay', 'az']
    """

    def __init__(
        self,
        samples: pd.DataFrame,
        info: Info | None = None,
        annotations: Annotations | None = None,
    ) -> None:
        missing = [c for c in CANONICAL if c not in samples.columns]
        if missing:
            raise ValueError(f"samples lack the columns {missing}; need {list(CANONICAL)}")
        cols = [c for c in (*CANONICAL, *MAG) if c in samples.columns]
        df = samples[cols].astype(float)
        idx = np.asarray(df.index, dtype=float)
        if idx.size and np.any(np.diff(idx) <= 0):
            raise ValueError("samples must be indexed by strictly increasing time_s")
        df.index = pd.Index(idx, name="time_s")
        self._samples = df
        self.info = info if info is not None else Info()
        self.annotations = annotations if annotations is not None else Annotations()

    # --- access -----------------------------------------------------------------------------
    @property
    def samples(self) -> pd.DataFrame:
        """The samples (a copy is cheap to take with ``.copy()``; do not modify in place)."""
        return self._samples

    @property
    def time_s(self) -> np.ndarray:
        return self._samples.index.to_numpy()

    @property
    def acc(self) -> np.ndarray:
        """Accelerometer, shape (n, 3), m/s²."""
        return self._samples[list(ACC)].to_numpy()

    @property
    def gyro(self) -> np.ndarray:
        """Gyroscope, shape (n, 3), rad/s."""
        return self._samples[list(GYRO)].to_numpy()

    @property
    def n_samples(self) -> int:
        return len(self._samples)

    @property
    def duration_s(self) -> float:
        t = self.time_s
        return float(t[-1] - t[0]) if t.size else 0.0

    @property
    def fs(self) -> float:
        """Effective sample rate in Hz (from the median sample interval)."""
        t = self.time_s
        if t.size < 2:
            return float("nan")
        return float(1.0 / np.median(np.diff(t)))

    def __len__(self) -> int:
        return self.n_samples

    def __repr__(self) -> str:
        return (
            f"<Recording | {self.n_samples} samples, {self.duration_s:.1f} s at {self.fs:.1f} Hz, "
            f"device={self.info.device!r}, {len(self.annotations)} annotations>"
        )

    # --- new objects --------------------------------------------------------------------------
    def copy(self) -> Recording:
        return Recording(self._samples.copy(), self.info, Annotations.from_records(self.annotations))

    def crop(self, tmin: float = 0.0, tmax: float | None = None) -> Recording:
        """Samples with ``tmin <= time_s <= tmax``; times stay relative to the original start."""
        tmax = self.duration_s if tmax is None else tmax
        t = self.time_s
        sel = (t >= tmin) & (t <= tmax)
        return Recording(self._samples.loc[sel], self.info, self.annotations.crop(tmin, tmax))

    def with_annotations(self, annotations: Annotations) -> Recording:
        return Recording(self._samples, self.info, annotations)

    # --- processing ---------------------------------------------------------------------------
    def analyze(
        self,
        settings: AnalysisSettings | None = None,
        mount: Mount | str | None = None,
    ) -> Analysis:
        """Calibrate, compute trunk angles and detect segments; see :func:`sensorback.analyze`."""
        from .analysis import analyze

        return analyze(self, settings=settings, mount=mount)

    def to_csv(self, path: str) -> None:
        """Write the canonical CSV (``time,ax,ay,az,gx,gy,gz``)."""
        from .io.canonical import write_csv

        write_csv(self, path)
