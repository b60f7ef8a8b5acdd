# SPDX-License-Identifier: MIT
"""Undo and reprint through the real daemon: an undo takes the decision off
the status, prints a VOID label for the label it cancels and records it; a
reprint prints the stored label again and records it."""
import sqlite3

from helpers import GTIN_TSHIRT, expected_return, wait_for


def audit(st, rid):
    """The audit actions about receipt @rid, oldest first."""
    con = sqlite3.connect("file:%s?mode=ro" % st.db, uri=True, timeout=5)
    try:
        return [a for (a,) in con.execute(
            "SELECT action FROM audit WHERE subject = ? ORDER BY id",
            ("receipt:%d" % rid,))]
    finally:
        con.close()


def decide_one(st, rma="RMA-10001"):
    st.import_expected(expected_return(rma=rma))
    st.run_to(rma, items=[GTIN_TSHIRT, GTIN_TSHIRT], grade="A")
    rid = st.confirm()
    wait_for(lambda: (st.status().get("last_decision") or {})
             .get("receipt") == rid, what="decision of receipt %d" % rid)
    wait_for(lambda: len(st.printer.labels()) == 1, what="its label")
    return rid


def test_undo_voids_the_label(make_station):
    st = make_station(grace_s=120)
    st.sign_in()
    rid = decide_one(st)
    label = st.printer.labels()[0]
    assert b"^FDReceipt %d^FS" % rid in label, label

    code, answer = st.call("POST", "/api/v1/undo", {"receipt": rid})
    assert code == 200, answer
    # the undone decision is no longer shown as the desk's last one
    assert "last_decision" not in st.status(), st.status()

    # a VOID label for the label it cancels, with the same barcode
    void = wait_for(lambda: len(st.printer.labels()) == 2 and
                    st.printer.labels()[1], what="the VOID label")
    assert b"^FR^FDVOID^FS" in void, void
    assert b"^FDReceipt %d^FS" % rid in void, void
    assert b"^FDCancels ACCEPT RESTOCK-A^FS" in void, void
    assert b"^FD%d^FS" % rid in void.split(b"^BC", 1)[1], void

    # the record says so: undone, a second label (printed), the audit
    rec = st.receipt(rid)
    assert rec["state"] == "undone", rec
    labels = rec["labels"]
    assert len(labels) == 2 and b"VOID" in labels[1]["zpl"].encode(), labels
    wait_for(lambda: st.receipt(rid)["labels"][1]["printed"] is True,
             what="the VOID label recorded as printed")
    actions = audit(st, rid)
    assert actions.index("receipt.undo") < actions.index("label.void"), \
        actions

    # an undone receipt has no label to print again
    code, answer = st.call("POST", "/api/v1/reprint", {"receipt": rid})
    assert code == 409, answer


def test_reprint_prints_the_stored_label_again(make_station):
    st = make_station(grace_s=120)
    st.sign_in()
    rid = decide_one(st)
    first = st.printer.labels()[0]
    wait_for(lambda: st.receipt(rid)["labels"][0]["printed"] is True,
             what="the label recorded as printed")

    code, answer = st.call("POST", "/api/v1/reprint", {"receipt": rid})
    assert code == 202, answer
    assert answer == {"receipt": rid, "queued": True}
    again = wait_for(lambda: len(st.printer.labels()) == 2 and
                     st.printer.labels()[1], what="the reprinted label")
    assert again == first
    assert "label.reprint" in audit(st, rid), audit(st, rid)
    wait_for(lambda: [lb["printed"] for lb in st.receipt(rid)["labels"]] ==
             [True, True], what="both prints recorded")

    # no such receipt: 404; an open one, not decided: 409; bad body: 400
    code, answer = st.call("POST", "/api/v1/reprint", {"receipt": rid + 99})
    assert code == 404, answer
    st.import_expected(expected_return(rma="RMA-10002"))
    s = st.run_to("RMA-10002", stop_at="items", items_done=False)
    code, answer = st.call("POST", "/api/v1/reprint",
                           {"receipt": s["receipt"]})
    assert code == 409, answer
    assert "not decided" in answer["error"], answer
    code, answer = st.call("POST", "/api/v1/reprint", {"receipt": "x"})
    assert code == 400, answer
    assert len(st.printer.labels()) == 2
    assert audit(st, s["receipt"]).count("label.reprint") == 0
