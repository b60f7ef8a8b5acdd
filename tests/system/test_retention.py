# SPDX-License-Identifier: MIT
"""Retention (issue 12): with the clock moved forward (`retention purge
--at`, or the records' times moved back before the daemon's own daily
purge), exactly what expired is purged: the label photos' files go first,
the other photos' later, their rows stay with purged_at, the expected
returns' lookup codes are cleared, each purge is one audit entry and
`audit verify` passes after."""
import json
import shutil
import sqlite3
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

from helpers import GTIN_TSHIRT, REPO, binary, expected_return, iso_utc, \
    wait_for
from test_backup import unique_photos

DAY_US = 86400 * 1000000


def ctl(conf, *args, check=True):
    p = subprocess.run([binary("retourctl"), "-c", str(conf)] +
                       [str(a) for a in args], cwd=str(REPO),
                       capture_output=True, text=True, timeout=60)
    if check:
        assert p.returncode == 0, "retourctl %s -> %d\n%s%s" % (
            " ".join(map(str, args)), p.returncode, p.stdout, p.stderr)
    return p


def rows(st, sql, *args):
    db = sqlite3.connect("file:%s?mode=ro" % st.db, uri=True)
    try:
        return db.execute(sql, args).fetchall()
    finally:
        db.close()


def in_days(n):
    return iso_utc(datetime.now(timezone.utc) + timedelta(days=n))


def station_after_returns(make_station, tmp_path, retention, n=2):
    cam = unique_photos(tmp_path / "cam", 40)
    st = make_station(camera_dir=cam)
    st.cfg["retention"] = retention
    st.write_config()
    st.stop()
    st.start()
    st.sign_in()
    rmas = ["RMA-%05d" % (40000 + i) for i in range(n)]
    st.import_expected(*[expected_return(
        rma=r, order="ORD-%s" % r[4:], lookup_codes=["TRK%s" % r[4:]])
        for r in rmas])
    for rma in rmas:
        st.run_to(rma, items=[GTIN_TSHIRT, GTIN_TSHIRT])
        st.confirm()
    # the refunds confirmed by the shop: their periods start
    wait_for(lambda: not st.outbox("pending"), timeout=15,
             what="the outbox delivered")
    return st, rmas


def photos_by_step(st):
    out = {}
    for pid, step, path, purged in rows(
            st, "SELECT id, step, path, purged_at FROM photo"):
        out.setdefault("label" if step in ("parcel", "sealed_box")
                       else "other", []).append((pid, path, purged))
    return out


def test_purge_takes_exactly_what_expired_and_keeps_the_chain(
        make_station, tmp_path):
    st, rmas = station_after_returns(
        make_station, tmp_path,
        {"label_photos_days": 30, "other_photos_days": 90,
         "personal_days": 30})
    ph = photos_by_step(st)
    assert ph["label"] and ph["other"], ph
    rep = json.loads(ctl(st.conf_path, "--json", "retention",
                         "report").stdout)
    assert rep["due"] == 0 and rep["label_photos_days"] == 30, rep
    kinds = {i["kind"] for i in rep["next"]}
    assert kinds == {"label_photos", "other_photos", "personal"}, kinds
    rep = json.loads(ctl(st.conf_path, "--json", "retention", "report",
                         "--at", in_days(31)).stdout)
    assert rep["due"] == len(ph["label"]) + len(rmas), rep

    # a purge by hand wants the daemon stopped
    p = ctl(st.conf_path, "retention", "purge", check=False)
    assert p.returncode == 1 and "stop it first" in p.stderr, p.stderr
    st.stop()
    out = json.loads(ctl(st.conf_path, "--json", "retention", "purge",
                         "--at", in_days(31)).stdout)
    assert out["label_photos"] == len(ph["label"]), out
    assert out["other_photos"] == 0 and out["personal"] == len(rmas), out
    ph = photos_by_step(st)
    for pid, path, purged in ph["label"]:
        assert purged and not Path(path).exists(), (pid, path)
    for pid, path, purged in ph["other"]:
        assert purged is None and Path(path).exists(), (pid, path)
    assert rows(st, "SELECT count(*) FROM expected_code") == [(0,)]
    assert rows(st, "SELECT count(*) FROM expected"
                " WHERE personal_purged_at IS NULL") == [(0,)]

    st.start()
    assert st.ctl_json("--json", "audit", "verify")["ok"] is True
    code, _ = st.call("GET", "/api/v1/photos/%d" % ph["label"][0][0])
    assert code == 404
    # the receipts are all still there
    assert sorted(r["code"] for r in st.returns()) == sorted(rmas)
    # and say what was purged, and when: the receipt and its dispute pack
    rid = st.returns()[0]["id"]
    code, rec = st.call("GET", "/api/v1/returns/%d" % rid)
    purged = [p for p in rec["photos"] if p["purged_at"]]
    assert code == 200 and purged and all(
        p["step"] in ("parcel", "sealed_box") for p in purged), rec["photos"]
    if shutil.which("pdftotext"):
        pdf = tmp_path / "purged.pdf"
        st.ctl("evidence", rid, "-o", pdf)
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"],
                              capture_output=True, text=True).stdout
        said = " ".join(text.split())
        assert "Purged by the station's retention at " + \
            purged[0]["purged_at"] in said, said[:2000]

    st.stop()
    out = json.loads(ctl(st.conf_path, "--json", "retention", "purge",
                         "--at", in_days(91)).stdout)
    assert out["other_photos"] == len(ph["other"]), out
    assert out["label_photos"] == 0 and out["personal"] == 0, out
    assert not list((st.dir / "photos").rglob("*.jpg"))
    st.start()
    assert st.ctl_json("--json", "audit", "verify")["ok"] is True
    entries = rows(st, "SELECT actor, detail FROM audit"
                   " WHERE action = 'retention.purged' ORDER BY id")
    assert [a for a, _ in entries] == ["retourctl", "retourctl"], entries
    first = json.loads(entries[0][1])
    assert sorted(p["id"] for p in first["photos"]) == \
        sorted(pid for pid, _, _ in ph["label"]), first
    # nothing is left to purge
    rep = json.loads(ctl(st.conf_path, "--json", "retention", "report",
                         "--at", in_days(400)).stdout)
    assert rep["next"] == [], rep


def test_the_daemon_purges_by_itself(make_station, tmp_path):
    st, rmas = station_after_returns(
        make_station, tmp_path, {"label_photos_days": 2}, n=1)
    st.stop()
    # two days and a bit pass: the records' times move back instead
    db = sqlite3.connect(str(st.db))
    db.execute("UPDATE receipt SET received_at = received_at - ?",
               (3 * DAY_US,))
    db.execute("UPDATE outbox SET delivered_at = delivered_at - ?",
               (3 * DAY_US,))
    db.commit()
    db.close()
    st.start()
    wait_for(lambda: rows(st, "SELECT count(*) FROM audit"
                          " WHERE action = 'retention.purged'"
                          " AND actor = 'station'") == [(1,)],
             timeout=10, what="the daemon's purge")
    # the purge commits its rows first and removes the files after, so
    # a slow machine (qemu-user in CI) can show the row before the unlink
    def label_files_gone():
        return all(p and not Path(path).exists()
                   for _, path, p in photos_by_step(st)["label"])
    wait_for(label_files_gone, timeout=10, what="the label photos' files")
    ph = photos_by_step(st)
    assert all(p and not Path(path).exists() for _, path, p in ph["label"])
    assert all(p is None and Path(path).exists()
               for _, path, p in ph["other"])
    assert st.ctl_json("--json", "audit", "verify")["ok"] is True
