#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`make run`: the whole desk in simulation on a PC.

Starts a simulated MT-SICS scale on a pty (run/scale, with its control
FIFO run/scale-control), a fake shop that receives the station's signed
webhooks on 127.0.0.1:8471 and lists them on its page, then retourd with
conf/sim.conf and boards/sim.conf; imports the demo expected returns
(tests/data/demo/expected.json, dated relative to today) and prints a
guide through one whole return.  Lines typed here drive the simulated
devices (`scan CODE`, `weight GRAMS`, `help`).  Ctrl-C stops everything.

Options let a test run the desk in a directory of its own (--run-dir), on
ports of its own, with a short grace period and a fixed "today"; the
defaults are what `make run` uses.
"""
import argparse
import datetime
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(SCRIPTS)
sys.path.insert(0, SCRIPTS)
from sim.scale import SimScale  # noqa: E402
from sim.shop import FakeShop, money_text   # noqa: E402

import http.client  # noqa: E402

STATION_CONF = "conf/sim.conf"
BOARD_CONF = "boards/sim.conf"
DEMO_RETURNS = "tests/data/demo/expected.json"
PACKAGING_G = 20        # the demo's bag or box, on top of the items
RELATIVE_DATE = re.compile(r"^today(?:-(\d{1,4}))?$")


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


# ---- the demo's expected returns --------------------------------------

def resolve_dates(value, today):
    """The demo file with every "today" / "today-N" (N days before today)
    in a `*_at` field written as that date (YYYY-MM-DD, the shop's
    calendar day), so the demo never ages."""
    if isinstance(value, list):
        return [resolve_dates(v, today) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, v in value.items():
        if key.endswith("_at") and isinstance(v, str) and \
                v.startswith("today"):
            m = RELATIVE_DATE.match(v)
            if not m:
                raise ValueError("%s: '%s' is not 'today' or 'today-N'"
                                 % (key, v))
            v = (today - datetime.timedelta(days=int(m.group(1) or 0))
                 ).isoformat()
        out[key] = resolve_dates(v, today)
    return out


def parcel_weights(returns):
    """What each demo parcel weighs on the scale: its items plus the
    packaging, under every code that opens it (RMA, order, lookup codes),
    upper-cased."""
    weights = {}
    for er in returns:
        grams = PACKAGING_G + sum(int(it.get("quantity", 0)) *
                                  int(it.get("weight_g", 0))
                                  for it in er.get("items", []))
        for code in [er.get("rma"), er.get("order")] + \
                list(er.get("lookup_codes", [])):
            if code:
                weights[code.upper()] = grams
    return weights


# ---- the station's configuration for this run -------------------------

def rewrite_ini(text, change):
    """@text with each `key = value` line's value replaced by
    change(section, key, value) when that answers a string; comments and
    every other line kept as they are."""
    out, section = [], ""
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("[") and s.endswith("]"):
            section = s[1:-1].strip()
        elif "=" in s and not s.startswith((";", "#")):
            key, value = (p.strip() for p in s.split("=", 1))
            new = change(section, key, value)
            if new is not None:
                line = "%s = %s" % (key, new)
        out.append(line)
    return "\n".join(out) + "\n"


def write_config(args):
    """RUN/sim.conf and RUN/board.conf: conf/sim.conf and boards/sim.conf
    with the run directory, ports and grace period of this run.  With the
    defaults only the board's path changes."""
    run_dir = os.path.relpath(args.run_dir, REPO)
    if run_dir.startswith(".."):
        run_dir = args.run_dir

    def in_run(value):
        if value == "run" or value.startswith("run/"):
            return run_dir + value[3:]
        return None

    def station(section, key, value):
        if section == "station" and key == "board":
            return board_path
        if section == "station" and key == "grace_s" and \
                args.grace is not None:
            return str(args.grace)
        if section == "api" and key == "listen":
            return args.api_listen
        if section == "outbox" and key == "url":
            return "http://127.0.0.1:%d/hooks/retour" % args.shop_port
        return in_run(value)

    board_path = os.path.join(run_dir, "board.conf")
    conf_path = os.path.join(run_dir, "sim.conf")
    head = "# Written by scripts/simdesk.py from %s for this run: edit that.\n"
    with open(STATION_CONF) as f:
        text = head % STATION_CONF + rewrite_ini(f.read(), station)
    with open(conf_path, "w") as f:
        f.write(text)
    with open(BOARD_CONF) as f:
        text = head % BOARD_CONF + rewrite_ini(f.read(),
                                               lambda s, k, v: in_run(v))
    with open(board_path, "w") as f:
        f.write(text)
    return conf_path


def config_value(path, section, key):
    current = ""
    with open(path) as f:
        for line in f:
            s = line.strip()
            if s.startswith("[") and s.endswith("]"):
                current = s[1:-1].strip()
            elif current == section and "=" in s:
                k, v = (p.strip() for p in s.split("=", 1))
                if k == key:
                    return v
    return None


# ---- what the person at the simulated desk types -----------------------

class DeskConsole:
    """Lines typed on simdesk's standard input: `scan CODE` (a scanner
    read; a demo parcel's code first puts that parcel's weight on the
    scale), `weight GRAMS` (the scale's next reading), `help`."""

    def __init__(self, scale, scanner, weights, out):
        self.scale = scale
        self.scanner = scanner
        self.weights = weights
        self.out = out

    def scan(self, code):
        grams = self.weights.get(code.upper())
        if grams is not None:
            self.scale.apply_control(str(grams))
        try:
            fd = os.open(self.scanner, os.O_WRONLY | os.O_NOCTTY)
        except OSError as e:
            self.out("scanner %s: %s" % (self.scanner, e.strerror))
            return
        try:
            os.write(fd, code.encode() + b"\n")
        finally:
            os.close(fd)
        self.out("scanner: %s" % code)

    def command(self, line):
        words = line.split()
        if not words:
            return
        if words[0] == "scan" and len(words) == 2:
            self.scan(words[1])
        elif words[0] == "weight" and len(words) in (2, 3):
            self.scale.apply_control(" ".join(words[1:]))
        elif words[0] == "help":
            self.out(CONSOLE_HELP)
        else:
            self.out("not a desk command: %s  (type help)" % line.strip())

    def run(self, stream):
        for line in stream:
            self.command(line)


CONSOLE_HELP = """Type here, one per line:
  scan CODE      the scanner reads CODE (a demo parcel's RMA, order or
                 tracking number first puts its weight on the scale)
  weight GRAMS   the scale's next reading, for any parcel
  help           this text
Ctrl-C stops the desk."""


GUIDE = """
==== The simulated desk is running ====================================
Your first return: RMA-10001, two T-shirts sent back within 14 days
(delivered {d1}).  In another terminal, in {cwd}:
{env}
1. Sign in with your badge:
     {ctl} desk signin CLERK-0001
2. Scan the return label.  The desk weighs the parcel ({w1} g: 2 x 200 g
   and a {pack} g bag) and photographs it by itself:
     {ctl} desk scan RMA-10001
3. Scan each item's barcode, once per unit (2 T-shirts):
     echo 05901234123457 > {run}/scanner
     echo 05901234123457 > {run}/scanner
4. Answer the checklist, one step at a time ({ctl} status
   shows the question):
     {ctl} desk answer pass   # Original tags attached?
     {ctl} desk answer pass   # Free of signs of wear?
     {ctl} desk answer pass   # Free of stains, tears and damage?
     {ctl} desk answer done   # Size on the label matches the order?
        (Photograph the item laid flat: the camera takes it itself)
     {ctl} desk answer A      # Grade: A, B, C or scrap
   A yes/no step takes pass or fail (yes/no, tak/nie), an instruction
   done, a grade one of its choices, a measurement a whole number.
5. The proposal: ACCEPT, refund {refund}.  Confirm it:
     {ctl} desk confirm
   Not as proposed: {ctl} desk confirm --override reject --reason TEXT.
   To change an answer: {ctl} desk back; to give up: desk cancel.
6. The label is the newest file in {run}/labels (ZPL text).
7. After the {grace} s grace period ({ctl} desk undo RECEIPT
   takes the decision back until then) the refund goes to the shop:
   this terminal prints "shop: refund.requested RMA-10001 {refund}",
   and http://127.0.0.1:{shop}/ lists it ({ctl} outbox list too).

Over HTTP instead:
     curl -s --unix-socket {sock} http://localhost/api/v1/status
     curl -s http://{listen}/api/v1/status
   POST /api/v1/clerk {{"badge":"CLERK-0001"}}, /api/v1/scan
   {{"code":"RMA-10001"}}, /api/v1/answer {{"answer":"pass"}}, /api/v1/confirm
   {{"verdict":"accept"}}.  README.md, "Your first return", has each step.

Next, RMA-10002: a complaint about headphones delivered {d2}.
Type "scan RMA-10002" here: the scale then shows {w2} g and the scanner
reads the label (from another terminal: echo {w2} > {run}/scale-control,
then echo RMA-10002 > {run}/scanner).  Scan 4006381333931, and answer
fail at "Powers on and works as described?".
=======================================================================
"""


def guide(args, returns, weights, cwd):
    """The guide with this run's paths, dates, weights and amounts."""
    by_rma = {er["rma"]: er for er in returns if er.get("rma")}

    def delivered(rma):
        return (by_rma.get(rma) or {}).get("delivered_at") or "?"

    def refund(rma):
        er = by_rma.get(rma) or {"items": []}
        minor = er.get("delivery_basic_minor", 0) + sum(
            it["quantity"] * it["unit_price_minor"] for it in er["items"])
        return money_text(minor, er.get("currency", ""))

    def near(path):
        rel = os.path.relpath(path, cwd)
        return path if rel.startswith("..") else rel

    sock = os.path.join(args.run_dir, "retourd.sock")
    run = near(args.run_dir)
    if run == "run":
        env = ""    # retourctl looks for ./run/retourd.sock by itself
    else:
        env = "   export RETOUR_SOCKET=%s\n" % sock
    return GUIDE.format(
        sock=near(sock), listen=args.api_listen, run=run,
        shop=args.shop_port, d1=delivered("RMA-10001"),
        d2=delivered("RMA-10002"), cwd=cwd, env=env,
        ctl=near(os.path.join(args.build, "retourctl")),
        w1=weights.get("RMA-10001", "?"), w2=weights.get("RMA-10002", "?"),
        pack=PACKAGING_G, refund=refund("RMA-10001"),
        grace=args.grace if args.grace is not None else
        config_value(STATION_CONF, "station", "grace_s") or 30)


# ---- the desk ----------------------------------------------------------

def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build",
                    help="where retourd and retourctl are (default build)")
    ap.add_argument("--weight", type=int, default=None,
                    help="what the simulated scale shows first, in grams "
                    "(default: the demo RMA-10001, two 200 g T-shirts in "
                    "their %d g bag)" % PACKAGING_G)
    ap.add_argument("--run-dir", default="run",
                    help="the desk's files: database, socket, scanner and "
                    "scale ptys, labels, photos (default run/ in the "
                    "repository)")
    ap.add_argument("--api-listen", default="127.0.0.1:8470",
                    help="the desk API's TCP address (default "
                    "127.0.0.1:8470)")
    ap.add_argument("--shop-port", type=int, default=8471,
                    help="the fake shop's port on 127.0.0.1 (default 8471)")
    ap.add_argument("--grace", type=int, default=None,
                    help="seconds before a decision's refund is sent "
                    "(default: conf/sim.conf's grace_s)")
    ap.add_argument("--today", type=datetime.date.fromisoformat,
                    default=None, help="the day the demo returns are dated "
                    "from, YYYY-MM-DD (default: today)")
    return ap.parse_args(argv)


def wait_ready(daemon, sock):
    for _ in range(200):
        if os.path.exists(sock):
            try:
                api(sock, "GET", "/healthz")
                return
            except OSError:
                pass
        if daemon.poll() is not None:
            sys.exit("retourd exited with %d" % daemon.returncode)
        time.sleep(0.05)
    sys.exit("retourd did not answer on %s" % sock)


def say(text):
    print(text, flush=True)


def main(argv=None):
    args = parse_args(argv)
    cwd = os.getcwd()
    args.build = os.path.abspath(args.build)
    args.run_dir = os.path.abspath(args.run_dir)
    today = args.today or datetime.date.today()
    # The configuration's other paths (checklists, camera images, the
    # shop's secret) are the repository's.
    os.chdir(REPO)
    # Stopped by a signal (timeout, systemd, a terminal closing), take the
    # daemon down with the desk as Ctrl-C does.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.default_int_handler)

    with open(DEMO_RETURNS) as f:
        demo = resolve_dates(json.load(f), today)
    weights = parcel_weights(demo["returns"])
    if args.weight is None:
        args.weight = weights["RMA-10001"]

    os.makedirs(os.path.join(args.run_dir, "labels"), exist_ok=True)
    os.makedirs(os.path.join(args.run_dir, "photos"), exist_ok=True)
    conf = write_config(args)
    with open(os.path.join(args.run_dir, "expected.json"), "w") as f:
        json.dump(demo, f, indent=1)
        f.write("\n")
    secret = open(config_value(STATION_CONF, "outbox", "secret_file")
                  ).read().strip()
    sock = os.path.join(args.run_dir, "retourd.sock")
    scale = shop = daemon = None
    try:
        scale = SimScale(os.path.join(args.run_dir, "scale"),
                         weight_g=args.weight,
                         control=os.path.join(args.run_dir, "scale-control"),
                         log=say)
        try:
            shop = FakeShop(secret, port=args.shop_port, log=say)
        except OSError as e:
            sys.exit("the fake shop cannot listen on 127.0.0.1:%d: %s (is "
                     "another simulated desk running?  --shop-port)"
                     % (args.shop_port, e.strerror))
        daemon = subprocess.Popen([os.path.join(args.build, "retourd"),
                                   "-c", conf])
        wait_ready(daemon, sock)
        status, answer = api(sock, "POST", "/api/v1/expected", demo)
        if status != 200:
            sys.exit("importing the demo returns: %d %s" % (status, answer))
        say("demo expected returns: %d imported" % answer["imported"])
        say(guide(args, demo["returns"], weights, cwd))
        if answer.get("kept"):
            say("Already at this desk from an earlier run, so kept as they "
                "were: %s.\nA return is decided once: to walk it again, "
                "stop the desk and remove %s." % (
                    ", ".join(answer["kept"]),
                    os.path.relpath(args.run_dir, cwd)))
        say(CONSOLE_HELP)
        console = DeskConsole(scale, os.path.join(args.run_dir, "scanner"),
                              weights, say)
        threading.Thread(target=console.run, args=(sys.stdin,),
                         daemon=True).start()
        daemon.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if daemon is not None and daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=10)
        for thing in (shop, scale):
            if thing is not None:
                thing.close()


if __name__ == "__main__":
    main()
