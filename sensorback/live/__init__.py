"""Live coaching: the analysis updated as samples arrive, and replays through the same path.

Catalogue
---------
LivePipeline          samples in (or decoded notifications), state and cues out, the final result
LiveSettings          update rate, settling time, targets, cue timing and the form-break dwell
LiveState             what the live view shows: exercise, hold timer, wobble, sag/pike, breaths, reps
LiveEvent             a cue: hold start, every 10 s, target reached, sag/pike, hold end, rep
LiveAnalysis          the final result (an :class:`~sensorback.analysis.Analysis`)
DEFAULT_TARGETS_S     hold targets of the default routine

The live path is pure processing (no I/O, no bleak, no asyncio); the transport, the session file
and the terminal view feed it and read it.
"""

from .pipeline import DEFAULT_TARGETS_S, LiveAnalysis, LiveEvent, LivePipeline, LiveSettings, LiveState

__all__ = ["DEFAULT_TARGETS_S", "LiveAnalysis", "LiveEvent", "LivePipeline", "LiveSettings", "LiveState"]
