"""sensorback's figures show in Jupyter without ``%matplotlib inline`` (they are made without pyplot)."""

from __future__ import annotations

import pytest

pytest.importorskip("IPython")


@pytest.mark.filterwarnings("ignore:Attempting to work in a virtualenv")
def test_a_bare_figure_displays_as_png_once_registered():
    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib.figure import Figure

    from sensorback.report import display

    shell = InteractiveShell.instance()
    fig = Figure(figsize=(2, 1))
    fig.add_subplot().plot([0, 1], [1, 0])
    assert display.register(shell)
    data, _ = shell.display_formatter.format(fig)
    assert data["image/png"][:8] == b"\x89PNG\r\n\x1a\n"


def test_outside_ipython_nothing_is_registered():
    import subprocess
    import sys

    code = "from sensorback.report import display; import sys; print(display.register(), 'IPython' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
