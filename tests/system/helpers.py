# SPDX-License-Identifier: MIT
"""Harness for the system tests: one real `retourd` per test, with a
simulated MT-SICS scale on a pty, the scanner pty the daemon creates, a TCP
label printer listener and a fake shop, all on real OS interfaces.

Nothing here knows the workflow's exact step order: `Station.run_to()`
follows what GET /api/v1/status says (step, checklist kind and choices) and
answers generically, so the tests survive small changes to the routine.
"""
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
from sim.scale import SimScale  # noqa: E402
from sim.shop import FakeShop   # noqa: E402

SECRET = "whsec_c3lzdGVzdC1zZWNyZXQtZm9yLXRoZS1mYWtlLXNob3A="
CAMERA_DIR = REPO / "tests" / "data" / "camera"
GTIN_TSHIRT = "05901234123457"
GTIN_OTHER = "4006381333931"     # valid EAN-13, not in the order


def build_dir():
    b = Path(os.environ.get("RETOUR_BUILD", "build"))
    return b if b.is_absolute() else REPO / b


def binary(name):
    return str(build_dir() / name)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(fn, timeout=5.0, interval=0.05, what=None):
    """Poll fn() until it returns something truthy; return that value.
    On timeout fail with the last value seen (or the last exception)."""
    deadline = time.monotonic() + timeout
    last, err = None, None
    while True:
        try:
            last = fn()
            err = None
            if last:
                return last
        except (OSError, AssertionError, KeyError, ValueError) as e:
            err = e
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.1fs waiting for %s; "
                                 "last value: %r%s" %
                                 (timeout, what or getattr(fn, "__name__", "?"),
                                  last, "; last error: %r" % err if err else ""))
        time.sleep(interval)


def iso_utc(dt):
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text):
    return datetime.strptime(text.replace("Z", "+00:00")[:19] + "+0000",
                             "%Y-%m-%dT%H:%M:%S%z")


def tshirt(quantity=2, **kw):
    item = {"sku": "TSHIRT-M", "gtin": GTIN_TSHIRT, "name": "T-shirt M",
            "category": "apparel", "quantity": quantity,
            "unit_price_minor": 4999, "weight_g": 200,
            "personalised": False, "made_to_order": False,
            "perishable": False, "sealed_hygiene": False}
    item.update(kw)
    return item


def expected_return(rma="RMA-10001", order="ORD-1001", kind="withdrawal",
                    delivered_days_ago=3, items=None, delivery_basic_minor=1299,
                    lookup_codes=(), currency="PLN", order_lines=None):
    """An expected return whose delivery date is relative to today, so the
    tests do not rot.  The order's lines are the return's items unless
    given (delivery is refunded only when the whole order comes back)."""
    delivered = None
    if delivered_days_ago is not None:
        delivered = iso_utc(datetime.now(timezone.utc) -
                            timedelta(days=delivered_days_ago))
    items = items if items is not None else [tshirt()]
    if order_lines is None and kind != "shipment":
        order_lines = [{k: it[k] for k in ("sku", "gtin", "quantity")
                        if it.get(k)} for it in items]
    er = {"rma": rma, "order": order, "shop": "demo", "kind": kind,
          "lookup_codes": list(lookup_codes), "currency": currency,
          "delivered_at": delivered, "requested_at": None,
          "delivery_basic_minor": delivery_basic_minor, "items": items}
    if order_lines is not None:
        er["order_lines"] = order_lines
    return er


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=10):
        super().__init__("localhost", timeout=timeout)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.unix_path)


class PrinterListener:
    """A network label printer on 127.0.0.1: accepts one connection per
    job and keeps the bytes.  mode "ok" reads the job to EOF, "reset"
    accepts and resets the connection at once."""

    def __init__(self, mode="ok"):
        self.mode = mode
        self.jobs = []
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self._stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            if self.mode == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                b"\x01\x00\x00\x00\x00\x00\x00\x00")
                conn.close()
                continue
            conn.settimeout(5)
            data = b""
            try:
                while True:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except OSError:
                pass
            conn.close()
            with self.lock:
                self.jobs.append(data)

    def labels(self):
        with self.lock:
            return list(self.jobs)

    def close(self):
        self._stop = True
        self.sock.close()
        self.thread.join(timeout=2)


def render_ini(sections):
    out = []
    for name, keys in sections.items():
        out.append("[%s]" % name)
        for k, v in keys.items():
            if v is None:
                continue
            if isinstance(v, bool):
                v = "yes" if v else "no"
            out.append("%s = %s" % (k, v))
        out.append("")
    return "\n".join(out)


class Station:
    """One desk: its own directory, config, devices and daemon."""

    def __init__(self, grace_s=0, scale_g=420, station=None, shop=None,
                 outbox=None, board=None, printer_mode="ok", printer=True,
                 camera_dir=None):
        # Unix socket paths are limited to 108 bytes: keep the dir short.
        self.dir = Path(tempfile.mkdtemp(prefix="rt-", dir="/tmp"))
        self.log_path = self.dir / "retourd.log"
        self.proc = None
        self.shop = FakeShop(SECRET)
        self.printer = PrinterListener(printer_mode) if printer else None
        self.scale = SimScale(str(self.dir / "scale"), weight_g=scale_g)
        (self.dir / "photos").mkdir()
        secret = self.dir / "webhook.secret"
        secret.write_text(SECRET + "\n")
        secret.chmod(0o600)
        self.socket = str(self.dir / "retourd.sock")
        self.feed_path = str(self.dir / "scanner")
        self.db = self.dir / "retour.db"
        self.cfg = {
            "station": {"desk": "test-desk", "database": str(self.db),
                        "photos": str(self.dir / "photos"),
                        "photo_min_free_mb": 1,
                        "checklists": str(REPO / "checklists"),
                        "board": str(self.dir / "board.conf"),
                        "step_timeout_s": 600, "grace_s": grace_s,
                        "routine": "return",
                        # the host keeps time: the tests of the clock
                        # (test_clock.py) say "file" and a flag file
                        "clock": "trust"},
            "shop": {"name": "demo", "rma_pattern": "RMA-*",
                     "order_pattern": "ORD-*", "withdrawal_days": 14,
                     "complaint_answer_days": 14, "warranty_months": 24,
                     "weight_tolerance_g": 50, "weight_tolerance_pct": 10,
                     "refund_basic_delivery": True, "utc_offset_min": 60,
                     "eu_summer_time": True},
            "api": {"socket": self.socket},
            "outbox": {"connector": "webhook", "url": self.shop.url,
                       "secret_file": str(secret), "timeout_ms": 3000,
                       "backoff_base_ms": 200, "backoff_max_ms": 2000},
            "clerks": {"CLERK-0001": "Ola", "CLERK-0002": "Piotr"},
            # the desk's system (test_system_update.py): nothing of the
            # host's, a PC's desk unless a test says otherwise
            "update": {"command": str(self.dir / "no-rauc"),
                       "bundle_dirs": str(self.dir / "media"),
                       "firstboot_missing": str(self.dir /
                                                "firstboot.missing"),
                       "cmdline": str(self.dir / "cmdline")},
        }
        self.board = {
            "board": {"name": "systest"},
            "scanner": {"backend": "pty", "path": self.feed_path,
                        "max_line": 256},
            "scale": {"backend": "mtsics", "path": str(self.dir / "scale"),
                      "stable_timeout_ms": 1000, "reply_timeout_ms": 300},
            "printer": ({"backend": "tcp", "host": "127.0.0.1",
                         "port": self.printer.port, "timeout_ms": 1000}
                        if printer else {"backend": "dir",
                                         "dir": str(self.dir / "labels")}),
            "camera": {"backend": "dir",
                       "dir": str(camera_dir or CAMERA_DIR)},
            "gpio": {"backend": "sim", "debounce_ms": 0},
        }
        if not printer:
            (self.dir / "labels").mkdir()
        # station/shop/outbox: keys of that section; board: {section: keys}
        for sec, keys in (("station", station), ("shop", shop),
                          ("outbox", outbox)):
            self.cfg[sec].update(keys or {})
        for sec, keys in (board or {}).items():
            self.board.setdefault(sec, {}).update(keys)
        self.write_config()

    # ---- configuration and process ----

    @property
    def conf_path(self):
        return str(self.dir / "station.conf")

    def write_config(self):
        Path(self.conf_path).write_text(render_ini(self.cfg))
        (self.dir / "board.conf").write_text(render_ini(self.board))

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def start(self, expect_ready=True, timeout=10):
        assert self.proc is None or self.proc.poll() is not None
        with open(self.log_path, "ab") as log:
            log.write(b"---- retourd started by the test ----\n")
            self.proc = subprocess.Popen(
                [binary("retourd"), "-c", self.conf_path], cwd=str(REPO),
                stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        if not expect_ready:
            return self.proc
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise AssertionError("retourd exited with %d at start:\n%s" %
                                     (self.proc.returncode, self.log()))
            try:
                code, _ = self.call("GET", "/healthz", timeout=1)
                if code == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("retourd not ready after %ds:\n%s" %
                                     (timeout, self.log()))
            time.sleep(0.05)
        return self.proc

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

    def kill9(self):
        assert self.alive(), "retourd died before the kill:\n" + self.log()
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=5)

    def restart(self):
        self.start()

    def close(self):
        self.stop()
        for thing in (self.scale, self.shop, self.printer):
            if thing is not None:
                try:
                    thing.close()
                except Exception:   # teardown must reach the rest
                    pass

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    # ---- the local API ----

    def call(self, method, path, body=None, raw=None, timeout=10):
        c = UnixHTTPConnection(self.socket, timeout=timeout)
        data = raw if raw is not None else (
            json.dumps(body).encode() if body is not None else None)
        c.request(method, path, body=data,
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        text = r.read()
        c.close()
        try:
            return r.status, json.loads(text) if text else None
        except ValueError:
            return r.status, text

    def ok(self, method, path, body=None):
        code, answer = self.call(method, path, body)
        assert 200 <= code < 300, "%s %s %r -> %d %r" % (method, path, body,
                                                         code, answer)
        return answer

    def status(self):
        return self.ok("GET", "/api/v1/status")

    def receipt(self, rid):
        return self.ok("GET", "/api/v1/returns/%d" % rid)

    def returns(self):
        answer = self.ok("GET", "/api/v1/returns?limit=100")
        if isinstance(answer, dict):
            answer = answer.get("returns", [])
        return answer

    def outbox(self, state=None):
        answer = self.ok("GET", "/api/v1/outbox" +
                         ("?state=" + state if state else ""))
        if isinstance(answer, dict):
            answer = answer.get("outbox", answer.get("entries", []))
        return answer

    def import_expected(self, *returns):
        answer = self.ok("POST", "/api/v1/expected",
                         {"returns": list(returns)})
        assert answer["imported"] == len(returns), answer
        return answer

    def ctl(self, *args, check=True, timeout=20):
        """retourctl against this daemon's socket."""
        p = subprocess.run([binary("retourctl"), "--socket", self.socket] +
                           [str(a) for a in args], cwd=str(REPO),
                           capture_output=True, text=True, timeout=timeout)
        if check:
            assert p.returncode == 0, "retourctl %s -> %d\nstdout: %s\n" \
                "stderr: %s" % (" ".join(map(str, args)), p.returncode,
                                p.stdout, p.stderr)
        return p

    def ctl_json(self, *args):
        return json.loads(self.ctl(*args).stdout)

    # ---- devices ----

    def feed(self, line):
        """Write one line to the scanner pty, as a scanner does."""
        if isinstance(line, str):
            line = line.encode()
        path = wait_for(lambda: os.path.exists(self.feed_path) and
                        self.feed_path, what="scanner feed " + self.feed_path)
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY)
        try:
            os.write(fd, line + b"\n")
        finally:
            os.close(fd)

    def sign_in(self, badge="CLERK-0001", name="Ola"):
        self.feed(badge)
        return wait_for(lambda: (s := self.status())["clerk"] == name and
                        s["step"] != "sign_in" and s,
                        what="clerk %s signed in" % name)

    # ---- driving a routine by what the status says ----

    def wait_step(self, *steps, timeout=5.0):
        return wait_for(lambda: (s := self.status())["step"] in steps and s,
                        timeout=timeout, what="step in %s" % (steps,))

    def scan_code(self, code, expect_step_change=True):
        before = self.status()
        self.feed(code)
        if not expect_step_change:
            return None
        return wait_for(lambda: (s := self.status())["step"] != before["step"]
                        and s, what="desk to leave step %s after scanning %s"
                        % (before["step"], code))

    def _item_scans(self, rid):
        return len(self.receipt(rid).get("items", []))

    def scan_item(self, gtin):
        """Scan one unit at the items step and wait until it is recorded
        (or the desk moves on)."""
        s = self.status()
        rid = s["receipt"]
        n = self._item_scans(rid)
        self.feed(gtin)
        wait_for(lambda: self._item_scans(rid) > n or
                 self.status()["step"] != "items",
                 what="item %s recorded on receipt %s" % (gtin, rid))

    def answer_step(self, s, answers=None, grade="A"):
        c = s["checklist"]
        kind = c["kind"]
        key = (c["item"], c["step"])
        answers = answers or {}

        def moved():
            n = self.status()
            if n["step"] != "checklist":
                return n
            nc = n.get("checklist") or {}
            return (nc.get("item"), nc.get("step")) != key and n

        if kind == "photo":
            # the camera may take it on its own; else the clerk asks for it
            try:
                return wait_for(moved, timeout=0.5)
            except AssertionError:
                pass
            if self.status()["step"] == "checklist":
                self.ok("POST", "/api/v1/photo")
            try:
                return wait_for(moved, timeout=0.5)
            except AssertionError:
                pass
            if self.status()["step"] == "checklist":
                self.ok("POST", "/api/v1/buttons/pedal")
        else:
            ans = answers.get(c["step"])
            if ans is None:
                ans = {"pass_fail": "pass", "instruction": "done",
                       "measure": "0"}.get(kind)
                if kind == "choice":
                    choices = c.get("choices") or []
                    ans = grade if grade in choices else choices[0]
            assert ans is not None, "no answer for checklist step %r" % c
            self.ok("POST", "/api/v1/answer", {"answer": ans})
        return wait_for(moved, what="checklist to move past %r" % (key,))

    def run_to(self, code, items=(), answers=None, grade="A",
               stop_at="confirm", items_done=True, timeout=15.0):
        """Scan @code and walk the routine until step @stop_at, scanning
        @items at the items step, answering the checklist generically
        (pass / done / @grade / the first choice, photo steps: take one)."""
        items = list(items)
        s = self.status()
        assert s["step"] == "scan", "desk not waiting for a parcel: %r" % s
        self.feed(code)
        wait_for(lambda: self.status()["step"] != "scan",
                 what="desk to accept %s (problem: %r)" %
                 (code, self.status().get("problem")))
        deadline = time.monotonic() + timeout
        while True:
            s = self.status()
            step = s["step"]
            if step == stop_at:
                return s
            assert time.monotonic() < deadline, \
                "routine stuck at %s: %r" % (step, s)
            if step == "items":
                if items:
                    self.scan_item(items.pop(0))
                elif items_done:
                    self.ok("POST", "/api/v1/items-done")
                    wait_for(lambda: self.status()["step"] != "items",
                             what="desk to leave items after items-done")
                else:
                    return s
            elif step == "checklist":
                self.answer_step(s, answers, grade)
            elif step in ("sign_in", "scan"):
                raise AssertionError("desk went back to %s: %r" % (step, s))
            else:
                # weigh / photo / photo_sealed: the devices answer
                time.sleep(0.05)

    def confirm(self, verdict=None, reason=None):
        s = self.wait_step("confirm")
        rid = s["receipt"]
        body = {"verdict": verdict or s["proposal"]["verdict"]}
        if reason:
            body["reason"] = reason
        self.ok("POST", "/api/v1/confirm", body)
        wait_for(lambda: self.status()["step"] in ("scan", "sign_in"),
                 what="desk ready for the next parcel after confirm")
        return rid


def reason_codes(proposal):
    return [r["code"] for r in proposal.get("reasons", [])]


def file_digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
