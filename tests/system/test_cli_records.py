# SPDX-License-Identifier: MIT
"""retourctl's records commands against a real retourd: `returns list`
finds receipts by order, RMA, tracking number, status and day as the API
does (GET /api/v1/returns?...), the daemon's 400 shown as it said it; and
`db check` / `audit verify` under --json print the daemon's own answer
also when the check finds a fault (500), exit 1."""
import json
import os
import re
import sqlite3
import subprocess
from datetime import datetime, timezone

import pytest

from helpers import GTIN_TSHIRT, binary, expected_return


def ctl(st, *args, expect=0):
    env = dict(os.environ)
    env.pop("RETOUR_SOCKET", None)
    p = subprocess.run([binary("retourctl"), "--socket", st.socket] +
                       [str(a) for a in args], env=env, capture_output=True,
                       text=True, timeout=20)
    assert p.returncode == expect, "retourctl %s -> %d (wanted %d)\n" \
        "stdout: %s\nstderr: %s" % (" ".join(map(str, args)), p.returncode,
                                    expect, p.stdout, p.stderr)
    return p


def ids(st, *args):
    """The receipt ids `retourctl --json returns list ARGS` lists."""
    return [r["id"] for r in
            json.loads(ctl(st, "--json", "returns", "list", *args).stdout)]


def cancelled_receipt(st, code):
    st.run_to(code, stop_at="items", items_done=False)
    rid = st.status()["receipt"]
    st.ok("POST", "/api/v1/cancel")
    st.wait_step("scan")
    return rid


def received_at(st, when):
    """Move receipts to the UTC times in @when ({id: datetime}) in the
    record, with the daemon stopped."""
    st.stop()
    c = sqlite3.connect(str(st.db), isolation_level=None, timeout=10)
    for rid, t in when.items():
        c.execute("UPDATE receipt SET received_at = ? WHERE id = ?",
                  (int(t.timestamp() * 1e6), rid))
    c.close()
    st.start()


# ---- returns list: the search ----

def test_returns_list_finds_by_order_rma_tracking_status_and_day(station):
    st = station
    st.import_expected(
        expected_return("RMA-10001", order="ORD-1001",
                        lookup_codes=["RR123456785PL"]),
        expected_return("RMA-10002", order="ORD+1002"))
    utc = timezone.utc
    a = cancelled_receipt(st, "RMA-10001")
    b = cancelled_receipt(st, "RMA-10002")
    c = cancelled_receipt(st, "RR123456785PL")
    # the shop's calendar is UTC+1 in winter: 23:30 UTC on Nov 30 is
    # already Dec 1 at the desk
    received_at(st, {a: datetime(2026, 11, 30, 12, 0, tzinfo=utc),
                     b: datetime(2026, 11, 30, 23, 30, tzinfo=utc),
                     c: datetime(2026, 12, 2, 9, 0, tzinfo=utc)})
    st.sign_in()
    assert ids(st) == [c, b, a]
    assert ids(st, "--order", "ORD-1001") == [c, a]
    assert ids(st, "--order=ord+1002") == [b]     # a "+", any case
    assert ids(st, "--rma", "RMA-10002") == [b]
    assert ids(st, "--tracking", "RR123456785PL") == [c, a]
    assert ids(st, "--status", "cancelled") == [c, b, a]
    assert ids(st, "--status", "accept") == []
    assert ids(st, "--from", "2026-12-01", "--to", "2026-12-01") == [b]
    assert ids(st, "--to", "2026-11-30T23:30:00Z") == [b, a]
    assert ids(st, "--order", "ORD-1001", "--from", "2026-12-01") == [c]
    assert ids(st, "--limit", "1") == [c]
    assert ids(st, "--status", "cancelled", "--limit", "2") == [c, b]
    # characters that mean something in a URL are the value's own
    assert ids(st, "--rma", "RMA-10001&status=open") == []
    assert ids(st, "--order", "ORD-1001#x") == []

    # a person's table: the rows found, or a line saying none
    out = ctl(st, "returns", "list", "--rma", "RMA-10002").stdout
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["id", "received", "routine"], out
    assert len(lines) == 2 and re.match(r"^%d +" % b, lines[1]), out
    out = ctl(st, "returns", "list", "--order", "ORD-9999").stdout
    assert out == "no receipts found\n", out


def test_returns_list_found_by_verdict(station):
    st = station
    st.import_expected(expected_return())
    st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    rid = st.confirm("accept")
    assert ids(st, "--status", "accept") == [rid]
    assert ids(st, "--status", "decided") == [rid]
    assert ids(st, "--status", "reject") == []


@pytest.mark.parametrize("args,needle", [
    (["--status", "lost"], "status must be open, decided, cancelled"),
    (["--from", "2026-02-30"], "from must be a date (YYYY-MM-DD)"),
    (["--to", "yesterday"], "to must be a date"),
    (["--order", ""], "order must be 1..47 bytes"),
    (["--rma", "R" * 48], "rma must be 1..47 bytes"),
    (["--tracking", "a\tb"], "tracking must be 1..47 bytes"),
])
def test_returns_list_shows_the_daemons_400(station, args, needle):
    p = ctl(station, "returns", "list", *args, expect=1)
    assert needle in p.stderr and "(HTTP 400)" in p.stderr, p.stderr
    assert p.stdout == ""
    p = ctl(station, "--json", "returns", "list", *args, expect=1)
    body = json.loads(p.stdout)
    assert needle in body["error"] and body["status"] == 400, body


@pytest.mark.parametrize("args", [
    ["returns", "show", "1", "--order", "ORD-1001"],
    ["status", "--rma", "RMA-10001"],
    ["outbox", "list", "--status", "open"],
    ["returns", "list", "--from"],
    ["returns", "list", "--limit", "0"],
])
def test_search_options_only_with_returns_list(args):
    p = subprocess.run([binary("retourctl")] + args, capture_output=True,
                       text=True, timeout=20)
    assert p.returncode == 2, (args, p.stdout, p.stderr)
    assert p.stderr.startswith("retourctl: "), p.stderr


# ---- checks that find a fault: the daemon's answer, exit 1 ----

def break_an_index(st):
    """Point an index at another column while the daemon is stopped
    (integrity_check: row missing from index)."""
    st.stop()
    c = sqlite3.connect(str(st.db), isolation_level=None, timeout=10)
    version = c.execute("PRAGMA schema_version").fetchone()[0]
    c.execute("PRAGMA writable_schema=ON")
    c.execute("UPDATE sqlite_master SET sql = 'CREATE INDEX "
              "receipt_by_state ON receipt(desk)' "
              "WHERE name = 'receipt_by_state'")
    c.execute("PRAGMA schema_version=%d" % (version + 1))
    c.execute("PRAGMA writable_schema=OFF")
    c.close()
    st.start()


def tamper_audit(st):
    """Edit the first audit entry while the daemon is stopped."""
    st.stop()
    c = sqlite3.connect(str(st.db), isolation_level=None, timeout=10)
    c.execute("DROP TRIGGER audit_no_update")
    c.execute("UPDATE audit SET action = 'tampered' "
              "WHERE id = (SELECT min(id) FROM audit)")
    c.close()
    st.start()


def test_db_check_json_shows_the_fault(station):
    st = station
    st.import_expected(expected_return())
    st.run_to("RMA-10001", stop_at="items", items_done=False)
    body = json.loads(ctl(st, "--json", "db", "check").stdout)
    assert body == {"ok": True, "detail": "ok"}, body
    break_an_index(st)
    p = ctl(st, "--json", "db", "check", expect=1)
    body = json.loads(p.stdout)
    assert body["ok"] is False, body
    assert body["detail"] and body["detail"] != "ok", body
    assert body["error"].startswith("the database check failed: "), body
    assert p.stderr == ""
    p = ctl(st, "db", "check", expect=1)
    assert p.stderr.startswith("retourctl: db check: the database has a "
                               "problem: "), p.stderr
    assert body["detail"] in p.stderr


def test_audit_verify_json_shows_the_fault(station):
    st = station
    body = json.loads(ctl(st, "--json", "audit", "verify").stdout)
    assert body["ok"] is True and body["entries"] >= 1, body
    tamper_audit(st)
    p = ctl(st, "--json", "audit", "verify", expect=1)
    body = json.loads(p.stdout)
    assert body["ok"] is False and body["bad_entry"] >= 1, body
    assert body["error"] == "the audit chain is broken at entry %d" % \
        body["bad_entry"], body
    assert body["entries"] >= 0 and p.stderr == ""
    p = ctl(st, "audit", "verify", expect=1)
    assert "the chain is broken at entry %d" % body["bad_entry"] in \
        p.stderr, p.stderr
