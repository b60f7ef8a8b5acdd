# SPDX-License-Identifier: MIT
"""A board without a real-time clock (issue 10, "Time").

retourd starts with `clock = file` and `clock_synced_file` pointing at a
temporary path that does not exist yet: the file is what
systemd-timesyncd creates once NTP synchronised the clock, and "file"
makes the station take its word alone (this host's kernel may say either
way).  The desk takes a whole return up to the decision and holds there,
the status and `retourctl status` say why, the complaint deadlines are
unknown; then the file appears and the desk moves on by itself, the
receipt's times are corrected, and the audit log still verifies.
"""
import sqlite3

from helpers import GTIN_TSHIRT, expected_return, wait_for

WHY = ("The clock is not set yet: waiting for network time; "
       "the decision waits")


def unset_clock_station(make_station, flag):
    flag.parent.mkdir()
    return make_station(scale_g=210, station={"clock": "file",
                        "clock_synced_file": str(flag)})


def audit_actions(st):
    db = sqlite3.connect("file:%s?mode=ro" % st.db, uri=True)
    try:
        return [r[0] for r in db.execute(
            "SELECT action FROM audit ORDER BY id")]
    finally:
        db.close()


def test_the_decision_waits_for_the_clock(make_station, tmp_path):
    flag = tmp_path / "timesync" / "synchronized"
    st = unset_clock_station(make_station, flag)

    s = st.status()
    assert s["clock"]["state"] == "waiting", s["clock"]
    assert s["clock"]["mode"] == "file"
    assert "waiting for network time since" in s["clock"]["text"]
    out = st.ctl("status").stdout
    assert "waiting for network time since" in out, out

    # no deadline from a wrong clock
    code, body = st.call("GET", "/api/v1/complaints/due")
    assert code == 503 and "unknown until the clock is set" in \
        body["error"], (code, body)
    p = st.ctl("complaints", "due", check=False)
    assert p.returncode != 0 and "unknown until the clock is set" in \
        p.stderr, (p.returncode, p.stdout, p.stderr)

    # the whole parcel, up to the decision: nothing is lost
    st.import_expected(expected_return(items=[
        {"sku": "TSHIRT-M", "gtin": GTIN_TSHIRT, "name": "T-shirt M",
         "category": "apparel", "quantity": 1, "unit_price_minor": 4999,
         "weight_g": 200, "personalised": False, "made_to_order": False,
         "perishable": False, "sealed_hygiene": False}]))
    st.sign_in()
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT])
    rid = s["receipt"]
    assert s["waits_for_clock"] is True and s["proposal"] is None, s
    assert s["problem"] == WHY, s
    assert s["light"] == "amber", s
    assert s["devices"]["gpio"]["tower"] == "working", s["devices"]["gpio"]
    out = st.ctl("status").stdout
    assert WHY in out and "waiting for network time" in out, out
    before = st.receipt(rid)
    assert before["time_unsure"] is True, before
    assert before["weighed"] and before["items"] and before["photos"], before
    assert before["checklist"], before
    assert not [o for o in st.outbox() if o["action"] == "return.received"]

    # nothing the clerk presses decides
    code, body = st.call("POST", "/api/v1/confirm", {"verdict": "accept"})
    assert code >= 400 and WHY in body["error"], (code, body)
    st.ok("POST", "/api/v1/buttons/accept")
    assert st.status()["waits_for_clock"] is True
    assert st.receipt(rid)["state"] == "open"

    # timesyncd says the clock is set: the desk goes on by itself
    flag.write_text("")
    s = wait_for(lambda: (s := st.status())["clock"]["state"] ==
                 "synchronised" and s, what="the clock to be taken as set")
    assert s["clock"]["source"] == "file", s["clock"]
    assert s["clock"]["corrected"] == 1 and s["clock"]["left_unsure"] == 0
    assert s["step"] == "confirm" and s["waits_for_clock"] is False, s
    assert s["proposal"]["verdict"] == "accept", s
    assert s["problem"] == "" and s["light"] == "amber", s
    assert s["devices"]["gpio"]["tower"] == "needs_you"

    after = st.receipt(rid)
    assert after["time_unsure"] is False, after
    assert after["time_corrected_us"] is not None, after
    assert "corrected" in after["time_note"], after
    # the host's clock was right all along: corrected by well under 1 s
    assert abs(after["received_at_us"] - before["received_at_us"]) < \
        1000000, (before["received_at"], after["received_at"])
    assert any(o["action"] == "return.received" for o in st.outbox())
    assert "corrected" in st.ctl("returns", "show", rid).stdout

    st.confirm()
    assert st.receipt(rid)["state"] == "decided"
    st.ctl("audit", "verify")
    actions = audit_actions(st)
    assert actions.index("clock.unsure") < actions.index("receipt.open") < \
        actions.index("clock.corrected"), actions
    code, _ = st.call("GET", "/api/v1/complaints/due")
    assert code == 200


def test_a_receipt_from_an_earlier_boot_stays_marked(make_station,
                                                     tmp_path):
    flag = tmp_path / "timesync" / "synchronized"
    st = unset_clock_station(make_station, flag)
    st.import_expected(expected_return())
    st.sign_in()
    rid = st.run_to("RMA-10001", stop_at="items", items_done=False)[
        "receipt"]
    st.stop()
    # the board rebooted before the clock was set: another boot id
    db = sqlite3.connect(str(st.db))
    db.execute("UPDATE receipt SET boot_id = "
               "'00000000-0000-4000-8000-000000000000' WHERE id = ?", (rid,))
    db.commit()
    db.close()
    st.start()
    flag.write_text("")
    s = wait_for(lambda: (s := st.status())["clock"]["state"] ==
                 "synchronised" and s, what="the clock to be taken as set")
    assert s["clock"]["corrected"] == 0 and s["clock"]["left_unsure"] == 1
    r = st.receipt(rid)
    assert r["time_unsure"] is True and r["time_corrected_us"] is None, r
    assert "not corrected" in r["time_note"], r
    assert "not corrected" in st.ctl("returns", "show", rid).stdout
    st.ctl("audit", "verify")
