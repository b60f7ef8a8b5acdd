#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""API throughput, for `make bench` (scripts/bench.py runs every
scripts/bench.d/*.py and reads the JSON list on its last line).

GET /api/v1/status: CONNS client processes, each with one kept-alive TCP
connection to retourd's loopback listener, send the request and read the
answer in a loop for SECONDS; requests per second over all of them.  The
clients are raw sockets with the request's bytes made once, so the
client's own cost is small and the same for the peer: beside it, in the
same run, the same clients against build/bench/fast_shop (tests/bench/
fast_shop.c: one thread, epoll, answers at once, as retourd's API is one
thread too) asking its GET /stats, a trivial JSON answer.  The ratio says
what the status costs over bare HTTP on this machine whatever its load;
the two runs alternate ROUNDS times and the medians are kept.  The
status's size is in the note (it is built fresh on every request: the
desk, its devices, the outbox counts, the clock).

Pushing expected returns: BATCHES bodies of 1000 returns each
(POST /api/v1/expected, one connection, one after another, as an
integrator's sync sends them), returns stored per second, each batch
answered only when it is stored.
"""
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import bench  # noqa: E402  (scripts/bench.py: config, daemon, scale)

BUILD = os.environ.get("RETOUR_BUILD", "build")
CONNS = int(os.environ.get("RETOUR_BENCH_API_CONNS", "4"))
SECONDS = float(os.environ.get("RETOUR_BENCH_API_SECONDS", "2"))
ROUNDS = int(os.environ.get("RETOUR_BENCH_API_ROUNDS", "3"))
BATCHES = int(os.environ.get("RETOUR_BENCH_API_BATCHES", "10"))
BATCH = 1000


def read_answer(s, buf):
    """One HTTP answer off @s (Content-Length framed); (status, body,
    what is left of @buf)."""
    while b"\r\n\r\n" not in buf:
        more = s.recv(65536)
        if not more:
            raise ConnectionError("closed")
        buf += more
    head, rest = buf.split(b"\r\n\r\n", 1)
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
    while len(rest) < length:
        more = s.recv(65536)
        if not more:
            raise ConnectionError("closed")
        rest += more
    return status, rest[:length], rest[length:]


def client(port, request, start, seconds, out):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    start.wait()
    n, buf, bad = 0, b"", 0
    end = time.perf_counter() + seconds
    t0 = time.perf_counter()
    while time.perf_counter() < end:
        s.sendall(request)
        status, _, buf = read_answer(s, buf)
        n += 1
        bad += status != 200
    out.put((n, time.perf_counter() - t0, bad))
    s.close()


def load(port, path):
    """Requests per second, CONNS clients at once for SECONDS."""
    request = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" %
               path).encode()
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=client, args=(port, request, start,
                                              SECONDS, out))
             for _ in range(CONNS)]
    for p in procs:
        p.start()
    time.sleep(0.2)  # every client connected
    start.set()
    got = [out.get(timeout=SECONDS + 30) for _ in procs]
    for p in procs:
        p.join(10)
    if any(bad for _, _, bad in got):
        raise RuntimeError("%s: answers other than 200" % path)
    return sum(n for n, _, _ in got) / max(t for _, t, _ in got)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Peer:
    """build/bench/fast_shop on a port of its own."""

    def __init__(self, d):
        portfile = os.path.join(d, "peer.port")
        self.proc = subprocess.Popen(
            [os.path.join(BUILD, "bench", "fast_shop"), portfile,
             os.path.join(d, "peer.body")], stdout=subprocess.DEVNULL)
        for _ in range(100):
            if os.path.exists(portfile) and open(portfile).read().strip():
                break
            time.sleep(0.05)
        self.port = int(open(portfile).read())

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)


def push(sock, batches):
    """Returns stored per second, @batches bodies of BATCH each."""
    today = time.strftime("%Y-%m-%d", time.gmtime())
    bodies = [[bench.expected(b * BATCH + i, today) for i in range(BATCH)]
              for b in range(batches)]
    size = len(json.dumps({"returns": bodies[0]}))
    t0 = time.perf_counter()
    for batch in bodies:
        status, ans = bench.api(sock, "POST", "/api/v1/expected",
                                {"returns": batch})
        if status != 200 or ans["imported"] != BATCH:
            raise RuntimeError("import failed: %s" % (ans,))
    return batches * BATCH / (time.perf_counter() - t0), size


def main():
    d = tempfile.mkdtemp(prefix="retour-bench-api-")
    scale_link = os.path.join(d, "scale")
    scale = bench.ScaleProcess(scale_link, weight_g=420)
    port = free_port()
    conf = bench.write_config(d, scale_link)
    with open(conf) as f:  # the loopback listener beside the socket
        text = f.read().replace("[api]\n", "[api]\nlisten = 127.0.0.1:%d\n"
                                % port, 1)
    with open(conf, "w") as f:
        f.write(text)
    sock = os.path.join(d, "retourd.sock")
    daemon = bench.Daemon(conf, d)
    peer = Peer(d)
    try:
        bench.sign_in(sock)
        status_bytes = len(json.dumps(bench.api(sock, "GET",
                                                "/api/v1/status")[1]))
        ours, theirs = [], []
        for _ in range(ROUNDS):
            ours.append(load(port, "/api/v1/status"))
            theirs.append(load(peer.port, "/stats"))
        push_rate, push_size = push(sock, BATCHES)
    finally:
        peer.close()
        daemon.stop()
        scale.close()
    ours_m, theirs_m = statistics.median(ours), statistics.median(theirs)
    load_avg = open("/proc/loadavg").read().split()[0]
    rows = [
        {"name": "API: GET /api/v1/status, %d keep-alive connections"
         % CONNS, "value": round(ours_m), "unit": "requests/s",
         "target": "",
         "note": "TCP loopback, median of %d rounds of %g s (%s); the "
         "status is %d bytes of JSON, built per request; load average %s"
         % (ROUNDS, SECONDS, ", ".join("%.0f" % r for r in ours),
            status_bytes, load_avg)},
        {"name": "peer: fast_shop (C, epoll, one thread) GET /stats, "
         "same clients", "value": round(theirs_m), "unit": "requests/s",
         "target": "", "note": "rounds: %s" % ", ".join(
             "%.0f" % r for r in theirs)},
        {"name": "API status rate / peer rate", "value":
         round(ours_m / theirs_m, 3), "unit": "x", "target": ""},
        {"name": "API: expected returns pushed in batches of %d" % BATCH,
         "value": round(push_rate), "unit": "returns/s", "target": "",
         "note": "%d batches, one connection (Unix socket), each "
         "answered when stored; %d bytes a batch" % (BATCHES, push_size)},
    ]
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
