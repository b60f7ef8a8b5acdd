# SPDX-License-Identifier: MIT
"""Ship-QC (packers): scan the order, every item, weigh, photos of the open
and the sealed box, checklist, and the event upstream."""
import time

from helpers import GTIN_OTHER, GTIN_TSHIRT, expected_return, wait_for

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


# ---- recovery: a unit taken out of the box, the verdict on the final box

def walk_to_confirm(st, timeout=15.0):
    """From any step after the items, let the devices answer and answer
    the checklist generically, up to the confirm step."""
    deadline = time.monotonic() + timeout
    while True:
        s = st.status()
        if s["step"] == "confirm":
            return s
        assert time.monotonic() < deadline, "stuck at %r" % s
        assert s["step"] not in ("scan", "sign_in", "items"), s
        if s["step"] == "checklist":
            st.answer_step(s)
        else:
            time.sleep(0.05)


def open_order(st, order="ORD-2001"):
    st.feed(order)
    return st.wait_step("items")


def scans_of(st, rid):
    return [i["gtin"] for i in st.receipt(rid)["items"]]


def test_extra_item_taken_out_at_the_items_step_passes(station):
    st = station
    start_ship_qc(st)
    rid = open_order(st)["receipt"]
    st.feed(GTIN_OTHER)
    s = wait_for(lambda: "Extra item" in (x := st.status())["problem"] and x,
                 what="extra item said")
    assert s["light"] == "red", s
    s = st.ok("POST", "/api/v1/remove")
    assert s["removing"] is True, s
    assert "Take the item out" in s["prompt"], s
    st.feed(GTIN_OTHER)
    wait_for(lambda: st.status().get("removing") is False,
             what="the extra item taken out")
    assert scans_of(st, rid) == [], st.receipt(rid)["items"]
    st.scan_item(GTIN_TSHIRT)
    s = walk_to_confirm(st)
    assert s["proposal"]["verdict"] == "accept", s["proposal"]
    assert st.confirm() == rid
    ev = wait_for(lambda: st.shop.delivered("shipment.qc_passed"),
                  timeout=10)[0]
    assert ev["payload"]["receipt"] == rid
    assert not st.shop.delivered("shipment.qc_failed")
    assert scans_of(st, rid) == [GTIN_TSHIRT.lstrip("0").zfill(14)]


def test_failed_qc_recovered_after_taking_the_extra_out(station):
    st = station
    start_ship_qc(st)
    rid = open_order(st)["receipt"]
    st.feed(GTIN_OTHER)                 # packed by mistake
    wait_for(lambda: "Extra item" in st.status()["problem"])
    st.scan_item(GTIN_TSHIRT)
    s = walk_to_confirm(st)
    assert s["proposal"]["verdict"] == "reject", s["proposal"]
    assert "remove" in s["prompt"], s
    # the packer takes it out: the desk goes back to the items, count kept
    code, s = st.call("POST", "/api/v1/remove",
                      {"code": GTIN_OTHER})
    assert code == 200, (code, s)
    assert s["step"] != "confirm", s
    s = walk_to_confirm(st)
    assert s["proposal"]["verdict"] == "accept", s["proposal"]
    assert s["light"] != "red", s
    st.confirm()
    rec = st.receipt(rid)
    assert rec["verdict"] == "qc_passed" and not rec["overridden"], rec
    assert len(rec["items"]) == 1, rec["items"]
    wait_for(lambda: st.shop.delivered("shipment.qc_passed"), timeout=10)


def test_remove_refused_says_why(station):
    st = station
    # a return has nothing to take out
    code, body = st.call("POST", "/api/v1/remove")
    assert code == 409, (code, body)
    assert "not expected now" in body["error"], body
    start_ship_qc(st)
    open_order(st)
    code, body = st.call("POST", "/api/v1/remove", {"code": GTIN_TSHIRT})
    assert code == 409, (code, body)
    assert "was not counted in this box" in body["error"], body


# ---- roles: passing a failed QC needs a supervisor

def failed_qc(st):
    start_ship_qc(st)
    s = st.run_to("ORD-2001", items=[])     # the mug is missing
    assert s["proposal"]["verdict"] == "reject", s["proposal"]
    return s["receipt"]


def test_passing_a_failed_qc_needs_a_supervisor(make_station):
    st = make_station(start=False)
    st.cfg["clerks"]["SUP-0001"] = "Ewa, supervisor"
    st.write_config()
    st.start()
    st.sign_in()
    rid = failed_qc(st)
    body = {"verdict": "qc_passed", "reason": "mug sent separately"}
    code, answer = st.call("POST", "/api/v1/confirm", body)
    assert code == 409, (code, answer)
    assert "supervisor" in answer["error"], answer
    assert "nothing recorded" in answer["error"], answer
    # a clerk's badge is not a supervisor's
    code, answer = st.call("POST", "/api/v1/confirm",
                           dict(body, supervisor="CLERK-0002"))
    assert code == 409, (code, answer)
    assert "not a supervisor" in answer["error"], answer
    rec = st.receipt(rid)
    assert rec["state"] == "open" and rec["verdict"] is None, rec
    assert st.status()["step"] == "confirm"
    # a supervisor's badge without a reason: refused too
    code, answer = st.call("POST", "/api/v1/confirm",
                           {"verdict": "qc_passed", "supervisor": "SUP-0001"})
    assert code == 409 and "reason" in answer["error"], (code, answer)
    assert st.receipt(rid)["state"] == "open"
    # both: recorded, and the record and the event say who let it go
    st.ok("POST", "/api/v1/confirm", dict(body, supervisor="SUP-0001"))
    rec = st.receipt(rid)
    assert rec["verdict"] == "qc_passed" and rec["overridden"], rec
    assert rec["override_by"] == "Ewa", rec
    assert rec["override_reason"] == "mug sent separately", rec
    ev = wait_for(lambda: st.shop.delivered("shipment.qc_passed"),
                  timeout=10)[0]
    assert ev["payload"]["override"] == {"by": "Ewa",
                                         "reason": "mug sent separately"}


def test_a_signed_in_supervisor_authorises(make_station):
    st = make_station(start=False)
    st.cfg["clerks"]["SUP-0009"] = "Ewa Nowak, supervisor"
    st.cfg["clerks"]["PACK-0001"] = "Jan, packer"
    st.write_config()
    st.start()
    s = st.sign_in("PACK-0001", "Jan")
    assert s["role"] == "packer", s
    rid = failed_qc(st)
    code, answer = st.call("POST", "/api/v1/confirm",
                           {"verdict": "qc_passed", "reason": "ok"})
    assert code == 409, (code, answer)
    st.ok("POST", "/api/v1/cancel")
    st.sign_in("SUP-0009", "Ewa Nowak")
    assert st.status()["role"] == "supervisor"
    rid = failed_qc(st)
    st.ok("POST", "/api/v1/confirm", {"verdict": "qc_passed",
                                      "reason": "customer collects"})
    rec = st.receipt(rid)
    assert rec["override_by"] == "Ewa Nowak", rec
    assert rec["decided_by"] == "Ewa Nowak", rec


def test_a_clerk_role_must_be_known(station):
    code, answer = station.call("POST", "/api/v1/clerks",
                                {"badge": "X-1", "name": "X",
                                 "role": "boss"})
    assert code == 400, (code, answer)
    assert "role" in answer["error"], answer
    code, answer = station.call("POST", "/api/v1/clerks",
                                {"badge": "X-1", "name": "X", "role": 3})
    assert code == 400 and "role" in answer["error"], (code, answer)
