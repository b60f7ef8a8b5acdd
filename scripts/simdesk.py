#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`make run`: the whole desk in simulation on a PC.

Starts a simulated MT-SICS scale on a pty (run/scale), a fake shop that
receives the station's signed webhooks on 127.0.0.1:8471, then retourd with
conf/sim.conf and boards/sim.conf, imports the demo expected returns and
tells you how to feed it.  Ctrl-C stops everything.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__))))
from sim.scale import SimScale  # noqa: E402
from sim.shop import FakeShop   # noqa: E402

import http.client  # noqa: E402


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=5):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.path)


def api(sock, method, path, body=None):
    c = UnixHTTPConnection(sock)
    c.request(method, path, body=json.dumps(body) if body is not None else None,
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, json.loads(data) if data else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--weight", type=int, default=420,
                    help="what the simulated scale shows, in grams (420: the "
                    "demo RMA-10001, two 200 g T-shirts in their bag)")
    args = ap.parse_args()
    # Stopped by a signal (timeout, systemd, a terminal closing), take the
    # daemon down with the desk as Ctrl-C does.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.default_int_handler)

    os.makedirs("run/labels", exist_ok=True)
    os.makedirs("run/photos", exist_ok=True)
    secret = open("conf/sim-webhook.secret").read().strip()
    scale = SimScale("run/scale", weight_g=args.weight)
    shop = FakeShop(secret, port=8471)
    daemon = subprocess.Popen([os.path.join(args.build, "retourd"),
                               "-c", "conf/sim.conf"])
    try:
        for _ in range(100):
            if os.path.exists("run/retourd.sock"):
                try:
                    api("run/retourd.sock", "GET", "/healthz")
                    break
                except OSError:
                    pass
            if daemon.poll() is not None:
                sys.exit("retourd exited with %d" % daemon.returncode)
            time.sleep(0.05)
        with open("tests/data/demo/expected.json") as f:
            status, answer = api("run/retourd.sock", "POST",
                                 "/api/v1/expected", json.load(f))
        print("demo expected returns:", answer, flush=True)
        print("""
The simulated desk is running.  In another terminal:

  echo CLERK-0001 > run/scanner      # sign in as Ola (badge scan)
  echo RMA-10001 > run/scanner       # scan the return label
  build/retourctl --socket run/retourd.sock status
  echo 05901234123457 > run/scanner  # scan the item (twice: 2 units)
  curl -s -XPOST localhost:8470/api/v1/answer -d '{"answer":"pass"}'
  curl -s -XPOST localhost:8470/api/v1/buttons/accept

The scale (run/scale) shows %d g; labels land in run/labels, photos in
run/photos, refunds at the fake shop on http://127.0.0.1:8471 after the
30 s grace period (see build/retourctl --socket run/retourd.sock outbox list).
Ctrl-C stops the desk.
""" % args.weight, flush=True)
        daemon.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=10)
        shop.close()
        scale.close()


if __name__ == "__main__":
    main()
