# SPDX-License-Identifier: MIT
"""The systemd and udev files in systemd/, checked with systemd's own tools
where this machine has them (it does not run systemd as PID 1, so no unit
is started here):

- systemd-analyze verify on both units, and security --offline=true on
  retourd.service at an exposure of 2.0 or lower (issue 10), with the
  settings the issue asks for still there;
- sysusers.d and tmpfiles.d applied to a scratch root (make install-system
  DESTDIR=...): the users, and the owners and modes they leave;
- 60-retour.rules read line by line by a strict parser (keys, operators,
  quoting, ids, links, roles; the boards' /dev/retour/* paths and USB ids)
  and by udev's own parser (udevadm test, in a private mount namespace so
  that nothing on the host changes);
- the system calls and socket families retourd uses on the sim board, a
  return driven through under strace, against the unit's SystemCallFilter=
  and RestrictAddressFamilies= (the only part of the sandbox the daemon's
  own code can break without a board: libusb, evdev, V4L2 and libgpiod are
  not exercised here).
"""
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

import helpers
from helpers import GTIN_TSHIRT, expected_return, wait_for

REPO = Path(__file__).resolve().parents[2]
UNITS = REPO / "systemd"
SERVICE = UNITS / "retourd.service"
KIOSK = UNITS / "retour-kiosk.service"
RULES = UNITS / "60-retour.rules"
EXPOSURE_MAX = 2.0

needs_analyze = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None,
    reason="systemd-analyze not installed (Debian: systemd)")


def run(argv, **kw):
    kw.setdefault("timeout", 60)
    return subprocess.run(argv, capture_output=True, text=True, **kw)


def unit_settings(path):
    """[(section, key, value)] of a unit file, continuation lines joined."""
    out, section, pending = [], None, ""
    for raw in Path(path).read_text().splitlines():
        line = pending + raw.strip()
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        out.append((section, key.strip(), value.strip()))
    return out


def values(path, key, section="Service"):
    return [v for s, k, v in unit_settings(path) if s == section and k == key]


# ---- the units ----------------------------------------------------------

@needs_analyze
def test_units_verify_clean(tmp_path):
    """systemd-analyze verify says nothing about either unit.  It insists
    that each command exists, which /usr/bin/retourd and /usr/bin/cage do
    not on a build machine: the copies run /bin/true instead, and nothing
    else in them differs."""
    true = shutil.which("true")
    for unit in (SERVICE, KIOSK):
        text = unit.read_text()
        swapped = re.sub(r"/usr/bin/(retourd|cage)\b", true, text)
        assert swapped != text, "%s: no command swapped" % unit.name
        (tmp_path / unit.name).write_text(swapped)
    r = run(["systemd-analyze", "verify", "--man=no",
             str(tmp_path / SERVICE.name), str(tmp_path / KIOSK.name)],
            cwd=tmp_path)
    assert r.returncode == 0 and not (r.stdout + r.stderr).strip(), \
        "systemd-analyze verify:\n" + r.stdout + r.stderr


@needs_analyze
def test_service_exposure_at_most_2():
    r = run(["systemd-analyze", "security", "--offline=true", "--no-pager",
             str(SERVICE)])
    m = re.search(r"Overall exposure level for retourd\.service: "
                  r"([0-9]+\.[0-9])", r.stdout)
    assert m, "no exposure in:\n" + r.stdout + r.stderr
    exposure = float(m.group(1))
    print("retourd.service exposure: %.1f" % exposure)
    assert exposure <= EXPOSURE_MAX, \
        "exposure %.1f > %.1f:\n%s" % (exposure, EXPOSURE_MAX, r.stdout)


def test_service_keeps_what_the_issue_asks():
    one = {k: values(SERVICE, k) for k in (
        "Type", "WatchdogSec", "Restart", "User", "Group", "StateDirectory",
        "DevicePolicy", "CapabilityBoundingSet", "PrivateNetwork")}
    assert one["Type"] == ["notify"]
    assert one["WatchdogSec"] and int(one["WatchdogSec"][-1]) > 0
    assert one["Restart"] == ["on-failure"]
    assert one["User"] == ["retour"] and one["Group"] == ["retour"]
    assert one["StateDirectory"] == ["retour"]
    assert one["DevicePolicy"] == ["closed"]
    assert one["CapabilityBoundingSet"] == [""]
    assert one["PrivateNetwork"] == []      # the shops are on the network
    assert values(SERVICE, "SupplementaryGroups") == [], \
        "device access is by group retour from udev, not other groups"
    creds = [v.split(":")[0] for v in values(SERVICE, "LoadCredential")]
    assert "webhook-secret" in creds, creds
    # conf/retourd.conf's secret is a credential of this very unit
    conf = (REPO / "conf" / "retourd.conf").read_text()
    for name in re.findall(r"^secret_file = /run/credentials/retourd\.service/"
                           r"(\S+)$", conf, re.M):
        assert name in creds, name
    for cmd in values(SERVICE, "ExecStart") + values(SERVICE, "ExecStartPre"):
        assert "-c /etc/retour/retourd.conf" in cmd, cmd
    # every device kind: the class its nodes are
    allowed = {v.split()[0] for v in values(SERVICE, "DeviceAllow")}
    for cls in ("char-input", "char-ttyACM", "char-ttyUSB", "char-hidraw",
                "char-usb_device", "char-video4linux", "char-gpiochip"):
        assert cls in allowed, cls
    # a class whose driver is a module must be registered before the
    # service starts (systemd reads /proc/devices then): modules-load.d
    modules = (UNITS / "retour.modules-load").read_text().split("\n")
    modules = {m.strip() for m in modules if m.strip() and m[0] != "#"}
    for cls, module in (("char-ttyACM", "cdc_acm"),
                        ("char-ttyUSB", "usbserial"),
                        ("char-hidraw", "hid"),
                        ("char-video4linux", "videodev")):
        assert cls not in allowed or module in modules, (cls, module)
    # the daemon's watchdog ping: sd-event sends WATCHDOG=1 from the loop
    main = (REPO / "src" / "retourd" / "main.c").read_text()
    assert re.search(r"sd_event_set_watchdog\(\w+, true\)", main)


def test_kiosk_waits_for_the_daemon():
    for key in ("Requires", "After"):
        assert "retourd.service" in " ".join(values(KIOSK, key, "Unit")), key
    start = " ".join(values(KIOSK, "ExecStart"))
    assert "--kiosk" in start and "http://127.0.0.1:8470/" in start
    listen = re.search(r"^listen = (\S+)$",
                       (REPO / "conf" / "retourd.conf").read_text(), re.M)
    assert listen and "http://%s/" % listen.group(1) in start


# ---- sysusers.d and tmpfiles.d ------------------------------------------

def test_sysusers_and_tmpfiles_in_a_scratch_root(tmp_path):
    for tool in ("systemd-sysusers", "systemd-tmpfiles", "make"):
        if shutil.which(tool) is None:
            pytest.skip("%s not installed (Debian: systemd)" % tool)
    if os.geteuid() != 0:
        pytest.skip("systemd-tmpfiles --root sets owners: needs root")
    root = tmp_path / "root"
    r = run(["make", "-s", "-C", str(REPO), "install-system",
             "DESTDIR=" + str(root), "PREFIX=/usr"])
    assert r.returncode == 0, r.stdout + r.stderr
    (root / "etc").mkdir()
    r = run(["systemd-sysusers", "--root=" + str(root)])
    assert r.returncode == 0 and "ignoring" not in r.stderr, r.stderr
    users = {}
    for line in (root / "etc" / "passwd").read_text().splitlines():
        name, _, uid, gid, _, home, shell = line.split(":")
        users[name] = (int(uid), int(gid), home, shell)
    groups = {line.split(":")[0]: int(line.split(":")[2]) for line in
              (root / "etc" / "group").read_text().splitlines()}
    assert users["retour"][2] == "/var/lib/retour"
    assert users["retour"][3].endswith("nologin")
    assert users["retour"][0] < 1000, "a system user"
    assert "retour-kiosk" in users and "retour" in groups

    (root / "etc" / "retour").mkdir()
    shutil.copy(REPO / "conf" / "retourd.conf", root / "etc" / "retour")
    os.chmod(root / "etc" / "retour" / "retourd.conf", 0o644)
    r = run(["systemd-tmpfiles", "--root=" + str(root), "--create"])
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr
    uid, gid = users["retour"][0], groups["retour"]
    want = {"etc/retour": (0, gid, 0o750),
            "etc/retour/retourd.conf": (0, gid, 0o640),
            "var/lib/retour": (uid, gid, 0o750),
            "var/lib/retour/photos": (uid, gid, 0o750)}
    for rel, (o, g, mode) in want.items():
        st = os.lstat(root / rel)
        assert (st.st_uid, st.st_gid, st.st_mode & 0o7777) == (o, g, mode), \
            "%s: %d:%d %o" % (rel, st.st_uid, st.st_gid, st.st_mode & 0o7777)


# ---- udev rules: a strict reading ---------------------------------------

ROLES = ("scanner", "scale", "printer", "camera")
MATCH_KEYS = {"ACTION", "SUBSYSTEM", "KERNEL", "DRIVER", "ATTR", "ATTRS",
              "ENV", "SUBSYSTEMS", "KERNELS", "DRIVERS", "TAG"}
ASSIGN_KEYS = {"SYMLINK", "GROUP", "MODE", "ENV", "RUN", "GOTO", "LABEL",
               "TAG", "ATTR", "OPTIONS"}
TOKEN = re.compile(r'\s*([A-Z]+)(?:\{([A-Za-z0-9_./]+)\})?'
                   r'(==|!=|\+=|-=|:=|=)"([^"]*)"\s*(?:,|$)')


def parse_rule(line):
    """[(key, attr, op, value)] or an AssertionError naming the fault."""
    tokens, pos = [], 0
    while pos < len(line):
        m = TOKEN.match(line, pos)
        assert m, "cannot read at column %d: %r" % (pos + 1, line[pos:])
        tokens.append(m.groups())
        pos = m.end()
    assert tokens, "empty rule"
    return tokens


def rule_lines(text):
    """(line number, rule, is a commented template) for each rule."""
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            body = line[1:].strip()
            if re.match(r"[A-Z]+(\{[^}]*\})?(==|!=|=|\+=|:=)\"", body):
                yield n, body, True
            continue
        yield n, line, False


def check_rules(text):
    """Every problem of a rules file, as "line N: problem"."""
    problems, labels, gotos, roles_set, roles_used = [], set(), [], {}, {}
    for n, line, template in rule_lines(text):
        try:
            tokens = parse_rule(line)
        except AssertionError as e:
            problems.append("line %d: %s" % (n, e))
            continue
        keyed = {}
        for key, attr, op, value in tokens:
            keyed.setdefault((key, attr), []).append((op, value))
            matching = op in ("==", "!=")
            if matching and key not in MATCH_KEYS:
                problems.append("line %d: %s is not a match key" % (n, key))
            if not matching and key not in ASSIGN_KEYS:
                problems.append("line %d: %s cannot be assigned" % (n, key))
            if key in ("ATTR", "ATTRS", "ENV") and not attr:
                problems.append("line %d: %s without {name}" % (n, key))
            if key in ("GROUP", "MODE") and op != ":=":
                problems.append("line %d: %s%s is not final (:=)" %
                                (n, key, op))
            if key == "GROUP" and value != "retour":
                problems.append("line %d: group %s" % (n, value))
            if key == "MODE" and value != "0660":
                problems.append("line %d: mode %s" % (n, value))
            if key == "SYMLINK":
                if op != "+=" or value not in ["retour/" + r for r in ROLES]:
                    problems.append("line %d: SYMLINK%s\"%s\" (only += of "
                                    "retour/<role>)" % (n, op, value))
            if key == "LABEL":
                labels.add(value)
            if key == "GOTO":
                gotos.append((n, value))
            if attr in ("idVendor", "idProduct") and \
                    not re.fullmatch(r"[0-9a-f]{4}", value):
                if not (template and value in ("vvvv", "pppp")):
                    problems.append("line %d: %s \"%s\" is not 4 lowercase "
                                    "hex digits" % (n, attr, value))
            if key == "ENV" and attr == "RETOUR_DEVICE":
                if op == "=":
                    if value not in ROLES:
                        problems.append("line %d: role %s" % (n, value))
                    roles_set.setdefault(value, []).append(n)
                else:
                    roles_used.setdefault(value, []).append((n, keyed))
        for kind in ("ATTR", "ATTRS"):
            v, p = (kind, "idVendor") in keyed, (kind, "idProduct") in keyed
            if v != p:
                problems.append("line %d: %s{idVendor} and {idProduct} go "
                                "together" % (n, kind))
            if v and ("ENV", "RETOUR_DEVICE") not in keyed:
                problems.append("line %d: an id that gives no role" % n)
    for n, target in gotos:
        if target not in labels:
            problems.append("line %d: GOTO %s has no LABEL" % (n, target))
    for role in roles_set:
        links = [k for _, k in roles_used.get(role, [])
                 if ("retour/" + role) in
                 [v for _, v in k.get(("SYMLINK", None), [])]]
        if not links:
            problems.append("role %s: no rule links /dev/retour/%s" %
                            (role, role))
    return problems


def rules_ids(text):
    """{(vendor, product): role} of the rules' (uncommented) device lists."""
    ids = {}
    for _, line, template in rule_lines(text):
        if template:
            continue
        t = {(k, a): v for k, a, _, v in parse_rule(line)}
        if ("ATTRS", "idVendor") in t:
            ids[(t[("ATTRS", "idVendor")], t[("ATTRS", "idProduct")])] = \
                t[("ENV", "RETOUR_DEVICE")]
    return ids


def test_rules_read_strictly():
    assert check_rules(RULES.read_text()) == []


def test_rules_checker_finds_faults():
    """The checker itself: each fault below is one it must report."""
    good = ('SUBSYSTEM=="hidraw", ATTRS{idVendor}=="0922", '
            'ATTRS{idProduct}=="8003", ENV{RETOUR_DEVICE}="scale"\n'
            'ENV{RETOUR_DEVICE}=="scale", GROUP:="retour", MODE:="0660", '
            'SYMLINK+="retour/scale"\n')
    assert check_rules(good) == []
    faults = {
        'ATTRS{idVendor}=="0922", ENV{RETOUR_DEVICE}="scale"': "together",
        'ATTRS{idVendor}=="0922", ATTRS{idProduct}=="80A3", '
        'ENV{RETOUR_DEVICE}="scale"': "hex",
        'SUBSYSTEM=="usb", SYMLINK+="scale"': "SYMLINK",
        'SUBSYSTEM=="usb", GROUP="retour"': "final",
        'SUBSYSTEM=="usb", GROUP:="plugdev"': "group",
        'SUBSYSTEM="usb", MODE:="0660"': "cannot be assigned",
        'SUBSYSTEM=="usb", MODE:="0660': "cannot read",
        'FOO=="x", MODE:="0660"': "not a match key",
        'ACTION=="add", GOTO="nowhere"': "no LABEL",
        'ATTRS{idVendor}=="0922", ATTRS{idProduct}=="8003", '
        'ENV{RETOUR_DEVICE}="fridge"': "role",
    }
    for line, word in faults.items():
        found = check_rules(good + line + "\n")
        assert any(word in p for p in found), (line, found)


def test_boards_name_what_the_rules_make():
    """A board's /dev/retour/<role> path is a link the rules make, and a
    USB id a board names (a comment counts) is in the rules' lists with the
    role of the section it is in."""
    ids = rules_ids(RULES.read_text())
    for board in sorted((REPO / "boards").glob("*.conf")):
        section = None
        for n, raw in enumerate(board.read_text().splitlines(), 1):
            line = raw.lstrip(";# ").strip()
            m = re.match(r"\[(\w+)", line)
            if m and raw.startswith("["):
                section = m.group(1)
            for role in re.findall(r"/dev/retour/(\w+)", line):
                assert role in ROLES, "%s:%d: /dev/retour/%s" % (
                    board.name, n, role)
            m = re.match(r"usb\s*=\s*([0-9a-fA-F]{4}):([0-9a-fA-F]{4})",
                         line)
            if m and section in ROLES:
                key = (m.group(1).lower(), m.group(2).lower())
                assert ids.get(key) == section, \
                    "%s:%d: %s:%s is not a %s in 60-retour.rules" % (
                        board.name, n, key[0], key[1], section)


# ---- udev rules: udev's own parser --------------------------------------

def test_rules_pass_udevs_parser(tmp_path):
    """udevadm test reads every rules file and names each line it cannot
    use ("file:line Invalid key", "Unknown group").  It also applies what
    it finds to the device it tests, so it runs in a user and mount
    namespace of its own with tmpfs over /dev, /run and
    /etc/udev/rules.d, /sys read-only, and /etc/group holding a retour
    group: nothing on the host changes.  A second rules file with a known
    fault proves the faults are seen."""
    if shutil.which("udevadm") is None or shutil.which("unshare") is None:
        pytest.skip("udevadm or unshare not installed (Debian: udev)")
    device = "/sys/devices/virtual/mem/null"
    for path in ("/etc/udev/rules.d", device):
        if not os.path.isdir(path):
            pytest.skip("no %s here" % path)
    probe = run(["unshare", "-r", "-m", "true"])
    if probe.returncode != 0:
        pytest.skip("no user namespaces here: " + probe.stderr.strip())
    group = tmp_path / "group"
    group.write_text(Path("/etc/group").read_text() + "retour:x:64999:\n")
    (tmp_path / "61-selftest.rules").write_text(
        'SUBSYSTEM=="mem", GROUP:="no-such-group-retour"\n'
        'SUBSYSTEM=="mem", FROBNICATE="1"\n')
    script = """set -e
mount --rbind /sys /sys
mount -o remount,bind,ro /sys
mount -t tmpfs tmpfs /dev
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /etc/udev/rules.d
mount --bind "$1/group" /etc/group
cp "$2" "$1/61-selftest.rules" /etc/udev/rules.d/
exec udevadm test --action=add "$3"
"""
    r = run(["unshare", "-r", "-m", "sh", "-c", script, "sh",
             str(tmp_path), str(RULES), device])
    out = r.stdout + r.stderr
    assert "Reading rules file: /etc/udev/rules.d/60-retour.rules" in out, out
    assert "61-selftest.rules:1 Unknown group" in out, out
    assert "61-selftest.rules:2 " in out, out
    ours = [line for line in out.splitlines() if "60-retour.rules:" in line]
    assert ours == [], "\n".join(ours)


# ---- the daemon's system calls under the unit's filter ------------------

def syscall_groups():
    """{"@name": [members]} from systemd-analyze syscall-filter."""
    r = run(["systemd-analyze", "syscall-filter", "--no-pager"])
    groups, current = {}, None
    for line in r.stdout.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.strip(), [])
        elif current is not None and line.strip() and \
                not line.strip().startswith("#"):
            current.append(line.strip())
    return groups


def filter_of_unit():
    """The set of system calls SystemCallFilter= allows (an allow list)."""
    groups = syscall_groups()

    def expand(name, seen=()):
        if not name.startswith("@"):
            return {name}
        assert name in groups, "unknown group " + name
        out = set()
        for m in groups[name]:
            if m not in seen:
                out |= expand(m, seen + (name,))
        return out

    allowed = None
    for v in values(SERVICE, "SystemCallFilter"):
        deny = v.startswith("~")
        names = set()
        for item in v.lstrip("~").split():
            names |= expand(item)
        if allowed is None:
            assert not deny, "the filter must be an allow list"
            allowed = names
        elif deny:
            allowed -= names
        else:
            allowed |= names
    assert allowed is not None, "retourd.service has no SystemCallFilter="
    return allowed


TRACE_LINE = re.compile(r"^\d+\s+(?:<\.\.\. )?([a-z_0-9]+)(?:\(| resumed>)")


@needs_analyze
def test_sim_desk_stays_inside_the_filter(make_station):
    """A return on the sim board under strace: every system call retourd
    makes is one the unit allows, every socket a family it allows."""
    if shutil.which("strace") is None:
        pytest.skip("strace not installed")
    with open(helpers.binary("retourd"), "rb") as f:
        if f.read(2) == b"#!":
            # make arm-check wraps the ARM build in qemu-user: strace would
            # see the emulator's host system calls, not retourd's.
            pytest.skip("retourd runs under an emulator here")
    allowed = filter_of_unit()
    families = set(" ".join(values(SERVICE,
                                   "RestrictAddressFamilies")).split())
    st = make_station(start=False)
    trace = st.dir / "strace.out"
    with open(st.log_path, "ab") as log:
        st.proc = subprocess.Popen(
            ["strace", "-f", "-qq", "-o", str(trace),
             helpers.binary("retourd"), "-c", st.conf_path],
            cwd=str(REPO), stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    wait_for(lambda: st.call("GET", "/healthz", timeout=1)[0] == 200
             if st.proc.poll() is None else True, timeout=20,
             what="retourd under strace to answer")
    assert st.proc.poll() is None, st.log()
    st.sign_in()
    st.import_expected(expected_return())
    s = st.run_to("RMA-10001", items=[GTIN_TSHIRT, GTIN_TSHIRT], grade="A")
    st.confirm()
    wait_for(lambda: st.shop.delivered("refund.requested"), timeout=15,
             what="the refund event to reach the shop")
    assert s["proposal"]["verdict"] == "accept"
    # SIGTERM to retourd itself (strace's one child), then strace ends
    with open("/proc/%d/task/%d/children" % (st.proc.pid, st.proc.pid)) as f:
        os.kill(int(f.read().split()[0]), signal.SIGTERM)
    st.proc.wait(timeout=20)
    used, bad_families = {}, set()
    for line in trace.read_text(errors="replace").splitlines():
        m = TRACE_LINE.match(line)
        if not m:
            continue
        used.setdefault(m.group(1), line)
        f = re.search(r"\bsocket\((AF_[A-Z0-9]+)", line)
        if f and f.group(1) not in families:
            bad_families.add(line)
    assert "epoll_wait" in used and "sendto" in used, "trace too thin"
    # SQLite gives the journal and WAL files it makes to the database's
    # owner when it runs as root (robust_open), and only then: the service
    # runs as retour, a test here may run as root.
    if os.geteuid() == 0:
        used.pop("fchown", None)
    outside = {name: line for name, line in used.items()
               if name not in allowed}
    assert outside == {}, "outside SystemCallFilter=:\n" + \
        "\n".join(outside.values())
    assert bad_families == set(), "\n".join(bad_families)
