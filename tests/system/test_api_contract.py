# SPDX-License-Identifier: MIT
"""docs/openapi.json is the API's contract, and this file holds the server
to it (docs/API.md is made from it by scripts/api-doc.py).

Every operation of docs/openapi.json is a method, a path, and the statuses
it answers, each with the schema of its body (components.schemas: the
shapes, with their required and optional keys).  The server's own route
table is parsed from src/api/routes.c.  Then:

* both list the same routes (an operation marked x-retour-coming is
  skipped while the server does not have it; one marked
  x-retour-not-yet-there must answer 404);
* every documented status of every route is provoked against a real
  retourd by a scenario below, and the body has the documented keys, no
  other, of the documented types; a status without a scenario fails, so
  the document cannot promise what nobody checked.  401 and 413, which
  every route gives, are provoked for every route by their own tests;
* every documented path answers a method it does not list with 405 and an
  Allow header naming exactly the documented methods.

Below those, a test per finding of issue 6 (a refused or unrecorded desk
command, the returns' search).
"""
import importlib.util
import json
import os
import pty
import re
import sqlite3
import subprocess
import threading
import time
import tty
import urllib.parse
from datetime import datetime, timedelta, timezone

import pytest

from helpers import (GTIN_TSHIRT, REPO, UnixHTTPConnection, binary,
                     expected_return, iso_utc,
                     wait_for)

SPEC_FILE = REPO / "docs" / "openapi.json"
ROUTES_C = REPO / "src" / "api" / "routes.c"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# The statuses every route gives, provoked for all of them at once below.
GENERAL = {401, 413}


# ---- reading the contract ----

def _load_api_doc():
    spec = importlib.util.spec_from_file_location(
        "api_doc", REPO / "scripts" / "api-doc.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


API_DOC = _load_api_doc()
SPEC = json.loads(SPEC_FILE.read_text())


def _concrete_paths(path, op):
    """/a/{button} with an enum -> /a/x, /a/y; "{id}" stays: the server's
    table has it as a placeholder."""
    paths = [path]
    for p in op.get("parameters", []):
        if p["in"] == "path" and "enum" in p["schema"]:
            paths = [q.replace("{%s}" % p["name"], v)
                     for q in paths for v in p["schema"]["enum"]]
    return paths


def _resolve(node):
    while "$ref" in node:
        node = API_DOC._resolve(SPEC, node["$ref"], "", [])
    return node


def read_doc():
    """(routes, shapes): routes maps (method, path) to {"answers":
    [(status, shape)], "mark": None | "coming" | "absent", "op": the
    operation}; shapes maps a schema's name to (required keys, optional
    keys)."""
    routes, shapes = {}, {}
    for method, path, op in API_DOC.operations(SPEC):
        mark = ("coming" if op.get("x-retour-coming") else
                "absent" if op.get("x-retour-not-yet-there") else None)
        answers = [(int(code), API_DOC.answer_shape(_resolve(r)))
                   for code, r in op["responses"].items()]
        for p in _concrete_paths(path, op):
            assert (method, p) not in routes, \
                "docs/openapi.json lists %s %s twice" % (method, p)
            routes[(method, p)] = {"answers": answers, "mark": mark,
                                   "op": op}
    for name, s in SPEC["components"]["schemas"].items():
        required = set(s.get("required", []))
        shapes[name] = (required, set(s.get("properties", {})) - required)
    assert routes and shapes, "docs/openapi.json: no paths or schemas"
    return routes, shapes


def read_server_routes():
    text = ROUTES_C.read_text()
    table = re.search(r"api_routes\[\] = \{(.*?)\n\};", text, re.S)
    assert table, "src/api/routes.c: the api_routes[] table is not there"
    found = re.findall(r'\{"([A-Z]+)",\s*"([^"]+)",\s*API_\w+', table.group(1))
    assert found, "src/api/routes.c: api_routes[] has no rows"
    return set(found)


DOC_ROUTES, SHAPES = read_doc()
SERVER_ROUTES = read_server_routes()


def served(method, path):
    return (method, path) in SERVER_ROUTES


# ---- talking to retourd, headers included ----

def request(st, method, path, body=None, raw=None, headers=None):
    """(status, parsed body or text, headers) of one request; of an event
    stream, its first event."""
    c = UnixHTTPConnection(st.socket, timeout=15)
    data = raw if raw is not None else (
        json.dumps(body).encode() if body is not None else None)
    c.request(method, path, body=data,
              headers=dict({"Content-Type": "application/json"},
                           **(headers or {})))
    r = c.getresponse()
    if r.getheader("Content-Type", "").startswith("text/event-stream"):
        text = b""
        while not text.endswith(b"\n\n"):
            line = r.fp.readline()
            if not line:
                break
            text += line
    else:
        text = r.read()
    headers = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    if headers.get("content-type", "").startswith("application/json"):
        return r.status, json.loads(text), headers
    return r.status, text.decode(errors="replace"), headers


class HeldLock:
    """Another connection holding the write lock longer than the daemon's
    busy timeout (2 s), so the daemon's next write fails."""

    def __init__(self, db, seconds=3.0):
        self.db, self.seconds = db, seconds
        self.taken = threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self):
        c = sqlite3.connect(str(self.db), timeout=10, isolation_level=None)
        c.execute("BEGIN IMMEDIATE")
        self.taken.set()
        time.sleep(self.seconds)
        c.execute("ROLLBACK")
        c.close()

    def __enter__(self):
        self.thread.start()
        assert self.taken.wait(5)
        return self

    def __exit__(self, *exc):
        self.thread.join()


# ---- the desk in the state a scenario needs ----

def fresh(ms, **kw):
    """Nobody signed in: the desk refuses every parcel command."""
    return ms(**kw)


def ready(ms, **kw):
    """Signed in, RMA-10001 expected, waiting for a parcel."""
    st = ms(**kw)
    st.sign_in()
    st.import_expected(expected_return())
    return st


def at_items(ms, **kw):
    st = ready(ms, **kw)
    st.run_to("RMA-10001", stop_at="items", items_done=False)
    return st


def at_weigh(ms):
    """A scale that never answers: the desk stays at weigh."""
    st = ready(ms)
    st.scale.mode = "silent"
    st.feed("RMA-10001")
    st.wait_step("weigh")
    return st


def at_checklist(ms):
    st = ready(ms)
    st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT],
              stop_at="checklist")
    return st


def at_confirm(ms, **kw):
    st = ready(ms, **kw)
    st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    return st


def decided(ms, grace_s=0):
    """A decided return; its outbox rows wait @grace_s before they go."""
    st = at_confirm(ms, grace_s=grace_s)
    return st, st.confirm()


def evidence_of(ext):
    """A decided return's dispute pack (.pdf, .zip or .json)."""
    def run(ms):
        st, rid = decided(ms)
        return request(st, "GET", "/api/v1/receipts/%d/evidence.%s" %
                       (rid, ext))
    return run


def purged(path):
    """A decided return purged whole by the station's retention
    (receipts_days = 1, purged by hand as of two days on): its tombstone
    answers @path ("/api/v1/returns/%d", ...)."""
    def run(ms):
        st, rid = decided(ms)
        wait_for(lambda: not st.outbox("pending"), timeout=15,
                 what="the outbox delivered")
        st.stop()
        st.cfg["retention"] = {"receipts_days": 1}
        st.write_config()
        at = iso_utc(datetime.now(timezone.utc) + timedelta(days=2))
        subprocess.run([binary("retourctl"), "-c", str(st.conf_path),
                        "retention", "purge", "--at", at], check=True,
                       capture_output=True, timeout=60)
        st.start()
        return request(st, "GET", path % rid)
    return run


def without(ms, device):
    """A desk whose board has no @device at all."""
    st = ms(start=False)
    st.board[device] = {"backend": "none"}
    st.write_config()
    st.start()
    st.sign_in()
    st.import_expected(expected_return())
    return st


def delivered_row(ms):
    st, rid = decided(ms)
    row = wait_for(lambda: [r for r in st.outbox("done")
                            if r["receipt_id"] == rid],
                   timeout=15, what="an outbox row delivered")
    return st, row[0]["id"]


def checklist_answer(s):
    c = s["checklist"]
    return {"pass_fail": "pass", "instruction": "done", "measure": "0",
            "choice": (c.get("choices") or ["A"])[0]}.get(c["kind"])


def answer_checklist(ms):
    st = at_checklist(ms)
    s = wait_for(lambda: (x := st.status())["step"] != "checklist" or
                 x["checklist"]["kind"] != "photo" and x,
                 what="a checklist step answered by text")
    return request(st, "POST", "/api/v1/answer",
                   {"answer": checklist_answer(s)})


def break_an_index(st):
    """Point an index at another column while the daemon is stopped: its
    entries no longer match the table (integrity_check: row missing from
    index; the quick_check at start does not look that far)."""
    st.stop()
    c = sqlite3.connect(str(st.db), isolation_level=None, timeout=10)
    version = c.execute("PRAGMA schema_version").fetchone()[0]
    c.execute("PRAGMA writable_schema=ON")
    c.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX "
              "receipt_by_state ON receipt(desk)' "
              "WHERE name = 'receipt_by_state'")
    c.execute("PRAGMA schema_version=%d" % (version + 1))
    c.execute("PRAGMA writable_schema=OFF")
    c.close()
    st.start()


def tamper_audit(st):
    """Edit the first audit entry while the daemon is stopped."""
    st.stop()
    c = sqlite3.connect(str(st.db), isolation_level=None, timeout=10)
    c.execute("DROP TRIGGER audit_no_update")
    c.execute("UPDATE audit SET action = 'tampered' "
              "WHERE id = (SELECT min(id) FROM audit)")
    c.close()
    st.start()


def confirm_locked(ms):
    st = at_confirm(ms)
    verdict = st.status()["proposal"]["verdict"]
    with HeldLock(st.db):
        return request(st, "POST", "/api/v1/confirm", {"verdict": verdict})


def scan_locked(ms):
    st = ready(ms)
    with HeldLock(st.db):
        return request(st, "POST", "/api/v1/scan", {"code": "RMA-10001"})


def import_locked(ms):
    st = fresh(ms)
    with HeldLock(st.db):
        return request(st, "POST", "/api/v1/expected",
                       {"returns": [expected_return()]})


def import_queue_full(ms):
    """[api] import_queue = 1, its place taken by an import whose body is
    still arriving: the next import is refused at once."""
    import socket
    st = ms(start=False)
    st.cfg["api"]["import_queue"] = 1
    st.write_config()
    st.start()
    slow = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    slow.connect(st.socket)
    slow.sendall(b"POST /api/v1/expected HTTP/1.1\r\nHost: retourd\r\n"
                 b"Content-Type: application/json\r\n"
                 b"Content-Length: 1000\r\n\r\n{")
    try:
        wait_for(lambda: "retour_import_queue_arriving 1" in
                 request(st, "GET", "/metrics")[1],
                 what="the slow import's place taken")
        return request(st, "POST", "/api/v1/expected",
                       {"returns": [expected_return()]})
    finally:
        slow.close()


def photo_not_modified(ms):
    """The photo asked again with the ETag it came with: 304, no body."""
    st = at_items(ms)
    _, _, headers = request(st, "GET", "/api/v1/photos/1")
    return request(st, "GET", "/api/v1/photos/1",
                   headers={"If-None-Match": headers["etag"]})


def undo_in_grace(ms):
    st, rid = decided(ms, grace_s=600)
    return request(st, "POST", "/api/v1/undo", {"receipt": rid})


def undo_too_late(ms):
    st, rid = decided(ms)
    return request(st, "POST", "/api/v1/undo", {"receipt": rid})


def retry_waiting(ms):
    st, rid = decided(ms, grace_s=600)
    row = [r for r in st.outbox() if r["receipt_id"] == rid][0]
    return request(st, "POST", "/api/v1/outbox/%d/retry" % row["id"])


def retry_delivered(ms):
    st, oid = delivered_row(ms)
    return request(st, "POST", "/api/v1/outbox/%d/retry" % oid)


def at_qc_items(ms):
    """Ship-QC: an order's box open at the items step."""
    st = ready(ms)
    st.import_expected(expected_return(rma="", order="ORD-2001",
                                       kind="shipment",
                                       delivered_days_ago=None,
                                       delivery_basic_minor=0))
    request(st, "POST", "/api/v1/routine", {"routine": "ship_qc"})
    st.feed("ORD-2001")
    st.wait_step("items")
    return st


def not_found(ms):
    """An RMA nobody expects: the desk says "not found" and offers ways."""
    st = ready(ms)
    request(st, "POST", "/api/v1/scan", {"code": "RMA-99999"})
    return st


def unexpected_locked(ms):
    st = not_found(ms)
    with HeldLock(st.db):
        return request(st, "POST", "/api/v1/unexpected")


def reprint_decided(ms):
    st, rid = decided(ms)
    wait_for(lambda: st.status()["outbox"]["pending"] == 0,
             timeout=15, what="the label printed")
    return request(st, "POST", "/api/v1/reprint", {"receipt": rid})


def reprint_open(ms):
    st = at_items(ms)
    return request(st, "POST", "/api/v1/reprint",
                   {"receipt": st.status()["receipt"]})


def reprint_no_printer(ms):
    st = without(ms, "printer")
    st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    rid = st.confirm()
    return request(st, "POST", "/api/v1/reprint", {"receipt": rid})


def zero_hid_scale(stuck):
    """POST /api/v1/scale/zero at a desk whose scale is a HID POS scale (a
    pty, as the daemon reads /dev/hidrawN).  @stuck: the scale takes no
    report (nobody reads the pty: its buffer fills), so a zero fails."""
    def run(ms):
        st = ms(start=False)
        master, slave = pty.openpty()
        tty.setraw(slave)
        link = st.dir / "hidscale"
        os.symlink(os.ttyname(slave), link)
        os.close(slave)
        try:
            st.board["scale"] = {"backend": "hidpos", "path": str(link)}
            st.write_config()
            st.start()
            for _ in range(20000 if stuck else 1):
                answer = request(st, "POST", "/api/v1/scale/zero")
                if answer[0] != 200:
                    break
            if not stuck:
                assert os.read(master, 64) == bytes([2, 1])
            return answer
        finally:
            os.close(master)
    return run


def complaint_due(ms):
    st = fresh(ms)
    er = expected_return(rma="RMA-20001", order="ORD-20001",
                         kind="complaint", delivered_days_ago=60)
    er["complaint_received_at"] = (datetime.now(timezone.utc) -
                                   timedelta(days=12)).strftime("%Y-%m-%d")
    st.import_expected(er)
    return st

def clock_unset(ms):
    """A board whose clock was never set: timesyncd's flag file is not
    there (its directory neither)."""
    return fresh(ms, station={
        "clock": "file",
        "clock_synced_file": "/nonexistent/timesync/synchronized"})


def pulling(ms):
    """A station whose [connector shop] pulls expected returns from the
    first fake shop here that can be pulled from (test_pull.py)."""
    import importlib
    from test_pull import ADAPTERS, AVAILABLE
    if not AVAILABLE:
        pytest.skip("no connector with a fake shop that pulls yet")
    shop = importlib.import_module("sim.shops." + AVAILABLE[0]).Shop()
    st = ms(start=False)
    close = st.close

    def close_both():
        close()
        shop.close()
    st.close = close_both
    section = shop.connector_section(st.dir)
    section.update(ADAPTERS[AVAILABLE[0]][0])
    section.update({"shop": "pullshop", "pull_every_s": 30,
                    "takes": "refunds"})
    st.cfg["connector shop"] = section
    st.write_config()
    st.start()
    return st


# ---- the desk's system (test_system_update.py has its fake rauc) ----

def system_upload(**kw):
    """A bundle uploaded by a supervisor to a desk made with @kw."""
    def run(ms):
        from test_system_update import SUPERVISOR, desk
        st = desk(ms, **kw)
        return request(st, "POST", "/api/v1/system/update?supervisor=" +
                       SUPERVISOR, raw=b"bundle" * 1000,
                       headers={"Content-Type": "application/octet-stream"})
    return run


def system_second_update(ms):
    from test_system_update import SUPERVISOR, desk
    st = desk(ms, mode="wait")
    path = "/api/v1/system/update?supervisor=" + SUPERVISOR
    octets = {"Content-Type": "application/octet-stream"}
    status, body, _ = request(st, "POST", path, raw=b"first", headers=octets)
    assert status == 202, body
    return request(st, "POST", path, raw=b"second", headers=octets)


def system_not_listed(ms):
    from test_system_update import SUPERVISOR, desk
    st = desk(ms)
    return request(st, "POST", "/api/v1/system/update",
                   {"bundle": "/etc/passwd", "supervisor": SUPERVISOR})


def system_bundles(ms):
    from test_system_update import desk
    st = desk(ms)
    (st.dir / "media" / "usb").mkdir()
    (st.dir / "media" / "usb" / "retour.raucb").write_bytes(b"r" * 10)
    return request(st, "GET", "/api/v1/system/bundles")


def call(state, method, path, body=None, raw=None):
    """A scenario: the desk in @state, then one request."""
    def run(ms):
        return request(state(ms), method, path, body, raw)
    return run


def call_after(state, method, path_of):
    """A scenario whose path needs what @state made (a receipt id)."""
    def run(ms):
        st = state(ms)
        return request(st, method, path_of(st))
    return run


def event_stream(st):
    """(connection, response) of GET /api/v1/events, its headers read."""
    c = UnixHTTPConnection(st.socket, timeout=15)
    c.request("GET", "/api/v1/events")
    return c, c.getresponse()


def events_first(ms):
    """The stream's opening: its retry line and the first status event."""
    st = fresh(ms)
    c, r = event_stream(st)
    text = b""
    while b"event: status" not in text or not text.endswith(b"\n\n"):
        text += r.fp.readline()
    headers = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, text.decode(), headers


def events_full(ms):
    """The 33rd screen, with 32 streaming."""
    st = fresh(ms)
    held = [event_stream(st) for _ in range(32)]
    try:
        assert all(r.status == 200 for _, r in held)
        return request(st, "GET", "/api/v1/events")
    finally:
        for c, _ in held:
            c.close()


def first_receipt(st):
    return "/api/v1/returns/%d" % st.returns()[0]["id"]


def then_list(state, path):
    return call(state, "GET", path)


# Every (method, path, status) docs/openapi.json lists, and how to get it.
SCENARIOS = {
    ("GET", "/healthz", 200): call(fresh, "GET", "/healthz"),
    ("GET", "/metrics", 200): call(fresh, "GET", "/metrics"),
    ("GET", "/api/v1/status", 200): call(fresh, "GET", "/api/v1/status"),
    ("GET", "/", 200): call(fresh, "GET", "/"),
    ("GET", "/ui/{file}", 200): call(fresh, "GET", "/ui/app.js"),
    ("GET", "/ui/{file}", 404): call(fresh, "GET", "/ui/nothing.js"),
    ("GET", "/api/v1/events", 200): events_first,
    ("GET", "/api/v1/events", 503): events_full,

    ("POST", "/api/v1/scan", 200):
        call(ready, "POST", "/api/v1/scan", {"code": "RMA-10001"}),
    ("POST", "/api/v1/scan", 400): call(ready, "POST", "/api/v1/scan", {}),
    ("POST", "/api/v1/scan", 409):
        call(fresh, "POST", "/api/v1/scan", {"code": "RMA-10001"}),
    ("POST", "/api/v1/scan", 500): scan_locked,

    ("POST", "/api/v1/clerk", 200):
        call(fresh, "POST", "/api/v1/clerk", {"badge": "CLERK-0001"}),
    ("POST", "/api/v1/clerk", 400): call(fresh, "POST", "/api/v1/clerk", {}),
    ("POST", "/api/v1/clerk", 404):
        call(fresh, "POST", "/api/v1/clerk", {"name": "Nobody"}),
    ("POST", "/api/v1/clerk", 409):
        call(at_items, "POST", "/api/v1/clerk", {"badge": "CLERK-0002"}),
    ("DELETE", "/api/v1/clerk", 200): call(ready, "DELETE", "/api/v1/clerk"),
    ("DELETE", "/api/v1/clerk", 409):
        call(at_items, "DELETE", "/api/v1/clerk"),
    ("POST", "/api/v1/clerks", 201):
        call(fresh, "POST", "/api/v1/clerks",
             {"badge": "CLERK-0009", "name": "Ewa"}),
    ("GET", "/api/v1/clerks", 200): call(fresh, "GET", "/api/v1/clerks"),
    ("POST", "/api/v1/clerks", 400):
        call(fresh, "POST", "/api/v1/clerks", {"badge": "", "name": "Ewa"}),
    ("POST", "/api/v1/clerks", 403):
        call(fresh, "POST", "/api/v1/clerks",
             {"badge": "SUP-9", "name": "Mallory", "role": "supervisor"}),
    ("POST", "/api/v1/clerks", 409):
        call(fresh, "POST", "/api/v1/clerks",
             {"badge": "CLERK-0001", "name": "Mallory"}),
    ("POST", "/api/v1/routine", 200):
        call(ready, "POST", "/api/v1/routine", {"routine": "ship_qc"}),
    ("POST", "/api/v1/routine", 400):
        call(ready, "POST", "/api/v1/routine", {"routine": "lunch"}),
    ("POST", "/api/v1/routine", 409):
        call(at_items, "POST", "/api/v1/routine", {"routine": "ship_qc"}),

    ("POST", "/api/v1/scale/zero", 200): zero_hid_scale(stuck=False),
    ("POST", "/api/v1/scale/zero", 503): zero_hid_scale(stuck=True),
    ("POST", "/api/v1/scale/zero", 409):
        call(fresh, "POST", "/api/v1/scale/zero"),
    ("POST", "/api/v1/scale/zero", 400):
        call(fresh, "POST", "/api/v1/scale/zero", {"now": True}),
    ("POST", "/api/v1/weigh", 200): call(at_weigh, "POST", "/api/v1/weigh"),
    ("POST", "/api/v1/weigh", 409): call(fresh, "POST", "/api/v1/weigh"),
    ("POST", "/api/v1/weigh", 400):
        call(at_weigh, "POST", "/api/v1/weigh", {"grams": 0, "reason": "x"}),
    ("POST", "/api/v1/remove", 200): call(at_qc_items, "POST", "/api/v1/remove"),
    ("POST", "/api/v1/remove", 400):
        call(at_qc_items, "POST", "/api/v1/remove", raw=b'{"code": '),
    ("POST", "/api/v1/remove", 409): call(at_items, "POST", "/api/v1/remove"),
    ("POST", "/api/v1/unexpected", 200):
        call(not_found, "POST", "/api/v1/unexpected"),
    ("POST", "/api/v1/unexpected", 409):
        call(ready, "POST", "/api/v1/unexpected"),
    ("POST", "/api/v1/unexpected", 503): unexpected_locked,
    ("POST", "/api/v1/reprint", 202): reprint_decided,
    ("POST", "/api/v1/reprint", 400):
        call(fresh, "POST", "/api/v1/reprint", {"receipt": "12"}),
    ("POST", "/api/v1/reprint", 404):
        call(fresh, "POST", "/api/v1/reprint", {"receipt": 999}),
    ("POST", "/api/v1/reprint", 409): reprint_open,
    ("POST", "/api/v1/reprint", 503): reprint_no_printer,
    ("GET", "/api/v1/complaints/due", 200):
        call(complaint_due, "GET", "/api/v1/complaints/due"),
    ("GET", "/api/v1/complaints/due", 503):
        call(clock_unset, "GET", "/api/v1/complaints/due"),
    ("POST", "/api/v1/photo", 200): call(at_items, "POST", "/api/v1/photo"),
    ("POST", "/api/v1/photo", 409): call(ready, "POST", "/api/v1/photo"),
    ("POST", "/api/v1/photo", 503):
        call(lambda ms: at_items_without(ms, "camera"), "POST",
             "/api/v1/photo"),
    ("POST", "/api/v1/skip", 200): call(at_weigh, "POST", "/api/v1/skip"),
    ("POST", "/api/v1/skip", 409): call(ready, "POST", "/api/v1/skip"),
    ("POST", "/api/v1/skip", 400):
        call(at_weigh, "POST", "/api/v1/skip", {"reason": "a\nb"}),
    ("POST", "/api/v1/items-done", 200):
        call(at_items, "POST", "/api/v1/items-done"),
    ("POST", "/api/v1/items-done", 409):
        call(ready, "POST", "/api/v1/items-done"),
    ("POST", "/api/v1/answer", 200): answer_checklist,
    ("POST", "/api/v1/answer", 400): call(ready, "POST", "/api/v1/answer",
                                          {"answer": 1}),
    ("POST", "/api/v1/answer", 409):
        call(ready, "POST", "/api/v1/answer", {"answer": "pass"}),
    ("POST", "/api/v1/confirm", 200):
        call(at_confirm, "POST", "/api/v1/confirm", {"verdict": "accept"}),
    ("POST", "/api/v1/confirm", 400):
        call(ready, "POST", "/api/v1/confirm", {"verdict": "maybe"}),
    ("POST", "/api/v1/confirm", 409):
        call(ready, "POST", "/api/v1/confirm", {"verdict": "accept"}),
    ("POST", "/api/v1/confirm", 500): confirm_locked,
    ("POST", "/api/v1/buttons/accept", 202):
        call(fresh, "POST", "/api/v1/buttons/accept"),
    ("POST", "/api/v1/buttons/reject", 202):
        call(fresh, "POST", "/api/v1/buttons/reject"),
    ("POST", "/api/v1/buttons/pedal", 202):
        call(fresh, "POST", "/api/v1/buttons/pedal"),
    ("POST", "/api/v1/buttons/parcel", 202):
        call(fresh, "POST", "/api/v1/buttons/parcel"),
    ("POST", "/api/v1/buttons/accept", 503):
        call(lambda ms: without(ms, "gpio"), "POST",
             "/api/v1/buttons/accept"),
    ("POST", "/api/v1/buttons/reject", 503):
        call(lambda ms: without(ms, "gpio"), "POST",
             "/api/v1/buttons/reject"),
    ("POST", "/api/v1/buttons/pedal", 503):
        call(lambda ms: without(ms, "gpio"), "POST",
             "/api/v1/buttons/pedal"),
    ("POST", "/api/v1/buttons/parcel", 503):
        call(lambda ms: without(ms, "gpio"), "POST",
             "/api/v1/buttons/parcel"),
    ("POST", "/api/v1/back", 200): call(at_items, "POST", "/api/v1/back"),
    ("POST", "/api/v1/back", 409): call(ready, "POST", "/api/v1/back"),
    ("POST", "/api/v1/cancel", 200): call(at_items, "POST", "/api/v1/cancel"),
    ("POST", "/api/v1/cancel", 409): call(ready, "POST", "/api/v1/cancel"),
    ("POST", "/api/v1/undo", 200): undo_in_grace,
    ("POST", "/api/v1/undo", 400):
        call(fresh, "POST", "/api/v1/undo", {"receipt": "12"}),
    ("POST", "/api/v1/undo", 404):
        call(fresh, "POST", "/api/v1/undo", {"receipt": 999}),
    ("POST", "/api/v1/undo", 409): undo_too_late,

    ("POST", "/api/v1/expected", 200):
        call(fresh, "POST", "/api/v1/expected",
             {"returns": [expected_return()]}),
    ("POST", "/api/v1/expected", 400):
        call(fresh, "POST", "/api/v1/expected", raw=b'{"returns": ['),
    ("POST", "/api/v1/expected", 500): import_locked,
    ("POST", "/api/v1/expected", 503): import_queue_full,
    ("GET", "/api/v1/expected", 200):
        then_list(ready, "/api/v1/expected?limit=5"),
    ("GET", "/api/v1/expected", 400):
        then_list(fresh, "/api/v1/expected?limit=0"),
    ("GET", "/api/v1/returns", 200):
        then_list(at_items, "/api/v1/returns?rma=RMA-10001&status=open"),
    ("GET", "/api/v1/returns", 400):
        then_list(fresh, "/api/v1/returns?status=lost"),
    ("GET", "/api/v1/expected/{id}", 200):
        call(ready, "GET", "/api/v1/expected/1"),
    ("GET", "/api/v1/expected/{id}", 400):
        call(fresh, "GET", "/api/v1/expected/x1"),
    ("GET", "/api/v1/expected/{id}", 404):
        call(fresh, "GET", "/api/v1/expected/999"),
    ("DELETE", "/api/v1/expected/{id}", 200):
        call(ready, "DELETE", "/api/v1/expected/1"),
    ("DELETE", "/api/v1/expected/{id}", 400):
        call(fresh, "DELETE", "/api/v1/expected/0"),
    ("DELETE", "/api/v1/expected/{id}", 404):
        call(fresh, "DELETE", "/api/v1/expected/999"),
    ("DELETE", "/api/v1/expected/{id}", 409):
        call(at_items, "DELETE", "/api/v1/expected/1"),
    ("GET", "/api/v1/returns.csv", 200):
        call(at_items, "GET", "/api/v1/returns.csv?kind=withdrawal"),
    ("GET", "/api/v1/returns.csv", 400):
        call(fresh, "GET", "/api/v1/returns.csv?kind=lost"),
    ("GET", "/api/v1/photos/{id}", 200):
        call(at_items, "GET", "/api/v1/photos/1"),
    ("GET", "/api/v1/photos/{id}", 304): photo_not_modified,
    ("GET", "/api/v1/photos/{id}", 400):
        call(fresh, "GET", "/api/v1/photos/-1"),
    ("GET", "/api/v1/photos/{id}", 404):
        call(fresh, "GET", "/api/v1/photos/999"),
    ("GET", "/api/v1/receipts/{id}/evidence.pdf", 200): evidence_of("pdf"),
    ("GET", "/api/v1/receipts/{id}/evidence.pdf", 400):
        call(fresh, "GET", "/api/v1/receipts/x/evidence.pdf"),
    ("GET", "/api/v1/receipts/{id}/evidence.pdf", 404):
        call(fresh, "GET", "/api/v1/receipts/999/evidence.pdf"),
    ("GET", "/api/v1/receipts/{id}/evidence.pdf", 410):
        purged("/api/v1/receipts/%d/evidence.pdf"),
    ("GET", "/api/v1/receipts/{id}/evidence.zip", 200): evidence_of("zip"),
    ("GET", "/api/v1/receipts/{id}/evidence.zip", 400):
        call(fresh, "GET", "/api/v1/receipts/x/evidence.zip"),
    ("GET", "/api/v1/receipts/{id}/evidence.zip", 404):
        call(fresh, "GET", "/api/v1/receipts/999/evidence.zip"),
    ("GET", "/api/v1/receipts/{id}/evidence.zip", 410):
        purged("/api/v1/receipts/%d/evidence.zip"),
    ("GET", "/api/v1/receipts/{id}/evidence.json", 200): evidence_of("json"),
    ("GET", "/api/v1/receipts/{id}/evidence.json", 400):
        call(fresh, "GET", "/api/v1/receipts/x/evidence.json"),
    ("GET", "/api/v1/receipts/{id}/evidence.json", 404):
        call(fresh, "GET", "/api/v1/receipts/999/evidence.json"),
    ("GET", "/api/v1/receipts/{id}/evidence.json", 410):
        purged("/api/v1/receipts/%d/evidence.json"),
    ("GET", "/api/v1/kpi", 200):
        call(at_items, "GET", "/api/v1/kpi"),
    ("GET", "/api/v1/kpi", 400):
        call(fresh, "GET", "/api/v1/kpi?from=2026-01-01&to=2027-06-01"),
    ("GET", "/api/v1/returns/{id}", 200):
        call_after(at_items, "GET", first_receipt),
    ("GET", "/api/v1/returns/{id}", 400):
        call(fresh, "GET", "/api/v1/returns/abc"),
    ("GET", "/api/v1/returns/{id}", 404):
        call(fresh, "GET", "/api/v1/returns/999"),
    ("GET", "/api/v1/returns/{id}", 410): purged("/api/v1/returns/%d"),
    ("GET", "/api/v1/outbox", 200):
        then_list(lambda ms: decided(ms)[0], "/api/v1/outbox?limit=10"),
    ("GET", "/api/v1/outbox", 400):
        then_list(fresh, "/api/v1/outbox?state=lost"),
    ("POST", "/api/v1/pull", 202):
        call(pulling, "POST", "/api/v1/pull", {"connector": "shop"}),
    ("POST", "/api/v1/pull", 400):
        call(fresh, "POST", "/api/v1/pull", raw=b'{"connector": '),
    ("POST", "/api/v1/pull", 404): call(fresh, "POST", "/api/v1/pull"),
    ("POST", "/api/v1/outbox/{id}/retry", 200): retry_waiting,
    ("POST", "/api/v1/outbox/{id}/retry", 400):
        call(fresh, "POST", "/api/v1/outbox/x/retry"),
    ("POST", "/api/v1/outbox/{id}/retry", 404):
        call(fresh, "POST", "/api/v1/outbox/999/retry"),
    ("POST", "/api/v1/outbox/{id}/retry", 409): retry_delivered,
    ("GET", "/api/v1/db/check", 200): call(fresh, "GET", "/api/v1/db/check"),
    ("GET", "/api/v1/db/check", 500):
        call_after(lambda ms: (lambda st: (break_an_index(st), st)[1])(
            at_items(ms)), "GET", lambda st: "/api/v1/db/check"),
    ("GET", "/api/v1/audit/verify", 200):
        call(ready, "GET", "/api/v1/audit/verify"),
    ("GET", "/api/v1/system", 200): call(fresh, "GET", "/api/v1/system"),
    ("GET", "/api/v1/system/bundles", 200): system_bundles,
    ("GET", "/api/v1/system/update", 200):
        call(fresh, "GET", "/api/v1/system/update"),
    ("POST", "/api/v1/system/update", 202): system_upload(),
    ("POST", "/api/v1/system/update", 400):
        call(fresh, "POST", "/api/v1/system/update", raw=b'{"bundle": '),
    ("POST", "/api/v1/system/update", 403):
        call(fresh, "POST", "/api/v1/system/update", {"bundle": "/x.raucb"}),
    ("POST", "/api/v1/system/update", 404): system_not_listed,
    ("POST", "/api/v1/system/update", 409): system_second_update,
    ("POST", "/api/v1/system/update", 503): system_upload(rauc=False),
    ("POST", "/api/v1/system/update", 507):
        system_upload(station={"photo_min_free_mb": 1 << 20}),
    ("GET", "/api/v1/audit/verify", 500):
        call_after(lambda ms: (lambda st: (tamper_audit(st), st)[1])(
            ready(ms)), "GET", lambda st: "/api/v1/audit/verify"),
}


# A route that takes no body refuses one (other than {}) before it acts.
for _m, _p in (("DELETE", "/api/v1/clerk"), ("POST", "/api/v1/photo"),
               ("POST", "/api/v1/items-done"), ("POST", "/api/v1/back"),
               ("POST", "/api/v1/cancel"), ("POST", "/api/v1/unexpected"),
               ("POST", "/api/v1/buttons/accept"),
               ("POST", "/api/v1/buttons/reject"),
               ("POST", "/api/v1/buttons/pedal"),
               ("POST", "/api/v1/buttons/parcel")):
    SCENARIOS[(_m, _p, 400)] = call(at_items, _m, _p, {"receipt": 1})


def at_items_without(ms, device):
    st = without(ms, device)
    st.run_to("RMA-10001", stop_at="items", items_done=False)
    return st


JSON_TYPES = {"object": dict, "array": list, "string": str,
              "integer": int, "number": (int, float), "boolean": bool}


def check_type(where, value, schema):
    """@value is of the type @schema says, where it says one (null only
    where it is nullable)."""
    schema = _resolve(schema)
    want = schema.get("type")
    if not want:
        return
    if value is None:
        assert schema.get("nullable"), "%s: null, documented %s" % (
            where, want)
        return
    ok = isinstance(value, JSON_TYPES[want]) and not (
        want in ("integer", "number") and isinstance(value, bool))
    assert ok, "%s: %r is not a %s as documented" % (where, value, want)
    if "enum" in schema:
        assert value in schema["enum"], "%s: %r not in %s" % (
            where, value, schema["enum"])


def check_shape(status, body, shape):
    """The body has the keys docs/openapi.json gives the shape, no other,
    each of its documented type."""
    if status == 304:
        assert not body, body
        return
    if shape is None:
        assert status >= 400, "a %d needs a schema in docs/openapi.json" % \
            status
        shape = "error"
    if shape in ("text", "bytes"):
        assert isinstance(body, str) and body, body
        return
    if shape == "*":
        assert isinstance(body, dict), body
        return
    if shape == "[*]":
        assert isinstance(body, list), body
        return
    many = shape.startswith("[")
    name = shape.strip("[]")
    assert name in SHAPES, "docs/openapi.json has no schema %r" % name
    required, optional = SHAPES[name]
    props = SPEC["components"]["schemas"][name]["properties"]
    objects = body if many else [body]
    if many:
        assert isinstance(body, list) and body, \
            "the scenario should give a non-empty list: %r" % (body,)
    for o in objects:
        assert isinstance(o, dict), o
        keys = set(o)
        assert required <= keys, "missing %s in %r" % (required - keys, o)
        assert keys <= required | optional, \
            "not in docs/openapi.json's %s: %s" % (
                name, keys - required - optional)
        for k in keys:
            check_type("%s.%s" % (name, k), o[k], props[k])
    if name == "error":
        assert isinstance(body["error"], str) and body["error"], body


# ---- the document against the server ----

def test_the_document_lists_every_route_the_server_has():
    listed = {k for k, v in DOC_ROUTES.items() if v["mark"] is None}
    coming = {k for k, v in DOC_ROUTES.items() if v["mark"] == "coming"}
    assert SERVER_ROUTES - listed - coming == set(), \
        "routes in src/api/routes.c that docs/openapi.json does not list"
    assert listed - SERVER_ROUTES == set(), \
        "routes docs/openapi.json lists that src/api/routes.c does not " \
        "have (mark a route being built elsewhere x-retour-coming)"
    absent = {k for k, v in DOC_ROUTES.items() if v["mark"] == "absent"}
    assert absent & SERVER_ROUTES == set(), \
        "routes served but marked x-retour-not-yet-there in " \
        "docs/openapi.json"


ANSWERS = [(m, p, code, shape, DOC_ROUTES[(m, p)]["mark"])
           for (m, p) in sorted(DOC_ROUTES)
           for code, shape in DOC_ROUTES[(m, p)]["answers"]
           if DOC_ROUTES[(m, p)]["mark"] != "absent" and code not in GENERAL]


@pytest.mark.parametrize("method,path,code,shape,mark", ANSWERS,
                         ids=["%s %s %d" % a[:3] for a in ANSWERS])
def test_documented_answer(make_station, method, path, code, shape, mark):
    if mark == "coming" and not served(method, path):
        pytest.skip("%s %s is marked (coming) and not served yet" %
                    (method, path))
    scenario = SCENARIOS.get((method, path, code))
    assert scenario, ("docs/openapi.json says %s %s answers %d, and this test has "
                      "no scenario that provokes it: add one to SCENARIOS"
                      % (method, path, code))
    status, body, headers = scenario(make_station)
    assert status == code, (status, body)
    check_shape(status, body, shape)
    media = headers.get("content-type", "").split(";")[0].strip()
    documented = _resolve(DOC_ROUTES[(method, path)]["op"]["responses"][
        str(code)]).get("content", {})
    assert media in documented or not documented and status == 304, \
        "%s %s %d: Content-Type %r, documented %s" % (
            method, path, code, media, sorted(documented))
    for name in _resolve(DOC_ROUTES[(method, path)]["op"]["responses"][
            str(code)]).get("headers", {}):
        assert name.lower() in headers, "%s %s %d: no %s header" % (
            method, path, code, name)
    if method == "POST" and code == 500 and isinstance(body, dict) and \
            path != "/api/v1/expected":
        assert "not recorded" in body["error"].lower(), body


def test_every_scenario_is_for_a_documented_answer():
    documented = {(m, p, c) for m, p, c, _, _ in ANSWERS}
    assert set(SCENARIOS) - documented == set(), \
        "scenarios for answers docs/openapi.json does not list"


def test_the_document_is_openapi_as_this_repository_writes_it():
    assert API_DOC.structure_errors(SPEC) == []


def test_the_document_and_api_md_agree():
    """docs/API.md is what scripts/api-doc.py makes (make lint says the
    same; here a test run sees it too)."""
    made = API_DOC.render(SPEC, API_DOC.UPSTREAM.read_text())
    assert (REPO / "docs" / "API.md").read_text() == made, \
        "docs/API.md is stale: run `make api-doc`"


def test_every_route_documents_401_and_bodies_413():
    for (method, path), v in DOC_ROUTES.items():
        if v["mark"] == "absent":
            continue
        codes = {c for c, _ in v["answers"]}
        assert 401 in codes, "%s %s: no 401 documented" % (method, path)
        if method != "GET":
            assert 413 in codes, "%s %s: no 413 documented" % (method, path)


def read_server_bodies():
    """{(method, path): the fields its body may have, "*" or None} from
    body_fields() in src/api/routes.c."""
    text = ROUTES_C.read_text()
    fn = re.search(r"static const char \*body_fields\(.*?\n\}", text, re.S)
    assert fn, "src/api/routes.c: body_fields() is not there"
    fields, pending = {}, []
    for line in fn.group(0).splitlines():
        m = re.match(r"\s*case (API_\w+):", line)
        if m:
            pending.append(m.group(1))
        m = re.match(r'\s*return "([^"]*)";', line)
        if m:
            for rid in pending:
                fields[rid] = m.group(1)
            pending = []
    table = re.search(r"api_routes\[\] = \{(.*?)\n\};", text, re.S).group(1)
    return {(m, p): fields.get(rid) for m, p, rid in re.findall(
        r'\{"([A-Z]+)",\s*"([^"]+)",\s*(API_\w+)', table)}


def test_request_bodies_are_what_the_server_checks():
    """The body a route takes in docs/openapi.json has the fields (and the
    string or integer kinds) src/api/routes.c lets through, no other."""
    for (method, path), fields in read_server_bodies().items():
        if (method, path) not in DOC_ROUTES or method == "GET":
            continue
        op = DOC_ROUTES[(method, path)]["op"]
        body = op.get("requestBody")
        where = "%s %s" % (method, path)
        if fields is None:
            assert body is None, where + ": the server takes no body"
            continue
        assert body, where + ": the server takes a body; document it"
        schema = body["content"]["application/json"]["schema"]
        if fields == "*":
            assert "oneOf" in schema or "$ref" in schema, where
            continue
        server = dict(f.partition(":")[::2] for f in fields.split())
        props = schema["properties"]
        assert set(props) == set(server), (where, sorted(props),
                                           sorted(server))
        for name, kind in server.items():
            want = "integer" if kind == "i" else "string"
            assert props[name]["type"] == want, (where, name)
        assert schema.get("additionalProperties") is False, \
            where + ": a field the route does not know is refused (400)"


SERVED = sorted(k for k, v in DOC_ROUTES.items() if v["mark"] != "absent")


@pytest.fixture(scope="module")
def off_loopback(tmp_path_factory):
    """A station whose TCP listener is on every address (not loopback), so
    it wants the token of [api] token_file."""
    from helpers import Station, free_port
    st = Station()
    token = st.dir / "api.token"
    token.write_text("s3cret-token-for-the-test\n")
    token.chmod(0o600)
    st.port = free_port()
    st.cfg["api"].update({"listen": "0.0.0.0:%d" % st.port,
                          "token_file": str(token)})
    st.write_config()
    st.start()
    st.sign_in()
    yield st
    st.close()
    st.cleanup()


def tcp_request(st, method, path, token=None, body=None):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", st.port, timeout=15)
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    c.request(method, path, body=body, headers=headers)
    r = c.getresponse()
    text = r.read()
    c.close()
    ctype = r.getheader("Content-Type", "")
    return r.status, (json.loads(text) if ctype.startswith(
        "application/json") else text.decode(errors="replace"))


@pytest.mark.parametrize("method,path", SERVED,
                         ids=["%s %s" % k for k in SERVED])
def test_off_loopback_every_route_is_401_without_the_token(off_loopback,
                                                          method, path):
    """Without a token, or with a wrong one, or not as a bearer: 401 and
    the desk untouched; the right token is let through."""
    concrete = path.replace("{id}", "1")
    before = off_loopback.status()
    for token in (None, "wrong", "s3cret-token-for-the-tes",
                  "s3cret-token-for-the-test2", ""):
        status, body = tcp_request(off_loopback, method, concrete, token,
                                   body=b'{"code":"RMA-10001"}'
                                   if method == "POST" else None)
        assert status == 401, (token, status, body)
        check_shape(status, body, None)
    after = off_loopback.status()
    assert (after["step"], after["receipt"]) == (before["step"],
                                                 before["receipt"])
    status, body = tcp_request(off_loopback, "GET", "/api/v1/status",
                               "s3cret-token-for-the-test")
    assert status == 200 and body["step"] == before["step"], body


def test_off_loopback_basic_auth_is_not_a_bearer_token(off_loopback):
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", off_loopback.port,
                                   timeout=15)
    c.request("GET", "/api/v1/status", headers={
        "Authorization": "Basic czNjcmV0LXRva2VuLWZvci10aGUtdGVzdA=="})
    r = c.getresponse()
    r.read()
    assert r.status == 401


BODIED = sorted(k for k in SERVED if k[0] != "GET")


@pytest.mark.parametrize("method,path", BODIED,
                         ids=["%s %s" % k for k in BODIED])
def test_every_body_over_1_mib_is_413(shared, method, path):
    """A body one byte over 1 MiB is refused whole, the desk unchanged."""
    before = shared.status()
    big = b'{"code":"' + b"A" * (1024 * 1024) + b'"}'
    status, body, _ = request(shared, method, path.replace("{id}", "1"),
                              raw=big)
    assert status == 413, (status, body)
    check_shape(status, body, None)
    after = shared.status()
    assert (after["step"], after["receipt"], after["clerk"]) == \
        (before["step"], before["receipt"], before["clerk"])


PATHS = sorted({p for (m, p), v in DOC_ROUTES.items() if v["mark"] is None})


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    from helpers import Station
    st = Station()
    st.start()
    yield st
    st.close()
    st.cleanup()


@pytest.mark.parametrize("path", PATHS)
def test_wrong_method_is_405_with_allow(shared, path):
    methods = {m for (m, p), v in DOC_ROUTES.items()
               if p == path and v["mark"] is None}
    concrete = path.replace("{id}", "7")
    for wrong in [m for m in METHODS if m not in methods]:
        status, body, headers = request(shared, wrong, concrete)
        assert status == 405, (wrong, path, status, body)
        check_shape(status, body, None)
        allow = {m.strip() for m in headers.get("allow", "").split(",")}
        assert allow == methods, (wrong, path, headers)


@pytest.mark.parametrize("method,path", [
    ("GET", "/ui/"), ("GET", "/api/v1"), ("GET", "/api/v1/nothing"),
    ("POST", "/api/v1/nothing"), ("GET", "/api/v2/status"),
    ("POST", "/api/v1/buttons/door"), ("GET", "/api/v1/returns/7/label"),
    ("GET", "/api/v1/status/"), ("GET", "/healthz/"),
])
def test_unknown_path_is_404(shared, method, path):
    status, body, _ = request(shared, method, path)
    assert status == 404, (status, body)
    check_shape(status, body, None)


ABSENT = sorted(k for k, v in DOC_ROUTES.items() if v["mark"] == "absent")


@pytest.mark.parametrize("method,path", ABSENT)
def test_routes_not_yet_there_answer_404(shared, method, path):
    status, body, _ = request(shared, method, path)
    assert status == 404, (status, body)
    assert [c for c, _ in DOC_ROUTES[(method, path)]["answers"]] == [404]


def test_a_query_parameter_a_route_does_not_take_is_400(shared):
    for method, path in (("GET", "/api/v1/status?verbose=1"),
                         ("GET", "/api/v1/returns?shop=demo"),
                         ("GET", "/api/v1/outbox?state=dead&state=done"),
                         ("POST", "/api/v1/skip?now=1")):
        status, body, _ = request(shared, method, path)
        assert status == 400, (method, path, status, body)
        check_shape(status, body, None)


# ---- a refused or unrecorded desk command (issue 6) ----

def test_refused_command_is_409_with_the_desks_problem(station):
    station.import_expected(expected_return())
    status, body, _ = request(station, "POST", "/api/v1/confirm",
                              {"verdict": "accept"})
    assert status == 409, (status, body)
    assert body["error"] == station.status()["problem"], body
    assert "not expected now" in body["error"], body
    assert station.returns() == []


def test_scan_of_a_decided_return_is_409(station):
    station.import_expected(expected_return())
    station.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    rid = station.confirm("accept")
    status, body, _ = request(station, "POST", "/api/v1/scan",
                              {"code": "RMA-10001"})
    assert status == 409, (status, body)
    assert "already decided on receipt %d" % rid in body["error"], body
    assert len(station.returns()) == 1


def test_item_not_sold_is_recorded_and_200(station):
    """A problem the clerk must see is no refusal when the scan was
    recorded: 200, and the status carries the problem."""
    from helpers import GTIN_OTHER
    station.import_expected(expected_return())
    s = station.run_to("RMA-10001", stop_at="items", items_done=False)
    status, body, _ = request(station, "POST", "/api/v1/scan",
                              {"code": GTIN_OTHER})
    assert status == 200, (status, body)
    assert "not sold" in body["problem"], body
    assert len(station.receipt(s["receipt"])["items"]) == 1


def test_confirm_of_a_return_decided_elsewhere_is_409_not_recorded(station):
    """Another receipt refused the same return meanwhile (a second desk
    on the same record): the decision is not written, and the answer
    says so with the receipt that has it."""
    station.import_expected(expected_return())
    s = station.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    c = sqlite3.connect(str(station.db), isolation_level=None, timeout=10)
    expected_id = c.execute("SELECT expected_id FROM receipt WHERE id = ?",
                            (s["receipt"],)).fetchone()[0]
    now = int(time.time() * 1e6)
    other = c.execute(
        "INSERT INTO receipt (routine, desk, clerk, code, expected_id, "
        "state, received_at, verdict, decided_at, decided_by, decisions) "
        "VALUES ('return', 'desk-2', 'Piotr', 'RMA-10001', ?, 'decided', "
        "?, 'reject', ?, 'Piotr', 1)",
        (expected_id, now, now)).lastrowid
    c.close()
    status, body, _ = request(station, "POST", "/api/v1/confirm",
                              {"verdict": s["proposal"]["verdict"]})
    assert status == 409, (status, body)
    assert "not recorded" in body["error"].lower(), body
    assert "already decided on receipt %d" % other in body["error"], body
    assert station.receipt(s["receipt"])["verdict"] in (None, "")


def test_retry_of_a_delivered_row_is_409(make_station):
    status, body, _ = retry_delivered(make_station)
    assert status == 409, (status, body)
    assert "done" in body["error"], body


def test_integrity_failures_are_not_200(make_station):
    st = ready(make_station)
    tamper_audit(st)
    status, body, _ = request(st, "GET", "/api/v1/audit/verify")
    assert status == 500 and body["ok"] is False, (status, body)
    assert body["bad_entry"] >= 1 and "broken" in body["error"], body
    p = st.ctl("audit", "verify", check=False)
    assert p.returncode == 1 and "broken" in p.stderr, p.stderr


# ---- finding returns (issue 6) ----

def _cancelled_receipt(st, code):
    """Open and cancel a parcel of @code; its receipt id."""
    st.run_to(code, stop_at="items", items_done=False)
    rid = st.status()["receipt"]
    st.ok("POST", "/api/v1/cancel")
    st.wait_step("scan")
    return rid


def _received_at(st, when):
    """Move receipts to the times in @when ({id: UTC datetime}) in the
    record, with the daemon stopped: the search reads received_at."""
    st.stop()
    c = sqlite3.connect(str(st.db), isolation_level=None, timeout=10)
    for rid, t in when.items():
        c.execute("UPDATE receipt SET received_at = ? WHERE id = ?",
                  (int(t.timestamp() * 1e6), rid))
    c.close()
    st.start()


def _ids(st, query):
    status, body, _ = request(st, "GET", "/api/v1/returns?" + query)
    assert status == 200, (query, status, body)
    return [r["id"] for r in body]


def test_returns_are_found_by_order_rma_tracking_status_and_day(station):
    st = station
    st.import_expected(
        expected_return("RMA-10001", order="ORD-1001",
                        lookup_codes=["RR123456785PL"]),
        expected_return("RMA-10002", order="ORD-1002",
                        lookup_codes=["00340434161094042557"]))
    utc = timezone.utc
    # the shop's calendar is UTC+1 in winter: 23:30 UTC on Nov 30 is
    # already Dec 1 at the desk
    a = _cancelled_receipt(st, "RMA-10001")
    b = _cancelled_receipt(st, "RMA-10002")
    c = _cancelled_receipt(st, "RR123456785PL")
    _received_at(st, {a: datetime(2026, 11, 30, 12, 0, tzinfo=utc),
                      b: datetime(2026, 11, 30, 23, 30, tzinfo=utc),
                      c: datetime(2026, 12, 2, 9, 0, tzinfo=utc)})
    assert _ids(st, "") == [c, b, a]
    assert _ids(st, "order=ORD-1001") == [c, a]
    assert _ids(st, "order=ord-1002") == [b]          # any case
    assert _ids(st, "rma=RMA-10002") == [b]
    assert _ids(st, "tracking=RR123456785PL") == [c, a]
    assert _ids(st, "tracking=00340434161094042557") == [b]
    assert _ids(st, "order=ORD-9999") == []
    assert _ids(st, "status=cancelled") == [c, b, a]
    assert _ids(st, "status=open") == []
    assert _ids(st, "status=accept") == []
    assert _ids(st, "from=2026-12-01&to=2026-12-01") == [b]
    assert _ids(st, "from=2026-11-30&to=2026-11-30") == [a]
    assert _ids(st, "from=2026-12-01") == [c, b]
    assert _ids(st, "to=2026-11-30T23:30:00Z") == [b, a]
    assert _ids(st, "from=2026-11-30T23:30:00.000001Z") == [c]
    assert _ids(st, "order=ORD-1001&from=2026-12-01") == [c]
    assert _ids(st, "limit=1") == [c]


def test_returns_found_by_verdict(station):
    st = station
    st.import_expected(expected_return())
    st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    rid = st.confirm("accept")
    assert _ids(st, "status=accept") == [rid]
    assert _ids(st, "status=decided") == [rid]
    assert _ids(st, "status=reject") == []


@pytest.mark.parametrize("query,needle", [
    ("status=lost", "status must be"),
    ("from=2026-02-30", "from must be a date"),
    ("to=yesterday", "to must be a date"),
    ("limit=0", "limit must be 1..10000"),
    ("limit=10001", "limit must be 1..10000"),
    ("shop=demo", "unknown parameter 'shop'"),
    ("order=", "order must be 1..47 bytes"),
    ("order=A&order=B", "given twice"),
])
def test_bad_search_is_400_and_says_which(shared, query, needle):
    status, body, _ = request(shared, "GET", "/api/v1/returns?" + query)
    assert status == 400, (status, body)
    assert needle in body["error"], body


def test_search_values_are_data_not_sql(station):
    station.import_expected(expected_return())
    station.run_to("RMA-10001", stop_at="items", items_done=False)
    for value in ("' OR '1'='1", "RMA-10001' --", "%", "_"):
        status, body, _ = request(
            station, "GET", "/api/v1/returns?rma=" +
            urllib.parse.quote(value))
        assert status == 200 and body == [], (value, status, body)


def test_weigh_outside_the_weigh_step_is_409_and_decides_nothing(make_station):
    """Asking the scale again is not a pedal press: at confirm it must not
    confirm the proposal (nor answer a checklist step, nor end the items)."""
    st = at_confirm(make_station)
    rid = st.status()["receipt"]
    status, body, _ = request(st, "POST", "/api/v1/weigh")
    assert status == 409, (status, body)
    assert "weigh step" in body["error"], body
    assert st.status()["step"] == "confirm"
    assert st.receipt(rid)["verdict"] in (None, "")
    st2 = at_checklist(make_station)
    before = st2.status()["checklist"]
    status, body, _ = request(st2, "POST", "/api/v1/weigh")
    assert status == 409, (status, body)
    assert st2.status()["checklist"] == before


def test_a_badge_cannot_be_registered_again_as_a_supervisor(make_station):
    """Registering a badge again would let anyone at the API make a clerk
    (or themselves) a supervisor: refused, and the badge stays its own."""
    st = make_station(start=False)
    st.cfg["clerks"]["SUP-1"] = "Marta, supervisor"
    st.write_config()
    st.start()
    st = ready(lambda: st)
    status, body, _ = request(st, "POST", "/api/v1/clerks",
                              {"badge": "CLERK-0001", "name": "Ola",
                               "role": "supervisor", "supervisor": "SUP-1"})
    assert status == 409 and "registered already" in body["error"], body
    request(st, "DELETE", "/api/v1/clerk")
    request(st, "POST", "/api/v1/clerk", {"badge": "CLERK-0001"})
    assert st.status()["role"] == "clerk"


def test_only_a_supervisor_makes_a_supervisor(make_station):
    """Who may pay what the rules refused is a supervisor's choice: POST
    /api/v1/clerks makes a supervisor only on a supervisor's badge, or
    while one is signed in by badge (by name is not enough), and the
    audit log names who did it."""
    st = make_station(start=False)
    st.cfg["clerks"]["SUP-1"] = "Marta, supervisor"
    st.write_config()
    st.start()
    mallory = {"badge": "X-1", "name": "Mallory", "role": "supervisor"}
    status, body, _ = request(st, "POST", "/api/v1/clerks", mallory)
    assert status == 403 and "needs a supervisor" in body["error"], body
    status, body, _ = request(st, "POST", "/api/v1/clerks",
                              dict(mallory, supervisor="CLERK-0001"))
    assert status == 403 and "not a supervisor" in body["error"], body
    request(st, "POST", "/api/v1/clerk", {"name": "Marta"})
    status, body, _ = request(st, "POST", "/api/v1/clerks", mallory)
    assert status == 403, body
    assert not any(c["name"] == "Mallory"
                   for c in request(st, "GET", "/api/v1/clerks")[1])
    request(st, "DELETE", "/api/v1/clerk")
    request(st, "POST", "/api/v1/clerk", {"badge": "SUP-1"})
    status, body, _ = request(st, "POST", "/api/v1/clerks",
                              {"badge": "S-2", "name": "Ewa",
                               "role": "supervisor"})
    assert status == 201, body
    status, body, _ = request(st, "POST", "/api/v1/clerks",
                              {"badge": "S-3", "name": "Jan",
                               "role": "supervisor", "supervisor": "S-2"})
    assert status == 201, body
    db = sqlite3.connect(str(st.db))
    actors = db.execute("SELECT actor FROM audit WHERE action ="
                        " 'clerk.registered_supervisor' ORDER BY id").fetchall()
    db.close()
    assert actors == [("Marta",), ("Ewa",)], actors


def test_a_supervisor_signed_in_by_name_does_not_authorise(make_station):
    """Only a badge proves who is at the desk: a supervisor signed in by
    name alone cannot authorise paying what the proposal refused."""
    st = make_station(start=False)
    st.cfg["clerks"]["SUP-1"] = "Ewa, supervisor"
    st.write_config()
    st.start()
    status, body, _ = request(st, "POST", "/api/v1/clerk", {"name": "Ewa"})
    assert status == 200, body
    st.import_expected(expected_return(rma="RMA-10009", order="ORD-10009",
                                       delivered_days_ago=60))
    s = st.run_to("RMA-10009", items=[GTIN_TSHIRT])
    assert s["proposal"]["verdict"] in ("reject", "hold"), s["proposal"]
    status, body, _ = request(st, "POST", "/api/v1/confirm",
                              {"verdict": "accept", "reason": "goodwill"})
    assert status == 409 and "supervisor" in body["error"], body
    status, body, _ = request(st, "POST", "/api/v1/confirm",
                              {"verdict": "accept", "reason": "goodwill",
                               "supervisor": "SUP-1"})
    assert status == 200, body


def test_clerks_list_names_and_roles_never_a_badge(make_station):
    """The sign-in screen's names: every clerk of the config and of POST
    /api/v1/clerks, by name, with the role, and no badge anywhere."""
    st = make_station(start=False)
    st.cfg["clerks"]["SUP-1"] = "Marta, supervisor"
    st.write_config()
    st.start()
    st.ok("POST", "/api/v1/clerks",
          {"badge": "SUP-77", "name": "Ewa", "role": "supervisor",
           "supervisor": "SUP-1"})
    status, body, _ = request(st, "GET", "/api/v1/clerks")
    assert status == 200, body
    assert body == [{"name": "Ewa", "role": "supervisor"},
                    {"name": "Marta", "role": "supervisor"},
                    {"name": "Ola", "role": "clerk"},
                    {"name": "Piotr", "role": "clerk"}], body
    assert "CLERK-0001" not in json.dumps(body) and "SUP-77" not in \
        json.dumps(body)
    # a name from the list signs in
    s = st.ok("POST", "/api/v1/clerk", {"name": body[0]["name"]})
    assert s["clerk"] == "Ewa" and s["role"] == "supervisor", s
