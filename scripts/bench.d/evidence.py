#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Bench of the dispute pack (include/retour/evidence.h), through the
daemon as a support agent gets it.

  * a receipt with 6 photos of 1280x720 (made by tests/bench/
    evidence_photos.c with the camera's own JPEG encoder, texture and
    noise so each is a camera-sized file), taken by the desk's camera
    backend "dir" while the parcel is at the items step
  * GET /api/v1/receipts/{id}/evidence.pdf and .zip over the Unix socket,
    ROUNDS times each: the median and the slowest wall time (the store's
    read, the photo files read and hashed, the PDF drawn or the ZIP
    written, and the transfer), and each file's size beside the photos'
  * retourctl evidence verify of the ZIP (the photos hashed, the manifest
    checked, the station asked), one whole process, median

Env RETOUR_BUILD: the build dir (retourd, retourctl and
bench/evidence_photos built there).  The last line of stdout is the JSON
list of rows.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
BUILD = os.environ.get("RETOUR_BUILD", os.path.join(ROOT, "build"))
os.environ.setdefault("RETOUR_BUILD", BUILD)
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
import helpers  # noqa: E402  (the system tests' desk: daemon, scale, shop)

PHOTOS = 6
ROUNDS = int(os.environ.get("RETOUR_BENCH_EVIDENCE_ROUNDS", "10"))


def row(name, value, unit, target="", note=""):
    return {"name": name, "value": value, "unit": unit, "target": target,
            "note": note}


def timed_get(st, path):
    times, body = [], None
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        code, body = st.call("GET", path, timeout=60)
        times.append((time.perf_counter() - t0) * 1000)
        if code != 200:
            raise RuntimeError("%s: HTTP %d %r" % (path, code, body))
    return statistics.median(times), max(times), body


def main():
    rows = []
    with tempfile.TemporaryDirectory(prefix="rt-ev-") as d:
        subprocess.run([os.path.join(BUILD, "bench", "evidence_photos"), d,
                        str(PHOTOS), "1280", "720", "85"], check=True)
        photo_bytes = sum(os.path.getsize(os.path.join(d, f))
                          for f in os.listdir(d))
        st = helpers.Station(camera_dir=d)
        try:
            st.start()
            st.import_expected(helpers.expected_return())
            st.sign_in()
            s = st.run_to("RMA-10001", stop_at="items", items_done=False)
            rid = s["receipt"]
            while len(st.receipt(rid)["photos"]) < PHOTOS:
                n = len(st.receipt(rid)["photos"])
                st.ok("POST", "/api/v1/photo")
                helpers.wait_for(
                    lambda: len(st.receipt(rid)["photos"]) > n,
                    what="photo %d recorded" % (n + 1))
            shas = {p["sha256"] for p in st.receipt(rid)["photos"]}
            if len(shas) != PHOTOS:
                raise RuntimeError("the camera gave %d distinct photos"
                                   % len(shas))
            base = "/api/v1/receipts/%d/evidence." % rid
            pdf_ms, pdf_max, pdf = timed_get(st, base + "pdf")
            zip_ms, zip_max, zipped = timed_get(st, base + "zip")
            zpath = os.path.join(d, "pack.zip")
            with open(zpath, "wb") as f:
                f.write(zipped)
            verify = []
            for _ in range(ROUNDS):
                t0 = time.perf_counter()
                st.ctl("evidence", "verify", zpath)
                verify.append((time.perf_counter() - t0) * 1000)
        finally:
            st.close()
            st.cleanup()
    note = "%d photos 1280x720, %.0f KiB of JPEG; median of %d, slowest " \
        "%.0f ms" % (PHOTOS, photo_bytes / 1024, ROUNDS, pdf_max)
    rows.append(row("dispute pack: PDF built and served",
                    round(pdf_ms, 1), "ms", "< 1000", note))
    rows.append(row("dispute pack: PDF size", round(len(pdf) / 1024, 1),
                    "KiB", "", "the photos are %.0f KiB of it (embedded "
                    "as their JPEG files)" % (photo_bytes / 1024)))
    rows.append(row("dispute pack: ZIP built and served",
                    round(zip_ms, 1), "ms", "< 1000",
                    "median of %d, slowest %.0f ms" % (ROUNDS, zip_max)))
    rows.append(row("dispute pack: ZIP size",
                    round(len(zipped) / 1024, 1), "KiB", "",
                    "photos stored, manifest deflated"))
    rows.append(row("dispute pack: retourctl evidence verify",
                    round(statistics.median(verify), 1), "ms", "",
                    "a whole process: the ZIP read, 6 photos hashed, the "
                    "station asked"))
    for r in rows:
        print("%-44s %10s %-4s %s" % (r["name"], r["value"], r["unit"],
                                      r["note"]))
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
