# SPDX-License-Identifier: MIT
"""The camera's decoder on the generated image set, through
`retourctl decode --json`: each symbology read back exactly as the
station's scanner line would carry it (GS between GS1 fields), nothing read
on pages with no code, a file that is not an image said per file; and the
board's decoder keys checked by `retourd -n` with file:line."""
import json
import subprocess
from pathlib import Path

import pytest

import helpers

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def image_set(tmp_path_factory):
    out = tmp_path_factory.mktemp("images")
    subprocess.run(["/usr/bin/python3", str(REPO / "tests/images/make_set.py"),
                    str(out), "--per", "1", "--seed", "11"], check=True,
                   capture_output=True, timeout=60)
    rows = json.loads((out / "manifest.json").read_text())
    return out, rows


def decode(*files):
    return subprocess.run([helpers.binary("retourctl"), "--json", "decode",
                           *map(str, files)], capture_output=True,
                          text=True, timeout=60)


def have_zxing():
    """zxing-cpp is built in where pkg-config finds it, natively only."""
    b = str(helpers.build_dir())
    return "arm" not in b and subprocess.run(
        ["pkg-config", "--exists", "zxing"]).returncode == 0


def test_each_symbology_reads_back_exactly(image_set):
    out, rows = image_set
    want = [r for r in rows if r["variant"] in ("clean", "blur", "noise")
            and r["symbology"]]
    zxing = have_zxing()
    if not zxing:
        want = [r for r in want if r["symbology"] != "datamatrix"]
    p = decode(*(out / r["file"] for r in want))
    got = {Path(f["file"]).name: f for f in json.loads(p.stdout)}
    for r in want:
        codes = [(c["symbology"], c["data"]) for c in got[r["file"]]["codes"]]
        if not zxing and r["variant"] != "clean" and not codes:
            # ZBar alone misses some blurred and noisy ones (zxing-cpp
            # reads them where the build has it); what it reads is exact
            continue
        assert codes == [(r["symbology"], r["data"])], r["file"]
    if zxing:
        assert p.returncode == 0, p.stderr
    gs1 = [c for f in got.values() for c in f["codes"]
           if c["symbology"] == "gs1-128"]
    assert gs1 and gs1[0]["aim"] == "]C1" and "\x1d21" in gs1[0]["data"]


def test_no_code_no_false_positive(image_set):
    out, rows = image_set
    none = [out / r["file"] for r in rows if r["symbology"] is None]
    p = decode(*none)
    assert p.returncode == 1  # nothing found
    assert all(f["codes"] == [] for f in json.loads(p.stdout))


def test_unreadable_files_are_said_per_file(image_set, tmp_path):
    out, rows = image_set
    good = out / next(r["file"] for r in rows if r["symbology"] == "qr")
    trunc = tmp_path / "trunc.png"
    trunc.write_bytes(good.read_bytes()[:200])
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    p = decode(good, trunc, empty, tmp_path / "missing.png")
    files = json.loads(p.stdout)
    assert p.returncode == 1
    assert files[0]["codes"][0]["symbology"] == "qr"
    assert "PNG" in files[1]["error"]
    assert "empty file" in files[2]["error"]
    assert "No such file" in files[3]["error"]
    t = subprocess.run([helpers.binary("retourctl"), "decode", str(trunc)],
                       capture_output=True, text=True)
    assert t.returncode == 1 and str(trunc) in t.stderr


@pytest.mark.parametrize("key,value,needle", [
    ("symbologies", "code128,pdf417", "unknown symbology 'pdf417'"),
    ("decode", "maybe", "'maybe' is not yes or no"),
    ("decode_confirm", "0", "'0' is not a whole number from 1 to 10"),
])
def test_bad_decoder_key_is_refused_with_its_line(make_station, key, value,
                                                  needle):
    st = make_station(start=False, board={"camera": {key: value}})
    board = st.dir / "board.conf"
    lines = board.read_text().splitlines()
    line = lines.index("%s = %s" % (key, value)) + 1
    p = subprocess.run([helpers.binary("retourd"), "-n", "-c",
                        str(st.conf_path)], capture_output=True, text=True,
                       timeout=10, cwd=str(REPO))
    assert p.returncode != 0
    assert "%s:%d: %s" % (board, line, needle) in p.stdout + p.stderr, \
        p.stdout + p.stderr


def test_inverted_codes_only_with_the_boards_setting(image_set, tmp_path):
    """-c CONFIG: the decoder takes the [camera] keys of the station's
    board; light-on-dark codes are read only with decode_inverted = yes."""
    from PIL import Image, ImageOps
    out, rows = image_set
    syms = ["qr"] + (["datamatrix"] if have_zxing() else [])
    want, files = [], []
    for r in rows:
        if r["variant"] == "clean" and r["symbology"] in syms:
            f = tmp_path / ("neg-" + r["file"])
            ImageOps.invert(Image.open(out / r["file"])).save(f)
            files.append(f)
            want.append([(r["symbology"], r["data"])])
    conf = tmp_path / "retourd.conf"
    board = tmp_path / "board.conf"
    conf.write_text((REPO / "conf/sim.conf").read_text().replace(
        "board = boards/sim.conf", "board = %s" % board))
    board.write_text((REPO / "boards/sim.conf").read_text().replace(
        "dir = tests/data/camera", "dir = tests/data/camera\n"
        "decode_inverted = yes\nsymbologies = %s" % ",".join(syms)))
    p = decode(*files)
    assert p.returncode == 1
    assert all(f["codes"] == [] for f in json.loads(p.stdout))
    p = subprocess.run([helpers.binary("retourctl"), "--json", "decode",
                        "-c", str(conf), *map(str, files)],
                       capture_output=True, text=True, timeout=60,
                       cwd=str(REPO))
    assert p.returncode == 0, p.stdout + p.stderr
    assert [[(c["symbology"], c["data"]) for c in f["codes"]]
            for f in json.loads(p.stdout)] == want
