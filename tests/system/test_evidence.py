# SPDX-License-Identifier: MIT
"""A receipt's dispute pack (include/retour/evidence.h), checked with
tools no one here wrote: poppler's pdftotext and pdfimages read the PDF,
Python's zipfile opens and tampers with the ZIP, and `retourctl evidence
verify` must name the file that no longer matches."""

import hashlib
import io
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

import helpers
from helpers import GTIN_TSHIRT, expected_return, tshirt, wait_for

ITEM_NAME = "Koszulka żółta ąęłńóśźż"
OVERRIDE = "Zważono ponownie ręcznie: 420 g, paczka cała"

pytestmark = pytest.mark.skipif(
    not shutil.which("pdftotext") or not shutil.which("pdfimages"),
    reason="poppler-utils is not installed (make test-deps)")


def pdf_text(path):
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                          check=True, capture_output=True,
                          text=True).stdout


def pdf_images(path):
    """pdfimages -list's rows: (page, type, width, height, enc)."""
    out = subprocess.run(["pdfimages", "-list", str(path)], check=True,
                         capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        f = line.split()
        rows.append((int(f[0]), f[2], int(f[3]), int(f[4]), f[8]))
    return rows


@pytest.fixture(scope="module")
def decided(tmp_path_factory):
    """One return, overweight (the proposal holds it), photographed,
    answered, overridden to accept with a reason, refunded by the shop."""
    st = helpers.Station(scale_g=900)
    try:
        st.cfg["clerks"]["SUP-0001"] = "Ewa, supervisor"
        st.write_config()
        st.start()
        st.import_expected(expected_return(
            items=[tshirt(name=ITEM_NAME)]))
        st.sign_in()
        s = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
        assert s["proposal"]["verdict"] == "hold", s["proposal"]
        # overriding a refusal needs a supervisor's badge
        rid = s["receipt"]
        st.ok("POST", "/api/v1/confirm", {"verdict": "accept",
                                          "reason": OVERRIDE,
                                          "supervisor": "SUP-0001"})
        wait_for(lambda: any(r["action"] == "refund.requested" and
                             r["state"] == "done" for r in st.outbox()),
                 timeout=15, what="the refund confirmed by the shop")
        yield st, rid, tmp_path_factory.mktemp("evidence")
    finally:
        st.close()
        st.cleanup()


def test_pdf_holds_the_record_and_every_photo(decided):
    st, rid, tmp = decided
    rec = st.receipt(rid)
    refund = [r for r in rec["outbox"] if r["action"] == "refund.requested"]
    assert refund and refund[0]["shop_ref"].startswith("shop-ref-"), refund
    photos = rec["photos"]
    assert len(photos) >= 2, photos
    assert rec["checklist"] and rec["overridden"] is True

    pdf = tmp / "pack.pdf"
    p = st.ctl("evidence", rid, "-o", pdf)
    assert "wrote %s" % pdf in p.stdout
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = pdf_text(pdf)
    flat = " ".join(text.split())
    for want in ("ORD-1001", "RMA-10001", refund[0]["shop_ref"], ITEM_NAME,
                 "weight_mismatch", OVERRIDE, "Ola", "Ewa", "900 g", "400 g"):
        assert want in flat, "%r not in the PDF's text:\n%s" % (want, text)
    for a in rec["checklist"]:
        assert a["step"] in flat, a
    for ph in photos:
        assert ph["sha256"] in flat, ph
    # every photo, as the JPEG file it is
    images = pdf_images(pdf)
    assert len(images) == len(photos), images
    assert all(img[1] == "image" and img[4] == "jpeg" for img in images), \
        images
    # byte for byte the station's files: pdfimages -all writes the DCT
    # streams out as .jpg
    subprocess.run(["pdfimages", "-all", str(pdf), str(tmp / "img")],
                   check=True)
    got = sorted(hashlib.sha256(f.read_bytes()).hexdigest()
                 for f in tmp.glob("img-*.jpg"))
    assert got == sorted(ph["sha256"] for ph in photos)


def test_api_serves_pdf_zip_and_404(decided):
    st, rid, _ = decided
    code, body = st.call("GET", "/api/v1/receipts/%d/evidence.pdf" % rid)
    assert code == 200 and body.startswith(b"%PDF-")
    code, body = st.call("GET", "/api/v1/receipts/%d/evidence.zip" % rid)
    assert code == 200 and body.startswith(b"PK")
    for ext in ("pdf", "zip", "json"):
        code, body = st.call("GET", "/api/v1/receipts/9999/evidence." + ext)
        assert code == 404 and body["code"] == "not_found", (ext, body)
    code, body = st.call("GET", "/api/v1/receipts/x/evidence.pdf")
    assert code == 400, body
    p = st.ctl("evidence", 9999, check=False)
    assert p.returncode == 1 and "HTTP 404" in p.stderr, p.stderr


def fetch_zip(st, rid, tmp, name="pack.zip"):
    z = tmp / name
    st.ctl("evidence", rid, "-o", tmp / "p.pdf", "--zip", z)
    return z


def rewrite_zip(src, dst, change):
    """Copy @src to @dst with change(name, bytes) -> bytes per entry."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, change(info.filename, zin.read(info)))


def test_zip_verifies_and_matches_the_audit_chain(decided):
    st, rid, tmp = decided
    z = fetch_zip(st, rid, tmp)
    rec = st.receipt(rid)
    with zipfile.ZipFile(z) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        for ph in manifest["photos"]:
            assert hashlib.sha256(zf.read(ph["file"])).hexdigest() == \
                ph["sha256"]
    assert sorted(p["sha256"] for p in manifest["photos"]) == \
        sorted(p["sha256"] for p in rec["photos"])
    # each photo's hash is the one its audit entry recorded
    entries = {a["id"]: a for a in manifest["audit"]}
    for ph in manifest["photos"]:
        e = entries[ph["audit_entry"]]
        assert e["action"] == "receipt.photo"
        assert json.loads(e["detail"])["sha256"] == ph["sha256"]
    p = st.ctl("evidence", "verify", z)
    assert "%s: verified" % z in p.stdout, p.stdout
    assert "match this station's chain (intact" in p.stdout, p.stdout
    j = json.loads(st.ctl("--json", "evidence", "verify", z).stdout)
    assert j["ok"] is True and j["station"]["checked"] is True, j
    assert j["photos_checked"] == len(manifest["photos"]), j
    # with no daemon to ask: checked alone, and it says so
    p = subprocess.run([helpers.binary("retourctl"), "--socket",
                        str(tmp / "none.sock"), "evidence", "verify",
                        str(z)], capture_output=True, text=True,
                       timeout=20)
    assert p.returncode == 0, p.stderr
    assert "not checked against a station's audit chain" in p.stdout, \
        p.stdout


def test_a_changed_photo_or_manifest_line_is_named(decided):
    st, rid, tmp = decided
    z = fetch_zip(st, rid, tmp)
    with zipfile.ZipFile(z) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    victim = manifest["photos"][0]["file"]

    # a photo changed: one byte near its end
    bad = tmp / "photo-changed.zip"
    rewrite_zip(z, bad, lambda n, b: b[:-10] + bytes([b[-10] ^ 1]) + b[-9:]
                if n == victim else b)
    p = st.ctl("evidence", "verify", bad, check=False)
    assert p.returncode == 1, p.stdout
    assert "%s: its SHA-256" % victim in p.stderr, p.stderr

    # a manifest line changed to match the changed photo: the audit
    # entry still has the original hash
    def forge(n, b):
        if n != "manifest.json":
            return b
        m = json.loads(b)
        m["photos"][0]["sha256"] = hashlib.sha256(
            changed_photo).hexdigest()
        return json.dumps(m).encode()
    with zipfile.ZipFile(bad) as zf:
        changed_photo = zf.read(victim)
    forged = tmp / "manifest-forged.zip"
    rewrite_zip(bad, forged, forge)
    p = st.ctl("evidence", "verify", forged, check=False)
    assert p.returncode == 1
    assert "manifest.json: %s: SHA-256" % victim in p.stderr, p.stderr
    assert "is not the one its audit entry" in p.stderr, p.stderr

    # an audit entry's detail changed to match: its hash gives it away,
    # and the station's chain has another hash for it
    def forge_entry(n, b):
        b = forge(n, b)
        if n != "manifest.json":
            return b
        m = json.loads(b)
        e = [a for a in m["audit"] if a["id"] ==
             m["photos"][0]["audit_entry"]][0]
        d = json.loads(e["detail"])
        d["sha256"] = m["photos"][0]["sha256"]
        e["detail"] = json.dumps(d, separators=(",", ":"), sort_keys=True)
        return json.dumps(m).encode()
    forged = tmp / "entry-forged.zip"
    rewrite_zip(bad, forged, forge_entry)
    p = st.ctl("evidence", "verify", forged, check=False)
    assert p.returncode == 1
    assert re.search(r"audit entry \d+ does not match its hash", p.stderr), \
        p.stderr

    # a file slipped in, and one taken out
    extra = tmp / "extra.zip"
    with zipfile.ZipFile(z) as zin, zipfile.ZipFile(extra, "w") as zout:
        for info in zin.infolist():
            if info.filename != victim:
                zout.writestr(info, zin.read(info))
        zout.writestr("photos/99-extra.jpg", b"\xff\xd8\xff")
    p = st.ctl("evidence", "verify", extra, check=False)
    assert p.returncode == 1
    assert "photos/99-extra.jpg: in the ZIP but not in manifest.json" in \
        p.stderr, p.stderr
    assert "%s: named in manifest.json but not in the ZIP" % victim in \
        p.stderr, p.stderr


@pytest.mark.parametrize("data", [
    b"", b"PK\x03\x04" + b"\x00" * 40, b"not a zip at all",
    b"PK\x05\x06" + b"\x00" * 18])
def test_any_bytes_get_a_clear_answer(decided, data):
    _, _, tmp = decided
    f = tmp / "junk.zip"
    f.write_bytes(data)
    p = subprocess.run([helpers.binary("retourctl"), "--socket",
                        str(tmp / "none.sock"), "evidence", "verify",
                        str(f)], capture_output=True, text=True, timeout=20)
    assert p.returncode == 1, (data, p.returncode, p.stderr)
    assert "retourctl: " in p.stderr and ("ZIP" in p.stderr or
                                          "empty" in p.stderr), p.stderr


def test_a_zip_that_is_not_a_pack(decided):
    _, _, tmp = decided
    f = tmp / "other.zip"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("manifest.json", json.dumps({"format": "other/1"}))
    f.write_bytes(buf.getvalue())
    p = subprocess.run([helpers.binary("retourctl"), "--socket",
                        str(tmp / "none.sock"), "evidence", "verify",
                        str(f)], capture_output=True, text=True, timeout=20)
    assert p.returncode == 1
    assert "not a retour dispute pack" in p.stderr, p.stderr


def test_a_photo_gone_from_the_station_is_listed(decided):
    """Run last: it deletes a photo file of the shared station."""
    st, rid, tmp = decided
    rec = st.receipt(rid)
    gone = rec["photos"][0]
    Path(gone["path"]).unlink()
    pdf = tmp / "gone.pdf"
    st.ctl("evidence", rid, "-o", pdf, "--zip", tmp / "gone.zip")
    flat = " ".join(pdf_text(pdf).split())
    assert "not on the station" in flat and gone["sha256"] in flat, flat
    assert len(pdf_images(pdf)) == len(rec["photos"]) - 1
    with zipfile.ZipFile(tmp / "gone.zip") as zf:
        m = json.loads(zf.read("manifest.json"))
    listed = [p for p in m["photos"] if p["sha256"] == gone["sha256"]][0]
    assert listed["file"] is None
    assert listed["on_station"] == "not on the station"
    p = st.ctl("evidence", "verify", tmp / "gone.zip")
    assert "1 listed without their file" in p.stdout, p.stdout
