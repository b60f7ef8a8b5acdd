# SPDX-License-Identifier: MIT
"""What the screen and the supervisors read from the API (issue 9): the
status's change counter ("seq"), the live scale reading, the open parcel
(its expected return and deadline, weights, photos, items, the label it
would print) and the last decision's refund state; a photo by id; an
expected return read and called off; the receipts' kind and since
filters and their CSV; the KPI figures; the errors' stable codes; the
new metrics."""
import csv
import io
import time
from datetime import datetime, timezone

from helpers import (GTIN_OTHER, GTIN_TSHIRT, UnixHTTPConnection,
                     expected_return, wait_for)
from sim.shop import FakeShop
import helpers


def raw_get(st, path, headers=None):
    c = UnixHTTPConnection(st.socket, timeout=10)
    c.request("GET", path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


def test_seq_counts_changes_and_stays_still_when_nothing_changes(station):
    s = station.status()
    assert isinstance(s["seq"], int) and s["seq"] > 0
    # the tick runs every second; with nothing to do it is no change
    time.sleep(2.5)
    idle = station.status()["seq"]
    time.sleep(2.5)
    assert station.status()["seq"] == idle
    station.import_expected(expected_return())
    station.scan_code("RMA-10001")
    assert station.status()["seq"] > idle
    before = station.status()["seq"]
    station.ok("POST", "/api/v1/cancel")
    station.wait_step("scan")
    assert station.status()["seq"] > before


def test_the_parcel_as_the_screen_shows_it(station):
    s = station.status()
    assert s["parcel"] is None
    assert s["scale"] == {"grams": None, "stable": False, "at": None}
    station.import_expected(expected_return(delivered_days_ago=3))
    s = station.run_to("RMA-10001", stop_at="items", items_done=False)
    p = s["parcel"]
    assert p["receipt"] == s["receipt"]
    e = p["expected"]
    assert (e["rma"], e["order"], e["kind"], e["shop"], e["currency"]) == \
        ("RMA-10001", "ORD-1001", "withdrawal", "demo", "PLN")
    # delivered 3 days ago: 14 days from the delivery's day
    assert e["days_left"] in (10, 11), e
    assert len(e["deadline"]) == 10 and e["delivered_at"].endswith("Z")
    # two T-shirts of 200 g: 400 g, tolerance max(50 g, 10 %) = 50 g;
    # the simulated scale says 420 g, settled
    assert p["weight"] == {"expected_g": 400, "tolerance_g": 50,
                           "measured_g": 420, "mismatch": False,
                           "manual": False}
    assert s["scale"]["grams"] == 420 and s["scale"]["stable"] is True
    assert s["scale"]["at"].endswith("Z")
    assert p["items"] == [{"code": GTIN_TSHIRT, "sku": "TSHIRT-M",
                           "name": "T-shirt M", "ordered": 2,
                           "scanned": 0}]
    assert p["extra"] == [] and p["label_preview"] is None
    assert [ph["step"] for ph in p["photos"]] == ["parcel"]
    ph = p["photos"][0]
    assert ph["url"] == "/api/v1/photos/%d" % ph["id"]
    # the photo itself, as the record names it; cached by its hash
    code, headers, body = raw_get(station, ph["url"])
    assert code == 200 and headers["content-type"] == "image/jpeg"
    assert body[:3] == b"\xff\xd8\xff"
    sha = station.receipt(s["receipt"])["photos"][0]["sha256"]
    assert headers["etag"] == '"%s"' % sha
    code, _, body = raw_get(station, ph["url"],
                            {"If-None-Match": headers["etag"]})
    assert code == 304 and body == b""

    station.scan_item(GTIN_TSHIRT)
    station.scan_item(GTIN_TSHIRT)
    s = station.status()
    assert s["parcel"]["items"][0]["scanned"] == 2
    if s["step"] == "items":
        station.ok("POST", "/api/v1/items-done")
    s = station.wait_step("checklist", "confirm")
    while s["step"] == "checklist":
        s = station.answer_step(s)
    s = station.wait_step("confirm")
    label = s["parcel"]["label_preview"]
    assert label["title"] == "ACCEPT" and label["verdict"] == "accept"
    assert label["bin"] == "RESTOCK-A" and label["grade"] == "A"
    assert label["rma"] == "RMA-10001" and label["order"] == "ORD-1001"
    assert label["refund"] == "112.97 PLN", label
    assert label["lines"] == ["2 x TSHIRT-M T-shirt M"]
    assert label["receipt"] == str(s["receipt"]) == label["code"]
    rid = station.confirm()
    s = station.status()
    assert s["parcel"] is None
    ld = wait_for(lambda: (x := station.status()["last_decision"])
                  ["refund"]["state"] == "confirmed" and x,
                  timeout=10, what="the refund confirmed")
    assert ld["receipt"] == rid
    row = [o for o in station.receipt(rid)["outbox"]
           if o["action"] == "refund.requested"][0]
    assert ld["refund"] == {"state": "confirmed", "outbox_id": row["id"],
                            "shop_ref": row["shop_ref"], "error": None,
                            "next_attempt_at": None}


def test_refund_failed_shows_the_shops_message(make_station):
    shop = FakeShop(helpers.SECRET)
    try:
        st = make_station(start=False)
        st.cfg["outbox"]["refunds"] = "shop"
        st.cfg["connector shop"] = {
            "type": "webhook", "url": shop.url,
            "secret_file": st.cfg["outbox"]["secret_file"]}
        st.write_config()
        st.start()
        st.sign_in()
        st.import_expected(expected_return())
        shop.fail_next(400, body='{"error":"order is archived"}')
        st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
        st.confirm("accept")
        rf = wait_for(lambda: (x := st.status()["last_decision"]["refund"])
                      ["state"] == "failed" and x, timeout=10,
                      what="the refund failed")
        assert "order is archived" in rf["error"], rf
        assert rf["shop_ref"] is None and rf["next_attempt_at"] is None
        st.ok("POST", "/api/v1/outbox/%d/retry" % rf["outbox_id"])
        rf = wait_for(lambda: (x := st.status()["last_decision"]["refund"])
                      ["state"] == "confirmed" and x, timeout=10,
                      what="the refund confirmed after the retry")
        assert rf["shop_ref"] and rf["error"] is None
    finally:
        shop.close()


def test_a_rejection_asks_no_refund(station):
    station.import_expected(expected_return())
    station.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    station.confirm("reject", reason="wrong colour")
    rf = station.status()["last_decision"]["refund"]
    assert rf == {"state": "none", "outbox_id": None, "shop_ref": None,
                  "error": None, "next_attempt_at": None}


def test_a_weight_typed_in(station):
    station.import_expected(expected_return())
    station.scale.mode = "silent"
    station.feed("RMA-10001")
    station.wait_step("weigh")
    assert station.status()["parcel"]["weight"]["measured_g"] is None
    station.ok("POST", "/api/v1/weigh",
               {"grams": 520, "reason": "scale display broken"})
    w = wait_for(lambda: (x := station.status()["parcel"]["weight"])
                 ["measured_g"] is not None and x, what="the weight")
    # 520 g against 400 g +/- 50 g
    assert w == {"expected_g": 400, "tolerance_g": 50, "measured_g": 520,
                 "mismatch": True, "manual": True}, w


def test_ship_qc_lines_and_extra_items(station):
    station.import_expected(expected_return(
        rma="", order="ORD-2001", kind="shipment", delivered_days_ago=None,
        delivery_basic_minor=0))
    station.ok("POST", "/api/v1/routine", {"routine": "ship_qc"})
    station.feed("ORD-2001")
    s = station.wait_step("items", timeout=10)
    assert s["parcel"]["expected"]["kind"] == "shipment"
    assert s["parcel"]["expected"]["deadline"] is None
    # ship-QC: grams only, the larger of the desk's and the shop's (50)
    assert s["parcel"]["weight"]["tolerance_g"] == 50
    station.scan_item(GTIN_TSHIRT)
    station.scan_item(GTIN_OTHER)
    station.scan_item(GTIN_OTHER)
    p = station.status()["parcel"]
    assert p["items"][0]["ordered"] == 2 and p["items"][0]["scanned"] == 1
    # as the desk reads a GTIN: 14 digits
    assert p["extra"] == [{"code": "0" + GTIN_OTHER, "scanned": 2}], \
        p["extra"]


def test_an_expected_return_read_and_called_off(station):
    station.import_expected(expected_return(),
                            expected_return(rma="RMA-10002"))
    e = station.ok("GET", "/api/v1/expected/1")
    assert e["rma"] == "RMA-10001" and e["cancelled_at"] is None
    code, err = station.call("GET", "/api/v1/expected/99")
    assert code == 404 and err["code"] == "not_found"
    e = station.ok("DELETE", "/api/v1/expected/1")
    assert e["cancelled_at"].endswith("Z")
    # no longer matched at the desk; the audit log says who called it off
    station.feed("RMA-10001")
    wait_for(lambda: station.status()["not_found"] == "RMA-10001",
             what="RMA-10001 not found once called off")
    # imported again: expected again
    station.import_expected(expected_return())
    assert station.ok("GET", "/api/v1/expected/1")["cancelled_at"] is None
    station.run_to("RMA-10001", stop_at="items", items_done=False)
    code, err = station.call("DELETE", "/api/v1/expected/1")
    assert code == 409 and err["code"] == "at_the_desk", err
    assert "receipt" in err["error"]
    assert station.ok("GET", "/api/v1/expected/1")["cancelled_at"] is None


def test_receipts_by_kind_and_since_and_as_csv(station):
    station.import_expected(expected_return(),
                            expected_return(rma="RMA-10002",
                                            kind="complaint"))
    station.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    # a clerk's reason that a spreadsheet would run, with a comma
    first = station.confirm("reject", reason="=HYPERLINK(\"x\",\"y\")")
    time.sleep(1.1)  # the mark is in whole seconds
    mark = helpers.iso_utc(datetime.now(timezone.utc))
    station.run_to("RMA-10002", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    second = station.confirm()

    def ids(q):
        return [r["id"] for r in station.ok("GET", "/api/v1/returns?" + q)]
    assert ids("kind=withdrawal") == [first]
    assert ids("kind=complaint") == [second]
    assert ids("kind=unexpected") == []
    assert ids("since=" + mark) == [second]
    code, err = station.call("GET", "/api/v1/returns?kind=gift")
    assert code == 400 and err["code"] == "bad_request"

    code, headers, body = raw_get(station, "/api/v1/returns.csv")
    assert code == 200 and headers["content-type"].startswith("text/csv")
    assert "returns.csv" in headers["content-disposition"]
    text = body.decode()
    assert text.endswith("\r\n") and "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][:4] == ["receipt", "received_at", "routine", "kind"]
    assert [r[0] for r in rows[1:]] == [str(first), str(second)]
    head = rows[0]
    r1 = dict(zip(head, rows[1]))
    assert r1["verdict"] == "reject" and r1["kind"] == "withdrawal"
    # the formula is shown, not run: quoted (its comma and quotes) and
    # prefixed with '
    assert r1["override_reason"] == "'=HYPERLINK(\"x\",\"y\")", r1
    assert '"\'=HYPERLINK(""x"",""y"")"' in text
    r2 = dict(zip(head, rows[2]))
    assert r2["kind"] == "complaint" and r2["override_reason"] == ""
    code, _, body = raw_get(station, "/api/v1/returns.csv?kind=complaint")
    assert body.decode().count("\r\n") == 2


def test_kpi_of_today(station):
    k = station.ok("GET", "/api/v1/kpi")
    assert k["from"] == k["to"] and k["returns_per_hour"] == []
    assert k["verdicts"] == {"accept": 0, "partial": 0, "reject": 0,
                             "hold": 0}
    station.import_expected(expected_return())
    station.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    station.confirm()
    wait_for(lambda: station.status()["last_decision"]["refund"]["state"]
             == "confirmed", timeout=10, what="the refund confirmed")
    k = station.ok("GET", "/api/v1/kpi?from=%s" % k["from"])
    assert [h["count"] for h in k["returns_per_hour"]] == [1]
    assert k["verdicts"]["accept"] == 1
    assert k["reasons"] == [{"reason": "within_window", "count": 1}]
    assert k["refund_latency_s"]["n"] == 1
    assert 0 < k["refund_latency_s"]["median"] < 60
    assert k["qc"] == {"passed": 0, "failed": 0}
    for bad in ("from=2026-13-01", "to=yesterday",
                "from=2026-01-02&to=2026-01-01",
                "from=2025-01-01&to=2026-01-02", "day=2026-01-01"):
        code, err = station.call("GET", "/api/v1/kpi?" + bad)
        assert code == 400 and err["code"] == "bad_request", (bad, err)


def test_errors_carry_a_stable_code(station):
    for method, path, body, status, code in (
            ("GET", "/api/v1/nothing", None, 404, "not_found"),
            ("PUT", "/api/v1/status", None, 405, "method_not_allowed"),
            ("POST", "/api/v1/scan", {}, 400, "bad_request"),
            ("POST", "/api/v1/confirm", {"verdict": "accept"}, 409,
             "refused_by_desk"),
            ("GET", "/api/v1/photos/abc", None, 400, "bad_request")):
        got, err = station.call(method, path, body)
        assert got == status and set(err) == {"error", "code"}, err
        assert err["code"] == code and err["error"], err


def test_metrics_for_the_dashboard(station):
    station.import_expected(expected_return())
    station.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    station.confirm()
    wait_for(lambda: station.status()["last_decision"]["refund"]["state"]
             == "confirmed", timeout=10, what="the refund confirmed")
    _, m = station.call("GET", "/metrics")
    lines = dict(l.rsplit(" ", 1) for l in m.decode().splitlines()
                 if l and not l.startswith("#"))
    assert lines['retour_routines_total{routine="return",'
                 'outcome="decided"}'] == "1"
    assert lines['retour_step_seconds_count{step="weigh"}'] == "1"
    assert lines['retour_step_seconds_bucket{step="confirm",le="+Inf"}'] \
        == "1"
    assert lines['retour_device_faults_total{device="scale"}'] == "0"
    assert lines["retour_refund_latency_seconds_count"] == "1"
    assert lines['retour_refund_latency_seconds_bucket{le="+Inf"}'] == "1"
    assert float(lines["retour_outbox_oldest_seconds"]) >= 0
