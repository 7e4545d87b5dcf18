"""Draw docs/example_session.png: the bundled example's trunk angles against ground truth.

Run:  python docs/make_readme_figure.py
"""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

import sensorback  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
COLOURS = {"plank": "#4C72B0", "side_plank_left": "#55A868", "side_plank_right": "#8FBF6A",
           "bridge": "#C44E52", "hyperextension": "#8172B2"}


def main() -> None:
    rec = sensorback.read(ROOT / "recordings" / "example_session.csv", quiet=True)
    a = rec.analyze()
    truth = pd.read_csv(ROOT / "recordings" / "example_session.truth.angles.csv", index_col=0)
    segs = json.loads((ROOT / "recordings" / "example_session.truth.json").read_text())["segments"]
    fig, axes = plt.subplots(2, 1, figsize=(11, 5.5), sharex=True, constrained_layout=True)
    for ax, col, label in ((axes[0], "pitch_deg", "pitch (°)"), (axes[1], "roll_deg", "roll (°)")):
        for s in segs:
            if s["exercise"]:
                ax.axvspan(s["start_s"], s["end_s"], color=COLOURS[s["exercise"]], alpha=0.15, lw=0)
        ax.plot(truth.index, truth[col], color="0.6", lw=3, label="ground truth")
        ax.plot(a.angles.index, a.angles[col], color="k", lw=0.8, label="sensorback")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    for s in segs:
        if s["exercise"]:
            axes[0].text(0.5 * (s["start_s"] + s["end_s"]), 97, s["exercise"].replace("_", " "),
                         ha="center", va="bottom", fontsize=8, color=COLOURS[s["exercise"]])
    axes[0].set_ylim(-60, 110)
    axes[0].legend(loc="lower left", fontsize=8, ncol=2)
    axes[1].set_xlabel("time (s)")
    axes[0].set_title("Bundled example session: trunk angles from one sacral IMU vs simulator ground truth", fontsize=10)
    fig.savefig(ROOT / "docs" / "example_session.png", dpi=110)


if __name__ == "__main__":
    main()
