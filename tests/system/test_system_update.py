# SPDX-License-Identifier: MIT
"""The desk's system (issue 13): the slot and version, an update started
from the API (a bundle uploaded, or one found on a drive), who started it
and what came of it in the audit log, and the first boot's missing items
on the status.  RAUC is a fake here (FAKE_RAUC below, [update] command):
it prints progress lines as `rauc install` does and ends as its mode file
says; the image's own run is tests/image (make check-image)."""
import http.client
import json
import os
import sqlite3
import time

import pytest

from helpers import UnixHTTPConnection, wait_for

SUPERVISOR = "SUP-0001"

# `rauc install` and `rauc status` as far as retourd reads them.  Its mode
# file: ok, fail, or wait (until the file "go" appears next to it).
FAKE_RAUC = r"""#!/bin/sh
dir=$(dirname "$0")
mode=$(cat "$dir/rauc.mode" 2>/dev/null || echo ok)
case "$1" in
status)
	cat "$dir/rauc-status.json"
	exit 0 ;;
install) ;;
*) echo "fake rauc: $1?" >&2; exit 2 ;;
esac
echo "$2" >"$dir/rauc.installed-from"
echo "installing"
echo "  0% Installing"
echo " 20% Checking bundle"
if [ "$mode" = wait ]; then
	n=0
	while [ ! -e "$dir/go" ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n+1)); done
fi
if [ "$mode" = fail ]; then
	echo " 40% Checking bundle failed."
	echo "100% Installing failed."
	echo "LastError: Failed to check bundle identifier: Invalid identifier. Did you pass a valid RAUC bundle?"
	echo "installing \`$2': failed" >&2
	exit 1
fi
echo " 40% Checking bundle done."
echo " 80% Copying image to rootfs.1"
echo "100% Installing done."
echo "installing \`$2': succeeded"
exit 0
"""

RAUC_STATUS = {
    "compatible": "retour-station-arm64", "variant": "", "booted": "A",
    "boot_primary": "rootfs.1",
    "slots": [
        {"rootfs.0": {"class": "rootfs", "device": "/dev/vda2",
                      "bootname": "A", "state": "booted",
                      "boot_status": "good",
                      "slot_status": {"bundle": {"version": "0.9.0"},
                                      "installed": {
                                          "timestamp": "2026-11-30T10:00:00Z"}
                                      }}},
        {"rootfs.1": {"class": "rootfs", "device": "/dev/vda3",
                      "bootname": "B", "state": "inactive",
                      "boot_status": "good",
                      "slot_status": {"bundle": {"version": "0.10.0"}}}},
    ]}


def desk(make_station, mode="ok", image=False, max_mb=None, rauc=True,
         **kw):
    """A desk with the fake rauc (none: @rauc false) and a supervisor."""
    st = make_station(start=False, **kw)
    fake = st.dir / "rauc"
    fake.write_text(FAKE_RAUC)
    fake.chmod(0o755)
    (st.dir / "rauc.mode").write_text(mode)
    (st.dir / "rauc-status.json").write_text(json.dumps(RAUC_STATUS))
    (st.dir / "media").mkdir()
    if rauc:
        st.cfg["update"]["command"] = str(fake)
    if max_mb:
        st.cfg["update"]["bundle_max_mb"] = max_mb
    if image:
        (st.dir / "cmdline").write_text(
            "console=ttyAMA0 root=/dev/vda2 ro rauc.slot=A quiet\n")
    st.cfg["clerks"][SUPERVISOR] = "Ewa, supervisor"
    st.write_config()
    st.start()
    return st


def send(st, method, path, raw=None, body=None, ctype=None):
    """(status, parsed JSON, headers) over the Unix socket."""
    c = UnixHTTPConnection(st.socket, timeout=30)
    data = raw if raw is not None else (
        json.dumps(body).encode() if body is not None else None)
    c.request(method, path, body=data, headers={
        "Content-Type": ctype or ("application/octet-stream"
                                  if raw is not None else
                                  "application/json")})
    r = c.getresponse()
    text = r.read()
    headers = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, (json.loads(text) if text else None), headers


def upload(st, data, supervisor=SUPERVISOR):
    q = "?supervisor=" + supervisor if supervisor else ""
    return send(st, "POST", "/api/v1/system/update" + q, raw=data)


def update_over(st):
    return wait_for(lambda: (u := st.call("GET", "/api/v1/system/update")[1])
                    ["state"] in ("installed", "failed") and u,
                    timeout=15, what="the update's end")


def audit(st, prefix="system.update"):
    c = sqlite3.connect(str(st.db), timeout=10)
    rows = c.execute("SELECT actor, action, detail FROM audit WHERE action "
                     "LIKE ? ORDER BY id", (prefix + "%",)).fetchall()
    c.close()
    return rows


def update_dir(st):
    d = st.dir / "update"
    return sorted(p.name for p in d.iterdir()) if d.exists() else []


# ---- what the desk is ----

def test_a_pc_is_not_an_image(make_station):
    st = desk(make_station)
    code, s = st.call("GET", "/api/v1/system")
    assert code == 200
    assert s["image"] is False and s["slot"] is None and s["slots"] == []
    assert "not an image" in s["text"]
    assert s["version"] == st.status()["version"]  # retourd's own
    assert s["update"]["state"] == "idle" and s["setup_missing"] == []


def test_on_the_image_the_slots_and_the_next_boot(make_station):
    st = desk(make_station, image=True)
    s = wait_for(lambda: (x := st.call("GET", "/api/v1/system")[1])
                 ["slots"] and x, what="rauc status read")
    assert s["image"] is True and s["slot"] == "A"
    assert s["next_boot"] == "B" and s["rauc_error"] is None
    a, b = s["slots"]
    assert (a["bootname"], a["state"], a["boot_status"],
            a["bundle_version"], a["installed_at"]) == (
        "A", "booted", "good", "0.9.0", "2026-11-30T10:00:00Z")
    assert (b["bootname"], b["state"], b["installed_at"]) == (
        "B", "inactive", None)


def test_rauc_status_not_json_is_said_not_shown(make_station):
    st = desk(make_station, image=True)
    st.stop()
    (st.dir / "rauc-status.json").write_bytes(b"\x00\xff{{{" * 5000)
    st.start()
    s = wait_for(lambda: (x := st.call("GET", "/api/v1/system")[1])
                 ["rauc_error"] and x, what="rauc status refused")
    assert "not its JSON" in s["rauc_error"] and s["slots"] == []


# ---- an uploaded bundle ----

def test_an_upload_installs_and_is_audited(make_station):
    st = desk(make_station)
    bundle = os.urandom(300 * 1024)
    code, body, headers = upload(st, bundle)
    assert code == 202, body
    assert headers["location"] == "/api/v1/system/update"
    assert body["state"] in ("installing", "installed")
    assert body["by"] == "Ewa" and body["source"] == "upload"
    u = update_over(st)
    assert u["state"] == "installed", u
    assert u["percent"] == 100 and u["reason"] is None
    assert u["text"] == "installed, reboot to use it"
    assert u["message"].startswith("installing `")
    # rauc was given the whole bundle, which is removed once installed
    installed_from = (st.dir / "rauc.installed-from").read_text().strip()
    assert installed_from == str(st.dir / "update" / "upload.raucb")
    assert update_dir(st) == []
    assert audit(st) == [
        ("Ewa", "system.update", "upload.raucb (upload)"),
        ("Ewa", "system.update.installed", "upload.raucb (upload)")]
    assert st.status()["update"]["state"] == "installed"


def test_a_refused_bundle_says_rauc_s_reason(make_station):
    st = desk(make_station, mode="fail")
    code, body, _ = upload(st, b"not a bundle" * 100)
    assert code == 202, body
    u = update_over(st)
    assert u["state"] == "failed"
    assert u["reason"] == ("Failed to check bundle identifier: Invalid "
                           "identifier. Did you pass a valid RAUC bundle?")
    assert u["text"] == "refused, nothing was changed"
    rows = audit(st)
    assert rows[-1][:2] == ("Ewa", "system.update.failed")
    assert "Invalid identifier" in rows[-1][2]
    assert update_dir(st) == []


def test_no_rauc_is_a_clear_failure(make_station):
    st = desk(make_station)
    st.stop()
    st.cfg["update"]["command"] = str(st.dir / "nothing-here")
    st.write_config()
    st.start()
    code, body, _ = upload(st, b"x" * 1000)
    assert code == 503 and body["code"] == "no_installer", body
    u = update_over(st)
    assert u["state"] == "failed"
    assert "cannot run" in u["reason"] and "station image" in u["reason"]


@pytest.mark.parametrize("who,why", [
    (None, "needs a supervisor"),
    ("CLERK-0001", "not a supervisor"),
    ("NOBODY-1", "unknown supervisor badge")])
def test_only_a_supervisor_starts_one(make_station, who, why):
    st = desk(make_station)
    code, body, _ = upload(st, b"y" * 5000, supervisor=who)
    assert code == 403, body
    assert body["code"] == "supervisor_needed" and why in body["error"]
    assert update_dir(st) == [] and audit(st) == []
    assert not (st.dir / "rauc.installed-from").exists()
    # JSON naming one: the same refusal
    code, body, _ = send(st, "POST", "/api/v1/system/update",
                         body={"bundle": "/x.raucb", "supervisor": who})
    assert code == 403 and body["code"] == "supervisor_needed", body


def test_a_supervisor_signed_in_needs_no_badge(make_station):
    st = desk(make_station)
    st.sign_in(SUPERVISOR, "Ewa")
    code, body, _ = upload(st, b"z" * 2000, supervisor=None)
    assert code == 202, body
    assert update_over(st)["state"] == "installed"
    assert audit(st)[0][0] == "Ewa"


def test_a_bundle_over_the_limit_is_refused_and_not_kept(make_station):
    st = desk(make_station, max_mb=1)
    code, body, _ = upload(st, b"\0" * (2 << 20))
    assert code == 413, body
    assert body["code"] == "too_large" and "bundle_max_mb" in body["error"]
    assert update_dir(st) == [] and audit(st) == []
    s = st.call("GET", "/api/v1/system/update")[1]
    assert s["state"] == "idle"
    # the limit is the bundle's: one under it goes
    code, body, _ = upload(st, b"\0" * (1 << 19))
    assert code == 202, body


def test_the_disk_floor_refuses_a_bundle(make_station):
    st = desk(make_station, station={"photo_min_free_mb": 1 << 20})
    code, body, _ = upload(st, b"a" * 4096)
    assert code == 507, body
    assert body["code"] == "disk_floor"
    assert "photo_min_free_mb" in body["error"]
    assert update_dir(st) == [] and audit(st) == []


def test_an_empty_body_is_refused(make_station):
    st = desk(make_station)
    code, body, _ = upload(st, b"")
    assert code == 400, body
    assert st.call("GET", "/api/v1/system/update")[1]["state"] == "idle"


def test_a_second_update_while_one_runs_is_409(make_station):
    st = desk(make_station, mode="wait")
    (st.dir / "media" / "usb").mkdir()
    (st.dir / "media" / "usb" / "b.raucb").write_bytes(b"b" * 100)
    code, body, _ = upload(st, b"first" * 1000)
    assert code == 202, body
    code, body, _ = upload(st, b"second" * 1000)
    assert code == 409 and body["code"] == "update_running", body
    code, body, _ = send(st, "POST", "/api/v1/system/update", body={
        "bundle": str(st.dir / "media/usb/b.raucb"),
        "supervisor": SUPERVISOR})
    assert code == 409 and body["code"] == "update_running", body
    # the desk is not held meanwhile
    assert st.call("GET", "/api/v1/status")[0] == 200
    u = wait_for(lambda: (x := st.call("GET", "/api/v1/system/update")[1])
                 ["percent"] == 20 and x, what="rauc's progress read")
    assert u["state"] == "installing" and u["message"] == "Checking bundle"
    (st.dir / "go").write_text("")
    assert update_over(st)["state"] == "installed"
    assert [a for _, a, _ in audit(st)] == ["system.update",
                                           "system.update.installed"]


# ---- a bundle on a drive ----

def test_a_bundle_on_a_drive_is_listed_and_installed(make_station):
    st = desk(make_station)
    drive = st.dir / "media" / "ola" / "USB STICK"
    drive.mkdir(parents=True)
    (drive / "retour-0.11.0.raucb").write_bytes(b"r" * 4321)
    (drive / "notes.txt").write_text("not a bundle")
    (drive / ".hidden.raucb").write_bytes(b"h")
    outside = st.dir / "elsewhere.raucb"
    outside.write_bytes(b"o")
    (drive / "link.raucb").symlink_to(outside)
    code, found = st.call("GET", "/api/v1/system/bundles")
    assert code == 200
    assert [(b["name"], b["size"]) for b in found] == [
        ("retour-0.11.0.raucb", 4321)]
    path = found[0]["path"]
    assert path == str(drive / "retour-0.11.0.raucb")
    code, body, _ = send(st, "POST", "/api/v1/system/update",
                         body={"bundle": path, "supervisor": SUPERVISOR})
    assert code == 202, body
    assert body["source"] == "drive" and body["bundle"] == \
        "retour-0.11.0.raucb"
    assert update_over(st)["state"] == "installed"
    assert (st.dir / "rauc.installed-from").read_text().strip() == path
    assert (drive / "retour-0.11.0.raucb").exists()  # the drive's own
    assert audit(st)[0] == ("Ewa", "system.update",
                            "retour-0.11.0.raucb (drive)")


@pytest.mark.parametrize("name", [
    "/etc/passwd", "elsewhere.raucb", "{dir}/elsewhere.raucb",
    "{dir}/media/ola/USB/link.raucb", "{dir}/media/ola/USB/../USB/a.raucb",
    ""])
def test_only_a_listed_bundle_may_be_named(make_station, name):
    st = desk(make_station)
    usb = st.dir / "media" / "ola" / "USB"
    usb.mkdir(parents=True)
    (usb / "a.raucb").write_bytes(b"a")
    (st.dir / "elsewhere.raucb").write_bytes(b"o")
    (usb / "link.raucb").symlink_to(st.dir / "elsewhere.raucb")
    code, body, _ = send(st, "POST", "/api/v1/system/update", body={
        "bundle": name.format(dir=st.dir), "supervisor": SUPERVISOR})
    assert code == (400 if not name else 404), body
    assert not (st.dir / "rauc.installed-from").exists()
    assert audit(st) == []


def test_a_named_bundle_s_body_is_checked(make_station):
    st = desk(make_station)
    for raw in (b'{"bundle": 1}', b'{"bundle": "x", "path": "y"}', b"[1]",
                b'{"bundle": '):
        code, body, _ = send(st, "POST", "/api/v1/system/update", raw=raw,
                             ctype="application/json")
        assert code == 400, (raw, body)


def test_off_loopback_an_upload_needs_the_token(make_station):
    from helpers import free_port
    st = make_station(start=False)
    token = st.dir / "api.token"
    token.write_text("s3cret-token-for-the-test\n")
    token.chmod(0o600)
    port = free_port()
    st.cfg["api"].update({"listen": "0.0.0.0:%d" % port,
                          "token_file": str(token)})
    st.cfg["clerks"][SUPERVISOR] = "Ewa, supervisor"
    st.write_config()
    st.start()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    c.request("POST", "/api/v1/system/update?supervisor=" + SUPERVISOR,
              body=b"x" * 10000,
              headers={"Content-Type": "application/octet-stream"})
    r = c.getresponse()
    assert r.status == 401, r.read()
    c.close()
    assert not (st.dir / "update").exists()


# ---- the first boot's missing items ----

def test_the_first_boot_s_missing_items_are_on_the_status(make_station):
    st = desk(make_station)
    assert "setup_missing" not in st.status()
    (st.dir / "firstboot.missing").write_text("board station admin\n")
    s = wait_for(lambda: (x := st.status()).get("setup_missing") and x,
                 timeout=10, what="the missing items read")
    assert s["setup_missing"] == ["board", "station", "admin"]
    assert st.call("GET", "/api/v1/system")[1]["setup_missing"] == [
        "board", "station", "admin"]
    (st.dir / "firstboot.missing").unlink()
    wait_for(lambda: "setup_missing" not in st.status(), timeout=10,
             what="the list gone")


@pytest.mark.parametrize("content,want", [
    (b"board\nstation\n", ["board", "station"]),
    (b"board " + b"x" * 5000 + b"\n", ["board", "unreadable"]),
    (b"\x00\x01\xff\xfe binary", ["unreadable"]),
    (b"admin\n" * 100000, ["admin", "unreadable"]),
    (b" ".join(b"item%d" % i for i in range(40)),
     ["item%d" % i for i in range(16)]),
    (b"\n\n  \n", None)],
    ids=["lines", "long", "binary", "huge", "many", "blank"])
def test_an_untrusted_list_is_read_bounded(make_station, content, want):
    st = desk(make_station)
    st.stop()
    (st.dir / "firstboot.missing").write_bytes(content)
    st.start()
    s = st.status()
    assert s.get("setup_missing") == want, s.get("setup_missing")
    assert st.alive()


def test_a_folder_where_the_list_should_be_is_unreadable(make_station):
    st = desk(make_station)
    st.stop()
    (st.dir / "firstboot.missing").mkdir()
    st.start()
    assert st.status()["setup_missing"] == ["unreadable"]


# ---- the screen's words for it ----

def test_the_screen_says_every_missing_item_and_update_state():
    """Each item the image's first boot can list (firmware/'s firstboot:
    missing="$missing WORD"), "unreadable", each update state and each new
    error code has its words in both languages (web/i18n.js)."""
    import re
    from helpers import REPO
    firstboot = (REPO / "firmware" / "rootfs" / "usr" / "lib" /
                 "retour-image" / "firstboot").read_text()
    items = set(re.findall(r'missing="\$missing (\w+)"', firstboot))
    assert items >= {"board", "station", "admin"}, items
    text = (REPO / "web" / "i18n.js").read_text()
    en, pl = text[:text.index("\n  pl: {")], text[text.index("\n  pl: {"):]
    keys = {"setup." + i for i in items | {"unreadable"}}
    keys |= {"update." + s for s in ("idle", "receiving", "installing",
                                     "installed", "failed")}
    for key in sorted(keys):
        assert '"%s":' % key in en, "no English for " + key
        assert '"%s":' % key in pl, "no Polish for " + key
    for code in ("supervisor_needed", "not_listed", "update_running",
                 "no_installer", "disk_floor"):
        assert '"err.code.%s":' % code in pl, "no Polish for " + code


def test_retourctl_status_says_it_too(make_station):
    st = desk(make_station, mode="fail")
    (st.dir / "firstboot.missing").write_text("board admin\n")
    st.stop()
    st.start()
    assert upload(st, b"q" * 100)[0] == 202
    update_over(st)
    out = st.ctl("status").stdout
    assert "this desk is not set up, missing: board admin" in out, out
    assert "update:    upload.raucb (failed): Failed to check bundle " \
        "identifier" in out, out


def test_an_upload_cut_off_is_not_kept(make_station):
    import socket
    st = desk(make_station)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(st.socket)
    s.sendall(b"POST /api/v1/system/update?supervisor=" +
              SUPERVISOR.encode() + b" HTTP/1.1\r\nHost: retourd\r\n"
              b"Content-Type: application/octet-stream\r\n"
              b"Content-Length: 1000000\r\n\r\n" + b"c" * 70000)
    wait_for(lambda: st.call("GET", "/api/v1/system/update")[1]["state"] ==
             "receiving", what="the upload arriving")
    # a second one meanwhile is refused
    assert upload(st, b"d" * 10)[0] == 409
    s.close()
    wait_for(lambda: st.call("GET", "/api/v1/system/update")[1]["state"] ==
             "idle", what="the cut upload dropped")
    assert update_dir(st) == [] and audit(st) == []
    assert not (st.dir / "rauc.installed-from").exists()


# ---- retourctl system: the same through retourd ----

def install_in_background(st, bundle):
    """`retourctl system install BUNDLE` with the supervisor's badge, left
    running: it follows the update until it ends."""
    import subprocess
    from helpers import binary
    return subprocess.Popen([binary("retourctl"), "--socket", st.socket,
                             "system", "install", str(bundle),
                             "--supervisor", SUPERVISOR],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def test_retourctl_system_install_sends_a_file_and_waits(make_station):
    st = desk(make_station, mode="wait")
    bundle = st.dir / "retour-0.11.0.raucb"
    bundle.write_bytes(os.urandom(3 * 1024 * 1024 + 17))
    p = install_in_background(st, bundle)
    # it follows the update while RAUC works, and ends only with it
    wait_for(lambda: st.call("GET", "/api/v1/system/update")[1]["state"] ==
             "installing", what="the install running")
    time.sleep(0.7)
    assert p.poll() is None
    (st.dir / "go").write_text("")
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert "installed in the other slot" in out
    assert "20%  Checking bundle" in err
    installed_from = (st.dir / "rauc.installed-from").read_text().strip()
    assert installed_from == str(st.dir / "update" / "upload.raucb")
    assert audit(st)[-1] == ("Ewa", "system.update.installed",
                             "upload.raucb (upload)")


def test_retourctl_system_install_names_a_listed_bundle(make_station):
    st = desk(make_station)
    drive = st.dir / "media" / "ola" / "STICK"
    drive.mkdir(parents=True)
    (drive / "u.raucb").write_bytes(b"u" * 999)
    out = st.ctl("system", "bundles").stdout
    assert str(drive / "u.raucb") in out and "999 bytes" in out
    r = st.ctl("--json", "system", "install", drive / "u.raucb",
               "--supervisor", SUPERVISOR)
    got = json.loads(r.stdout)
    assert got["installed"] is True and got["bundle"] == str(drive /
                                                            "u.raucb")
    assert got["update"]["state"] == "installed"
    assert got["update"]["source"] == "drive"
    assert (st.dir / "rauc.installed-from").read_text().strip() == \
        str(drive / "u.raucb")
    assert audit(st)[0] == ("Ewa", "system.update", "u.raucb (drive)")


def test_retourctl_system_install_refused_says_why(make_station):
    st = desk(make_station, mode="fail")
    bundle = st.dir / "bad.raucb"
    bundle.write_bytes(b"x" * 5000)
    r = st.ctl("system", "install", bundle, "--supervisor", SUPERVISOR,
               check=False)
    assert r.returncode == 1
    assert "was refused, nothing was changed: Failed to check bundle " \
        "identifier" in r.stderr, r.stderr
    # no supervisor: retourd's refusal, nothing started
    r = st.ctl("system", "install", bundle, check=False)
    assert r.returncode == 1 and "needs a supervisor" in r.stderr, r.stderr
    assert "--supervisor BADGE" in r.stderr
    r = st.ctl("system", "install", bundle, "--supervisor", "B" * 300,
               check=False)
    assert r.returncode == 2 and "too long" in r.stderr, r.stderr
    r = st.ctl("system", "install", bundle, "--supervisor", "NOBODY",
               check=False)
    assert r.returncode == 1 and "HTTP 403" in r.stderr, r.stderr
    assert [a[1] for a in audit(st)] == ["system.update",
                                         "system.update.failed"]
    r = st.ctl("system", "install", st.dir / "missing.raucb",
               "--supervisor", SUPERVISOR, check=False)
    assert r.returncode == 1 and "No such file" in r.stderr
    r = st.ctl("system", "install", st.dir, "--supervisor", SUPERVISOR,
               check=False)
    assert r.returncode == 1 and "not a bundle file" in r.stderr


def test_retourctl_system_status_and_usage(make_station):
    st = desk(make_station, image=True)
    wait_for(lambda: st.call("GET", "/api/v1/system")[1]["slots"],
             what="rauc status read")
    out = st.ctl("system").stdout
    assert "slot       A (next boot: B)" in out, out
    assert "A        rootfs.0, booted, boot good, bundle 0.9.0" in out, out
    assert "update     idle: no update since the daemon started" in out
    assert st.ctl("system", "status").stdout == out
    assert "no update bundle" in st.ctl("system", "bundles").stdout
    for args in (["system", "bundles", "--supervisor", "X"],
                 ["system", "frobnicate"], ["system", "install"],
                 ["returns", "list", "--supervisor", "X"]):
        r = st.ctl(*args, check=False)
        assert r.returncode == 2, (args, r.stderr)


def test_retourctl_system_install_says_when_retourd_restarts(make_station):
    st = desk(make_station, mode="wait")
    bundle = st.dir / "r.raucb"
    bundle.write_bytes(b"r" * 4096)
    p = install_in_background(st, bundle)
    wait_for(lambda: st.call("GET", "/api/v1/system/update")[1]["state"] ==
             "installing", what="the install running")
    st.stop()
    st.start()
    out, err = p.communicate(timeout=60)
    assert p.returncode == 1
    assert "retourd restarted during the install" in err, err
    assert "RAUC may still be installing it" in err
    assert "refused" not in err
