# SPDX-License-Identifier: MIT
"""The demo a newcomer meets first: `make run` (scripts/simdesk.py) started
for real, in a directory of its own so a user's run/ is never touched,
and walked as the printed guide says: the main path ends in a refund the
fake shop lists, the complaint parcel weighs what it should, the demo's
dates follow today.  Also the simulated desk's two parts on their own: the
scale's control and the fake shop's page."""
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import helpers
from helpers import REPO, free_port, wait_for
from sim.scale import SimScale
from sim.shop import FakeShop, webhook_signature

GTIN_HEADPHONES = "4006381333931"


class Demo:
    """scripts/simdesk.py as `make run` starts it, with its own run
    directory, ports and grace period; commands go to its standard input
    as a person types them."""

    def __init__(self, *extra):
        self.dir = Path(tempfile.mkdtemp(prefix="rd-", dir="/tmp"))
        self.run = self.dir / "run"
        self.socket = str(self.run / "retourd.sock")
        self.shop_port = free_port()
        self.out_path = self.dir / "simdesk.out"
        self.out = open(self.out_path, "wb")
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", str(REPO / "scripts" / "simdesk.py"),
             "--build", str(helpers.build_dir()), "--run-dir", str(self.run),
             "--api-listen", "127.0.0.1:%d" % free_port(),
             "--shop-port", str(self.shop_port), "--grace", "1"] +
            list(extra), cwd=str(REPO), stdin=subprocess.PIPE,
            stdout=self.out, stderr=subprocess.STDOUT)
        wait_for(lambda: "Type here" in self.output() or
                 self.proc.poll() is not None, timeout=20,
                 what="the simulated desk to print its guide")
        assert self.proc.poll() is None, self.output()

    def output(self):
        return self.out_path.read_text(errors="replace")

    def type(self, line):
        """A line typed at simdesk's prompt."""
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def call(self, method, path, body=None):
        c = helpers.UnixHTTPConnection(self.socket)
        c.request(method, path,
                  body=json.dumps(body) if body is not None else None,
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, json.loads(data) if data else None

    def ok(self, method, path, body=None):
        code, answer = self.call(method, path, body)
        assert 200 <= code < 300, (method, path, body, code, answer)
        return answer

    def status(self):
        return self.ok("GET", "/api/v1/status")

    def step_is(self, *steps):
        return wait_for(lambda: (s := self.status())["step"] in steps and s,
                        timeout=10, what="desk step in %s" % (steps,))

    def shop_get(self, path, accept=None):
        req = urllib.request.Request("http://127.0.0.1:%d%s" %
                                     (self.shop_port, path))
        if accept:
            req.add_header("Accept", accept)
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()

    def close(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.out.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def make_demo(request):
    demos = []

    def make(*extra):
        d = Demo(*extra)
        demos.append(d)
        return d

    yield make
    for d in demos:
        if getattr(request.node, "_retour_failed", False):
            print("---- simdesk output ----\n" + d.output()[-20000:])
        d.close()


def answer_checklist(demo, answers):
    """Answer each checklist step: @answers maps a step's id to its answer,
    or is a list answering the steps in order, as the printed guide does;
    photo steps are the camera's."""
    if isinstance(answers, list):
        in_order = iter(answers)
    while True:
        s = demo.step_is("checklist", "confirm")
        if s["step"] == "confirm":
            return s
        c = s["checklist"]
        if c["kind"] == "photo":
            wait_for(lambda: (n := demo.status())["step"] != "checklist" or
                     n["checklist"]["step"] != c["step"], timeout=10,
                     what="the camera to answer %s" % c["step"])
            continue
        if isinstance(answers, list):
            answer = next(in_order, None)
        else:
            answer = answers.get(c["step"])
        assert answer is not None, "the guide has no answer for %r" % c
        demo.ok("POST", "/api/v1/answer", {"answer": answer})
        wait_for(lambda: (n := demo.status())["step"] != "checklist" or
                 n["checklist"]["step"] != c["step"], timeout=10,
                 what="the desk to take the answer to %s" % c["step"])


def test_demo_walks_rma_10001_to_a_refund_the_shop_lists(make_demo):
    repo_run = REPO / "run"
    before = sorted(repo_run.rglob("*")) if repo_run.exists() else None
    demo = make_demo()
    text = demo.output()
    # The guide walks the whole return with the commands a newcomer types.
    for words in ("desk signin CLERK-0001", "desk scan RMA-10001",
                  "desk answer pass", "desk answer done", "desk answer A",
                  "desk confirm", "refund 112.97 PLN", "labels",
                  "http://127.0.0.1:%d/" % demo.shop_port):
        assert words in text, words

    demo.type("scan CLERK-0001")
    demo.step_is("scan")
    demo.type("scan RMA-10001")
    demo.step_is("items")
    for _ in range(2):
        demo.type("scan " + helpers.GTIN_TSHIRT)
    # the answers exactly as the printed guide gives them, in its order
    guide_answers = re.findall(r"desk answer (\S+) ", text)
    assert guide_answers == ["pass", "pass", "pass", "done", "A"], text
    s = answer_checklist(demo, guide_answers)
    assert s["proposal"]["verdict"] == "accept", s["proposal"]
    assert s["proposal"]["refund_minor"] == 11297, s["proposal"]
    rid = s["receipt"]
    demo.ok("POST", "/api/v1/confirm", {"verdict": "accept"})
    demo.step_is("scan")
    # the spool's thread prints it after the desk is ready again
    label = wait_for(lambda: list((demo.run / "labels").glob("*.zpl")),
                     timeout=10, what="the label in run/labels")
    assert "RMA-10001" in label[0].read_text()

    def listed():
        _, _, body = demo.shop_get("/refunds?format=json")
        return [r for r in json.loads(body)["refunds"]
                if r["rma"] == "RMA-10001"]
    refund = wait_for(listed, timeout=20, what="the shop to list the refund")
    assert refund[0]["amount_minor"] == 11297
    assert refund[0]["receipt"] == rid
    code, ctype, page = demo.shop_get("/")
    assert code == 200 and ctype.startswith("text/html")
    assert "RMA-10001" in page and "112.97 PLN" in page
    wait_for(lambda: "shop: return.decided" in demo.output(), timeout=10,
             what="the shop to print the event")
    lines = [ln for ln in demo.output().splitlines()
             if ln.startswith("shop: refund.requested")]
    assert len(lines) == 1, lines
    assert lines[0].startswith("shop: refund.requested RMA-10001 "
                               "112.97 PLN (receipt %d, signature ok" % rid)
    # the user's run/ in the repository was left alone
    after = sorted(repo_run.rglob("*")) if repo_run.exists() else None
    assert before == after


def test_demo_complaint_parcel_weighs_what_it_should(make_demo):
    demo = make_demo()
    demo.type("scan CLERK-0001")
    demo.step_is("scan")
    demo.type("scan RMA-10002")
    s = demo.step_is("items")
    demo.type("scan " + GTIN_HEADPHONES)
    s = answer_checklist(demo, {"seal": "pass", "powers_on": "fail",
                                "damage": "pass", "accessories": "pass",
                                "account": "done", "grade": "C"})
    receipt = demo.ok("GET", "/api/v1/returns/%d" % s["receipt"])
    # 350 g of headphones and the demo's 20 g of packaging
    assert receipt["weight_g"] == 370, receipt
    assert receipt["weight_mismatch"] is False, receipt
    codes = [r["code"] for r in s["proposal"]["reasons"]]
    assert "weight_mismatch" not in codes, s["proposal"]
    assert s["proposal"]["verdict"] == "accept", s["proposal"]
    # the complaint demo is a sensible one: a defect within the 2 years
    assert "defect_confirmed" in codes, s["proposal"]
    assert "scale: the next reading is 370 g" in demo.output()


def day_of(rfc3339):
    # the shop's calendar day: Poland is UTC+1 or +2, so the UTC time
    # of local midnight falls on the day before
    t = datetime.datetime.strptime(rfc3339[:19], "%Y-%m-%dT%H:%M:%S")
    return (t + datetime.timedelta(hours=3)).date()


def test_demo_dates_follow_today(make_demo):
    today = datetime.date(2031, 5, 20)
    demo = make_demo("--today", today.isoformat())
    answer = demo.ok("GET", "/api/v1/expected")
    rows = answer if isinstance(answer, list) else \
        answer.get("expected", answer.get("returns"))
    by_rma = {r["rma"]: r for r in rows if r["rma"]}
    assert day_of(by_rma["RMA-10001"]["delivered_at"]) == \
        today - datetime.timedelta(days=3), by_rma["RMA-10001"]
    complaint = day_of(by_rma["RMA-10002"]["delivered_at"])
    assert today - datetime.timedelta(days=2 * 365) < complaint < \
        today - datetime.timedelta(days=14), by_rma["RMA-10002"]
    # the same dates, resolved, for `retourctl expected import`
    written = json.loads((demo.run / "expected.json").read_text())
    assert written["returns"][0]["delivered_at"] == "2031-05-17"
    assert "(delivered 2031-05-17)" in demo.output()


def test_demo_template_has_no_fixed_delivery_date():
    demo = json.loads((REPO / "tests/data/demo/expected.json").read_text())
    for er in demo["returns"]:
        assert er["delivered_at"] is None or \
            er["delivered_at"].startswith("today"), er


# ---- the simulated desk's parts ----------------------------------------

def read_weight(scale):
    fd = os.open(scale.slave_path, os.O_RDWR | os.O_NOCTTY)
    try:
        os.write(fd, b"SI\r\n")
        data = b""
        deadline = time.monotonic() + 5
        while not data.endswith(b"\n") and time.monotonic() < deadline:
            data += os.read(fd, 64)
        return data.decode()
    finally:
        os.close(fd)


def test_scale_control_sets_the_next_reading(tmp_path):
    said = []
    scale = SimScale(str(tmp_path / "scale"), weight_g=420,
                     control=str(tmp_path / "scale-control"),
                     log=said.append)
    try:
        assert read_weight(scale).split()[:3] == ["S", "S", "420"]
        with open(tmp_path / "scale-control", "w") as f:
            f.write("350\n")
        wait_for(lambda: scale.weight_g == 350, what="the control line")
        assert read_weight(scale).split()[:3] == ["S", "S", "350"]
        with open(tmp_path / "scale-control", "w") as f:
            f.write("weight 1200 g\n")
        wait_for(lambda: scale.weight_g == 1200, what="the control line")
        for bad in ("heavy\n", "-5\n", "weight\n", "mode sideways\n"):
            with open(tmp_path / "scale-control", "w") as f:
                f.write(bad)
        wait_for(lambda: len(said) == 6, what="each line answered")
        # a bad line is answered with what is wrong and changes nothing
        assert scale.weight_g == 1200 and scale.mode == "stable"
        assert said[:2] == ["scale: the next reading is 350 g",
                            "scale: the next reading is 1200 g"]
        assert not any("next reading" in s for s in said[2:]), said
    finally:
        scale.close()
    assert not (tmp_path / "scale-control").exists()


def post_event(shop, payload, secret):
    body = json.dumps(payload).encode()
    ts = str(int(time.time()))
    req = urllib.request.Request(shop.url, data=body, method="POST", headers={
        "webhook-id": payload["id"], "webhook-timestamp": ts,
        "webhook-signature": webhook_signature(secret, payload["id"], ts,
                                               body),
        "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        assert r.status == 200


def test_fake_shop_prints_and_lists_what_it_received():
    said = []
    shop = FakeShop(helpers.SECRET, log=said.append)
    base = "http://127.0.0.1:%d" % shop.port
    try:
        refund = {"type": "refund.requested", "id": "demo:d:1:refund:1",
                  "rma": "RMA-10001", "order": "ORD-1001", "receipt": 1,
                  "verdict": "accept", "amount_minor": 11297,
                  "currency": "PLN"}
        event = {"type": "return.decided", "id": "demo:d:1:return:1",
                 "rma": "RMA-10001", "order": "ORD-1001", "receipt": 1,
                 "verdict": "accept"}
        post_event(shop, refund, helpers.SECRET)
        post_event(shop, refund, helpers.SECRET)     # a retry: same id
        post_event(shop, event, helpers.SECRET)
        forged = dict(refund, id="demo:d:9:refund:9", amount_minor=99999)
        post_event(shop, forged, "whsec_" + "bm90IHRoZSBzZWNyZXQ=")
        assert len(said) == 4
        assert "signature BAD" in said[3] and "999.99 PLN" in said[3]
        assert said[0].split()[:4] == ["shop:", "refund.requested",
                                       "RMA-10001", "112.97"]
        assert "return.decided" in said[2] and "accept" in said[2]

        with urllib.request.urlopen(base + "/?format=json") as r:
            page = json.loads(r.read())
        assert [(x["rma"], x["amount_minor"]) for x in page["refunds"]] == \
            [("RMA-10001", 11297)]
        assert page["refunded"] == [{"currency": "PLN",
                                     "amount_minor": 11297,
                                     "amount": "112.97 PLN"}]
        # a forged refund is listed as received, never as a refund
        assert [(x["type"], x["signature_ok"]) for x in page["events"]] == \
            [("refund.requested", True), ("refund.requested", True),
             ("return.decided", True), ("refund.requested", False)]
        req = urllib.request.Request(base + "/refunds",
                                     headers={"Accept": "application/json"})
        with urllib.request.urlopen(req) as r:
            assert r.headers["Content-Type"] == "application/json"
            assert len(json.loads(r.read())["refunds"]) == 1
        with urllib.request.urlopen(base + "/") as r:
            html = r.read().decode()
            assert r.headers["Content-Type"].startswith("text/html")
        assert "RMA-10001" in html and "112.97 PLN" in html
        assert "<td>NO</td>" in html            # the forged one's signature
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(base + "/nothing-here")
        assert e.value.code == 404
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(urllib.request.Request(
                base + "/", method="DELETE"))
        assert e.value.code == 405
    finally:
        shop.close()
