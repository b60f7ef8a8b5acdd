#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The outbox, for `make bench` (scripts/bench.py runs every
scripts/bench.d/*.py and reads the JSON list on its last line).

Drain rate: DRAIN_N refunds are decided through the real routine
(build/bench/bench_routine, as bench.py makes returns) with a grace period
of an hour, so none is due; the daemon is stopped, the refund rows made
due at once in the database (the other events stay in their grace), and a
fresh daemon started against build/bench/fast_shop (tests/bench/
fast_shop.c: C, epoll, answers at once).  The rate is the refunds the shop
got per second from READY until the last one.  Beside it, in the same run,
the raw rate: build/bench/raw_post sending the same body DRAIN_N times, one
request at a time on fresh connections (as the station sends a refund),
without the station; and the ratio.  The Python fake shop's raw rate
(scripts/sim/shop.py) shows why it is not the bench's receiver.

Recovery: RECOVERY_N refunds are decided as for the drain (with their
other events), all made due, and a daemon started with the shop down (its
port closed) for OUTAGE_S seconds: the sender tries and backs off
meanwhile, with the station's default backoff, 1 s doubling to 10 min.
Then the shop comes back on the same port and the time until every outbox
row is done is measured, and the duplicates the shop saw (by
webhook-id, the refund key's carrier).  `make bench` takes a 10 s outage
(RETOUR_BENCH_OUTAGE_S), `make soak` the full 60 s.
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import bench  # noqa: E402  (scripts/bench.py: the daemon, the routine)
from sim.shop import FakeShop  # noqa: E402
from sim.station import station_config  # noqa: E402

BUILD = os.environ.get("RETOUR_BUILD", "build")
ROOT = os.path.dirname(os.path.dirname(HERE))
DRAIN_N = int(os.environ.get("RETOUR_BENCH_DRAIN", "1000"))
RECOVERY_N = int(os.environ.get("RETOUR_BENCH_RECOVERY", "1000"))
OUTAGE_S = float(os.environ.get("RETOUR_BENCH_OUTAGE_S", "10"))


class FastShop:
    def __init__(self, d, port=0):
        self.portfile = os.path.join(d, "shop.port")
        if os.path.exists(self.portfile):
            os.unlink(self.portfile)
        self.bodyfile = os.path.join(d, "shop")
        self.proc = subprocess.Popen(
            [os.path.join(BUILD, "bench", "fast_shop"), self.portfile,
             self.bodyfile, str(port)])
        deadline = time.monotonic() + 5
        while not (os.path.exists(self.portfile) and
                   open(self.portfile).read().endswith("\n")):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("fast_shop did not start")
            time.sleep(0.01)
        self.port = int(open(self.portfile).read())
        self.url = "http://127.0.0.1:%d/hooks/retour" % self.port

    def stats(self):
        with urllib.request.urlopen("http://127.0.0.1:%d/stats" % self.port,
                                    timeout=5) as r:
            return json.loads(r.read())

    def close(self):
        self.proc.terminate()
        self.proc.wait(5)


def config(d, url, grace_s, scale_link):
    board = os.path.join(d, "board.conf")
    with open(board, "w") as f:
        f.write(f"""[board]
name = bench-outbox
[scanner]
backend = none
[scale]
backend = mtsics
path = {scale_link}
stable_timeout_ms = 2000
reply_timeout_ms = 500
[printer]
backend = dir
dir = {d}/labels
[camera]
backend = none
[gpio]
backend = sim
""")
    os.makedirs(os.path.join(d, "labels"), exist_ok=True)
    return station_config(d, "bench", board, url=url,
                          station_extra="grace_s = %d\n" % grace_s,
                          clerk=True)


def db_count(db, where):
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=10)
    try:
        return c.execute("SELECT count(*) FROM outbox WHERE " +
                         where).fetchone()[0]
    finally:
        c.close()


def make_returns(d, conf, n):
    daemon = bench.Daemon(conf, d)
    sock = os.path.join(d, "retourd.sock")
    try:
        bench.sign_in(sock)
        bench.import_expected(sock, n)
        bench.run_routine(sock, n)
    finally:
        bench.forget_connection(sock)
    return daemon


def drain(d, scale_link):
    shop = FastShop(d)
    try:
        conf = config(d, shop.url, 3600, scale_link)
        make_returns(d, conf, DRAIN_N).stop()
        db = os.path.join(d, "retour.db")
        c = sqlite3.connect(db, timeout=10)
        with c:
            queued = c.execute(
                "UPDATE outbox SET not_before = 0, next_attempt_at = 0 "
                "WHERE action = 'refund.requested' AND state = 'pending'"
            ).rowcount
        c.close()
        if queued != DRAIN_N:
            raise RuntimeError("%d refunds queued, not %d" %
                               (queued, DRAIN_N))
        # The parcels' own events (return.received, return.inspected) went
        # while the returns were made; from here the shop gets the
        # refunds and, as each is done, its refund.succeeded event: the
        # station's real work.  Refunds are counted in the database.
        refund_done = "action = 'refund.requested' AND state = 'done'"
        before = shop.stats()
        daemon = bench.Daemon(conf, d)
        t0 = time.perf_counter()
        at_ready = db_count(db, refund_done)
        perf = None
        if os.environ.get("RETOUR_BENCH_PERF"):    # where the time goes
            perf = subprocess.Popen(["perf", "record", "-g", "-o",
                                     os.environ["RETOUR_BENCH_PERF"], "-p",
                                     str(daemon.pid)],
                                    stderr=subprocess.DEVNULL)
        deadline = t0 + 120
        while db_count(db, refund_done) < DRAIN_N:
            if time.perf_counter() > deadline:
                raise RuntimeError("drain: %d of %d after 120 s" %
                                   (db_count(db, refund_done), DRAIN_N))
            time.sleep(0.01)
        t1 = time.perf_counter()
        if perf:
            perf.send_signal(2)
            perf.wait(30)
        sent = shop.stats()["posts"] - before["posts"]
        daemon.stop()
        got = shop.stats()
        done = db_count(db, refund_done)
        if done != DRAIN_N or got["duplicates"] != before["duplicates"]:
            raise RuntimeError("drain: %d done, shop %s" % (done, got))
        rate = (DRAIN_N - at_ready) / (t1 - t0)
        requests_rate = sent / (t1 - t0)
        raw = subprocess.run([os.path.join(BUILD, "bench", "raw_post"),
                              shop.url, shop.bodyfile + ".body",
                              str(DRAIN_N)], capture_output=True, text=True,
                             check=True)
        raw = json.loads(raw.stdout)
        if raw["failed"]:
            raise RuntimeError("raw: %s" % raw)
        raw_rate = raw["posts"] / raw["seconds"]
    finally:
        shop.close()
    py = FakeShop("whsec_" + "QUJD" * 8)
    try:
        out = subprocess.run([os.path.join(BUILD, "bench", "raw_post"),
                              py.url, shop.bodyfile + ".body",
                              str(DRAIN_N)], capture_output=True, text=True,
                             check=True)
        py_rate = DRAIN_N / json.loads(out.stdout)["seconds"]
    finally:
        py.close()
    return rate, raw_rate, py_rate, at_ready, requests_rate


def recovery(d, scale_link):
    port = bench_free_port()
    url = "http://127.0.0.1:%d/hooks/retour" % port
    conf = config(d, url, 3600, scale_link)
    # The refunds are made first (their grace keeps them back), so that
    # the desk does not compete with the failing sender on a loaded
    # machine; then they are all due, and the daemon starts with the
    # shop down.
    make_returns(d, conf, RECOVERY_N).stop()
    db = os.path.join(d, "retour.db")
    c = sqlite3.connect(db, timeout=10)
    with c:
        c.execute("UPDATE outbox SET not_before = 0, next_attempt_at = 0 "
                  "WHERE state = 'pending'")
    c.close()
    down_at = time.perf_counter()
    daemon = bench.Daemon(conf, d)
    made_s = 0.0
    try:
        # The outage itself: the sender tries and backs off meanwhile.
        time.sleep(OUTAGE_S)
        pending = db_count(db, "state = 'pending'")
        shop = FastShop(d, port)
        try:
            t0 = time.perf_counter()
            made_s = t0 - down_at
            deadline = t0 + 1800
            while db_count(db, "state = 'pending'"):
                if time.perf_counter() > deadline:
                    raise RuntimeError("recovery: rows pending after 30 min")
                time.sleep(0.05)
            t1 = time.perf_counter()
            got = shop.stats()
        finally:
            shop.close()
    finally:
        daemon.stop()
    refunds = db_count(db, "action = 'refund.requested' AND state = 'done'")
    if refunds != RECOVERY_N:
        raise RuntimeError("recovery: %d refunds done, not %d" %
                           (refunds, RECOVERY_N))
    return t1 - t0, got, pending, made_s


def bench_free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    d = tempfile.mkdtemp(prefix="retour-bench-outbox-")
    scale_link = os.path.join(d, "scale")
    scale = bench.ScaleProcess(scale_link, weight_g=420)
    try:
        os.makedirs(os.path.join(d, "drain"))
        rate, raw_rate, py_rate, early, req_rate = drain(
            os.path.join(d, "drain"), scale_link)
        os.makedirs(os.path.join(d, "recovery"))
        rec_s, got, pending, made_s = recovery(os.path.join(d, "recovery"),
                                               scale_link)
    finally:
        scale.close()
    note = ("%d refunds, webhook connector, one connection (claims "
            "batched), fast_shop (C); %d done before READY; with each "
            "refund its refund.succeeded event: %.0f requests/s in all; "
            "load average %s" % (DRAIN_N, early, req_rate,
                                 open("/proc/loadavg").read().split()[0]))
    rows = [
        {"name": "outbox drain rate (refunds to a shop answering at once)",
         "value": round(rate, 1), "unit": "refunds/s", "target": ">= 500",
         "note": note},
        {"name": "raw rate, same shop, same bodies (one client, no station)",
         "value": round(raw_rate, 1), "unit": "posts/s", "target": "",
         "note": "build/bench/raw_post, libcurl, a fresh connection each"},
        {"name": "outbox drain rate / raw rate", "value":
         round(rate / raw_rate, 3), "unit": "x", "target": ""},
        {"name": "raw rate to the Python fake shop (scripts/sim/shop.py)",
         "value": round(py_rate, 1), "unit": "posts/s", "target": "",
         "note": "why the bench's receiver is fast_shop"},
        {"name": "outbox recovery: time to drain after a %g s outage"
         % OUTAGE_S, "value": round(rec_s, 2), "unit": "s", "target": "",
         "note": "%d refunds (+ their events, %d rows pending at come-back) "
         "queued, the daemon started with the shop down (%.1f s; the "
         "outage lasted %.1f s); default backoff 1 s doubling to 10 min, jittered; the "
         "first row done puts the others back to due%s" %
         (RECOVERY_N, pending, made_s, max(made_s, OUTAGE_S),
          "" if OUTAGE_S >= 60 else "; make soak runs the 60 s one")},
        {"name": "outbox recovery: duplicates at the shop", "value":
         got["duplicates"], "unit": "requests", "target": "<= 0",
         "note": "%d requests, %d keys" % (got["posts"], got["unique"])},
    ]
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
