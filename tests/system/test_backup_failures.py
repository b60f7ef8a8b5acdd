# SPDX-License-Identifier: MIT
"""A backup that cannot be made (issue 12: "a backup to a full or missing
destination fails with a clear message and harms nothing"): a missing
destination, a file where a directory is expected, a read-only one, and
one that fills up in the middle of the copy.  Each exits non-zero with
one line naming the destination and the cause, leaves nothing a restore
would take for a backup and no photo in the destination's tree that is
not whole, leaves the station's database and photos as they were, and
the next backup to a good destination is complete.

The read-only and the full destination are mounted in a user and mount
namespace (`unshare -Urm`), so the tests need neither root nor a
privileged container; where unshare is not allowed they are skipped,
saying so."""
import hashlib
import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest

from helpers import binary, expected_return, file_digest, REPO
from test_backup import ctl, do_returns, tables, unique_photos


def unshare_works():
    try:
        r = subprocess.run(["unshare", "-Urm", "sh", "-c",
                            "mount -t tmpfs -o size=1m none /mnt || "
                            "mount -t tmpfs -o size=1m none /tmp"],
                           capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "cannot run unshare: %s" % e
    if r.returncode != 0:
        return "unshare -Urm and a tmpfs mount are not allowed here: " + \
            (r.stderr.strip() or "exit %d" % r.returncode)
    return None


UNSHARE_REFUSED = unshare_works()
needs_unshare = pytest.mark.skipif(UNSHARE_REFUSED is not None,
                                   reason=UNSHARE_REFUSED or "")


def station_with_photos(make_station, tmp_path, n_photos=8):
    cam = unique_photos(tmp_path / "cam", n_photos, size=100000)
    st = make_station(camera_dir=cam)
    st.sign_in()
    st.import_expected(expected_return(rma="RMA-31001", order="ORD-31001"),
                       expected_return(rma="RMA-31002", order="ORD-31002"))
    do_returns(st, ["RMA-31001", "RMA-31002"])
    st.stop()
    return st


def station_state(st):
    """What a failed backup must leave as it was: every row, every
    photo's bytes."""
    photos = {str(p.relative_to(st.dir / "photos")): file_digest(p)
              for p in (st.dir / "photos").rglob("*") if p.is_file()}
    assert photos
    return tables(st.db), photos


def one_line(stderr):
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, "not one line: %r" % stderr
    return lines[0]


def next_backup_is_whole(st, tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    out = json.loads(ctl(st.conf_path, "--json", "backup", good).stdout)
    manifest = json.loads((Path(out["backup"]) /
                           "MANIFEST.json").read_text())
    kept = {p.name for p in (st.dir / "photos").rglob("*.jpg")}
    assert out["photos_missing"] == 0 and out["photos"] == len(kept), out
    for p in manifest["photos"]:
        assert file_digest(good / p["file"]) == p["sha256"], p
    assert manifest["database"]["sha256"] == \
        file_digest(Path(out["backup"]) / "retour.db")


def in_namespace(script, timeout=120):
    """@script run by sh as root of a new user and mount namespace: its
    mounts vanish with it."""
    return subprocess.run(["unshare", "-Urm", "sh", "-c", script],
                          capture_output=True, text=True, timeout=timeout,
                          cwd=str(REPO))


def retourctl_line(st, dest):
    return " ".join(shlex.quote(str(a)) for a in
                    [binary("retourctl"), "-c", st.conf_path, "backup",
                     dest])


def test_a_missing_destination_harms_nothing(make_station, tmp_path):
    st = station_with_photos(make_station, tmp_path)
    before = station_state(st)
    dest = tmp_path / "not-mounted"
    p = ctl(st.conf_path, "backup", dest, check=False)
    line = one_line(p.stderr)
    assert p.returncode == 1, p
    assert str(dest) in line and "does not exist" in line, line
    assert not dest.exists()
    # a file where the drive's directory should be
    f = tmp_path / "a-file"
    f.write_text("x")
    p = ctl(st.conf_path, "backup", f, check=False)
    line = one_line(p.stderr)
    assert p.returncode == 1 and str(f) in line and \
        "not a directory" in line, line
    assert f.read_text() == "x"
    assert station_state(st) == before
    next_backup_is_whole(st, tmp_path)


@needs_unshare
def test_a_read_only_destination_harms_nothing(make_station, tmp_path):
    st = station_with_photos(make_station, tmp_path)
    before = station_state(st)
    dest = tmp_path / "ro"
    dest.mkdir()
    (dest / "old-file").write_text("kept")
    r = in_namespace(
        "mount --bind {d} {d} && mount -o remount,bind,ro {d} && {ctl}"
        .format(d=shlex.quote(str(dest)), ctl=retourctl_line(st, dest)))
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    line = one_line(r.stderr)
    assert str(dest) in line and "not writable" in line and \
        "Read-only file system" in line, line
    assert sorted(os.listdir(dest)) == ["old-file"]
    assert station_state(st) == before
    next_backup_is_whole(st, tmp_path)


@needs_unshare
@pytest.mark.parametrize("inodes", [4, 5, 10])
def test_a_destination_that_fills_up_mid_copy_harms_nothing(
        make_station, tmp_path, inodes):
    """A tmpfs with room for the bytes but for few files: the checks of
    free space pass, and the copy runs out of room (ENOSPC) as a drive
    filled by something else meanwhile would: at the database's copy (4,
    5 inodes) or among the photos (10)."""
    st = station_with_photos(make_station, tmp_path, n_photos=10)
    before = station_state(st)
    n_photos = len(before[1])
    assert n_photos >= 4, before[1]
    dest = tmp_path / "small"
    dest.mkdir()
    # the root, the lock, the partial directory, its database (and a
    # journal), photos/, then two inodes a photo
    script = (
        "mount -t tmpfs -o size=64m,nr_inodes={n} none {d} && "
        "{ctl}; echo \"RC=$?\"; "
        "cd {d} && find . -mindepth 1 -printf '%y %P\\n' && "
        "find photos -type f -name '*.jpg' -exec sha256sum {{}} + "
        "2>/dev/null | sed 's/^/SHA /'"
    ).format(n=inodes, d=shlex.quote(str(dest)),
             ctl=retourctl_line(st, dest))
    r = in_namespace(script)
    rc = [ln for ln in r.stdout.splitlines() if ln.startswith("RC=")]
    assert rc == ["RC=1"], (r.stdout, r.stderr)
    line = one_line(r.stderr)
    assert str(dest) in line and "the destination is full" in line and \
        "no backup was made" in line and "No space left" in line, line
    assert "photos it had staged were removed" in line, line
    listed = [ln.split(" ", 1) for ln in r.stdout.splitlines()
              if ln[:2] in ("f ", "d ")]
    names = [name for _, name in listed]
    # nothing a restore would take for a backup, no file half written
    assert not [n for n in names if n.startswith(("retour-", ".partial"))],\
        names
    assert not [n for n in names if "/.tmp-" in n], names
    # the photos it had staged are gone again, as the message says; a
    # photo in the tree is whole: its content is its name
    for ln in r.stdout.splitlines():
        if ln.startswith("SHA "):
            digest, path = ln[4:].split(None, 1)
            sub, name = Path(path).parts[-2:]
            assert sub + name[:-4] == digest, ln
    assert station_state(st) == before
    next_backup_is_whole(st, tmp_path)
