#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Idle cost of the device layer, for `make bench` (scripts/bench.py runs
every scripts/bench.d/*.py and reads the JSON list on its last line).

retourd is started on the simulated desk with every device open (scanner
on a pty, MT-SICS scale on a pty with the simulated scale behind it, label
printer on a directory, camera on a directory, GPIO simulated) and left
alone.  Its wakeups are read from /proc: the voluntary and involuntary
context switches of every thread, summed, over IDLE_S seconds after a
settling second.  The same is measured for a daemon whose board names no
device at all, so the devices' own share shows.  A polling loop anywhere
would show as tens or hundreds of wakeups a second.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from sim.scale import SimScale  # noqa: E402
from sim.station import station_config  # noqa: E402

BUILD = os.environ.get("RETOUR_BUILD", "build")
IDLE_S = float(os.environ.get("RETOUR_BENCH_IDLE_S", "10"))
ROOT = os.path.dirname(os.path.dirname(HERE))


def board(d, devices):
    if not devices:
        return """[board]
name = bench-none
[scanner]
backend = none
[scale]
backend = none
[printer]
backend = none
[camera]
backend = none
[gpio]
backend = none
"""
    return f"""[board]
name = bench-idle
[scanner]
backend = pty
path = {d}/scanner
[scale]
backend = mtsics
path = {d}/scale
[printer]
backend = dir
dir = {d}/labels
[camera]
backend = dir
dir = {ROOT}/tests/data/camera
[gpio]
backend = sim
"""


def config(d, devices):
    with open(os.path.join(d, "board.conf"), "w") as f:
        f.write(board(d, devices))
    return station_config(d, "idle", os.path.join(d, "board.conf"))


def switches(pid):
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches",
                                        "nonvoluntary_ctxt_switches")):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def idle_wakeups(devices):
    with tempfile.TemporaryDirectory(prefix="retour-idle-") as d:
        scale = None
        if devices:
            os.makedirs(f"{d}/labels")
            scale = SimScale(f"{d}/scale", weight_g=1000)
        conf = config(d, devices)
        ns = os.path.join(d, "notify.sock")
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(ns)
        s.settimeout(10)
        proc = subprocess.Popen([os.path.join(BUILD, "retourd"), "-c", conf],
                                env=dict(os.environ, NOTIFY_SOCKET=ns),
                                stderr=open(os.path.join(d, "log"), "ab"))
        try:
            while b"READY=1" not in s.recvfrom(4096)[0]:
                pass
            time.sleep(1)
            threads = len(os.listdir(f"/proc/{proc.pid}/task"))
            a = switches(proc.pid)
            time.sleep(IDLE_S)
            b = switches(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(10)
            s.close()
            if scale:
                scale.close()
        return (b - a) / IDLE_S, threads


def main():
    every, threads = idle_wakeups(True)
    none, base_threads = idle_wakeups(False)
    # The daemon without devices wakes twice a second of its own: the
    # loop's 1 s tick (step timeouts) and the outbox sender's idle wait.
    print(json.dumps([
        {"name": "idle wakeups/s, every device open", "value":
         round(every, 2), "unit": "1/s", "target": "",
         "note": "%d threads; /proc context switches over %g s" %
         (threads, IDLE_S)},
        {"name": "idle wakeups/s, no device", "value": round(none, 2),
         "unit": "1/s", "target": "",
         "note": "%d threads: the loop's 1 s tick and the outbox "
         "sender's idle wait" % base_threads},
        {"name": "idle wakeups/s of the device layer", "value":
         round(max(0.0, every - none), 2), "unit": "1/s", "target": "<= 0.5",
         "note": "every device open minus no device; a polling loop "
         "would show its rate here"},
    ]))


if __name__ == "__main__":
    main()
