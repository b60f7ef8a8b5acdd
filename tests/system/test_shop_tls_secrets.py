# SPDX-License-Identifier: MIT
"""Two promises every connector keeps (issue 8):

TLS verification stays on: a fake shop over HTTPS with a self-signed
certificate gets no refund (the row waits with a certificate error that
`retourctl outbox list` shows) until [outbox] ca_file names its CA; then
the refund goes, exactly once.

Secrets never leak: a return is refunded through the connector with known
secret values (the *_file contents of its section, the webhook secret,
tokens the fake shop issued), a refund is refused and one fails, a
`retourd -n` checks a bad config; then the daemon's log, every API answer
fetched, `retourctl outbox list`, the audit table and the database file
(with its WAL) are searched for those secrets: none may appear."""
import json
import re
import sqlite3
import subprocess

import pytest

import helpers
from helpers import GTIN_TSHIRT, expected_return, wait_for
from shops import KINDS, make_shop, routed_station, secret_values, \
    shop_secrets
from sim.shops.base import self_signed_cert

OUTBOX = {"backoff_base_ms": 100, "backoff_max_ms": 500, "timeout_ms": 3000}


def refund_row(st, rid):
    rows = [o for o in st.receipt(rid)["outbox"]
            if o["action"] == "refund.requested"]
    assert len(rows) == 1, rows
    return rows[0]


def decide(st, shop, n=1):
    er = shop.add_expected(expected_return(rma="RMA-%05d" % (30000 + n),
                                           order="ORD-%05d" % (30000 + n)))
    st.import_expected(er)
    st.run_to(er["rma"], items=[GTIN_TSHIRT, GTIN_TSHIRT])
    return st.confirm("accept")


@pytest.mark.parametrize("kind", KINDS)
def test_a_self_signed_shop_gets_nothing_until_its_ca_is_configured(
        make_station, kind, tmp_path):
    cert, key = self_signed_cert(str(tmp_path))
    shop = make_shop(kind, tls=(cert, key))
    try:
        assert shop.url.startswith("https://")
        st = routed_station(make_station, shop, outbox=dict(OUTBOX))
        rid = decide(st, shop)
        # A connector that gets a token first fails there, before the
        # refund is claimed: the error shows all the same.
        wait_for(lambda: "certificate" in (refund_row(st, rid)["last_error"]
                                           or "").lower(), timeout=15,
                 what="the refund tried against the untrusted shop")
        row = refund_row(st, rid)
        assert row["state"] in ("pending", "dead"), row
        assert shop.refunds() == []
        text = st.ctl("outbox", "list").stdout
        assert "certificate" in text.lower(), text
        assert "certificate" in (row["last_error"] or "").lower(), row

        st.stop()
        st.cfg["outbox"]["ca_file"] = cert
        st.write_config()
        st.start()
        if row["state"] == "dead":
            st.ctl("outbox", "retry", row["id"])
        wait_for(lambda: refund_row(st, rid)["state"] == "done",
                 timeout=20, what="the refund sent once the CA is trusted")
        made = shop.refunds()
        assert len(made) == 1, made
        assert made[0]["amount_minor"] == 11297, made
    finally:
        shop.close()


def fetch_all(st, rid, got):
    """Every answer a client can fetch about the return and the outbox;
    appended to @got as text."""
    for path in ("/api/v1/status", "/api/v1/returns?limit=100",
                 "/api/v1/returns/%d" % rid, "/api/v1/outbox",
                 "/api/v1/outbox?state=dead", "/api/v1/expected",
                 "/api/v1/audit/verify", "/api/v1/db/check"):
        code, answer = st.call("GET", path)
        got.append("%s %d %s" % (path, code, json.dumps(answer)
                                 if not isinstance(answer, bytes)
                                 else answer.decode(errors="replace")))
    for args in (("outbox", "list"), ("outbox", "list", "--json"),
                 ("returns", "show", rid, "--json"),
                 ("audit", "verify", "--json")):
        p = st.ctl(*args, check=False)
        got.append(p.stdout + p.stderr)


@pytest.mark.parametrize("kind", KINDS)
def test_no_secret_in_logs_answers_audit_or_database(make_station, kind):
    shop = make_shop(kind)
    try:
        st = routed_station(make_station, shop, outbox=dict(OUTBOX))
        section = st.cfg["connector shop"]
        secrets = set(secret_values(section))
        secrets.add(helpers.SECRET)          # [outbox]'s own webhook
        assert secrets
        answers = []

        # One refund made.
        rid = decide(st, shop, 1)
        wait_for(lambda: refund_row(st, rid)["state"] == "done", timeout=20,
                 what="the refund made")
        fetch_all(st, rid, answers)
        # One refused for good: the shop's business error.
        shop_fault = getattr(shop, "fault", None)
        if shop_fault:
            shop.fault("business_error", times=100,
                       match=lambda r: r.method == "POST")
        else:
            for _ in range(20):
                shop.fake.fail_next(400, body='{"error":"refused"}')
        rid2 = decide(st, shop, 2)
        wait_for(lambda: refund_row(st, rid2)["state"] == "dead" or
                 refund_row(st, rid2)["attempts"] >= 2, timeout=20,
                 what="the refused refund")
        fetch_all(st, rid2, answers)
        if shop_fault:
            shop.clear_faults()
        # One that fails in transport: the shop goes away.
        st.stop()
        bad = {k: re.sub(r"^(https?://127\.0\.0\.1):\d+", r"\1:9", v)
               if k in ("url", "api_url", "host", "auth_url") and
               isinstance(v, str) else v for k, v in section.items()}
        assert bad != section, section
        st.cfg["connector shop"] = bad
        st.write_config()
        st.start()
        st.sign_in()
        rid3 = decide(st, shop, 3)
        wait_for(lambda: refund_row(st, rid3)["last_error"], timeout=20,
                 what="the refund that cannot reach the shop")
        fetch_all(st, rid3, answers)
        # And a bad config checked with retourd -n: an unknown key next
        # to the secrets' files.
        st.cfg["connector shop"] = dict(section, no_such_key="x")
        st.write_config()
        check = subprocess.run([helpers.binary("retourd"), "-n", "-c",
                                st.conf_path], capture_output=True,
                               text=True, timeout=10)
        assert check.returncode != 0, check
        answers.append(check.stdout + check.stderr)
        st.stop()

        secrets |= set(shop_secrets(shop))
        places = {"retourd log": st.log(), "answers": "\n".join(answers)}
        c = sqlite3.connect("file:%s?mode=ro" % st.db, uri=True)
        try:
            places["audit table"] = "\n".join(
                " ".join(str(v) for v in row)
                for row in c.execute("SELECT * FROM audit"))
            places["outbox table"] = "\n".join(
                " ".join(str(v) for v in row)
                for row in c.execute("SELECT * FROM outbox"))
        finally:
            c.close()
        for suffix in ("", "-wal"):
            p = st.db.parent / (st.db.name + suffix)
            if p.exists():
                places["database file " + p.name] = p.read_bytes().decode(
                    "latin-1")
        assert places["audit table"] and places["outbox table"]
        for s in sorted(secrets):
            for where, text in places.items():
                assert s not in text, "a secret (%d chars) is in the %s" % (
                    len(s), where)
    finally:
        shop.close()
