# SPDX-License-Identifier: MIT
"""The labels as a printer would print them, checked with tools no one here
wrote: npm's zpl-renderer-js (zebrash) renders our ZPL to PNG, Debian's
zbarimg decodes the barcode back, and it must be the record's (the receipt
number, the RMA with [label] barcode = rma, the parcel's SSCC as GS1-128
with [label] barcode = sscc), in the symbology asked for (Code 128 with or
without FNC1 first, as zbar's GS1 modifier says, or QR).  Polish names must
come out as the same glyphs the renderer draws for the literal UTF-8 text.

Labels come from a real retourd (at its TCP printer) and from
label_samples, which links the core and writes every kind (accept, hold,
override, remedy, QC, VOID) at both sizes, both resolutions and with each
barcode (Code 128, GS1-128, QR).  No TSPL renderer exists: TSPL is checked
byte by byte in tests/unit/test_label_tspl.c; here a real retourd with a
TSPL printer sends TSPL.
`make test-deps` installs the renderer (tests/label/node_modules) and
zbarimg."""
import json
import re
import xml.etree.ElementTree as ET
import shutil
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

import pytest

from helpers import REPO, binary, expected_return, tshirt, wait_for

POLISH = "Zażółć gęślą jaźń"
ASCII_FOLDED = "Zazolc gesla jazn"
RENDER = REPO / "tests" / "label" / "render.mjs"
MODULES = REPO / "tests" / "label" / "node_modules" / "zpl-renderer-js"
# the stock in mm, the resolution in dots per mm, as the renderer takes them
STOCK_MM = {"100x50": (100.0, 50.0), "4x6": (101.6, 152.4)}
DPMM = {203: 8, 300: 12}


@pytest.fixture(scope="module", autouse=True)
def renderer():
    missing = [w for w, ok in (("node", shutil.which("node")),
                               ("zbarimg", shutil.which("zbarimg")),
                               ("zpl-renderer-js", MODULES.is_dir()))
               if not ok]
    assert not missing, "missing %s: run make test-deps" % ", ".join(missing)


def render(jobs):
    """Render [(zpl text, size, dpi)] to PNG files; returns their paths.
    size may be (width_mm, height_mm) for a strip of the stock."""
    tmp = Path(tempfile.mkdtemp(prefix="rt-label-"))
    spec, pngs = [], []
    for i, (zpl, size, dpi) in enumerate(jobs):
        z, p = tmp / ("%03d.zpl" % i), tmp / ("%03d.png" % i)
        z.write_text(zpl)
        w, h = STOCK_MM[size] if isinstance(size, str) else size
        spec.append({"zpl": str(z), "png": str(p), "width_mm": w,
                     "height_mm": h, "dpmm": DPMM[dpi]})
        pngs.append(p)
    p = subprocess.run(["node", str(RENDER)], input=json.dumps(spec),
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return pngs


def symbols_of(pngs):
    """What zbarimg reads in each of @pngs, in one run: a list per image of
    (type, data, GS1 modifier)."""
    p = subprocess.run(["zbarimg", "-q", "--xml"] + [str(p) for p in pngs],
                       capture_output=True, text=True, timeout=300)
    ns = "{http://zbar.sourceforge.net/2008/barcode}"
    found = {}
    for src in ET.fromstring(p.stdout).iter(ns + "source"):
        found[src.get("href")] = [
            (s.get("type"), s.find(ns + "data").text,
             "GS1" in (s.get("modifiers") or "").split(","))
            for s in src.iter(ns + "symbol")]
    return [found.get(str(p), []) for p in pngs]


def symbols(png):
    return symbols_of([png])[0]


def barcode(png):
    found = symbols(png)
    assert len(found) == 1, found
    return found[0][1]


def pixels(png):
    """The grey levels of an 8-bit greyscale PNG (what the renderer
    writes), row by row."""
    data = Path(png).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, head = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, depth, colour, _, _, interlace = head
    assert (depth, colour, interlace) == (8, 0, 0), head
    raw, rows, prev = zlib.decompress(idat), [], bytearray(w)
    for y in range(h):
        f, line = raw[y * (w + 1)], bytearray(raw[y * (w + 1) + 1:
                                                  (y + 1) * (w + 1)])
        for x in range(w):
            a = line[x - 1] if x else 0
            b, c = prev[x], prev[x - 1] if x else 0
            pred = (0, a, b, (a + b) // 2)[f] if f < 4 else \
                paeth(a, b, c)
            line[x] = (line[x] + pred) & 0xff
        rows.append(bytes(line))
        prev = line
    return rows


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def ink(rows):
    return sum(1 for r in rows for v in r if v < 128)


def header(zpl):
    return "".join(re.findall(r"\^(?:XA|CI\d+|PW\d+|LL\d+|LH0,0)\n", zpl))


def polish_jobs(zpl, size, dpi):
    """The item line with the Polish name, alone on a label, renders as the
    same line written as literal UTF-8 text; the same line folded to ASCII,
    or read without ^CI28, does not (so the comparison can fail)."""
    line = next(ln for ln in zpl.splitlines() if "ja_C5_BA_C5_84" in ln)
    m = re.match(r"\^FO(\d+),\d+(\^A0N,\d+,\d+)\^FH_\^FD(.*)\^FS$", line)
    assert m, line
    # the line alone, at the top of a strip of the stock as wide as it
    font = "^FO%s,8%s" % (m.group(1), m.group(2))
    line = "%s^FH_^FD%s^FS" % (font, m.group(3))
    strip = (STOCK_MM[size][0], 12.0)
    text = re.sub(r"_([0-9A-F]{2})", lambda h: chr(int(h.group(1), 16)),
                  m.group(3)).encode("latin-1").decode("utf-8")
    assert POLISH in text, text
    head = header(zpl)
    ours = "%s%s\n^XZ\n" % (head, line)
    literal = "%s%s^FD%s^FS\n^XZ\n" % (head, font, text)
    folded = literal.replace(POLISH, ASCII_FOLDED)
    no_ci28 = ours.replace("^CI28\n", "")
    return [(z, strip, dpi) for z in (ours, literal, folded, no_ci28)]


def check_polish(pngs):
    """pngs: the four renderings of polish_jobs(), in order."""
    a, b, c, d = (pixels(p) for p in pngs)
    assert ink(a) > 0
    assert a == b, "the Polish name renders unlike its text"
    assert a != c, "diacritics invisible to the comparison"
    assert a != d, "^CI28 makes no difference to the comparison"


def test_sample_labels_render_and_scan():
    out = Path(tempfile.mkdtemp(prefix="rt-samples-"))
    p = subprocess.run([binary("label_samples"), str(out)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    metas = sorted(out.glob("*.json"))
    seen = {(m["kind"], m["size"], m["dpi"], m["symbology"], m["gs1"])
            for m in (json.loads(f.read_text()) for f in metas)}
    # every kind x layout x resolution x barcode, nothing else
    assert seen == {(k, size, dpi, sym, gs1)
                    for k in ("accept", "hold", "override", "remedy", "qc",
                              "void")
                    for size in STOCK_MM for dpi in DPMM
                    for sym, gs1 in (("code128", False), ("code128", True),
                                     ("qr", False))}
    jobs, want = [], []
    for m in metas:
        meta = json.loads(m.read_text())
        zpl = m.with_suffix(".zpl").read_text()
        jobs.append((zpl, meta["size"], meta["dpi"]))
        want.append((m.stem, meta))
    # and the Polish name, at each size and resolution
    for size in STOCK_MM:
        for dpi in DPMM:
            zpl = (out / ("accept-%s-%d-code128.zpl" % (size, dpi))
                   ).read_text()
            jobs += polish_jobs(zpl, size, dpi)
    pngs = render(jobs)
    for found, (name, meta) in zip(symbols_of(pngs[:len(want)]), want):
        assert len(found) == 1, (name, found)
        kind, data, gs1 = found[0]
        assert data == meta["barcode"], name
        assert kind == ("QR-Code" if meta["symbology"] == "qr"
                        else "CODE-128"), (name, kind)
        # FNC1 first (GS1-128) exactly where an SSCC is printed
        assert gs1 == meta["gs1"], (name, gs1)
        if meta["gs1"]:
            assert re.fullmatch(r"00\d{18}", data), name
    polish = pngs[len(want):]
    assert len(polish) == 16
    for i in range(0, 16, 4):
        check_polish(polish[i:i + 4])


def decide(st, rma="RMA-10001"):
    st.import_expected(expected_return(
        rma=rma, items=[tshirt(name=POLISH, quantity=2)]))
    st.run_to(rma, items=["05901234123457"] * 2, grade="A")
    rid = st.confirm()
    job = wait_for(lambda: st.printer.labels(), what="label at printer")[0]
    return rid, job.decode()


def test_retourd_barcode_is_the_receipt(make_station):
    st = make_station(grace_s=120)
    st.sign_in()
    rid, zpl = decide(st)
    assert st.receipt(rid)["id"] == rid
    pngs = render([(zpl, "100x50", 203)] +
                  polish_jobs(zpl, "100x50", 203))
    assert barcode(pngs[0]) == str(rid)
    check_polish(pngs[1:])
    # the VOID label of its undo carries the same barcode
    code, answer = st.call("POST", "/api/v1/undo", {"receipt": rid})
    assert code == 200, answer
    void = wait_for(lambda: len(st.printer.labels()) == 2 and
                    st.printer.labels()[1], what="VOID label").decode()
    png, = render([(void, "100x50", 203)])
    assert barcode(png) == str(rid)


def test_retourd_barcode_is_the_rma_when_configured(make_station):
    st = make_station(start=False)
    st.cfg["label"] = {"barcode": "rma", "size": "4x6", "dpi": 300}
    st.write_config()
    st.start()
    st.sign_in()
    rid, zpl = decide(st, rma="RMA-10002")
    assert "^PW1200\n" in zpl and "^LL1800\n" in zpl
    pngs = render([(zpl, "4x6", 300)] + polish_jobs(zpl, "4x6", 300))
    assert barcode(pngs[0]) == st.receipt(rid)["rma"] == "RMA-10002"
    check_polish(pngs[1:])


SSCC = "376123450000000016"


def test_retourd_sscc_is_gs1_128_and_qr(make_station):
    """[label] barcode = sscc: a parcel whose expected return carries an
    SSCC gets it as GS1-128 (FNC1 first, AI 00), also when opened by its
    RMA; its VOID label carries the same.  With symbology = qr, a QR."""
    st = make_station(start=False, grace_s=120)
    st.cfg["label"] = {"barcode": "sscc"}
    st.write_config()
    st.start()
    st.sign_in()
    st.import_expected(expected_return(
        rma="RMA-10003", lookup_codes=["00" + SSCC],
        items=[tshirt(name=POLISH, quantity=1)]))
    st.run_to("RMA-10003", items=["05901234123457"], grade="A")
    rid = st.confirm()
    zpl = wait_for(lambda: st.printer.labels(), what="label")[0].decode()
    code, answer = st.call("POST", "/api/v1/undo", {"receipt": rid})
    assert code == 200, answer
    void = wait_for(lambda: len(st.printer.labels()) == 2 and
                    st.printer.labels()[1], what="VOID label").decode()
    for found in symbols_of(render([(zpl, "100x50", 203),
                                    (void, "100x50", 203)])):
        assert found == [("CODE-128", "00" + SSCC, True)], found


def test_retourd_qr_without_sscc_falls_back_to_the_receipt(make_station):
    st = make_station(start=False)
    st.cfg["label"] = {"barcode": "sscc", "symbology": "qr"}
    st.write_config()
    st.start()
    st.sign_in()
    rid, zpl = decide(st, rma="RMA-10004")
    png, = render([(zpl, "100x50", 203)])
    assert symbols(png) == [("QR-Code", str(rid), False)]


def test_retourd_speaks_tspl_to_a_tspl_printer(make_station):
    """A board whose printer says language = tspl gets TSPL: the same
    label, in the reference's commands, Polish as UTF-8; the VOID label
    and a reprint too.  (No renderer exists: the bytes are checked.)"""
    st = make_station(board={"printer": {"language": "tspl"}}, grace_s=120)
    st.sign_in()
    rid, job = decide(st, rma="RMA-10005")
    lines = job.split("\r\n")
    assert lines[0] == "CODEPAGE UTF-8" and lines[-2:] == ["PRINT 1", ""]
    assert "^" not in job and "\n" not in job.replace("\r\n", "")
    assert "SIZE 100 mm,50 mm" in lines and "CLS" in lines
    assert 'BARCODE 24,312,"128",70,0,0,3,3,"%d"' % rid in lines
    assert any(ln.startswith("BLOCK ") and ln.endswith(POLISH + '"')
               for ln in lines), lines
    # a reprint sends the stored bytes: TSPL again
    code, answer = st.call("POST", "/api/v1/reprint", {"receipt": rid})
    assert code == 202 and answer["queued"], answer
    again = wait_for(lambda: len(st.printer.labels()) == 2 and
                     st.printer.labels()[1], what="reprint").decode()
    assert again == job
    code, answer = st.call("POST", "/api/v1/undo", {"receipt": rid})
    assert code == 200, answer
    void = wait_for(lambda: len(st.printer.labels()) == 3 and
                    st.printer.labels()[2], what="VOID label").decode()
    assert void.startswith("CODEPAGE UTF-8\r\n")
    assert 'TEXT 48,14,"0",0,25,28,"VOID"\r\nREVERSE ' in void


def test_retourd_refuses_an_unknown_printer_language(make_station):
    st = make_station(start=False, board={"printer": {"language": "epl"}})
    st.write_config()
    p = subprocess.run([binary("retourd"), "-n", "-c", st.conf_path],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0
    assert re.search(r"board\.conf:\d+: 'epl' is not one of zpl, tspl for "
                     r"'language'", p.stderr), p.stderr
