# SPDX-License-Identifier: MIT
"""The API against bad clients and many clients, route by route.

test_api_contract.py holds every route to docs/openapi.json (each status
provoked once, 401 off loopback and 413 on every route).  This file walks
every route that takes a request again with what a broken or hostile
client sends, and checks what the station keeps:

* malformed and mistyped bodies are 400 and write nothing: the whole
  database, table by table, is the same after them, and the desk too;
* ids that are not ids are 400, ids of nothing are 404;
* methods a path does not take, HEAD, OPTIONS and TRACE included, are 405;
* many clients at once (20 threads, one connection each) on the status,
  the scan, the confirm, the undo and the import: every answer is one the
  document lists, and the record says each thing happened once.
"""
import json
import sqlite3
import threading

import pytest

from helpers import GTIN_TSHIRT, expected_return, wait_for
from test_api_contract import DOC_ROUTES, check_shape, request

CLIENTS = 20

# Bodies no route takes: not JSON, not UTF-8, not an object, a duplicate
# key, a field nobody knows.
BAD_RAW = [b'{"code": ', b'\xff\xfe{}', b'"x"', b'null', b'[1]', b'17',
           b'{"a":1,"a":2}', b'{"zzz":1}', b'{"code":"\\u0000"}']

# Per route: well-formed JSON of the wrong type or value, still 400.
BAD_FIELDS = {
    "/api/v1/scan": [{"code": 5}, {"code": ["RMA-10002"]},
                     {"code": "RMA-10002", "extra": 1}],
    "/api/v1/clerk": [{"badge": 5}, {"name": {"n": "Ola"}}],
    "/api/v1/clerks": [{"badge": "B-9", "name": 5},
                       {"badge": "B-9", "name": "X", "role": "god"},
                       {"badge": "", "name": "X"}],
    "/api/v1/routine": [{"routine": 7}, {"routine": "lunch"}],
    "/api/v1/weigh": [{"grams": "x", "reason": "r"},
                      {"grams": 0, "reason": "r"},
                      {"grams": 1000001, "reason": "r"},
                      {"grams": 350, "reason": "a" * 201},
                      {"grams": 350}],
    "/api/v1/skip": [{"reason": ""}, {"reason": "a\nb"}, {"reason": 5},
                     {"reason": "a" * 201}],
    "/api/v1/answer": [{"answer": 1}, {}],
    "/api/v1/confirm": [{"verdict": 1}, {"verdict": "maybe"},
                        {"verdict": "accept", "reason": 5},
                        {"verdict": "accept", "amount_minor": "x"}, {}],
    "/api/v1/remove": [{"code": 5}],
    "/api/v1/undo": [{"receipt": "1"}, {"receipt": -1}, {"receipt": 1.5},
                     {"receipt": 0}, {}],
    "/api/v1/reprint": [{"receipt": "1"}, {"receipt": -1}, {}],
    "/api/v1/pull": [{"connector": 5}],
    "/api/v1/expected": [{"returns": "x"}, [], {},
                         {"returns": [expected_return("RMA-30001"),
                                      dict(expected_return("RMA-30002"),
                                           items="none")]},
                         [expected_return("RMA-30003"), {"rma": 5}]],
}

WRITES = sorted((m, p) for (m, p), v in DOC_ROUTES.items()
                if m != "GET" and v["mark"] is None)


def snapshot(st):
    """Every row of every table, read beside the running daemon."""
    c = sqlite3.connect("file:%s?mode=ro" % st.db, uri=True, timeout=10)
    try:
        tables = [r[0] for r in c.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "ORDER BY name")]
        return {t: sorted(map(repr, c.execute('SELECT * FROM "%s"' % t)))
                for t in tables}
    finally:
        c.close()


def desk(st):
    s = st.status()
    return (s["step"], s["receipt"], s["clerk"], s["routine"],
            s.get("last_decision"))


def busy_station(make_station):
    """A decided return (its undo and its outbox rows waiting 600 s) and a
    second parcel open at the items step: every record a bad request
    could touch is there."""
    st = make_station(grace_s=600)
    st.sign_in()
    st.import_expected(expected_return(),
                       expected_return("RMA-10002", order="ORD-1002"))
    st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    decided = st.confirm()
    st.run_to("RMA-10002", stop_at="items", items_done=False)
    wait_for(lambda: st.status()["step"] == "items", what="the items step")
    # the parcel's return.received goes out by itself (its claim and its
    # delivery are audited): settled before anything is compared
    wait_for(lambda: all(o["state"] == "done" for o in st.outbox()
                         if o["action"] == "return.received"),
             what="return.received delivered")
    return st, decided


def test_bad_bodies_are_400_and_write_nothing(make_station):
    st, _ = busy_station(make_station)
    before, desk_before = snapshot(st), desk(st)
    seen = set()
    for method, path in WRITES:
        concrete = path.replace("{id}", "1")
        bodies = [("raw", b) for b in BAD_RAW] + \
            [("json", b) for b in BAD_FIELDS.get(path, [])]
        for kind, b in bodies:
            if kind == "raw":
                status, body, _ = request(st, method, concrete, raw=b)
            else:
                status, body, _ = request(st, method, concrete, body=b)
            assert status == 400, (method, path, b, status, body)
            check_shape(status, body, None)
            seen.add((method, path))
    assert seen == set(WRITES)
    assert snapshot(st) == before, "a refused request changed the database"
    assert desk(st) == desk_before


def test_a_whole_import_is_refused_for_one_bad_return(make_station):
    """One bad return in a batch of 1000: nothing of the batch is kept."""
    st = make_station()
    before = snapshot(st)
    batch = [expected_return("RMA-%d" % (40000 + i), order="ORD-%d" % i)
             for i in range(1000)]
    batch[777]["items"][0]["quantity"] = "two"
    status, body, _ = request(st, "POST", "/api/v1/expected",
                              {"returns": batch})
    assert status == 400, (status, body)
    assert "777" in body["error"], body
    assert snapshot(st) == before
    batch[777]["items"][0]["quantity"] = 2
    status, body, _ = request(st, "POST", "/api/v1/expected",
                              {"returns": batch})
    assert status == 200 and body["imported"] == 1000, body


@pytest.mark.parametrize("method,path,body,code", [
    ("GET", "/api/v1/returns/999999", None, 404),
    ("GET", "/api/v1/returns/9223372036854775807", None, 404),
    ("POST", "/api/v1/outbox/999999/retry", None, 404),
    ("POST", "/api/v1/undo", {"receipt": 999999}, 404),
    ("POST", "/api/v1/reprint", {"receipt": 999999}, 404),
    ("POST", "/api/v1/clerk", {"badge": "NOBODY-1"}, 404),
    ("POST", "/api/v1/pull", {"connector": "nowhere"}, 404),
    ("GET", "/api/v1/returns/0", None, 400),
    ("GET", "/api/v1/returns/-1", None, 400),
    ("GET", "/api/v1/returns/1x", None, 400),
    ("GET", "/api/v1/returns/99999999999999999999", None, 400),
    ("GET", "/api/v1/returns/%2e%2e", None, 400),
    ("POST", "/api/v1/outbox/0/retry", None, 400),
    ("POST", "/api/v1/outbox/1e3/retry", None, 400),
    ("POST", "/api/v1/undo", {"receipt": 2 ** 63}, 400),
])
def test_ids(make_station, method, path, body, code):
    st = make_station()
    before = snapshot(st)
    status, answer, _ = request(st, method, path, body=body)
    assert status == code, (status, answer)
    check_shape(status, answer, None)
    assert snapshot(st) == before


PATHS = sorted({p for (m, p), v in DOC_ROUTES.items() if v["mark"] is None})


def test_other_methods_are_405_on_every_path(make_station):
    """The contract test tries GET, POST, PUT, PATCH and DELETE; a client
    may send anything."""
    st = make_station()
    for path in PATHS:
        concrete = path.replace("{id}", "7")
        allowed = {m for (m, p), v in DOC_ROUTES.items()
                   if p == path and v["mark"] is None}
        for wrong in ("OPTIONS", "TRACE", "CONNECTX", "get"):
            status, body, headers = request(st, wrong, concrete)
            assert status == 405, (wrong, path, status, body)
            assert {m.strip() for m in headers["allow"].split(",")} == \
                allowed


def test_head_is_not_a_get(make_station):
    st = make_station()
    from helpers import UnixHTTPConnection
    c = UnixHTTPConnection(st.socket, timeout=15)
    c.request("HEAD", "/api/v1/status")
    r = c.getresponse()
    r.read()
    c.close()
    assert r.status == 405 and r.getheader("Allow") == "GET"


# ---- many clients at once ----

def at_once(n, fn):
    """@fn(i) in @n threads released together; their results in order."""
    gate = threading.Barrier(n)
    out = [None] * n

    def run(i):
        gate.wait()
        try:
            out[i] = fn(i)
        except Exception as e:  # noqa: BLE001 - reported below
            out[i] = e
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    failed = [o for o in out if isinstance(o, Exception)]
    assert not failed, failed
    return out


def documented(method, path, status):
    return status in {c for c, _ in DOC_ROUTES[(method, path)]["answers"]}


def test_twenty_clients_scan_and_read_the_status_at_once(make_station):
    st = make_station()
    st.sign_in()
    st.import_expected(expected_return())
    st.scale.mode = "silent"        # the parcel stays at the weigh step

    def client(i):
        if i % 2:
            return ("GET", "/api/v1/status") + request(
                st, "GET", "/api/v1/status")[:2]
        return ("POST", "/api/v1/scan") + request(
            st, "POST", "/api/v1/scan", {"code": "RMA-10001"})[:2]
    answers = at_once(CLIENTS, client)
    for method, path, status, body in answers:
        assert documented(method, path, status), (method, status, body)
        assert status < 500, (method, status, body)
        check_shape(status, body, "status" if status == 200 else None)
    scans = [a for a in answers if a[1] == "/api/v1/scan"]
    assert [a[2] for a in scans].count(200) >= 1, scans
    receipts = st.returns()
    assert len(receipts) == 1, receipts
    s = st.status()
    assert s["receipt"] == receipts[0]["id"] and s["step"] == "weigh", s
    for method, path, status, body in answers:
        if status == 200:
            assert body["receipt"] in (None, receipts[0]["id"]), body


def test_twenty_clients_confirm_at_once_and_it_is_decided_once(make_station):
    st = make_station(grace_s=600)
    st.sign_in()
    st.import_expected(expected_return())
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    rid, verdict = s["receipt"], s["proposal"]["verdict"]
    rows_before = {o["id"] for o in st.outbox()}
    answers = at_once(CLIENTS, lambda i: request(
        st, "POST", "/api/v1/confirm", {"verdict": verdict})[:2])
    codes = sorted(a[0] for a in answers)
    assert codes.count(200) == 1 and set(codes) <= {200, 409}, answers
    r = st.receipt(rid)
    assert r["verdict"] == verdict and r["decisions"] == 1, r
    mine = [o for o in st.outbox() if o["receipt_id"] == rid]
    actions = [o["action"] for o in mine]
    assert len(actions) == len(set(actions)), actions
    new = [o for o in st.outbox() if o["id"] not in rows_before]
    assert new and all(o["receipt_id"] == rid for o in new), new

    answers = at_once(CLIENTS, lambda i: request(
        st, "POST", "/api/v1/undo", {"receipt": rid})[:2])
    codes = sorted(a[0] for a in answers)
    assert codes.count(200) == 1 and set(codes) <= {200, 409}, answers
    assert st.receipt(rid)["state"] == "undone"


def test_twenty_clients_import_at_once(make_station):
    """Each client's return stored once; a 503 (the queue is full) says
    when to come back and stores nothing; after retries all are there."""
    st = make_station()

    def client(i):
        er = expected_return("RMA-%d" % (50000 + i), order="ORD-5%d" % i)
        answers = []
        for _ in range(50):
            status, body, headers = request(st, "POST", "/api/v1/expected",
                                            {"returns": [er]})
            answers.append(status)
            if status != 503:
                return answers, body
            assert int(headers["retry-after"]) >= 1
            threading.Event().wait(0.2)
        return answers, None
    results = at_once(CLIENTS, client)
    for answers, body in results:
        assert set(answers) <= {200, 503} and answers[-1] == 200, answers
        assert body == {"imported": 1, "kept": []}, body
    stored = st.ok("GET", "/api/v1/expected?limit=100")
    assert sorted(e["rma"] for e in stored) == \
        sorted("RMA-%d" % (50000 + i) for i in range(CLIENTS))


def test_loopback_tcp_is_trusted_and_serves_twenty_kept_alive_clients(
        make_station):
    """A listener on loopback needs no token (the screen's), and twenty
    clients each holding a connection and asking the status fifty times
    at once all get it whole."""
    import http.client
    from helpers import free_port
    st = make_station(start=False)
    port = free_port()
    st.cfg["api"]["listen"] = "127.0.0.1:%d" % port
    st.write_config()
    st.start()
    st.sign_in()

    def client(i):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        seen = set()
        for _ in range(50):
            c.request("GET", "/api/v1/status")
            r = c.getresponse()
            body = json.loads(r.read())
            assert r.status == 200, (r.status, body)
            check_shape(200, body, "status")
            seen.add((body["step"], body["clerk"]))
        c.close()
        return seen
    for seen in at_once(CLIENTS, client):
        assert seen == {("scan", "Ola")}, seen
