"""Detection of postures, exercise holds, rep sets and their quality: pure numpy/scipy/pandas.

Catalogue
---------
detect_segments            holds, rep sets and rests of a session, with every metric (list of dict)
detect                     the same, with the intermediate signals (grid, postures, still spans)
signals.make_grid          inputs on a uniform grid: up-vector, angular speed, sway activity
posture.compute_stance     posture at every grid point (``POSTURES``: upright, flexed, prone, ...)
holds.find_spans           still postures, split where the posture changes
height                     sacrum height of still postures by zero-velocity integration
holds.classify_span        hold or rest, and which exercise (plank / superman / bench by height)
holds.refine_bounds        hold start and end where the movement into and out of it ends and starts
reps.find_rep_sets         bridge and hyperextension sets: count, times, ROM, top hold, tempo
wobble.compute_wobble      sway (deg RMS), tremor, their time course, fatigue index
form.find_form_breaks      sag, pike, lateral and rotational drift from the hold's own baseline
breathing.breathing_rate   breaths per minute during steady holds
jerks.find_jerks           sudden movements during holds
frames                     tidy DataFrames and annotation records of the results

Sign conventions are those of ``DEVELOPERS.md``: in planks and side planks a sag lowers the
pitch, in a bridge it raises it (towards lying); a bridge lifts by lowering the pitch, a
hyperextension by raising it.  Every threshold is a field of
:class:`~sensorback.settings.DetectionSettings`.
"""

from .posture import POSTURES
from .segments import Detection, detect, detect_segments

__all__ = ["POSTURES", "Detection", "detect", "detect_segments"]
