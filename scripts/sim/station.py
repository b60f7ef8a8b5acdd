# SPDX-License-Identifier: MIT
"""A station for the benchmarks (scripts/bench.py, scripts/bench.d/*.py):
its retourd.conf, and retourd started until it tells systemd READY=1.

The config is the one every bench part uses: a desk named after the part,
the database and photos in the part's scratch folder, the project's
checklists, a board file, the clock trusted (a bench measures the desk,
not the wait for network time), RMA-* codes and a webhook outbox (by
default to a port nobody listens on: the rows stay pending).
"""
import os
import signal
import socket
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
NOWHERE = "http://127.0.0.1:9/hooks/retour"


def station_config(d, desk, board, url=NOWHERE, station_extra="",
                   clerk=False, clock="trust"):
    """Write @d/retourd.conf for desk @desk on @board; answer its path.
    @station_extra: more `key = value` lines of [station]; @clerk: the
    bench's clerk CLERK-0001 registered."""
    conf = os.path.join(d, "retourd.conf")
    clock_line = "clock = %s\n" % clock if clock else ""
    clerks = "[clerks]\nCLERK-0001 = Bench\n" if clerk else ""
    with open(conf, "w") as f:
        f.write(f"""[station]
desk = {desk}
database = {d}/retour.db
photos = {d}/photos
checklists = {ROOT}/checklists
{clock_line}board = {board}
{station_extra}[shop]
name = {desk}
rma_pattern = RMA-*
[api]
socket = {d}/retourd.sock
[outbox]
connector = webhook
url = {url}
secret_file = {ROOT}/conf/sim-webhook.secret
{clerks}""")
    return conf


def start_ready(argv, d, timeout=60, cwd=None):
    """Start @argv (retourd and its -c) with a notify socket in @d, its
    stderr appended to @d/log; answer (process, seconds to READY=1)."""
    ns = os.path.join(d, "notify.sock")
    if os.path.exists(ns):
        os.unlink(ns)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(ns)
    s.settimeout(timeout)
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd,
                            env=dict(os.environ, NOTIFY_SOCKET=ns),
                            stderr=open(os.path.join(d, "log"), "ab"))
    try:
        while b"READY=1" not in s.recvfrom(4096)[0]:
            pass
    except socket.timeout:
        proc.kill()
        proc.wait()
        raise RuntimeError("retourd was not READY in %d s (see %s/log)"
                           % (timeout, d))
    finally:
        s.close()
    return proc, time.perf_counter() - t0


def stop(proc, timeout=30):
    """SIGTERM, then SIGKILL if it has not ended within @timeout s."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
