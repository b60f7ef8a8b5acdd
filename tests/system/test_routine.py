# SPDX-License-Identifier: MIT
"""The routine's gaps: a receipt cut off by a crash (kill -9) is offered
again at the desk after the restart, resumed by scanning its code or
abandoned by cancel, and older ones are closed as abandoned with an audit
entry; the metrics count refused scans, and a ship-QC pass is no accept."""
import re
import sqlite3
import time

from helpers import GTIN_TSHIRT, expected_return, wait_for
from test_ship_qc import start_ship_qc


def open_receipts(st):
    return [r for r in st.returns() if r["state"] == "open"]


def audit_actions(st, action):
    """The audit entries of @action, read from the file the daemon
    writes (WAL: a reader sees what is committed)."""
    db = sqlite3.connect("file:%s?mode=ro" % st.db, uri=True)
    try:
        return [row[0] for row in db.execute(
            "SELECT subject FROM audit WHERE action = ? ORDER BY id",
            (action,))]
    finally:
        db.close()


def open_parcel_and_kill(st, code):
    st.scale.mode = "silent"        # the parcel stays on the weigh step
    st.feed(code)
    rid = st.wait_step("weigh")["receipt"]
    assert rid
    st.kill9()
    st.scale.mode = "stable"
    return rid


def test_receipt_cut_off_is_resumed_by_its_code(make_station):
    st = make_station()
    st.sign_in()
    st.import_expected(expected_return())
    rid = open_parcel_and_kill(st, "RMA-10001")

    st.start()
    s = st.status()
    assert s["left_open"]["receipt"] == rid, s
    assert s["left_open"]["code"] == "RMA-10001", s
    st.sign_in()
    s = st.status()
    assert "Receipt %d (RMA-10001) was open when the station stopped" % rid \
        in s["prompt"], s
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    assert s["receipt"] == rid, s           # the same receipt, resumed
    assert "left_open" not in s, s
    assert s["proposal"]["verdict"] == "accept", s["proposal"]
    st.confirm()
    rec = st.receipt(rid)
    assert rec["state"] == "decided", rec
    assert len(rec["items"]) == 2, rec["items"]
    assert [r["id"] for r in st.returns()] == [rid]
    assert audit_actions(st, "receipt.resume") == ["receipt:%d" % rid]


def test_receipt_cut_off_is_abandoned_by_cancel(make_station):
    st = make_station()
    st.sign_in()
    st.import_expected(expected_return())
    rid = open_parcel_and_kill(st, "RMA-10001")
    st.start()
    st.sign_in()
    s = st.ok("POST", "/api/v1/cancel")
    assert "left_open" not in s, s
    assert s["prompt"] == "Scan the return label", s
    rec = st.receipt(rid)
    assert rec["state"] == "cancelled", rec
    assert audit_actions(st, "receipt.abandoned") == ["receipt:%d" % rid]
    # and it is not offered again after the next restart
    st.stop()
    st.start()
    assert "left_open" not in st.status()


def test_kill9_loop_leaves_one_receipt_open(make_station):
    """The issue's loop: every iteration opens a parcel and is killed.
    Each parcel scanned after a restart closes the one left before; at
    the end one receipt is open and offered, no more."""
    st = make_station()
    st.sign_in()
    st.import_expected(*[expected_return(rma="RMA-2%04d" % i,
                                         order="ORD-2%04d" % i)
                         for i in range(8)])
    rids = []
    for i in range(8):
        if i:
            st.start()
            st.sign_in()
        rids.append(open_parcel_and_kill(st, "RMA-2%04d" % i))
    st.start()
    left = open_receipts(st)
    assert [r["id"] for r in left] == [rids[-1]], left
    assert st.status()["left_open"]["receipt"] == rids[-1]
    assert audit_actions(st, "receipt.abandoned") == \
        ["receipt:%d" % r for r in rids[:-1]]


def test_older_open_receipts_closed_at_start(make_station):
    """A database an older station left with many open receipts (the
    issue found 64): at start the newest is offered, the rest closed."""
    st = make_station()
    st.sign_in()
    st.import_expected(expected_return())
    rid = open_parcel_and_kill(st, "RMA-10001")
    db = sqlite3.connect(str(st.db))
    now = int(time.time() * 1e6)
    with db:
        for i in range(5):
            db.execute("INSERT INTO receipt (routine, desk, clerk, code, "
                       "state, received_at) VALUES ('return', 'test-desk', "
                       "'Ola', ?, 'open', ?)", ("RMA-OLD-%d" % i, now + i))
        # another desk's receipt is not this desk's to close
        db.execute("INSERT INTO receipt (routine, desk, clerk, code, state, "
                   "received_at) VALUES ('return', 'other-desk', 'Ola', "
                   "'RMA-X', 'open', ?)", (now,))
    newest = db.execute("SELECT max(id) FROM receipt WHERE desk = "
                        "'test-desk'").fetchone()[0]
    db.close()
    st.start()
    s = st.status()
    assert s["left_open"]["receipt"] == newest, s
    left = open_receipts(st)
    assert sorted(r["desk"] for r in left) == ["other-desk", "test-desk"]
    assert st.receipt(rid)["state"] == "cancelled"
    assert len(audit_actions(st, "receipt.abandoned")) == 5
    check = st.ctl_json("audit", "verify", "--json")
    assert check["ok"] is True, check


# ---- metrics that count right

def metric(st, name, labels=""):
    code, text = st.call("GET", "/metrics")
    assert code == 200
    if isinstance(text, bytes):
        text = text.decode()
    m = re.search(r"^%s%s (\d+(?:\.\d+)?)$" % (re.escape(name),
                                               re.escape(labels)),
                  text, re.M)
    assert m, "%s%s not in:\n%s" % (name, labels, text)
    return float(m.group(1))


def test_rejected_scans_are_counted(station):
    st = station
    before = metric(st, "retour_scans_rejected_total")
    st.feed("5901234123458")            # EAN-13 with a wrong check digit
    wait_for(lambda: "rejected" in st.status()["problem"])
    wait_for(lambda: metric(st, "retour_scans_rejected_total") ==
             before + 1, what="one rejected scan counted")
    st.import_expected(expected_return())
    st.scale.mode = "silent"
    st.feed("RMA-10001")
    st.wait_step("weigh")
    st.feed("RMA-10001")                # not expected at the weigh step
    wait_for(lambda: "not expected now" in st.status()["problem"])
    wait_for(lambda: metric(st, "retour_scans_rejected_total") ==
             before + 2, what="two rejected scans counted")


def test_qc_pass_is_not_an_accept(station):
    st = station
    accepts = metric(st, "retour_decisions_total", '{verdict="accept"}')
    start_ship_qc(st)
    st.run_to("ORD-2001", items=[GTIN_TSHIRT])
    st.confirm()
    assert metric(st, "retour_decisions_total",
                  '{verdict="accept"}') == accepts
    # counted as what it is (a fresh station: the first check)
    assert metric(st, "retour_ship_qc_total", '{result="passed"}') == 1
    assert metric(st, "retour_ship_qc_total", '{result="failed"}') == 0
    # a return's accept still counts as one
    st.ok("POST", "/api/v1/routine", {"routine": "return"})
    st.import_expected(expected_return())
    st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    st.confirm("accept")
    assert metric(st, "retour_decisions_total",
                  '{verdict="accept"}') == accepts + 1


def test_empty_scale_is_not_the_parcels_weight(make_station):
    """The simulated scale reads a stable 0 g (nothing on it yet), then
    3 g (under the 5 g floor): the desk asks for the parcel and asks the
    scale again each second, and takes the weight once the parcel is
    down."""
    st = make_station(scale_g=0)
    st.sign_in()
    st.import_expected(expected_return())
    st.feed("RMA-10001")
    s = wait_for(lambda: (s := st.status())["step"] == "weigh" and
                 "put the parcel on the scale" in (s["problem"] or "")
                 and s, timeout=5, what="the desk to ask for the parcel")
    assert "reads 0 g" in s["problem"], s
    rid = s["receipt"]
    st.scale.weight_g = 3
    wait_for(lambda: "reads 3 g" in (st.status()["problem"] or ""),
             timeout=5, what="the desk to read the scale again")
    assert st.status()["step"] == "weigh"
    assert st.receipt(rid)["weight_g"] is None, st.receipt(rid)
    st.scale.weight_g = 420
    wait_for(lambda: st.status()["step"] != "weigh", timeout=5,
             what="the parcel's weight taken")
    assert st.receipt(rid)["weight_g"] == 420, st.receipt(rid)
