# SPDX-License-Identifier: MIT
"""Retention of whole records (issue 12): with the clock moved forward
(`retention purge --at`, or the records' times moved back before the
daemon's own daily purge), exactly the finished records whose period ran
out are purged: a receipt whose refund the shop has not confirmed and one
still open at the desk are kept; a purged receipt leaves a tombstone that
answers 410 with when, its RMA scanned again refunds nothing, its outbox
keys stay, `audit verify` passes, and a backup restored after the purge
still verifies."""
import json
import os
import sqlite3
import time

from helpers import GTIN_TSHIRT, expected_return, wait_for
from test_backup import unique_photos
from test_retention import DAY_US, ctl, in_days, rows


def purged_answer(st, path):
    code, body = st.call("GET", path)
    assert code == 410, (path, code, body)
    assert body["code"] == "purged", body
    assert "purged by the station's retention at " in body["error"], body
    return body["error"]


def test_finished_records_go_and_unfinished_ones_stay(make_station,
                                                      tmp_path):
    cam = unique_photos(tmp_path / "cam", 60)
    st = make_station(camera_dir=cam)
    st.cfg["retention"] = {"receipts_days": 30, "answers_days": 5}
    st.write_config()
    st.stop()
    st.start()
    st.sign_in()
    rmas = ["RMA-%05d" % (41000 + i) for i in range(4)]
    st.import_expected(*[expected_return(
        rma=r, order="ORD-%s" % r[4:], lookup_codes=["TRK%s" % r[4:]])
        for r in rmas])
    done = []
    for rma in rmas[:2]:
        st.run_to(rma, items=[GTIN_TSHIRT, GTIN_TSHIRT])
        done.append(st.confirm())
    wait_for(lambda: not st.outbox("pending"), timeout=15,
             what="the first two refunds confirmed")
    # the third's refund is refused by the shop, again and again: pending
    for _ in range(200):
        st.shop.fail_next(503, only=["refund.requested"])
    st.run_to(rmas[2], items=[GTIN_TSHIRT, GTIN_TSHIRT])
    unconfirmed = st.confirm()
    wait_for(lambda: rows(st, "SELECT attempts FROM outbox WHERE"
                          " receipt_id = ? AND action = 'refund.requested'",
                          unconfirmed)[0][0] > 0,
             timeout=15, what="the third refund tried and refused")
    # the fourth is still at the desk
    st.run_to(rmas[3], stop_at="items")
    still_open = st.status()["receipt"]
    keys = rows(st, "SELECT receipt_id, idempotency_key FROM outbox"
                " ORDER BY id")
    refunds = st.shop.refunds_made()
    assert refunds == 2, refunds
    # a dispute pack made before the purge
    pack = tmp_path / "before.zip"
    st.ctl("evidence", done[0], "-o", tmp_path / "before.pdf", "--zip", pack)
    st.stop()

    # the report lists what goes next: the two finished records only
    rep = json.loads(ctl(st.conf_path, "--json", "retention", "report",
                         "--at", in_days(31)).stdout)
    listed = sorted((i["kind"], i["id"]) for i in rep["next"])
    assert listed == sorted([("answers", r) for r in done] +
                            [("receipts", r) for r in done]), listed
    assert rep["receipts_days"] == 30 and rep["due"] == 4, rep

    # day 6: the answers go, the records stay
    n_answers = rows(st, "SELECT count(*) FROM checklist_answer"
                     " WHERE receipt_id IN (?, ?)", *done)[0][0]
    assert n_answers > 0
    out = json.loads(ctl(st.conf_path, "--json", "retention", "purge",
                         "--at", in_days(6)).stdout)
    assert out["answers"] == 2 and out["receipts"] == 0, out
    assert rows(st, "SELECT count(*) FROM checklist_answer"
                " WHERE receipt_id IN (?, ?)", *done) == [(0,)]
    assert rows(st, "SELECT count(*) FROM checklist_answer"
                " WHERE receipt_id = ?", unconfirmed)[0][0] > 0

    # day 31: the two finished records, nothing else
    photos_of = {rid: rows(st, "SELECT path FROM photo WHERE receipt_id = ?",
                           rid) for rid in done + [unconfirmed]}
    out = json.loads(ctl(st.conf_path, "--json", "retention", "purge",
                         "--at", in_days(31)).stdout)
    assert out["receipts"] == 2 and out["answers"] == 0, out
    assert out["audit_redacted"] > 0 and out["audit_kept_legacy"] == 0, out
    gone = rows(st, "SELECT id FROM receipt WHERE purged_at IS NOT NULL"
                " ORDER BY id")
    assert gone == [(r,) for r in sorted(done)], gone
    assert rows(st, "SELECT code, clerk FROM receipt WHERE id IN (?, ?)",
                *done) == [("", ""), ("", "")]
    for rid in done:
        assert not [p for (p,) in photos_of[rid] if os.path.exists(p)], rid
    assert all(os.path.exists(p) for (p,) in photos_of[unconfirmed])
    assert rows(st, "SELECT state FROM receipt WHERE id = ?",
                still_open) == [("open",)]
    # what a purged record's audit entries held is gone, the hashes stay
    subjects = ["receipt:%d" % r for r in done]
    assert rows(st, "SELECT count(*) FROM audit WHERE subject IN (?, ?)"
                " AND detail IS NOT NULL", *subjects) == [(0,)]
    assert rows(st, "SELECT count(*) FROM audit WHERE subject IN (?, ?)"
                " AND detail_sha256 IS NOT NULL", *subjects)[0][0] > 0
    purge = json.loads(rows(st, "SELECT detail FROM audit WHERE"
                            " action = 'retention.purged' ORDER BY id"
                            " DESC LIMIT 1")[0][0])
    assert sorted(r["receipt"] for r in purge["records"]) == sorted(done)
    assert "TRK" not in json.dumps(purge) and "RMA" not in json.dumps(purge)
    # the outbox keys survive: the shop sees the same key on any retry
    assert rows(st, "SELECT receipt_id, idempotency_key FROM outbox"
                " ORDER BY id") == keys
    assert rows(st, "SELECT count(*) FROM outbox WHERE receipt_id IN (?, ?)"
                " AND payload IS NOT NULL", *done) == [(0,)]

    st.start()
    assert st.ctl_json("--json", "audit", "verify")["ok"] is True
    said = purged_answer(st, "/api/v1/returns/%d" % done[0])
    for ext in ("pdf", "zip", "json"):
        purged_answer(st, "/api/v1/receipts/%d/evidence.%s" % (done[0], ext))
    p = st.ctl("evidence", done[0], "-o", tmp_path / "x.pdf", check=False)
    assert p.returncode != 0 and said in p.stderr, p.stderr
    assert not (tmp_path / "x.pdf").exists()
    # the pack made before still checks by its own hashes, and says the
    # station has purged the receipt since
    p = st.ctl("evidence", "verify", pack, check=False)
    assert p.returncode == 0, (p.stdout, p.stderr)
    assert "purged by the station's retention at " in p.stdout + p.stderr, \
        p.stdout + p.stderr
    code, rec = st.call("GET", "/api/v1/returns/%d" % unconfirmed)
    assert code == 200 and rec["checklist"], rec
    # a purged receipt is no longer listed; the kept ones are
    assert sorted(r["id"] for r in st.returns()) == \
        sorted([unconfirmed, still_open])

    # its RMA scanned again: already decided, no second refund
    if st.status()["step"] == "sign_in":
        st.sign_in()
    if st.status().get("receipt"):
        st.ok("POST", "/api/v1/cancel")
    st.wait_step("scan")
    st.feed(rmas[0])
    s = wait_for(lambda: (x := st.status()).get("problem") and x,
                 what="the desk refusing the rescan")
    assert "already decided on receipt %d" % done[0] in \
        json.dumps(s["problem"]), s
    time.sleep(1.0)
    assert st.shop.refunds_made() == 2
    assert rows(st, "SELECT count(*) FROM receipt r JOIN expected e"
                " ON e.id = r.expected_id WHERE e.rma = ?",
                rmas[0]) == [(1,)]

    # a backup after the purge restores a station whose chain verifies
    st.stop()
    dest = tmp_path / "drive"
    dest.mkdir()
    ctl(st.conf_path, "backup", dest)
    fresh = make_station(start=False, camera_dir=cam)
    ctl(fresh.conf_path, "restore", dest)
    fresh.start()
    v = fresh.ctl_json("--json", "audit", "verify")
    assert v["ok"] is True and v["entries"] > 0, v
    purged_answer(fresh, "/api/v1/returns/%d" % done[1])


def test_the_daemon_purges_finished_records_by_itself(make_station,
                                                      tmp_path):
    cam = unique_photos(tmp_path / "cam", 20)
    st = make_station(camera_dir=cam)
    st.cfg["retention"] = {"receipts_days": 2}
    st.write_config()
    st.stop()
    st.start()
    st.sign_in()
    st.import_expected(expected_return(rma="RMA-42000", order="ORD-42000"))
    st.run_to("RMA-42000", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    rid = st.confirm()
    wait_for(lambda: not st.outbox("pending"), timeout=15,
             what="the refund confirmed")
    st.stop()
    # two days and a bit pass: the record's times move back instead
    db = sqlite3.connect(str(st.db))
    db.execute("UPDATE receipt SET received_at = received_at - ?1,"
               " decided_at = decided_at - ?1", (3 * DAY_US,))
    db.execute("UPDATE outbox SET delivered_at = delivered_at - ?",
               (3 * DAY_US,))
    db.commit()
    db.close()
    st.start()
    wait_for(lambda: rows(st, "SELECT count(*) FROM audit"
                          " WHERE action = 'retention.purged'"
                          " AND actor = 'station'") == [(1,)],
             timeout=10, what="the daemon's purge")
    purged_answer(st, "/api/v1/returns/%d" % rid)
    assert st.ctl_json("--json", "audit", "verify")["ok"] is True
    assert "purged the receipts of 1 records" in st.log()
