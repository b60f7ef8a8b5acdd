#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`make bench`: measure, print a table, write build/bench.json.

Numbers, each measured here and now on this machine:
  * core decision: bench_core (code classified + rules proposal), p50/p99
  * whole routine through the daemon, no photos: returns/s and the
    scan-to-decision latency (parcel scan sent -> decision recorded and
    answered), with a simulated MT-SICS scale on a pty and every checklist
    step answered at once through the API by tests/bench/bench_routine.c
    on one kept-alive connection, as a touchscreen client would
  * SQLite bytes per return (expected return + receipt + answers + audit +
    outbox, after a WAL checkpoint), idle RSS, start to READY (sd_notify)
The daemon runs with the webhook connector configured, as every station
does (its sender and libcurl are in the idle RSS); the 30 s grace period
outlasts the run, so nothing is sent to its closed port.
"""
import http.client
import json
import multiprocessing
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from sim.scale import SimScale  # noqa: E402
from simdesk import UnixHTTPConnection  # noqa: E402

BUILD = os.environ.get("RETOUR_BUILD", "build")
RETURNS = int(os.environ.get("RETOUR_BENCH_RETURNS", "300"))


class ScaleProcess:
    """The simulated scale in a process of its own: in this one, its thread
    would wait for the GIL behind the client's loop and add milliseconds to
    every weighing that a real scale on a serial line does not."""

    def __init__(self, link, weight_g):
        ctx = multiprocessing.get_context("fork")
        self._ready, self._stop = ctx.Event(), ctx.Event()
        self._proc = ctx.Process(target=self._run, args=(link, weight_g),
                                 daemon=True)
        self._proc.start()
        if not self._ready.wait(5):
            raise RuntimeError("the simulated scale did not start")

    def _run(self, link, weight_g):
        scale = SimScale(link, weight_g=weight_g)
        self._ready.set()
        self._stop.wait()
        scale.close()

    def close(self):
        self._stop.set()
        self._proc.join(5)


_conns = {}


def api(sock, method, path, body=None):
    """One request on a kept-alive connection, as a touchscreen client
    holds one; reconnects once if the daemon closed it."""
    for attempt in (0, 1):
        c = _conns.get(sock)
        if c is None:
            c = _conns[sock] = UnixHTTPConnection(sock)
        try:
            c.request(method, path,
                      body=json.dumps(body) if body is not None else None,
                      headers={"Content-Type": "application/json"})
            r = c.getresponse()
            data = r.read()
            return r.status, json.loads(data) if data else None
        except (http.client.HTTPException, OSError):
            c.close()
            del _conns[sock]
            if attempt:
                raise


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * p / 100))]


def write_config(d, scale_link):
    root = os.getcwd()
    board = os.path.join(d, "board.conf")
    with open(board, "w") as f:
        f.write(f"""[board]
name = bench
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
    conf = os.path.join(d, "retourd.conf")
    with open(conf, "w") as f:
        f.write(f"""[station]
desk = bench
database = {d}/retour.db
photos = {d}/photos
checklists = {root}/checklists
board = {board}
grace_s = 30
[shop]
name = bench
rma_pattern = RMA-*
[api]
socket = {d}/retourd.sock
[outbox]
connector = webhook
url = http://127.0.0.1:9/hooks/retour
secret_file = {root}/conf/sim-webhook.secret
[clerks]
CLERK-0001 = Bench
""")
    os.makedirs(f"{d}/labels", exist_ok=True)
    return conf


def start_daemon(conf, d):
    """Start retourd, return (process, seconds from exec to READY=1)."""
    ns = os.path.join(d, "notify.sock")
    if os.path.exists(ns):
        os.unlink(ns)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(ns)
    s.settimeout(5)
    env = dict(os.environ, NOTIFY_SOCKET=ns)
    t0 = time.perf_counter()
    p = subprocess.Popen([os.path.join(BUILD, "retourd"), "-c", conf],
                         env=env, stderr=open(os.path.join(d, "log"), "ab"))
    ready = None
    while ready is None:
        msg = s.recv(4096)
        if b"READY=1" in msg:
            ready = time.perf_counter() - t0
    s.close()
    return p, ready


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def db_bytes(path):
    c = sqlite3.connect(path, timeout=10)
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()
    size = os.path.getsize(path)
    wal = path + "-wal"
    return size + (os.path.getsize(wal) if os.path.exists(wal) else 0)


def expected(i, today):
    return {"rma": "RMA-%06d" % i, "order": "ORD-%06d" % i, "shop": "bench",
            "kind": "withdrawal", "currency": "PLN",
            "delivered_at": today, "delivery_basic_minor": 1299,
            "items": [{"sku": "TSHIRT-M", "gtin": "05901234123457",
                       "name": "T-shirt M", "category": "apparel",
                       "quantity": 1, "unit_price_minor": 4999,
                       "weight_g": 400}]}


def main():
    results = []
    out = subprocess.run([os.path.join(BUILD, "bench", "bench_core")],
                         capture_output=True, text=True, check=True)
    for line in out.stdout.splitlines():
        results.append(json.loads(line))

    d = tempfile.mkdtemp(prefix="retour-bench-")
    scale = ScaleProcess(os.path.join(d, "scale"), weight_g=420)
    conf = write_config(d, os.path.join(d, "scale"))
    readies = []
    for _ in range(7):
        p, ready = start_daemon(conf, d)
        readies.append(ready)
        p.terminate()
        p.wait(10)
    p, ready = start_daemon(conf, d)
    sock = os.path.join(d, "retourd.sock")
    time.sleep(1.0)
    idle_rss = rss_kib(p.pid)
    try:
        api(sock, "POST", "/api/v1/clerk", {"badge": "CLERK-0001"})
        before = db_bytes(os.path.join(d, "retour.db"))
        today = time.strftime("%Y-%m-%d", time.gmtime())
        for start in range(0, RETURNS, 500):
            batch = [expected(i, today)
                     for i in range(start, min(RETURNS, start + 500))]
            status, ans = api(sock, "POST", "/api/v1/expected",
                              {"returns": batch})
            if status != 200:
                raise RuntimeError("import failed: %s" % ans)
        # The routine is driven from C (tests/bench/bench_routine.c), so the
        # numbers are the daemon's and the socket's, not Python's.
        out = subprocess.run([os.path.join(BUILD, "bench", "bench_routine"),
                              sock, "0", str(RETURNS), "05901234123457"],
                             capture_output=True, text=True, check=True)
        run = json.loads(out.stdout)
        lat = [us / 1e6 for us in run["lat_us"]]
        wall = run["wall_us"] / 1e6
        after = db_bytes(os.path.join(d, "retour.db"))
        busy_rss = rss_kib(p.pid)
    finally:
        p.terminate()
        p.wait(10)
        scale.close()

    results += [
        {"name": "routine throughput (sequential, no photos)",
         "value": round(RETURNS / wall, 1), "unit": "returns/s",
         "target": ">= 200"},
        {"name": "scan-to-decision p50", "value": round(pct(lat, 50) * 1e3, 3),
         "unit": "ms", "target": ""},
        {"name": "scan-to-decision p99", "value": round(pct(lat, 99) * 1e3, 3),
         "unit": "ms", "target": "< 5"},
        {"name": "SQLite bytes per return", "value":
         round((after - before) / RETURNS), "unit": "bytes",
         "target": "<= 4096"},
        {"name": "idle RSS of retourd", "value": round(idle_rss / 1024, 2),
         "unit": "MiB", "target": "<= 10"},
    ]
    # What the libraries alone cost, to read the row above against.
    out = subprocess.run([os.path.join(BUILD, "bench", "rss_floor")],
                         capture_output=True, text=True, check=True)
    results.append(json.loads(out.stdout))
    results += [
        {"name": "RSS after the run", "value": round(busy_rss / 1024, 2),
         "unit": "MiB", "target": ""},
        {"name": "start to READY (median of 8)", "value":
         round(statistics.median(readies + [ready]) * 1e3, 1), "unit": "ms",
         "target": "<= 150"},
        {"name": "start to READY (worst of 8)", "value":
         round(max(readies + [ready]) * 1e3, 1), "unit": "ms", "target": ""},
    ]
    os.makedirs(BUILD, exist_ok=True)
    with open(os.path.join(BUILD, "bench.json"), "w") as f:
        json.dump(results, f, indent=1)
    w = max(len(r["name"]) for r in results)
    print("%-*s  %12s  %-9s  %s" % (w, "measure", "value", "unit", "target"))
    for r in results:
        print("%-*s  %12s  %-9s  %s" % (w, r["name"], r["value"], r["unit"],
                                        r["target"]))
    print("(%d returns through the daemon, %s)" % (RETURNS, d))


if __name__ == "__main__":
    main()
