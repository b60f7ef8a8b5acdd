#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Backups, for `make bench` (scripts/bench.py runs every
scripts/bench.d/*.py and reads the JSON list on its last line).

A station is filled directly (not through the desk, which would take
hours): RECEIPTS decided receipts, each with one photo of PHOTO_BYTES
random bytes in the content-addressed tree, in one transaction while the
daemon is stopped.  Then, with the daemon running:
  * `retourctl backup` into an empty directory (everything copied), and
    again into the same one (only the new photos: none), wall time;
  * the desk's scan-to-decision p99 (tests/bench/bench_routine.c, as in
    bench.py's flood rows) with the daemon idle and while backups run back
    to back beside it, in alternating rounds so that a neighbour's load
    on the machine falls on both; the ratio's target is at most 2.
"""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import bench as B  # noqa: E402

RECEIPTS = int(os.environ.get("RETOUR_BENCH_BACKUP_RECEIPTS", "10000"))
PHOTO_BYTES = int(os.environ.get("RETOUR_BENCH_BACKUP_PHOTO_BYTES", "8192"))
RETURNS = int(os.environ.get("RETOUR_BENCH_BACKUP_RETURNS", "60"))
ROUNDS = int(os.environ.get("RETOUR_BENCH_BACKUP_ROUNDS", "2"))
US_DAY = 86400 * 1000000


def fill(d, db_path):
    """RECEIPTS decided receipts with one photo each, straight into the
    file and the photo tree."""
    now = int(time.time() * 1e6)
    db = sqlite3.connect(db_path)
    rows, photos = [], []
    for i in range(RECEIPTS):
        data = os.urandom(PHOTO_BYTES)
        sha = hashlib.sha256(data).hexdigest()
        sub = os.path.join(d, "photos", sha[:2])
        os.makedirs(sub, exist_ok=True)
        path = os.path.join(sub, sha[2:] + ".jpg")
        with open(path, "wb") as f:
            f.write(data)
        at = now - (RECEIPTS - i) * 60 * 1000000
        rows.append((i + 1, "bench", "CLERK-0001", "RMA-F%06d" % i, at,
                     at + 30 * 1000000))
        photos.append((i + 1, sha, path, PHOTO_BYTES, "parcel", at))
    with db:
        db.executemany(
            "INSERT INTO receipt (id, routine, desk, clerk, code, state,"
            " received_at, verdict, decided_at, decided_by, currency,"
            " refund_minor) VALUES (?, 'return', ?, ?, ?, 'decided', ?,"
            " 'accept', ?, 'CLERK-0001', 'PLN', 4999)",
            [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows])
        db.executemany(
            "INSERT INTO photo (receipt_id, sha256, path, bytes, step,"
            " taken_at, clerk) VALUES (?, ?, ?, ?, ?, ?, 'CLERK-0001')",
            photos)
    db.close()


def backup(conf, dest):
    t0 = time.perf_counter()
    out = subprocess.run([os.path.join(B.BUILD, "retourctl"), "-c", conf,
                          "--json", "backup", dest], capture_output=True,
                         text=True)
    if out.returncode:
        raise RuntimeError("backup failed: %s%s" % (out.stdout, out.stderr))
    got = json.loads(out.stdout)
    got["wall_s"] = time.perf_counter() - t0
    return got


class Backups:
    """Backups back to back, each into a fresh directory, until stopped."""

    def __init__(self, conf, d):
        self.conf, self.d, self.n, self.error = conf, d, 0, None
        self.d = os.path.join(d, "during")
        os.makedirs(self.d, exist_ok=True)
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        # each a whole backup into a fresh directory; they are removed
        # after the phase, so no deleting competes with the desk
        while not self._stop.is_set():
            dest = os.path.join(self.d, "during-%d" % self.n)
            os.makedirs(dest)
            try:
                backup(self.conf, dest)
                self.n += 1
            except RuntimeError as e:
                self.error = str(e)
                return

    def stop(self):
        self._stop.set()
        self._t.join()
        for i in range(self.n + 1):
            shutil.rmtree(os.path.join(self.d, "during-%d" % i),
                          ignore_errors=True)
        return self.n


def main():
    d = tempfile.mkdtemp(prefix="retour-bench-backup-")
    scale = None
    try:
        link = os.path.join(d, "scale")
        scale = B.ScaleProcess(link, 400)
        conf = B.write_config(d, link)
        B.Daemon(conf, d).stop()          # the schema
        t0 = time.perf_counter()
        fill(d, os.path.join(d, "retour.db"))
        fill_s = time.perf_counter() - t0
        daemon = B.Daemon(conf, d)
        sock = os.path.join(d, "retourd.sock")
        try:
            dest = os.path.join(d, "drive")
            os.makedirs(dest)
            full = backup(conf, dest)
            again = backup(conf, dest)
            B.sign_in(sock)
            B.import_expected(sock, 2 * ROUNDS * RETURNS)
            idle, during, first, runs = [], [], 0, 0
            for _ in range(ROUNDS):
                run = B.run_routine(sock, RETURNS, first)
                idle += [us / 1e3 for us in run["lat_us"]]
                first += RETURNS
                bk = Backups(conf, d)
                try:
                    run = B.run_routine(sock, RETURNS, first)
                    during += [us / 1e3 for us in run["lat_us"]]
                finally:
                    B.forget_connection(sock)
                    runs += bk.stop()
                if bk.error:
                    raise RuntimeError(bk.error)
                first += RETURNS
        finally:
            B.forget_connection(sock)
            daemon.stop()
    finally:
        if scale:
            scale.close()
        shutil.rmtree(d, ignore_errors=True)
    p99_idle, p99_during = B.pct(idle, 99), B.pct(during, 99)
    mib = full["database_bytes"] / 1048576.0
    print(json.dumps([
        {"name": "backup, %d receipts with photos" % RECEIPTS,
         "value": round(full["wall_s"], 2), "unit": "s", "target": "",
         "note": "database %.1f MiB + %d photos of %d B, all copied "
         "(filled directly in %.1f s)" % (mib, full["photos"], PHOTO_BYTES,
                                          fill_s)},
        {"name": "backup again, nothing new", "value":
         round(again["wall_s"], 2), "unit": "s", "target": "",
         "note": "%d photos copied (incremental)" % again["photos_copied"]},
        {"name": "scan-to-decision p99, idle (backup rows)",
         "value": round(p99_idle, 2), "unit": "ms", "target": "",
         "note": "%d returns in %d rounds" % (len(idle), ROUNDS)},
        {"name": "scan-to-decision p99, backups running",
         "value": round(p99_during, 2), "unit": "ms", "target": "",
         "note": "%d returns beside %d whole backups" % (len(during),
                                                         runs)},
        {"name": "scan-to-decision p99 ratio, backup / idle",
         "value": round(p99_during / p99_idle, 2) if p99_idle else None,
         "unit": "x", "target": "<= 2", "note": "same run, alternating"},
    ]))


if __name__ == "__main__":
    main()
