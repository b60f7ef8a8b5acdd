# SPDX-License-Identifier: MIT
"""Consumer law (DESIGN.md section 4) as a supervisor checks it, through the
real daemon: which day counts for a withdrawal, the complaint's 14-day
answer deadline, the complaint's remedy, the whole order across its parcels
and the delivery cost, and the import fields they rest on."""
from datetime import datetime, timedelta, timezone

from helpers import (GTIN_TSHIRT, expected_return, iso_utc, reason_codes,
                     tshirt, wait_for)

GTIN_KETTLE = "05901234123488"


def days_ago(n):
    return iso_utc(datetime.now(timezone.utc) - timedelta(days=n))


def kettle(**kw):
    item = {"sku": "KETTLE-1L", "gtin": GTIN_KETTLE, "name": "Kettle",
            "category": "electronics", "quantity": 1,
            "unit_price_minor": 12999, "weight_g": 400}
    item.update(kw)
    return item


def complaint(rma="RMA-20001", order="ORD-2001", received_days_ago=None,
              **kw):
    er = expected_return(rma=rma, order=order, kind="complaint",
                         delivered_days_ago=200, items=[kettle()], **kw)
    if received_days_ago is not None:
        er["complaint_received_at"] = days_ago(received_days_ago)
    return er


def expected_list(st):
    answer = st.ok("GET", "/api/v1/expected")
    return answer if isinstance(answer, list) else answer["expected"]


# ---- the import: every new field checked, stored and shown ----

def test_import_keeps_the_law_fields(station):
    st = station
    er = complaint(received_days_ago=2, delivery_basic_minor=1299)
    er["defect_appeared_at"] = days_ago(10)[:10]
    er["delivery_paid_minor"] = 2499
    er["order_lines"] = [{"sku": "KETTLE-1L", "quantity": 1},
                         {"sku": "MUG-1", "quantity": 2}]
    st.import_expected(er)
    got = [e for e in expected_list(st) if e["rma"] == "RMA-20001"][0]
    assert got["complaint_received_at"] == er["complaint_received_at"]
    assert got["defect_appeared_at_us"] > 0
    assert got["delivery_paid_minor"] == 2499
    assert got["order_lines"] == [{"quantity": 1, "sku": "KETTLE-1L"},
                                  {"quantity": 2, "sku": "MUG-1"}]
    # the export imports again as it is
    st.import_expected({k: v for k, v in got.items()
                        if k not in ("created_at", "updated_at",
                                     "created_at_us", "updated_at_us")})


def test_import_refuses_bad_law_fields_and_keeps_nothing(station):
    st = station
    good = expected_return(rma="RMA-GOOD")
    cases = [
        ("complaint", "complaint_received_at", "2026-02-30",
         "complaint_received_at: \"2026-02-30\" is not"),
        ("complaint", "defect_appeared_at", 20261112,
         "defect_appeared_at: expected an RFC 3339"),
        ("withdrawal", "complaint_received_at", "2026-11-02",
         "complaint_received_at: only a complaint"),
        ("withdrawal", "delivery_paid_minor", "12.99",
         "delivery_paid_minor: expected an integer"),
        ("withdrawal", "delivery_paid_minor", -5,
         "delivery_paid_minor: -5 is out of range"),
        ("withdrawal", "order_lines", [{"sku": "TSHIRT-M", "quantity": 0}],
         "order_lines[0].quantity"),
        ("withdrawal", "order_lines",
         [{"sku": "SOMETHING-ELSE", "quantity": 1}],
         "items[0]: not among order_lines"),
    ]
    for kind, field, value, message in cases:
        bad = (complaint(rma="RMA-BAD") if kind == "complaint"
               else expected_return(rma="RMA-BAD"))
        bad[field] = value
        code, answer = st.call("POST", "/api/v1/expected",
                               {"returns": [good, bad]})
        assert code == 400, (field, code, answer)
        assert message in answer["error"], (field, answer)
        assert "returns[1]." in answer["error"]
    # all or nothing: the good one of each batch was not imported either
    assert [e for e in expected_list(st)
            if e["rma"] in ("RMA-GOOD", "RMA-BAD")] == []


# ---- which day counts for a withdrawal ----

def test_late_parcel_without_statement_date_is_held_not_rejected(station):
    st = station
    st.import_expected(expected_return(delivered_days_ago=20))
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    p = s["proposal"]
    assert p["verdict"] == "hold", p
    assert "check_posting_date" in reason_codes(p)
    assert "window_passed" not in reason_codes(p)


# ---- the whole order, across its parcels, and the delivery cost ----

def test_only_the_returned_item_listed_refunds_no_delivery(station):
    st = station
    er = expected_return()
    del er["order_lines"]
    st.import_expected(er)
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    p = s["proposal"]
    assert p["verdict"] == "accept"
    assert p["refund_minor"] == 9998, p
    assert p["delivery_refund_minor"] == 0
    assert "delivery_not_refunded" in reason_codes(p)


def test_second_parcel_refunds_what_is_left_and_delivery_once(station):
    st = station
    st.import_expected(expected_return())
    # first parcel: one T-shirt of two
    st.scale.weight_g = 210
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT])
    p = s["proposal"]
    assert p["verdict"] == "partial", p
    assert p["refund_minor"] == 4999
    assert p["delivery_refund_minor"] == 0
    first = st.confirm()

    # the second parcel of the same RMA is opened, not refused
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT])
    p = s["proposal"]
    assert s["receipt"] != first
    assert p["verdict"] == "accept", p
    assert p["items"][0]["quantity"] == 1
    # the order is complete now: the last T-shirt and the delivery, once
    assert p["refund_minor"] == 4999 + 1299, p
    assert p["delivery_refund_minor"] == 1299
    st.confirm()

    # everything came back: a third scan is a true duplicate
    st.feed("RMA-10001")
    wait_for(lambda: "already decided" in (st.status().get("problem") or ""),
             what="the duplicate refused")
    assert st.status()["step"] == "scan"
    amounts = sorted(r["payload"]["amount_minor"] for r in
                     wait_for(lambda: len(st.shop.delivered(
                         "refund.requested")) == 2 and
                         st.shop.delivered("refund.requested"),
                         timeout=10, what="two refunds at the shop"))
    assert amounts == [4999, 6298]


def test_delivery_refund_is_the_basic_not_the_express(station):
    st = station
    er = expected_return()
    er["delivery_paid_minor"] = 2499
    st.import_expected(er)
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    assert s["proposal"]["delivery_refund_minor"] == 1299
    assert s["proposal"]["refund_minor"] == 11297


# ---- complaints: the answer deadline and the remedy ----

def test_complaints_due_lists_close_and_past_deadlines(station):
    st = station
    st.import_expected(
        complaint("RMA-SOON", "ORD-S", received_days_ago=12),
        complaint("RMA-LATE", "ORD-L", received_days_ago=20),
        complaint("RMA-FRESH", "ORD-F", received_days_ago=1),
        complaint("RMA-NODATE", "ORD-N"))
    due = st.ok("GET", "/api/v1/complaints/due")
    rmas = [c["rma"] for c in due]
    assert rmas == ["RMA-LATE", "RMA-SOON"], due
    late, soon = due
    assert late["deemed_accepted"] is True
    assert soon["deemed_accepted"] is False
    assert soon["received_from"] == "import"

    out = st.ctl("complaints", "due").stdout
    assert "RMA-LATE" in out and "RMA-SOON" in out
    assert "RMA-FRESH" not in out and "RMA-NODATE" not in out
    assert "counts as accepted (art. 7a)" in out
    assert st.ctl_json("--json", "complaints", "due") == due


def test_complaint_past_deadline_counts_as_accepted(station):
    st = station
    st.import_expected(complaint(received_days_ago=20))
    st.scale.weight_g = 400
    # the kettle works: no defect found, yet the complaint stands
    s = st.run_to("RMA-20001", items=[GTIN_KETTLE])
    p = s["proposal"]
    assert p["verdict"] == "accept", p
    assert "complaint_deemed_accepted" in reason_codes(p)
    text = [r["text"] for r in p["reasons"]
            if r["code"] == "complaint_deemed_accepted"][0]
    assert "art. 7a" in text
    rid = st.confirm()
    rec = st.receipt(rid)
    assert rec["proposal"]["complaint_deemed_accepted"] is True
    decided = wait_for(lambda: st.shop.delivered("return.decided"),
                       timeout=10, what="the decision event")
    assert decided[0]["payload"]["complaint_deemed_accepted"] is True


def test_complaint_deadline_from_the_receipt_when_not_imported(station):
    st = station
    st.import_expected(complaint())
    st.scale.weight_g = 400
    s = st.run_to("RMA-20001", items=[GTIN_KETTLE],
                  answers={"powers_on": "fail"})
    p = s["proposal"]
    assert "complaint_date_assumed" in reason_codes(p)
    assert p["complaint_received_from"] == "receipt"
    # 14 days from today: not close to the deadline yet
    assert st.ok("GET", "/api/v1/complaints/due") == []


def test_complaint_remedy_repair_moves_no_money(station):
    st = station
    st.import_expected(complaint(received_days_ago=1))
    st.scale.weight_g = 400
    s = st.run_to("RMA-20001", items=[GTIN_KETTLE],
                  answers={"powers_on": "fail"})
    assert s["proposal"]["verdict"] == "accept", s["proposal"]
    assert s["proposal"]["remedy"] == "refund"   # the proposal's default
    rid = s["receipt"]
    st.ok("POST", "/api/v1/confirm", {"verdict": "accept",
                                      "remedy": "repair"})
    wait_for(lambda: st.status()["step"] == "scan",
             what="the repair decided")
    rec = st.receipt(rid)
    assert rec["refund_minor"] == 0
    assert rec["proposal"]["remedy"] == "repair"
    decided = wait_for(lambda: st.shop.delivered("return.decided"),
                       timeout=10, what="the decision event")
    assert decided[0]["payload"]["remedy"] == "repair"
    assert st.shop.delivered("refund.requested") == []
    assert all(r["action"] != "refund.requested" for r in st.outbox())


def test_complaint_remedy_reduce_pays_the_amount_given(station):
    st = station
    st.import_expected(complaint(received_days_ago=1))
    st.scale.weight_g = 400
    s = st.run_to("RMA-20001", items=[GTIN_KETTLE],
                  answers={"powers_on": "fail"})
    rid = s["receipt"]
    # a reduction without its amount is refused and nothing is recorded
    st.call("POST", "/api/v1/confirm", {"verdict": "accept",
                                        "remedy": "reduce"})
    assert st.status()["step"] == "confirm"
    assert "amount_minor" in st.status()["problem"]
    code, _ = st.call("POST", "/api/v1/confirm",
                      {"verdict": "accept", "remedy": "cash"})
    assert code == 400
    st.ok("POST", "/api/v1/confirm", {"verdict": "accept",
                                      "remedy": "reduce",
                                      "amount_minor": 3000})
    wait_for(lambda: st.status()["step"] == "scan",
             what="the reduction decided")
    rec = st.receipt(rid)
    assert rec["refund_minor"] == 3000
    assert rec["proposal"]["remedy"] == "reduce"
    refund = wait_for(lambda: st.shop.delivered("refund.requested"),
                      timeout=10, what="the reduction's refund")[0]["payload"]
    assert refund["amount_minor"] == 3000
    assert refund["remedy"] == "reduce"
    assert sum(i["refund_minor"] for i in refund["items"]) == 3000


def test_a_remedy_is_only_for_a_complaint(station):
    st = station
    st.import_expected(expected_return())
    st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    st.call("POST", "/api/v1/confirm", {"verdict": "accept",
                                        "remedy": "repair"})
    s = st.status()
    assert s["step"] == "confirm"
    assert "only for a complaint" in s["problem"]


def test_complaints_due_horizon_is_configured(make_station):
    st = make_station(shop={"complaint_warn_days": 14})
    st.import_expected(complaint("RMA-FRESH", "ORD-F", received_days_ago=1))
    assert [c["rma"] for c in st.ok("GET", "/api/v1/complaints/due")] == \
        ["RMA-FRESH"]
