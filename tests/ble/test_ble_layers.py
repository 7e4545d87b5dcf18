"""Only the transport imports bleak: everything else of the live path works without it."""

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_receive_path_session_files_and_virtual_sensors_do_not_import_bleak():
    mods = _modules_after(
        "import sensorback.ble, sensorback.ble.receiver, sensorback.ble.virtual, sensorback.ble.bus, "
        "sensorback.io.session_file, sensorback.commands.ble"
    )
    assert "bleak" not in mods


def test_the_transport_is_where_bleak_comes_in():
    assert "bleak" in _modules_after("import sensorback.ble.transport")
