# SPDX-License-Identifier: MIT
"""Photos uploaded to an S3-compatible bucket ([photo upload]): against a
fake S3 server on 127.0.0.1 (npm's s3rver), checked with an independent
client (Debian's s3cmd).  Every photo arrives once, under its SHA-256,
with the right bytes, across an outage of the server and kill -9 of
retourd; a refused upload shows as dead with the server's words; a bad
section stops the station at start; the secret is never written down."""
import hashlib
import io
import os
import random
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import GTIN_TSHIRT, REPO, binary, expected_return, wait_for

sys.path.insert(0, str(REPO / "tests" / "s3"))
import s3server  # noqa: E402

pytestmark = pytest.mark.skipif(bool(s3server.available()),
                                reason=s3server.available() or "ok")

PREFIX = "desk-1/"
# s3rver checks the key id, not the signature: any secret goes, and this
# one is looked for where it must never be
SECRET = "s3-secret-7f1c9a2e5b80d4c6-never-in-a-log"


@pytest.fixture
def s3():
    server = s3server.S3Server()
    yield server
    server.close()


def camera_dir(path, n, size=(640, 480), seed=1):
    """@n distinct JPEGs (noise, so each is large and its own)."""
    from PIL import Image

    rnd = random.Random(seed)
    path.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        img = Image.frombytes("RGB", size, rnd.randbytes(size[0] * size[1]
                                                         * 3))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=85)
        (path / ("photo-%03d.jpg" % i)).write_bytes(buf.getvalue())
    return path


def upload_section(st, s3, key_id=s3server.KEY_ID, **over):
    """[photo upload] for @st towards @s3, its secrets in 0600 files."""
    kid = st.dir / "s3-key-id"
    sec = st.dir / "s3-secret"
    kid.write_text(key_id + "\n")
    sec.write_text(SECRET + "\n")
    kid.chmod(0o600)
    sec.chmod(0o600)
    section = {"endpoint": s3.endpoint, "region": "us-east-1",
               "bucket": s3.bucket, "prefix": PREFIX, "path_style": True,
               "access_key_id_file": str(kid),
               "secret_access_key_file": str(sec)}
    section.update(over)
    st.cfg["photo upload"] = section
    st.write_config()


def make_uploading(make_station, s3, tmp_path, n_images=4, **over):
    st = make_station(start=False, camera_dir=camera_dir(
        tmp_path / "camera", n_images))
    upload_section(st, s3, **over)
    st.start()
    st.sign_in()
    return st


def open_parcel(st):
    """Open a parcel and let the desk weigh it and take its own photo
    (the photo step), so that the photos a test takes come after it."""
    st.import_expected(expected_return())
    st.feed("RMA-10001")
    rid = wait_for(lambda: st.status().get("receipt"),
                   what="the parcel's receipt")
    wait_for(lambda: st.status()["step"] == "items" and
             len(st.receipt(rid)["photos"]) >= 1, timeout=10,
             what="the parcel weighed and photographed")
    return rid


def take_photos(st, rid, n):
    """@n more photos of open receipt @rid, each one on record."""
    have = len(st.receipt(rid)["photos"])
    for i in range(n):
        code, body = st.call("POST", "/api/v1/photo")
        assert code == 200, (code, body)
        wait_for(lambda: len(st.receipt(rid)["photos"]) >= have + i + 1,
                 timeout=10, what="photo %d on record" % (i + 1))
    return st.receipt(rid)["photos"]


def photo_rows(st):
    return [o for o in st.outbox() if o["action"] == "photo.upload"]


def all_uploaded(st):
    rows = photo_rows(st)
    return rows and all(o["state"] == "done" for o in rows)


def check_bucket(s3, photos):
    """Every photo's content in the bucket once, under its key, with its
    bytes; nothing else there."""
    shas = {p["sha256"] for p in photos}
    listing = s3.listing()
    assert set(listing) == {PREFIX + h + ".jpg" for h in shas}, listing
    for h in shas:
        assert s3.sha256_of(PREFIX + h + ".jpg") == h
    return listing


def test_photos_arrive_once_with_their_hash(make_station, s3, tmp_path):
    st = make_uploading(make_station, s3, tmp_path)
    rid = open_parcel(st)
    # four images, round robin: the fifth and sixth repeat the first two
    photos = take_photos(st, rid, 6)
    shas = [p["sha256"] for p in photos]
    assert len(set(shas)) < len(shas), "some content must repeat"
    for p in photos:
        assert p["object_key"] == PREFIX + p["sha256"] + ".jpg", p
    wait_for(lambda: all_uploaded(st), timeout=20,
             what="every photo uploaded")
    # one row per content, however many photos had it
    assert len(photo_rows(st)) == len(set(shas))
    listing = check_bucket(s3, photos)
    for p in photos:
        assert listing[p["object_key"]] == p["bytes"]
    assert all(n == 1 for n in s3.puts().values()), s3.puts()
    assert len(s3.puts()) == len(set(shas))
    for p in st.receipt(rid)["photos"]:
        assert p["upload"] == "done", p
    # the screen's parcel names them too
    par = st.status()["parcel"]["photos"]
    assert {p["sha256"] for p in par} == set(shas)
    assert all(p["object_key"] and p["upload"] == "done" for p in par)
    up = st.status()["photo_upload"]
    assert up == {"bucket": "photos", "waiting": 0, "oldest_s": 0}, up
    code, metrics = st.call("GET", "/metrics")
    assert "retour_photo_upload_waiting 0\n" in metrics.decode()


def test_events_carry_each_photo(make_station, s3, tmp_path):
    st = make_uploading(make_station, s3, tmp_path)
    st.import_expected(expected_return())
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])
    rid = s["receipt"]
    st.confirm("accept")
    wait_for(lambda: any(r["payload"]["type"] == "return.inspected"
                         for r in st.shop.delivered()),
             timeout=15, what="return.inspected at the shop")
    ev = [r["payload"] for r in st.shop.delivered()
          if r["payload"]["type"] == "return.inspected"][0]
    photos = st.receipt(rid)["photos"]
    assert ev["photos"] == len(photos) >= 1
    assert ev["photo_list"] == [
        {"id": p["id"], "sha256": p["sha256"],
         "object_key": PREFIX + p["sha256"] + ".jpg"} for p in photos]
    wait_for(lambda: all_uploaded(st), timeout=20, what="uploaded")
    check_bucket(s3, photos)


def test_outage_then_every_photo_arrives(make_station, s3, tmp_path):
    st = make_uploading(make_station, s3, tmp_path, n_images=5)
    s3.stop()
    rid = open_parcel(st)
    # the parcel's own photo (the photo step) and five more: five images
    photos = take_photos(st, rid, 5)
    n = len({p["sha256"] for p in photos})
    assert n == 5
    # retried with the transport's error, never marked uploaded
    wait_for(lambda: all(o["attempts"] >= 1 and o["state"] == "pending"
                         and o["last_error"] for o in photo_rows(st))
             and len(photo_rows(st)) == n, timeout=20,
             what="every upload tried and waiting")
    err = photo_rows(st)[0]["last_error"]
    assert "127.0.0.1" in err or "connect" in err.lower(), err
    assert all(p["upload"] == "pending" for p in st.receipt(rid)["photos"])
    time.sleep(1.1)
    up = st.status()["photo_upload"]
    assert up["waiting"] == 5 and up["oldest_s"] >= 1, up
    code, metrics = st.call("GET", "/metrics")
    text = metrics.decode()
    assert "retour_photo_upload_waiting 5\n" in text, text
    age = [ln for ln in text.splitlines()
           if ln.startswith("retour_photo_upload_oldest_seconds ")]
    assert age and float(age[0].split()[1]) >= 1.0, age
    # the desk never waited: the parcel goes on meanwhile
    assert st.status()["step"] != "scan"
    s3.start()
    wait_for(lambda: all_uploaded(st), timeout=30,
             what="every photo uploaded after the outage")
    check_bucket(s3, photos)
    assert all(n == 1 for n in s3.puts().values()), s3.puts()


def uploads_done(st):
    """Photo uploads done, read from the file (the daemon may be dead)."""
    with sqlite3.connect("file:%s?mode=ro" % st.db, uri=True) as db:
        return db.execute("SELECT count(*) FROM outbox WHERE action = "
                          "'photo.upload' AND state = 'done'").fetchone()[0]


def test_kill9_at_random_moments_loses_and_repeats_nothing(
        make_station, s3, tmp_path):
    n = 40
    st = make_station(start=False, camera_dir=camera_dir(
        tmp_path / "camera", n, size=(1280, 720)))
    # a failed upload is due again soon: the kills land in uploads
    st.cfg["outbox"].update(backoff_base_ms=50, backoff_max_ms=300)
    upload_section(st, s3)
    st.start()
    st.sign_in()
    rid = open_parcel(st)
    s3.stop()
    photos = take_photos(st, rid, n)
    assert len({p["sha256"] for p in photos}) == n
    st.stop()
    s3.start()
    rnd = random.Random(12)
    midway = kills = 0
    while kills < 60:
        st.start()
        time.sleep(rnd.uniform(0.0, 0.05))
        st.kill9()
        kills += 1
        done = uploads_done(st)
        midway += 0 < done < n
        if done == n:
            break
    st.start()
    wait_for(lambda: all_uploaded(st), timeout=30,
             what="every photo uploaded after %d kills" % kills)
    assert midway >= 2, "only %d of %d kills came amid the uploads" % (
        midway, kills)
    print("kill -9: %d, amid the uploads: %d" % (kills, midway))
    check_bucket(s3, photos)
    # a photo stored once is never sent again: HEAD first after a kill
    puts = s3.puts()
    assert len(puts) == n and all(c == 1 for c in puts.values()), puts
    assert len(photo_rows(st)) == n


def test_refused_upload_is_dead_with_the_servers_words(
        make_station, s3, tmp_path):
    st = make_uploading(make_station, s3, tmp_path, key_id="NOSUCHKEY")
    rid = open_parcel(st)
    take_photos(st, rid, 1)
    wait_for(lambda: photo_rows(st) and
             photo_rows(st)[0]["state"] == "dead", timeout=15,
             what="the upload dead")
    err = photo_rows(st)[0]["last_error"]
    assert "403" in err and "InvalidAccessKeyId" in err, err
    assert SECRET not in err
    assert st.receipt(rid)["photos"][0]["upload"] == "dead"
    assert s3.listing() == {}


def test_the_secret_is_never_written_down(make_station, s3, tmp_path):
    st = make_uploading(make_station, s3, tmp_path)
    rid = open_parcel(st)
    s3.stop()          # errors get logged and recorded too
    take_photos(st, rid, 2)
    wait_for(lambda: all(o["attempts"] >= 1 for o in photo_rows(st)),
             timeout=15, what="failed attempts")
    s3.start()
    wait_for(lambda: all_uploaded(st), timeout=30, what="uploaded")
    st.stop()
    needle = SECRET.encode()
    for f in st.dir.iterdir():
        if f.is_file() and f.name != "s3-secret":
            assert needle not in f.read_bytes(), f
    with sqlite3.connect(str(st.db)) as db:
        for (sql,) in db.execute("SELECT sql FROM sqlite_master "
                                 "WHERE type = 'table'"):
            pass
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")]
        for t in tables:
            for row in db.execute("SELECT * FROM %s" % t):
                assert SECRET not in repr(row), (t, row)


@pytest.mark.parametrize("change,words", [
    ({"bucket": None}, "bucket is missing"),
    ({"endpoint": "ftp://127.0.0.1:1"}, "endpoint"),
    ({"bucket": "No_Such Bucket"}, "not a bucket name"),
    ("world-readable", "chmod 600"),
])
def test_bad_section_is_refused_at_start(make_station, s3, tmp_path,
                                         change, words):
    st = make_station(start=False)
    upload_section(st, s3)
    if change == "world-readable":
        (st.dir / "s3-secret").chmod(0o644)
    else:
        st.cfg["photo upload"].update(change)
        st.write_config()
    proc = st.start(expect_ready=False)
    assert proc.wait(timeout=15) != 0
    log = st.log()
    assert words in log, log
    assert "[photo upload]" in log, log
    assert SECRET not in log


def test_secrets_from_systemd_credentials(make_station, s3, tmp_path,
                                          monkeypatch):
    """A setting that is no absolute path names a credential the unit
    loaded ($CREDENTIALS_DIRECTORY); without that directory, the start
    is refused saying so."""
    creds = tmp_path / "credentials"
    creds.mkdir()
    for name, value in (("s3-key-id", s3server.KEY_ID), ("s3-secret",
                                                          SECRET)):
        (creds / name).write_text(value + "\n")
        (creds / name).chmod(0o400)
    st = make_station(start=False, camera_dir=camera_dir(
        tmp_path / "camera", 2))
    upload_section(st, s3, access_key_id_file="s3-key-id",
                   secret_access_key_file="s3-secret")
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    proc = st.start(expect_ready=False)
    assert proc.wait(timeout=15) != 0
    assert "CREDENTIALS_DIRECTORY is not set" in st.log(), st.log()
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(creds))
    st.start()
    st.sign_in()
    rid = open_parcel(st)
    photos = take_photos(st, rid, 1)
    wait_for(lambda: all_uploaded(st), timeout=20, what="uploaded")
    check_bucket(s3, photos)




def test_purged_photos_leave_the_bucket_too(make_station, s3, tmp_path):
    """Retention purges the label photos: the same write queues their
    objects' deletion, the photo sender deletes them from the bucket, and
    the other photos stay there, as the independent client lists them."""
    st = make_station(start=False, camera_dir=camera_dir(
        tmp_path / "camera", 12))
    st.cfg["retention"] = {"label_photos_days": 2}
    upload_section(st, s3)
    st.start()
    st.sign_in()
    st.import_expected(expected_return())
    rid = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT])["receipt"]
    st.confirm()
    wait_for(lambda: all_uploaded(st) and not st.outbox("pending"),
             timeout=20, what="the photos uploaded, the refund confirmed")
    photos = st.receipt(rid)["photos"]
    label = {p["object_key"] for p in photos if p["step"] == "parcel"}
    other = {p["object_key"] for p in photos} - label
    assert label and other, photos
    assert set(s3.listing()) == label | other
    st.stop()
    at = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                       time.gmtime(time.time() + 30 * 86400))
    p = subprocess.run([binary("retourctl"), "retention", "purge", "--at",
                        at, "-c", str(st.conf_path)], cwd=str(REPO),
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "%d photos queued for deletion from the bucket" % len(label) \
        in p.stdout, p.stdout
    st.start()
    wait_for(lambda: set(s3.listing()) == other, timeout=20,
             what="the label photos gone from the bucket")
    rows = [o for o in st.outbox() if o["action"] == "photo.delete"]
    assert len(rows) == len(label), rows
    assert all(o["state"] == "done" for o in rows), rows
