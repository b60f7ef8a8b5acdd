#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`make bench`: measure, print a table, write build/bench.json.

Numbers, each measured here and now on this machine, never written down:
  * core decision: bench_core (code classified + rules proposal), p50/p99
  * whole routine through the daemon, no photos: returns/s, wall time and
    retourd's CPU time (user + system, /proc/PID/stat) per return, and the
    scan-to-decision latency (parcel scan sent -> decision recorded and
    answered), with a simulated MT-SICS scale on a pty and every checklist
    step answered at once through the API by tests/bench/bench_routine.c
    on one kept-alive connection, as a touchscreen client would
  * the durability floor in the same run: 4 KiB appended + fdatasync in
    the database's directory (tests/bench/fsync_probe.c), p50/p99 beside
    scan-to-decision's
  * SQLite bytes per return: the database's pages (page_count * page_size)
    after a fixed set of returns, the daemon stopped and the WAL
    checkpointed, minus the same before the import; pages, not the files'
    sizes, so two runs of one build give one number
  * memory: retourd's private dirty memory (Private_Dirty in
    /proc/PID/smaps_rollup, what it costs a board) and its RSS, idle
  * start to READY (sd_notify)
  * fsyncs per return, in a step of its own: a fresh daemon under Debian's
    strace, its sync calls counted while a fixed set of returns runs
  * the desk under an import flood, in a step of its own (a fresh daemon):
    scan-to-decision p50/p99 and GET /status latency with the daemon idle
    and while FLOOD_CLIENTS clients post expected returns
    (POST /api/v1/expected, FLOOD_BATCH a request) as fast as the daemon
    takes them (a 503 is retried after its Retry-After), in alternating
    rounds so that a neighbour's load on the machine falls on both; the
    flood's p99 over the idle p99 is the ratio the desk must keep (the
    flood at most doubles it); and the expected returns the flood got
    stored meanwhile
  * the devices' own figures: every scripts/bench.d/*.py is run and prints
    its rows as one JSON list on its last line of output (name, value,
    unit, target, note), each measured there beside its peer where one
    exists (zbarimg for the camera decoder)
A footer says where a return's wall time goes.
The daemon runs with the webhook connector configured, as every station
does (its sender and libcurl are in the idle memory); the 30 s grace
period outlasts the run, so nothing is sent to its closed port.
"""
import http.client
import json
import multiprocessing
import os
import re
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from sim.scale import SimScale  # noqa: E402
from sim.station import station_config  # noqa: E402
from simdesk import UnixHTTPConnection  # noqa: E402

BUILD = os.environ.get("RETOUR_BUILD", "build")
RETURNS = int(os.environ.get("RETOUR_BENCH_RETURNS", "300"))
TRACED_RETURNS = int(os.environ.get("RETOUR_BENCH_TRACED_RETURNS", "100"))
FLOOD_CLIENTS = int(os.environ.get("RETOUR_BENCH_FLOOD_CLIENTS", "20"))
FLOOD_BATCH = int(os.environ.get("RETOUR_BENCH_FLOOD_BATCH", "100"))
# Desk returns per round and phase; rounds of (idle, flood).
FLOOD_RETURNS = int(os.environ.get("RETOUR_BENCH_FLOOD_RETURNS", "100"))
FLOOD_ROUNDS = int(os.environ.get("RETOUR_BENCH_FLOOD_ROUNDS", "3"))
# A phase stops starting returns after this long: a daemon that serves
# imports before the desk takes seconds per return under the flood.
FLOOD_PHASE_S = float(os.environ.get("RETOUR_BENCH_FLOOD_PHASE_S", "20"))
# 0: a refused import is sent again at once, Retry-After ignored (the
# worst client); 1: after its Retry-After, as the API asks.
FLOOD_HONOUR_RETRY = os.environ.get("RETOUR_BENCH_FLOOD_RETRY_AFTER",
                                    "1") != "0"
STATUS_SAMPLES = 200
FSYNC_SAMPLES = int(os.environ.get("RETOUR_BENCH_FSYNCS", "300"))
GTIN = "05901234123457"
# Every call that makes data durable; strace 6.1 has no %sync class.
SYNC_CALLS = ("fsync", "fdatasync", "sync_file_range", "msync", "syncfs",
              "sync")
TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")


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

    @property
    def pid(self):
        return self._proc.pid

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


def forget_connection(sock):
    c = _conns.pop(sock, None)
    if c is not None:
        c.close()


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * p / 100))]


def write_config(d, scale_link):
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
    conf = station_config(d, "bench", board, station_extra="grace_s = 30\n",
                          clerk=True)
    os.makedirs(f"{d}/labels", exist_ok=True)
    return conf


class Daemon:
    """retourd started with a notify socket, optionally under strace
    writing the sync calls it makes to @trace."""

    def __init__(self, conf, d, trace=None):
        ns = os.path.join(d, "notify.sock")
        if os.path.exists(ns):
            os.unlink(ns)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(ns)
        s.settimeout(10)
        argv = [os.path.join(BUILD, "retourd"), "-c", conf]
        if trace:
            argv = ["strace", "-f", "-qq", "-ttt", "-y", "-o", trace,
                    "-e", "trace=" + ",".join(SYNC_CALLS)] + argv
        env = dict(os.environ, NOTIFY_SOCKET=ns)
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(argv, env=env, stderr=open(
            os.path.join(d, "log"), "ab"))
        self.ready_s = None
        while self.ready_s is None:
            msg, _ = s.recvfrom(4096)
            if b"READY=1" in msg:
                self.ready_s = time.perf_counter() - t0
        s.close()
        self.pid = self.proc.pid
        if trace:  # strace's one child is retourd
            with open(f"/proc/{self.pid}/task/{self.pid}/children") as f:
                self.pid = int(f.read().split()[0])

    def stop(self):
        os.kill(self.pid, signal.SIGTERM)
        self.proc.wait(10)


def proc_memory_kib(pid):
    """VmRSS from status and Private_Dirty from smaps_rollup, in KiB."""
    mem = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                mem["rss"] = int(line.split()[1])
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            if line.startswith("Private_Dirty:"):
                mem["private_dirty"] = int(line.split()[1])
    return mem


def proc_cpu_s(pid):
    """(user, system) seconds of every thread of @pid, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) * TICK_S, int(fields[12]) * TICK_S


def proc_oncpu_ns(pid):
    """Time every thread of @pid has run, in ns (schedstat): finer than
    stat's ticks, for costs too small to count in ticks."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/schedstat") as f:
            total += int(f.read().split()[0])
    return total


def status_poll_cpu_ms(sock, pid, count=1000):
    """retourd's CPU time to answer one GET /api/v1/status, the desk
    idle: the client polls it while a parcel is weighed."""
    api(sock, "GET", "/api/v1/status")
    t0 = proc_oncpu_ns(pid)
    for _ in range(count):
        api(sock, "GET", "/api/v1/status")
    return (proc_oncpu_ns(pid) - t0) / 1e6 / count


def db_pages_bytes(path):
    """page_count * page_size of the database as its last commit left it:
    a read of the file and its WAL, independent of when the WAL was last
    checkpointed."""
    c = sqlite3.connect(path, timeout=10)
    try:
        pages = c.execute("PRAGMA page_count").fetchone()[0]
        size = c.execute("PRAGMA page_size").fetchone()[0]
    finally:
        c.close()
    return pages * size


def db_checkpointed_bytes(path):
    """The daemon stopped: fold the WAL into the file, check nothing is left
    in it, then count the pages."""
    c = sqlite3.connect(path, timeout=10)
    try:
        busy, _, _ = c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        c.close()
    wal = path + "-wal"
    if busy or (os.path.exists(wal) and os.path.getsize(wal)):
        raise RuntimeError("the WAL of %s was not checkpointed" % path)
    pages = db_pages_bytes(path)
    if pages != os.path.getsize(path):
        raise RuntimeError("%s: pages and file size disagree" % path)
    return pages


def expected(i, today):
    return {"rma": "RMA-%06d" % i, "order": "ORD-%06d" % i, "shop": "bench",
            "kind": "withdrawal", "currency": "PLN",
            "delivered_at": today, "delivery_basic_minor": 1299,
            "items": [{"sku": "TSHIRT-M", "gtin": GTIN,
                       "name": "T-shirt M", "category": "apparel",
                       "quantity": 1, "unit_price_minor": 4999,
                       "weight_g": 400}]}


def sign_in(sock):
    status, ans = api(sock, "POST", "/api/v1/clerk", {"badge": "CLERK-0001"})
    if status != 200:
        raise RuntimeError("the clerk could not sign in: %s" % ans)


def import_expected(sock, count, first=0):
    today = time.strftime("%Y-%m-%d", time.gmtime())
    for start in range(first, first + count, 500):
        batch = [expected(i, today)
                 for i in range(start, min(first + count, start + 500))]
        status, ans = api(sock, "POST", "/api/v1/expected",
                          {"returns": batch})
        if status != 200:
            raise RuntimeError("import failed: %s" % ans)


def run_routine(sock, count, first=0, limit_s=None):
    """The routine is driven from C (tests/bench/bench_routine.c), so the
    numbers are the daemon's and the socket's, not Python's.  Adds the
    client's own CPU seconds to its answer."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    argv = [os.path.join(BUILD, "bench", "bench_routine"), sock, str(first),
            str(count), GTIN]
    if limit_s:
        argv.append(str(limit_s))
    out = subprocess.run(argv, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError("bench_routine failed: %s" % out.stderr.strip())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = json.loads(out.stdout)
    run["client_cpu_s"] = (after.ru_utime - before.ru_utime +
                           after.ru_stime - before.ru_stime)
    return run


def fsync_latencies_us(d):
    out = subprocess.run([os.path.join(BUILD, "bench", "fsync_probe"), d,
                          str(FSYNC_SAMPLES)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["lat_us"]


SYNC_LINE = re.compile(r"^\d+\s+(\d+\.\d+)\s+(\w+)\((\d+)(?:<([^>]*)>)?")


def count_sync_calls(trace, t0, t1):
    """Sync calls that strace saw start between t0 and t1 (wall clock), by
    call and by file."""
    calls, files = {}, {}
    with open(trace) as f:
        for line in f:
            m = SYNC_LINE.match(line)
            if not m or not t0 <= float(m.group(1)) <= t1:
                continue
            calls[m.group(2)] = calls.get(m.group(2), 0) + 1
            name = os.path.basename(m.group(4) or "fd " + m.group(3))
            files[name] = files.get(name, 0) + 1
    return calls, files


def traced_run(d, scale_link):
    """A fresh daemon under strace, TRACED_RETURNS returns; the sync calls
    made while they ran, per return.  None, and a reason, without strace."""
    if shutil.which("strace") is None:
        return None, ("not measured: strace is not installed (Debian "
                      "package strace; scripts/deps.sh test must list it)")
    os.makedirs(d)
    conf = write_config(d, scale_link)
    trace = os.path.join(d, "sync.strace")
    daemon = Daemon(conf, d, trace=trace)
    sock = os.path.join(d, "retourd.sock")
    try:
        sign_in(sock)
        import_expected(sock, TRACED_RETURNS)
        t0 = time.time()
        run_routine(sock, TRACED_RETURNS)
        t1 = time.time()
    finally:
        forget_connection(sock)
        daemon.stop()
    calls, files = count_sync_calls(trace, t0, t1)
    if not calls:
        return None, "not measured: strace saw no sync call (see %s)" % trace
    return {"calls": calls, "files": files}, None


class ImportFlood:
    """FLOOD_CLIENTS clients posting expected returns as fast as the daemon
    takes them, each on its own connection, in a process of its own (one
    core at most: its threads share one interpreter), so the bench's own
    timing is not queued behind it.  A 503 is retried after the
    Retry-After it carries, as an integrator's client does.  stop() ends
    it once every request sent has its answer, and says what it got."""

    def __init__(self, sock):
        ctx = multiprocessing.get_context("fork")
        self._stop = ctx.Event()
        self._started = ctx.Semaphore(0)
        self._result = ctx.Queue()
        self._proc = ctx.Process(target=self._run, args=(sock,),
                                 daemon=True)
        self._proc.start()
        for _ in range(FLOOD_CLIENTS):  # each has sent its first import
            if not self._started.acquire(timeout=30):
                raise RuntimeError("the import flood did not start")

    def _run(self, sock):
        today = time.strftime("%Y-%m-%d", time.gmtime())
        lock = threading.Lock()
        got = {"stored": 0, "imports": 0, "refused": 0, "failed": 0}

        def client(k):
            first = 1000000 + k * FLOOD_BATCH
            body = json.dumps({"returns": [expected(first + i, today)
                                           for i in range(FLOOD_BATCH)]})
            started = False
            while not self._stop.is_set():
                c = UnixHTTPConnection(sock, timeout=300)
                try:
                    c.request("POST", "/api/v1/expected", body=body,
                              headers={"Content-Type": "application/json"})
                    if not started:
                        self._started.release()
                        started = True
                    r = c.getresponse()
                    answer = r.read()
                    status = r.status
                    wait = float(r.getheader("Retry-After") or 0)
                except (http.client.HTTPException, OSError):
                    status, answer, wait = None, b"", 0.1
                finally:
                    c.close()
                with lock:
                    if status == 200:
                        got["imports"] += 1
                        got["stored"] += json.loads(answer)["imported"]
                    elif status == 503:
                        got["refused"] += 1
                    else:
                        got["failed"] += 1
                if status == 503 and not FLOOD_HONOUR_RETRY:
                    continue
                if status != 200:
                    self._stop.wait(wait)

        threads = [threading.Thread(target=client, args=(k,))
                   for k in range(FLOOD_CLIENTS)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        got["seconds"] = time.perf_counter() - t0
        self._result.put(got)

    def stop(self):
        self._stop.set()
        got = self._result.get(timeout=600)
        self._proc.join(10)
        return got


def status_latencies_ms(sock, count=STATUS_SAMPLES, limit_s=10):
    """GET /api/v1/status on one kept-alive connection, timed from Python:
    at most @count requests, none started after @limit_s seconds (one may
    take a minute: a daemon that serves imports first)."""
    lat = []
    c = UnixHTTPConnection(sock, timeout=120)
    try:
        t_end = time.perf_counter() + limit_s
        while len(lat) < count and time.perf_counter() < t_end:
            t = time.perf_counter()
            c.request("GET", "/api/v1/status")
            r = c.getresponse()
            r.read()
            lat.append((time.perf_counter() - t) * 1e3)
            if r.status != 200:
                raise RuntimeError("GET /api/v1/status answered %d"
                                   % r.status)
    finally:
        c.close()
    return lat


def flood_run(d, scale_link):
    """A fresh daemon: FLOOD_ROUNDS rounds of FLOOD_RETURNS returns with
    the daemon idle, then as many under an import flood, and GET /status
    timed in each phase."""
    os.makedirs(d)
    conf = write_config(d, scale_link)
    daemon = Daemon(conf, d)
    sock = os.path.join(d, "retourd.sock")
    idle, flooded, status_idle, status_flood = [], [], [], []
    failure = None
    got = {"stored": 0, "imports": 0, "refused": 0, "failed": 0,
           "seconds": 0.0}
    try:
        sign_in(sock)
        import_expected(sock, 2 * FLOOD_ROUNDS * FLOOD_RETURNS)
        first = 0
        for _ in range(FLOOD_ROUNDS):
            status_idle += status_latencies_ms(sock)
            run = run_routine(sock, FLOOD_RETURNS, first, FLOOD_PHASE_S)
            idle += [us / 1e3 for us in run["lat_us"]]
            first += FLOOD_RETURNS
            flood = ImportFlood(sock)
            try:
                status_flood += status_latencies_ms(sock)
                run = run_routine(sock, FLOOD_RETURNS, first,
                                  FLOOD_PHASE_S)
                flooded += [us / 1e3 for us in run["lat_us"]]
                if not run["lat_us"]:
                    raise RuntimeError("no return finished in %g s"
                                       % FLOOD_PHASE_S)
            except (RuntimeError, OSError, http.client.HTTPException) as e:
                failure = "the desk failed under the flood: %s" % e
            finally:
                forget_connection(sock)
                for k, v in flood.stop().items():
                    got[k] += v
            first += FLOOD_RETURNS
            if failure:
                break
    finally:
        forget_connection(sock)
        daemon.stop()
    return {"idle": idle, "flood": flooded, "status_idle": status_idle,
            "status_flood": status_flood, "flood_got": got,
            "failure": failure}


def flood_rows(fl):
    """The import-flood rows of the table."""
    idle, flood = fl["idle"], fl["flood"]
    got = fl["flood_got"]
    who = ("%d clients x %d returns a request, a 503 sent again %s"
           % (FLOOD_CLIENTS, FLOOD_BATCH,
              "after its Retry-After" if FLOOD_HONOUR_RETRY else "at once"))
    if not idle or not flood or not fl["status_flood"]:
        why = "not measured: %s" % (fl["failure"] or "no sample")
        return [row("scan-to-decision p99 under an import flood", None,
                    "ms", note=why),
                row("import flood: scan-to-decision p99, flood / idle",
                    None, "x", "<= 2", note=why)]
    p99_idle, p99_flood = pct(idle, 99), pct(flood, 99)
    note = "%d returns, %s" % (len(flood), who)
    if fl["failure"]:
        note += "; then %s" % fl["failure"]
    return [
        row("scan-to-decision p50, idle (flood run)",
            round(pct(idle, 50), 3), "ms", note="%d returns" % len(idle)),
        row("scan-to-decision p99, idle (flood run)",
            round(p99_idle, 3), "ms"),
        row("scan-to-decision p50 under an import flood",
            round(pct(flood, 50), 3), "ms", note=note),
        row("scan-to-decision p99 under an import flood",
            round(p99_flood, 3), "ms"),
        row("import flood: scan-to-decision p99, flood / idle",
            round(p99_flood / p99_idle, 2), "x", "<= 2"),
        row("GET /status p50, idle", round(pct(fl["status_idle"], 50), 3),
            "ms", note="%d requests" % len(fl["status_idle"])),
        row("GET /status p99, idle", round(pct(fl["status_idle"], 99), 3),
            "ms"),
        row("GET /status p50 under the flood",
            round(pct(fl["status_flood"], 50), 3), "ms",
            note="%d requests" % len(fl["status_flood"])),
        row("GET /status p99 under the flood",
            round(pct(fl["status_flood"], 99), 3), "ms"),
        row("import flood: expected returns stored meanwhile",
            round(got["stored"] / got["seconds"], 1)
            if got["seconds"] else None, "returns/s",
            note="%d imports stored, %d refused (503), %d failed, "
                 "in %.1f s" % (got["imports"], got["refused"],
                                got["failed"], got["seconds"])),
    ]


def target_met(value, target):
    m = re.match(r"^(<=|>=|<|>)\s*([\d.]+)$", target or "")
    if not m or value is None:
        return None
    op, bound = m.group(1), float(m.group(2))
    return {"<": value < bound, "<=": value <= bound,
            ">": value > bound, ">=": value >= bound}[op]


def row(name, value, unit, target="", note=None):
    r = {"name": name, "value": value, "unit": unit, "target": target}
    if note:
        r["note"] = note
    return r


def measure():
    """Every figure, in the order the table prints them, then the footer's
    rows (part "where the time goes")."""
    results = []
    out = subprocess.run([os.path.join(BUILD, "bench", "bench_core")],
                         capture_output=True, text=True, check=True)
    for line in out.stdout.splitlines():
        results.append(json.loads(line))

    d = tempfile.mkdtemp(prefix="retour-bench-")
    scale_link = os.path.join(d, "scale")
    scale = ScaleProcess(scale_link, weight_g=420)
    conf = write_config(d, scale_link)
    db = os.path.join(d, "retour.db")
    try:
        readies = []
        for _ in range(7):
            daemon = Daemon(conf, d)
            readies.append(daemon.ready_s)
            daemon.stop()
        daemon = Daemon(conf, d)
        readies.append(daemon.ready_s)
        sock = os.path.join(d, "retourd.sock")
        try:
            time.sleep(1.0)
            idle = proc_memory_kib(daemon.pid)
            sign_in(sock)
            db_before = db_pages_bytes(db)
            import_expected(sock, RETURNS)
            cpu0, scale0 = proc_cpu_s(daemon.pid), proc_cpu_s(scale.pid)
            run = run_routine(sock, RETURNS)
            cpu1, scale1 = proc_cpu_s(daemon.pid), proc_cpu_s(scale.pid)
            busy = proc_memory_kib(daemon.pid)
            # The durability floor, right after, on the database's
            # filesystem, the daemon idle.
            fsync_us = fsync_latencies_us(d)
            run["poll_cpu_ms"] = status_poll_cpu_ms(sock, daemon.pid)
        finally:
            forget_connection(sock)
            daemon.stop()
        db_after = db_checkpointed_bytes(db)
        sync, sync_skipped = traced_run(os.path.join(d, "traced"),
                                        scale_link)
        flood = flood_run(os.path.join(d, "flood"), scale_link)
    finally:
        scale.close()

    lat_ms = [us / 1e3 for us in run["lat_us"]]
    wall_ms = run["wall_us"] / 1e3 / RETURNS
    user_ms = (cpu1[0] - cpu0[0]) * 1e3 / RETURNS
    sys_ms = (cpu1[1] - cpu0[1]) * 1e3 / RETURNS
    fsync_ms = [us / 1e3 for us in fsync_us]
    results += [
        row("routine throughput (sequential, no photos)",
            round(RETURNS / (run["wall_us"] / 1e6), 1), "returns/s", ">= 200"),
        row("wall time per return", round(wall_ms, 3), "ms"),
        row("CPU time of retourd per return (user + system)",
            round(user_ms + sys_ms, 3), "ms",
            note="/proc/PID/stat, %d ms ticks" % round(TICK_S * 1e3)),
        row("scan-to-decision p50", round(pct(lat_ms, 50), 3), "ms"),
        row("scan-to-decision p99", round(pct(lat_ms, 99), 3), "ms", "< 5"),
        row("fsync p50 (4 KiB + fdatasync, same run, same fs)",
            round(pct(fsync_ms, 50), 3), "ms"),
        row("fsync p99 (4 KiB + fdatasync, same run, same fs)",
            round(pct(fsync_ms, 99), 3), "ms"),
    ]
    if sync:
        per_return = sum(sync["calls"].values()) / TRACED_RETURNS
        note = ", ".join("%s %g" % (k, v / TRACED_RETURNS)
                         for k, v in sorted(sync["files"].items()))
        results.append(row("fsyncs per return (strace, %d returns)"
                           % TRACED_RETURNS, round(per_return, 2),
                           "calls", note=note))
    else:
        results.append(row("fsyncs per return", None, "calls",
                           note=sync_skipped))
    results += [
        row("SQLite bytes per return (%d returns, checkpointed pages)"
            % RETURNS, round((db_after - db_before) / RETURNS), "bytes",
            "<= 4096"),
        row("idle private dirty memory of retourd",
            round(idle["private_dirty"] / 1024, 2), "MiB", "<= 3"),
        row("idle RSS of retourd", round(idle["rss"] / 1024, 2), "MiB",
            "<= 16"),
    ]
    # What the libraries alone cost, to read the row above against.
    out = subprocess.run([os.path.join(BUILD, "bench", "rss_floor")],
                         capture_output=True, text=True, check=True)
    results.append(json.loads(out.stdout))
    results += [
        row("private dirty memory after the run",
            round(busy["private_dirty"] / 1024, 2), "MiB"),
        row("RSS after the run", round(busy["rss"] / 1024, 2), "MiB"),
        row("start to READY (median of 8)",
            round(statistics.median(readies) * 1e3, 1), "ms", "<= 150"),
        row("start to READY (worst of 8)", round(max(readies) * 1e3, 1),
            "ms"),
    ]
    results += flood_rows(flood)
    for r in results:
        r["met"] = target_met(r["value"], r["target"])
    results += time_spent(run, wall_ms, user_ms, sys_ms,
                          (scale1[0] + scale1[1] - scale0[0] - scale0[1]),
                          sync, statistics.mean(fsync_ms))
    return results, d


def time_spent(run, wall_ms, user_ms, sys_ms, scale_cpu_s, sync,
               fsync_mean_ms):
    """Where a return's wall time goes, means per return.  The processes
    share two cores, so these may overlap; the rest is waiting."""
    part = "where the time goes"
    weigh_ms = run["weigh_us"] / 1e3 / RETURNS
    decide_ms = sum(run["lat_us"]) / 1e3 / RETURNS - weigh_ms
    client_ms = run["client_cpu_s"] * 1e3 / RETURNS
    scale_ms = scale_cpu_s * 1e3 / RETURNS
    rows = [
        row("parcel scan to items step (opened, weighed)", weigh_ms, "ms"),
        row("item scan to decision (checklist, confirm)", decide_ms, "ms"),
        row("retourd on CPU, user", user_ms, "ms"),
        row("retourd on CPU, system", sys_ms, "ms"),
        row("status polls answered while weighing",
            run["polls"] / RETURNS, "requests"),
        row("retourd on CPU answering them (x cost after run)",
            run["polls"] / RETURNS * run["poll_cpu_ms"], "ms"),
        row("bench client on CPU", client_ms, "ms"),
        row("simulated scale on CPU", scale_ms, "ms"),
    ]
    busy = user_ms + sys_ms + client_ms + scale_ms  # polls: in user + sys
    if sync:
        per_return = sum(sync["calls"].values()) / TRACED_RETURNS
        fsync_ms = per_return * fsync_mean_ms
        rows.append(row("fsync wait (fsyncs per return x fsync mean)",
                        fsync_ms, "ms"))
        busy += fsync_ms
    rows.append(row("rest: waiting (scale replies, wake-ups, scheduler)",
                    wall_ms - busy, "ms"))
    for r in rows:
        r["value"] = round(r["value"], 3) + 0.0  # never -0.0
        r["part"] = part
        r["met"] = None
        r["share"] = (round(r["value"] / wall_ms * 100)
                      if r["unit"] == "ms" else None)
    return rows


def print_table(results, d):
    table = [r for r in results if "part" not in r]
    footer = [r for r in results if "part" in r]
    w = max(len(r["name"]) for r in table)
    print("%-*s  %10s  %-9s  %-7s  %s" % (w, "measure", "value", "unit",
                                          "target", "met"))
    for r in table:
        met = {True: "yes", False: "NO", None: ""}[r["met"]]
        value = "-" if r["value"] is None else r["value"]
        print("%-*s  %10s  %-9s  %-7s  %s" % (w, r["name"], value, r["unit"],
                                              r["target"], met))
        if r["value"] is None:
            print("    %s" % r["note"])
    print("(%d returns through the daemon, %s%s)"
          % (RETURNS, d, "; fsyncs counted over %d more" % TRACED_RETURNS
             if os.path.exists(os.path.join(d, "traced")) else ""))
    wall = next(r["value"] for r in table
                if r["name"] == "wall time per return")
    print("Where a return's %.3f ms go (means; processes share the cores, "
          "so parts may overlap):" % wall)
    for r in footer:
        share = " (%d%%)" % r["share"] if r["share"] is not None else ""
        print("  %-54s %8.3f %s%s" % (r["name"], r["value"], r["unit"],
                                      share))
    fl = [r for r in table if r["name"].startswith("import flood: expected")]
    if fl:
        sample = {r["name"]: r["note"] for r in table
                  if "note" in r and r["name"].endswith(("(flood run)",
                                                         "import flood"))}
        print("Import flood (a daemon of its own, %d rounds of idle then "
              "flood): %s; GET /status timed from Python" %
              (FLOOD_ROUNDS, "; ".join("%s: %s" % (k, v)
                                       for k, v in sample.items())))
        print("  the flood got: %s" % fl[0].get("note", ""))
    fs = [r for r in table if r["name"].startswith("fsyncs per return")]
    if fs and fs[0]["value"] is not None:
        print("  fsyncs per return by file: %s" % fs[0]["note"])


def device_parts():
    """The rows of every scripts/bench.d/*.py, in name order; a part that
    fails gives one row saying so instead of stopping the bench."""
    rows = []
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench.d")
    for name in sorted(os.listdir(here)) if os.path.isdir(here) else []:
        if not name.endswith(".py"):
            continue
        out = subprocess.run([sys.executable, os.path.join(here, name)],
                             capture_output=True, text=True,
                             env=dict(os.environ, RETOUR_BUILD=BUILD))
        try:
            got = json.loads(out.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            got = None
        if out.returncode != 0 or not isinstance(got, list):
            rows.append(row("bench.d/" + name, None, "", "", note=(
                "failed: " + (out.stderr.strip().splitlines() or ["?"])[-1])))
            continue
        for r in got:
            rows.append(row(r["name"], r.get("value"), r.get("unit", ""),
                            r.get("target", ""), note=r.get("note")))
    for r in rows:
        r["met"] = target_met(r["value"], r["target"])
    return rows


def main():
    results, d = measure()
    results += device_parts()
    os.makedirs(BUILD, exist_ok=True)
    with open(os.path.join(BUILD, "bench.json"), "w") as f:
        json.dump(results, f, indent=1)
    print_table(results, d)


if __name__ == "__main__":
    main()
