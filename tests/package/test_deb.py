# SPDX-License-Identifier: MIT
"""The Debian packages `make deb` builds (make check-deb builds all three,
then runs this as root).

Each package: its files and control data, lintian without errors, and
hardening-check on its binaries.  The amd64 one is then installed with apt
into a fresh Debian 12 root (debroot.py), which must be left with the
files, the retour user, the state directories with their owner and mode,
the units enabled, a configuration `retourd -n -w` accepts, and a daemon
that starts there, answers, and stops; removing and purging it must do
what docs/PACKAGE.md says.
"""
import glob
import gzip
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

import debroot

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = {"amd64": "build", "arm64": "build/arm64", "armhf": "build/armhf"}
ELF_MACHINE = {"amd64": "Advanced Micro Devices X86-64",
               "arm64": "AArch64", "armhf": "ARM"}
ROOT_DIR = os.path.join(TOP, "build", "debroot")


def changelog_version():
    return subprocess.run(
        ["dpkg-parsechangelog", "-l",
         os.path.join(TOP, "packaging/deb/changelog"), "-S", "Version"],
        capture_output=True, text=True, check=True).stdout.strip()


def deb_path(arch):
    path = os.path.join(TOP, BUILD[arch], "retour_%s_%s.deb" %
                        (changelog_version(), arch))
    if not os.path.exists(path):
        pytest.fail("%s is not built: make deb ARCH=%s" %
                    (path, "native" if arch == "amd64" else arch))
    return path


@pytest.fixture(scope="module", params=sorted(BUILD))
def unpacked(request, tmp_path_factory):
    """(arch, .deb, its files unpacked, its control files unpacked)."""
    arch = request.param
    deb = deb_path(arch)
    d = tmp_path_factory.mktemp("deb-" + arch)
    subprocess.run(["dpkg-deb", "-x", deb, str(d / "files")], check=True)
    subprocess.run(["dpkg-deb", "-e", deb, str(d / "control")], check=True)
    return arch, deb, str(d / "files"), str(d / "control")


def tree_expected_files():
    """What the package must hold, from this tree."""
    files = ["usr/bin/retourd", "usr/bin/retourctl",
             "etc/retour/retourd.conf",
             "usr/lib/sysusers.d/retour.conf",
             "usr/lib/tmpfiles.d/retour.conf",
             "usr/share/man/man8/retourd.8.gz",
             "usr/share/man/man1/retourctl.1.gz",
             "usr/share/man/man5/retour.conf.5.gz",
             "usr/share/doc/retour/copyright",
             "usr/share/doc/retour/changelog.Debian.gz"]
    files += ["usr/lib/systemd/system/" + os.path.basename(u)
              for u in glob.glob(os.path.join(TOP, "systemd/*.service"))]
    if os.path.exists(os.path.join(TOP, "systemd/60-retour.rules")):
        files.append("usr/lib/udev/rules.d/60-retour.rules")
    if os.path.exists(os.path.join(TOP, "systemd/retour.modules-load")):
        files.append("usr/lib/modules-load.d/retour.conf")
    files += ["usr/share/retour/boards/" + os.path.basename(b)
              for b in glob.glob(os.path.join(TOP, "boards/*.conf"))]
    files += ["usr/share/retour/checklists/" + os.path.basename(c)
              for c in glob.glob(os.path.join(TOP, "checklists/*.ini"))]
    return files


def test_package_holds_the_station(unpacked):
    arch, deb, files, control = unpacked
    missing = [f for f in tree_expected_files()
               if not os.path.isfile(os.path.join(files, f))]
    assert not missing, "not in %s: %s" % (deb, missing)
    # the default configuration is the tree's, and dpkg's to keep
    with open(os.path.join(files, "etc/retour/retourd.conf"), "rb") as a, \
            open(os.path.join(TOP, "conf/retourd.conf"), "rb") as b:
        assert a.read() == b.read()
    with open(os.path.join(control, "conffiles")) as f:
        assert f.read().split() == ["/etc/retour/retourd.conf"]
    fields = subprocess.run(["dpkg-deb", "-f", deb], capture_output=True,
                            text=True, check=True).stdout
    assert "\nArchitecture: %s\n" % arch in fields
    assert "\nVersion: %s\n" % changelog_version() in fields
    assert re.search(r"^Depends: .*\blibc6 \(>= [0-9.]+\).*\bsystemd, "
                     r"fonts-dejavu-core$", fields, re.M), fields
    # the dispute pack's libraries, found by dpkg-shlibdeps
    depends = re.search(r"^Depends: (.*)$", fields, re.M).group(1)
    assert re.search(r"\blibcairo2\b", depends), depends
    assert re.search(r"\blibzip4\b", depends), depends
    assert re.search(r"^Installed-Size: [0-9]+$", fields, re.M), fields


def test_maintainer_scripts_name_what_the_package_has(unpacked):
    """Every unit stopped and masked, the daemon's enabled, and udev asked
    again for each subsystem the rules match (SUBSYSTEM=="input|tty" is
    two)."""
    arch, deb, files, control = unpacked
    scripts = {}
    for s in ("postinst", "prerm", "postrm"):
        path = os.path.join(control, s)
        assert os.stat(path).st_mode & 0o777 == 0o755, s
        with open(path) as f:
            scripts[s] = f.read()
        assert not re.search(r"@[A-Z_]+@", scripts[s]), s
    units = sorted(os.path.basename(u) for u in
                   glob.glob(os.path.join(files, "usr/lib/systemd/system/*")))
    assert 'units="%s"' % " ".join(units) in scripts["postrm"]
    assert "for unit in retourd.service; do" in scripts["postinst"]
    rules = os.path.join(TOP, "systemd/60-retour.rules")
    if not os.path.exists(rules):
        pytest.skip("the tree has no udev rules yet")
    with open(rules) as f:
        want = set()
        for value in re.findall(r'\bSUBSYSTEM=="([^"]*)"', f.read()):
            want |= set(value.split("|"))
    m = re.search(r"udevadm trigger (.*) \|\| true", scripts["postinst"])
    assert m, scripts["postinst"]
    assert set(re.findall(r"--subsystem-match=(\S+)", m.group(1))) == want


def test_binaries_are_the_architectures_and_stripped(unpacked):
    arch, deb, files, control = unpacked
    for b in ("retourd", "retourctl"):
        path = os.path.join(files, "usr/bin", b)
        assert os.stat(path).st_mode & 0o777 == 0o755
        header = subprocess.run(["readelf", "-h", path], capture_output=True,
                                text=True, check=True).stdout
        assert re.search(r"Machine:\s+%s\n" % re.escape(ELF_MACHINE[arch]),
                         header), header
        sections = subprocess.run(["readelf", "-S", "-W", path],
                                  capture_output=True, text=True,
                                  check=True).stdout
        assert ".symtab" not in sections and ".debug_" not in sections, \
            "%s is not stripped" % path


def test_md5sums_match_the_files(unpacked):
    arch, deb, files, control = unpacked
    listed = {}
    with open(os.path.join(control, "md5sums")) as f:
        for line in f:
            digest, name = line.rstrip("\n").split("  ", 1)
            listed[name] = digest
    on_disk = set()
    for dirpath, _, names in os.walk(files):
        for n in names:
            rel = os.path.relpath(os.path.join(dirpath, n), files)
            if not rel.startswith("etc/"):
                on_disk.add(rel)
    assert set(listed) == on_disk
    for name, digest in listed.items():
        with open(os.path.join(files, name), "rb") as f:
            assert hashlib.md5(f.read()).hexdigest() == digest, name


def test_lintian_finds_no_error(unpacked):
    arch, deb, files, control = unpacked
    r = subprocess.run(["lintian", "--pedantic", "--fail-on", "error", deb],
                       capture_output=True, text=True, timeout=300)
    tags = [line for line in r.stdout.splitlines()
            if re.match(r"[EWIPX]: ", line)]
    print("lintian %s:\n%s" % (arch, "\n".join(tags)))
    assert r.returncode == 0 and not any(t.startswith("E:") for t in tags), \
        r.stdout + r.stderr


def test_hardening_check_passes(unpacked):
    """hardening-check's control flow check is left out: it looks for the
    x86 IBT/SHSTK property, which no Debian 12 binary has (glibc's crt
    files carry none, so the linker drops it: /bin/ls fails it too), and
    it has none for ARM."""
    arch, deb, files, control = unpacked
    binaries = [os.path.join(files, "usr/bin", b)
                for b in ("retourd", "retourctl")]
    r = subprocess.run(["hardening-check", "--nocfprotection"] + binaries,
                       capture_output=True, text=True, timeout=120)
    print(r.stdout)
    assert r.returncode == 0, r.stdout + r.stderr
    for check in ("Position Independent Executable", "Stack protected",
                  "Fortify Source functions", "Read-only relocations",
                  "Immediate binding"):
        found = re.findall(r"^ %s: (.*)$" % check, r.stdout, re.M)
        assert len(found) == 2 and all(f.startswith("yes") for f in found), \
            "%s: %s" % (check, found)


def test_stack_clash_probes_are_there():
    """hardening-check only knows the probe loop of very large frames
    ("unknown" here); the page-by-page probes of the frames over 4 KiB are
    in the binary: a 4 KiB step of the stack pointer, then a store to it."""
    deb = deb_path("amd64")
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["dpkg-deb", "-x", deb, d], check=True)
        code = subprocess.run(
            ["objdump", "-d", "-M", "intel",
             os.path.join(d, "usr/bin/retourd")],
            capture_output=True, text=True, check=True).stdout
    assert re.search(r"sub\s+rsp,0x1000\n.*\n?.*or\s+QWORD PTR \[rsp\],0x0",
                     code), "no stack clash probe in retourd"


@pytest.mark.parametrize("page", ["man8/retourd.8.gz",
                                  "man1/retourctl.1.gz",
                                  "man5/retour.conf.5.gz"])
def test_man_page_reads_without_warnings(page, tmp_path):
    subprocess.run(["dpkg-deb", "-x", deb_path("amd64"), str(tmp_path)],
                   check=True)
    path = str(tmp_path / "usr/share/man" / page)
    env = dict(os.environ, MANROFFSEQ="", MANWIDTH="80", LC_ALL="C.UTF-8")
    r = subprocess.run(["man", "-l", path], capture_output=True, text=True,
                       env=env, timeout=60)
    assert r.returncode == 0 and "NAME" in r.stdout, r.stderr
    w = subprocess.run(["man", "--warnings", "-l", path],
                       capture_output=True, text=True, env=env, timeout=60)
    assert w.returncode == 0 and w.stderr == "", w.stderr


# ---- installed into a fresh Debian 12 root ----

@pytest.fixture(scope="module")
def installed():
    """The root with the amd64 package installed by apt; removed after."""
    deb = deb_path("amd64")
    try:
        debroot.check_host()
        tar, archives = debroot.base_tarball(
            os.path.join(ROOT_DIR, "cache"), "amd64")
    except debroot.RootError as e:
        pytest.fail(str(e))
    root = os.path.join(ROOT_DIR, "root")
    debroot.unpack(tar, archives, root)
    shutil.copy(deb, os.path.join(root, "tmp"))
    inside = "/tmp/" + os.path.basename(deb)
    r = debroot.run(root, ["apt-get", "install", "-y", "-q",
                           "--no-install-recommends", "-o", "Dpkg::Use-Pty=0", inside], timeout=600)
    assert r.returncode == 0, "apt-get install %s:\n%s\n%s" % (
        inside, r.stdout[-6000:], r.stderr[-4000:])
    debroot.keep_archives(root, archives)
    yield root, inside, r.stdout + r.stderr
    debroot.remove_root(root)


def root_entry(root, db, name):
    """The line of @name in the root's /etc/@db (passwd, group), split."""
    with open(os.path.join(root, "etc", db)) as f:
        for line in f:
            fields = line.rstrip("\n").split(":")
            if fields[0] == name:
                return fields
    return None


def test_installed_files_are_in_place(installed):
    root, _, _ = installed
    missing = [f for f in tree_expected_files()
               if not os.path.isfile(os.path.join(root, f))]
    assert not missing
    r = debroot.run(root, ["dpkg-query", "-W", "-f=${Status}", "retour"])
    assert r.stdout == "install ok installed", r.stdout + r.stderr
    # every library the binaries need was brought by Depends
    r = debroot.run(root, ["sh", "-c", "ldd /usr/bin/retourd "
                           "/usr/bin/retourctl"])
    assert r.returncode == 0 and "not found" not in r.stdout, r.stdout


def test_retour_user_and_group_exist(installed):
    root, _, _ = installed
    user = root_entry(root, "passwd", "retour")
    group = root_entry(root, "group", "retour")
    assert user and group, "no retour user or group in the root"
    assert user[3] == group[2], "retour's primary group is not retour"
    assert int(user[2]) < 1000, "retour is not a system user: %s" % user
    assert user[5] == "/var/lib/retour"
    assert user[6].endswith("nologin")


def test_state_directories_have_their_owner_and_mode(installed):
    """Every directory tmpfiles.d/retour.conf makes, and every path whose
    mode it adjusts, as it says."""
    root, _, _ = installed
    made = {}
    with open(os.path.join(root, "usr/lib/tmpfiles.d/retour.conf")) as f:
        for line in f:
            w = line.split()
            if w and w[0] in ("d", "D", "z", "Z") and w[2] != "-":
                made[w[1]] = (int(w[2], 8), w[3], w[4])
    assert "/var/lib/retour" in made and "/var/lib/retour/photos" in made
    for path, (mode, user, group) in made.items():
        st = os.stat(os.path.join(root, path.lstrip("/")))
        want = (mode, int(root_entry(root, "passwd", user)[2]),
                int(root_entry(root, "group", group)[2]))
        assert (st.st_mode & 0o7777, st.st_uid, st.st_gid) == want, path


def test_units_are_installed_and_the_daemon_enabled(installed):
    root, _, _ = installed
    unit = os.path.join(root, "usr/lib/systemd/system/retourd.service")
    with open(unit) as f:
        wanted_by = re.search(r"^WantedBy=(\S+)", f.read(), re.M).group(1)
    link = os.path.join(root, "etc/systemd/system", wanted_by + ".wants",
                        "retourd.service")
    assert os.path.islink(link), "retourd.service is not enabled"
    assert os.readlink(link) == "/lib/systemd/system/retourd.service" or \
        os.readlink(link) == "/usr/lib/systemd/system/retourd.service"
    # the kiosk needs a display the package does not bring: not enabled
    kiosk = glob.glob(os.path.join(root, "etc/systemd/system/*.wants/"
                                   "retour-kiosk.service"))
    assert not kiosk


def test_packaged_config_is_accepted(installed):
    """As the service's ExecStartPre runs it: as retour, with -n -w.
    Without -w the root's missing devices are exit 3, the files fine."""
    root, _, _ = installed
    r = debroot.run(root, ["retourd", "-n", "-w"], user="retour")
    assert r.returncode == 0, r.stderr
    assert "/etc/retour/retourd.conf: configuration ok" in r.stderr
    r = debroot.run(root, ["retourd", "-n"], user="retour")
    assert r.returncode == 3, r.stderr
    assert "configuration ok" in r.stderr
    assert "not plugged in" in r.stderr


def test_man_page_example_is_accepted(installed):
    """retour.conf(5)'s example desk, as the page prints it."""
    root, _, _ = installed
    with gzip.open(os.path.join(
            root, "usr/share/man/man5/retour.conf.5.gz"), "rt") as f:
        page = f.read()
    m = re.search(r"A desk with its clerks.*?\.EX\n(.*?)\.EE\n", page, re.S)
    assert m, "no example in retour.conf(5)"
    example = m.group(1).replace("\\-", "-")
    with open(os.path.join(root, "tmp/example.conf"), "w") as f:
        f.write(example)
    r = debroot.run(root, ["retourd", "-n", "-w", "-c", "/tmp/example.conf"],
                    user="retour")
    assert r.returncode == 0, example + r.stderr


def test_daemon_runs_on_the_fresh_root(installed, tmp_path):
    """As the service would start it (the runtime directory systemd would
    make, made here), on its own loopback: ready, answering on its socket,
    its database made in /var/lib/retour, stopped by SIGTERM."""
    root, _, _ = installed
    uid = int(root_entry(root, "passwd", "retour")[2])
    gid = int(root_entry(root, "group", "retour")[2])
    run_dir = os.path.join(root, "run/retour")
    os.makedirs(run_dir, exist_ok=True)
    os.chown(run_dir, uid, gid)
    log_path = tmp_path / "retourd.log"
    with open(log_path, "wb") as log:
        p = debroot.start(root, ["retourd"], log, user="retour")
        try:
            deadline = time.monotonic() + 30
            while "ready" not in log_path.read_text(errors="replace"):
                assert p.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.2)
            r = debroot.run(root, ["retourctl", "--json", "status"],
                            timeout=20)
            assert r.returncode == 0, r.stdout + r.stderr
            assert json.loads(r.stdout)["desk"] == "desk-1"
            st = os.stat(os.path.join(root, "var/lib/retour/retour.db"))
            assert (st.st_uid, st.st_gid) == (uid, gid)
        finally:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
            try:
                code = p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)
                raise
    assert code == 0, log_path.read_text()
    assert "stopped" in log_path.read_text()
    assert not debroot.mounted_under(root)


def test_every_depends_was_installed_by_apt(installed):
    """apt, not a hand-made list, brought the libraries: each of the
    package's Depends is installed in the root."""
    root, _, log = installed
    r = debroot.run(root, ["sh", "-c", "dpkg-deb -f %s Depends" %
                           installed[1]])
    assert r.returncode == 0, r.stderr
    for dep in r.stdout.strip().split(", "):
        name = dep.split()[0]
        q = debroot.run(root, ["dpkg-query", "-W", "-f=${Status}", name])
        assert "install ok installed" in q.stdout, (name, log[-3000:])


def test_remove_and_purge_keep_the_records(installed):
    """remove: the conffile and the records stay, the unit is masked.
    purge: /etc/retour goes and the database stays, saying so; purged
    with RETOUR_PURGE_DATA=yes, it goes too."""
    root, inside, _ = installed
    db = os.path.join(root, "var/lib/retour/retour.db")
    if not os.path.exists(db):
        pytest.fail("no database: test_daemon_runs_on_the_fresh_root "
                    "makes it first")
    r = debroot.run(root, ["dpkg", "--remove", "retour"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert not os.path.exists(os.path.join(root, "usr/bin/retourd"))
    assert os.path.exists(os.path.join(root, "etc/retour/retourd.conf"))
    assert os.path.exists(db)
    mask = os.path.join(root, "etc/systemd/system/retourd.service")
    assert os.path.islink(mask) and os.readlink(mask) == "/dev/null"

    r = debroot.run(root, ["dpkg", "--purge", "retour"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "kept /var/lib/retour" in r.stderr
    assert not os.path.exists(os.path.join(root, "etc/retour"))
    assert os.path.exists(db)
    assert not os.path.lexists(mask)
    assert not glob.glob(os.path.join(root, "etc/systemd/system/*.wants/"
                                      "retourd.service"))

    r = debroot.run(root, ["apt-get", "install", "-y", "-q",
                           "--no-install-recommends", "-o", "Dpkg::Use-Pty=0", inside], timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    r = debroot.run(root, ["dpkg", "--purge", "retour"],
                    env={"RETOUR_PURGE_DATA": "yes"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert not os.path.exists(os.path.join(root, "var/lib/retour"))
