"""The layering rules of STYLE.md, checked in fresh interpreters."""

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_processing_never_imports_bleak_matplotlib_asyncio():
    mods = _modules_after(
        "import sensorback.processing.angles, sensorback.processing.integrity, sensorback.analysis, "
        "sensorback.simulate"
    )
    for banned in ("bleak", "matplotlib", "asyncio"):
        assert banned not in mods, banned


def test_cli_help_is_light():
    mods = _modules_after("import sensorback.cli as c\ntry:\n    c.main(['--help'])\nexcept SystemExit:\n    pass")
    for heavy in ("numpy", "pandas", "scipy", "matplotlib", "bleak"):
        assert heavy not in mods, heavy


def test_sensorback_simulate_is_the_subpackage_whatever_the_import_order():
    check = ("import types; assert isinstance(sensorback.simulate, types.ModuleType); "
             "assert sensorback.simulate_session is sensorback.simulate.simulate_session")
    for first in ("import sensorback", "import sensorback.simulate", "import sensorback.cli",
                  "import sensorback; sensorback.simulate_session"):
        subprocess.run([sys.executable, "-c", f"{first}\nimport sensorback\n{check}"], check=True)


def test_live_path_is_processing_only():
    """The live path (pipeline and replay) is pure processing: the transport and the terminal view
    feed it from outside."""
    mods = _modules_after("import sensorback.live, sensorback.live.replay")
    for banned in ("bleak", "matplotlib", "asyncio", "curses"):
        assert banned not in mods, banned
