"""The SisFall reader: real dataset files, synthetic files, strict detection, broken files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import sensorback
from sensorback.errors import FileFormatError, UnsupportedFormat
from sensorback.io import sisfall
from sensorback.io.units import G


def _row(i: int) -> str:
    return f"{i % 5:4d},{-256:4d},{8:4d},{16:4d},{-i % 3:4d},{0:4d},{13:4d},{-1002:4d},{173:4d};"


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text.encode("ascii", errors="replace"))
    return path


def _text(rows: int = 400) -> str:
    return "".join(_row(i) + "\r\n" for i in range(rows))  # the dataset's CRLF line ends


# --- synthetic files ------------------------------------------------------------------------


def test_synthetic_counts_are_converted(tmp_path):
    path = _write(tmp_path, "D16_SA01_R02.txt", _text())
    rec = sensorback.read(path)
    assert rec.info.format == "sisfall" and rec.info.fs_hz == 200.0
    np.testing.assert_allclose(rec.time_s, np.arange(400) / 200.0)
    # ADXL345 ±16 g over 13 bits: 256 counts = 1 g; ITG3200 ±2000 °/s over 16 bits
    np.testing.assert_allclose(rec.acc[3], [3 / 256 * G, -G, 8 / 256 * G])
    np.testing.assert_allclose(rec.gyro[3][0], math.radians(16 * 4000 / 65536))
    assert rec.info.extra["activity_code"] == "D16"
    assert rec.info.extra["subject"] == "SA01" and rec.info.extra["trial"] == 2
    assert rec.info.placement.startswith("waist")
    assert len(rec.annotations) == 0


@pytest.mark.parametrize("name, text", [
    ("D16_SA01_R02.csv", _text(20)),                                  # wrong extension
    ("recording.txt", _text(20)),                                     # not the dataset's name
    ("D16_SA01.txt", _text(20)),
    ("D16_SA01_R02.txt", "time,ax,ay,az,gx,gy,gz\n0,0,0,9.8,0,0,0\n"),  # a canonical CSV so named
    ("D16_SA01_R02.txt", "".join(_row(i)[:-1] + "\n" for i in range(20))),  # no ';'
    ("D16_SA01_R02.txt", "".join(_row(i).replace(",", "\t") + "\n" for i in range(20))),
    ("D16_SA01_R02.txt", "".join(",".join(_row(i).split(",")[:8]) + ";\n" for i in range(20))),
    ("D16_SA01_R02.txt", "".join("1.5," + _row(i).split(",", 1)[1] + "\n" for i in range(20))),
    ("D16_SA01_R02.txt", ""),
], ids=["ext", "name", "short-name", "canonical", "no-semicolon", "tabs", "8-columns", "float",
        "empty"])
def test_detect_is_strict(tmp_path, name, text):
    assert not sisfall.detect(_write(tmp_path, name, text))


def test_detects_its_own(tmp_path):
    assert sisfall.detect(_write(tmp_path, "F05_SE06_R04.txt", _text(5)))


# --- broken files ---------------------------------------------------------------------------


@pytest.mark.parametrize("text, message", [
    ("", "no data rows"),
    ("\r\n\r\n", "no data rows"),
    (_row(0)[:7], "not nine comma-separated integers"),                  # truncated inside line 1
    ("".join("hello, world;\r\n" for _ in range(30)) + _text(30), "not nine comma-separated"),
    ("\x00\x01garbage" * 50, "not nine comma-separated integers"),
], ids=["empty", "blank", "truncated-first-line", "garbage", "binary"])
def test_broken_files_raise_file_format_error(tmp_path, text, message):
    path = _write(tmp_path, "D12_SA01_R01.txt", text)
    with pytest.raises(FileFormatError, match=message) as err:
        sensorback.read(path, format="sisfall")
    assert str(path) in str(err.value)


def test_garbage_is_not_detected(tmp_path):
    path = _write(tmp_path, "D12_SA01_R01.txt", "".join("hello, world;\r\n" for _ in range(30)))
    with pytest.raises(UnsupportedFormat):
        sensorback.read(path)


def test_garbage_line_reports_its_line_number(tmp_path):
    path = _write(tmp_path, "D12_SA01_R01.txt", _text(5) + "".join("x;\r\n" for _ in range(5)))
    with pytest.raises(FileFormatError) as err:
        sensorback.read(path)
    assert err.value.line == 6 and "'x;'" in str(err.value)


def test_truncated_last_line_is_dropped_with_a_note(tmp_path):
    text = _text(400)
    path = _write(tmp_path, "D12_SA01_R01.txt", text[: len(text) - 20])
    with pytest.warns(UserWarning) as caught:
        rec = sensorback.read(path)
    assert any("1 malformed lines (line 400) dropped" in str(w.message) for w in caught)
    assert rec.n_samples == 399


def test_every_truncation_reads_or_raises_file_format_error(tmp_path):
    full = _text(40)
    for cut in range(0, len(full), 11):
        path = _write(tmp_path / str(cut), "D12_SA01_R01.txt", full[:cut])
        try:
            rec = sensorback.read(path, format="sisfall", quiet=True)
        except FileFormatError:
            continue
        assert rec.n_samples >= 2


# --- real files -------------------------------------------------------------------------------


def _real_files(shared_data: Path) -> list[Path]:
    files = sorted((shared_data / "sisfall_waist_adl").glob("S*/*.txt"))
    if not files:
        pytest.skip("SisFall files not found in the shared data")
    return files


@pytest.mark.realdata
def test_real_files_conform(shared_data, assert_conformant):
    files = _real_files(shared_data)
    assert len(files) == 123
    for path in files:
        rec = sensorback.read(path)
        assert_conformant(rec, path, "sisfall")
        assert rec.n_samples == len(path.read_bytes().splitlines()), path
        assert not rec.info.notes[2:], f"{path}: unexpected problems {rec.info.notes[2:]}"
        code, subject, trial = path.stem.split("_")
        assert rec.info.extra == {**rec.info.extra, "activity_code": code, "subject": subject,
                                  "trial": int(trial[1:])}
        # counts → g → m/s²: slow daily activities read ≈ 1 g.  20 % because the ADXL345's z
        # axis is off by up to −0.18 g in these files (supine D14 reads |a| ≈ 0.88 g), while a
        # wrong conversion would be off by a factor of 9.8 or 256.
        assert np.median(np.linalg.norm(rec.acc, axis=1)) == pytest.approx(G, rel=0.2), path


@pytest.mark.realdata
def test_detector_keeps_to_its_own_files(shared_data):
    others = [p for p in shared_data.rglob("*")
              if p.is_file() and "sisfall_waist_adl" not in p.parts]
    assert others
    for p in others:
        assert not sisfall.detect(p), p
    # the dataset's readme sits beside the recordings and is not one
    assert not sisfall.detect(shared_data / "sisfall_waist_adl" / "Readme_original.txt")
