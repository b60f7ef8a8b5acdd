# SPDX-License-Identifier: MIT
"""Backups (issue 12): `retourctl backup DEST` while the desk works, then
`retourctl restore` onto a fresh station brings back every row of every
table and every photo, byte for byte, and `audit verify` passes there; a
second backup copies only the new photos; a station with records is not
overwritten without --force; a missing or full destination fails with a
clear message and leaves nothing that looks like a backup."""
import json
import os
import shutil
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from helpers import GTIN_TSHIRT, binary, expected_return, file_digest, REPO


def unique_photos(directory, n, size=20000):
    """@n camera images of distinct content (the dir camera does not
    decode them), so every photo of the test is its own file."""
    directory.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (directory / ("p%03d.jpg" % i)).write_bytes(
            b"\xff\xd8\xff\xe0" + os.urandom(size) + b"\xff\xd9")
    return directory


def ctl(conf, *args, check=True):
    p = subprocess.run([binary("retourctl"), "-c", str(conf)] +
                       [str(a) for a in args], cwd=str(REPO),
                       capture_output=True, text=True, timeout=120)
    if check:
        assert p.returncode == 0, "retourctl %s -> %d\n%s%s" % (
            " ".join(map(str, args)), p.returncode, p.stdout, p.stderr)
    return p


def tables(db_path):
    """Every table's rows, in a stable order."""
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True)
    try:
        names = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " ORDER BY name")]
        return {n: sorted(db.execute("SELECT * FROM \"%s\"" % n).fetchall(),
                          key=repr) for n in names}
    finally:
        db.close()


def do_returns(st, rmas):
    for rma in rmas:
        st.run_to(rma, items=[GTIN_TSHIRT, GTIN_TSHIRT])
        st.confirm()


def station_with_returns(make_station, tmp_path, n):
    cam = unique_photos(tmp_path / "cam", 60)
    st = make_station(camera_dir=cam)
    st.sign_in()
    rmas = ["RMA-%05d" % (20000 + i) for i in range(n)]
    st.import_expected(*[expected_return(rma=r, order="ORD-%s" % r[4:])
                         for r in rmas])
    return st, rmas


def test_backup_while_the_desk_works_restores_every_row_and_photo(
        make_station, tmp_path):
    st, rmas = station_with_returns(make_station, tmp_path, 6)
    dest = tmp_path / "drive"
    dest.mkdir()
    do_returns(st, rmas[:2])

    # backups taken while a clerk works through four more returns
    errors = []
    worker = threading.Thread(
        target=lambda: errors.append(None) if do_returns(st, rmas[2:])
        else None)
    worker.start()
    during = []
    while worker.is_alive():
        during.append(json.loads(ctl(st.conf_path, "--json", "backup",
                                     dest).stdout))
        time.sleep(0.2)
    worker.join()
    assert during, "no backup ran beside the routine"
    assert all(b["photos_missing"] == 0 for b in during), during

    # the last one after the desk is stopped: the source is frozen
    st.stop()
    last = json.loads(ctl(st.conf_path, "--json", "backup", dest).stdout)
    photos_now = sorted(p.name for p in (st.dir / "photos").rglob("*.jpg"))
    assert last["photos"] == len(photos_now) > 0, last
    seen_before = set()
    for b in during:
        m = json.loads((Path(b["backup"]) / "MANIFEST.json").read_text())
        seen_before |= {p["sha256"] for p in m["photos"]}
    # incremental: the last copied only what no earlier backup had
    assert last["photos_copied"] == len(photos_now) - len(seen_before), \
        (last, len(seen_before))

    # the manifest's hashes are the files'
    bdir = Path(last["backup"])
    manifest = json.loads((bdir / "MANIFEST.json").read_text())
    assert manifest["database"]["sha256"] == file_digest(bdir / "retour.db")
    for p in manifest["photos"]:
        assert file_digest(dest / p["file"]) == p["sha256"], p
    assert not [d for d in os.listdir(dest) if d.startswith(".partial")]

    # a fresh station: restore, compare, verify
    fresh = make_station(start=False, camera_dir=tmp_path / "cam")
    out = ctl(fresh.conf_path, "restore", dest).stdout
    assert "restored" in out, out
    assert tables(fresh.db) == tables(st.db)
    src_photos = {p.relative_to(st.dir / "photos"): file_digest(p)
                  for p in (st.dir / "photos").rglob("*.jpg")}
    new_photos = {p.relative_to(fresh.dir / "photos"): file_digest(p)
                  for p in (fresh.dir / "photos").rglob("*.jpg")}
    assert new_photos == src_photos
    fresh.start()
    v = fresh.ctl_json("--json", "audit", "verify")
    assert v["ok"] is True and v["entries"] > 0, v
    assert len(fresh.returns()) == len(rmas)

    # a backup taken beside the routine is a whole station too
    early = make_station(start=False, camera_dir=tmp_path / "cam")
    ctl(early.conf_path, "restore", during[0]["backup"])
    early.start()
    assert early.ctl_json("--json", "audit", "verify")["ok"] is True


def test_restore_refuses_a_station_with_records_unless_forced(
        make_station, tmp_path):
    st, rmas = station_with_returns(make_station, tmp_path, 1)
    do_returns(st, rmas)
    dest = tmp_path / "drive"
    dest.mkdir()
    ctl(st.conf_path, "backup", dest)

    other, _ = station_with_returns(make_station, tmp_path / "o", 1)
    p = ctl(other.conf_path, "restore", dest, check=False)
    assert p.returncode == 1
    assert "retourd" in p.stderr and "nothing was changed" in p.stderr, \
        p.stderr                         # the daemon runs: its lock
    other.stop()
    before = file_digest(other.db)
    p = ctl(other.conf_path, "restore", dest, check=False)
    assert p.returncode == 1
    assert "holds records" in p.stderr and "--force" in p.stderr, p.stderr
    assert file_digest(other.db) == before
    ctl(other.conf_path, "restore", "--force", dest)
    kept = [f for f in os.listdir(other.dir)
            if f.startswith("retour.db.replaced-")]
    assert kept, os.listdir(other.dir)
    other.start()
    assert [r["code"] for r in other.returns()] == rmas
    assert other.ctl_json("--json", "audit", "verify")["ok"] is True


def test_backup_to_a_missing_destination_says_so(make_station, tmp_path):
    st = make_station()
    p = ctl(st.conf_path, "backup", tmp_path / "not-mounted", check=False)
    assert p.returncode == 1
    assert "does not exist (is the drive mounted?)" in p.stderr, p.stderr
    assert not (tmp_path / "not-mounted").exists()
    f = tmp_path / "a-file"
    f.write_text("x")
    p = ctl(st.conf_path, "backup", f, check=False)
    assert p.returncode == 1 and "not a directory" in p.stderr, p.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_backup_to_a_full_destination_fails_and_harms_nothing(
        make_station, tmp_path):
    cam = unique_photos(tmp_path / "cam", 8, size=400000)
    st = make_station(camera_dir=cam)
    st.sign_in()
    st.import_expected(expected_return(rma="RMA-30001", order="ORD-30001"),
                       expected_return(rma="RMA-30002", order="ORD-30002"))
    do_returns(st, ["RMA-30001", "RMA-30002"])
    small = tmp_path / "small"
    small.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs",
                        str(small)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: " + r.stderr.strip())
    try:
        p = ctl(st.conf_path, "backup", small, check=False)
        assert p.returncode == 1, p.stdout
        assert "not enough space" in p.stderr or "is full" in p.stderr, \
            p.stderr
        assert "no backup was made" in p.stderr or \
            "nothing was written" in p.stderr, p.stderr
        left = os.listdir(small)
        assert not [d for d in left if d.startswith(("retour-",
                                                     ".partial"))], left
        # the station is unharmed and a backup elsewhere works
        assert st.status()["step"] in ("scan", "sign_in")
        ok = tmp_path / "big"
        ok.mkdir()
        ctl(st.conf_path, "backup", ok)
    finally:
        subprocess.run(["umount", str(small)])


@pytest.mark.skipif(not shutil.which("systemd-analyze"),
                    reason="systemd-analyze not installed (Debian: systemd)")
def test_backup_units_verify_clean(tmp_path):
    """The nightly backup's units pass systemd-analyze verify (the
    command swapped for /bin/true, which exists here) and read the
    configuration retourd reads."""
    units = REPO / "systemd"
    service = (units / "retour-backup.service").read_text()
    assert "retourctl -c /etc/retour/retourd.conf backup" in service
    swapped = service.replace("/usr/bin/retourctl", shutil.which("true"))
    (tmp_path / "retour-backup.service").write_text(swapped)
    shutil.copy(units / "retour-backup.timer", tmp_path)
    r = subprocess.run(["systemd-analyze", "verify", "--man=no",
                        "retour-backup.service", "retour-backup.timer"],
                       cwd=tmp_path, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), \
        r.stdout + r.stderr
