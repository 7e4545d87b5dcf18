"""Reports: figures of a session, its report files, routines and progress across sessions.

Catalogue
---------
write_report(analysis, folder)     PNG figures, report.pdf and a self-contained report.html
read_routine(path)                 a routine from a TOML file (the bundled default if None)
compare_routine(routine, segments) achieved against planned, one row per exercise
summary_table(segments)            the session summary per exercise
history.analyze_folder(folder)     every session in a folder, analysed once and cached
history.write_history(...)         progress across sessions: plots, table, HTML
plots                              ``plot_*`` functions returning matplotlib Figures (``ax=None``)

Only :mod:`.plots`, :mod:`.pdf` and the writers import matplotlib, and only when called; the
figures are made without pyplot, so they render headless (Agg) and show in notebooks alike.
"""

from . import display
from .routine import Routine, compare_routine, default_routine, parse_routine, read_routine
from .session import Report, write_report
from .tables import summary_table

display.register()

__all__ = ["Report", "Routine", "compare_routine", "default_routine", "parse_routine", "read_routine",
           "summary_table", "write_report"]
