# SPDX-License-Identifier: MIT
"""retourctl as the desk's fallback when the screen is down: a whole return
walked with `retourctl desk ...` alone, the weight typed in with a reason,
errors as JSON under --json, the daemon found without --socket, and the
lists' columns lined up with money shown once."""
import http.server
import json
import os
import re
import socketserver
import sqlite3
import subprocess
import threading

from helpers import (GTIN_OTHER, GTIN_TSHIRT, binary, expected_return,
                     wait_for)


def retourctl(*args, cwd=None, env=None, socket=None, timeout=20):
    """retourctl with RETOUR_SOCKET cleared unless @env sets it."""
    full_env = dict(os.environ)
    full_env.pop("RETOUR_SOCKET", None)
    full_env.update(env or {})
    argv = [binary("retourctl")] + (["--socket", socket] if socket else [])
    return subprocess.run(argv + [str(a) for a in args], cwd=cwd,
                          env=full_env, capture_output=True, text=True,
                          timeout=timeout)


class Desk:
    """The desk through retourctl only (no HTTP from the test)."""

    def __init__(self, st):
        self.st = st

    def run(self, *args, expect=0):
        p = retourctl(*args, socket=self.st.socket)
        assert p.returncode == expect, "retourctl %s -> %d (wanted %d)\n" \
            "stdout: %s\nstderr: %s" % (" ".join(map(str, args)),
                                        p.returncode, expect, p.stdout,
                                        p.stderr)
        return p

    def json(self, *args, expect=0):
        return json.loads(self.run("--json", *args, expect=expect).stdout)

    def status(self):
        return self.json("status")

    def wait_step(self, *steps, timeout=5.0):
        return wait_for(lambda: (s := self.status())["step"] in steps and s,
                        timeout=timeout, what="step in %s" % (steps,))


def manual_weights(db_path):
    """The receipt.weigh audit entries, read from the database file."""
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    try:
        rows = db.execute("SELECT subject, detail FROM audit WHERE "
                          "action = 'receipt.weigh' ORDER BY id").fetchall()
    finally:
        db.close()
    return [(subject, json.loads(detail)) for subject, detail in rows]


def answer_checklist(desk):
    """Answer each checklist step as it comes, by the kind the status
    gives; the answers come from what `desk status` says the step takes."""
    for _ in range(40):
        s = desk.status()
        if s["step"] != "checklist":
            return s
        c = s["checklist"]
        human = desk.run("desk", "status").stdout
        assert re.search(r"^answer: ", human, re.M), human
        if c["kind"] == "photo":
            desk.run("desk", "photo")
            wait_for(lambda: desk.status().get("checklist", {}).get("step")
                     != c["step"], what="photo step answered")
            continue
        answer = {"pass_fail": "pass", "instruction": "done"}.get(c["kind"])
        if c["kind"] == "choice":
            assert "A, B, C or scrap" in human, human
            answer = "A"
        if c["kind"] == "measure":
            answer = str(c["min"])
        out = desk.run("desk", "answer", answer).stdout
        assert out.startswith("step:"), out
    raise AssertionError("checklist never ended: %r" % desk.status())


def test_whole_return_with_retourctl_desk_only(make_station):
    st = make_station(grace_s=0)
    st.import_expected(expected_return())
    desk = Desk(st)

    out = desk.run("desk", "signin", "CLERK-0001").stdout
    assert re.search(r"^step: +scan$", out, re.M), out
    st.scale.mode = "error"     # the scale cannot weigh this parcel
    out = desk.run("desk", "scan", "RMA-10001").stdout
    assert re.search(r"^step: +weigh \(receipt \d+, code RMA-10001\)$", out,
                     re.M), out
    rid = desk.status()["receipt"]
    wait_for(lambda: "Scale error" in desk.status()["problem"],
             what="the scale's error shown")
    # ask the scale again: still the error, said as the problem
    out = desk.run("desk", "weigh").stdout
    assert "step:      weigh" in out
    wait_for(lambda: "Scale error" in desk.run("desk", "status").stdout,
             what="the scale's error after asking again")
    # a weight typed in needs a reason: refused before anything is sent
    p = desk.run("desk", "weigh", "400", expect=2)
    assert "needs --reason" in p.stderr
    assert desk.status()["step"] == "weigh"
    out = desk.run("desk", "weigh", "400", "--reason",
                   "scale shows Err 3, weighed on the spare").stdout
    assert not out.startswith("step:      weigh"), out
    assert manual_weights(st.db) == [
        ("receipt:%d" % rid, {"weight_g": 400, "mismatch": False,
                              "manual": True,
                              "reason": "scale shows Err 3, weighed on the "
                                        "spare"})]
    # the camera takes the parcel's photo by itself; then the items
    desk.wait_step("items")
    desk.run("desk", "scan", GTIN_TSHIRT)
    out = desk.run("desk", "scan", GTIN_TSHIRT).stdout
    assert "step:      checklist" in out, out
    s = answer_checklist(desk)
    assert s["step"] == "confirm", s
    out = desk.run("desk", "status").stdout
    assert re.search(r"^proposal: +accept, refund 112\.97 PLN$", out,
                     re.M), out
    # the devices: each scanner on its own line, a healthy one ok
    out = desk.run("status").stdout
    assert re.search(r"^  scanner +ok", out, re.M), out
    assert not re.search(r"^  scanners ", out, re.M), out
    assert re.search(r"^  within_window +- +Withdrawal", out, re.M), out

    out = desk.run("desk", "confirm").stdout
    assert re.search(r"^step: +scan$", out, re.M), out
    assert re.search(r"^decided: +receipt %d: accept \(undo until " % rid,
                     out, re.M), out

    # the record and the refund at the fake shop
    rec = desk.json("returns", "show", rid)
    assert rec["verdict"] == "accept" and rec["state"] == "decided"
    assert rec["weight_g"] == 400 and rec["weighed"] is True
    assert rec["decided_by"] == "Ola"
    refund = wait_for(lambda: st.shop.delivered("refund.requested"),
                      timeout=10, what="the refund at the shop")[0]
    assert refund["payload"]["amount_minor"] == 11297
    assert refund["payload"]["receipt"] == rid

    out = desk.run("desk", "signout").stdout
    assert re.search(r"^step: +sign_in$", out, re.M), out


def test_override_back_cancel_undo_and_buttons(make_station):
    st = make_station(grace_s=120)
    st.import_expected(expected_return(),
                       expected_return(rma="RMA-10002", order="ORD-1002"))
    desk = Desk(st)
    desk.run("desk", "signin", "CLERK-0001")

    # ship-QC and back, between parcels
    out = desk.run("desk", "routine", "ship_qc").stdout
    assert "Scan" in out
    assert desk.status()["routine"] == "ship_qc"
    desk.run("desk", "routine", "return")
    p = desk.run("desk", "routine", "sideways", expect=1)
    assert "HTTP 400" in p.stderr and "routine" in p.stderr

    # a scale that never answers: the step skipped, then the parcel
    # abandoned
    st.scale.mode = "silent"
    desk.run("desk", "scan", "RMA-10002")
    skipped = desk.status()["receipt"]
    assert desk.status()["step"] == "weigh"
    out = desk.run("desk", "skip").stdout
    assert "step:      weigh" not in out, out
    st.scale.mode = "stable"
    desk.wait_step("items")
    out = desk.run("desk", "cancel").stdout
    assert re.search(r"^step: +scan$", out, re.M), out
    rec = desk.json("returns", "show", skipped)
    assert rec["weighed"] is False and rec["state"] == "cancelled", rec

    # nothing to confirm yet: said, and nothing sent
    p = desk.run("desk", "confirm", expect=1)
    assert "nothing to confirm" in p.stderr

    # the next parcel asks the scale again: it answers now, so the weight
    # is this parcel's and the scale's fault is gone
    desk.run("desk", "scan", "RMA-10001")
    s = desk.wait_step("items")
    assert s["devices"]["scale"]["ok"] is True, s["devices"]["scale"]
    assert desk.json("returns", "show", s["receipt"])["weighed"] is True
    desk.run("desk", "scan", GTIN_TSHIRT)
    desk.run("desk", "items-done")
    s = answer_checklist(desk)
    assert s["step"] == "confirm"
    rid = s["receipt"]
    other = "reject" if s["proposal"]["verdict"] != "reject" else "hold"
    out = desk.run("desk", "back").stdout
    assert "step:      checklist" in out, out
    answer_checklist(desk)
    # an override needs a reason
    p = desk.run("desk", "confirm", "--override", "reject", expect=2)
    assert "--reason" in p.stderr
    out = desk.run("desk", "confirm", "--override", other, "--reason",
                   "box smells of smoke").stdout
    assert re.search(r"^decided: +receipt %d: %s" % (rid, other), out,
                     re.M), out
    rec = desk.json("returns", "show", rid)
    assert rec["verdict"] == other and rec["overridden"] is True
    assert rec["override_reason"] == "box smells of smoke"

    out = desk.run("desk", "undo", rid).stdout
    assert out.startswith("receipt %d undone\n" % rid), out
    assert desk.json("returns", "show", rid)["undone_at"]
    p = desk.run("desk", "undo", 9999, expect=1)
    assert "HTTP 404" in p.stderr

    # the buttons: a press is queued; the pedal at the items step says
    # the items are done, and the state shown is the one after it
    desk.run("desk", "scan", "RMA-10002")
    desk.wait_step("items")
    out = desk.run("desk", "press", "pedal").stdout
    assert out.startswith("pressed pedal\nstep:"), out
    assert not out.startswith("pressed pedal\nstep:      items"), out
    p = desk.run("desk", "press", "sideways", expect=2)
    assert "accept, reject, pedal or parcel" in p.stderr


def test_manual_weight_api_bad_input_changes_nothing(make_station):
    st = make_station()
    st.sign_in()
    st.import_expected(expected_return())
    st.scale.mode = "error"
    st.feed("RMA-10001")
    s = st.wait_step("weigh")
    rid = s["receipt"]
    for body in ({"grams": 400}, {"reason": "scale broken"},
                 {"grams": "400", "reason": "scale broken"},
                 {"grams": 0, "reason": "scale broken"},
                 {"grams": -5, "reason": "scale broken"},
                 {"grams": 1000001, "reason": "scale broken"},
                 {"grams": 400, "reason": ""},
                 {"grams": 400, "reason": "   "},
                 {"grams": 400, "reason": "x" * 201},
                 {"grams": 400.5, "reason": "scale broken"}, [400]):
        code, answer = st.call("POST", "/api/v1/weigh", body)
        assert code == 400, (body, code, answer)
        assert answer["error"], answer
    code, answer = st.call("POST", "/api/v1/weigh",
                           raw=b'{"grams":400,"reason":"\xff\xfe"}')
    assert code == 400, answer
    assert st.status()["step"] == "weigh"
    assert st.receipt(rid)["weight_g"] is None
    assert manual_weights(st.db) == []

    # 200 bytes of UTF-8 is the limit; the desk moves on
    reason = "\u0105" * 100         # 2 bytes each
    code, answer = st.call("POST", "/api/v1/weigh",
                           {"grams": 1000000, "reason": reason})
    assert code == 200, answer
    assert answer["step"] != "weigh"
    assert st.receipt(rid)["weight_g"] == 1000000
    assert manual_weights(st.db)[-1][1]["reason"] == reason
    # at another step: 409, nothing recorded
    code, answer = st.call("POST", "/api/v1/weigh",
                           {"grams": 350, "reason": "again"})
    assert code == 409, answer
    assert "not expected now" in answer["error"]
    assert st.receipt(rid)["weight_g"] == 1000000
    assert len(manual_weights(st.db)) == 1
    # through the CLI, the same refusal: exit 1 with the daemon's words
    p = retourctl("desk", "weigh", "350", "--reason", "again",
                  socket=st.socket)
    assert p.returncode == 1
    assert "not expected now" in p.stderr and "HTTP 409" in p.stderr


def test_errors_are_json_under_json(make_station, tmp_path):
    # usage errors, before and after the command word
    for args in (["--json", "bogus"], ["bogus", "--json"],
                 ["--json", "desk", "frobnicate"], ["--json", "--frob"],
                 ["--json"], ["--json", "desk", "weigh", "400"],
                 ["--json", "desk", "weigh", "heavy", "--reason", "x"]):
        p = retourctl(*args, cwd=str(tmp_path))
        assert p.returncode == 2, (args, p.stdout, p.stderr)
        err = json.loads(p.stdout)
        assert set(err) == {"error"} and err["error"], err
        assert "usage:" not in p.stdout + p.stderr

    # daemon down: the sockets tried are named
    missing = str(tmp_path / "no.sock")
    p = retourctl("--json", "desk", "status", socket=missing)
    assert p.returncode == 1
    err = json.loads(p.stdout)
    assert missing in err["error"] and err["tried"] == [missing], err

    # a refused action: the daemon's text and its status
    st = make_station()
    st.sign_in()
    p = retourctl("--json", "desk", "undo", "77", socket=st.socket)
    assert p.returncode == 1
    err = json.loads(p.stdout)
    assert err["status"] == 404 and "77" in err["error"], err
    p = retourctl("--json", "desk", "weigh", "350", "--reason", "x",
                  socket=st.socket)
    assert p.returncode == 1
    err = json.loads(p.stdout)
    assert err["status"] == 409 and "not expected now" in err["error"], err
    # and a good answer is the daemon's JSON
    p = retourctl("--json", "desk", "status", socket=st.socket)
    assert p.returncode == 0 and json.loads(p.stdout)["step"] == "scan"


def test_socket_found_without_socket_option(make_station, tmp_path):
    st = make_station(start=False)
    (st.dir / "run").mkdir()
    st.socket = str(st.dir / "run" / "retourd.sock")
    st.cfg["api"]["socket"] = st.socket
    st.write_config()
    st.start()

    # the desk `make run` started in this checkout: ./run/retourd.sock
    p = retourctl("status", cwd=str(st.dir))
    assert p.returncode == 0, p.stderr
    assert re.search(r"^step: +sign_in$", p.stdout, re.M), p.stdout
    p = retourctl("desk", "signin", "CLERK-0001", cwd=str(st.dir))
    assert p.returncode == 0, p.stderr
    assert st.status()["clerk"] == "Ola"

    # RETOUR_SOCKET comes first, and alone
    gone = str(tmp_path / "gone.sock")
    p = retourctl("status", cwd=str(st.dir), env={"RETOUR_SOCKET": gone})
    assert p.returncode == 1
    assert "cannot reach retourd at %s" % gone in p.stderr
    assert "RETOUR_SOCKET" in p.stderr
    # --socket before RETOUR_SOCKET
    p = retourctl("status", env={"RETOUR_SOCKET": gone}, socket=st.socket)
    assert p.returncode == 0, p.stderr

    # nothing answers: each path tried is named, and how to choose
    p = retourctl("status", cwd=str(tmp_path))
    assert p.returncode == 1
    assert "./run/retourd.sock" in p.stderr
    assert "/run/retour/retourd.sock" in p.stderr
    assert "--socket PATH" in p.stderr and "RETOUR_SOCKET" in p.stderr
    p = retourctl("--json", "status", cwd=str(tmp_path))
    assert json.loads(p.stdout)["tried"] == ["./run/retourd.sock",
                                             "/run/retour/retourd.sock"]


def columns_line_up(text):
    """Each row's cells start where the title line's titles start."""
    lines = text.rstrip("\n").split("\n")
    header = lines[0]
    starts = [m.start() for m in re.finditer(r"(?:^|(?<=  ))\S", header)]
    assert len(starts) >= 3, header
    for line in lines[1:]:
        for s in starts[1:]:
            assert len(line) > s and line[s] != " " and \
                line[s - 1] == " " and line[s - 2] == " ", \
                "column at %d out of line:\n%s" % (s, text)
    return lines


def test_lists_line_up_and_money_shows_once(make_station):
    st = make_station(grace_s=0)
    st.sign_in()
    st.import_expected(expected_return(),
                       expected_return(rma="RMA-10002", order="ORD-1002",
                                       delivery_basic_minor=999))
    st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    rid = st.confirm()
    wait_for(lambda: all(o["state"] == "done" for o in st.outbox()),
             timeout=10, what="outbox delivered")
    desk = Desk(st)

    lines = columns_line_up(desk.run("returns", "list").stdout)
    assert lines[0].split() == ["id", "received", "routine", "code", "rma",
                                "state", "verdict", "refund"]
    assert lines[1].endswith("  112.97 PLN"), lines
    lines = columns_line_up(desk.run("outbox", "list").stdout)
    # received, inspected, refund, decided, refund.succeeded
    assert len(lines) == 6
    lines = columns_line_up(desk.run("expected", "list").stdout)
    assert len(lines) == 3
    assert any(line.endswith("  9.99 PLN") for line in lines), lines
    assert any(line.endswith("  12.99 PLN") for line in lines), lines

    show = desk.run("returns", "show", rid).stdout
    assert re.search(r"^refund: +112\.97 PLN$", show, re.M), show
    # money once: no raw minor units beside it, no separate currency line
    for text in (show, desk.run("returns", "list").stdout,
                 desk.run("expected", "list").stdout):
        assert not re.search(r"\b(11297|1299|999)\b", text), text
        assert not re.search(r"^currency", text, re.M), text
    # the receipt's parts are tables too, without the _us twins
    assert "_us" not in show
    columns_line_up(show.split("items (2):\n")[1].split("\nphotos")[0]
                    .replace("\n  ", "\n").lstrip(" "))


def test_help_lists_the_desk_commands(tmp_path):
    p = retourctl("--help", cwd=str(tmp_path))
    assert p.returncode == 0
    for word in ("desk COMMAND", "status", "expected list", "--socket PATH",
                 "RETOUR_SOCKET", "./run/retourd.sock"):
        assert word in p.stdout, word
    for args in (["desk", "--help"], ["desk", "help"], ["--help", "desk"]):
        p = retourctl(*args, cwd=str(tmp_path))
        assert p.returncode == 0, args
        for cmd in ("signin BADGE", "signout", "routine return|ship_qc",
                    "scan CODE", "weigh GRAMS --reason TEXT", "photo",
                    "skip", "items-done", "answer ANSWER", "confirm",
                    "--override VERDICT --reason TEXT", "--supervisor BADGE",
                    "back", "cancel", "undo RECEIPT", "reprint RECEIPT",
                    "press accept|reject|pedal"):
            assert "desk " + cmd in p.stdout or cmd in p.stdout, (args, cmd)
    p = retourctl("desk", cwd=str(tmp_path))
    assert p.returncode == 2 and "desk signin BADGE" in p.stderr


# ---- the requests retourctl sends, against a recording fake retourd ----
# (reprint and the supervisor's badge are built beside this branch: their
# contract is docs/API.md's, so the CLI side is checked on the wire)

class FakeRetourd(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class FakeHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def address_string(self):
        return "unix"

    def answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.seen.append((self.command, self.path, body))
        status, reply = self.server.routes.get(
            (self.command, self.path), (404, {"error": "no such route"}))
        data = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = answer


CONFIRM_STATUS = {
    "desk": "desk-1", "routine": "return", "step": "confirm", "clerk": "Ola",
    "receipt": 12, "code": "RMA-10001", "prompt": "Proposal: REJECT",
    "problem": "", "light": "amber", "buzzer": False,
    "proposal": {"verdict": "reject", "refund_minor": 0, "currency": "PLN",
                 "reasons": [{"code": "window_passed", "item": -1,
                              "text": "Too late."}]},
    "devices": {}, "outbox": {"pending": 0, "dead": 0}}


def fake_retourd(tmp_path, routes):
    server = FakeRetourd(str(tmp_path / "fake.sock"), FakeHandler)
    server.routes = routes
    server.seen = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_reprint_and_supervisor_on_the_wire(tmp_path):
    scan = dict(CONFIRM_STATUS, step="scan", proposal=None,
                last_decision={"receipt": 12, "verdict": "accept",
                               "undo_until": "2026-12-02T10:00:00Z"})
    server = fake_retourd(tmp_path, {
        ("GET", "/api/v1/status"): (200, scan),
        ("POST", "/api/v1/reprint"): (202, {"receipt": 12, "queued": True}),
        ("POST", "/api/v1/confirm"): (200, scan),
        ("DELETE", "/api/v1/clerk"): (200, dict(scan, step="sign_in")),
    })
    sock = server.server_address
    try:
        p = retourctl("desk", "reprint", "12", socket=sock)
        assert p.returncode == 0, p.stderr
        assert server.seen[0][:2] == ("POST", "/api/v1/reprint")
        assert json.loads(server.seen[0][2]) == {"receipt": 12}
        assert p.stdout.startswith(
            "label of receipt 12 queued for the printer\nstep:"), p.stdout
        assert "decided:   receipt 12: accept" in p.stdout

        server.seen.clear()
        p = retourctl("desk", "confirm", "--override", "accept", "--reason",
                      "customer posted on time", "--supervisor", "SUP-0001",
                      socket=sock)
        assert p.returncode == 0, p.stderr
        method, path, body = server.seen[-1]
        assert (method, path) == ("POST", "/api/v1/confirm")
        assert json.loads(body) == {"verdict": "accept",
                                    "reason": "customer posted on time",
                                    "supervisor": "SUP-0001"}
        p = retourctl("desk", "confirm", "--supervisor", "SUP-0001",
                      socket=sock)
        assert p.returncode == 2 and "--override" in p.stderr

        # confirm without an override sends the proposal's own verdict
        server.routes[("GET", "/api/v1/status")] = (200, CONFIRM_STATUS)
        server.seen.clear()
        p = retourctl("desk", "confirm", socket=sock)
        assert p.returncode == 0, p.stderr
        assert json.loads(server.seen[-1][2]) == {"verdict": "reject"}

        p = retourctl("desk", "signout", socket=sock)
        assert p.returncode == 0 and server.seen[-1][:2] == (
            "DELETE", "/api/v1/clerk")

        # a reprint the daemon refuses: its words, exit 1
        server.routes[("POST", "/api/v1/reprint")] = (
            409, {"error": "receipt 12 has no label"})
        p = retourctl("desk", "reprint", "12", socket=sock)
        assert p.returncode == 1
        assert "receipt 12 has no label" in p.stderr and "HTTP 409" in p.stderr
        p = retourctl("desk", "reprint", "twelve", socket=sock)
        assert p.returncode == 2
    finally:
        server.shutdown()
        server.server_close()


# ---- the ways on: a code not found, a unit taken out, a receipt left open

SHIPMENT_MUG = {"sku": "MUG-W", "gtin": GTIN_TSHIRT, "name": "Mug white",
                "category": "home", "quantity": 1, "unit_price_minor": 2900,
                "weight_g": 400, "personalised": False,
                "made_to_order": False, "perishable": False,
                "sealed_hygiene": False}


def test_not_found_then_desk_unexpected(make_station):
    st = make_station()
    st.import_expected(expected_return())
    desk = Desk(st)
    out = desk.run("desk", "signin", "CLERK-0001").stdout
    assert re.search(r"^clerk: +Ola \(clerk\)$", out, re.M), out
    assert "not found:" not in out and "left open:" not in out, out
    # nothing was not found yet: the daemon's refusal, as it said it
    p = desk.run("desk", "unexpected", expect=1)
    assert "HTTP 409" in p.stderr and "not found" in p.stderr, p.stderr
    p = desk.run("desk", "unexpected", "x", expect=2)
    assert "takes no arguments" in p.stderr

    # the refusal, and the two ways on the desk offers now
    p = desk.run("desk", "scan", "RMA-99999", expect=1)
    assert "RMA-99999 not found (HTTP 409)" in p.stderr, p.stderr
    assert re.search(r"^not found: RMA-99999 ", p.stdout, re.M), p.stdout
    assert "desk scan NUMBER" in p.stdout and "desk unexpected" in p.stdout
    out = desk.run("desk", "status").stdout
    assert re.search(r"^not found: RMA-99999 ", out, re.M), out

    out = desk.run("desk", "unexpected").stdout
    assert re.search(r"^step: +(weigh|photo|items) \(receipt (\d+), "
                     r"code RMA-99999\)$", out, re.M), out
    assert "not found:" not in out, out
    rid = desk.status()["receipt"]
    rec = desk.json("returns", "show", rid)
    assert rec["code"] == "RMA-99999" and rec["expected_id"] is None, rec
    # under --json, the daemon's answer as it came
    desk.run("desk", "cancel")
    desk.run("desk", "scan", "RMA-99998", expect=1)
    s = desk.json("desk", "unexpected")
    assert s["receipt"] and s["receipt"] != rid and s["not_found"] is None


def test_ship_qc_remove_through_retourctl(make_station):
    st = make_station(start=False)
    st.cfg["clerks"]["CLERK-0009"] = "Ewa, supervisor"
    st.write_config()
    st.start()
    st.import_expected(expected_return(
        rma="", order="ORD-2001", kind="shipment", delivered_days_ago=None,
        delivery_basic_minor=0, items=[dict(SHIPMENT_MUG)]))
    desk = Desk(st)
    out = desk.run("desk", "signin", "CLERK-0009").stdout
    assert re.search(r"^clerk: +Ewa \(supervisor\)$", out, re.M), out
    # a return has nothing to take out
    p = desk.run("desk", "remove", expect=1)
    assert "not expected now" in p.stderr and "HTTP 409" in p.stderr
    desk.run("desk", "routine", "ship_qc")
    out = desk.run("desk", "scan", "ORD-2001").stdout
    assert re.search(r"^step: +items ", out, re.M), out
    assert re.search(r"^removing: +no ", out, re.M), out
    rid = desk.status()["receipt"]

    out = desk.run("desk", "scan", GTIN_OTHER).stdout
    assert "Extra item" in out, out
    out = desk.run("desk", "remove").stdout
    assert re.search(r"^removing: +yes: the next item scanned is taken "
                     r"out", out, re.M), out
    out = desk.run("desk", "scan", GTIN_OTHER).stdout
    assert re.search(r"^removing: +no ", out, re.M), out
    assert desk.json("returns", "show", rid)["items"] == []

    # with a CODE: that item at once; one not counted is refused
    desk.run("desk", "scan", GTIN_TSHIRT)
    p = desk.run("desk", "remove", GTIN_OTHER, expect=1)
    assert "was not counted in this box" in p.stderr, p.stderr
    out = desk.run("desk", "remove", GTIN_TSHIRT).stdout
    assert re.search(r"^step: +items ", out, re.M), out
    assert desk.json("returns", "show", rid)["items"] == []
    p = desk.run("desk", "remove", "a", "b", expect=2)
    assert "at most one CODE" in p.stderr
    # the status's own words under --json
    s = desk.json("desk", "status")
    assert s["removing"] is False and s["role"] == "supervisor", s


def test_left_open_is_shown_with_resume_and_abandon(make_station):
    st = make_station()
    st.import_expected(expected_return())
    desk = Desk(st)
    desk.run("desk", "signin", "CLERK-0001")
    desk.run("desk", "scan", "RMA-10001")
    rid = desk.status()["receipt"]
    st.kill9()
    st.start()
    out = desk.run("status").stdout
    assert re.search(r"^left open: receipt %d \(RMA-10001, return\) " % rid,
                     out, re.M), out
    assert "resume: desk scan RMA-10001; abandon: desk cancel" in out, out
    assert re.search(r"^clerk: +-$", out, re.M), out
    out = desk.run("desk", "signin", "CLERK-0001").stdout
    assert "left open: receipt %d" % rid in out, out
    out = desk.run("desk", "cancel").stdout
    assert "left open:" not in out, out
    assert desk.json("returns", "show", rid)["state"] == "cancelled"


def test_confirm_with_a_complaints_remedy(station):
    st = station
    kettle = {"sku": "KETTLE-1L", "gtin": "05901234123488", "name": "Kettle",
              "category": "electronics", "quantity": 1,
              "unit_price_minor": 12999, "weight_g": 400}
    st.import_expected(expected_return(
        rma="RMA-20001", order="ORD-2001", kind="complaint",
        delivered_days_ago=200, items=[kettle]))
    st.scale.weight_g = 400
    s = st.run_to("RMA-20001", items=[kettle["gtin"]],
                  answers={"powers_on": "fail"})
    assert s["proposal"]["verdict"] == "accept", s["proposal"]
    rid = s["receipt"]
    desk = Desk(st)
    for args, needle in (
            (["--amount", "3000"], "--amount goes with --remedy reduce"),
            (["--remedy", "reduce", "--amount", "30.00"], "minor units"),
            (["--remedy", "reduce", "--amount", "-5"], "minor units")):
        p = desk.run("desk", "confirm", *args, expect=2)
        assert needle in p.stderr, (args, p.stderr)
    p = desk.run("status", "--remedy", "repair", expect=2)
    assert "only go with desk weigh and desk confirm" in p.stderr
    # the daemon's refusals, as it said them; nothing decided
    p = desk.run("desk", "confirm", "--remedy", "reduce", expect=1)
    assert "amount_minor" in p.stderr, p.stderr
    p = desk.run("desk", "confirm", "--remedy", "cash", expect=1)
    assert "HTTP 400" in p.stderr, p.stderr
    assert desk.status()["step"] == "confirm"

    out = desk.run("desk", "confirm", "--remedy", "reduce", "--amount",
                   "3000").stdout
    assert re.search(r"^decided: +receipt %d: accept" % rid, out, re.M), out
    rec = desk.json("returns", "show", rid)
    assert rec["refund_minor"] == 3000, rec
    assert rec["proposal"]["remedy"] == "reduce", rec["proposal"]
