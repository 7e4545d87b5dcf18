"""Show sensorback's figures in Jupyter without ``%matplotlib inline``.

The figures are made without pyplot (so they render headless and never open windows), and
IPython only learns to draw a bare :class:`matplotlib.figure.Figure` once pyplot's inline backend
has been set up.  :func:`register` teaches a running IPython to show them as PNG; it is called
when :mod:`sensorback.report` is first imported and does nothing outside IPython.
"""

from __future__ import annotations

import io
import sys
from typing import Any


def figure_png(fig: Any) -> bytes:
    """A Figure as PNG bytes, trimmed to its content, at 100 dpi."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return buf.getvalue()


def register(shell: Any = None) -> bool:
    """Register :func:`figure_png` as the PNG formatter of matplotlib Figures in ``shell`` (default:
    the running IPython, if any).  Returns whether a shell was found.  A formatter already set up
    by ``%matplotlib inline`` is kept."""
    if shell is None:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return False
    from matplotlib.figure import Figure

    png = shell.display_formatter.formatters["image/png"]
    if not _has_type(png, Figure):
        png.for_type(Figure, figure_png)
    return True


def _has_type(formatter: Any, cls: type) -> bool:
    try:
        formatter.lookup_by_type(cls)
    except KeyError:
        return False
    return True
