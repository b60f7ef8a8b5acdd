# SPDX-License-Identifier: MIT
"""The desk comes first: bulk imports of expected returns (POST
/api/v1/expected) wait in a bounded queue and are written between the
desk's events, so the desk and GET /status are answered while imports are
still pending; an import answers its real result once stored, and a full
queue answers 503 with Retry-After and imports nothing.

Nothing here is timed: the order of the answers and the queue's gauge
(retour_import_queue in /metrics) show what was served first.  The imports
are large (a few thousand returns, each its own durable write), so they
are still pending when the desk asks.
"""
import json
import re
import threading

from helpers import UnixHTTPConnection, expected_return, wait_for

# Returns per large import: about 0.8 MiB of JSON, under the 1 MiB limit.
LARGE = 2500


def small_return(i, prefix="RMA-BULK"):
    return {"rma": "%s-%06d" % (prefix, i), "order": "ORD-B%06d" % i,
            "currency": "PLN", "delivered_at": None,
            "items": [{"sku": "S", "gtin": "05901234123457", "name": "T",
                       "quantity": 1, "unit_price_minor": 100,
                       "weight_g": 100}]}


def large_body(first):
    body = json.dumps({"returns": [small_return(first + i)
                                   for i in range(LARGE)]}).encode()
    assert len(body) < 1 << 20
    return body


def request(st, method, path, body=None, timeout=120):
    """One request on its own connection: (status, headers, JSON)."""
    c = UnixHTTPConnection(st.socket, timeout=timeout)
    try:
        c.request(method, path, body=body,
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        data = r.read()
        return r.status, dict(r.getheaders()), data
    finally:
        c.close()


def metric(st, line_start):
    """The value of the /metrics line that starts with @line_start."""
    code, _, text = request(st, "GET", "/metrics")
    assert code == 200
    for line in text.decode().splitlines():
        if line.startswith(line_start + " "):
            return float(line.split()[-1])
    raise AssertionError("no %s in /metrics:\n%s" % (line_start,
                                                     text.decode()))


class ImportClient(threading.Thread):
    """One integrator posting one import and waiting for its answer.
    `sent` is set once its whole body is in the socket: the daemon has
    read all of a large body but the socket buffer's worth, so it has its
    headers."""

    answered = []  # names in the order their answers came
    lock = threading.Lock()

    def __init__(self, st, name, body):
        super().__init__(daemon=True)
        self.st, self.name, self.body = st, name, body
        self.status = self.answer = None
        self.sent = threading.Event()
        self.start()

    def run(self):
        c = UnixHTTPConnection(self.st.socket, timeout=300)
        try:
            c.request("POST", "/api/v1/expected", body=self.body,
                      headers={"Content-Type": "application/json"})
            self.sent.set()
            r = c.getresponse()
            self.status, self.answer = r.status, json.loads(r.read())
        finally:
            c.close()
            self.sent.set()
            with self.lock:
                self.answered.append(self.name)


def answered(name):
    with ImportClient.lock:
        ImportClient.answered.append(name)


def queued_station(make_station, places):
    st = make_station(start=False)
    st.cfg["api"]["import_queue"] = places
    st.write_config()
    st.start()
    st.sign_in()
    return st


def expected_codes(st):
    code, _, data = request(st, "GET", "/api/v1/expected?limit=10000")
    assert code == 200
    rows = json.loads(data)
    if isinstance(rows, dict):
        rows = rows.get("expected", rows.get("returns", []))
    return {r["rma"] for r in rows}


def test_desk_and_status_answer_while_imports_wait(make_station):
    st = queued_station(make_station, places=4)
    st.import_expected(expected_return())
    ImportClient.answered = []
    imports = []
    for k in range(3):  # one after the other: the order of arrival
        imports.append(ImportClient(st, "import-%d" % k,
                                    large_body(k * LARGE)))
        assert imports[-1].sent.wait(120)

    # the desk: GET /status and a parcel's scan, answered at once ...
    code, _, data = request(st, "GET", "/api/v1/status")
    assert code == 200, data
    answered("status")
    code, _, data = request(st, "POST", "/api/v1/scan",
                            json.dumps({"code": "RMA-10001"}).encode())
    assert code == 200, data
    assert json.loads(data)["step"] != "scan", data
    answered("scan")
    # ... before any of the imports sent before them
    assert ImportClient.answered == ["status", "scan"], \
        ImportClient.answered
    assert metric(st, "retour_import_queue") >= 1

    for im in imports:
        im.join(timeout=300)
        assert im.status == 200, im.answer
        assert im.answer == {"imported": LARGE, "kept": []}, im.answer
    # each answered once it was stored, in order of arrival
    assert ImportClient.answered == ["status", "scan", "import-0",
                                     "import-1", "import-2"], \
        ImportClient.answered
    assert metric(st, "retour_import_queue") == 0
    # RMA-10001's import and the three
    assert metric(st, 'retour_imports_total{outcome="stored"}') == 4
    assert len(expected_codes(st)) == 3 * LARGE + 1
    # the desk's parcel was not disturbed
    assert st.status()["code"] == "RMA-10001"


def test_full_queue_answers_503_and_imports_nothing(make_station):
    st = queued_station(make_station, places=1)
    ImportClient.answered = []
    first = ImportClient(st, "first", large_body(0))
    assert first.sent.wait(120)

    refused = json.dumps({"returns": [small_return(1, "RMA-REFUSED")]})
    code, headers, data = request(st, "POST", "/api/v1/expected",
                                  refused.encode())
    assert code == 503, data
    assert re.fullmatch(r"[1-9][0-9]*", headers.get("Retry-After", "")), \
        headers
    assert "nothing was imported" in json.loads(data)["error"]
    assert first.status is None  # still being stored

    first.join(timeout=300)
    assert first.status == 200 and first.answer["imported"] == LARGE
    codes = expected_codes(st)
    assert "RMA-REFUSED-000001" not in codes
    assert len(codes) == LARGE
    assert metric(st, 'retour_imports_total{outcome="refused"}') == 1

    # with the place free again the same import is taken and stored
    code, _, data = request(st, "POST", "/api/v1/expected",
                            refused.encode())
    assert code == 200, data
    assert json.loads(data) == {"imported": 1, "kept": []}
    assert "RMA-REFUSED-000001" in expected_codes(st)


def test_bad_import_in_the_queue_answers_400_and_stores_nothing(
        make_station):
    st = queued_station(make_station, places=4)
    ImportClient.answered = []
    first = ImportClient(st, "first", large_body(0))
    wait_for(lambda: metric(st, "retour_import_queue") == 1, timeout=30,
             what="the first import in the queue")
    bad = [small_return(1, "RMA-BAD"), small_return(2, "RMA-BAD")]
    bad[1]["currency"] = 12
    bad_client = ImportClient(st, "bad", json.dumps(bad).encode())
    bad_client.join(timeout=300)
    # the bad one waited its turn behind the first: once it is answered
    # the first is stored whole (the order the two client threads note
    # their answers in is a race of their own, seen under qemu-user)
    assert len(expected_codes(st)) == LARGE
    first.join(timeout=300)
    assert first.status == 200, first.answer
    assert bad_client.status == 400, bad_client.answer
    assert "[1].currency" in bad_client.answer["error"], bad_client.answer
    codes = expected_codes(st)
    assert not any(c.startswith("RMA-BAD") for c in codes)
    assert metric(st, 'retour_imports_total{outcome="failed"}') == 1


def test_stop_answers_the_imports_still_queued(make_station):
    st = queued_station(make_station, places=4)
    ImportClient.answered = []
    imports = []
    for k in range(3):
        imports.append(ImportClient(st, "import-%d" % k,
                                    large_body(k * LARGE)))
        assert imports[-1].sent.wait(120)
    wait_for(lambda: metric(st, "retour_import_queue") == 3, timeout=30,
             what="three imports in the queue")
    st.stop()
    assert st.proc.returncode == 0, st.log()
    for im in imports:
        im.join(timeout=60)
    # the last one never started: it is told so, and to send it again
    last = imports[-1]
    assert last.status == 503, (last.status, last.answer)
    assert "send it again" in last.answer["error"], last.answer
