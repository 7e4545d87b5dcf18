"""Rebuild ``phone_phyphox.zip``: a simulated 105 s session (seed 21, 50 Hz; standing, a walk, a
hyperextension hold and a set of hyperextension reps) written exactly as phyphox exports a
multi-sensor experiment, for the phone-import notebook.  Run from the repository root."""

import io
import zipfile

import numpy as np

from sensorback.simulate import simulate_session

rec = simulate_session(seed=21, n_blocks=2, fs_hz=50).recording.crop(0, 105)
files = {
    "meta/device.csv": '"property","value"\n"version","1.1.13"\n"deviceBrand","simulated"\n"deviceModel","phone"\n',
    "meta/time.csv": ('"event","experiment time","system time","system time text"\n'
                      '"START",0.000000000E0,1.700000000E9,"2023-11-14 22:13:20.000 UTC+00:00"\n'),
}
# the column names of phyphox's "Acceleration with g" and "Gyroscope" exports
for name, head, absolute, values, unit in (
    ("Accelerometer.csv", "Acceleration", "Absolute acceleration", rec.acc, "m/s^2"),
    ("Gyroscope.csv", "Gyroscope", "Absolute", rec.gyro, "rad/s"),
):
    cols = ",".join(f'"{head} {a} ({unit})"' for a in "xyz")
    out = io.StringIO()
    np.savetxt(out, np.column_stack((rec.time_s, values, np.linalg.norm(values, axis=1))), fmt="%.6E",
               delimiter=",", header=f'"Time (s)",{cols},"{absolute} ({unit})"', comments="")
    files[name] = out.getvalue()
with zipfile.ZipFile("recordings/phone_phyphox.zip", "w", zipfile.ZIP_DEFLATED) as z:
    for name, text in files.items():
        z.writestr(name, text)
