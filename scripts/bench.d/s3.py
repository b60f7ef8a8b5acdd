#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Photo upload to an S3-compatible bucket, for `make bench`
(scripts/bench.py runs every scripts/bench.d/*.py and reads the JSON list
on its last line).

PHOTOS distinct 1280x720 JPEGs (a gradient with noise, as a camera's
photo compresses) are taken at a desk through the API (POST /api/v1/photo
into an open parcel) while the fake S3 server (npm's s3rver, tests/s3) is
down, so every upload is queued; the daemon is stopped, the rows made due
at once in the database (as scripts/bench.d/outbox.py does), the server
started, and a fresh daemon started against it.  Measured: from the
daemon's spawn to the last upload recorded done (start included), and
the steady rate between the first and the last upload done (PHOTOS - 1
photos over that span, from the rows' delivered_at).  Beside it, in the
same run, Debian's s3cmd puts the same files into the same server in one
command (its start included), and the ratio of the two whole rates.
"""
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "system"))
sys.path.insert(0, os.path.join(ROOT, "tests", "s3"))
import s3server  # noqa: E402
from helpers import Station, expected_return, wait_for  # noqa: E402

PHOTOS = int(os.environ.get("RETOUR_BENCH_S3_PHOTOS", "100"))
MB = 1e6


def camera_photos(d, n):
    from PIL import Image, ImageFilter

    rnd = random.Random(7)
    os.makedirs(d, exist_ok=True)
    paths = []
    for i in range(n):
        w, h = 1280, 720
        base = Image.linear_gradient("L").resize((w, h)).convert("RGB")
        noise = Image.frombytes("RGB", (w // 4, h // 4),
                                rnd.randbytes(w // 4 * h // 4 * 3))
        noise = noise.resize((w, h)).filter(ImageFilter.GaussianBlur(1))
        img = Image.blend(base, noise, 0.35)
        p = os.path.join(d, "photo-%04d.jpg" % i)
        img.save(p, "JPEG", quality=85)
        paths.append(p)
    return paths


def main():
    why = s3server.available()
    if why:
        raise SystemExit(why)
    tmp = tempfile.mkdtemp(prefix="bench-s3-")
    files = camera_photos(os.path.join(tmp, "camera"), PHOTOS)
    total = sum(os.path.getsize(p) for p in files)
    s3 = s3server.S3Server()
    st = Station(camera_dir=os.path.join(tmp, "camera"))
    try:
        kid = st.dir / "s3-key-id"
        sec = st.dir / "s3-secret"
        kid.write_text(s3server.KEY_ID + "\n")
        sec.write_text(s3server.SECRET + "\n")
        kid.chmod(0o600)
        sec.chmod(0o600)
        st.cfg["photo upload"] = {
            "endpoint": s3.endpoint, "region": "us-east-1",
            "bucket": s3.bucket, "prefix": "station/",
            "access_key_id_file": str(kid),
            "secret_access_key_file": str(sec)}
        st.write_config()
        s3.stop()
        st.start()
        st.sign_in()
        st.import_expected(expected_return())
        st.feed("RMA-10001")
        rid = wait_for(lambda: st.status().get("receipt"), what="a parcel")
        for i in range(PHOTOS):
            code, _ = st.call("POST", "/api/v1/photo")
            assert code == 200
            wait_for(lambda: len(st.receipt(rid)["photos"]) >= i + 1,
                     timeout=10, what="photo %d" % (i + 1))
        st.stop()
        with sqlite3.connect(str(st.db)) as db:
            db.execute("UPDATE outbox SET next_attempt_at = 0 "
                       "WHERE action = 'photo.upload'")
        s3.start()
        spawn_us = time.time() * 1e6
        st.start()

        def done():
            with sqlite3.connect("file:%s?mode=ro" % st.db, uri=True) as db:
                return db.execute(
                    "SELECT count(*), min(delivered_at), max(delivered_at) "
                    "FROM outbox WHERE action = 'photo.upload' "
                    "AND state = 'done'").fetchone()
        n, first, last = wait_for(lambda: (r := done())[0] == PHOTOS and r,
                                  timeout=120, interval=0.01,
                                  what="every photo uploaded")
        st.stop()
        whole_s = (last - spawn_us) / 1e6
        steady_s = (last - first) / 1e6
        station_mbs = total / MB / whole_s
        steady_mbs = total * (PHOTOS - 1) / PHOTOS / MB / steady_s
        # the peer: the same files, the same server, one s3cmd command
        t0 = time.monotonic()
        s3.s3cmd("put", *files, "s3://%s/s3cmd/" % s3.bucket, timeout=600)
        peer_s = time.monotonic() - t0
        peer_mbs = total / MB / peer_s
        assert len(s3.listing()) == 2 * PHOTOS
    finally:
        st.close()
        st.cleanup()
        s3.close()
        subprocess.run(["rm", "-rf", tmp])
    note = "%d photos of 1280x720, %.0f KB each on average" % (
        PHOTOS, total / PHOTOS / 1000)
    print(json.dumps([
        {"name": "photo upload, station (start included)",
         "value": round(station_mbs, 2), "unit": "MB/s", "target": "",
         "note": "%s; %.1f photos/s, %.2f s in all" % (
             note, PHOTOS / whole_s, whole_s)},
        {"name": "photo upload, station steady",
         "value": round(steady_mbs, 2), "unit": "MB/s", "target": "",
         "note": "%.1f photos/s between the first and the last done" % (
             (PHOTOS - 1) / steady_s)},
        {"name": "photo upload, s3cmd put (start included)",
         "value": round(peer_mbs, 2), "unit": "MB/s", "target": "",
         "note": "the same files to the same s3rver; %.1f photos/s, "
         "%.2f s" % (PHOTOS / peer_s, peer_s)},
        {"name": "photo upload, station / s3cmd",
         "value": round(station_mbs / peer_mbs, 2), "unit": "x",
         "target": "", "note": "whole rates, both starts included"},
    ]))


if __name__ == "__main__":
    main()
