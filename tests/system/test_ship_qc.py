# SPDX-License-Identifier: MIT
"""Ship-QC (packers): scan the order, every item, weigh, photos of the open
and the sealed box, checklist, and the event upstream."""
from helpers import GTIN_TSHIRT, expected_return, wait_for

MUG = {"sku": "MUG-W", "gtin": GTIN_TSHIRT, "name": "Mug white",
       "category": "home", "quantity": 1, "unit_price_minor": 2900,
       "weight_g": 400, "personalised": False, "made_to_order": False,
       "perishable": False, "sealed_hygiene": False}


def shipment(order="ORD-2001"):
    return expected_return(rma="", order=order, kind="shipment",
                           delivered_days_ago=None, delivery_basic_minor=0,
                           items=[dict(MUG)])


def start_ship_qc(st):
    st.import_expected(shipment())
    s = st.ok("POST", "/api/v1/routine", {"routine": "ship_qc"})
    assert s["routine"] == "ship_qc", s
    st.wait_step("scan")


def test_ship_qc_passes(station):
    st = station
    start_ship_qc(st)
    s = st.run_to("ORD-2001", items=[GTIN_TSHIRT])
    assert s["proposal"]["verdict"] == "accept", s["proposal"]
    rid = st.confirm()
    rec = st.receipt(rid)
    steps = {ph["step"] for ph in rec["photos"]}
    assert {"open_box", "sealed_box"} <= steps, rec["photos"]
    assert {(a["template"], a["version"]) for a in rec["checklist"]} == \
        {("ship-qc", 1)}
    ev = wait_for(lambda: st.shop.delivered("shipment.qc_passed"),
                  timeout=10)[0]
    assert ev["signature_ok"]
    assert ev["payload"]["order"] == "ORD-2001"
    assert ev["payload"]["receipt"] == rid
    assert not st.shop.delivered("shipment.qc_failed")
    assert not st.shop.delivered("refund.requested")
    label = wait_for(lambda: [j for j in st.printer.labels()
                              if b"ORD-2001" in j], what="QC label")[0]
    assert b"^XA" in label and b"^XZ" in label


def test_ship_qc_fails_on_failed_checklist_step(station):
    st = station
    start_ship_qc(st)
    s = st.run_to("ORD-2001", items=[GTIN_TSHIRT],
                  answers={"invoice": "fail"})
    assert s["proposal"]["verdict"] == "reject", s["proposal"]
    assert s["light"] == "red", s
    rid = st.confirm()
    ev = wait_for(lambda: st.shop.delivered("shipment.qc_failed"),
                  timeout=10)[0]
    assert ev["payload"]["receipt"] == rid
    assert not st.shop.delivered("shipment.qc_passed")


def test_ship_qc_fails_on_missing_item(station):
    st = station
    start_ship_qc(st)
    # nothing scanned, the packer says done: the mug is missing
    s = st.run_to("ORD-2001", items=[])
    assert s["proposal"]["verdict"] == "reject", s["proposal"]
    rid = st.confirm()
    ev = wait_for(lambda: st.shop.delivered("shipment.qc_failed"),
                  timeout=10)[0]
    assert ev["payload"]["receipt"] == rid
    assert not st.shop.delivered("shipment.qc_passed")
