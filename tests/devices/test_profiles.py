"""Device profiles, profile matching, the package surface and its import hygiene."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

from sensorback import devices
from sensorback.devices import PROFILES, match_profile
from sensorback.devices.base import Decoder

PACKAGE = Path(devices.__file__).parent
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@pytest.mark.parametrize("profile", PROFILES.values(), ids=list(PROFILES))
def test_profile_is_complete(profile):
    for uuid in (
        profile.service_uuid,
        profile.notify_uuid,
        profile.write_uuid,
        profile.indicate_uuid,
    ):
        assert uuid is None or UUID.match(uuid), uuid
    assert profile.default_rate_hz in profile.rates_hz
    for fs in profile.rates_hz:
        assert isinstance(profile.make_decoder(fs), Decoder)
        for commands in (
            profile.start_commands(fs),
            profile.stop_commands(fs),
            profile.rate_commands(fs),
        ):
            assert isinstance(commands, tuple) and all(isinstance(c, bytes) and c for c in commands)
    assert profile.has_sequence == (profile.seq_modulus is not None)
    if profile.time_wrap_s is not None:
        assert profile.has_device_time
    with pytest.raises(Exception, match="rate must be one of"):
        profile.make_decoder(1234.5)


def test_profiles_are_frozen():
    with pytest.raises(AttributeError):
        PROFILES["diy"].default_rate_hz = 50.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("name", "uuids", "key"),
    [
        ("WT901BLE67", [], "witmotion"),
        ("WT9011DCL-BT50", [], "witmotion"),
        (None, ["0000FFE5-0000-1000-8000-00805F9A34FB"], "witmotion"),
        ("Movesense 204730000081", [], "movesense"),
        ("Polar H10 A1B2C3D4", ["fb005c80-02e7-f387-1cad-8acd2d8df0c8"], "polar_h10"),
        ("Polar Sense B5A1C42F", ["fb005c80-02e7-f387-1cad-8acd2d8df0c8"], "polar_verity"),
        ("Thingy", [], "thingy52"),
        ("MyBack", ["ef680400-9b35-4933-9b10-52ffa9740042"], "thingy52"),
        ("MetaWear", [], "metamotion"),
        ("sensorback-1A2B", [], "diy"),
        ("", ["5b1e0001-7c3a-4d6e-9f21-8a4c53b0d7e2"], "diy"),
    ],
)
def test_match_profile(name, uuids, key):
    assert match_profile(name, uuids).key == key


def test_no_match():
    assert match_profile("Galaxy Buds", ["0000180d-0000-1000-8000-00805f9b34fb"]) is None
    assert match_profile(None) is None
    # the SIG base is not WitMotion's base
    assert match_profile(None, ["0000ffe5-0000-1000-8000-00805f9b34fb"]) is None


def test_public_surface():
    for name in devices.__all__:
        assert hasattr(devices, name), name
    for module in (
        devices.witmotion,
        devices.movesense,
        devices.polar,
        devices.thingy,
        devices.metamotion,
        devices.diy,
    ):
        assert callable(module.encode_notifications)


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(PACKAGE.glob("*.py")), ids=lambda p: p.name)
def test_decoder_layer_imports_only_numpy_and_the_standard_library(path):
    allowed = (set(sys.stdlib_module_names) - {"asyncio"}) | {"numpy", "sensorback"}
    imported = _imported_modules(path)
    assert imported <= allowed, imported - allowed
    assert "bleak" not in imported and "asyncio" not in imported
